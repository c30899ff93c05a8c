"""The user side end to end (issue 12), over real HTTP against the real binary: a user lists their sessions from one
session's token (current first, the exact snake_case fields) and signs out another, all others (one feed entry that
keeps the current session) and the current one; every revocation is refused by the gateway (`/v1/verify`) and by a
networkless VerifierSync follower (`sessionctl revocations await`) within a second. Consents granted through the admin
API, client tokens carrying `client_id`, a consent revoked by the user refusing that client's tokens only. The audit
log from both sides: the user's own events newest first, the tenant's oldest first as an unbroken hash chain, its
filters and keyset pages. Anomalies (another country or device family) flagged, listed, and with the tenant's
`anomaly_action` revoke, revoked at once. Browser rules (per-tenant CORS origins, the `__session` cookie, no-store),
an attacker's inputs (no, garbage, foreign-kid, other-tenant and forged tokens; hostile ids; huge bodies), and the rate
limits on a second server that has them on.
The browser is simulated behind a trusted proxy (127.0.0.1) that forwards the end user's address in X-Forwarded-For,
so a user-side request from "London" or "Milton, US" is what the server sees.
Usage: user_side.py SESSION_SERVER SESSIONCTL GEOIP_DATABASE  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import base64, json, os, re, subprocess, sys, threading, time
import httpx, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, sessionctl, geoip = sys.argv[1], sys.argv[2], sys.argv[3]
checks = Checks("user-side")
check = checks.check
operator = "op_test_" + os.urandom(24).hex()

MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36"
DEVICES = {MAC: ("desktop", "macOS", "Chrome"), IPHONE: ("mobile", "iOS", "Mobile Safari"), ANDROID: ("mobile", "Android", "Chrome Mobile")}
LONDON, MILTON_US = "81.2.69.142", "216.160.83.56"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
USER_SESSION_FIELDS = {"id", "created_at", "last_used_at", "expires_at", "user_agent", "ip", "device", "location", "auth_method",
                       "mfa_verified", "current"}
USER_CONSENT_FIELDS = {"id", "client_id", "client_name", "scopes", "granted_at", "last_used_at"}
USER_EVENT_FIELDS = {"id", "seq", "type", "occurred_at", "actor", "user_id", "session_id", "ip_address", "user_agent", "data", "prev_hash",
                     "hash", "tenant"}
ADMIN_EVENT_FIELDS = {"id", "seq", "type", "occurredAt", "actor", "userId", "sessionId", "ipAddress", "userAgent", "data", "prevHash", "hash",
                      "tenant"}


def b64(data):
    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else json.dumps(data).encode()).rstrip(b"=").decode()


def short(response):
    return f"{response.status_code} {response.text[:200]}"


server = Server(server_binary, TESSERA_OPERATOR_KEY=operator, TESSERA_GEOIP_DATABASE=geoip, TESSERA_RATE_LIMIT="off",
                TESSERA_TRUSTED_PROXIES="127.0.0.1/32,::1/128")
limited = Server(server_binary)
followers = []
try:
    if not server.start():
        check("the server starts (rate limits off, GeoIP database, trusted loopback proxy)", False, server.output[-800:])
        raise SystemExit(1)
    key = server.secret_key()
    base = server.base
    clerk = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    admin = httpx.Client(base_url=f"{base}/t/default/api/v1/admin", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    op = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {operator}"}, timeout=30)
    ctl_env = dict(os.environ, TESSERA_URL=base, TESSERA_SECRET_KEY=key)
    verifier_key = subprocess.run([sessionctl, "revocations", "verifier-key"], env=ctl_env, capture_output=True, text=True).stdout.strip()
    check("a verifier key for the followers", verifier_key.startswith("vk_"), verifier_key)
    ctl_env["TESSERA_SECRET_KEY"] = verifier_key

    answers = []  # every user-side answer, for the no-store check

    def user(method, path, token=None, agent=MAC, address=LONDON, headers=None, **kwargs):
        """A user-side call as the user's browser makes it (behind the trusted proxy, from `address`)."""
        sent = {"User-Agent": agent}
        if address:
            sent["X-Forwarded-For"] = address
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        response = httpx.request(method, base + path, headers=sent, timeout=30, **kwargs)
        answers.append((f"{method} {path[:60]}", response))
        return response

    def gateway(token):
        return httpx.get(f"{base}/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code

    class Follower:
        """`sessionctl revocations await TOKEN`: a real networkless VerifierSync follower, started before the revocation."""

        def __init__(self, token):
            self.output = ""
            self.ready = threading.Event()
            self.process = subprocess.Popen([sessionctl, "revocations", "await", "--timeout", "10", token], env=ctl_env,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            followers.append(self)
            threading.Thread(target=self.read, daemon=True).start()
            self.ready.wait(20)

        def read(self):
            for line in self.process.stdout:
                self.output += line
                if "the token verifies" in line:
                    self.ready.set()
            self.ready.set()

        def refused_within(self, seconds):
            """(whether it reported the token revoked within `seconds` of being ready, its line)."""
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            time.sleep(0.05)
            found = re.search(r"refused after (\S+) seconds?: (\S+)", self.output)
            if not found:
                return False, self.output.strip()[-300:]
            return float(found.group(1)) <= seconds and found.group(2) == "revoked", found.group(0)

    def open_session(user_id, agent=MAC, address=LONDON, client=admin, **extra):
        answer = client.post(f"/users/{user_id}/sessions", json={"ipAddress": address, "userAgent": agent, "authMethod": "password", **extra})
        body = answer.json() if answer.status_code == 200 else {}
        return body.get("session", {}).get("id"), body.get("token"), answer

    def listed_ids(response):
        return [s.get("id") for s in response.json().get("data", [])] if response.status_code == 200 else None

    # 1. Three sessions (different devices, all from London); listed from one of them, on both paths.
    user_a = clerk.post("/v1/users", json={"first_name": "Ada", "external_id": "user-side-a"}).json()["id"]
    user_b = clerk.post("/v1/users", json={"first_name": "Bob"}).json()["id"]
    opened = {}
    for agent, mfa in ((MAC, True), (IPHONE, False), (ANDROID, False)):
        session_id, token, answer = open_session(user_a, agent, mfaVerified=mfa)
        check(f"a session is opened through the admin API ({DEVICES[agent][1]})", token is not None, short(answer))
        opened[agent] = (session_id, token)
    mac_id, mac_token = opened[MAC]
    iphone_id, iphone_token = opened[IPHONE]
    android_id, android_token = opened[ANDROID]
    for path in ("/api/v1/sessions", "/api/v1/auth/sessions"):
        answer = user("GET", path, mac_token)
        data = answer.json().get("data", []) if answer.status_code == 200 else []
        check(f"GET {path}: exactly the 3 sessions", answer.status_code == 200 and sorted(s["id"] for s in data) == sorted(s for s, _ in opened.values()),
              short(answer))
        check(f"GET {path}: the current one first with current: true, the others false",
              [s.get("current") for s in data] == [True, False, False] and data[:1] and data[0]["id"] == mac_id, str([(s.get("id"), s.get("current")) for s in data]))
        agents = {session_id: agent for agent, (session_id, _) in opened.items()}
        for session in data:
            agent = agents.get(session.get("id"))
            problems = []
            if set(session) != USER_SESSION_FIELDS:
                problems.append(f"fields {sorted(set(session) ^ USER_SESSION_FIELDS)}")
            if not all(isinstance(session.get(name), str) and ISO.match(session[name]) for name in ("created_at", "last_used_at", "expires_at")):
                problems.append("times not ISO 8601 ms Z")
            if session.get("device") != dict(zip(("type", "os", "browser"), DEVICES.get(agent, ()))):
                problems.append(f"device {session.get('device')}")
            if session.get("location") != {"city": "London", "country": "GB"}:
                problems.append(f"location {session.get('location')}")
            if (session.get("ip"), session.get("user_agent"), session.get("auth_method"), session.get("mfa_verified")) != (LONDON, agent, "password", agent == MAC):
                problems.append(f"ip/agent/auth {session.get('ip')} {session.get('auth_method')} {session.get('mfa_verified')}")
            check(f"GET {path}: {DEVICES.get(agent, ('?', '?'))[1]} session has exactly the §4 fields and values", not problems, "; ".join(problems))

    # 2. Revoke another session: the gateway and a follower refuse its token within a second.
    follower = Follower(iphone_token)
    check("a follower verifies the iPhone session's token before the revocation", follower.ready.is_set() and "the token verifies" in follower.output,
          follower.output[-300:])
    answer = user("DELETE", f"/api/v1/sessions/{iphone_id}", mac_token)
    check("DELETE /api/v1/sessions/{another of mine} is 204", answer.status_code == 204 and not answer.content, short(answer))
    check("its token is refused by GET /v1/verify (401)", gateway(iphone_token) == 401)
    refused, detail = follower.refused_within(1.0)
    check(f"its token is refused by a VerifierSync follower within 1 s ({detail})", refused, detail)
    check("the current session's token still passes the gateway", gateway(mac_token) == 200)
    check("the list no longer shows it", sorted(listed_ids(user("GET", "/api/v1/sessions", mac_token)) or []) == sorted([mac_id, android_id]))

    # 3. Sign out all others: one entry that keeps the current session.
    follower = Follower(android_token)
    answer = user("DELETE", "/api/v1/sessions", mac_token)
    check("DELETE /api/v1/sessions is 200 {\"revoked_count\": 1}", answer.status_code == 200 and answer.json() == {"revoked_count": 1}, short(answer))
    answer = user("GET", "/api/v1/sessions", mac_token)
    check("the current token still lists: only itself, current", answer.status_code == 200
          and [(s["id"], s["current"]) for s in answer.json()["data"]] == [(mac_id, True)], short(answer))
    check("the current token still passes the gateway", gateway(mac_token) == 200)
    check("the other's token is refused by GET /v1/verify", gateway(android_token) == 401)
    refused, detail = follower.refused_within(1.0)
    check(f"the other's token is refused by a follower within 1 s ({detail})", refused, detail)
    feed = httpx.get(f"{base}/v1/revocations?after=0", headers={"Authorization": f"Bearer {verifier_key}"}, timeout=30).json()
    user_entries = [e for e in feed.get("entries", []) if e.get("user_id") == user_a and "session_ids" in e]
    entry = user_entries[0] if len(user_entries) == 1 else {}
    check("the feed holds ONE entry for it: user_id, session_ids without the current one, except_session_id = current",
          len(user_entries) == 1 and entry.get("session_ids") == [android_id] and mac_id not in entry.get("session_ids", [])
          and entry.get("except_session_id") == mac_id, json.dumps(user_entries)[:400])
    listed = subprocess.run([sessionctl, "revocations", "list"], env=ctl_env, capture_output=True, text=True)
    ctl_entries = [e for e in json.loads(listed.stdout or "{}").get("entries", []) if e.get("user_id") == user_a and "session_ids" in e]
    check("sessionctl revocations list shows the same single entry", [e.get("seq") for e in ctl_entries] == [entry.get("seq")], listed.stdout[-300:])

    # 4. Another user's session: not exposed, not revocable, untouched.
    b_id, b_token, answer = open_session(user_b)
    check("user B has a session", b_token is not None, short(answer))
    unknown = "sess_" + os.urandom(16).hex()
    answer = user("GET", f"/api/v1/sessions/{b_id}", mac_token)
    stranger_answer = user("GET", f"/api/v1/sessions/{unknown}", mac_token)
    check("GET /api/v1/sessions/{another user's} is not served: the same 404/405 as an unknown id", answer.status_code in (404, 405)
          and (answer.status_code, answer.text.replace(b_id, "ID")) == (stranger_answer.status_code, stranger_answer.text.replace(unknown, "ID")),
          f"{short(answer)} vs {short(stranger_answer)}")
    other = user("DELETE", f"/api/v1/sessions/{b_id}", mac_token)
    nobody = user("DELETE", f"/api/v1/sessions/{unknown}", mac_token)
    check("DELETE /api/v1/sessions/{another user's} is 404", other.status_code == 404, short(other))
    check("... answered exactly like an unknown id (nothing revealed)", (other.status_code, other.json().get("error", {}).get("code"))
          == (nobody.status_code, nobody.json().get("error", {}).get("code")), f"{short(other)} vs {short(nobody)}")
    check("DELETE /api/v1/auth/sessions/{another user's} is 404", user("DELETE", f"/api/v1/auth/sessions/{b_id}", mac_token).status_code == 404)
    check("that session still works (gateway 200, its own list 200)", gateway(b_token) == 200
          and listed_ids(user("GET", "/api/v1/sessions", b_token)) == [b_id])

    # 5. Consents.
    grant = {"clientId": "photo-app", "clientName": "Photo App", "scopes": ["read", "write"]}
    answer = admin.post(f"/users/{user_a}/consents", json=grant)
    consent = answer.json() if answer.status_code == 200 else {}
    check("admin grants a consent: 200 Consent", answer.status_code == 200 and str(consent.get("id", "")).startswith("cnst_")
          and {k: consent.get(k) for k in ("userId", "clientId", "clientName", "scopes", "status", "revokedAt")}
          == {"userId": user_a, "clientId": "photo-app", "clientName": "Photo App", "scopes": ["read", "write"], "status": "active", "revokedAt": None}
          and ISO.match(consent.get("grantedAt") or ""), short(answer))
    consent_a = consent.get("id")
    answer = admin.post(f"/users/{user_a}/consents", json={**grant, "scopes": ["read", "write", "share"]})
    check("re-granting updates it in place (same id, new scopes)", answer.status_code == 200 and answer.json().get("id") == consent_a
          and answer.json().get("scopes") == ["read", "write", "share"], short(answer))
    admin_list = admin.get(f"/users/{user_a}/consents").json().get("data", [])
    check("the admin list holds one consent for the client", [c.get("id") for c in admin_list] == [consent_a], str(admin_list)[:300])
    answer = user("GET", "/api/v1/auth/consents", mac_token)
    data = answer.json().get("data", []) if answer.status_code == 200 else []
    check("GET /api/v1/auth/consents lists it, snake_case", answer.status_code == 200 and len(data) == 1 and set(data[0]) == USER_CONSENT_FIELDS
          and (data[0]["id"], data[0]["client_id"], data[0]["client_name"], data[0]["scopes"]) == (consent_a, "photo-app", "Photo App", ["read", "write", "share"])
          and ISO.match(data[0]["granted_at"]), short(answer))
    answer = admin.post(f"/users/{user_b}/consents", json=grant)
    consent_b = answer.json().get("id") if answer.status_code == 200 else None
    check("user B is granted the same client", consent_b is not None and consent_b != consent_a, short(answer))

    def mint(session_id, client, agent=MAC, address=LONDON):
        return admin.post(f"/sessions/{session_id}/tokens", json={"clientId": client, "ipAddress": address, "userAgent": agent})

    answer_a, answer_b = mint(mac_id, "photo-app"), mint(b_id, "photo-app")
    client_a = answer_a.json().get("token") if answer_a.status_code == 200 else None
    client_b = answer_b.json().get("token") if answer_b.status_code == 200 else None
    claims_a = jwt.decode(client_a, options={"verify_signature": False}) if client_a else {}
    claims_b = jwt.decode(client_b, options={"verify_signature": False}) if client_b else {}
    check("A's client token carries client_id photo-app (and A's session)", (claims_a.get("client_id"), claims_a.get("sub"), claims_a.get("sid"))
          == ("photo-app", user_a, mac_id), short(answer_a))
    check("B's client token carries client_id photo-app (and B's session)", (claims_b.get("client_id"), claims_b.get("sub"), claims_b.get("sid"))
          == ("photo-app", user_b, b_id), short(answer_b))
    answer = mint(mac_id, "calendar-app")
    check("a mint for a client without consent is 409 consent_required", answer.status_code == 409
          and answer.json().get("error", {}).get("code") == "consent_required", short(answer))
    check("both client tokens pass the gateway before the revocation", gateway(client_a) == 200 and gateway(client_b) == 200)
    answer = user("DELETE", f"/api/v1/auth/consents/{consent_b}", mac_token)
    check("DELETE /api/v1/auth/consents/{another user's} is 404", answer.status_code == 404, short(answer))
    check("... and B's consent stays active", [c.get("status") for c in admin.get(f"/users/{user_b}/consents").json().get("data", [])] == ["active"])
    follower = Follower(client_a)
    check("a follower verifies A's client token before the revocation", "the token verifies" in follower.output, follower.output[-300:])
    answer = user("DELETE", f"/api/v1/auth/consents/{consent_a}", mac_token)
    check("DELETE /api/v1/auth/consents/{mine} is 204", answer.status_code == 204 and not answer.content, short(answer))
    check("A's client token is refused by GET /v1/verify", gateway(client_a) == 401)
    refused, detail = follower.refused_within(1.0)
    check(f"A's client token is refused by a follower within 1 s ({detail})", refused, detail)
    check("B's client token is still accepted", gateway(client_b) == 200)
    check("A's plain session token is still accepted (gateway and user side)", gateway(mac_token) == 200
          and user("GET", "/api/v1/sessions", mac_token).status_code == 200)
    revoked = next((c for c in admin.get(f"/users/{user_a}/consents").json().get("data", []) if c.get("id") == consent_a), {})
    check("the admin list shows it revoked with revokedAt", revoked.get("status") == "revoked" and ISO.match(revoked.get("revokedAt") or ""), str(revoked))
    answer = user("GET", "/api/v1/auth/consents", mac_token)
    check("the user's list no longer shows it", answer.status_code == 200 and answer.json().get("data") == [], short(answer))
    answer = mint(mac_id, "photo-app")
    check("a new mint for the revoked client is 409 consent_required", answer.status_code == 409, short(answer))

    # 6. Audit, the user's view (newest first) and the tenant's (oldest first, one unbroken chain).
    answer = user("GET", "/api/v1/auth/audit", mac_token)
    events = answer.json().get("data", []) if answer.status_code == 200 else []
    check("GET /api/v1/auth/audit answers the user's events", answer.status_code == 200 and events and all(e.get("user_id") == user_a for e in events),
          short(answer))
    check("... newest first", [e["seq"] for e in events] == sorted((e["seq"] for e in events), reverse=True), str([e.get("seq") for e in events]))
    check("... snake_case fields", all(set(e) == USER_EVENT_FIELDS for e in events), str(sorted(set(events[0]) if events else [])))
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    expected = {"auth.session_created": ("secret_key", 3), "auth.session_revoked": ("user", 1), "auth.sessions_revoked": ("user", 1),
                "auth.consent_granted": ("secret_key", None), "auth.consent_revoked": ("user", 1)}
    for kind, (actor, count) in expected.items():
        found = by_type.get(kind, [])
        check(f"... {kind} ({'×' + str(count) if count else 'present'}, actor {actor})", (len(found) == count if count else found)
              and all(e["actor"]["type"] == actor for e in found), str([(e["actor"], e.get("session_id")) for e in found])[:300])
    check("... the revocations name the sessions", [e["session_id"] for e in by_type.get("auth.session_revoked", [])] == [iphone_id]
          and [e["session_id"] for e in by_type.get("auth.sessions_revoked", [])] == [mac_id])
    paged, cursor = [], None
    for _ in range(50):
        page = user("GET", "/api/v1/auth/audit?limit=2" + (f"&cursor={cursor}" if cursor else ""), mac_token).json()
        paged += [e["id"] for e in page.get("data", [])]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    check("the user's audit in pages of 2 (next_cursor) repeats and skips nothing", paged == [e["id"] for e in events], f"{len(paged)} vs {len(events)}")

    def admin_pages(query, limit):
        seen, cursor = [], None
        for _ in range(500):
            answer = admin.get("/audit", params={**query, "limit": limit, **({"cursor": cursor} if cursor else {})})
            if answer.status_code != 200:
                return None, short(answer)
            seen += answer.json()["data"]
            cursor = answer.json().get("nextCursor")
            if not cursor:
                return seen, ""
        return None, "no end"

    log, detail = admin_pages({}, 500)
    log = log or []
    check("admin GET /audit answers camelCase events", bool(log) and all(set(e) == ADMIN_EVENT_FIELDS for e in log), detail)
    check("... oldest first, seq strictly increasing by 1", all(b["seq"] == a["seq"] + 1 for a, b in zip(log, log[1:])),
          str([e["seq"] for e in log])[:300])
    check("... each prevHash is the previous hash", all(b["prevHash"] == a["hash"] for a, b in zip(log, log[1:])))
    created, detail = admin_pages({"type": "auth.session_created"}, 500)
    check("the type filter", created and all(e["type"] == "auth.session_created" for e in created)
          and [e["id"] for e in created] == [e["id"] for e in log if e["type"] == "auth.session_created"], detail)
    mine, detail = admin_pages({"userId": user_a}, 500)
    check("the userId filter is the user's own view, oldest first", mine is not None and [e["id"] for e in mine] == [e["id"] for e in reversed(events)],
          detail)
    paged_mine, detail = admin_pages({"userId": user_a}, 2)
    check("userId filter in pages of 2: no repeat, no skip", paged_mine is not None and [e["id"] for e in paged_mine] == [e["id"] for e in mine or []], detail)
    paged_all, detail = admin_pages({}, 2)
    check("the whole log in pages of 2: no repeat, no skip", paged_all is not None and [e["id"] for e in paged_all] == [e["id"] for e in log[:len(paged_all or [])]]
          and len(paged_all) >= len(log), detail)
    forged = ["bogus", b64(b"a1:-1"), b64(b"a1:1x"), b64(f"v1:1:{mac_id}".encode()), "a1:3", "%00", "A" * 200]
    statuses = [admin.get("/audit", params={"cursor": c}).status_code for c in forged]
    check("a forged cursor is 400 (admin)", all(s == 400 for s in statuses), str(statuses))
    statuses = [user("GET", "/api/v1/auth/audit", mac_token, params={"cursor": c}).status_code for c in forged]
    check("a forged cursor is 400 (user side)", all(s == 400 for s in statuses), str(statuses))

    # 4 (end). Sign-out: revoking the current session.
    answer = user("DELETE", f"/api/v1/sessions/{mac_id}", mac_token)
    check("DELETE /api/v1/sessions/{current} (sign-out) is 204", answer.status_code == 204, short(answer))
    answer = user("GET", "/api/v1/sessions", mac_token)
    check("then its token gets 401 with WWW-Authenticate: Bearer", answer.status_code == 401
          and answer.headers.get("www-authenticate", "").startswith("Bearer"), f"{short(answer)} {answer.headers.get('www-authenticate')}")
    check("... and the gateway refuses it", gateway(mac_token) == 401)

    # 7. Anomalies: another country flagged (and listed), then with anomaly_action revoke, revoked at once.
    user_c = clerk.post("/v1/users", json={"first_name": "Cy"}).json()["id"]
    moved_id, moved_token, _ = open_session(user_c)
    normal_id, normal_token, _ = open_session(user_c)
    answer = mint(moved_id, None, MAC, MILTON_US)
    check("flag mode: a token call from the US for a London session still mints", answer.status_code == 200, short(answer))
    sessions = {s["id"]: s for s in admin.get(f"/users/{user_c}/sessions").json().get("data", [])}
    check("the admin session shows anomalous: true (the normal one false)", sessions.get(moved_id, {}).get("anomalous") is True
          and sessions.get(normal_id, {}).get("anomalous") is False, str({k: v.get("anomalous") for k, v in sessions.items()}))
    flagged = [s for s in admin.get("/sessions", params={"anomalous": "true", "limit": 500}).json().get("data", [])]
    check("GET /sessions?anomalous=true lists it and not the normal ones", moved_id in [s["id"] for s in flagged]
          and normal_id not in [s["id"] for s in flagged] and b_id not in [s["id"] for s in flagged] and all(s["anomalous"] for s in flagged),
          str([s["id"] for s in flagged]))
    anomalies = admin.get("/audit", params={"type": "auth.session_anomaly", "sessionId": moved_id}).json().get("data", [])
    data = anomalies[0].get("data", {}) if anomalies else {}
    check("an auth.session_anomaly event carries both countries and the address", len(anomalies) == 1
          and (data.get("opened_country"), data.get("country"), data.get("ip")) == ("GB", "US", MILTON_US), str(anomalies)[:400])
    check("flag mode leaves the session working", gateway(moved_token) == 200)
    answer = op.patch("/operator/v1/tenants/default", json={"anomaly_action": "revoke"})
    check("PATCH /operator/v1/tenants/default anomaly_action revoke", answer.status_code == 200 and answer.json().get("anomaly_action") == "revoke",
          short(answer))
    stolen_id, stolen_token, _ = open_session(user_c)
    answer = user("GET", "/api/v1/sessions", stolen_token, address=MILTON_US)
    check("revoke mode: the user side used from the US is refused (4xx)", 400 <= answer.status_code < 500 and "London" not in answer.text, short(answer))
    check("... and the session is revoked (gateway 401, gone from the admin list)", gateway(stolen_token) == 401
          and stolen_id not in [s["id"] for s in admin.get(f"/users/{user_c}/sessions").json().get("data", [])])
    minted_id, minted_token, _ = open_session(user_c)
    answer = mint(minted_id, None, MAC, MILTON_US)
    check("revoke mode: a token call from the US is refused (4xx, not 401/403)", 400 <= answer.status_code < 500
          and answer.status_code not in (401, 403), short(answer))
    check("... and that session's token is refused by the gateway", gateway(minted_token) == 401)
    device_id, device_token, _ = open_session(user_c)
    answer = mint(device_id, None, IPHONE, LONDON)
    check("revoke mode: another device family (macOS desktop → iOS mobile) is refused and revoked", 400 <= answer.status_code < 500
          and gateway(device_token) == 401, short(answer))
    check("the sessions used as opened are untouched", gateway(normal_token) == 200 and user("GET", "/api/v1/sessions", normal_token).status_code == 200)
    revoked_events = admin.get("/audit", params={"type": "auth.session_revoked", "sessionId": stolen_id}).json().get("data", [])
    check("the anomaly revocation is in the audit log", len(revoked_events) == 1, str(revoked_events)[:300])
    op.patch("/operator/v1/tenants/default", json={"anomaly_action": "flag"})

    # 8. Browser rules.
    app, evil = "https://app.example.com", "https://evil.example"
    answer = op.patch("/operator/v1/tenants/default", json={"allowed_origins": [app]})
    check("PATCH allowed_origins", answer.status_code == 200 and answer.json().get("allowed_origins") == [app], short(answer))
    preflight = {"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"}
    answer = user("OPTIONS", "/api/v1/sessions", headers={"Origin": app, **preflight})
    check("a preflight from the allowed origin: 204, its ACAO, credentials allowed", answer.status_code == 204
          and answer.headers.get("access-control-allow-origin") == app and answer.headers.get("access-control-allow-credentials") == "true"
          and "DELETE" in answer.headers.get("access-control-allow-methods", ""), f"{answer.status_code} {dict(answer.headers)}")
    answer = user("OPTIONS", "/api/v1/sessions", headers={"Origin": evil, **preflight})
    check("a preflight from another origin: 403, no ACAO", answer.status_code == 403 and "access-control-allow-origin" not in answer.headers,
          f"{answer.status_code} {dict(answer.headers)}")
    answer = user("GET", "/api/v1/sessions", normal_token, headers={"Origin": evil})
    check("a GET with the token from another origin: 403, no ACAO", answer.status_code == 403 and "access-control-allow-origin" not in answer.headers
          and normal_id not in answer.text, short(answer))
    answer = user("GET", "/api/v1/sessions", normal_token, headers={"Origin": app})
    check("a GET with the token from the allowed origin: 200 with ACAO", answer.status_code == 200
          and answer.headers.get("access-control-allow-origin") == app and answer.headers.get("access-control-allow-credentials") == "true", short(answer))
    answer = user("DELETE", f"/api/v1/sessions/sess_{os.urandom(16).hex()}", normal_token, headers={"Origin": app})
    check("an error answer to the allowed origin carries ACAO too (the page can read the 404)", answer.status_code == 404
          and answer.headers.get("access-control-allow-origin") == app, f"{answer.status_code} {dict(answer.headers)}")
    answer = user("GET", "/api/v1/sessions", headers={"Cookie": f"theme=dark; __session={normal_token}"})
    check("the __session cookie instead of the header works for GET", answer.status_code == 200
          and [(s["id"], s["current"]) for s in answer.json()["data"]][:1] == [(normal_id, True)], short(answer))
    answer = user("DELETE", "/api/v1/sessions", headers={"Cookie": f"__session={normal_token}", "Origin": evil})
    check("a cookie-borne DELETE from another origin (CSRF) is 403 and changes nothing", answer.status_code == 403
          and gateway(moved_token) == 200, short(answer))

    # 9. An attacker's inputs.
    answer = user("GET", "/api/v1/sessions")
    check("no token: 401 with WWW-Authenticate: Bearer", answer.status_code == 401 and answer.headers.get("www-authenticate", "").startswith("Bearer"),
          short(answer))
    header, payload, signature = normal_token.split(".")
    default_kid = jwt.get_unverified_header(normal_token)["kid"]
    claims = jwt.decode(normal_token, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attempts = {
        "garbage": "garbage", "three dots": "a.b.c", "empty parts": "..", "a huge token": "x" * 20000,
        "alg none": f"{b64({'alg': 'none', 'kid': default_kid, 'typ': 'JWT'})}.{payload}.",
        "a truncated signature": f"{header}.{payload}.{signature[:-8]}",
        "an altered payload": f"{header}.{b64({**claims, 'sub': user_a})}.{signature}",
        "a made-up kid": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "made-up-kid"}),
        "the real kid signed by a stranger": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": default_kid}),
        "HS256 with the public kid": jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": default_kid}),
    }
    for name, token in attempts.items():
        answer = user("GET", "/api/v1/sessions", token)
        check(f"{name}: 401 with WWW-Authenticate", answer.status_code == 401 and answer.headers.get("www-authenticate", "").startswith("Bearer"),
              short(answer))
    for name, value in (("Basic credentials", "Basic dXNlcjpwYXNz"), ("a bare Bearer", "Bearer"), ("a secret key", f"Bearer {key}")):
        answer = user("GET", "/api/v1/sessions", headers={"Authorization": value})
        check(f"{name}: 401", answer.status_code == 401, short(answer))

    # A second tenant whose signing key we hold (as its operator would), with a session of its own.
    other_key = ec.generate_private_key(ec.SECP256R1())
    pem = other_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    answer = op.post("/operator/v1/tenants", json={"slug": "other", "signing_algorithm": "ES256", "private_key_pem": pem,
                                                   "allowed_origins": ["https://other.example"]})
    check("a second tenant (its own ES256 key) through the operator API", answer.status_code == 200, short(answer))
    other = answer.json() if answer.status_code == 200 else {}
    other_admin = httpx.Client(base_url=f"{base}/t/other/api/v1/admin", headers={"Authorization": f"Bearer {other.get('secret_key')}"}, timeout=30)
    other_clerk = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {other.get('secret_key')}"}, timeout=30)
    other_user = other_clerk.post("/v1/users", json={"first_name": "Oz"}).json().get("id")
    other_session, other_token, answer = open_session(other_user, client=other_admin)
    check("a session in the second tenant", other_token is not None, short(answer))
    answer = user("GET", "/api/v1/sessions", other_token)
    check("its token lists its own tenant's session only", listed_ids(answer) == [other_session], short(answer))
    check("its token is refused by the default tenant's gateway", gateway(other_token) == 401)
    other_kid = jwt.get_unverified_header(other_token)["kid"]
    other_header, other_payload, other_signature = other_token.split(".")
    other_claims = jwt.decode(other_token, options={"verify_signature": False})
    mixes = {
        "default header + other tenant's payload and signature": f"{header}.{other_payload}.{other_signature}",
        "other tenant's header + default payload + other signature": f"{other_header}.{payload}.{other_signature}",
        "default header and payload + other tenant's signature": f"{header}.{payload}.{other_signature}",
        "other tenant's key, the default tenant's kid": jwt.encode(claims, other_key, algorithm="ES256", headers={"kid": default_kid}),
        "other tenant's key and kid, the default issuer, a default user's session": jwt.encode(claims, other_key, algorithm="ES256",
                                                                                              headers={"kid": other_kid}),
        "other tenant's key, kid and issuer, a default user's session": jwt.encode({**claims, "iss": other_claims["iss"]}, other_key,
                                                                                   algorithm="ES256", headers={"kid": other_kid}),
    }
    for name, token in mixes.items():
        answer = user("GET", "/api/v1/sessions", token)
        check(f"{name}: 401", answer.status_code == 401 and normal_id not in answer.text, short(answer))
        answer = user("DELETE", "/api/v1/sessions", token)
        check(f"{name}: DELETE is 401 too", answer.status_code == 401, short(answer))
    check("the default user's session survived every forged token", gateway(normal_token) == 200 and gateway(moved_token) == 200)
    answer = user("GET", "/api/v1/sessions", normal_token, headers={"Origin": "https://other.example"})
    check("an origin allowed by another tenant only is 403 for this tenant's token", answer.status_code == 403, short(answer))
    answer = user("GET", "/api/v1/sessions", other_token, headers={"Origin": app})
    check("... and the other way round", answer.status_code == 403, short(answer))

    hostile = {"NUL": "sess_%00", "NUL inside": "sess_" + "a" * 16 + "%00" + "a" * 15, "300 characters": "sess_" + "a" * 295,
               "uppercase hex": "sess_" + os.urandom(16).hex().upper(), "the other tenant's session": other_session,
               "dot segments": "..%2F..%2Fsessions", "unicode": "sess_%C3%A9" + "a" * 30, "percent garbage": "%ZZ"}
    for name, session_id in hostile.items():
        for path in (f"/api/v1/sessions/{session_id}", f"/api/v1/auth/sessions/{session_id}"):
            answer = user("DELETE", path, normal_token)
            check(f"DELETE {path.rsplit('/', 1)[0].removeprefix('/api/v1/')}/<{name}>: 400 or 404, never 500", answer.status_code in (400, 404), short(answer))
        answer = user("GET", f"/api/v1/sessions/{session_id}", normal_token)
        check(f"GET sessions/<{name}>: not served (4xx), never 500", 400 <= answer.status_code < 500, short(answer))
    for name, consent_id in {"NUL": "cnst_%00", "300 characters": "cnst_" + "a" * 295, "uppercase hex": "cnst_" + os.urandom(16).hex().upper(),
                             "a session id": normal_id, "B's consent": consent_b}.items():
        answer = user("DELETE", f"/api/v1/auth/consents/{consent_id}", normal_token)
        check(f"DELETE auth/consents/<{name}>: 400 or 404, never 500", answer.status_code in (400, 404), short(answer))
    for query in ("limit=0", "limit=501", "limit=abc", "limit=-1", "type=%00", "cursor=", "userId=" + user_a, "x=1"):
        answer = user("GET", f"/api/v1/auth/audit?{query}", normal_token)
        check(f"GET auth/audit?{query}: 400, never 500", answer.status_code == 400, short(answer))
    huge = b'{"a":"' + b"x" * (2 << 20) + b'"}'
    for path in (f"/api/v1/sessions/sess_{os.urandom(16).hex()}", f"/api/v1/auth/consents/cnst_{os.urandom(16).hex()}"):
        answer = user("DELETE", path, normal_token, content=huge, headers={"Content-Type": "application/json"})
        check(f"a 2 MiB body on DELETE {path[:24]}…: 413 or ignored (404), never 500", answer.status_code in (404, 413), short(answer))
    answer = user("DELETE", "/api/v1/sessions", normal_token, content=huge, headers={"Content-Type": "application/json"})
    check("a 2 MiB body on DELETE /api/v1/sessions: 413 or ignored (200), never 500", answer.status_code in (200, 413), short(answer))
    check("the server is still up and the session still works", server.process.poll() is None and gateway(normal_token) == 200)

    # 8 (end). Every user-side answer is no-store.
    missing = [f"{what} → {response.status_code}" for what, response in answers if response.headers.get("cache-control") != "no-store"]
    check(f"every user-side answer ({len(answers)}) has Cache-Control: no-store", not missing, "; ".join(missing[:8]))

    # 10. Rate limits, on a server that has them on (the default).
    if not limited.start():
        check("a second server with rate limits on starts", False, limited.output[-800:])
    else:
        limited_key = limited.secret_key()
        limited_clerk = httpx.Client(base_url=limited.base, headers={"Authorization": f"Bearer {limited_key}"}, timeout=30)
        limited_admin = httpx.Client(base_url=f"{limited.base}/t/default/api/v1/admin", headers={"Authorization": f"Bearer {limited_key}"}, timeout=30)
        hammered = limited_clerk.post("/v1/users", json={"first_name": "Hal"}).json()["id"]
        _, hammer_token, answer = open_session(hammered, client=limited_admin)
        statuses, limited_answers = [], []
        started = time.monotonic()
        with httpx.Client(base_url=limited.base, headers={"Authorization": f"Bearer {hammer_token}", "User-Agent": MAC}, timeout=30) as browser:
            # Until well past the limit (a slow machine refills 10 requests a second meanwhile).
            while len(statuses) < 600 and len(limited_answers) < 20:
                response = browser.get("/api/v1/sessions")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    limited_answers.append(response)
        elapsed = time.monotonic() - started
        retry = [r.headers.get("retry-after", "") for r in limited_answers]
        check(f"{len(statuses)} requests in {elapsed:.1f} s with one session: the first 100 pass", statuses[:100] == [200] * 100,
              str({s: statuses.count(s) for s in set(statuses)}))
        check("... then 429 with an integer Retry-After ≥ 1", limited_answers and all(v.isdigit() and int(v) >= 1 for v in retry)
              and all(r.json().get("error", {}).get("code") == "rate_limited" and r.headers.get("cache-control") == "no-store" for r in limited_answers),
              f"{statuses.count(429)} × 429, Retry-After {sorted(set(retry))}")
        statuses = []
        with httpx.Client(base_url=limited.base, timeout=30) as anonymous:
            while len(statuses) < 1500 and 429 not in statuses:
                statuses.append(anonymous.get("/api/v1/sessions").status_code)
        check(f"per client address: requests without a token from one address meet 429 (after {len(statuses)})", 429 in statuses and set(statuses) <= {401, 429},
              str({s: statuses.count(s) for s in set(statuses)}))
finally:
    for follower in followers:
        if follower.process.poll() is None:
            follower.process.kill()
    server.stop()
    limited.stop()
sys.exit(1 if checks.fails else 0)

"""The tenant admin surface end to end (issue 11), over real HTTP: a production tenant made through the operator API;
sessions opened for a user with real user agents (desktop Chrome on macOS, iPhone Safari, iPad, Android Chrome, a
crawler) and addresses from MaxMind's test database; the parsed device and location on the admin session and on
Clerk's `latest_activity`; revoking one session and all of them reaching `GET /t/{slug}/v1/verify` within a second;
the IP and CIDR filters; keyset pages under concurrent inserts; and the client address behind a trusted proxy, which
an untrusted client can never set with headers.
Usage: admin.py SESSION_SERVER GEOIP_DATABASE  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import concurrent.futures, os, sys, threading, time
import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, geoip = sys.argv[1], sys.argv[2]
checks = Checks("admin")
check = checks.check
operator = "op_test_" + os.urandom(24).hex()

AGENTS = {
    "mac-chrome": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                   ("desktop", "macOS", "Chrome")),
    "iphone": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
               ("mobile", "iOS", "Mobile Safari")),
    "ipad": ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
             ("tablet", "iOS", "Mobile Safari")),
    "android": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
                ("mobile", "Android", "Chrome Mobile")),
    "crawler": ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ("bot", "Other", "Googlebot")),
}


def within(seconds, condition):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


server = Server(server_binary, TESSERA_OPERATOR_KEY=operator, TESSERA_GEOIP_DATABASE=geoip)
proxied = Server(server_binary, work=server.work, TESSERA_OPERATOR_KEY=operator, TESSERA_GEOIP_DATABASE=geoip, TESSERA_TRUSTED_PROXIES="127.0.0.1/32,::1/128")
try:
    if not server.start() or not proxied.start():
        check("the servers start with the GeoIP database", False, server.output[-800:] + proxied.output[-800:])
        raise SystemExit(1)
    op = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {operator}"}, timeout=30)
    created = op.post("/operator/v1/tenants", json={"slug": "acme", "environment": "production", "signing_algorithm": "ES256"})
    check("a production tenant is created through the operator API", created.status_code == 200, created.text[:300])
    key = created.json()["secret_key"]
    admin = httpx.Client(base_url=f"{server.base}/t/acme/api/v1/admin", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    clerk = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    user = clerk.post("/v1/users", json={"first_name": "Ada", "external_id": "crm-1"}).json()["id"]

    def gateway_status(token):
        return httpx.get(f"{server.base}/t/acme/v1/verify", headers={"Authorization": f"Bearer {token}"}).status_code

    opened = {}
    for name, (agent, (kind, os_family, browser)) in AGENTS.items():
        answer = admin.post(f"/users/{user}/sessions", json={"ipAddress": "81.2.69.142", "userAgent": agent, "authMethod": "password",
                                                              "mfaVerified": name == "mac-chrome"})
        body = answer.json() if answer.status_code == 200 else {}
        session = body.get("session", {})
        opened[name] = (session.get("id"), body.get("token"))
        device = session.get("device", {})
        check(f"{name}: the device is parsed ({kind}, {os_family}, {browser})",
              (device.get("type"), device.get("os"), device.get("browser")) == (kind, os_family, browser), f"{answer.status_code} {device}")
        check(f"{name}: the location comes from the GeoIP database", session.get("location") == {"city": "London", "country": "GB"},
              str(session.get("location")))
        check(f"{name}: its token passes the tenant's gateway", body.get("token") is not None and gateway_status(body["token"]) == 200)

    # Clerk's view of the same facts.
    mac_id = opened["mac-chrome"][0]
    latest = clerk.get(f"/v1/sessions/{mac_id}").json().get("latest_activity") or {}
    check("Clerk's latest_activity shows the same facts",
          (latest.get("browser_name"), latest.get("device_type"), latest.get("is_mobile"), latest.get("ip_address"), latest.get("city"),
           latest.get("country")) == ("Chrome", "desktop", False, "81.2.69.142", "London", "GB"), str(latest))
    iphone_latest = clerk.get(f"/v1/sessions/{opened['iphone'][0]}").json().get("latest_activity") or {}
    check("an iPhone session is mobile in Clerk's view", iphone_latest.get("is_mobile") is True, str(iphone_latest))

    # Activity moves with a token call: another address and place.
    minted = admin.post(f"/sessions/{mac_id}/tokens", json={"ipAddress": "2.125.160.216", "userAgent": AGENTS["mac-chrome"][0]})
    after = {s["id"]: s for s in admin.get(f"/users/{user}/sessions").json()["data"]}.get(mac_id, {})
    check("a token call records the new address and location",
          minted.status_code == 200 and after.get("ipAddress") == "2.125.160.216" and after.get("location") == {"city": "Boxford", "country": "GB"},
          f"{minted.status_code} {after.get('ipAddress')} {after.get('location')}")

    listed = admin.get("/users/crm-1/sessions").json()["data"]
    check("the user's active sessions, newest first, by external id", [s["id"] for s in listed][:1] == [opened["crawler"][0]]
          and len(listed) == len(AGENTS), str([s["id"] for s in listed]))

    # Revoke one: the gateway refuses its token within a second, the others still pass.
    started = time.monotonic()
    revoked = admin.delete(f"/users/{user}/sessions/{opened['iphone'][0]}")
    check("revoking one session answers with it revoked", revoked.status_code == 200 and revoked.json().get("status") == "revoked")
    check("its token is refused by the gateway within a second", within(1.0, lambda: gateway_status(opened["iphone"][1]) == 401),
          f"{time.monotonic() - started:.3f} s")
    check("the other sessions' tokens still pass", gateway_status(opened["ipad"][1]) == 200)

    # Filters: exact address and CIDR.
    def ids(query):
        return [s["id"] for s in admin.get(f"/sessions?{query}").json()["data"]]
    check("the CIDR filter finds the session that moved", ids("ipAddress=2.125.160.0/24") == [mac_id], str(ids("ipAddress=2.125.160.0/24")))
    check("the exact filter finds the others", set(ids("ipAddress=81.2.69.142")) == {opened[n][0] for n in ("ipad", "android", "crawler")})
    check("a block with nobody in it is empty", ids("ipAddress=2001:db8::/32") == [])
    check("a malformed block is 400", admin.get("/sessions?ipAddress=81.2.69.142/8").status_code == 400)

    # Revoke all: one entry, every token refused within a second.
    everyone = admin.delete(f"/users/{user}/sessions")
    check("revoking all reports how many", everyone.status_code == 200 and everyone.json().get("revokedCount") == len(AGENTS) - 1, everyone.text[:200])
    check("every token is refused within a second",
          within(1.0, lambda: all(gateway_status(opened[n][1]) == 401 for n in ("mac-chrome", "ipad", "android", "crawler"))))

    # Pagination while sessions are being opened: every session that existed before the first page appears exactly once.
    for _ in range(40):
        admin.post(f"/users/{user}/sessions", json={"ipAddress": "203.0.113.7", "authMethod": "sso"})
    before = set(ids("limit=500&ipAddress=203.0.113.7"))
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            admin.post(f"/users/{user}/sessions", json={"ipAddress": "203.0.113.7", "authMethod": "sso"})

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        writers = [pool.submit(writer) for _ in range(2)]
        seen, cursor = [], None
        while True:
            page = admin.get("/sessions", params={"ipAddress": "203.0.113.7", "limit": 7, **({"cursor": cursor} if cursor else {})}).json()
            seen += [s["id"] for s in page["data"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        stop.set()
        for done in writers:
            done.result()
    check("pages under concurrent inserts repeat nothing", len(seen) == len(set(seen)), f"{len(seen)} vs {len(set(seen))}")
    check("pages under concurrent inserts skip nothing", before <= set(seen), f"{len(before - set(seen))} missing")

    # Behind a trusted proxy the address is the forwarded one; from anyone else, forwarded headers change nothing.
    def open_on(base, headers):
        answer = httpx.post(f"{base}/t/acme/api/v1/admin/users/{user}/sessions", headers={"Authorization": f"Bearer {key}", **headers},
                            json={"authMethod": "password"})
        return answer.json().get("session", {}) if answer.status_code == 200 else {"status": answer.status_code}

    forged = open_on(server.base, {"X-Forwarded-For": "2.125.160.216", "CF-IPCountry": "FR", "CF-IPCity": "Paris"})
    check("an untrusted client cannot set its own address or location with headers",
          forged.get("ipAddress") == "127.0.0.1" and forged.get("location") is None, str(forged)[:300])
    relayed = open_on(proxied.base, {"X-Forwarded-For": "198.51.100.1, 2.125.160.216"})
    check("behind a trusted proxy, the right-most forwarded hop is the client",
          relayed.get("ipAddress") == "2.125.160.216" and relayed.get("location") == {"city": "Boxford", "country": "GB"}, str(relayed)[:300])
    edge = open_on(proxied.base, {"X-Forwarded-For": "192.0.2.44", "CF-IPCountry": "NZ", "CF-IPCity": "Wellington"})
    check("behind a trusted proxy, the edge's location headers win", edge.get("location") == {"city": "Wellington", "country": "NZ"}, str(edge)[:300])
finally:
    server.stop()
    proxied.stop()
sys.exit(1 if checks.fails else 0)

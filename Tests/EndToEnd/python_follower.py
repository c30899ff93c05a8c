"""Docs/examples/tessera_verifier.py against the real server: a Python service follows the revocation feed and refuses a
revoked session's token, a signed-out user's, the tokens of every other session ("sign out all other sessions") and a
revoked consent's client tokens within 1 s, while the others still verify; forged tokens (alg none, HS256 keyed with
the public key, another key's kid, a wrong issuer, expired) are refused; a feed that stops answering (server stopped)
or that sends an entry of an unknown kind makes it fail closed.

Usage: python_follower.py SESSION_SERVER (PyJWT and cryptography from the venv)."""
import base64, json, os, shutil, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Docs", "examples"))
from server_process import Checks, Server  # noqa: E402
from tessera_verifier import TesseraVerifier, TokenRejected  # noqa: E402
import jwt  # noqa: E402

checks = Checks("python follower")
check = checks.check


def code_of(verifier, token):
    try:
        verifier.verify(token)
        return "ok"
    except TokenRejected as rejected:
        return rejected.code


def refused_within(verifier, token, seconds, code="revoked"):
    """Seconds until `verify` refuses the token with `code`, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if code_of(verifier, token) == code:
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


server = Server(sys.argv[1])
if not server.start():
    print(f"FAIL python follower: the server did not start: {server.output[-2000:]}")
    sys.exit(1)
try:
    key = server.secret_key()
    admin_base = "/t/default/api/v1/admin"

    def new_user():
        return server.call("POST", "/v1/users", key, {"first_name": "Py", "email_address": [f"py{time.time_ns()}@example.com"]})[1]["id"]

    def new_session(user):
        return server.call("POST", "/v1/sessions", key, {"user_id": user})[1]["id"]

    def token_for(session, body=None):
        return server.call("POST", f"/v1/sessions/{session}/tokens", key, body or {})[1]["jwt"]

    status, answer = server.call("POST", "/v1/verifier_keys", key)
    verifier_key = answer.get("key", "")
    check("a verifier key (POST /v1/verifier_keys)", status == 200 and verifier_key.startswith("vk_test_"), answer)

    alice, bob = new_user(), new_user()
    a1, a2, a3, b1 = new_session(alice), new_session(alice), new_session(alice), new_session(bob)
    tokens = {s: token_for(s, {"expires_in_seconds": 600}) for s in (a1, a2, a3, b1)}

    verifier = TesseraVerifier(server.base, verifier_key, issuer=server.base, stale_after=5).start()
    check("the follower is current within 5 s of start", verifier.wait_until_current(5), verifier.status)
    check("it accepts every token before any revocation", all(code_of(verifier, t) == "ok" for t in tokens.values()),
          {s: code_of(verifier, t) for s, t in tokens.items()})
    claims = verifier.verify(tokens[a1])
    check("verify returns the claims (sub, sid)", claims.get("sub") == alice and claims.get("sid") == a1, claims)

    # 1. One session revoked through the API.
    server.call("POST", f"/v1/sessions/{a1}/revoke", key)
    took = refused_within(verifier, tokens[a1], 1.0)
    check("a revoked session's token is refused within 1 s", took is not None, f"{code_of(verifier, tokens[a1])}")
    if took is not None:
        print(f"     (refused after {took * 1000:.0f} ms)")
    check("... the user's other sessions and another user's still verify",
          [code_of(verifier, tokens[s]) for s in (a2, a3, b1)] == ["ok"] * 3)

    # 2. "Sign out all other sessions" from a2, on the user side with a2's own token.
    import urllib.request
    request = urllib.request.Request(server.base + "/api/v1/sessions", method="DELETE", headers={"Authorization": f"Bearer {tokens[a2]}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        others = json.loads(response.read())
    took = refused_within(verifier, tokens[a3], 1.0)
    check("sign-out-others: the other session's token is refused within 1 s", took is not None and others.get("revoked_count") == 1, others)
    check("... and the session that asked keeps working", code_of(verifier, tokens[a2]) == "ok", code_of(verifier, tokens[a2]))

    # 3. Every session of a user ("sign out everywhere"); a sign-in right after it works.
    b2 = new_session(bob)
    tokens[b2] = token_for(b2, {"expires_in_seconds": 600})
    status, entry = server.call("POST", f"/v1/users/{bob}/sessions/revoke", key)
    took = refused_within(verifier, tokens[b1], 1.0)
    check("sign out everywhere: every session's token is refused within 1 s",
          status == 200 and took is not None and code_of(verifier, tokens[b2]) == "revoked", entry)
    b3 = new_session(bob)
    fresh = token_for(b3)
    check("... a session opened right after it verifies", code_of(verifier, fresh) == "ok", code_of(verifier, fresh))

    # 4. A revoked consent refuses the user's tokens for that client only.
    carol = new_user()
    c1 = new_session(carol)
    status, consent = server.call("POST", f"{admin_base}/users/{carol}/consents", key, {"clientId": "photo-app", "clientName": "Photo App", "scopes": ["photos.read"]})
    status2, minted = server.call("POST", f"{admin_base}/sessions/{c1}/tokens", key, {"clientId": "photo-app"})
    client_token, plain = minted.get("token", ""), token_for(c1, {"expires_in_seconds": 600})
    check("a consent granted and a client token minted", status in (200, 201) and status2 in (200, 201)
          and code_of(verifier, client_token) == "ok", (status, consent, status2, minted))
    time.sleep(1.05)  # `iat` has whole seconds: a token of the revocation's second is refused too, so mint one later
    plain_later = token_for(c1, {"expires_in_seconds": 600})
    server.call("DELETE", f"{admin_base}/users/{carol}/consents/{consent.get('id')}", key)
    took = refused_within(verifier, client_token, 1.0)
    check("a revoked consent's client token is refused within 1 s", took is not None, code_of(verifier, client_token))
    check("... the user's tokens without that client still verify",
          [code_of(verifier, plain), code_of(verifier, plain_later)] == ["ok", "ok"])

    # 5. Forgeries and bad claims.
    header = jwt.get_unverified_header(tokens[a2])
    body = tokens[a2].split(".")[1]
    none_token = b64(json.dumps({"alg": "none", "kid": header["kid"]}).encode()) + "." + body + "."
    check("alg none is refused", code_of(verifier, none_token) == "algorithm_mismatch", code_of(verifier, none_token))
    public_pem = verifier._keys[header["kid"]].key.public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM,
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo)
    signing_input = (b64(json.dumps({"alg": "HS256", "kid": header["kid"], "typ": "JWT"}).encode()) + "." + body).encode()
    import hashlib, hmac
    confused = signing_input.decode() + "." + b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    check("HS256 keyed with the RSA public key (alg confusion) is refused", code_of(verifier, confused) == "algorithm_mismatch",
          code_of(verifier, confused))
    from cryptography.hazmat.primitives.asymmetric import rsa
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    payload = jwt.decode(tokens[a2], options={"verify_signature": False})
    forged = jwt.encode(payload, own_key, algorithm="RS256", headers={"kid": header["kid"]})
    check("a token signed by another key under the real kid is bad_signature", code_of(verifier, forged) == "bad_signature", code_of(verifier, forged))
    unknown = jwt.encode(payload, own_key, algorithm="RS256", headers={"kid": "made-up"})
    check("an unknown kid is unknown_key_id", code_of(verifier, unknown) == "unknown_key_id")
    check("an oversized token is refused before parsing", code_of(verifier, "a" * 9000) == "token_too_large")
    wrong_issuer = TesseraVerifier(server.base, verifier_key, issuer="https://elsewhere.example").start()
    wrong_issuer.wait_until_current(5)
    check("another issuer is wrong_issuer", code_of(wrong_issuer, tokens[a2]) == "wrong_issuer", code_of(wrong_issuer, tokens[a2]))
    wrong_issuer.stop()
    # Claims the server never mints, signed with the default tenant's real key (keys/rs256.pem, its first key).
    with open(os.path.join(server.work, "keys", "rs256.pem"), "rb") as f:
        real_key = f.read()
    now = int(time.time())
    for name, changes, code in [("an expired token (exp 10 s ago, past the 5 s leeway)", {"exp": now - 10}, "expired"),
                                ("a token with nbf a minute ahead", {"nbf": now + 60}, "not_yet_valid"),
                                ("a token issued a minute in the future", {"iat": now + 60}, "issued_in_future"),
                                ("a token without iat", {"iat": None}, "missing_claim"),
                                ("a token with an aud when none is configured", {"aud": "other-api"}, "wrong_audience")]:
        claims = {k: v for k, v in {**payload, "exp": now + 60, **changes}.items() if v is not None}
        token = jwt.encode(claims, real_key, algorithm="RS256", headers={"kid": header["kid"]})
        check(f"{name} is {code}", code_of(verifier, token) == code, code_of(verifier, token))
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    signer = serialization.load_pem_private_key(real_key, password=None)
    doubled = b64(json.dumps({"alg": "RS256", "kid": header["kid"], "typ": "JWT"}).encode()) + "." + b64(
        json.dumps({**payload, "exp": now + 60}).encode()[:-1] + b', "sub": "user_someone_else"}')
    doubled += "." + b64(signer.sign(doubled.encode(), padding.PKCS1v15(), hashes.SHA256()))
    check("a payload with two sub members (validly signed) is malformed", code_of(verifier, doubled) == "malformed", code_of(verifier, doubled))
    within = jwt.encode({**payload, "exp": int(time.time()) - 2}, real_key, algorithm="RS256", headers={"kid": header["kid"]})
    check("a token 2 s past exp is still within the leeway", code_of(verifier, within) == "ok", code_of(verifier, within))

    # 6. The server stops: the feed goes quiet and the follower fails closed within stale_after (5 s).
    server.stop()
    stopped = time.monotonic()
    took = refused_within(verifier, tokens[a2], 7.0, code="revocations_stale")
    check("server stopped: every token is refused as revocations_stale within stale_after + 1 s",
          took is not None and 4.0 <= time.monotonic() - stopped <= 7.0, (took, verifier.status))
    verifier.stop()
finally:
    server.stop()
    shutil.rmtree(server.work, ignore_errors=True)

# 7. A fake Tessera (the real server's JWKS, a scripted feed): an entry of a kind the follower does not know is refused,
# not guessed (a control with a known entry accepts the token); a snapshot replaces the set; an unknown kid refetches
# the JWKS at most once per cooldown, and a key published later verifies.
class Fake:
    def __init__(self, jwks, pages):
        self.jwks, self.pages, self.jwks_hits = jwks, pages, 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/v1/jwks"):
                    fake.jwks_hits += 1
                    body, extra = json.dumps(fake.jwks).encode(), {"Cache-Control": "max-age=300"}
                else:
                    after = int(self.path.split("after=")[1].split("&")[0])
                    entries, cursor, snapshot = fake.pages(after)
                    if not entries:
                        time.sleep(0.05)  # a long poll that ends empty
                    body, extra = json.dumps({"object": "revocation_feed", "cursor": cursor, "snapshot": snapshot, "entries": entries}).encode(), {}
                self.send_response(200)
                for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)), **extra}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


second = Server(sys.argv[1])
if second.start():
    try:
        import urllib.request
        with urllib.request.urlopen(second.base + "/.well-known/jwks.json", timeout=10) as response:
            real_jwks = json.loads(response.read())
        key = second.secret_key()
        user = second.call("POST", "/v1/users", key, {"first_name": "Eve"})[1]["id"]
        session = second.call("POST", "/v1/sessions", key, {"user_id": user})[1]["id"]
        token = second.call("POST", f"/v1/sessions/{session}/tokens", key, {"expires_in_seconds": 600})[1]["jwt"]
    finally:
        second.stop()
        shutil.rmtree(second.work, ignore_errors=True)
    now = int(time.time() * 1000)
    base = {"object": "revocation", "seq": 1, "revoked_at": now, "retain_until": now + 3_600_000}
    results = {}
    for name, entry in {"known": {**base, "session_id": "sess_other"},
                        "unknown": {**base, "organization_id": "org_1"},
                        "malformed": {**base, "user_id": user, "not_before": now, "session_ids": [session], "except_session_id": session}}.items():
        fake = Fake(real_jwks, lambda after, entry=entry: ([entry], 1, False) if after == 0 else ([], 1, False))
        follower = TesseraVerifier(fake.url, "vk_test_x", issuer=second.base).start()
        follower.wait_until_current(2)
        time.sleep(0.3)
        results[name] = (code_of(follower, token), follower.last_error)
        follower.stop()
        fake.httpd.shutdown()
    check("control: a fake feed with a known entry accepts the token", results["known"][0] == "ok", results["known"])
    check("an entry of an unknown kind: every token refused (revocations_stale), not guessed",
          results["unknown"][0] == "revocations_stale" and "does not know" in (results["unknown"][1] or ""), results["unknown"])
    check("an entry listing the session it kept: refused, not applied", results["malformed"][0] == "revocations_stale", results["malformed"])

    # A snapshot (the server's list was restored): the new set replaces the old one, which had revoked the session.
    restored = {"done": False}

    def pages(after):
        if after == 0:
            return [{**base, "session_id": session}], 1, False
        if restored["done"] and after == 1:  # the server lost entry 1: its list restarts, as a snapshot
            return [{**base, "seq": 2, "session_id": "sess_other"}], 2, True
        return [], after, False
    fake = Fake(real_jwks, pages)
    follower = TesseraVerifier(fake.url, "vk_test_x", issuer=second.base, poll_wait=1).start()
    follower.wait_until_current(2)
    before = code_of(follower, token)
    restored["done"] = True
    time.sleep(1.5)
    check("a snapshot replaces the set: a session it no longer lists is no longer revoked",
          before == "revoked" and code_of(follower, token) == "ok", (before, code_of(follower, token), follower.status))

    # Keys: made-up kids cost at most one JWKS fetch per cooldown; a key published later is fetched for its first token.
    from cryptography.hazmat.primitives.asymmetric import rsa
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(new_key.public_key())), "kid": "rotated-1", "alg": "RS256", "use": "sig"}
    claims = {**jwt.decode(token, options={"verify_signature": False}), "sid": "sess_new"}
    rotated = jwt.encode(claims, new_key, algorithm="RS256", headers={"kid": "rotated-1"})
    follower.key_refresh_cooldown = 1.0
    time.sleep(1.1)
    hits = fake.jwks_hits
    codes = {code_of(follower, rotated) for _ in range(50)} | {code_of(follower, t) for t in
             [jwt.encode(claims, new_key, algorithm="RS256", headers={"kid": f"made-up-{i}"}) for i in range(50)]}
    check("100 tokens with unknown kids: unknown_key_id, and at most one JWKS fetch",
          codes == {"unknown_key_id"} and fake.jwks_hits - hits <= 1, (codes, fake.jwks_hits - hits))
    fake.jwks = {"keys": real_jwks["keys"] + [new_jwk]}
    time.sleep(1.1)
    check("a key published later verifies its first token (refetched for the unknown kid)",
          code_of(follower, rotated) == "ok", code_of(follower, rotated))
    follower.stop()
    fake.httpd.shutdown()
else:
    check("a second server for the fake-feed checks", False, second.output[-2000:])
sys.exit(1 if checks.fails else 0)

"""Two session-server processes on one SQLite file (WAL allows it, and operators will do it): a revocation
committed through one reaches the other's in-memory views through the one revocation stream. Checks, each
within 1 s: a session revoked through A is refused by B's GET /v1/verify and gets no token from B; "sign
out everywhere" through A does the same for a session opened through B; a secret key revoked through A's
operator API is refused by B.
Usage: two_processes.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, socket, subprocess, sys, tempfile, threading, time
import httpx

server = sys.argv[1]
work = tempfile.mkdtemp()
key = "sk_test_" + os.urandom(24).hex()
operator = "op_test_" + os.urandom(24).hex()
fails = 0
processes = []


def check(name, condition, detail=""):
    global fails
    fails += not condition
    print(("ok   two processes: " if condition else "FAIL two processes: ") + name + ("" if condition else f" ({detail})"), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port):
    env = dict(os.environ, TESSERA_PORT=str(port), TESSERA_DATABASE=os.path.join(work, "tessera.sqlite"),
               TESSERA_KEYS_DIR=os.path.join(work, "keys"), TESSERA_SECRET_KEY=key, TESSERA_OPERATOR_KEY=operator,
               TESSERA_ISSUER="http://tessera.two-processes.test")
    process = subprocess.Popen([server], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    processes.append(process)
    deadline = time.time() + 30
    for line in process.stdout:
        if "listening on" in line:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return
        if time.time() > deadline:
            break
    raise SystemExit("FAIL two processes: session-server did not start")


def within(seconds, condition):
    """Seconds until condition() held, or None when it did not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.01)
    return None


try:
    port_a, port_b = free_port(), free_port()
    start(port_a)
    start(port_b)
    a = httpx.Client(base_url=f"http://127.0.0.1:{port_a}", headers={"Authorization": f"Bearer {key}"}, timeout=5)
    b = httpx.Client(base_url=f"http://127.0.0.1:{port_b}", headers={"Authorization": f"Bearer {key}"}, timeout=5)

    def verifies_at_b(token):
        return httpx.get(f"http://127.0.0.1:{port_b}/v1/verify", headers={"Authorization": f"Bearer {token}"}).status_code

    # A session revoked through A.
    user = a.post("/v1/users", json={"first_name": "Two"}).json()["id"]
    session = a.post("/v1/sessions", json={"user_id": user}).json()["id"]
    token = b.post(f"/v1/sessions/{session}/tokens").json()["jwt"]
    check("B verifies a token of a session opened through A", verifies_at_b(token) == 200)
    check("A revokes the session", a.post(f"/v1/sessions/{session}/revoke").status_code == 200)
    took = within(1.0, lambda: verifies_at_b(token) == 401)
    check(f"B refuses the revoked session's token within 1 s ({took:.3f} s)" if took is not None else "B refuses the revoked session's token within 1 s",
          took is not None)
    took = within(1.0, lambda: b.post(f"/v1/sessions/{session}/tokens").status_code >= 400)
    check("B mints no token for it within 1 s", took is not None)

    # Sign out everywhere through A, for a session opened and used through B.
    other = b.post("/v1/sessions", json={"user_id": user}).json()["id"]
    token = b.post(f"/v1/sessions/{other}/tokens").json()["jwt"]
    check("B verifies its own session's token", verifies_at_b(token) == 200)
    check("A signs the user out everywhere", a.post(f"/v1/users/{user}/sessions/revoke").status_code == 200)
    took = within(1.0, lambda: verifies_at_b(token) == 401)
    check("B refuses a token of the user's session within 1 s" + (f" ({took:.3f} s)" if took is not None else ""), took is not None)
    took = within(1.0, lambda: b.post(f"/v1/sessions/{other}/tokens").status_code >= 400)
    check("B mints no token for the signed-out session within 1 s", took is not None)
    fresh = b.post("/v1/sessions", json={"user_id": user}).json()["id"]
    fresh_token = b.post(f"/v1/sessions/{fresh}/tokens").json()["jwt"]
    check("a session opened right after sign-out works on both", verifies_at_b(fresh_token) == 200
          and httpx.get(f"http://127.0.0.1:{port_a}/v1/verify", headers={"Authorization": f"Bearer {fresh_token}"}).status_code == 200)

    # A secret key revoked through A's operator API.
    op = {"Authorization": f"Bearer {operator}"}
    created = httpx.post(f"http://127.0.0.1:{port_a}/operator/v1/tenants/default/secret_keys", headers=op, json={}).json()
    second = {"Authorization": f"Bearer {created['secret_key']}"}
    check("B accepts a secret key created through A", httpx.get(f"http://127.0.0.1:{port_b}/v1/users", headers=second).status_code == 200)
    revoked = httpx.delete(f"http://127.0.0.1:{port_a}/operator/v1/tenants/default/secret_keys/{created['id']}", headers=op)
    check("A revokes it", revoked.status_code == 200 and revoked.json()["revoked_at"] is not None)
    took = within(1.0, lambda: httpx.get(f"http://127.0.0.1:{port_b}/v1/users", headers=second).status_code == 401)
    check("B refuses the revoked secret key within 1 s" + (f" ({took:.3f} s)" if took is not None else ""), took is not None)
    check("B still accepts the other key", b.get("/v1/users").status_code == 200)
finally:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
sys.exit(1 if fails else 0)

"""Crash safety: SIGKILL session-server in the middle of a stream of revocations, restart it on the same
database, and check that every revocation it acknowledged (HTTP 200) is still there: the session reads
as revoked through the API and its revocation entry is in the SQLite file.
Usage: crash_safety.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time
import httpx

server = sys.argv[1]
work = tempfile.mkdtemp()
database = os.path.join(work, "tessera.sqlite")
key = "sk_test_" + os.urandom(24).hex()
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"http://127.0.0.1:{port}"
# A load test (a stream of revocations as fast as the server answers): the /v1 limits per key are off.
env = dict(os.environ, TESSERA_PORT=str(port), TESSERA_DATABASE=database,
           TESSERA_KEYS_DIR=os.path.join(work, "keys"), TESSERA_SECRET_KEY=key, TESSERA_RATE_LIMIT="off")
fails = 0

def check(name, condition):
    global fails
    fails += not condition
    print(("ok   crash: " if condition else "FAIL crash: ") + name, flush=True)

def start():
    process = subprocess.Popen([server], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    for line in process.stdout:
        if "listening on" in line:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process
        if time.time() > deadline:
            break
    raise SystemExit("FAIL crash: session-server did not start")

client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=5)
process = start()
user = client.post("/v1/users", json={"first_name": "Crash"}).json()["id"]
sessions = [client.post("/v1/sessions", json={"user_id": user}).json()["id"] for _ in range(300)]
acknowledged = []

def revoke_all():
    for session in sessions:
        try:
            response = client.post(f"/v1/sessions/{session}/revoke")
        except httpx.HTTPError:
            return  # the server is gone: nothing after this was acknowledged
        if response.status_code == 200 and response.json().get("status") == "revoked":
            acknowledged.append(session)

worker = threading.Thread(target=revoke_all)
worker.start()
while len(acknowledged) < 120 and worker.is_alive():
    time.sleep(0.001)
os.kill(process.pid, signal.SIGKILL)  # in the middle of the stream, no chance to flush anything
worker.join()
process.wait()
check(f"server killed mid-stream after {len(acknowledged)} of {len(sessions)} acknowledged revocations",
      0 < len(acknowledged) < len(sessions))

process = start()
statuses = [client.get(f"/v1/sessions/{s}").json().get("status") for s in acknowledged]
check("every acknowledged revocation reads as revoked after restart", all(s == "revoked" for s in statuses))
with sqlite3.connect(database) as db:
    placeholders = ",".join("?" * len(acknowledged))
    entries = db.execute(f"SELECT count(DISTINCT session_id) FROM revocation WHERE session_id IN ({placeholders})",
                         acknowledged).fetchone()[0]
check("every acknowledged revocation has its list entry", entries == len(acknowledged))
later = client.post(f"/v1/sessions/{sessions[-1]}/revoke")
check("the restarted server keeps revoking", later.status_code == 200)
process.send_signal(signal.SIGTERM)
check("SIGTERM stops the server cleanly", process.wait(timeout=10) == 0)
sys.exit(1 if fails else 0)

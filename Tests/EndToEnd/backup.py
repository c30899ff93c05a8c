"""`sessionctl backup` end to end (issue 14): a server runs on a SQLite database while a writer thread creates users,
sessions and tokens and revokes every third session; three backups are taken during that load. Each copy has mode
0600, passes `PRAGMA integrity_check` and `sessionctl audit verify --database COPY`, and a server started on it (a
restore) serves every session whose creation was acknowledged before the backup began, refuses (GET /v1/verify) the
tokens of every session whose revocation was acknowledged before it began, still verifies the others, and knows no
session whose creation began after the backup ended. The writer's slowest request during backups is reported: the
backup takes no write lock. An existing --out is refused without --force. Last, a restore as Docs/Operations.md
describes it: stop the server, replace the file, remove -wal and -shm, start.
Usage: backup.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, shutil, sqlite3, stat, subprocess, sys, tempfile, threading, time
import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("backup")
check = checks.check
key = "sk_test_" + os.urandom(24).hex()
# One issuer for the server and every restore (else it names each one's port, and a restore refuses the tokens by iss).
ISSUER = "http://tessera.backup.test"
out_dir = tempfile.mkdtemp()


class Writer(threading.Thread):
    """Creates a session (and its token) after another, revoking every third; records when each was acknowledged."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        self.lock, self.stop, self.errors = threading.Lock(), threading.Event(), []
        # id -> {token, started, created (ack time), revoked (ack time) or None}
        self.sessions, self.latencies = {}, []

    def timed(self, method, path, **kwargs):
        started = time.monotonic()
        answer = self.client.request(method, path, **kwargs)
        with self.lock:
            self.latencies.append((started, time.monotonic() - started))
        if answer.status_code != 200:
            self.errors.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
            return None
        return answer.json()

    def run(self):
        count, user = 0, None
        while not self.stop.is_set():
            if count % 10 == 0:
                made = self.timed("POST", "/v1/users", json={"first_name": f"Backup {count}"})
                user = made and made["id"]
            started = time.monotonic()
            session = self.timed("POST", "/v1/sessions", json={"user_id": user})
            if not session:
                continue
            created = time.monotonic()
            token = self.timed("POST", f"/v1/sessions/{session['id']}/tokens", json={"expires_in_seconds": 3600})
            with self.lock:
                self.sessions[session["id"]] = {"token": token and token["jwt"], "started": started, "created": created, "revoked": None}
            if count % 3 == 0 and self.timed("POST", f"/v1/sessions/{session['id']}/revoke", json={}):
                with self.lock:
                    self.sessions[session["id"]]["revoked"] = time.monotonic()
            count += 1

    def snapshot(self):
        with self.lock:
            return {sid: dict(entry) for sid, entry in self.sessions.items()}


def backup(database, out, *extra):
    done = subprocess.run([sessionctl, "backup", "--database", database, "--out", out, *extra], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def check_copy(name, copy, began, ended, sessions):
    """Everything a restore needs from one copy."""
    mode = stat.S_IMODE(os.stat(copy).st_mode)
    check(f"{name}: the copy has mode 0600", mode == 0o600, oct(mode))
    db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    integrity = db.execute("PRAGMA integrity_check").fetchall()
    journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.close()
    check(f"{name}: PRAGMA integrity_check is ok (journal mode {journal}: one file)", integrity == [("ok",)], str(integrity[:3]))
    audit = subprocess.run([sessionctl, "audit", "verify", "--database", copy], capture_output=True, text=True, timeout=60)
    check(f"{name}: sessionctl audit verify --database COPY: {audit.stdout.strip()[:60]}", audit.returncode == 0,
          audit.stdout[-200:] + audit.stderr[-300:])
    before = {sid: e for sid, e in sessions.items() if e["created"] < began}
    revoked = {sid: e for sid, e in before.items() if e["revoked"] is not None and e["revoked"] < began}
    after = {sid: e for sid, e in sessions.items() if e["started"] > ended}
    restored = Server(server_binary, work=server.work, TESSERA_SECRET_KEY=key, TESSERA_DATABASE=copy, TESSERA_ISSUER=ISSUER)
    try:
        if not restored.start():
            check(f"{name}: a server starts on the copy", False, restored.output[-600:])
            return
        client = httpx.Client(base_url=restored.base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        # Within the /v1 limit of a development key: a sample of each kind (the restored server has the limits on).
        sample = lambda group, n: list(group.items())[-n:]
        missing = [sid for sid, _ in sample(before, 30) if client.get(f"/v1/sessions/{sid}").status_code != 200]
        check(f"{name}: the restored server serves the sessions acknowledged before the backup began ({len(before)} in all, 30 read)",
              len(before) > 0 and not missing, f"{len(before)} before, missing {missing[:3]}")
        statuses = [client.get(f"/v1/sessions/{sid}").json().get("status") for sid, _ in sample(revoked, 20)]
        check(f"{name}: revocations acknowledged before the backup began are in the copy ({len(revoked)}, 20 read)",
              len(revoked) > 0 and set(statuses) == {"revoked"}, str(statuses[:5]))
        gateway = httpx.Client(base_url=restored.base, timeout=30)
        refused = [gateway.get("/v1/verify", headers={"Authorization": f"Bearer {e['token']}"}) for _, e in sample(revoked, 40)]
        reasons = {(r.status_code, r.headers.get("www-authenticate", "").rsplit("=", 1)[-1]) for r in refused}
        check(f"{name}: the restored gateway refuses those revoked sessions' tokens as revoked", reasons == {(401, '"revoked"')}, str(reasons))
        active = {sid: e for sid, e in before.items() if e["revoked"] is None and e["token"]}
        verified = [gateway.get("/v1/verify", headers={"Authorization": f"Bearer {e['token']}"}).status_code for _, e in sample(active, 40)]
        check(f"{name}: and verifies active sessions' tokens (the signing keys unseal from the copy)",
              len(active) > 0 and set(verified) == {200}, str(set(verified)))
        unknown = [client.get(f"/v1/sessions/{sid}").status_code for sid, _ in sample(after, 20)]
        check(f"{name}: sessions begun after the backup ended are not in the copy ({len(after)}, 20 read)", set(unknown) <= {404},
              str(set(unknown)))
    finally:
        restored.stop()


# A load test: the writer runs as fast as the server answers, so the /v1 limits are off for this server.
server = Server(server_binary, TESSERA_SECRET_KEY=key, TESSERA_ISSUER=ISSUER)
writer = None
try:
    if not server.start("--rate-limit", "off"):
        check("the server starts", False, server.output[-800:])
        raise SystemExit(1)
    writer = Writer(server.base)
    writer.start()
    time.sleep(1.5)
    copies = []
    for number in range(1, 4):
        out = os.path.join(out_dir, f"copy-{number}.sqlite")
        began = time.monotonic()
        status, output, errors = backup(server.database, out)
        ended = time.monotonic()
        check(f"backup {number} during the load: {output[:90]}", status == 0, errors[-300:])
        copies.append((f"copy {number}", out, began, ended))
        time.sleep(0.7)
    pristine = os.path.join(out_dir, "pristine.sqlite")
    shutil.copy(copies[-1][1], pristine)  # the restore in place below starts from the copy as taken
    writer.stop.set()
    writer.join(timeout=30)
    sessions = writer.snapshot()
    during = [took for started, took in writer.latencies if any(b - 0.05 <= started <= e for _, _, b, e in copies)]
    overall = [took for _, took in writer.latencies]
    check(f"the writer kept writing during the backups: {len(overall)} requests, {len(during)} during backups, slowest during "
          f"{max(during, default=0) * 1000:.0f} ms (slowest overall {max(overall, default=0) * 1000:.0f} ms)",
          not writer.errors and len(during) > 0 and max(during) < 2.0, "; ".join(writer.errors[:3]))
    status, _, errors = backup(server.database, copies[0][1])
    check("an existing --out is refused without --force, and names the flag", status != 0 and "--force" in errors, errors[-200:])
    untouched = sqlite3.connect(f"file:{copies[0][1]}?mode=ro", uri=True).execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check("the refused backup left the existing copy intact", untouched)
    status, _, errors = backup(server.database, server.database, "--force")
    check("the database itself is never the --out, even with --force", status != 0, errors[-200:])
    status, _, errors = backup(os.path.join(out_dir, "missing.sqlite"), os.path.join(out_dir, "never.sqlite"))
    check("a missing --database is an error, and leaves no --out", status != 0 and not os.path.exists(os.path.join(out_dir, "never.sqlite")),
          errors[-200:])
    forced_out = os.path.join(out_dir, "forced.sqlite")
    shutil.copy(copies[1][1], forced_out)
    forced_began = time.monotonic()
    status, _, errors = backup(server.database, forced_out, "--force")
    check("--force replaces an existing --out", status == 0, errors[-300:])
    leftovers = [name for name in os.listdir(out_dir) if ".partial-" in name]
    check("no partial file is left beside the copies", not leftovers, str(leftovers))
    for name, copy, began, ended in copies:
        check_copy(name, copy, began, ended, sessions)
    # The documented restore: stop, replace the file, remove -wal and -shm, start.
    server.stop()
    _, _, last_began, last_ended = copies[-1]
    shutil.copy(pristine, server.database)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(server.database + suffix):
            os.remove(server.database + suffix)
    os.chmod(server.database, 0o600)
    check_copy("restore in place (stop, replace, remove -wal/-shm, start)", server.database, last_began, last_ended, sessions)
finally:
    if writer:
        writer.stop.set()
    server.stop()

sys.exit(1 if checks.fails else 0)

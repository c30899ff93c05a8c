"""`sessionctl audit verify` end to end (issue 12): a server writes a real audit log (a user through /v1, sessions opened
and revoked through the admin API); the chain verifies from the database file (read-only, while the server runs on it)
and through the admin API. Then, on copies of the stopped server's database, python's sqlite3 alters a row, deletes
one, swaps two rows' contents, and cuts the start: each is caught at the right sequence with exit 1. An unknown tenant
or an unreadable file exits 2.
Usage: audit_verify.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, re, sqlite3, subprocess, sys, tempfile
import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("audit")
check = checks.check
key = "sk_test_" + os.urandom(24).hex()
INTACT = re.compile(r"^audit chain intact: (\d+) events(?:, head ([0-9a-f]{64}))?$")


def verify(*args, key=None):
    """(exit status, stdout, stderr) of `sessionctl audit verify ARGS`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    if key:
        env["TESSERA_SECRET_KEY"] = key
    done = subprocess.run([sessionctl, "audit", "verify", *args], env=env, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def tampered(source, *statements):
    """A copy of the database (SQLite's backup, so nothing in a WAL is lost) with `statements` applied."""
    path = os.path.join(tempfile.mkdtemp(), "copy.sqlite")
    original, db = sqlite3.connect(source), sqlite3.connect(path)
    original.backup(db)
    original.close()
    with db:
        for statement, arguments in statements:
            db.execute(statement, arguments)
    db.close()
    return path


server = Server(server_binary, TESSERA_SECRET_KEY=key)
try:
    if not server.start():
        check("the server starts", False, server.output[-800:])
        raise SystemExit(1)
    clerk = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    admin = httpx.Client(base_url=f"{server.base}/t/default/api/v1/admin", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    user = clerk.post("/v1/users", json={"first_name": "Ada", "last_name": "Lovelace \"\\ é"}).json()["id"]
    sessions = []
    for agent in ["Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "curl/8.5.0", "Tëst-Agent/1.0 \"quoted\""]:
        answer = admin.post(f"/users/{user}/sessions", json={"ipAddress": "203.0.113.9", "userAgent": agent, "authMethod": "password"})
        check(f"a session opens through the admin API ({agent[:20]})", answer.status_code == 200, answer.text[:300])
        sessions.append(answer.json()["session"]["id"])
    revoked = admin.delete(f"/users/{user}/sessions/{sessions[0]}")
    check("one session is revoked through the admin API", revoked.status_code == 200, revoked.text[:300])
    listed = admin.get("/audit", params={"limit": 500}).json()["data"]
    count = len(listed)
    check("the log holds the user, the sessions and the revocation", count >= 5 and [e["seq"] for e in listed] == list(range(1, count + 1)),
          str([(e["seq"], e["type"]) for e in listed]))
    head = listed[-1]["hash"] if listed else None

    # While the server runs on the file (WAL): the file opens read-only.
    before = os.stat(server.database).st_mtime_ns
    status, out, err = verify("--database", server.database)
    match = INTACT.match(out)
    check("verify --database: intact, exit 0, with the head hash", status == 0 and match and int(match[1]) == count and match[2] == head,
          f"{status} {out!r} {err!r}")
    check("verify --database wrote nothing to the database", os.stat(server.database).st_mtime_ns == before)
    status, out, err = verify("--url", server.base, "--tenant", "default", key=key)
    check("verify --url: intact, exit 0, the same head", status == 0 and out == f"audit chain intact: {count} events, head {head}",
          f"{status} {out!r} {err!r}")
    status, out, err = verify("--url", server.base, "--tenant", "nobody", key=key)
    check("verify --url of an unknown tenant exits 2 with a message", status == 2 and err and not out, f"{status} {out!r} {err!r}")
    status, out, err = verify("--url", server.base, key="sk_test_" + "0" * 48)
    check("verify --url with a wrong key exits 2", status == 2 and err, f"{status} {out!r} {err!r}")
    listing = subprocess.run([sessionctl, "audit", "list", "--database", server.database, "--table"], capture_output=True, text=True)
    check("audit list --table shows every event", listing.returncode == 0 and len(listing.stdout.splitlines()) == count + 1,
          listing.stdout[-400:] + listing.stderr)
finally:
    server.stop()

database = server.database
status, out, err = verify("--database", database)
check("the stopped server's file still verifies", status == 0 and out.startswith(f"audit chain intact: {count} events"), f"{status} {out!r}")
status, out, err = verify("--database", database, "--tenant", "nobody")
check("an unknown tenant exits 2 with a message on stderr", status == 2 and "nobody" in err and not out, f"{status} {out!r} {err!r}")
status, out, err = verify("--database", os.path.join(tempfile.mkdtemp(), "missing.sqlite"))
check("a missing file exits 2", status == 2 and "cannot read" in err, f"{status} {out!r} {err!r}")

reader = sqlite3.connect(database)
rows = dict(reader.execute("SELECT seq, id FROM audit_event WHERE instance_id = 'ins_default'"))
reader.close()
k, m = 3, 2

# One row's type changed in place.
copy = tampered(database, ("UPDATE audit_event SET type = 'user.updated' WHERE instance_id = 'ins_default' AND seq = ?", (k,)))
status, out, err = verify("--database", copy)
check(f"an altered type is caught at seq {k}: exit 1", status == 1 and out.startswith(f"audit chain broken at seq {k} ({rows[k]}): ")
      and "altered" in out, f"{status} {out!r} {err!r}")

# One row's data changed (valid canonical JSON, different content).
copy = tampered(database, ("UPDATE audit_event SET data = '{\"auth_method\":\"passkey\"}' WHERE instance_id = 'ins_default' AND seq = ?", (k,)))
status, out, err = verify("--database", copy)
check(f"altered data is caught at seq {k}", status == 1 and f"broken at seq {k} " in out and "altered" in out, f"{status} {out!r}")

# A value of the wrong type for its column (SQLite keeps it): reported, not a crash of the verifier.
copy = tampered(database, ("UPDATE audit_event SET occurred_at = 'yesterday' WHERE instance_id = 'ins_default' AND seq = ?", (k,)))
status, out, err = verify("--database", copy)
check(f"text in occurred_at is caught at seq {k} as altered", status == 1 and f"broken at seq {k} " in out and "altered" in out,
      f"{status} {out!r} {err[-300:]!r}")

# A row deleted: the next one is where the chain breaks.
copy = tampered(database, ("DELETE FROM audit_event WHERE instance_id = 'ins_default' AND seq = ?", (m,)))
status, out, err = verify("--database", copy)
check(f"a deleted row is caught at seq {m + 1} as missing", status == 1 and out.startswith(f"audit chain broken at seq {m + 1} ")
      and f"event {m} is missing" in out, f"{status} {out!r}")

# Two rows' contents swapped under their sequence numbers.
copy = tampered(database,
                ("UPDATE audit_event SET seq = seq + 1000000 WHERE instance_id = 'ins_default' AND seq IN (2, 4)", ()),
                ("UPDATE audit_event SET seq = 4 WHERE instance_id = 'ins_default' AND seq = 1000002", ()),
                ("UPDATE audit_event SET seq = 2 WHERE instance_id = 'ins_default' AND seq = 1000004", ()))
status, out, err = verify("--database", copy)
check("two swapped rows are caught at the first (seq 2)", status == 1 and out.startswith("audit chain broken at seq 2 "), f"{status} {out!r}")

# The first rows removed with no audit.pruned event.
copy = tampered(database, ("DELETE FROM audit_event WHERE instance_id = 'ins_default' AND seq <= 2", ()))
status, out, err = verify("--database", copy)
check("a cut start is caught as unaccounted for", status == 1 and out.startswith("audit chain broken at seq 3 ") and "audit.pruned" in out,
      f"{status} {out!r}")

# The last row removed: the chain is intact but shorter, and only the head hash kept elsewhere tells.
copy = tampered(database, ("DELETE FROM audit_event WHERE instance_id = 'ins_default' AND seq = ?", (count,)))
status, out, err = verify("--database", copy)
match = INTACT.match(out)
check("a cut end verifies, with a different head (why the head is kept elsewhere)",
      status == 0 and match and int(match[1]) == count - 1 and match[2] != head, f"{status} {out!r}")

sys.exit(1 if checks.fails else 0)

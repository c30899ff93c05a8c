"""The move from SQLite to PostgreSQL (Docs/Operations.md): session-server runs on SQLite (users, sessions, tokens, some
revoked, audited writes), a rehearsal copy runs beside it while it writes, it stops; `sessionctl copy-database` copies the file into a new PostgreSQL database; session-server
starts on the PostgreSQL URL with the same keys. Checks: the copy prints its counts and never the URL's password, and a
second copy into the now full database is refused with nothing written; after the move, revoked tokens are refused and live
ones verify, the feed answers the same entries from any cursor and continues from the old head, the Clerk API lists the
same users and sessions, and the audit chain is intact with the same head.
Needs POSTGRES_URL (a superuser's URL: Scripts/postgres-cluster.sh, or make test-e2e's throwaway cluster); without it the
script says it is skipped and exits 0.
Usage: copy_database.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import glob, os, re, shutil, subprocess, sys, urllib.parse
import httpx
from server_process import Checks, Server

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("copy database")
check = checks.check
admin_url = os.environ.get("POSTGRES_URL", "")
if not admin_url:
    print("skip copy database: POSTGRES_URL unset (make test-e2e starts a throwaway cluster with Scripts/postgres-cluster.sh)")
    raise SystemExit(0)


def psql():
    found = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
    if not found:
        raise SystemExit("FAIL copy database: no psql to create the target database")
    return found


def database_url(name, password=None):
    """POSTGRES_URL with another database (and a password: the throwaway cluster trusts loopback, so any works)."""
    parts = urllib.parse.urlsplit(admin_url)
    netloc = parts.netloc if password is None else parts.netloc.replace("@", f":{password}@", 1)
    return urllib.parse.urlunsplit((parts.scheme, netloc, "/" + name, parts.query, ""))


name = "copy_e2e_" + os.urandom(6).hex()
subprocess.run([psql(), admin_url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
password = "e2e-" + os.urandom(8).hex()
target = database_url(name, password)
key = "sk_test_" + os.urandom(24).hex()
operator = "op_test_" + os.urandom(24).hex()
environment = dict(TESSERA_SECRET_KEY=key, TESSERA_OPERATOR_KEY=operator, TESSERA_ISSUER="http://tessera.copy.test")
sqlite_server = Server(server_binary, **environment)
postgres_server = None


def verify(server, token):
    return httpx.get(f"{server.base}/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def feed(client, after):
    answer = client.get("/v1/revocations", params={"after": after, "limit": 10000})
    return answer.json() if answer.status_code == 200 else {"error": answer.status_code}


def audit_verify(server):
    done = subprocess.run([sessionctl, "audit", "verify", "--url", server.base, "--tenant", "default"], capture_output=True, text=True,
                          env=dict(os.environ, TESSERA_SECRET_KEY=key))
    return done.returncode, done.stdout.strip() + done.stderr.strip()


try:
    if not sqlite_server.start():
        check("session-server starts on SQLite", False, sqlite_server.output[-800:])
        raise SystemExit(1)
    clerk = httpx.Client(base_url=sqlite_server.base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    admin = httpx.Client(base_url=f"{sqlite_server.base}/t/default/api/v1/admin", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    users = [clerk.post("/v1/users", json={"first_name": f"Ada {n}", "last_name": "Løvelace \"é\"", "external_id": f"crm-{n}",
                                          "email_address": [f"ada{n}@example.com"]}).json()["id"] for n in range(3)]
    sessions = []
    for n, user in enumerate(users + users[:2]):
        answer = admin.post(f"/users/{user}/sessions", json={"ipAddress": f"203.0.113.{n + 1}", "userAgent": f"copy-e2e/{n}", "authMethod": "password"})
        sessions.append(answer.json()["session"]["id"])
    tokens = {session: clerk.post(f"/v1/sessions/{session}/tokens").json()["jwt"] for session in sessions}
    check("every token verifies on SQLite", all(verify(sqlite_server, token) == 200 for token in tokens.values()))
    revoked = [sessions[0], sessions[3]]
    for session in revoked:
        clerk.post(f"/v1/sessions/{session}/revoke")
    clerk.delete(f"/v1/users/{users[2]}")  # one user-wide entry for the user's session
    revoked.append(sessions[2])
    live = [session for session in sessions if session not in revoked]
    check("revoked tokens are refused on SQLite", all(verify(sqlite_server, tokens[s]) == 401 for s in revoked))
    before_feed = feed(clerk, 0)
    head = before_feed.get("cursor", 0)
    check("the SQLite feed has entries", len(before_feed.get("entries", [])) >= 3, str(before_feed)[:300])
    before_users = clerk.get("/v1/users", params={"limit": 100}).json()
    before_sessions = clerk.get("/v1/sessions", params={"user_id": users[0]}).json()
    before_audit = audit_verify(sqlite_server)
    check("the SQLite audit chain is intact", before_audit[0] == 0, before_audit[1])
    # A rehearsal while the server runs: the copy reads one snapshot read-only and takes no lock the server waits on.
    subprocess.run([psql(), admin_url, "-qc", f"CREATE DATABASE {name}_rehearsal"], check=True, capture_output=True)
    rehearsal = subprocess.Popen([sessionctl, "copy-database", "--from", sqlite_server.database, "--to", database_url(name + "_rehearsal")],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    written = clerk.post("/v1/users", json={"first_name": "During"})
    rehearsed = rehearsal.communicate(timeout=120)[0]
    check("a rehearsal copy runs beside the live server, which goes on writing", rehearsal.returncode == 0 and written.status_code == 200,
          f"{rehearsal.returncode} {rehearsed[-400:]} {written.status_code}")
    clerk.delete(f"/v1/users/{written.json().get('id')}")
    before_users = clerk.get("/v1/users", params={"limit": 100}).json()
    before_feed = feed(clerk, 0)
    head = before_feed.get("cursor", 0)
    before_audit = audit_verify(sqlite_server)
    sqlite_server.stop()

    copied = subprocess.run([sessionctl, "copy-database", "--from", sqlite_server.database, "--to", target], capture_output=True, text=True)
    output = copied.stdout + copied.stderr
    check("copy-database copies and exits 0", copied.returncode == 0, output[-800:])
    # Four users: the three, and the one written during the rehearsal, since deleted (kept as a row, as SQLite keeps it).
    check("it prints the rows per table", re.search(r"^\s+session\s+5$", copied.stdout, re.M) and re.search(r"^\s+app_user\s+4$", copied.stdout, re.M)
          and f"feed head at {head}" in copied.stdout, copied.stdout)
    check("it never prints the URL's password", password not in output and ":***@" in output, output)
    again = subprocess.run([sessionctl, "copy-database", "--from", sqlite_server.database],
                           env=dict(os.environ, TESSERA_DATABASE=target), capture_output=True, text=True)
    check("a second copy (--to from TESSERA_DATABASE) is refused: the target is not empty", again.returncode == 1 and "not empty" in again.stderr,
          again.stdout + again.stderr)
    check("the refusal does not print the password either", password not in again.stdout + again.stderr)

    postgres_server = Server(server_binary, work=sqlite_server.work, **environment)
    postgres_server.env["TESSERA_DATABASE"] = target
    # On PostgreSQL the key-encryption key is given, never generated: the one the SQLite server generated beside its keys.
    postgres_server.env["TESSERA_KEK_FILE"] = os.path.join(sqlite_server.work, "keys", "kek.b64")
    if not postgres_server.start():
        check("session-server starts on the PostgreSQL copy", False, postgres_server.output[-800:])
        raise SystemExit(1)
    check("session-server starts on the PostgreSQL copy", True)
    check("its output never shows the password", password not in postgres_server.output, postgres_server.output[-400:])
    clerk = httpx.Client(base_url=postgres_server.base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    moved_audit = audit_verify(postgres_server)
    check("the audit chain is intact on PostgreSQL: the same events, the same head", moved_audit == before_audit, f"{before_audit} / {moved_audit}")
    check("revoked tokens are refused on PostgreSQL", all(verify(postgres_server, tokens[s]) == 401 for s in revoked),
          str([verify(postgres_server, tokens[s]) for s in revoked]))
    check("live tokens minted on SQLite verify on PostgreSQL", all(verify(postgres_server, tokens[s]) == 200 for s in live),
          str([verify(postgres_server, tokens[s]) for s in live]))
    fresh = clerk.post(f"/v1/sessions/{live[0]}/tokens")
    check("a live session gets a new token, which verifies", fresh.status_code == 200 and verify(postgres_server, fresh.json()["jwt"]) == 200, fresh.text[:300])
    check("no token for a revoked session", clerk.post(f"/v1/sessions/{revoked[0]}/tokens").status_code >= 400)
    after_feed = feed(clerk, 0)
    check("the feed answers the same entries from the start", after_feed.get("entries") == before_feed.get("entries"),
          f"{str(before_feed)[:300]} / {str(after_feed)[:300]}")
    middle = before_feed["entries"][0]["seq"] if before_feed.get("entries") else 0
    check("and from a cursor in the middle", feed(clerk, middle).get("entries") == before_feed["entries"][1:])
    check("a follower at the old head gets nothing new", feed(clerk, head).get("entries") == [] and feed(clerk, head).get("snapshot") is False,
          str(feed(clerk, head))[:300])
    clerk.post(f"/v1/sessions/{live[0]}/revoke")
    continued = feed(clerk, head).get("entries", [])
    check("a revocation on PostgreSQL continues the feed at head + 1", [e.get("seq") for e in continued] == [head + 1], str(continued)[:300])
    check("and its token is refused", verify(postgres_server, tokens[live[0]]) == 401)
    after_users = clerk.get("/v1/users", params={"limit": 100}).json()
    check("the Clerk API lists the same users", after_users == before_users and len(after_users) == 2, f"{str(before_users)[:300]} / {str(after_users)[:300]}")
    after_sessions = clerk.get("/v1/sessions", params={"user_id": users[0]}).json()
    check("and the same sessions", [s["id"] for s in after_sessions] == [s["id"] for s in before_sessions]
          and [s["status"] for s in after_sessions if s["id"] != live[0]] == [s["status"] for s in before_sessions if s["id"] != live[0]])
    after_audit = audit_verify(postgres_server)
    count = int(re.search(r"(\d+) events", before_audit[1])[1]) if re.search(r"(\d+) events", before_audit[1]) else -1
    check("the revocation's event extends the chain, still intact", after_audit[0] == 0 and f"intact: {count + 1} events" in after_audit[1],
          f"{before_audit} / {after_audit}")
finally:
    sqlite_server.stop()
    if postgres_server:
        postgres_server.stop()
    for database in (name, name + "_rehearsal"):
        subprocess.run([psql(), admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)
    shutil.rmtree(sqlite_server.work, ignore_errors=True)
sys.exit(1 if checks.fails else 0)

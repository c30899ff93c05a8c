"""Start-up refusals: an out-of-range port, malformed numeric TESSERA_* variables and a partly filled key directory
are refused with a message naming the fault and what to do, before anything is written; a first start that cannot
bind stores no secret key, and the next start on the same database prints one that works.
Usage: startup.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, shutil, socket, sqlite3, sys
from server_process import Checks, Server

checks = Checks("startup")
check = checks.check
here = os.path.dirname(os.path.abspath(__file__))

def refused(args, env, must_name, also=(), never=("hunter2",)):
    server = Server(sys.argv[1], **env)
    status, output = server.run_to_exit(*args)
    label = " ".join(args) or " ".join(f"{k}={v}" for k, v in env.items())
    untouched = not os.path.exists(os.path.dirname(server.database)) and not os.path.exists(server.env["TESSERA_KEYS_DIR"])
    check(f"{label} is refused naming {must_name}, writing nothing",
          status not in (0, None) and must_name in output and all(a in output for a in also) and "listening" not in output and untouched
          and not any(n in output for n in never),
          output.strip()[-300:])

refused(["--port", "70000"], {}, "--port", ["65535"])
refused(["--port", "0"], {}, "--port")
refused([], {"TESSERA_PORT": "80a0"}, "TESSERA_PORT", ["80a0"])
refused([], {"TESSERA_PORT": "65536"}, "TESSERA_PORT")
refused([], {"TESSERA_MAX_TOKEN_LIFETIME": "1d"}, "TESSERA_MAX_TOKEN_LIFETIME")
refused([], {"TESSERA_MAX_BODY_BYTES": "-1"}, "TESSERA_MAX_BODY_BYTES")
refused([], {"TESSERA_GATEWAY_CACHE_BYTES": "16MiB"}, "TESSERA_GATEWAY_CACHE_BYTES", ["16MiB"])
refused([], {"TESSERA_SESSION_CACHE_BYTES": "-1"}, "TESSERA_SESSION_CACHE_BYTES")
refused(["--credential-cache-bytes", "4294967297"], {}, "--credential-cache-bytes", ["4294967296"])
# PostgreSQL: several nodes must open the same sealed keys, so the key-encryption key is given, never generated;
# an unreachable server or another scheme is refused without showing the password.
refused([], {"TESSERA_DATABASE": "postgres://tessera:hunter2secret@db.internal/tessera"}, "TESSERA_KEK_FILE", ["key-encryption key"])
refused(["--database", "postgresql://u:hunter2@h/d?sslmode=disable&pool_size=0"], {}, "--database", ["pool_size"])
refused(["--database", "mysql://u:hunter2@h/d"], {}, "--database", ["mysql://"])
kek = os.path.join(here, "..", "..", ".build", "startup-kek.b64")
os.makedirs(os.path.dirname(kek), exist_ok=True)
with open(kek, "w") as f:
    f.write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
os.chmod(kek, 0o600)
refused([], {"TESSERA_DATABASE": "postgres://tessera:hunter2secret@127.0.0.1:1/tessera?sslmode=disable&connect_timeout=1",
             "TESSERA_KEK_FILE": kek}, "PostgreSQL", ["127.0.0.1:1", "***"])
refused(["--session-lifetime", "59"], {}, "--session-lifetime", ["315360000"])
refused([], {"TESSERA_LEEWAY": "5s"}, "TESSERA_LEEWAY", ["5s"])
refused([], {"TESSERA_ACTIVITY_INTERVAL": "0"}, "TESSERA_ACTIVITY_INTERVAL")
refused(["--session-lifetime", "86400", "--abandon-after", "3600"], {}, "--abandon-after", ["--session-lifetime"])
refused(["--token-lifetime", "600", "--max-token-lifetime", "300"], {}, "--token-lifetime", ["--max-token-lifetime"])

# The lifetimes reach what the server hands out: a session's expire_at and abandon_at, a token's exp.
server = Server(sys.argv[1], TESSERA_SESSION_LIFETIME="3600", TESSERA_ABANDON_AFTER="7200", TESSERA_TOKEN_LIFETIME="120")
if server.start():
    key = server.secret_key()
    _, user = server.call("POST", "/v1/users", key, {"first_name": "Life"})
    _, session = server.call("POST", "/v1/sessions", key, {"user_id": user["id"]})
    _, token = server.call("POST", f"/v1/sessions/{session['id']}/tokens", key, {})
    import base64, json
    payload = json.loads(base64.urlsafe_b64decode(token["jwt"].split(".")[1] + "=="))
    check("TESSERA_SESSION_LIFETIME and TESSERA_ABANDON_AFTER set expire_at and abandon_at",
          session["expire_at"] - session["created_at"] == 3_600_000 and session["abandon_at"] - session["created_at"] == 7_200_000, str(session))
    check("TESSERA_TOKEN_LIFETIME sets a token's default lifetime", payload["exp"] - payload["iat"] == 120, str(payload))
    server.stop()
else:
    check("a server with lifetimes set starts", False, server.output)

# A key directory holding some but not all active keys is refused, not completed.
server = Server(sys.argv[1])
keys = server.env["TESSERA_KEYS_DIR"]
os.makedirs(keys)
shutil.copy(os.path.join(here, "../../keys/test/rs256.pem"), os.path.join(keys, "rs256.pem"))
status, output = server.run_to_exit()
check("a key directory with rs256.pem only is refused, naming the missing files and the fix",
      status not in (0, None) and "es256.pem" in output and "eddsa.pem" in output and "sessionctl keys generate" in output
      and "empty the directory" in output, output.strip()[-400:])
check("the partly filled key directory is left as it was", sorted(os.listdir(keys)) == ["rs256.pem"], str(os.listdir(keys)))

# A first start that cannot bind stores no secret key; the next start prints one, and it works.
server = Server(sys.argv[1])
with socket.socket() as taken:
    taken.bind(("127.0.0.1", server.port))
    taken.listen()
    status, output = server.run_to_exit()
check("a first start on a port in use fails, saying what to do", status not in (0, None) and "Test secret key" not in output
      and "Address already in use" in output and "--port" in output, output.strip()[-300:])
stored = 0
if os.path.exists(server.database):
    db = sqlite3.connect(server.database)
    try:
        stored = db.execute("SELECT count(*) FROM secret_key").fetchone()[0]
    finally:
        db.close()
check("the failed start stored no secret key", stored == 0, f"{stored} stored")
check("the next start on the same database prints the secret key", server.start() and server.secret_key() is not None, server.output)
key = server.secret_key()
check("the printed key works", key is not None and server.call("GET", "/v1/users", key)[0] == 200)
server.stop()
check("a later start prints no new key", server.start() and server.secret_key() is None, server.output)
server.stop()
# Configuration in one place: the settings --help names are the ones Docs/Operations.md's table lists.
import re, subprocess
help_text = subprocess.run([sys.argv[1], "--help"], capture_output=True, text=True).stdout
with open(os.path.join(here, "..", "..", "Docs", "Operations.md")) as page:
    operations = page.read()
table = operations[operations.index("### Configuration"):operations.index("### Start-up checks")]
in_help = (set(re.findall(r"TESSERA_[A-Z0-9_]+", help_text)) | set(re.findall(r"^  (--[a-z0-9-]+)", help_text, re.M))) - {"--help"}
in_table = (set(re.findall(r"TESSERA_[A-Z0-9_]+", table)) | set(re.findall(r"`(--[a-z0-9-]+)`", table))) - {"--help"}
check("every setting of --help is in Docs/Operations.md's configuration table", not (in_help - in_table), str(sorted(in_help - in_table)))
check("the configuration table names no setting --help lacks", not (in_table - in_help), str(sorted(in_table - in_help)))
sys.exit(1 if checks.fails else 0)

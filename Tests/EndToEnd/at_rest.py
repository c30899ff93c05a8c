"""Data at rest: the SQLite files are 0600 under umask 022, a template's own signing key is sealed in the database
(never clear in the column or the log), and the key-encryption key rotates and is required.
Usage: at_rest.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, sqlite3, stat, sys
from server_process import Checks, Server

os.umask(0o022)  # the usual umask, under which SQLite alone made 0644 files
checks = Checks("at-rest")
check = checks.check
key = "sk_test_" + os.urandom(24).hex()
server = Server(sys.argv[1], TESSERA_SECRET_KEY=key)
secret = "e2e-hmac-secret-" + os.urandom(16).hex()
pem = open(os.path.join(os.path.dirname(__file__), "../../keys/test/es256.pem")).read()
pem_body = pem.splitlines()[1]

def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)

def sql(statement, *arguments):
    """One statement on a connection closed at once: a connection left open across the server's restarts would keep
    a stale view of the WAL index the server deletes when it closes."""
    db = sqlite3.connect(server.database)
    try:
        with db:
            return db.execute(statement, arguments).fetchall()
    finally:
        db.close()

def raw_materials():
    return dict(sql("SELECT name, signing_key_material FROM jwt_template WHERE signing_key_material IS NOT NULL"))

def tenant_keys():
    return [row[0] for row in sql("SELECT material FROM signing_key")]

def kek_id(output):
    for line in output.splitlines():
        if "template signing keys sealed at rest" in line and "kek=" in line:
            return line.split("kek=")[1].split()[0]
    return None

check("first start", server.start(), server.output)
user = server.call("POST", "/v1/users", key, {"first_name": "Rest"})[1]["id"]
session = server.call("POST", "/v1/sessions", key, {"user_id": user})[1]["id"]
status_hs, _ = server.call("POST", "/v1/jwt_templates", key, {"name": "hs", "claims": {"x": 1}, "custom_signing_key": True,
                                                             "signing_algorithm": "HS256", "signing_key": secret})
status_es, _ = server.call("POST", "/v1/jwt_templates", key, {"name": "es", "claims": {"x": 1}, "custom_signing_key": True,
                                                             "signing_algorithm": "ES256", "signing_key": pem})
check("templates with their own HS256 and ES256 keys are saved", (status_hs, status_es) == (200, 200), f"{status_hs} {status_es}")
check("a token is minted from the sealed HS256 key",
      server.call("POST", f"/v1/sessions/{session}/tokens/hs", key)[0] == 200)
for path in [server.database, server.database + "-wal", server.database + "-shm"]:
    check(f"{os.path.basename(path)} is 0600 under umask 022", os.path.exists(path) and mode(path) == 0o600,
          oct(mode(path)) if os.path.exists(path) else "missing")
check("the database directory it created is 0700", mode(os.path.dirname(server.database)) == 0o700)
kek_path = os.path.join(server.work, "keys", "kek.b64")
check("a default key-encryption key was generated 0600 beside the keys", os.path.exists(kek_path) and mode(kek_path) == 0o600)
first_kek = kek_id(server.output)
materials = raw_materials()
check("the raw column holds sealed values naming the KEK", first_kek is not None and len(materials) == 2
      and all(m.startswith(f"v1:{first_kek}:") for m in materials.values()), str(list(materials.values()))[:200])
check("the tenant's signing key is stored sealed under the KEK, never as PEM",
      len(tenant_keys()) == 1 and all(m.startswith(f"v1:{first_kek}:") and "PRIVATE KEY" not in m for m in tenant_keys()), str(tenant_keys())[:200])
check("the raw column holds no secret or PEM text",
      not any(secret in m or "PRIVATE KEY" in m or pem_body in m for m in materials.values()))
with open(server.database, "rb") as f:
    raw = f.read()
check("the database file holds no secret or PEM text", secret.encode() not in raw and pem_body.encode() not in raw)
server.stop()
check("the log holds no secret", secret not in server.output and pem_body not in server.output)

# Rotation: a new KEK alone cannot open the old rows, and the start changes nothing.
new_kek = os.path.join(server.work, "kek-new.b64")
with open(new_kek, "w") as f:
    f.write(__import__("base64").b64encode(os.urandom(32)).decode() + "\n")
server.env["TESSERA_KEK_FILE"] = new_kek
status, output = server.run_to_exit()
check("a KEK that opens nothing stored is refused at start, naming what to pass",
      status not in (0, None) and "previous-key-encryption-key-file" in output and raw_materials() == materials, output.strip()[-300:])
server.env["TESSERA_PREVIOUS_KEK_FILE"] = kek_path
check("start with the new KEK and the previous one", server.start(), server.output)
second_kek = kek_id(server.output)
rotated = raw_materials()
check("every row is re-sealed under the new KEK", second_kek not in (None, first_kek)
      and all(m.startswith(f"v1:{second_kek}:") for m in rotated.values()) and "resealed=2" in server.output, f"{first_kek} {second_kek} {rotated}")
check("and so is the tenant's signing key", all(m.startswith(f"v1:{second_kek}:") for m in tenant_keys()), str(tenant_keys())[:200])
server.stop()
del server.env["TESSERA_PREVIOUS_KEK_FILE"]

# A legacy row with its key in clear is sealed at the next start.
sql("UPDATE jwt_template SET signing_key_material = ? WHERE name = 'hs'", secret)
check("start with the new KEK alone", server.start(), server.output)
legacy = raw_materials()
check("a legacy clear-text row is sealed at start", legacy["hs"].startswith(f"v1:{second_kek}:") and secret not in legacy["hs"]
      and "sealed=1" in server.output)
check("tokens are still minted after the rotation", server.call("POST", f"/v1/sessions/{session}/tokens/hs", key)[0] == 200
      and server.call("POST", f"/v1/sessions/{session}/tokens/es", key)[0] == 200)
server.stop()

# No KEK at all while the database holds sealed keys: a clear start-up error, no new key generated.
del server.env["TESSERA_KEK_FILE"]
os.remove(kek_path)
status, output = server.run_to_exit()
check("a missing KEK is a start-up error when the database holds sealed keys",
      status not in (0, None) and "key-encryption key" in output and not os.path.exists(kek_path), output.strip()[-300:])
sys.exit(1 if checks.fails else 0)

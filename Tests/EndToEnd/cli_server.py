"""sessionctl against a running server (issue 14): every command and subcommand has an overview line in its help;
`users create` with public/private/unsafe metadata (validated locally as JSON objects) and `users update`; a template
token minted by the server (`token mint --session ID --template NAME`); `revocations await` measuring from the
revocation's own time, not from its start; errors that name the flag to use; and `token verify` saying it did not
check revocation, or checking it with `--feed URL --verifier-key KEY`.
Usage: cli_server.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import base64, json, os, re, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("cli")
check = checks.check
key = "sk_test_" + os.urandom(24).hex()
work = tempfile.mkdtemp()


def ctl(*args, env=None, timeout=60):
    """(exit status, stdout, stderr) of sessionctl ARGS against the server (or without one when env is {})."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    base.update({"TESSERA_URL": server.base, "TESSERA_SECRET_KEY": key} if env is None else env)
    done = subprocess.run([sessionctl, *args], env=base, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def subcommands(path):
    """The subcommand names `sessionctl PATH --help` lists."""
    _, out, _ = ctl(*path, "--help", env={})
    names, listing = [], False
    for line in out.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            listing = True
        elif listing and not line.strip():
            break  # the list ends at its first blank line ("See 'sessionctl help …'" follows)
        elif listing and re.match(r"^  \S", line):
            names.append(line.split()[0])
    return [n for n in names if n != "help"]


# ---- help: every command has an overview, without a server ----------------------------------------------
missing, seen, queue = [], 0, [[]]
while queue:
    path = queue.pop()
    status, out, _ = ctl(*(["help", *path] if path else ["--help"]), env={})
    seen += 1
    if status != 0 or not re.search(r"^OVERVIEW: \S", out, re.M):
        missing.append(" ".join(path) or "sessionctl")
    queue.extend(path + [name] for name in subcommands(path))
check(f"every command and subcommand has an overview line ({seen} checked through `sessionctl help …`)", seen > 30 and not missing,
      ", ".join(missing))

server = Server(server_binary, TESSERA_SECRET_KEY=key)
try:
    if not server.start():
        check("the server starts", False, server.output[-800:])
        raise SystemExit(1)

    # ---- errors name the flag ----------------------------------------------------------------------------
    status, _, err = ctl("users", "list", env={"TESSERA_URL": server.base})
    check("no secret key: the error names --secret-key and TESSERA_SECRET_KEY",
          status != 0 and "--secret-key is required (or TESSERA_SECRET_KEY" in err, err.strip()[-200:])
    for args, expected in [
        (["users", "create", "--public-metadata", "[1, 2]"], "--public-metadata must be a JSON object"),
        (["users", "create", "--private-metadata", '{"a": '], "--private-metadata must be a JSON object"),
        (["users", "create", "--unsafe-metadata", '"text"'], "--unsafe-metadata must be a JSON object"),
        (["sessions", "create", "--expires-in", "5"], "--expires-in must be from 30"),
        (["sessions", "list", "--user", "user_x", "--limit", "0"], "--limit must be from 1 to 500"),
        (["sessions", "list"], "--user or --client is required"),
        (["token", "mint", "--session", "sess_x", "--sid", "sess_y"], "--sid is for offline minting"),
        (["token", "mint", "--sid", "s", "--sub", "u"], "--keys is required"),
        (["users", "update", "user_x"], "give at least one field"),
        (["revocations", "await", "--timeout", "0", "x.y.z"], "--timeout must be from 1"),
    ]:
        status, out, err = ctl(*args)
        check(f"`{' '.join(args)}` is refused naming the flag", status != 0 and expected in err, err.strip()[-200:])
    status, _, err = ctl("users", "create", "--email", "not an email")
    check("a server-side refusal names the flag (--email), not the API parameter",
          status != 0 and "--email is invalid" in err, err.strip()[-200:])

    # ---- users create with metadata, users update ----------------------------------------------------------
    status, out, err = ctl("users", "create", "--first-name", "Ada", "--username", "ada_cli", "--external-id", "ext-cli",
                           "--public-metadata", '{"role": "admin", "level": 3}', "--private-metadata", '{"stripe": "cus_1"}',
                           "--unsafe-metadata", '{"theme": "dark é"}')
    user = json.loads(out) if status == 0 else {}
    check("users create sets names, username, external id and the three metadata objects",
          user.get("public_metadata") == {"role": "admin", "level": 3} and user.get("private_metadata") == {"stripe": "cus_1"}
          and user.get("unsafe_metadata") == {"theme": "dark é"} and user.get("username") == "ada_cli" and user.get("external_id") == "ext-cli",
          err.strip()[-300:] or out[:300])
    user_id = user.get("id", "user_missing")
    status, out, err = ctl("users", "update", user_id, "--first-name", "Grace", "--last-name", "Hopper",
                           "--public-metadata", '{"role": "owner"}', "--email", "grace@example.com")
    updated = json.loads(out) if status == 0 else {}
    emails = [e.get("email_address") for e in updated.get("email_addresses", [])]
    check("users update (PATCH /v1/users/{id}) changes names, email and metadata",
          updated.get("first_name") == "Grace" and updated.get("last_name") == "Hopper" and updated.get("public_metadata") == {"role": "owner"}
          and "grace@example.com" in emails and updated.get("private_metadata") == {"stripe": "cus_1"}, err.strip()[-300:] or out[:300])
    status, _, err = ctl("users", "update", "user_doesnotexist", "--first-name", "X")
    check("users update of an unknown user fails with the server's error", status != 0 and "resource_not_found" in err, err.strip()[-200:])

    # ---- a template token minted by the server ---------------------------------------------------------------
    template = os.path.join(work, "template.json")
    with open(template, "w") as f:
        json.dump({"name": "backend", "lifetime": 120, "claims": {"aud": "api", "role": "{{user.public_metadata.role}}"}}, f)
    status, _, err = ctl("templates", "create", template)
    check("templates create", status == 0, err.strip()[-200:])
    status, out, err = ctl("sessions", "create", "--user", user_id)
    session = json.loads("\n".join(out.splitlines()[:-1])) if status == 0 else {}
    session_token = out.splitlines()[-1] if status == 0 else ""
    status, out, err = ctl("token", "mint", "--session", session.get("id", "sess_x"), "--template", "backend")
    minted = out.strip()
    minted_claims = claims(minted) if status == 0 and minted.count(".") == 2 else {}
    check("token mint --session ID --template NAME: the server mints the template token",
          minted_claims.get("aud") == "api" and minted_claims.get("role") == "owner" and minted_claims.get("sub") == user_id
          and minted_claims.get("exp", 0) - minted_claims.get("iat", 0) == 120, err.strip()[-300:] or str(minted_claims))
    status, out, err = ctl("token", "mint", "--session", session.get("id", "sess_x"), "--expires-in", "300")
    plain = claims(out.strip()) if status == 0 else {}
    check("token mint --session ID: a session token of the server's", plain.get("sid") == session.get("id") and plain.get("exp", 0) - plain.get("iat", 0) == 300,
          err.strip()[-300:])
    status, _, err = ctl("token", "mint", "--session", session.get("id", "sess_x"), "--template", "nosuchtemplate")
    check("token mint with an unknown template name fails with the server's error", status != 0 and "template" in err.lower(), err.strip()[-200:])

    # ---- token verify: revocation is said to be unchecked, or checked with --feed -----------------------------
    jwks = os.path.join(work, "jwks.json")
    import urllib.request
    with urllib.request.urlopen(server.base + "/.well-known/jwks.json") as answer, open(jwks, "wb") as f:
        f.write(answer.read())
    status, out, err = ctl("token", "verify", "--jwks", jwks, session_token, env={})
    check("token verify without --feed says on stderr that revocation was NOT checked", status == 0 and "revocation NOT checked" in err,
          err.strip()[-200:])
    status, verifier_key, err = ctl("revocations", "verifier-key")
    verifier_key = verifier_key.strip()
    check("a verifier key for the feed", status == 0 and verifier_key.startswith("vk_test_"), err.strip()[-200:])
    status, out, err = ctl("token", "verify", "--jwks", jwks, "--feed", server.base, "--verifier-key", verifier_key, session_token, env={})
    check("token verify --feed --verifier-key: a live session's token passes, checked", status == 0 and "not revoked" in err, err.strip()[-200:])
    status, _, err = ctl("token", "verify", "--jwks", jwks, "--feed", server.base, session_token, env={})
    check("--feed without a verifier key names --verifier-key", status != 0 and "--verifier-key is required" in err, err.strip()[-200:])

    # ---- revocations await: measured from the revocation ----------------------------------------------------
    follower = subprocess.Popen([sessionctl, "revocations", "await", "--timeout", "20", session_token], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                env=dict({k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")},
                                         TESSERA_URL=server.base, TESSERA_SECRET_KEY=verifier_key))
    ready = follower.stdout.readline()
    time.sleep(2.5)  # the caller waits before revoking: this must not count
    status, _, err = ctl("sessions", "revoke", session.get("id", "sess_x"))
    output = ready + follower.communicate(timeout=30)[0]
    found = re.search(r"refused after (\S+) seconds?: (\S+) \(from the revocation.*waited (\S+) s\)", output)
    check(f"revocations await measures from the revocation, not its start: {found.group(0)[:120] if found else output[-200:]}",
          bool(found) and float(found.group(1)) < 1.0 and found.group(2) == "revoked" and float(found.group(3)) >= 2.5,
          output[-300:])
    status, out, err = ctl("token", "verify", "--jwks", jwks, "--feed", server.base + "/v1/revocations", "--verifier-key", verifier_key,
                           session_token, env={})
    check("token verify --feed refuses the revoked session's token (exit 1, revoked)", status == 1 and err.startswith("revoked"),
          f"{status} {err.strip()[-200:]}")
finally:
    server.stop()

sys.exit(1 if checks.fails else 0)

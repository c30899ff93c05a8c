"""The OpenAPI document and the /docs page are compiled into the binary: started from a temporary working directory
(no Docs/ beside it), the server answers 200 for /openapi.yaml, /openapi.json and /docs, and serves the document
byte for byte as Docs/openapi.yaml says (make openapi compiles it in).

Usage: openapi_served.py SESSION_SERVER (standard library only)."""
import json, os, shutil, sys, tempfile, urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from server_process import Checks, Server  # noqa: E402

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
checks = Checks("openapi")
server = Server(os.path.abspath(sys.argv[1]))
server.cwd = tempfile.mkdtemp(prefix="tessera-elsewhere-")
checks.check("the working directory has no Docs/ (nothing to read from disk)", not os.path.exists(os.path.join(server.cwd, "Docs")))
if not server.start():
    checks.check("the server starts from a temporary working directory", False, server.output[-2000:])
    sys.exit(1)
try:
    answers = {}
    for path in ("/openapi.yaml", "/openapi.json", "/docs"):
        try:
            with urllib.request.urlopen(server.base + path, timeout=10) as response:
                answers[path] = (response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            answers[path] = (error.code, "", error.read())
        status, content_type, body = answers[path]
        checks.check(f"GET {path} is 200 from {server.cwd}", status == 200 and len(body) > 0, f"{status} {body[:200]!r}")
    yaml_body = answers["/openapi.yaml"][2]
    with open(os.path.join(REPO, "Docs", "openapi.yaml"), "rb") as f:
        checks.check("/openapi.yaml is Docs/openapi.yaml as compiled (run make openapi after editing it)", yaml_body == f.read())
    try:
        document = json.loads(answers["/openapi.json"][2])
    except ValueError:
        document = {}
    checks.check("/openapi.json is an OpenAPI 3.1 document with paths", str(document.get("openapi", "")).startswith("3.1")
                 and len(document.get("paths", {})) > 10, str(document)[:200])
    checks.check("/docs is an HTML page", b"<html" in answers["/docs"][2].lower() and "text/html" in answers["/docs"][1],
                 answers["/docs"][1])
finally:
    server.stop()
    shutil.rmtree(server.cwd, ignore_errors=True)
    shutil.rmtree(server.work, ignore_errors=True)
sys.exit(1 if checks.fails else 0)

"""Real nginx (Debian's package) in front of a tiny application, with auth_request to Tessera's
GET /v1/verify, using the documented config Docs/nginx/tessera-gateway.conf with only its ports changed.

Checks: refused without a token, allowed with one (the application sees Tessera's X-User-Id, never
the client's), the __session cookie, the reason passed to the client, the verify location not
reachable from outside, and a revoked session refused within a second.

usage: nginx_gateway.py SESSION_SERVER
"""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "..", "Docs", "nginx", "tessera-gateway.conf")
failures = 0


def check(name, condition, detail=""):
    global failures
    if condition:
        print(f"ok   nginx: {name}")
    else:
        failures += 1
        print(f"FAIL nginx: {name} {detail}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", headers=None, body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Application(http.server.BaseHTTPRequestHandler):
    """Answers with the identity headers it received."""

    def do_GET(self):
        body = json.dumps({"user": self.headers.get("X-User-Id"), "session": self.headers.get("X-Session-Id"),
                           "authorization_seen": self.headers.get("Authorization") is not None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def wait_for(path, text, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path) and text in open(path, errors="replace").read():
            return True
        time.sleep(0.05)
    return False


def main():
    server_binary = sys.argv[1]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        check("nginx is installed (apt-get install nginx-light)", False)
        return 1
    directory = tempfile.mkdtemp()
    tessera_port, app_port, nginx_port = free_port(), free_port(), free_port()
    secret = "sk_test_" + os.urandom(24).hex()
    processes = []
    try:
        env = dict(os.environ, TESSERA_PORT=str(tessera_port), TESSERA_DATABASE=f"{directory}/tessera.sqlite",
                   TESSERA_KEYS_DIR=f"{directory}/keys", TESSERA_SECRET_KEY=secret)
        log = open(f"{directory}/server.log", "w")
        processes.append(subprocess.Popen([server_binary], env=env, stdout=log, stderr=log))
        app = http.server.ThreadingHTTPServer(("127.0.0.1", app_port), Application)
        threading.Thread(target=app.serve_forever, daemon=True).start()

        config = open(CONFIG).read()
        config = config.replace("127.0.0.1:8080", f"127.0.0.1:{tessera_port}")
        config = config.replace("127.0.0.1:3000", f"127.0.0.1:{app_port}")
        config = re.sub(r"listen 8000;", f"listen 127.0.0.1:{nginx_port};", config)
        open(f"{directory}/gateway.conf", "w").write(config)
        os.makedirs(f"{directory}/tmp", exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        open(f"{directory}/nginx.conf", "w").write(f"""{user}daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {directory}/tmp/body;
    proxy_temp_path {directory}/tmp/proxy;
    fastcgi_temp_path {directory}/tmp/fastcgi;
    uwsgi_temp_path {directory}/tmp/uwsgi;
    scgi_temp_path {directory}/tmp/scgi;
    include {directory}/gateway.conf;
}}
""")
        test = subprocess.run([nginx, "-t", "-p", directory, "-c", f"{directory}/nginx.conf", "-e", f"{directory}/nginx-error.log"],
                              capture_output=True, text=True)
        check("the documented config passes nginx -t", test.returncode == 0, test.stderr)
        if test.returncode != 0:
            return 1
        processes.append(subprocess.Popen([nginx, "-p", directory, "-c", f"{directory}/nginx.conf", "-e", f"{directory}/nginx-error.log"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if not wait_for(f"{directory}/server.log", "listening on"):
            check("session-server started", False, open(f"{directory}/server.log").read())
            return 1
        base = f"http://127.0.0.1:{tessera_port}/v1"
        auth = {"Authorization": f"Bearer {secret}"}
        gateway = f"http://127.0.0.1:{nginx_port}/orders"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", nginx_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

        _, _, body = request(f"{base}/users", "POST", auth, {"first_name": "Gate"})
        user_id = json.loads(body)["id"]
        _, _, body = request(f"{base}/sessions", "POST", auth, {"user_id": user_id})
        session_id = json.loads(body)["id"]
        _, _, body = request(f"{base}/sessions/{session_id}/tokens", "POST", auth, {})
        token = json.loads(body)["jwt"]

        status, headers, _ = request(gateway)
        check("no token: 401 with the reason", status == 401 and 'error_description="missingToken"' in headers.get("WWW-Authenticate", ""),
              f"{status} {headers}")
        status, headers, body = request(gateway, headers={"Authorization": f"Bearer {token}"})
        seen = json.loads(body) if status == 200 else {}
        check("valid token: 200 and the application sees Tessera's user and session",
              status == 200 and seen.get("user") == user_id and seen.get("session") == session_id, f"{status} {body}")
        status, _, body = request(gateway, headers={"Authorization": f"Bearer {token}", "X-User-Id": "user_forged"})
        check("a client-sent X-User-Id is overwritten", status == 200 and json.loads(body).get("user") == user_id, body)
        status, _, body = request(gateway, headers={"X-User-Id": "user_forged"})
        check("a client-sent X-User-Id without a token gets nowhere", status == 401, f"{status} {body}")
        status, _, body = request(gateway, headers={"Cookie": f"theme=dark; __session={token}"})
        check("the __session cookie is accepted", status == 200 and json.loads(body).get("user") == user_id, f"{status} {body}")
        status, headers, _ = request(gateway, headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
        check("a forged signature: 401 badSignature", status == 401 and "badSignature" in headers.get("WWW-Authenticate", ""),
              f"{status} {headers}")
        status, _, _ = request(f"http://127.0.0.1:{nginx_port}/_tessera/verify", headers={"Authorization": f"Bearer {token}"})
        check("the verify location is internal", status == 404, str(status))

        revoked_at = time.monotonic()
        status, _, _ = request(f"{base}/sessions/{session_id}/revoke", "POST", auth)
        refused_after = None
        while time.monotonic() - revoked_at < 5:
            status, headers, _ = request(gateway, headers={"Authorization": f"Bearer {token}"})
            if status == 401 and "revoked" in headers.get("WWW-Authenticate", ""):
                refused_after = time.monotonic() - revoked_at
                break
            time.sleep(0.01)
        check(f"after revoking the session its unexpired token is refused within 1 s "
              f"({refused_after * 1000:.0f} ms from the revoke request)" if refused_after is not None else "revoked session refused",
              refused_after is not None and refused_after < 1.0, f"{refused_after}")
        errors = open(f"{directory}/nginx-error.log").read() if os.path.exists(f"{directory}/nginx-error.log") else ""
        check("nginx logged no errors", "[error]" not in errors and "[emerg]" not in errors, errors[-500:])
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared by the start-up, at-rest and timeout checks: runs session-server in a temporary directory with the
standard library only (no venv needed), and prints ok/FAIL lines."""
import json, os, socket, subprocess, tempfile, threading, time, urllib.error, urllib.request


class Checks:
    def __init__(self, prefix):
        self.prefix, self.fails = prefix, 0

    def check(self, name, condition, detail=""):
        self.fails += not condition
        print(("ok   " if condition else "FAIL ") + f"{self.prefix}: {name}" + ("" if condition or not detail else f" ({detail})"),
              flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """session-server with its database and keys under `work`; `start()` waits for the banner or the exit."""

    def __init__(self, binary, work=None, **env):
        self.binary = binary
        self.work = work or tempfile.mkdtemp()
        self.port = free_port()
        self.env = dict(os.environ, TESSERA_PORT=str(self.port), TESSERA_DATABASE=os.path.join(self.work, "data", "tessera.sqlite"),
                        TESSERA_KEYS_DIR=os.path.join(self.work, "keys"))
        for name in [n for n in self.env if n.startswith("TESSERA_") and n not in ("TESSERA_PORT", "TESSERA_DATABASE", "TESSERA_KEYS_DIR")]:
            del self.env[name]
        self.env.update({k: v for k, v in env.items() if v is not None})
        self.process, self.output = None, ""
        self.cwd = None  # the working directory to start in; None: the caller's

    @property
    def database(self):
        return self.env["TESSERA_DATABASE"]

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def run_to_exit(self, *args, timeout=15):
        """Runs a start that is expected to fail: (exit status, output)."""
        try:
            done = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as expired:  # it started instead (run() has killed it)
            output = (expired.stdout or b"") + (expired.stderr or b"")
            return None, f"still running after {timeout} s: " + (output.decode() if isinstance(output, bytes) else output)
        return done.returncode, done.stdout + done.stderr

    def start(self, *args, timeout=30):
        """True once the server is listening; False when it exited first (its output is in self.output)."""
        self.output = ""
        self.process = subprocess.Popen([self.binary, *args], env=self.env, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + timeout
        for line in self.process.stdout:
            self.output += line
            if "listening on" in line:
                # the banner's second line (a generated secret key) follows at once
                def drain():
                    for rest in self.process.stdout:
                        self.output += rest
                threading.Thread(target=drain, daemon=True).start()
                time.sleep(0.2)
                return True
            if time.time() > deadline:
                break
        self.process.wait(timeout=10)
        return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def secret_key(self):
        for line in self.output.splitlines():
            if "Test secret key" in line:
                return line.rsplit(" ", 1)[-1].strip()
        return None

    def call(self, method, path, key, body=None):
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

"""Shared by the multi-node end-to-end scripts (multi_node.py, multi_node_stream.py): a database of its own on the
PostgreSQL server at POSTGRES_URL, three session-server nodes on it, and nginx in front of them with the documented
config Docs/nginx/tessera-three-nodes.conf, only its ports and paths substituted.

Without POSTGRES_URL a script prints one `skip` line and exits 0 (the Makefile sets it from a throwaway cluster)."""
import base64, glob, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_CONFIG = os.path.join(HERE, "..", "..", "Docs", "nginx", "tessera-three-nodes.conf")
# The documented config's node addresses and listen port, in its order: node 1, 2, 3.
DOCUMENTED_NODES = ["127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"]
DOCUMENTED_LISTEN = "listen 8080;"


class Checks:
    def __init__(self, prefix):
        self.prefix, self.fails = prefix, 0

    def check(self, name, condition, detail=""):
        self.fails += not condition
        print(("ok   " if condition else "FAIL ") + f"{self.prefix}: {name}" + ("" if condition or not detail else f" ({detail})"),
              flush=True)
        return condition


def postgres_url_or_skip(prefix):
    """POSTGRES_URL, or a `skip` line and exit 0 when it is unset."""
    url = os.environ.get("POSTGRES_URL", "")
    if not url:
        print(f"skip {prefix}: POSTGRES_URL is unset (make test-e2e starts a throwaway cluster when Debian's postgresql is installed)")
        sys.exit(0)
    return url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def within(seconds, condition, step=0.005):
    """Seconds until condition() held, or None when it did not within `seconds`."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started >= seconds:
            return None
        time.sleep(step)


def took(seconds):
    return f" ({seconds * 1000:.0f} ms)" if seconds is not None else ""


class Database:
    """A database (and, where the server allows it, a login role with a password) made for one script and dropped
    at its end. The nodes connect with the role's password in their URL, so the logs can be searched for it."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.psql = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
        if not self.psql:
            raise SystemExit("FAIL multi node: psql not found (apt-get install postgresql-client)")
        suffix = os.urandom(6).hex()
        self.name, self.role, self.password = f"t_{suffix}", f"n_{suffix}", "pw" + os.urandom(12).hex()
        parts = urllib.parse.urlsplit(base_url)
        # The role: it owns the database (PostgreSQL 15's public schema belongs to the database's owner).
        if self.sql(f"CREATE ROLE {self.role} LOGIN PASSWORD '{self.password}'", check=False) != 0:
            self.role, self.password = None, None
        owner = f" OWNER {self.role}" if self.role else ""
        self.sql(f"CREATE DATABASE {self.name}{owner}")
        if self.role:
            netloc = f"{self.role}:{self.password}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        else:
            netloc = parts.netloc
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, "/" + self.name, parts.query, ""))

    def sql(self, statement, check=True, database_url=None):
        done = subprocess.run([self.psql, database_url or self.base_url, "-v", "ON_ERROR_STOP=1", "-Atqc", statement],
                              capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise SystemExit(f"FAIL multi node: psql {statement.split()[0]} failed: {done.stderr.strip()}")
        return done.returncode if not check else done.stdout

    def query(self, statement):
        """A query in this database, as its owner: its output lines."""
        return self.sql(statement, database_url=self.url).splitlines()

    def tool(self, name):
        """pg_dump or pg_restore of the same installation as psql (pg_dump refuses a server newer than itself)."""
        beside = os.path.join(os.path.dirname(os.path.realpath(self.psql)), name)
        return beside if os.path.exists(beside) else shutil.which(name)

    def dump_and_restore(self, work):
        """`pg_dump --format=custom` of the live database, restored with `pg_restore` into a new one (the
        commands Docs/Operations.md gives): (the copy's URL, or None, and the tools' output)."""
        dump = os.path.join(work, "backup.dump")
        done = subprocess.run([self.tool("pg_dump"), "--format=custom", f"--file={dump}", self.url], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            return None, done.stderr
        self.copy = self.name + "_restored"
        self.sql(f"CREATE DATABASE {self.copy}" + (f" OWNER {self.role}" if self.role else ""))
        url = self.url.replace("/" + self.name, "/" + self.copy, 1)
        role = [f"--role={self.role}"] if self.role else []
        done = subprocess.run([self.tool("pg_restore"), "--no-owner", *role, f"--dbname={url}", dump], capture_output=True, text=True, timeout=120)
        return (url if done.returncode == 0 else None), done.stderr

    def drop(self):
        self.sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", check=False)
        if getattr(self, "copy", None):
            self.sql(f"DROP DATABASE IF EXISTS {self.copy} WITH (FORCE)", check=False)
        if self.role:
            self.sql(f"DROP ROLE IF EXISTS {self.role}", check=False)


class Node:
    """One session-server process; its output goes to a log file of its own (kept across restarts)."""

    def __init__(self, binary, number, port, env, work):
        self.binary, self.number, self.port, self.env = binary, number, port, env
        self.log_path = os.path.join(work, f"node{number}.log")
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def launch(self):
        self.log = open(self.log_path, "a")
        self.log.write(f"--- launch {time.strftime('%H:%M:%S')}\n")
        self.log.flush()
        self.process = subprocess.Popen([self.binary], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.mark = os.path.getsize(self.log_path)

    def wait_listening(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if "listening on" in self.output(since_launch=True):
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def output(self, since_launch=False):
        with open(self.log_path, errors="replace") as f:
            if since_launch:
                f.seek(self.mark)
            return f.read()

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    """Three nodes on one fresh database behind nginx. `start()` returns False (after FAIL lines) when a part did not
    come up; `stop()` ends everything and drops the database."""

    def __init__(self, server_binary, checks, jwks_max_age=1):
        self.server_binary, self.checks = server_binary, checks
        url = postgres_url_or_skip(checks.prefix)
        self.work = tempfile.mkdtemp(prefix="tessera-multi-node.")
        self.database = Database(url)
        self.secret_key = "sk_test_" + os.urandom(24).hex()
        self.operator_key = "op_test_" + os.urandom(24).hex()
        self.nginx_port = free_port()
        self.public_url = f"http://127.0.0.1:{self.nginx_port}"
        # The signing keys and the key-encryption key, made once as `make keys` does and copied to each node's own
        # key directory, as an operator copies them to each machine: the first node imports them into the database.
        keys = os.path.join(self.work, "keys")
        os.makedirs(keys, mode=0o700)
        for name, args in [("rs256.pem", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                           ("es256.pem", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]), ("eddsa.pem", ["-algorithm", "ED25519"])]:
            subprocess.run(["openssl", "genpkey", *args, "-out", os.path.join(keys, name)], check=True, capture_output=True)
        self.kek_file = os.path.join(self.work, "kek.b64")
        with open(os.open(self.kek_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        self.nodes = []
        for number in (1, 2, 3):
            node_keys = shutil.copytree(keys, os.path.join(self.work, f"node{number}-keys"))
            env = dict(base_env, TESSERA_PORT=str(free_port()), TESSERA_DATABASE=self.database.url, TESSERA_KEYS_DIR=node_keys,
                       TESSERA_KEK_FILE=self.kek_file, TESSERA_ISSUER=self.public_url, TESSERA_SECRET_KEY=self.secret_key,
                       TESSERA_OPERATOR_KEY=self.operator_key, TESSERA_TRUSTED_PROXIES="127.0.0.1",
                       TESSERA_JWKS_MAX_AGE=str(jwks_max_age), TESSERA_V1_RATE_LIMIT_DEVELOPMENT="1000000")
            self.nodes.append(Node(server_binary, number, int(env["TESSERA_PORT"]), env, self.work))
        self.nginx_process = None

    def migrate(self):
        """`session-server migrate --database URL`: (exit status, output)."""
        done = subprocess.run([self.server_binary, "migrate", "--database", self.database.url], capture_output=True, text=True,
                              timeout=120, env=self.nodes[0].env)
        return done.returncode, done.stdout + done.stderr

    def start(self):
        """Starts the three nodes at once (they migrate under a lock and share the first one's keys), then nginx."""
        for node in self.nodes:
            node.launch()
        started = [node.wait_listening() for node in self.nodes]
        ok = self.checks.check("three nodes start at once on one PostgreSQL database", all(started),
                               "; ".join(f"node {n.number}: {n.output()[-600:]}" for n, s in zip(self.nodes, started) if not s))
        return ok and self.start_nginx()

    def nginx_config(self):
        """The documented config with the nodes' and nginx's ports put in; nothing else changes."""
        config = open(NGINX_CONFIG).read()
        for documented, node in zip(DOCUMENTED_NODES, self.nodes):
            if documented not in config:
                raise SystemExit(f"FAIL {self.checks.prefix}: {NGINX_CONFIG} no longer names {documented}")
            config = config.replace(documented, f"127.0.0.1:{node.port}")
        if DOCUMENTED_LISTEN not in config:
            raise SystemExit(f"FAIL {self.checks.prefix}: {NGINX_CONFIG} no longer says `{DOCUMENTED_LISTEN}`")
        return config.replace(DOCUMENTED_LISTEN, f"listen 127.0.0.1:{self.nginx_port};")

    def start_nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            return self.checks.check("nginx is installed (apt-get install nginx-light)", False)
        d = self.work
        open(f"{d}/tessera-three-nodes.conf", "w").write(self.nginx_config())
        os.makedirs(f"{d}/tmp", exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        # One worker: its round-robin is exact, so the spread over the nodes can be counted.
        open(f"{d}/nginx.conf", "w").write(f"""{user}daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    include {d}/tessera-three-nodes.conf;
}}
""")
        args = [nginx, "-p", d, "-c", f"{d}/nginx.conf", "-e", f"{d}/nginx-error.log"]
        test = subprocess.run(args + ["-t"], capture_output=True, text=True)
        if not self.checks.check("the documented three-node config passes nginx -t", test.returncode == 0, test.stderr):
            return False
        self.nginx_process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.nginx_port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return self.checks.check("nginx listens", False, self.nginx_errors())

    def nginx_errors(self):
        path = f"{self.work}/nginx-error.log"
        return open(path, errors="replace").read() if os.path.exists(path) else ""

    def logs(self):
        return "".join(node.output() for node in self.nodes)

    def check_no_password_logged(self):
        if self.database.password:
            self.checks.check("no node's output shows the database password", self.database.password not in self.logs())

    def finish(self, checks):
        """The end of a script (in its `finally`): its nodes' output when a check failed, then the cluster stopped."""
        if checks.fails:
            for node in self.nodes:
                print(f"     node {node.number}'s output (tail): " + node.output()[-1500:].replace("\n", "\n     "))
        self.stop()

    def stop(self):
        if self.nginx_process and self.nginx_process.poll() is None:
            self.nginx_process.terminate()
            self.nginx_process.wait(timeout=10)
        for node in self.nodes:
            node.kill(signal.SIGTERM)
        self.database.drop()
        if os.environ.get("MULTI_NODE_KEEP") == "1":
            print(f"     (logs kept in {self.work})")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def metric(base, name, labels):
    """The value of one Prometheus series of a node's /metrics (0 when absent); `labels` a dict that must match."""
    import httpx
    text = httpx.get(f"{base}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(4))
    return total

"""make bench, PostgreSQL section, nodes part: three release session-server nodes on one PostgreSQL database.

1. Propagation: sessions revoked through node 1 at a steady rate; for each, the time from sending the revocation
   until node 2's and node 3's GET /v1/verify refuse its token (polled every 0.5 ms over keep-alive connections, the
   token verified once on each beforehand so their gateway caches hold it) and until a long poll of node 3's
   GET /v1/revocations delivers the entry; p50/p99/max.
2. Throughput: wrk -t1 -c32 against GET /v1/verify (gateway) and POST /v1/sessions/{id}/tokens (mint) on node 1
   alone and on the three nodes behind nginx (round-robin, keep-alive upstreams), beside the same run's single SQLite
   node and the trivial route (GET /health), interleaved so the shared machine's drift falls on all alike.

usage: postgres_nodes.py SESSION_SERVER POSTGRES_URL   (POSTGRES_URL: a superuser's URL; a database is created and dropped)
Environment: PG_BENCH_REVOCATIONS (200), PG_BENCH_RATE (revocations/s, 20), PG_BENCH_SECONDS (wrk seconds a run, 8).
Ends with one {"bench":"postgres_nodes",...} JSON line."""
import base64, http.client, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
server_binary, server_url = sys.argv[1], sys.argv[2]
REVOCATIONS = int(os.environ.get("PG_BENCH_REVOCATIONS", "200"))
RATE = float(os.environ.get("PG_BENCH_RATE", "20"))
SECONDS = int(os.environ.get("PG_BENCH_SECONDS", "8"))
work = tempfile.mkdtemp(prefix="tessera-pg-nodes-")
key = "sk_test_" + os.urandom(24).hex()
operator = "op_test_" + os.urandom(24).hex()
processes = []
database = "tessera_bench_" + os.urandom(6).hex()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, *commands):
    args = [shutil.which("psql") or "psql", url, "-qAt", "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def database_url(name):
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


class Node:
    """One session-server; `client()` is a keep-alive connection to it."""

    def __init__(self, name, database_value, keys):
        self.name, self.port = name, free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        self.env.update(TESSERA_PORT=str(self.port), TESSERA_DATABASE=database_value, TESSERA_KEYS_DIR=keys,
                        TESSERA_SECRET_KEY=key, TESSERA_OPERATOR_KEY=operator, TESSERA_ISSUER="http://tessera.bench.test",
                        TESSERA_KEK_FILE=os.path.join(work, "kek.b64"), TESSERA_RATE_LIMIT="off")

    def start(self):
        self.log = open(os.path.join(work, f"{self.name}.log"), "w")
        self.process = subprocess.Popen([server_binary], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        processes.append(self.process)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                # Ready: the store answers and the node's revocation list has reached the store's head.
                if request(self.client(), "GET", "/ready")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"FAIL postgres nodes: {self.name} did not start: " + open(os.path.join(work, f"{self.name}.log")).read()[-2000:])

    def client(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


def request(connection, method, path, body=None, token=None):
    headers = {"Authorization": f"Bearer {token or key}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    return response.status, (json.loads(payload) if payload.startswith(b"{") else None)


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda p: ordered[min(len(ordered) - 1, int(len(ordered) * p))]
    return {"p50_ms": round(pick(0.5) * 1000, 2), "p99_ms": round(pick(0.99) * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


class Refusals(threading.Thread):
    """Polls one node's GET /v1/verify with each token handed to it until it answers 401; reports the instant."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node, self.jobs, self.done = node, [], threading.Condition()
        self.results, self.ready = {}, threading.Event()

    def submit(self, token):
        with self.done:
            self.jobs.append(token)
            self.done.notify_all()

    def run(self):
        connection = self.node.client()
        while True:
            with self.done:
                while not self.jobs:
                    self.done.wait()
                token = self.jobs.pop(0)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    connection.request("GET", "/v1/verify", headers={"Authorization": f"Bearer {token}"})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = self.node.client()
                    continue
                if response.status == 401:
                    break
                time.sleep(0.0005)
            with self.done:
                self.results[token] = time.monotonic() if time.monotonic() < deadline else None
                self.done.notify_all()

    def wait(self, token, seconds=12):
        with self.done:
            self.done.wait_for(lambda: token in self.results, timeout=seconds)
            return self.results.get(token)


class Feed(threading.Thread):
    """Follows node 3's revocation feed by long poll; records when each session's entry arrived."""

    def __init__(self, node, cursor):
        super().__init__(daemon=True)
        self.node, self.cursor, self.arrived, self.lock = node, cursor, {}, threading.Condition()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=40)
        while True:
            try:
                status, body = request(connection, "GET", f"/v1/revocations?after={self.cursor}&wait=30")
            except (OSError, http.client.HTTPException):  # the node stopped (the end of the run) or dropped the connection
                connection.close()
                time.sleep(0.1)
                connection = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=40)
                continue
            now = time.monotonic()
            if status != 200:
                time.sleep(0.1)
                continue
            with self.lock:
                for entry in body["entries"]:
                    if entry.get("session_id"):
                        self.arrived[entry["session_id"]] = now
                self.cursor = body["cursor"]
                self.lock.notify_all()

    def wait(self, session, seconds=12):
        with self.lock:
            self.lock.wait_for(lambda: session in self.arrived, timeout=seconds)
            return self.arrived.get(session)


def propagation(nodes):
    one = nodes[0].client()
    status, user = request(one, "POST", "/v1/users", {"first_name": "Propagation"})
    assert status == 200, (status, user)
    sessions = []
    for _ in range(REVOCATIONS):
        session = request(one, "POST", "/v1/sessions", {"user_id": user["id"]})[1]["id"]
        token = request(one, "POST", f"/v1/sessions/{session}/tokens", {"expires_in_seconds": 3600})[1]["jwt"]
        sessions.append((session, token))
    # Each token verified once on nodes 2 and 3: their gateway caches hold it, as a busy gateway's would.
    for node in nodes[1:]:
        connection = node.client()
        for _, token in sessions:
            connection.request("GET", "/v1/verify", headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, f"{node.name} does not verify a fresh token ({response.status})"
    cursor = request(nodes[2].client(), "GET", "/v1/revocations?after=0&limit=10000")[1]["cursor"]
    feed = Feed(nodes[2], cursor)
    feed.start()
    pollers = [Refusals(node) for node in nodes[1:]]
    for poller in pollers:
        poller.start()
    acks, node2, node3, follower, missed = [], [], [], [], 0
    after_ack = {"node2": [], "node3": [], "feed": []}
    interval, start = 1 / RATE, time.monotonic()
    for index, (session, token) in enumerate(sessions):
        time.sleep(max(0, start + index * interval - time.monotonic()))
        sent = time.monotonic()
        for poller in pollers:
            poller.submit(token)
        status, _ = request(one, "POST", f"/v1/sessions/{session}/revoke")
        assert status == 200, f"node 1 refused the revocation ({status})"
        acks.append(time.monotonic() - sent)
        times = [poller.wait(token) for poller in pollers] + [feed.wait(session)]
        if None in times:
            missed += 1
            continue
        node2.append(times[0] - sent)
        node3.append(times[1] - sent)
        follower.append(times[2] - sent)
        # From the acknowledgement: what the fan-out itself adds to the commit (negative when a node saw the
        # entry before node 1's answer reached the client).
        for name, at in zip(("node2", "node3", "feed"), times):
            after_ack[name].append(at - sent - acks[-1])
    return {"acknowledged": percentiles(acks), "node2_verify": percentiles(node2), "node3_verify": percentiles(node3),
            "node3_feed": percentiles(follower), "missed": missed, "revocations": len(sessions),
            "after_ack": {name: percentiles(samples) for name, samples in after_ack.items() if samples}}


def wrk(url, *args):
    """req/s, p50 ms, p99 ms of one wrk run (Tests/Benchmarks/wrk-run.sh's settings)."""
    output = subprocess.run(["wrk", "-t1", "-c32", f"-d{SECONDS}s", "--latency", *args, url], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        print(f"  warning: {non2xx.group(1)} non-2xx answers from {url}")

    def ms(label):
        value, unit = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rate, ms("50%"), ms("99%")


def start_nginx(nodes):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    servers = "".join(f"        server 127.0.0.1:{node.port};\n" for node in nodes)
    user = "user root;\n" if os.geteuid() == 0 else ""
    os.makedirs(f"{work}/nginx-tmp", exist_ok=True)
    with open(f"{work}/nginx.conf", "w") as config:
        # One worker: the machine's 2 cores are shared with three nodes, PostgreSQL and wrk already.
        config.write(f"""{user}daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    upstream tessera {{
{servers}        keepalive 64;
        keepalive_timeout 5s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://tessera;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
""")
    process = subprocess.Popen([nginx, "-c", f"{work}/nginx.conf", "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(process)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("FAIL postgres nodes: nginx did not start: " + open(f"{work}/nginx-error.log").read())


def throughput(nodes, sqlite):
    balanced = start_nginx(nodes)
    subjects = {}
    for name, base, node in [("sqlite_1", sqlite.base, sqlite), ("pg_1", nodes[0].base, nodes[0]), ("pg_3_nginx", balanced, nodes[0])]:
        connection = node.client()
        user = request(connection, "POST", "/v1/users", {"first_name": "Throughput"})[1]["id"]
        session = request(connection, "POST", "/v1/sessions", {"user_id": user})[1]["id"]
        token = request(connection, "POST", f"/v1/sessions/{session}/tokens", {"expires_in_seconds": 3600})[1]["jwt"]
        subjects[name] = (base, session, token)
    mint_lua = f"{work}/mint.lua"
    with open(mint_lua, "w") as script:
        script.write(f'wrk.method = "POST"\nwrk.body = "{{}}"\nwrk.headers["Authorization"] = "Bearer {key}"\n'
                     'wrk.headers["Content-Type"] = "application/json"\n')
    results = {}
    trivial = [wrk(f"{sqlite.base}/health")]
    for route in ("gateway", "mint"):
        for name, (base, session, token) in subjects.items():
            if route == "gateway":
                results[(route, name)] = wrk(f"{base}/v1/verify", "-H", f"Authorization: Bearer {token}")
            else:
                results[(route, name)] = wrk(f"{base}/v1/sessions/{session}/tokens", "-s", mint_lua)
    results[("trivial", "nginx")] = wrk(f"{balanced}/health")
    trivial.append(wrk(f"{sqlite.base}/health"))
    return results, trivial


def main():
    if not shutil.which("wrk"):
        raise SystemExit("FAIL postgres nodes: wrk is not installed (make bench installs it)")
    psql(server_url, f"CREATE DATABASE {database}")
    try:
        with open(os.open(os.path.join(work, "kek.b64"), os.O_WRONLY | os.O_CREAT, 0o600), "w") as kek:
            kek.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        url = database_url(database)
        nodes = [Node(f"node{i}", url, os.path.join(work, "keys")).start() for i in (1, 2, 3)]
        print(f"PostgreSQL nodes: 3 release session-servers on one database ({psql(server_url, 'SHOW server_version').strip()},"
              f" fsync={psql(server_url, 'SHOW fsync').strip()}), this machine's {os.cpu_count()} cores shared with PostgreSQL and the client")
        moved = propagation(nodes)
        print(f"propagation: {moved['revocations']} sessions revoked through node 1 at {RATE:g}/s; time from sending the revocation"
              f" (0.5 ms polling){'; ' + str(moved['missed']) + ' not seen within 10 s' if moved['missed'] else ''}")
        print(f"{'':28}{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   after node 1's answer: p50, p99 ms")
        for label, name, short in [("node 1 acknowledges", "acknowledged", None), ("node 2 GET /v1/verify 401", "node2_verify", "node2"),
                                   ("node 3 GET /v1/verify 401", "node3_verify", "node3"), ("node 3 feed long poll", "node3_feed", "feed")]:
            row, later = moved[name], moved["after_ack"].get(short)
            print(f"{label:28}{row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['max_ms']:8.2f}"
                  + (f"   {later['p50_ms']:8.2f} {later['p99_ms']:8.2f}" if later else ""))
        print("target: every node refuses within 1 s (issue 13)")
        sqlite = Node("sqlite", os.path.join(work, "sqlite", "tessera.sqlite"), os.path.join(work, "sqlite-keys"))
        sqlite.env.pop("TESSERA_KEK_FILE")
        sqlite.start()
        results, trivial = throughput(nodes, sqlite)
        ceiling = sum(t[0] for t in trivial) / len(trivial)
        print(f"throughput: wrk -t1 -c32 -d{SECONDS}s on loopback; ratios to the trivial route (GET /health on the SQLite node,"
              f" before and after: {trivial[0][0]:.0f} and {trivial[1][0]:.0f} req/s)")
        print(f"{'route':32}{'req/s':>9} {'ratio':>7} {'vs SQLite':>9} {'p50 ms':>8} {'p99 ms':>8}")
        rows = []
        for route in ("gateway", "mint"):
            base = results[(route, "sqlite_1")][0]
            for name, label in [("sqlite_1", "SQLite, 1 node"), ("pg_1", "PostgreSQL, 1 node"), ("pg_3_nginx", "PostgreSQL, 3 + nginx")]:
                rate, p50, p99 = results[(route, name)]
                print(f"{route + ' ' + label:32}{rate:9.0f} {rate / ceiling:7.3f} {rate / base:9.3f} {p50:8.3f} {p99:8.3f}")
                rows.append({"op": f"{route}.{name}", "per_s": round(rate), "ratio": round(rate / ceiling, 3),
                             "vs_sqlite": round(rate / base, 3), "p50_ms": p50, "p99_ms": p99})
        rate, p50, p99 = results[("trivial", "nginx")]
        print(f"{'trivial through nginx':32}{rate:9.0f} {rate / ceiling:7.3f} {'-':>9} {p50:8.3f} {p99:8.3f}")
        rows.append({"op": "trivial.nginx", "per_s": round(rate), "ratio": round(rate / ceiling, 3)})
        rows.append({"op": "trivial", "per_s": round(ceiling)})
        print(json.dumps({"bench": "postgres_nodes", "propagation": moved, "rows": rows}))
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            psql(server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        except subprocess.CalledProcessError as error:
            print(f"  could not drop {database}: {error.stderr.strip()}")
        shutil.rmtree(work, ignore_errors=True)


main()

#!/usr/bin/env python3
"""make soak's load driver: the mixed load of issue 16 against a running session-server, and the
server's resident memory over time.

Each of --clients processes loops until the time is up: create a user and a session through the
Clerk-compatible /v1 API, mint five tokens, verify each through `GET /v1/verify` twenty times and
the deprecated `POST /v1/sessions/{id}/verify` once, revoke the session, and check that its token
is now refused. Every --sample seconds the main process reads VmRSS from /proc/PID/status and the
clients' counters; it prints a line every --print seconds and a summary, then one JSON line.

A hand-written HTTP/1.1 client over keep-alive sockets (standard library only): http.client cost
several times the CPU per request, and the driver shares the machine's two cores with the server.
--followers processes follow the revocation feed (`GET /v1/revocations`, long polls of 25 s) as a
networkless verifier would: every entry's `seq` must be above the last one seen, no session may arrive
twice, and each entry's delivery time (arrival minus its `revoked_at`) is recorded. At the end each
follower must have seen every session the clients revoked.

Exits 1 on any error, or when resident memory passes --max-rss-mib, or (runs of 10 minutes or
more) grows more than --max-growth per cent after the first 5 minutes.
"""
import argparse, json, math, multiprocessing, re, socket, statistics, sys, time

# Per-client counters, in a shared array of int64: requests, gateway verifies, errors, iterations,
# then the histogram of gateway latencies (bucket i holds latencies in [1.1^i, 1.1^(i+1)) microseconds).
REQUESTS, GATEWAY, ERRORS, ITERATIONS, HISTOGRAM = 0, 1, 2, 3, 4
BUCKETS = 200
SLOTS = HISTOGRAM + BUCKETS
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class Connection:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host, port):
        self.address = (host, port)
        self.sock = None
        self.buffer = b""

    def connect(self):
        self.sock = socket.create_connection(self.address, timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, head, body=b""):
        """`head` is the request line and headers, each ending in CRLF, without the blank line."""
        if self.sock is None:
            self.connect()
        message = head + (b"Content-Length: %d\r\n\r\n" % len(body) + body if body else b"\r\n")
        try:
            self.sock.sendall(message)
            return self.read()
        except (ConnectionError, socket.timeout, OSError):
            self.sock.close()
            self.sock = None
            raise

    def read(self):
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        head = self.buffer[:end]
        match = CONTENT_LENGTH.search(head)
        length = int(match.group(1)) if match else 0
        start = end + 4
        while len(self.buffer) < start + length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        body = self.buffer[start:start + length]
        self.buffer = self.buffer[start + length:]
        if b"\r\nconnection: close" in head.lower():
            self.sock.close()
            self.sock = None
        return int(head[9:12]), body


def client(number, host, port, key, deadline, counters, errors_queue, revoked_queue):
    base = number * SLOTS
    connection = Connection(host, port)
    auth = b"Authorization: Bearer " + key.encode() + b"\r\n"
    json_headers = auth + b"Content-Type: application/json\r\nHost: soak\r\n"
    log11 = math.log(1.1)

    def post(path, payload):
        status, body = connection.request(b"POST " + path.encode() + b" HTTP/1.1\r\n" + json_headers, json.dumps(payload).encode())
        counters[base + REQUESTS] += 1
        return status, body

    def fail(what):
        counters[base + ERRORS] += 1
        if counters[base + ERRORS] <= 5:
            errors_queue.put(f"client {number}: {what}")

    iteration = 0
    revoked = []
    while time.monotonic() < deadline:
        iteration += 1
        try:
            status, body = post("/v1/users", {"first_name": "Soak", "last_name": f"c{number}-{iteration}"})
            if status != 200:
                fail(f"create user: {status} {body[:200]!r}")
                continue
            user = json.loads(body)["id"]
            status, body = post("/v1/sessions", {"user_id": user})
            if status != 200:
                fail(f"create session: {status} {body[:200]!r}")
                continue
            session = json.loads(body)["id"]
            tokens = []
            for _ in range(5):
                status, body = post(f"/v1/sessions/{session}/tokens", {})
                if status != 200:
                    fail(f"mint: {status} {body[:200]!r}")
                    continue
                tokens.append(json.loads(body)["jwt"])
            expected = session.encode()
            for token in tokens:
                gateway = b"GET /v1/verify HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer " + token.encode() + b"\r\n"
                for _ in range(20):
                    started = time.perf_counter()
                    status, body = connection.request(gateway)
                    micros = (time.perf_counter() - started) * 1e6
                    counters[base + REQUESTS] += 1
                    counters[base + GATEWAY] += 1
                    counters[base + HISTOGRAM + min(BUCKETS - 1, max(0, int(math.log(max(micros, 1.0)) / log11)))] += 1
                    if status != 200 or expected not in body:
                        fail(f"gateway verify: {status} {body[:200]!r}")
                status, body = post(f"/v1/sessions/{session}/verify", {"token": token})
                if status != 200:
                    fail(f"deprecated verify: {status} {body[:200]!r}")
            status, body = post(f"/v1/sessions/{session}/revoke", {})
            if status != 200 or json.loads(body).get("status") != "revoked":
                fail(f"revoke: {status} {body[:200]!r}")
            else:
                revoked.append(session)
            if tokens:
                status, body = connection.request(b"GET /v1/verify HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer " + tokens[0].encode() + b"\r\n")
                counters[base + REQUESTS] += 1
                if status != 401:
                    fail(f"a revoked session's token answered {status}")
            counters[base + ITERATIONS] += 1
        except (OSError, ValueError, KeyError) as error:
            fail(f"{type(error).__name__}: {error}")
            time.sleep(0.1)
    revoked_queue.put(revoked)


# Per-follower counters: entries applied, errors, then the histogram of delivery times (bucket i holds
# [1.1^i, 1.1^(i+1)) microseconds, from the entry's revoked_at to its arrival at the follower).
F_ENTRIES, F_ERRORS, F_HISTOGRAM = 0, 1, 2
F_SLOTS = F_HISTOGRAM + BUCKETS


def follower(number, host, port, key, deadline, counters, errors_queue, seen_queue, clients_done):
    """Follows the feed until every client has stopped and the feed has nothing more, then reports the sessions it saw."""
    base = number * F_SLOTS
    connection = Connection(host, port)
    head = b"Authorization: Bearer " + key.encode() + b"\r\nHost: soak\r\n"
    log11 = math.log(1.1)
    cursor, last_seq, seen = 0, 0, set()

    def fail(what):
        counters[base + F_ERRORS] += 1
        if counters[base + F_ERRORS] <= 5:
            errors_queue.put(f"follower {number}: {what}")

    # The first page is the snapshot of what is already revoked; from then on every page is new.
    while time.monotonic() < deadline + 120:
        done = clients_done.is_set()
        wait = 0 if done else 5
        try:
            status, body = connection.request(b"GET /v1/revocations?after=%d&wait=%d&limit=1000 HTTP/1.1\r\n" % (cursor, wait) + head)
            arrived = time.time() * 1000
            if status != 200:
                fail(f"feed: {status} {body[:200]!r}")
                time.sleep(0.5)
                continue
            page = json.loads(body)
            if page.get("snapshot") and cursor != 0:
                fail(f"snapshot after cursor {cursor}: the feed lost this follower's place")
            for entry in page["entries"]:
                if entry["seq"] <= last_seq:
                    fail(f"seq {entry['seq']} after {last_seq}: out of order or repeated")
                last_seq = entry["seq"]
                session = entry.get("session_id")
                if session is not None:
                    if session in seen:
                        fail(f"{session} delivered twice")
                    seen.add(session)
                counters[base + F_ENTRIES] += 1
                micros = max(1.0, (arrived - entry["revoked_at"]) * 1000)
                counters[base + F_HISTOGRAM + min(BUCKETS - 1, int(math.log(micros) / log11))] += 1
            cursor = page["cursor"]
            if done and not page["entries"]:
                break
        except (OSError, ValueError, KeyError) as error:
            fail(f"{type(error).__name__}: {error}")
            time.sleep(0.1)
    seen_queue.put((number, sorted(seen)))


def memory_kib(pid):
    """VmRSS and its parts (anonymous, file-backed, shared memory), in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0])
    return fields


def rss_kib(pid):
    return memory_kib(pid)["VmRSS"]


def totals(counters, clients):
    sums = [0] * SLOTS
    for number in range(clients):
        for slot in range(SLOTS):
            sums[slot] += counters[number * SLOTS + slot]
    return sums


def percentile(histogram, fraction):
    total = sum(histogram)
    if total == 0:
        return 0.0
    seen = 0
    for bucket, count in enumerate(histogram):
        seen += count
        if seen >= fraction * total:
            return 1.1 ** (bucket + 1) / 1000  # the bucket's upper edge, in ms
    return 1.1 ** BUCKETS / 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--followers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--print", dest="print_every", type=int, default=60)
    parser.add_argument("--max-rss-mib", type=float, default=128)
    parser.add_argument("--max-growth", type=float, default=5.0)
    arguments = parser.parse_args()
    host, port = re.match(r"http://([^:/]+):(\d+)", arguments.url).groups()

    counters = multiprocessing.Array("q", arguments.clients * SLOTS, lock=False)
    follower_counters = multiprocessing.Array("q", max(1, arguments.followers) * F_SLOTS, lock=False)
    errors_queue, revoked_queue, seen_queue = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Queue()
    clients_done = multiprocessing.Event()
    idle = rss_kib(arguments.pid)
    started = time.monotonic()
    deadline = started + arguments.seconds
    workers = [multiprocessing.Process(target=client, args=(n, host, int(port), arguments.key, deadline, counters, errors_queue, revoked_queue), daemon=True)
               for n in range(arguments.clients)]
    followers = [multiprocessing.Process(target=follower, args=(n, host, int(port), arguments.key, deadline, follower_counters, errors_queue, seen_queue, clients_done),
                                         daemon=True) for n in range(arguments.followers)]
    for process in followers:
        process.start()
    for worker in workers:
        worker.start()
    print(f"soak: {arguments.clients} clients and {arguments.followers} feed followers for {arguments.seconds} s against {arguments.url} (pid {arguments.pid}); "
          f"idle RSS {idle / 1024:.1f} MiB", flush=True)
    print(f"{'t':>6} {'RSS MiB':>8} {'anon':>6} {'file':>6} {'shmem':>6} {'req/s':>7} {'gateway/s':>9} {'sessions':>9} {'errors':>6}", flush=True)
    samples = []  # (seconds, rss KiB, requests, gateway, errors, iterations, memory fields)
    previous = (0.0, 0, 0)
    last_print = 0.0
    while True:
        now = time.monotonic()
        next_sample = started + (len(samples) + 1) * arguments.sample
        if next_sample > deadline + 1 and now >= deadline:
            break
        time.sleep(max(0.0, min(next_sample, deadline) - now))
        elapsed = time.monotonic() - started
        sums = totals(counters, arguments.clients)
        memory = memory_kib(arguments.pid)
        rss = memory["VmRSS"]
        samples.append((elapsed, rss, sums[REQUESTS], sums[GATEWAY], sums[ERRORS], sums[ITERATIONS], memory))
        if elapsed - last_print >= arguments.print_every - 0.5 or elapsed >= arguments.seconds:
            span = elapsed - previous[0]
            parts = " ".join(f"{memory.get(name, 0) / 1024:6.1f}" for name in ("RssAnon", "RssFile", "RssShmem"))
            print(f"{elapsed:6.0f} {rss / 1024:8.1f} {parts} {(sums[REQUESTS] - previous[1]) / span:7.0f} {(sums[GATEWAY] - previous[2]) / span:9.0f} "
                  f"{sums[ITERATIONS]:9d} {sums[ERRORS]:6d}", flush=True)
            previous = (elapsed, sums[REQUESTS], sums[GATEWAY])
            last_print = elapsed
        if elapsed >= arguments.seconds:
            break
    # Queues are drained before joining: a process does not end while what it put is unread.
    revoked = set()
    for _ in workers:
        revoked.update(revoked_queue.get(timeout=120))
    clients_done.set()  # every revocation is acknowledged: the followers drain the feed and stop
    seen = dict(seen_queue.get(timeout=120) for _ in followers)
    for process in workers + followers:
        process.join(timeout=60)
    missed = 0
    for number, sessions in sorted(seen.items()):
        lost = revoked - set(sessions)
        if lost:
            missed += len(lost)
            print(f"error: follower {number} never saw {len(lost)} of {len(revoked)} revocations, e.g. {sorted(lost)[:3]}", flush=True)
    while not errors_queue.empty():
        print("error:", errors_queue.get(), flush=True)

    sums = totals(counters, arguments.clients)
    elapsed = samples[-1][0]
    mib = [rss / 1024 for _, rss, *_ in samples]
    peak = max(mib)
    # Steady state: the last 5 minutes (the last third of a shorter run).
    window = [m for (t, *_), m in zip(samples, mib) if t >= elapsed - min(300, elapsed / 3)]
    steady = statistics.median(window)
    at_five = next((m for (t, *_), m in zip(samples, mib) if t >= 300), None)
    growth = (steady - at_five) / at_five * 100 if at_five and elapsed >= 600 else None
    histogram = sums[HISTOGRAM:]
    p50, p99 = percentile(histogram, 0.5), percentile(histogram, 0.99)
    feed = [0] * F_SLOTS
    for number in range(arguments.followers):
        for slot in range(F_SLOTS):
            feed[slot] += follower_counters[number * F_SLOTS + slot]
    delivery = feed[F_HISTOGRAM:]
    d50, d99 = percentile(delivery, 0.5), percentile(delivery, 0.99)
    print(f"feed: {arguments.followers} followers applied {feed[F_ENTRIES]} entries (revocations made: {len(revoked)} each), "
          f"delivery p50 {d50:.2f} ms, p99 {d99:.2f} ms (revoked_at to arrival), follower errors {feed[F_ERRORS]}, missed {missed}")
    print(f"requests {sums[REQUESTS]} in {elapsed:.0f} s ({sums[REQUESTS] / elapsed:.0f}/s), gateway verifies {sums[GATEWAY]} "
          f"({sums[GATEWAY] / elapsed:.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms as the driver sees them), sessions {sums[ITERATIONS]}, "
          f"tokens {sums[ITERATIONS] * 5}, errors {sums[ERRORS]}")
    print(f"RSS: idle {idle / 1024:.1f} MiB, peak {peak:.1f} MiB (limit {arguments.max_rss_mib:g}), steady {steady:.1f} MiB"
          + (f", at 5 min {at_five:.1f} MiB, growth after 5 min {growth:+.1f} % (limit {arguments.max_growth:g} %)" if growth is not None
             else ", growth after 5 min: not judged (run shorter than 10 min)"))
    failures = []
    if sums[ERRORS]:
        failures.append(f"{sums[ERRORS]} errors")
    if feed[F_ERRORS] or missed:
        failures.append(f"feed followers: {feed[F_ERRORS]} errors, {missed} revocations missed")
    if peak > arguments.max_rss_mib:
        failures.append(f"peak RSS {peak:.1f} MiB > {arguments.max_rss_mib:g}")
    if growth is not None and growth > arguments.max_growth:
        failures.append(f"growth {growth:.1f} % > {arguments.max_growth:g} %")
    print("soak: " + ("ok" if not failures else "FAIL " + "; ".join(failures)), flush=True)
    print(json.dumps({"bench": "soak", "seconds": round(elapsed), "clients": arguments.clients, "requests": sums[REQUESTS],
                      "requests_per_s": round(sums[REQUESTS] / elapsed), "gateway_per_s": round(sums[GATEWAY] / elapsed),
                      "gateway_p99_ms": round(p99, 2), "sessions": sums[ITERATIONS], "errors": sums[ERRORS],
                      "feed_entries": feed[F_ENTRIES], "feed_delivery_p50_ms": round(d50, 2), "feed_delivery_p99_ms": round(d99, 2),
                      "feed_errors": feed[F_ERRORS], "feed_missed": missed,
                      "rss_idle_mib": round(idle / 1024, 1), "rss_peak_mib": round(peak, 1), "rss_steady_mib": round(steady, 1),
                      "growth_after_5min_pct": None if growth is None else round(growth, 2),
                      "rss_mib": [[round(t), round(rss / 1024, 1)] for t, rss, *_ in samples]}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

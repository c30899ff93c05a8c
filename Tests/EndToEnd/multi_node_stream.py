"""Three session-server nodes on one PostgreSQL database behind nginx (Docs/nginx/tessera-three-nodes.conf): the
revocation stream with several writers (issue 13).
- 300 revocations made concurrently through nginx (so through all three nodes) reach a follower of each node's
  GET /v1/revocations exactly once and in order: strictly increasing seq without a gap, each session's entry once,
  the same sequence on the three followers;
- node 2 killed with SIGKILL in the middle of a stream of revocations made directly through the three nodes, then
  restarted: every revocation a node acknowledged (HTTP 200) before, during or after the kill is in the feed once
  afterwards and refused (reason `revoked`) by every node's GET /v1/verify; the followers, node 2's included (it
  reconnects), still hold a gap-free stream.
Skipped (one `skip` line) when POSTGRES_URL is unset.
Usage: multi_node_stream.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import collections, os, queue, signal, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from multi_node_cluster import Checks, Cluster, metric, within  # noqa: E402

checks = Checks("multi node stream")
check = checks.check
cluster = Cluster(sys.argv[1], checks)
import httpx  # noqa: E402  (after the skip: without POSTGRES_URL the script needs nothing from the venv)

local = threading.local()


def http(base):
    """One keep-alive client per thread and base URL."""
    clients = local.__dict__.setdefault("clients", {})
    if base not in clients:
        clients[base] = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {cluster.secret_key}"}, timeout=10)
    return clients[base]


class Follower(threading.Thread):
    """Follows one node's GET /v1/revocations from the start with long polls, keeping every entry as received."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node, self.cursor, self.entries, self.snapshots, self.errors = node, 0, [], 0, 0
        self.stopping = threading.Event()

    def run(self):
        with httpx.Client(headers={"Authorization": f"Bearer {cluster.secret_key}"}, timeout=15) as feed:
            while not self.stopping.is_set():
                try:
                    page = feed.get(f"{self.node.base}/v1/revocations", params={"after": self.cursor, "wait": 1, "limit": 1000}).json()
                except (httpx.HTTPError, ValueError):
                    self.errors += 1  # node 2 while it is down: try again from the same cursor
                    time.sleep(0.05)
                    continue
                self.snapshots += page["snapshot"] and self.cursor > 0
                self.entries.extend(page["entries"])
                self.cursor = page["cursor"]

    def sessions(self):
        return collections.Counter(e.get("session_id") for e in self.entries)


def check_followers(followers, sessions, what):
    """Each follower holds every one of `sessions` once, in one gap-free order shared by all."""
    wanted = set(sessions)
    # Only the default tenant's session revocations happen here, so its feed is the whole stream: no gap may appear.
    for f in followers:
        within(5.0, lambda: wanted <= set(f.sessions()), step=0.05)
    orders = []
    for f in followers:
        seqs = [e["seq"] for e in f.entries]
        counts = f.sessions()
        missing = [s for s in wanted if counts[s] == 0]
        twice = [s for s, n in counts.items() if n > 1]  # any session, acknowledged or not
        gap_free = seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False
        check(f"{what}: node {f.node.number}'s follower got each of the {len(wanted)} exactly once, seq strictly increasing without a gap"
              f" ({len(seqs)} entries, seq {seqs[0] if seqs else '-'}…{seqs[-1] if seqs else '-'})",
              not missing and not twice and gap_free and f.snapshots == 0,
              f"missing {len(missing)}, twice {len(twice)}, gap-free {gap_free}, snapshots {f.snapshots}")
        orders.append([(e["seq"], e.get("session_id")) for e in f.entries])
    shortest = min(len(o) for o in orders)
    check(f"{what}: the three followers saw the same entries in the same order", all(o[:shortest] == orders[0][:shortest] for o in orders))


def open_sessions(count, base):
    """`count` sessions (ten per user), each with a token valid for 15 minutes, made concurrently."""
    def one(i):
        c = http(base)
        user = c.post("/v1/users", json={"first_name": f"Stream{i}"}).json()["id"]
        made = []
        for _ in range(10):
            session = c.post("/v1/sessions", json={"user_id": user}).json()["id"]
            made.append((session, c.post(f"/v1/sessions/{session}/tokens", json={"expires_in_seconds": 900}).json()["jwt"]))
        return made
    with ThreadPoolExecutor(8) as pool:
        return [pair for made in pool.map(one, range(count // 10)) for pair in made]


def refusal(node, token):
    answer = http(node.base).get("/v1/verify", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.headers.get("www-authenticate", "")


def concurrent_revocations(followers):
    pairs = open_sessions(300, cluster.public_url)
    sessions = [s for s, _ in pairs]
    before = [metric(n.base, "tessera_sessions_revoked_total", {"reason": "revoked"}) for n in cluster.nodes]
    started = time.monotonic()
    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda s: http(cluster.public_url).post(f"/v1/sessions/{s}/revoke").status_code, sessions))
    elapsed = time.monotonic() - started
    spread = [int(metric(n.base, "tessera_sessions_revoked_total", {"reason": "revoked"}) - b) for n, b in zip(cluster.nodes, before)]
    check(f"300 revocations made concurrently (30 at a time) through nginx in {elapsed:.1f} s: all 200, committed by all three nodes ({spread})",
          statuses == [200] * 300 and sum(spread) == 300 and min(spread) >= 50, f"{collections.Counter(statuses)}")
    check_followers(followers, sessions, "300 concurrent revocations")


def kill_mid_stream(followers):
    node1, node2, node3 = cluster.nodes
    pairs = open_sessions(600, cluster.public_url)
    token_of = dict(pairs)
    valid = sum(refusal(node1, t)[0] == 200 for _, t in pairs[::20])
    check("the stream's sessions' tokens verify before it", valid == len(pairs[::20]), f"{valid}")
    work = queue.Queue()
    for session, _ in pairs:
        work.put(session)
    acknowledged, failed, lock, in_flight = [], [], threading.Lock(), collections.Counter()
    phase = {"now": "before"}

    def revoker(node):
        while True:
            try:
                session = work.get_nowait()
            except queue.Empty:
                return
            when = phase["now"]
            with lock:
                in_flight[node.number] += 1
            try:
                status = http(node.base).post(f"/v1/sessions/{session}/revoke").status_code
            except httpx.HTTPError:
                status = None  # the node died with the request, or is down: not acknowledged, whatever happened
            with lock:
                in_flight[node.number] -= 1
                (acknowledged if status == 200 else failed).append((session, node.number, when, status))
            time.sleep(0.1 if status == 200 else 0.2)  # a stream over several seconds, not a burst

    threads = [threading.Thread(target=revoker, args=(node,)) for node in cluster.nodes for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    # The kill lands while node 2 has revocations in flight (received, perhaps committed, not yet answered).
    caught = within(5.0, lambda: in_flight[2] >= 2, step=0.001) is not None
    phase["now"] = "during"
    acknowledged_by_2, in_flight_at_kill = sum(1 for a in acknowledged if a[1] == 2), in_flight[2]
    node2.kill(signal.SIGKILL)
    killed_at = time.monotonic()
    check(f"node 2 is killed with SIGKILL with {in_flight_at_kill} revocations in flight, after acknowledging {acknowledged_by_2}",
          caught and acknowledged_by_2 > 0)
    time.sleep(0.5)
    node2.launch()
    restarted = node2.wait_listening()
    phase["now"] = "after"
    check(f"node 2 restarts on the same database"
          f" ({time.monotonic() - killed_at:.1f} s)", restarted, node2.output(since_launch=True)[-800:])
    for t in threads:
        t.join()
    by = collections.Counter((a[1], a[2]) for a in acknowledged)
    cut = sum(1 for f in failed if f[2] == "before")
    print(f"     acknowledged by node/phase: {dict(sorted(by.items()))}; not acknowledged: {len(failed)} ({cut} cut by the kill)", flush=True)
    check("node 2 acknowledged revocations before the kill and after the restart, the others during it",
          by[(2, "before")] > 0 and by[(2, "after")] > 0 and by[(1, "during")] + by[(3, "during")] > 0, f"{dict(by)}")
    check("only requests to node 2 went unacknowledged", all(f[1] == 2 for f in failed), f"{failed[:5]}")
    check("node 2 is ready after the restart", within(10, lambda: http(node2.base).get("/ready").status_code == 200, step=0.1) is not None)

    # The feed, read whole from each node: every acknowledged revocation once.
    acked = [a[0] for a in acknowledged]
    for node in cluster.nodes:
        entries, cursor = [], 0
        while True:
            page = http(node.base).get("/v1/revocations", params={"after": cursor, "limit": 10000}).json()
            entries += page["entries"]
            if not page["entries"]:
                break
            cursor = page["cursor"]
        counts = collections.Counter(e.get("session_id") for e in entries)
        lost = [s for s in acked if counts[s] != 1]
        check(f"node {node.number}'s feed holds each of the {len(acked)} acknowledged revocations exactly once", not lost,
              f"{len(lost)} lost or repeated, e.g. {lost[:3]}")

    def refused_everywhere(session):
        return [(n.number, code) for n in cluster.nodes for code, reason in [refusal(n, token_of[session])]
                if code != 401 or "revoked" not in reason]
    time.sleep(1.0)  # node 2's own revocations reach nodes 1 and 3 within 1 s
    with ThreadPoolExecutor(8) as pool:
        accepted = [(s, bad) for s, bad in zip(acked, pool.map(refused_everywhere, acked)) if bad]
    check(f"every node refuses (revoked) the token of each of the {len(acked)} acknowledged revocations", not accepted,
          f"{len(accepted)} accepted somewhere, e.g. {accepted[:3]}")
    check_followers(followers, acked, "SIGKILL mid-stream")


try:
    if not cluster.start():
        raise SystemExit(1)
    followers = [Follower(node) for node in cluster.nodes]
    for f in followers:
        f.start()
    concurrent_revocations(followers)
    kill_mid_stream(followers)
    for f in followers:
        f.stopping.set()
    cluster.check_no_password_logged()
except SystemExit:
    raise
except Exception as error:  # noqa: BLE001 - a crash is one FAIL line, with the cluster still stopped
    check("the script ran to its end", False, f"{type(error).__name__}: {error}")
finally:
    cluster.finish(checks)
sys.exit(1 if checks.fails else 0)

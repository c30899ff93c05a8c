"""Three session-server nodes on one PostgreSQL database behind nginx round-robin (Docs/nginx/tessera-three-nodes.conf,
the documented file with only its ports changed), end to end (issue 13):
- `session-server migrate` prepares the database; the three nodes start at once on it; nginx spreads requests evenly;
- Clerk's Python SDK, through nginx: the whole of clerk_sdk_probe.py (each of its requests may reach another node);
- a session revoked through node 1 is refused within 1 s by node 2's and node 3's GET /v1/verify, by a Swift
  VerifierSync following node 3 (`sessionctl revocations await`) and by the Python follower
  (Docs/examples/tessera_verifier.py) following node 3;
- a tenant created through node 1 works on node 3 (its secret key); a secret key revoked through node 1 is refused by
  nodes 2 and 3 within 1 s; a signing key rotated through node 1 is in every node's JWKS within 1 s, and once it
  signs, node 3's gateway accepts its tokens;
- no node's output shows the database password.
Skipped (one `skip` line) when POSTGRES_URL is unset.
Usage: multi_node.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import base64, collections, os, re, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Docs", "examples"))
from multi_node_cluster import Checks, Cluster, Node, free_port, metric, took, within  # noqa: E402

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("multi node")
check = checks.check
cluster = Cluster(server_binary, checks)
import httpx, jwt  # noqa: E402  (after the skip: without POSTGRES_URL the script needs nothing from the venv)
from tessera_verifier import TesseraVerifier, TokenRejected  # noqa: E402


def client(base, key):
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def gateway(base, token, slug=None):
    path = "/v1/verify" if slug is None else f"/t/{slug}/v1/verify"
    return httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


# Every /v1 request (but the verify routes, the feed and the JWKS) first catches this node up with the store's stream
# (SessionManager.catchUpWithOtherNodes): a read through the next node in the round sees the write the previous
# request made through another, so the whole probe must pass through the load balancer.
def run_probe():
    """clerk_sdk_probe.py against nginx's URL: its lines, renamed, become this script's checks."""
    probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clerk_sdk_probe.py")
    done = subprocess.run([sys.executable, probe, cluster.public_url, cluster.secret_key], capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("ok ", "FAIL "))]
    for line in lines:
        check("through nginx: " + line.split("probe: ", 1)[-1], line.startswith("ok "))
    check(f"Clerk's SDK probe ran through nginx ({len(lines)} checks)", len(lines) >= 30 and done.returncode == 0,
          f"exit {done.returncode}: {done.stderr[-800:]}")


def reads_follow_writes_across_nodes(rounds=20):
    """A write through node 1, then a read through node 2 (whose caches held the old state) made at once: it shows
    the write (node 2 catches up with the store before answering)."""
    one, two = client(cluster.nodes[0].base, cluster.secret_key), client(cluster.nodes[1].base, cluster.secret_key)
    stale, late = collections.Counter(), collections.Counter()
    for i in range(rounds):
        user = one.post("/v1/users", json={"first_name": "Before"}).json()["id"]
        session, other = [one.post("/v1/sessions", json={"user_id": user}).json()["id"] for _ in range(2)]
        two.get(f"/v1/users/{user}"), two.get(f"/v1/sessions/{session}"), two.post(f"/v1/sessions/{other}/tokens")  # cached on node 2
        probes = [
            ("a user updated", lambda: one.patch(f"/v1/users/{user}", json={"first_name": f"After{i}"}),
             lambda: two.get(f"/v1/users/{user}").json().get("first_name") == f"After{i}"),
            ("a session revoked (GET shows it)", lambda: one.post(f"/v1/sessions/{session}/revoke"),
             lambda: two.get(f"/v1/sessions/{session}").json().get("status") == "revoked"),
            ("a session revoked (no token minted)", lambda: one.post(f"/v1/sessions/{other}/revoke"),
             lambda: two.post(f"/v1/sessions/{other}/tokens").status_code == 400),
            ("a user deleted", lambda: one.delete(f"/v1/users/{user}"), lambda: two.get(f"/v1/users/{user}").status_code == 404),
        ]
        for name, write, shows in probes:
            write()
            if not shows():
                stale[name] += 1
                if within(1.0, shows) is None:
                    late[name] += 1
    for name in ["a user updated", "a session revoked (GET shows it)", "a session revoked (no token minted)", "a user deleted"]:
        check(f"{name} through node 1: node 2's next answer shows it ({rounds} rounds)",
              stale[name] == 0, f"{stale[name]} of {rounds} reads made at once were stale, {late[name]} still after 1 s")


def revocation_reaches_every_node():
    lb = client(cluster.public_url, cluster.secret_key)
    node1, node2, node3 = cluster.nodes
    user = lb.post("/v1/users", json={"first_name": "Three"}).json()["id"]
    session = lb.post("/v1/sessions", json={"user_id": user}).json()["id"]
    token = lb.post(f"/v1/sessions/{session}/tokens").json()["jwt"]
    python = TesseraVerifier(node3.base, cluster.secret_key, issuer=cluster.public_url, stale_after=5.0).start()
    swift = subprocess.Popen([sessionctl, "revocations", "await", "--url", node3.base, "--secret-key", cluster.secret_key, "--timeout", "20", token],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = swift.stdout.readline()
        check("a Swift VerifierSync follows node 3 (sessionctl revocations await) and the token verifies there", ready.startswith("following "),
              ready + swift.stderr.read() if not ready.startswith("following ") else "")
        check("the Python follower follows node 3", python.wait_until_current(10), str(python.status))

        def python_code():
            try:
                python.verify(token)
                return "ok"
            except TokenRejected as rejected:
                return rejected.code
        check("nodes 2 and 3 and the Python follower accept the token first",
              gateway(node2.base, token) == 200 and gateway(node3.base, token) == 200 and python_code() == "ok")

        revoked = client(node1.base, cluster.secret_key).post(f"/v1/sessions/{session}/revoke")
        start = time.monotonic()
        check("node 1 revokes the session", revoked.status_code == 200 and revoked.json().get("status") == "revoked", revoked.text)
        refused = {}
        probes = {"node 2's GET /v1/verify": lambda: gateway(node2.base, token) == 401,
                  "node 3's GET /v1/verify": lambda: gateway(node3.base, token) == 401,
                  "the Python follower of node 3": lambda: python_code() == "revoked"}
        while time.monotonic() - start < 3 and len(refused) < len(probes):
            for name, refuses in probes.items():
                if name not in refused and refuses():
                    refused[name] = time.monotonic() - start
            time.sleep(0.005)
        for name in probes:
            seconds = refused.get(name)
            check(f"{name} refuses it within 1 s of node 1's answer{took(seconds)}", seconds is not None and seconds < 1.0, f"{seconds}")
        out, err = swift.communicate(timeout=30)
        match = re.search(r"refused after (\d+\.\d+) seconds: (\w+)", out)
        seconds = float(match.group(1)) if match else None
        check(f"the Swift VerifierSync following node 3 refuses it within 1 s of its revoked_at ({seconds} s)" if match
              else "the Swift VerifierSync following node 3 refuses it within 1 s", swift.returncode == 0 and match is not None
              and match.group(2) == "revoked" and seconds < 1.0, out + err)
        check("node 3 mints no token for it", client(node3.base, cluster.secret_key).post(f"/v1/sessions/{session}/tokens").status_code == 400)
        return token
    finally:
        python.stop()
        if swift.poll() is None:
            swift.kill()


def tenants_and_keys_on_every_node():
    node1, node2, node3 = cluster.nodes
    op1 = client(node1.base, cluster.operator_key)
    slug = "multi-" + os.urandom(3).hex()
    created = op1.post("/operator/v1/tenants", json={"slug": slug})
    tenant = created.json() if created.status_code == 200 else {}
    check("node 1 creates a tenant", created.status_code == 200 and tenant.get("secret_key", "").startswith("sk_test_"), created.text)
    key = tenant.get("secret_key", "sk_test_none")
    check("the new tenant's secret key works on node 3", within(1.0, lambda: client(node3.base, key).get("/v1/users").status_code == 200) is not None)
    listed = client(node2.base, cluster.operator_key).get("/operator/v1/tenants").json()
    check("node 2 lists the tenant", slug in [t["slug"] for t in listed.get("data", [])], str(listed)[:300])

    second = op1.post(f"/operator/v1/tenants/{slug}/secret_keys", json={}).json()
    on2, on3 = client(node2.base, second["secret_key"]), client(node3.base, second["secret_key"])
    check("a second secret key made through node 1 works on nodes 2 and 3",
          within(1.0, lambda: on2.get("/v1/users").status_code == 200 and on3.get("/v1/users").status_code == 200) is not None)
    deleted = op1.delete(f"/operator/v1/tenants/{slug}/secret_keys/{second['id']}")
    check("node 1 revokes it", deleted.status_code == 200 and deleted.json().get("revoked_at") is not None, deleted.text)
    for name, c in (("node 2", on2), ("node 3", on3)):
        seconds = within(1.0, lambda: c.get("/v1/users").status_code == 401)
        check(f"{name} refuses the revoked secret key within 1 s{took(seconds)}", seconds is not None)
    check("the tenant's first key still works on nodes 2 and 3",
          client(node2.base, key).get("/v1/users").status_code == 200 and client(node3.base, key).get("/v1/users").status_code == 200)

    # A signing-key rotation through node 1: published at once everywhere, signing after the JWKS max-age + 5 s.
    tenant_client = client(node2.base, key)
    user = tenant_client.post("/v1/users", json={"first_name": "Rotate"}).json()["id"]
    session = tenant_client.post("/v1/sessions", json={"user_id": user}).json()["id"]
    before = tenant_client.post(f"/v1/sessions/{session}/tokens").json()["jwt"]
    rotated = op1.post(f"/operator/v1/tenants/{slug}/signing_keys/rotate", json={})
    kid = rotated.json().get("kid") if rotated.status_code == 200 else None
    check("node 1 rotates the tenant's signing key (pending)", kid is not None and rotated.json().get("state") == "pending", rotated.text)

    def published(node):
        return any(k.get("kid") == kid for k in httpx.get(f"{node.base}/t/{slug}/.well-known/jwks.json", timeout=10).json().get("keys", []))
    for node in cluster.nodes:
        seconds = within(1.0, lambda: published(node))
        check(f"node {node.number}'s JWKS shows the rotated-in key within 1 s{took(seconds)}", seconds is not None)
    check("nginx's JWKS shows it", any(k.get("kid") == kid for k in httpx.get(f"{cluster.public_url}/t/{slug}/.well-known/jwks.json").json()["keys"]))

    def minted_kid(node):
        token = client(node.base, key).post(f"/v1/sessions/{session}/tokens").json()["jwt"]
        return jwt.get_unverified_header(token)["kid"], token
    check("the rotated-in key signs on node 1 after the publication lead", within(20, lambda: minted_kid(node1)[0] == kid, step=0.1) is not None)
    new_kid, after = minted_kid(node1)
    check("a token signed with the rotated-in key through node 1 verifies on node 3", new_kid == kid and gateway(node3.base, after, slug) == 200)
    check("and on node 2", gateway(node2.base, after, slug) == 200)
    check("node 3 signs with it too", within(1.0, lambda: minted_kid(node3)[0] == kid) is not None)
    check("a token from before the rotation still verifies on every node", all(gateway(n.base, before, slug) == 200 for n in cluster.nodes))
    return slug, key


def backup_restores(revoked_token, slug, key):
    """pg_dump of the live database, restored into another: a node on the copy has the tenants, keys and revocations."""
    url, output = cluster.database.dump_and_restore(cluster.work)
    if not check("pg_dump copies the live database and pg_restore restores it into a new one", url is not None, output[-500:]):
        return
    port = free_port()
    node = Node(server_binary, 4, port, dict(cluster.nodes[0].env, TESSERA_DATABASE=url, TESSERA_PORT=str(port)), cluster.work)
    node.launch()
    try:
        if not check("a node starts on the restored copy", node.wait_listening(), node.output(since_launch=True)[-800:]):
            return
        answer = httpx.get(f"{node.base}/v1/verify", headers={"Authorization": f"Bearer {revoked_token}"}, timeout=10)
        check("the copy refuses the session revoked before the dump", answer.status_code == 401 and "revoked" in answer.headers.get("www-authenticate", ""),
              f"{answer.status_code} {answer.headers.get('www-authenticate')}")
        check("the copy has the tenant made before the dump and accepts its secret key", client(node.base, key).get("/v1/users").status_code == 200)

        def feed(base):
            return client(base, cluster.secret_key).get("/v1/revocations", params={"after": 0, "limit": 10000}).json()["entries"]
        copied, live = feed(node.base), feed(cluster.nodes[0].base)
        check(f"the copy's revocation feed is the live one's ({len(live)} entries)", copied == live and len(live) > 0)
        check("the copy's JWKS for the tenant is the live one's",
              httpx.get(f"{node.base}/t/{slug}/.well-known/jwks.json").json() == httpx.get(f"{cluster.nodes[0].base}/t/{slug}/.well-known/jwks.json").json())
    finally:
        node.kill(signal.SIGTERM)


try:
    status, output = cluster.migrate()
    check("session-server migrate --database URL applies the migrations", status == 0, output[-800:])
    status, output = cluster.migrate()
    check("a second migrate is a no-op that succeeds", status == 0, output[-800:])
    if not cluster.start():
        raise SystemExit(1)
    check("every node is ready", all(httpx.get(f"{n.base}/ready", timeout=10).status_code == 200 for n in cluster.nodes))
    # A fourth node with another key-encryption key cannot open the sealed keys: it refuses to start.
    other_kek = os.path.join(cluster.work, "other-kek.b64")
    with open(other_kek, "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    env = dict(cluster.nodes[0].env, TESSERA_KEK_FILE=other_kek, TESSERA_PORT=str(free_port()))
    try:
        refused = subprocess.run([server_binary], env=env, capture_output=True, text=True, timeout=30)
        check("a node with another key-encryption key refuses to start on the database", refused.returncode != 0
              and "key-encryption key" in refused.stdout + refused.stderr, (refused.stdout + refused.stderr)[-400:])
    except subprocess.TimeoutExpired:
        check("a node with another key-encryption key refuses to start on the database", False, "it started")

    lb = client(cluster.public_url, cluster.secret_key)
    user = lb.post("/v1/users", json={"first_name": "Spread"}).json()["id"]
    series = {"route": "/v1/users/{id}", "method": "GET", "status": "200"}
    before = [metric(n.base, "tessera_http_requests_total", series) for n in cluster.nodes]
    answers = [lb.get(f"/v1/users/{user}").status_code for _ in range(30)]
    spread = [metric(n.base, "tessera_http_requests_total", series) - b for n, b in zip(cluster.nodes, before)]
    check(f"nginx round-robins: 30 reads through it answered 10 by each node ({spread})", answers == [200] * 30 and spread == [10, 10, 10],
          f"{answers}")

    run_probe()
    reads_follow_writes_across_nodes()
    revoked_token = revocation_reaches_every_node()
    slug, tenant_key = tenants_and_keys_on_every_node()
    backup_restores(revoked_token, slug, tenant_key)
    errors = cluster.nginx_errors()
    check("nginx logged no errors", "[error]" not in errors and "[emerg]" not in errors, errors[-500:])
    cluster.check_no_password_logged()
except SystemExit:
    raise
except Exception as error:  # noqa: BLE001 - a crash is one FAIL line, with the cluster still stopped
    check("the script ran to its end", False, f"{type(error).__name__}: {error}")
finally:
    cluster.finish(checks)
sys.exit(1 if checks.fails else 0)

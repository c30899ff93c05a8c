"""Connection timeouts against the real server started with short ones: a silent connection, half a request line, a
request head trickled in byte by byte, a keep-alive connection after its response and a stalled body are all closed by
the server within the timeout plus slack; normal requests still work; bad values are refused at start.
Usage: timeouts.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import os, socket, sys, time
from server_process import Checks, Server

checks = Checks("timeouts")
check = checks.check
SLACK = 1.5

def closed_within(server, limit, send=b"", trickle=None):
    """Seconds until the server closes a connection that sends `send` (then `trickle`, one byte every 0.3 s), or None
    if it is still open after `limit`."""
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        start = time.monotonic()
        if send:
            s.sendall(send)
        for byte in (trickle or b""):
            try:
                s.sendall(bytes([byte]))
            except OSError:
                return time.monotonic() - start
            time.sleep(0.3)
            if time.monotonic() - start > limit:
                return None
        s.settimeout(max(0.1, limit - (time.monotonic() - start)))
        try:
            while True:
                data = s.recv(4096)
                if not data:
                    return time.monotonic() - start
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
        except socket.timeout:
            return None

def fmt(elapsed):
    return "still open" if elapsed is None else f"closed after {elapsed:.1f} s"

def one_request(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        return s.recv(4096).split(b"\r\n", 1)[0]

# Header timeout 2 s, idle timeout 4 s.
key = "sk_test_" + os.urandom(24).hex()
server = Server(sys.argv[1], TESSERA_HEADER_TIMEOUT="2", TESSERA_IDLE_TIMEOUT="4", TESSERA_SECRET_KEY=key)
check("starts with TESSERA_HEADER_TIMEOUT=2 TESSERA_IDLE_TIMEOUT=4", server.start(), server.output)
check("a normal request is answered", one_request(server) == b"HTTP/1.1 200 OK")
elapsed = closed_within(server, 2 + SLACK)
check(f"a silent connection is closed within the header timeout ({fmt(elapsed)})", elapsed is not None and elapsed >= 1.5)
elapsed = closed_within(server, 2 + SLACK, send=b"GET /hea")
check(f"half a request line is closed within the header timeout ({fmt(elapsed)})", elapsed is not None and elapsed >= 1.5)
elapsed = closed_within(server, 2 + SLACK, trickle=b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n")
check(f"a head trickled in byte by byte is closed within the header timeout ({fmt(elapsed)})", elapsed is not None)
elapsed = closed_within(server, 2 + SLACK + 1, send=b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
check(f"a keep-alive connection is closed within the header timeout of its response ({fmt(elapsed)})",
      elapsed is not None and elapsed >= 1.5)
elapsed = closed_within(server, 4 + SLACK, send=b"POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       + key.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a")
check(f"a stalled request body is closed within the idle timeout ({fmt(elapsed)})", elapsed is not None and elapsed >= 3.5)
server.stop()

# Hummingbird's idle timeout alone (header timeout at its maximum) also closes half a request line.
server = Server(sys.argv[1], TESSERA_HEADER_TIMEOUT="600", TESSERA_IDLE_TIMEOUT="2")
check("starts with TESSERA_HEADER_TIMEOUT=600 TESSERA_IDLE_TIMEOUT=2", server.start(), server.output)
elapsed = closed_within(server, 2 + SLACK, send=b"GET /hea")
check(f"the idle timeout alone closes half a request line ({fmt(elapsed)})", elapsed is not None and elapsed >= 1.5)
server.stop()

for args, env, name in [([], {"TESSERA_IDLE_TIMEOUT": "60s"}, "TESSERA_IDLE_TIMEOUT"), (["--header-timeout", "0"], {}, "--header-timeout"),
                        ([], {"TESSERA_HEADER_TIMEOUT": "601"}, "TESSERA_HEADER_TIMEOUT")]:
    bad = Server(sys.argv[1], **env)
    status, output = bad.run_to_exit(*args)
    check(f"{' '.join(args) or next(iter(env.items()))[0] + '=' + next(iter(env.values()))} is refused, naming {name}",
          status not in (0, None) and name in output and "listening" not in output, output.strip()[-200:])
sys.exit(1 if checks.fails else 0)

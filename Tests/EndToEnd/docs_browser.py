"""The /docs page in a real browser with no internet access (surfaces.md §6): headless Chromium, every host but
127.0.0.1 unresolvable and every non-loopback request sent to a dead proxy, opens /docs#/sessions. The page must build
itself from /openapi.json under its own Content-Security-Policy (a blocked script would leave "Loading…"), open the
sessions section and only that one, list the /api/v1/sessions operations in it, and render a non-trivial screenshot.
Standard library only. Fails (never skips) when Chromium is missing: install Debian's `chromium` (make deps does).
Usage: docs_browser.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import html.parser, os, shutil, struct, subprocess, sys, tempfile, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

checks = Checks("docs")
check = checks.check


class Sections(html.parser.HTMLParser):
    """The tag sections of the dumped DOM: tag -> (open?, operation paths inside it)."""

    def __init__(self):
        super().__init__()
        self.sections, self.current, self.depth, self.in_path = {}, None, 0, False

    def handle_starttag(self, name, attributes):
        attributes = dict(attributes)
        if name == "details":
            if "tag" in (attributes.get("class") or "").split():
                self.current, self.depth = attributes.get("data-tag"), 0
                self.sections[self.current] = ["open" in attributes, []]
            elif self.current:
                self.depth += 1
        if name == "code" and self.current and "path" in (attributes.get("class") or "").split():
            self.in_path = True

    def handle_endtag(self, name):
        if name == "details" and self.current:
            if self.depth == 0:
                self.current = None
            else:
                self.depth -= 1
        if name == "code":
            self.in_path = False

    def handle_data(self, data):
        if self.in_path and self.current:
            self.sections[self.current][1].append(data)


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def run_chromium(binary, profile, *args):
    # Offline: names other than 127.0.0.1 do not resolve, and anything not on loopback goes to a proxy on the
    # discard port, which refuses it; loopback itself bypasses the proxy (Chromium's implicit rule).
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-default-browser-check",
               f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               "--virtual-time-budget=5000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


binary = chromium_binary()
check("Chromium is installed (apt-get install chromium)", binary is not None, "no chromium, chromium-browser or google-chrome on PATH")
if binary is None:
    raise SystemExit(1)

server = Server(os.path.abspath(sys.argv[1]))
work = tempfile.mkdtemp()
os.chdir(work)  # no Docs/ in sight: what the server serves must be built into it
try:
    if not server.start():
        check("the server starts", False, server.output[-800:])
        raise SystemExit(1)
    with urllib.request.urlopen(f"{server.base}/docs") as response:
        policy = response.headers.get("Content-Security-Policy", "")
        check("/docs is served with a Content-Security-Policy that forbids other origins",
              policy.startswith("default-src 'none'") and "connect-src 'self'" in policy and "unsafe-inline" not in policy, policy)
    url = f"{server.base}/docs#/sessions"
    dumped = run_chromium(binary, os.path.join(work, "profile-dom"), "--dump-dom", url)
    dom = dumped.stdout
    check("Chromium dumps the page's DOM", dumped.returncode == 0 and "<html" in dom, dumped.stderr[-600:])
    parser = Sections()
    parser.feed(dom)
    sections = parser.sections
    check("the page built itself from /openapi.json (the inline script ran under the CSP)",
          "Loading the OpenAPI document" not in dom and len(sections) >= 7, f"{len(sections)} sections")
    check("every surface has a section", {"clerk", "admin", "sessions", "auth", "operator", "gateway", "public"} <= set(sections),
          str(sorted(sections)))
    opened, paths = sections.get("sessions", [False, []])
    check("/docs#/sessions opens the sessions section", opened)
    check("and no other", [tag for tag, (is_open, _) in sections.items() if is_open] == ["sessions"],
          str([tag for tag, (is_open, _) in sections.items() if is_open]))
    check("the sessions section lists the /api/v1/sessions operations",
          paths.count("/api/v1/sessions") == 2 and "/api/v1/sessions/{id}" in paths, str(paths))
    check("the auth section lists the same operations under /api/v1/auth/sessions", "/api/v1/auth/sessions" in sections.get("auth", [0, []])[1])
    check("each operation has a Try it out form", dom.count('class="try"') >= 50, str(dom.count('class="try"')))

    screenshot = os.path.join(work, "docs.png")
    shot = run_chromium(binary, os.path.join(work, "profile-shot"), "--window-size=1280,1600", f"--screenshot={screenshot}", url)
    data = open(screenshot, "rb").read() if os.path.exists(screenshot) else b""
    width, height = struct.unpack(">II", data[16:24]) if len(data) >= 24 else (0, 0)
    check("the screenshot is a PNG of the window", data[:8] == b"\x89PNG\r\n\x1a\n" and (width, height) == (1280, 1600),
          f"{len(data)} bytes, {width}x{height}, {shot.stderr[-300:]}")
    # A blank or error page compresses to a few kilobytes; the rendered page with text is far larger.
    check("the screenshot is not blank", len(data) > 30_000, f"{len(data)} bytes")
finally:
    server.stop()
    shutil.rmtree(work, ignore_errors=True)
raise SystemExit(1 if checks.fails else 0)

"""The docs work as written: every runnable code block of README.md and Docs/*.md runs, and no link leaves the repository.

Usage: doc_snippets.py SESSION_SERVER SESSIONCTL [FILE.md ...]   (default: README.md and every Docs/*.md, found by glob)

Conventions (also in Docs/Architecture.md, "Docs conventions"):
- A fenced block tagged `sh`, `bash` or `python` is runnable and is run; any other tag (`text`, `console`, `http`,
  `json`, `yaml`, `nginx`, `swift`, …) is not. A block without a tag is a failure: say what it is.
- A runnable block that truly cannot run here (it installs system packages, starts a foreground server, runs the
  whole test suite) is preceded by `<!-- snippet: skip REASON -->`; the reason is required and printed.
- Each file gets a fresh context, like a reader who just ran `make run` in a checkout:
  a scratch directory as the working directory; in it `session-server` on a free port with a new database
  `data/tessera.sqlite` and dev keys `keys/dev/` (the defaults `make run` uses), started with known keys;
  `TESSERA_URL` (its base URL), `TESSERA_SECRET_KEY` (the default tenant's sk_test_…), `TESSERA_OPERATOR_KEY`
  (op_test_…) exported; `sessionctl`, `session-server` and the venv's `python3` (PyJWT, cryptography,
  clerk-backend-api) first on PATH; `PYTHONPATH` holds Docs/examples; `TESSERA_REPO` is the checkout.
- Blocks of one file run in order, in that directory, against that server: a later block may use the files an
  earlier one wrote and the shell variables it set (shell blocks run with `set -euo pipefail` and `set -a`, so every
  variable a block assigns is passed on to the blocks after it, python blocks included, as environment variables).
- Each block prints `ok FILE:LINE`, or `FAIL FILE:LINE` and its output (every output with DOC_SNIPPETS_VERBOSE=1);
  a block may run for 60 s.
Links: every relative link in README.md and Docs/**.md resolves to a file inside the repository (no absolute path,
no `../` out of it), no text names a path outside it, and every `Docs/…` path mentioned exists.
"""
import glob, os, re, shutil, socket, subprocess, sys, tempfile, time

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUNNABLE = {"sh", "bash", "python"}
SECRET_KEY = "sk_test_docssnippets00000000000000000000"
OPERATOR_KEY = "op_test_docssnippets00000000000000000000"
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
SKIP = re.compile(r"^\s*<!--\s*snippet:\s*skip\b(.*?)-->\s*$")
VERBOSE = os.environ.get("DOC_SNIPPETS_VERBOSE") == "1"  # print every block's output, not only a failing one's
fails = 0


def report(ok, where, detail=""):
    global fails
    fails += not ok
    print(("ok   " if ok else "FAIL ") + where + ("" if ok or not detail else "\n" + "\n".join("     " + l for l in detail.rstrip().splitlines()[-40:])), flush=True)


def blocks(path):
    """(line of the fence, tag, code, skip reason or None) for each fenced block."""
    lines, found, i = open(path, encoding="utf-8").read().splitlines(), [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, tag = match.group(1), match.group(2), match.group(3).lower()
        start, body, i = i + 1, [], i + 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1
        before = next((lines[j] for j in range(start - 2, -1, -1) if lines[j].strip()), "")
        skip = SKIP.match(before)
        found.append((start, tag, "\n".join(body) + "\n", skip.group(1).strip() if skip else None))
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(server_binary, work, env):
    port = free_port()
    log = open(os.path.join(work, ".server.log"), "w")
    process = subprocess.Popen([server_binary, "--port", str(port)], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline and process.poll() is None:
        if "listening on" in open(log.name).read():
            return process, port
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("session-server did not start: " + open(log.name).read()[-2000:])


def run_file(path, server_binary, sessionctl):
    relative = os.path.relpath(path, REPO)
    found = blocks(path)
    for line, tag, _, reason in found:
        if not tag:
            report(False, f"{relative}:{line}", "a fenced block without a tag: say what it is (text, console, json, sh, …)")
        elif reason is not None and not reason:
            report(False, f"{relative}:{line}", "<!-- snippet: skip --> needs a reason")
        elif reason is not None:
            print(f"skip {relative}:{line} ({reason})")
    runnable = [(line, tag, code) for line, tag, code, reason in found if tag in RUNNABLE and reason is None]
    if not runnable:
        return
    work = tempfile.mkdtemp(prefix="tessera-docs-")
    bin_dirs = sorted({os.path.dirname(os.path.abspath(p)) for p in (server_binary, sessionctl)})
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env.update(PATH=os.pathsep.join(bin_dirs + [os.path.dirname(sys.executable), env.get("PATH", "/usr/bin:/bin")]),
               PYTHONPATH=os.path.join(REPO, "Docs", "examples"), TESSERA_REPO=REPO, HOME=env.get("HOME", work),
               TESSERA_SECRET_KEY=SECRET_KEY, TESSERA_OPERATOR_KEY=OPERATOR_KEY, LANG="C.UTF-8")
    try:
        process, port = start_server(os.path.abspath(server_binary), work, env)
    except RuntimeError as error:
        report(False, f"{relative}: server for its snippets", str(error))
        return
    env["TESSERA_URL"] = f"http://127.0.0.1:{port}"
    state = os.path.join(work, ".snippet-env")
    with open(state, "w") as f:
        f.writelines(f"export {k}={shell_quote(v)}\n" for k, v in env.items())
    try:
        for line, tag, code in runnable:
            source = os.path.join(work, f".snippet-{line}.{'py' if tag == 'python' else 'sh'}")
            with open(source, "w") as f:
                f.write(code)
            if tag == "python":
                script = f'set -a; source {shell_quote(state)}; set +a; cd {shell_quote(work)}; exec python3 {shell_quote(source)}'
            else:
                script = (f'set -a; source {shell_quote(state)}; cd {shell_quote(work)}; set -euo pipefail; '
                          f'source {shell_quote(source)}; set +u; export -p > {shell_quote(state)}.next')
            try:
                done = subprocess.run(["bash", "-c", script], env={"PATH": env["PATH"], "HOME": env["HOME"]},
                                      capture_output=True, text=True, timeout=60)
                ok, output = done.returncode == 0, done.stdout + done.stderr + ("" if done.returncode == 0 else f"(exit {done.returncode})")
            except subprocess.TimeoutExpired as expired:
                ok, output = False, f"{expired.stdout or ''}{expired.stderr or ''}(still running after 60 s)"
            if ok and tag != "python" and os.path.exists(state + ".next"):
                os.replace(state + ".next", state)
            report(ok, f"{relative}:{line}", f"```{tag}\n{code}```\n{output}")
            if ok and VERBOSE:
                print("\n".join("     " + l for l in output.rstrip().splitlines()[-40:]))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(work, ignore_errors=True)


def shell_quote(value):
    return "'" + str(value).replace("'", "'\\''") + "'"


LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)", re.M)
MARKDOWN_SPAN = re.compile(r"`([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-/]*\.md)`")
TOP_LEVEL = set(os.listdir(REPO))
DOCS_PATH = re.compile(r"(?<![\w./-])Docs/[A-Za-z0-9_.\-/]*[A-Za-z0-9_/]")
OUTSIDE = re.compile(r"(?<![\w.])(?:\.\./)+[A-Za-z0-9_.\-/]+|(?<![\w.:/])/(?:work|home|tmp|Users|root)/[^\s`)]*")


def inside(target):
    real = os.path.realpath(target)
    return real == REPO or real.startswith(REPO + os.sep)


def check_links(path):
    relative, text = os.path.relpath(path, REPO), open(path, encoding="utf-8").read()
    problems = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http(s), mailto, or an anchor in the same page
        file = target.split("#", 1)[0]
        resolved = os.path.join(os.path.dirname(path), file)
        if file.startswith("/"):
            problems.append(f"absolute link {target}")
        elif not inside(resolved):
            problems.append(f"link out of the repository: {target}")
        elif not os.path.exists(resolved):
            problems.append(f"broken link: {target}")
    for match in OUTSIDE.finditer(text):
        mention = match.group(0)
        resolved = os.path.join(os.path.dirname(path), mention)
        if mention.startswith("/") or not inside(resolved) or not os.path.exists(resolved):
            problems.append(f"names a path outside the repository: {mention}")
    for match in MARKDOWN_SPAN.finditer(text):  # `Dir/page.md` under a top-level folder, or `shared/…`: must be here
        mention = match.group(1)
        first = mention.split("/", 1)[0]
        if first != "shared" and not (first in TOP_LEVEL and first not in (".", "..")):
            continue  # a bare name (`SOURCES.md`) or a path inside some other package
        if not any(os.path.exists(os.path.join(base, mention)) for base in (os.path.dirname(path), REPO)):
            problems.append(f"names {mention}, which is not in the repository")
    for match in DOCS_PATH.finditer(text):
        if not os.path.exists(os.path.join(REPO, match.group(0))):
            problems.append(f"names {match.group(0)}, which does not exist")
    report(not problems, f"{relative}: links and paths stay in the repository and exist", "\n".join(problems))


SELF_TEST = """```sh
X=41
```

```python
import os
assert os.environ["X"] == "41"
```

```sh
test "$X" = 41 && exit 3
```
"""


def self_test(server_binary, sessionctl):
    """The runner itself: a variable reaches later blocks, and a block that exits non-zero is a FAIL."""
    with tempfile.TemporaryDirectory() as scratch:
        page = os.path.join(scratch, "page.md")
        with open(page, "w") as f:
            f.write(SELF_TEST)
        done = subprocess.run([sys.executable, __file__, server_binary, sessionctl, page], capture_output=True, text=True,
                              env=dict(os.environ, DOC_SNIPPETS_NO_LINKS="1"), timeout=120)
    verdicts = [line.split()[0] for line in done.stdout.splitlines() if line.startswith(("ok ", "FAIL "))]
    report(done.returncode == 1 and verdicts == ["ok", "ok", "FAIL"],
           "doc snippets: the runner passes variables on and fails a failing block", done.stdout + done.stderr)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    server_binary, sessionctl = sys.argv[1], sys.argv[2]
    files = [os.path.abspath(f) for f in sys.argv[3:]] or [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "Docs", "*.md")))
    if os.environ.get("DOC_SNIPPETS_NO_LINKS") != "1":
        for path in [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "Docs", "**", "*.md"), recursive=True)):
            check_links(path)
    if not sys.argv[3:]:
        self_test(server_binary, sessionctl)
    for path in files:
        run_file(path, server_binary, sessionctl)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()

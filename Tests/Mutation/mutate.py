#!/usr/bin/env python3
"""Tessera's mutation runner: breaks one line at a time in the security-critical code, rebuilds,
runs the unit tests that can see the change, and says whether they noticed.

Why a home-made runner: no network and no new dependency, and the list of mutants
(`mutants.txt` beside this file) is curated by hand, one per check we rely on, so it says what the
suite must catch rather than whatever a tool can generate. The list grows with each capability.

Mutants are anchored by exact text, never by line number, because these files are refactored
while the list lives: an anchor that is missing or not unique is reported as STALE (a failure of
the list, to re-anchor), never skipped silently.

Every mutated file is restored: in a `finally`, on SIGINT/SIGTERM/SIGHUP, and, should this process
die harder than that, by `mutate.sh` from the backup written before each mutation. After the run
the test product is rebuilt, so `swift test --skip-build` never runs a mutant's binary.

Usage (from the repository root; `make mutate [ONLY=id]` does this):
    Tests/Mutation/mutate.sh [--only ID[,ID...]] [--list] [--run-equivalent] [--test-timeout S]
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
STATE = os.path.join(ROOT, ".build", "mutation")
# Written before a file is mutated and removed once it is restored; mutate.sh restores from it
# if this process is killed in between.
BACKUP = os.path.join(STATE, "backup")
BACKUP_PATH = os.path.join(STATE, "backup.path")

EXPECTED_TO_SURVIVE = ("equivalent", "timing-only")


@dataclass
class Mutant:
    id: str
    line: int  # where it is written in mutants.txt, for messages
    fields: dict = field(default_factory=dict)

    @property
    def file(self):
        return self.fields.get("file", "")

    @property
    def expected_survivor(self):
        for kind in EXPECTED_TO_SURVIVE:
            if kind in self.fields:
                return kind, self.fields[kind]
        return None


def parse_mutants(path):
    """`== id` starts an entry; `key: value` lines follow (the value is everything after the
    first `: `, verbatim); `#` lines and blank lines are ignored."""
    mutants, current, errors = [], None, []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("== "):
                current = Mutant(line[3:].strip(), number)
                mutants.append(current)
                continue
            key, sep, value = line.partition(": ")
            if current is None or not sep or key not in ("file", "find", "replace", "tests", "why") + EXPECTED_TO_SURVIVE:
                errors.append(f"{path}:{number}: cannot read {line!r}")
                continue
            current.fields[key] = value
    ids = [m.id for m in mutants]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(f"mutant id {duplicate} is used twice")
    for mutant in mutants:
        for key in ("file", "find", "replace"):
            if key not in mutant.fields:
                errors.append(f"{path}:{mutant.line}: {mutant.id} has no {key}:")
    return mutants, errors


# MARK: Which tests can see a file

def test_targets_by_module():
    """Source module -> the test targets that link it, directly or through other modules, read
    from the manifest. A test target can only fail because of a mutant in a module it links, so
    running these is the full unit suite as far as that mutant is concerned, in less time."""
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    package = json.loads(out)
    global TEST_PRODUCT
    TEST_PRODUCT = package["name"] + "PackageTests"
    depends = {}
    for target in package["targets"]:
        names = []
        for dependency in target.get("dependencies", []):
            # {"byName": ["X", null]} or {"target": ["X", null]}; products of other packages don't matter here.
            for kind in ("byName", "target"):
                if kind in dependency:
                    names.append(dependency[kind][0])
        depends[target["name"]] = names
    tests = [t["name"] for t in package["targets"] if t["type"] == "test"]

    def closure(name, seen):
        for dependency in depends.get(name, []):
            if dependency not in seen:
                seen.add(dependency)
                closure(dependency, seen)
        return seen

    linked = {test: closure(test, set()) for test in tests}
    return lambda module: sorted(test for test in tests if module in linked[test] or test == module)


def module_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "Sources" else None


# MARK: Running

class Interrupted(Exception):
    pass


children = []  # process groups we started, to end on interrupt (ours only, by id)
# SwiftPM writes each module's source list in Set order, which differs from one process to the
# next: about every other build then saw Hummingbird's list "change" and recompiled its 100 files.
# Deterministic hashing keeps the lists, and so the incremental builds, stable.
ENVIRONMENT = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1")


def run(command, log, timeout=None):
    """Runs `command` in its own process group, appending its output to `log`; returns
    (exit status, seconds). On interrupt the group is ended before the interrupt goes on."""
    started = time.monotonic()
    with open(log, "a") as output:
        output.write(f"\n$ {' '.join(command)}\n")
        output.flush()
        process = subprocess.Popen(
            command, cwd=ROOT, env=ENVIRONMENT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        children.append(process)
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = 124
        except BaseException:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            raise
        finally:
            children.remove(process)
    return status, time.monotonic() - started


TEST_PRODUCT = None  # "<package>PackageTests", read from the manifest


def build(log):
    # Only the test product: the executables and benchmarks that also link the mutated module
    # cannot be seen by the unit tests, and relinking them doubled the time of a cycle.
    return run(["swift", "build", "--product", TEST_PRODUCT], log)


def test(targets, log, timeout):
    # swift-testing matches --filter against "<TestTarget>.<Suite>/<test>"; a per-test deadline is
    # each waiting test's own .timeLimit, and `run`'s timeout bounds the whole run should one not
    # stop. It ends the whole process group: the `timeout` command ended only `swift test` and left
    # a spinning test binary behind (a mutant that made a loop never end kept a core busy for 30 min).
    pattern = "^(" + "|".join(re.escape(t) for t in targets) + r")\."
    command = ["swift", "test", "--skip-build", "--disable-xctest", "--filter", pattern]
    return run(command, log, timeout=timeout)


def failing_tests(log, since):
    """The names of the tests that failed, read from the log after offset `since`."""
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(since)
        text = handle.read()
    names = []
    for match in re.finditer(r"✘ Test (\S+?)(?:\(.*?\))? (?:recorded an issue|failed)", text):
        name = match.group(1)
        if name not in names:
            names.append(name)
    crashed = re.search(r"(Fatal error|Segmentation fault|signal code|Exited with unexpected signal|error: Exited with)", text)
    return names, bool(crashed)


def git_clean(path):
    return subprocess.run(["git", "diff", "--quiet", "--", path], cwd=ROOT).returncode == 0


class Restorer:
    """Holds the original bytes of the one file currently mutated."""

    def __init__(self):
        self.path = None
        self.original = None
        self.was_clean = True

    def mutate(self, path, original, mutated):
        self.path, self.original, self.was_clean = path, original, git_clean(path)
        with open(BACKUP, "wb") as handle:
            handle.write(original)
        with open(BACKUP_PATH, "w") as handle:
            handle.write(path)
        with open(os.path.join(ROOT, path), "wb") as handle:
            handle.write(mutated)

    def restore(self):
        if self.path is None:
            return
        full = os.path.join(ROOT, self.path)
        with open(full, "wb") as handle:
            handle.write(self.original)
        with open(full, "rb") as handle:
            if handle.read() != self.original:
                raise SystemExit(f"mutate: could not restore {self.path}; the original is in {BACKUP}")
        if self.was_clean and not git_clean(self.path):
            raise SystemExit(f"mutate: {self.path} still differs from git after restoring; the original is in {BACKUP}")
        for leftover in (BACKUP_PATH, BACKUP):
            if os.path.exists(leftover):
                os.remove(leftover)
        self.path = None


def main():
    parser = argparse.ArgumentParser(description="Tessera's mutation runner")
    parser.add_argument("--only", help="comma-separated mutant ids (make mutate ONLY=id)")
    parser.add_argument("--list", action="store_true", help="print the mutants and the test targets each runs, then stop")
    parser.add_argument("--run-equivalent", action="store_true", help="also run the mutants expected to survive")
    parser.add_argument("--test-timeout", type=int, default=240, help="seconds for one mutant's test run")
    arguments = parser.parse_args()

    mutants, errors = parse_mutants(os.path.join(HERE, "mutants.txt"))
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    if arguments.only:
        wanted = arguments.only.split(",")
        unknown = [i for i in wanted if i not in {m.id for m in mutants}]
        if unknown:
            print(f"mutate: no mutant {', '.join(unknown)}", file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m.id in wanted]

    targets_for = test_targets_by_module()

    def targets(mutant):
        if "tests" in mutant.fields:
            return mutant.fields["tests"].split()
        return targets_for(module_of(mutant.file))

    def anchor_count(mutant):
        path = os.path.join(ROOT, mutant.file)
        if not os.path.exists(path):
            return None, 0
        original = open(path, "rb").read()
        return original, original.decode("utf-8").count(mutant.fields["find"])

    if arguments.list:
        stale = 0
        for mutant in mutants:
            survivor = mutant.expected_survivor
            count = anchor_count(mutant)[1]
            stale += count != 1
            note = f"  STALE (anchor occurs {count} times)" if count != 1 else (f"  ({survivor[0]})" if survivor else "")
            print(f"{mutant.id:34} {mutant.file}  [{' '.join(targets(mutant))}]{note}")
        return 1 if stale else 0

    os.makedirs(STATE, exist_ok=True)
    if os.path.exists(BACKUP_PATH):
        print(f"mutate: {BACKUP_PATH} exists: a previous run did not restore a file; mutate.sh restores it", file=sys.stderr)
        return 2
    log = os.path.join(STATE, "run.log")
    open(log, "w").close()
    restorer = Restorer()

    def interrupt(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)

    started = time.monotonic()
    counts = {"killed": 0, "survived": 0, "equivalent": 0, "stale": 0}
    try:
        status, seconds = build(log)
        if status != 0:
            print(f"mutate: the unmutated tree does not build (see {log})", file=sys.stderr)
            return 2
        if not arguments.only:
            # A red suite would "kill" every mutant; the baseline must be green first.
            every = sorted({t for m in mutants for t in targets(m)})
            status, seconds = test(every, log, arguments.test_timeout)
            if status != 0:
                print(f"mutate: the unit tests fail without any mutant (see {log})", file=sys.stderr)
                return 2
            print(f"baseline: green in {seconds:.0f} s; {len(mutants)} mutants", flush=True)

        for mutant in mutants:
            survivor = mutant.expected_survivor
            original, count = anchor_count(mutant)
            text = original.decode("utf-8") if original is not None else ""
            if count != 1:
                where = "the file is missing" if original is None else f"the anchor occurs {count} times"
                print(f"STALE      {mutant.id}: {where} in {mutant.file}", flush=True)
                counts["stale"] += 1
                continue
            if survivor and not arguments.run_equivalent:
                print(f"EQUIVALENT {mutant.id} ({survivor[0]}: {survivor[1]})", flush=True)
                counts["equivalent"] += 1
                continue
            mutated = text.replace(mutant.fields["find"], mutant.fields["replace"], 1).encode("utf-8")
            since = os.path.getsize(log)
            restorer.mutate(mutant.file, original, mutated)
            try:
                status, build_seconds = build(log)
                if status != 0:
                    verdict, detail, test_seconds = "KILLED", "does not compile", 0.0
                else:
                    status, test_seconds = test(targets(mutant), log, arguments.test_timeout)
                    names, crashed = failing_tests(log, since)
                    if status == 0:
                        verdict, detail = "SURVIVED", ""
                    elif status in (124, 137):
                        verdict, detail = "KILLED", f"timeout after {arguments.test_timeout} s"
                    else:
                        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                        verdict, detail = "KILLED", (f"by {shown}" if names else "test run failed") + (" (crashed)" if crashed else "")
            finally:
                restorer.restore()
            if survivor:
                detail = f"{survivor[0]}, yet {'survived as expected' if verdict == 'SURVIVED' else 'killed'}" + (f": {detail}" if detail else "")
                verdict = "EQUIVALENT" if verdict == "SURVIVED" else verdict
            counts[{"KILLED": "killed", "SURVIVED": "survived", "EQUIVALENT": "equivalent"}[verdict]] += 1
            print(f"{verdict:10} {mutant.id}  [{build_seconds:.0f}+{test_seconds:.0f} s] {detail}".rstrip(), flush=True)
    except Interrupted as signal_name:
        print(f"mutate: interrupted ({signal_name}); restoring", file=sys.stderr)
        restorer.restore()
        rebuild(log)
        return 130
    finally:
        restorer.restore()

    rebuild(log)
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    print(
        f"mutation: {counts['killed']} killed, {counts['survived']} survived, {counts['equivalent']} equivalent, "
        f"{counts['stale']} stale ({minutes} min {seconds} s; log {os.path.relpath(log, ROOT)})")
    return 1 if counts["survived"] or counts["stale"] else 0


def rebuild(log):
    """Leaves the build matching the restored sources."""
    status, _ = build(log)
    if status != 0:
        print(f"mutate: the restored tree does not build (see {log})", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

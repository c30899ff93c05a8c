#!/usr/bin/env python3
"""Converts uap-core's regexes.yaml and test corpora into the files Tessera commits.

Run once per uap-core upgrade (needs PyYAML; Debian's `uap-core` package provides the input):

    python3 Scripts/convert-uap-core.py /usr/share/uap-core

It writes
  Sources/SessionDevices/UAPCore/UAPCoreRules.swift   the rules as JSON in a Swift string literal, so that the
                                                      server needs neither a YAML parser nor a resource bundle;
  Tests/SessionDevicesTests/Corpus/*.json             the test corpora, keeping only the fields the tests read.

Each rule also carries `literals`, computed here from the regex's syntax tree (Python's own `re` parser, the
dialect uap-core is written in): lower-case byte strings of which every match of the regex contains at least
one. The parser checks them with one pass over the user agent before it runs any regex, and skips the rules
whose literals are all absent. A rule with no literal is always run.
"""
import json
import os
import re
import sys

import yaml

try:  # Python 3.11 moved sre_parse under re.
    from re import _parser as sre_parse
    from re import _constants as sre
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants as sre

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UAP_VERSION = "0.16.0"
DEBIAN_VERSION = "1:0.16.0-1"

# A product or union of exact sets bigger than this stops being exact (it would only get weaker and slower).
MAX_EXACT = 16
# Literals are cut to this many characters: a prefix of a required literal is required too, and short
# literals share more of the scanner's states.
MAX_LITERAL = 8


class Info:
    """What a node can match: `exact` (every string it can match) or `match` (each match contains one)."""

    def __init__(self, exact=None, match=None):
        self.exact = exact
        self.match = match


ANY = Info()
EMPTY = Info(exact={""})


def simplify(strings):
    # A string that contains another member adds nothing: the shorter one is present whenever it is.
    kept = set()
    for s in sorted(strings, key=len):
        if not any(t in s for t in kept):
            kept.add(s)
    return kept


def to_match(info):
    if info.exact is not None:
        if any(s == "" for s in info.exact):
            return None
        return simplify(info.exact)
    return info.match


def strength(match):
    if match is None:
        return (-1, 0)
    return (min(len(s) for s in match), -len(match))


def best(candidates):
    found = None
    for c in candidates:
        if c is not None and strength(c) > strength(found):
            found = c
    return found


def char(code, ignore_case):
    c = chr(code)
    if code < 128:
        return c.lower()
    # Outside ASCII, a case-insensitive match may fold to other bytes: no literal can be promised.
    return None if ignore_case else c


def info_of(node_list, ignore_case):
    """The Info of a sequence of nodes."""
    infos = [info_of_node(op, av, ignore_case) for op, av in node_list]
    candidates = []
    run = {""}  # the exact product of the current run of exact nodes
    all_exact = True
    for info in infos:
        if info.exact is not None and len(run) * len(info.exact) <= MAX_EXACT:
            run = {a + b for a in run for b in info.exact}
            continue
        candidates.append(to_match(Info(exact=run)))
        all_exact = False
        if info.exact is not None:
            run = set(info.exact)
        else:
            candidates.append(info.match)
            run = {""}
    if all_exact:
        return Info(exact=run)
    candidates.append(to_match(Info(exact=run)))
    return Info(match=best(candidates))


def info_of_node(op, av, ignore_case):
    if op == sre.LITERAL:
        c = char(av, ignore_case)
        return ANY if c is None else Info(exact={c})
    if op in (sre.NOT_LITERAL, sre.ANY, sre.GROUPREF, sre.CATEGORY):
        return ANY
    if op == sre.AT or op in (sre.ASSERT, sre.ASSERT_NOT):
        return EMPTY  # consumes nothing
    if op == sre.IN:
        chars = set()
        for item_op, item_av in av:
            if item_op == sre.LITERAL:
                c = char(item_av, ignore_case)
                if c is None:
                    return ANY
                chars.add(c)
            elif item_op == sre.RANGE:
                lo, hi = item_av
                if hi - lo > 8:
                    return ANY
                for code in range(lo, hi + 1):
                    c = char(code, ignore_case)
                    if c is None:
                        return ANY
                    chars.add(c)
            else:  # NEGATE, CATEGORY
                return ANY
        return Info(exact=chars) if len(chars) <= 8 else ANY
    if op == sre.SUBPATTERN:
        _group, add_flags, del_flags, pattern = av
        if add_flags or del_flags:
            raise ValueError("inline flags are not expected in uap-core")
        return info_of(pattern, ignore_case)
    if op == sre.BRANCH:
        _, branches = av
        infos = [info_of(b, ignore_case) for b in branches]
        if all(i.exact is not None for i in infos):
            union = set().union(*(i.exact for i in infos))
            if len(union) <= MAX_EXACT:
                return Info(exact=union)
        matches = [to_match(i) for i in infos]
        if any(m is None for m in matches):
            return ANY
        return Info(match=simplify(set().union(*matches)))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, pattern = av
        inner = info_of(pattern, ignore_case)
        if low == 0:
            if high == 1 and inner.exact is not None:
                return Info(exact=inner.exact | {""})
            return ANY
        if low == 1 and high == 1:
            return inner
        return Info(match=to_match(inner))
    raise ValueError(f"unexpected regex node {op}")


def literals(pattern, ignore_case):
    parsed = sre_parse.parse(pattern, re.IGNORECASE if ignore_case else 0)
    match = to_match(info_of(list(parsed), ignore_case))
    if match is None:
        return []
    cut = simplify({s[:MAX_LITERAL] for s in match})
    return sorted(cut)


def check_literals(pattern, ignore_case, found, corpus):
    # A self-check on real inputs: a regex that matches must find one of its literals in the lower-cased text.
    if not found:
        return
    compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    for text in corpus:
        if compiled.search(text) and not any(l in text.lower() for l in found):
            raise AssertionError(f"literals {found} miss a match of {pattern!r} in {text!r}")


FIELDS = {
    "user_agent_parsers": ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"],
    "os_parsers": ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"],
    "device_parsers": ["device_replacement", "brand_replacement", "model_replacement"],
}
KEYS = {"user_agent_parsers": "userAgent", "os_parsers": "os", "device_parsers": "device"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def main(root):
    regexes = load(os.path.join(root, "regexes.yaml"))
    tests = {name: load(os.path.join(root, "tests", f"test_{name}.yaml"))["test_cases"] for name in ("ua", "os", "device")}
    corpus = sorted({case["user_agent_string"] for cases in tests.values() for case in cases})

    rules = {}
    stats = []
    for section, fields in FIELDS.items():
        out = []
        for entry in regexes[section]:
            unknown = set(entry) - set(fields) - {"regex", "regex_flag"}
            if unknown:
                raise ValueError(f"unknown keys {unknown} in {section}")
            flag = entry.get("regex_flag")
            if flag not in (None, "i"):
                raise ValueError(f"unknown regex_flag {flag!r}")
            ignore_case = flag == "i"
            found = literals(entry["regex"], ignore_case)
            check_literals(entry["regex"], ignore_case, found, corpus)
            rule = {"regex": entry["regex"]}
            if ignore_case:
                rule["caseInsensitive"] = True
            # Replacements by position: absent ones are null. YAML may read a bare number as an int.
            replacements = [None if entry.get(f) is None else str(entry[f]) for f in fields]
            while replacements and replacements[-1] is None:
                replacements.pop()
            if replacements:
                rule["replacements"] = replacements
            rule["literals"] = found
            out.append(rule)
        rules[KEYS[section]] = out
        stats.append(f"{section}: {len(out)} rules, {sum(1 for r in out if not r['literals'])} without a literal")

    body = json.dumps(
        {"uapCore": UAP_VERSION, **rules}, ensure_ascii=False, separators=(",", ":")
    )
    # One rule per line keeps upgrades reviewable as diffs.
    body = body.replace('},{"regex"', '},\n{"regex"')
    hashes = "#"
    while f'"{hashes}' in body or f"\\{hashes}" in body:
        hashes += "#"
    swift = (
        "// Generated by Scripts/convert-uap-core.py from uap-core "
        f"{UAP_VERSION} (Debian package uap-core {DEBIAN_VERSION}), regexes.yaml.\n"
        "// Apache License 2.0, copyright 2009 Google Inc.: see LICENSE and SOURCES.md beside this file. Do not edit.\n\n"
        "/// uap-core's user-agent, OS and device rules as JSON, embedded so that the server reads no file at run time.\n"
        f"let uapCoreRulesJSON = {hashes}\"\"\"\n{body}\n\"\"\"{hashes}\n"
    )
    target = os.path.join(REPOSITORY, "Sources/SessionDevices/UAPCore/UAPCoreRules.swift")
    with open(target, "w", encoding="utf-8") as f:
        f.write(swift)

    corpus_dir = os.path.join(REPOSITORY, "Tests/SessionDevicesTests/Corpus")
    os.makedirs(corpus_dir, exist_ok=True)

    def version(case, key):
        v = case.get(key)
        return None if v is None else str(v)

    def write(name, rows):
        with open(os.path.join(corpus_dir, name), "w", encoding="utf-8") as f:
            f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows) + "\n]\n")

    write("test_ua.json", [
        [c["user_agent_string"], c["family"], version(c, "major"), version(c, "minor"), version(c, "patch")] for c in tests["ua"]
    ])
    write("test_os.json", [
        [c["user_agent_string"], c["family"], version(c, "major"), version(c, "minor"), version(c, "patch"), version(c, "patch_minor")]
        for c in tests["os"]
    ])
    write("test_device.json", [[c["user_agent_string"], c["family"]] for c in tests["device"]])
    for line in stats:
        print(line)
    print(f"corpora: ua {len(tests['ua'])}, os {len(tests['os'])}, device {len(tests['device'])}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/uap-core")

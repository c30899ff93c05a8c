#!/usr/bin/env python3
"""Converts uap-core's regexes.yaml and test corpora into the files Tessera commits.

Run once per uap-core upgrade (needs PyYAML; Debian's `uap-core` package provides the input):

    python3 Scripts/convert-uap-core.py /usr/share/uap-core

It writes
  Sources/SessionDevices/UAPCore/UAPCoreRules.swift   the rules as JSON in a Swift string literal, so that the
                                                      server needs neither a YAML parser nor a resource bundle;
  Tests/SessionDevicesTests/Corpus/*.json             the test corpora, keeping only the fields the tests read.

Each rule also carries `literals`, computed here from the regex's syntax tree (Python's own `re` parser, the
dialect uap-core is written in): up to three clauses of lower-case strings, such that every match of the regex
contains a string of each clause. The parser finds which strings occur in one pass over the user agent before it
runs any regex, and skips the rules with a clause of which none occurs. Which clauses are kept is chosen by how
rarely they occur in the test corpora; any choice is sound. A rule with no clause is always run.
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
# A rule keeps its rarest clauses only: each costs a check per parse, and beyond three they rarely rule out more.
MAX_CLAUSES = 3


class Info:
    """What a node can match, as far as literals go.

    `exact`: every string it can match (a small set), or None. Otherwise `prefix` and `suffix`: every match
    starts (ends) with one of these; and `clauses`: sets of which every match contains a member of each.
    A set holding "" promises nothing.
    """

    def __init__(self, exact=None, prefix=None, suffix=None, clauses=None):
        self.exact = exact
        self.prefix = exact if exact is not None else (prefix or {""})
        self.suffix = exact if exact is not None else (suffix or {""})
        self.clauses = [exact] if exact is not None else (clauses or [])


ANY = Info(prefix={""}, suffix={""})
EMPTY = Info(exact={""})


def cross(a, b):
    if len(a) * len(b) > MAX_EXACT:
        return None
    return {x + y for x in a for y in b}


def useful(clause):
    return clause is not None and all(s != "" for s in clause)


def char(code, ignore_case):
    c = chr(code)
    if code < 128:
        return c.lower()
    # Outside ASCII, a case-insensitive match may fold to other bytes: no literal can be promised.
    return None if ignore_case else c


def concat(a, b):
    if a.exact is not None and b.exact is not None:
        both = cross(a.exact, b.exact)
        if both is not None:
            return Info(exact=both)
    prefix = (cross(a.exact, b.prefix) or a.exact) if a.exact is not None else a.prefix
    suffix = (cross(a.suffix, b.exact) or b.exact) if b.exact is not None else b.suffix
    junction = cross(a.suffix, b.prefix)
    clauses = a.clauses + b.clauses + ([junction] if useful(junction) else [])
    return Info(prefix=prefix, suffix=suffix, clauses=[c for c in clauses if useful(c)])


def info_of(node_list, ignore_case):
    """The Info of a sequence of nodes."""
    info = EMPTY
    for op, av in node_list:
        info = concat(info, info_of_node(op, av, ignore_case))
    return info


def rarest(clauses):
    return min(clauses, key=frequency) if clauses else None


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
        prefix = set().union(*(i.prefix for i in infos))
        suffix = set().union(*(i.suffix for i in infos))
        picks = [rarest([c for c in i.clauses if useful(c)]) for i in infos]
        clauses = [set().union(*picks)] if all(p is not None for p in picks) else []
        return Info(
            prefix=prefix if len(prefix) <= MAX_EXACT else {""},
            suffix=suffix if len(suffix) <= MAX_EXACT else {""},
            clauses=clauses,
        )
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, pattern = av
        inner = info_of(pattern, ignore_case)
        if low == 0:
            if high == 1 and inner.exact is not None:
                return Info(exact=inner.exact | {""})
            return ANY
        if low == 1 and high == 1:
            return inner
        return Info(prefix=inner.prefix, suffix=inner.suffix, clauses=inner.clauses)
    raise ValueError(f"unexpected regex node {op}")


def simplify(strings):
    # A string that contains another member adds nothing: the shorter one is present whenever it is.
    kept = set()
    for s in sorted(strings, key=len):
        if not any(t in s for t in kept):
            kept.add(s)
    return kept


# Lower-cased sample of real user agents (the test corpora), to rank clauses by how rarely they pass.
SAMPLE = []


def frequency(clause):
    return (sum(1 for text in SAMPLE if any(l in text for l in clause)), len(clause))


def literals(pattern, ignore_case):
    """Up to MAX_CLAUSES clauses, the rarest in the sample first: a match contains a literal of each."""
    parsed = sre_parse.parse(pattern, re.IGNORECASE if ignore_case else 0)
    clauses = []
    for clause in info_of(list(parsed), ignore_case).clauses:
        cut = sorted(simplify({s[:MAX_LITERAL] for s in clause}))
        if cut not in clauses:
            clauses.append(cut)
    # A clause implied by another (each of whose strings contains one of its own) rules out nothing more.
    clauses = [
        weak for weak in clauses
        if not any(strong != weak and all(any(w in s for w in weak) for s in strong) for strong in clauses)
    ]
    clauses.sort(key=frequency)
    return clauses[:MAX_CLAUSES]


def check_literals(pattern, ignore_case, found, corpus):
    # A self-check on real inputs: a regex that matches must find a literal of each clause in the lower-cased text.
    compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    for text in corpus:
        if compiled.search(text):
            lowered = text.lower()
            for clause in found:
                if not any(l in lowered for l in clause):
                    raise AssertionError(f"clause {clause} misses a match of {pattern!r} in {text!r}")


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
    SAMPLE.extend(text.lower() for text in corpus[::5])

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
        stats.append(f"{section}: {len(out)} rules, {sum(1 for r in out if not r['literals'])} without a clause")

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

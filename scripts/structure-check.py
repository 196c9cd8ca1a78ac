#!/usr/bin/env python3
"""Checks the shape of the source, as the house style asks, and fails naming each breach.

Usage: scripts/structure-check.py            (every crate's src, tests and migrations aside)

- No function over MAX_FN lines and no file over MAX_FILE lines (a file's `#[cfg(test)]` part
  and doc comments do not count: tests and explanations may be long).
- Closed sets are types: no `#[allow(dead_code)]` on an enum (an enum that only documents a
  text field should be that field's type), no `X::parse(..).unwrap_or(..)` (a corrupt stored
  value must be an error, never a default), no status, kind, role or outcome compared with a
  string literal (`Column::Status.eq("paid")`, `matches!(kind, "a" | "b")`, `status == "x"`).

The test-support crate (`crates/testkit`) counts as tests.
"""
import os
import re
import sys

MAX_FN = 80
MAX_FILE = 800
SKIP_CRATES = {"testkit"}
# Names of what holds a closed set's stored text.
SET_WORDS = r"(?:status|kind|role|outcome|state|business_type|cause|reason_code)"

RULES = [
    (
        re.compile(r"#\[allow\(\s*dead_code[^\]]*\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?enum\s+(\w+)", re.S),
        "an enum kept only to document a text field (#[allow(dead_code)]): make it the field's type",
    ),
    (
        re.compile(r"\b\w+::parse\([^;]*?\)\s*\.unwrap_or(?:_default|_else)?\("),
        "a parsed stored value falls back to a default: read it with an error on an unknown value",
    ),
    (
        re.compile(r"Column::\w*(?:Status|Kind|Role|Outcome|State|Cause)\w*\s*\.\s*(?:eq|ne)\(\s*\""),
        "a status or kind column compared with a string literal: use its type's stored form",
    ),
    (
        re.compile(r"matches!\(\s*[\w.()&*]*" + SET_WORDS + r"[\w.()]*\s*,\s*\"", re.I),
        "a status or kind matched against string literals: parse it into its type",
    ),
    (
        re.compile(r"\b[\w.]*" + SET_WORDS + r"(?:\.as_str\(\))?\s*[!=]=\s*\"", re.I),
        "a status or kind compared with a string literal: compare its type",
    ),
]


def code_part(text):
    """The file without its `#[cfg(test)]` module and below."""
    cut = re.search(r"^\s*#\[cfg\(test\)\]", text, re.M)
    return text[: cut.start()] if cut else text


def counted_lines(lines):
    """Lines that count towards length: not blank, not comments."""
    return [l for l in lines if l.strip() and not l.strip().startswith("//")]


def long_functions(lines):
    """(name, first line, length) of functions longer than MAX_FN counted lines."""
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)", lines[i])
        if not m:
            i += 1
            continue
        indent = m.group(1)
        j = i
        # The body ends at the first line that closes at the function's indentation.
        while j < len(lines) and not re.match(re.escape(indent) + r"\}\s*$", lines[j]):
            if j > i and re.match(re.escape(indent) + r"\S", lines[j]) and lines[j].rstrip().endswith(";"):
                break  # a declaration without a body (trait item)
            j += 1
        n = len(counted_lines(lines[i : j + 1]))
        if n > MAX_FN:
            out.append((m.group(2), i + 1, n))
        i = j + 1
    return out


def sources():
    for crate in sorted(os.listdir("crates")):
        if crate in SKIP_CRATES:
            continue
        root = os.path.join("crates", crate, "src")
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith(".rs"):
                    yield os.path.join(dirpath, f)


def main():
    problems = []
    for path in sources():
        text = code_part(open(path, encoding="utf-8").read())
        lines = text.split("\n")
        n = len(counted_lines(lines))
        if n > MAX_FILE:
            problems.append(f"{path}: {n} lines of code, over {MAX_FILE}: split it by purpose")
        for name, line, length in long_functions(lines):
            problems.append(f"{path}:{line}: fn {name} has {length} lines, over {MAX_FN}: name its steps")
        stripped = re.sub(r"//[^\n]*", "", text)
        for rule, why in RULES:
            for m in rule.finditer(stripped):
                line = stripped[: m.start()].count("\n") + 1
                problems.append(f"{path}:{line}: {why}: {m.group(0).strip()[:80]!r}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} breach(es) of the house style's shape")
        sys.exit(1)
    print("structure: every function and file within bounds, closed sets typed")


if __name__ == "__main__":
    main()

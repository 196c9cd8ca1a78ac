#!/usr/bin/env python3
"""Lists which top-level modules of a crate use which, and fails on a cycle.

Usage: scripts/module-cycles.py crates/order/src

Reads every `use crate::...` tree and every `crate::module::` path outside comments; a
module's submodules (a folder) count as the module. `super::` inside a folder is the folder's
own module, so it is not an edge. Test modules (`#[cfg(test)]` and below) are left out: tests may
reach anywhere.
"""
import os
import re
import sys


def strip(text):
    text = re.sub(r"//.*", "", text)
    cut = re.search(r"#\[cfg\(test\)\]", text)
    return text[: cut.start()] if cut else text


def first_segments(tree):
    """First path segments of a use tree body such as `{a, b::{c, d}, e::f}`."""
    out, depth, token = [], 0, ""
    for ch in tree:
        if ch == "{":
            depth += 1
            if depth == 1:
                token = ""
                continue
        elif ch == "}":
            depth -= 1
        if depth == 1 and ch == ",":
            out.append(token)
            token = ""
            continue
        if depth >= 1:
            token += ch
    out.append(token)
    return [t.strip().split("::")[0].strip() for t in out if t.strip()]


def module_of(root, path):
    rel = os.path.relpath(path, root)
    head = rel.split(os.sep)[0]
    return head[:-3] if head.endswith(".rs") else head


def main(root):
    edges = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            me = module_of(root, path)
            if me in ("lib", "main"):
                continue
            text = strip(open(path, encoding="utf-8").read())
            used = set()
            for m in re.finditer(r"use\s+crate::(\{.*?\});", text, re.S):
                used.update(first_segments(m.group(1)))
            for m in re.finditer(r"crate::([a-z_]+)", text):
                used.add(m.group(1))
            used.discard(me)
            edges.setdefault(me, set()).update(u for u in used if u and u[0].islower())
    mods = {m for m in edges}
    for m in sorted(edges):
        print(f"{m:10} -> {', '.join(sorted(e for e in edges[m] if e in mods))}")
    # Depth-first search for a cycle.
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if n not in mods:
                continue
            if state.get(n) == 1:
                print("cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
                sys.exit(1)
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(mods):
        if m not in state:
            visit(m)
    print("no cycle")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "crates/order/src")

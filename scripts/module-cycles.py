#!/usr/bin/env python3
"""Lists which top-level modules of each crate use which, and fails on any cycle.

Usage: scripts/module-cycles.py [crates/order/src ...]   (no argument: every crate's src)

Every circle is reported: each group of modules that reach one another (a strongly connected
component), with one path through it.

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


def edges_of(root):
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
    mods = set(edges)
    return {m: {n for n in e if n in mods} for m, e in edges.items()}


def circles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(m):
        index[m] = low[m] = len(index)
        stack.append(m)
        on.add(m)
        for n in sorted(edges[m]):
            if n not in index:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in on:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            group = []
            while True:
                n = stack.pop()
                on.discard(n)
                group.append(n)
                if n == m:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for m in sorted(edges):
        if m not in index:
            visit(m)
    return out


def path_through(edges, group):
    """One cycle through the first module of `group`, staying inside it."""
    start, members = group[0], set(group)
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for m in frontier:
            for n in sorted(edges[m] & members):
                if n == start:
                    path = [m]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if n not in prev:
                    prev[n] = m
                    nxt.append(n)
        frontier = nxt
    return group


def main(roots):
    found = 0
    for root in roots:
        edges = edges_of(root)
        groups = circles(edges)
        if groups:
            print(f"== {root}")
            for m in sorted(edges):
                print(f"{m:12} -> {', '.join(sorted(edges[m]))}")
        for group in groups:
            found += 1
            print(f"cycle in {root} among {len(group)} modules: " + " -> ".join(path_through(edges, group)))
            if len(group) > 2:
                print(f"  (all of: {', '.join(group)})")
    if found:
        sys.exit(1)
    print(f"no cycle in {len(roots)} crate(s)")


if __name__ == "__main__":
    args = sys.argv[1:] or sorted(
        os.path.join("crates", c, "src")
        for c in os.listdir("crates")
        if os.path.isdir(os.path.join("crates", c, "src"))
    ) + ["migrations/src"]
    main(args)

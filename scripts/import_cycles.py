#!/usr/bin/env python3
"""Import circles in src/: modules that use each other, directly or around a
ring, among siblings at every level (crate::a and crate::b; a::x and a::y).
A parent's own file (mod.rs) is left out: a child using its parent's items
is no circle. Prints each circle and exits 1 when there is one.

    python3 scripts/import_cycles.py
"""
import os
import re
import sys
from collections import defaultdict

SRC = os.path.join(os.path.dirname(__file__), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def files():
    # Test files (tests.rs, *_tests.rs) are test code, like #[cfg(test)].
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs") and n != "tests.rs" and not n.endswith("_tests.rs"):
                yield os.path.join(root, n)


def resolve(module, path, is_mod_file):
    """The absolute module path that `path` (crate::…, super::…, self::…) names."""
    parts = path.split("::")
    base = list(module) if is_mod_file else list(module[:-1]) + [module[-1]]
    if parts[0] == "crate":
        return parts[1:]
    here = list(module)
    if parts[0] == "self":
        return here + parts[1:]
    if parts[0] == "super":
        up = here if is_mod_file else here
        k = 0
        while k < len(parts) and parts[k] == "super":
            up = up[:-1]
            k += 1
        return up + parts[k:]
    return None


def main():
    modules = {module_of(f) for f in files()}
    edges = defaultdict(set)
    for f in files():
        m = module_of(f)
        is_mod = os.path.basename(f) in ("mod.rs", "lib.rs")
        text = open(f, encoding="utf-8").read()
        # Only non-test code: cut at the first #[cfg(test)].
        text = text.split("#[cfg(test)]")[0]
        # Comments (doc links included) are no imports.
        text = re.sub(r"//[^\n]*", "", text)
        for hit in re.finditer(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
            target = resolve(m, hit.group(1), is_mod)
            if not target:
                continue
            # The deepest module the path names.
            while target and tuple(target) not in modules:
                target = target[:-1]
            if target:
                edges[m].add(tuple(target))
    cycles = []
    # At each parent, the siblings under it: a use from anywhere inside one
    # sibling to anywhere inside another is an edge between the two.
    parents = {m[:-1] for m in modules if m}
    for parent in sorted(parents):
        d = len(parent)
        graph = defaultdict(set)
        for a, targets in edges.items():
            if len(a) <= d or a[:d] != parent:
                continue
            for b in targets:
                if len(b) <= d or b[:d] != parent or a[d] == b[d]:
                    continue
                graph[a[d]].add(b[d])
        # Tarjan's strongly connected components.
        index, low, stack, on, out = {}, {}, [], set(), []

        def visit(v, counter=[0]):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in graph[v]:
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))

        for v in list(graph):
            if v not in index:
                visit(v)
        for comp in out:
            where = "::".join(parent) or "crate"
            cycles.append(f"{where}: {' <-> '.join(comp)}")
    for c in cycles:
        print(c)
    print(f"{len(cycles)} import circle(s)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Lists the functions in src/ longer than a limit (default 120 lines).

Usage: python3 scripts/long_functions.py [LIMIT]

A function runs from its `fn` line to the line where its braces close.
Braces inside strings, chars and comments are skipped, well enough for
this code base (raw strings with braces are counted as text too).
Prints `path:line name length` per function over the limit and the count;
exits 1 when any is found, so CI can hold the line.
"""
import pathlib
import re
import sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 120
FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def strip(line):
    """The line without strings, chars and // comments."""
    out, i, n = [], 0, len(line)
    while i < n:
        c = line[i]
        if line.startswith("//", i):
            break
        if c == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
            continue
        if c == "'" and re.match(r"'(\\.|[^\\'])'", line[i:i + 4] or ""):
            m = re.match(r"'(\\.[^']*|[^\\'])'", line[i:])
            i += len(m.group(0)) if m else 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, opened, j = 0, False, i
        while j < len(lines):
            s = strip(lines[j])
            if not opened and ";" in s and "{" not in s:
                break  # a declaration without a body
            depth += s.count("{") - s.count("}")
            opened = opened or "{" in s
            if opened and depth <= 0:
                yield m.group(1), i + 1, j - i + 1
                break
            j += 1
        i += 1


found = 0
for path in sorted(pathlib.Path("src").rglob("*.rs")):
    for name, line, length in functions(path):
        if length > LIMIT:
            print(f"{path}:{line} {name} {length}")
            found += 1
print(f"{found} function(s) over {LIMIT} lines")
sys.exit(1 if found else 0)

#!/usr/bin/python3
"""Writes the linker's symbol-ordering file from callgrind profiles: every function of the helper's own binary that
a profiled run executed, most-executed first.

  order-file.py BINARY OUT CALLGRIND_FILE...

Grouping the code a run executes, out of the 12 MB of text the Swift runtime, the standard library, Foundation,
swift-crypto and the helper make up, lets each page the kernel maps in serve many functions instead of one (see
`make order-file` and README "Performance"). A stale or partial list only costs locality, never correctness.
"""
import re
import sys
from collections import Counter


def functions(path, binary):
    names_ob, names_fn = {}, {}
    costs = Counter()
    current_ob = current_fn = None
    compressed = re.compile(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
    for line in open(path, errors="replace"):
        match = compressed.match(line.rstrip("\n"))
        if match:
            kind, ident, name = match.groups()
            table = names_ob if kind.endswith("ob") else names_fn
            if name is not None:
                table[ident] = name
            if kind == "ob":
                current_ob = names_ob.get(ident)
            elif kind == "fn":
                current_fn = names_fn.get(ident)
            continue
        if line[:1].isdigit() and current_fn and current_ob and current_ob.endswith(binary):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                costs[current_fn] += int(parts[1])
    return costs


def main():
    binary, out, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
    total = Counter()
    for path in profiles:
        total.update(functions(path, binary))
    # Symbols only: callgrind's "0x..." placeholders and "(below main)" are not names the linker knows.
    names = [name for name, _ in total.most_common() if not name.startswith("0x") and not set("' ()") & set(name)]
    with open(out, "w") as f:
        for name in names:
            f.write(name + "\n")
    print(f"{out}: {len(names)} functions from {len(profiles)} profiles")


if __name__ == "__main__":
    main()

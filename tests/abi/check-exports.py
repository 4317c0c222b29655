#!/usr/bin/env python3
"""ABI test: a Volt shared library exports exactly the functions its public
headers declare with VOLT_API, every one listed in its .sym file and bound
to a version node of that library (VOLT_<LIB>_x.y), and nothing else.
A node VOLT_<LIB>_PRIVATE is the library's private interface for its
siblings of the same build (src/<lib>-private.h, no ABI): its symbols are
not in the public headers, but each must be listed there and exported
under it.

usage: check-exports.py LIBRARY.so LIBRARY.sym INCLUDE_DIR [INCLUDE_DIR...]
"""
import pathlib
import re
import subprocess
import sys


def exported(so):
    """Defined dynamic symbols -> version, from readelf."""
    out = subprocess.run(["readelf", "--dyn-syms", "--wide", so], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(f) < 8 or not f[0].endswith(":") or f[6] == "UND":
            continue
        if f[3] not in ("FUNC", "OBJECT", "IFUNC", "TLS"):
            continue
        if f[6] == "ABS":  # the version node's own definition symbol
            continue
        name, _, version = f[7].partition("@")
        syms[name] = version.lstrip("@")
    return syms


def declared(include_dirs):
    decl = set()
    pattern = re.compile(r"\bVOLT_API\b[^;{]*?\b([A-Za-z_]\w*)\s*\(", re.S)
    for d in include_dirs:
        for h in sorted(pathlib.Path(d).rglob("*.h*")):
            if h.suffix not in (".h", ".in"):
                continue
            text = re.sub(r"/\*.*?\*/", "", h.read_text(), flags=re.S)
            text = re.sub(r"#\s*define[^\n]*(\\\n[^\n]*)*", "", text)
            decl.update(pattern.findall(text))
    return decl


def listed(sym):
    """Public names, node names, and {private name: its node}."""
    text = re.sub(r"/\*.*?\*/", "", pathlib.Path(sym).read_text(), flags=re.S)
    names, nodes, private = set(), set(), {}
    for m in re.finditer(r"(\w[\w.]*)\s*\{(.*?)\}", text, re.S):
        nodes.add(m.group(1))
        body = m.group(2).split("local:")[0].replace("global:", "")
        these = {n.strip() for n in body.split(";") if n.strip()}
        if m.group(1).endswith("_PRIVATE"):
            private.update((n, m.group(1)) for n in these)
        else:
            names.update(these)
    return names, nodes, private


def main():
    so, sym, includes = sys.argv[1], sys.argv[2], sys.argv[3:]
    lib = re.search(r"libvolt-(\w+)\.so", so).group(1).upper()
    exp, decl = exported(so), declared(includes)
    names, nodes, private = listed(sym)
    errors = []

    for n, node in sorted(private.items()):
        if node != f"VOLT_{lib}_PRIVATE":
            errors.append(f"private node {node} is not VOLT_{lib}_PRIVATE")
        if n in decl:
            errors.append(f"private symbol {n} is declared VOLT_API in a public header")
        elif exp.get(n) != node:
            errors.append(f"private symbol {n} is not exported under {node}")
        exp.pop(n, None)

    for n in sorted(set(exp) - decl):
        errors.append(f"exported but not declared VOLT_API in a public header: {n}")
    for n in sorted(decl - set(exp)):
        errors.append(f"declared VOLT_API but not exported: {n}")
    for n in sorted(names ^ decl):
        errors.append(f"{'listed in' if n in names else 'missing from'} {pathlib.Path(sym).name}: {n}")
    for n, v in sorted(exp.items()):
        if not v:
            errors.append(f"unversioned symbol: {n}")
        elif not v.startswith(f"VOLT_{lib}_") or v not in nodes:
            errors.append(f"symbol {n} bound to foreign version node {v}")
    if not decl:
        errors.append("no VOLT_API declarations found: the header scan is broken")

    for e in errors:
        print(f"{pathlib.Path(so).name}: {e}")
    print(f"{pathlib.Path(so).name}: {len(exp)} exported, {len(decl)} declared, "
          f"{len(names)} in {pathlib.Path(sym).name}, {len(private)} private, nodes {sorted(nodes)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

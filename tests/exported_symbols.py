#!/usr/bin/env python3
"""The shared library exports exactly the functions include/rnnscan.h declares:
no internal function (cpu_*, cl_*, rnnscan_fail, ...), no data symbol, and no
declared function missing (declared without RNNSCAN_API, or not defined).

usage: exported_symbols.py NM LIBRNNSCAN_SO RNNSCAN_H
Exit 0 pass, 1 fail."""
import re
import subprocess
import sys


def declared_functions(header_text):
    """Names of the functions the header declares.  Comments and preprocessor
    lines removed, the only lower-case `name(` left are function declarations."""
    text = re.sub(r"/\*.*?\*/", " ", header_text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"\\\n", " ", text)  # join continued preprocessor lines
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    text = text.replace('extern "C"', " ")
    names = re.findall(r"\b([A-Za-z_]\w*)\s*\(", text)
    # ALL_CAPS names are macro uses (RNNSCAN_STATUS_MAP(...) in the enum).
    return {n for n in names if n != "__attribute__" and not re.fullmatch(r"[A-Z0-9_]+", n)}


def exported_symbols(nm, library):
    """{name: nm type letter} of the defined dynamic symbols."""
    out = subprocess.run([nm, "-D", "--defined-only", library], capture_output=True, text=True,
                         check=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            symbols[fields[2].split("@")[0]] = fields[1]
    return symbols


def main():
    nm, library, header = sys.argv[1:4]
    with open(header, encoding="utf-8") as f:
        declared = declared_functions(f.read())
    exported = exported_symbols(nm, library)
    problems = []
    if len(declared) < 10:
        problems.append(f"parsed only {len(declared)} functions from {header}: parser broken?")
    for name in sorted(declared):
        if not name.startswith("rnnscan_"):
            problems.append(f"{header} declares {name}(), outside the rnnscan_ namespace")
    for name in sorted(set(exported) - declared):
        problems.append(f"exported but not declared in {header}: {name} (nm type "
                        f"{exported[name]}); internal symbols must stay hidden")
    for name in sorted(declared - set(exported)):
        problems.append(f"declared in {header} but not exported: {name} (missing RNNSCAN_API, "
                        f"or not defined in this build)")
    for name in sorted(declared & set(exported)):
        if exported[name] not in ("T", "W", "i"):
            problems.append(f"{name}: exported as nm type {exported[name]}, not a function")
    if problems:
        print(f"{library}: {len(exported)} exported symbols, {len(declared)} public functions")
        for p in problems:
            print("FAIL " + p)
        return 1
    print(f"ok: {library} exports exactly the {len(declared)} functions of {header}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

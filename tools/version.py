#!/usr/bin/env python3
"""Prints MAJOR.MINOR.PATCH from include/rnnscan.h, so meson and the header agree."""
import re
import sys

text = open(sys.argv[1]).read()
parts = [re.search(rf"#define RNNSCAN_VERSION_{p} (\d+)", text).group(1)
         for p in ("MAJOR", "MINOR", "PATCH")]
print(".".join(parts))

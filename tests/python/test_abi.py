"""The ctypes mirrors (rnnscan/_structs.py) against include/rnnscan.h: a C
program built against the header prints every struct's size and every
field's offset, and the enums' values; they must equal what ctypes lays out."""
import ctypes
import pathlib
import shutil
import subprocess

import pytest

from rnnscan import _native, _structs

INCLUDE = pathlib.Path(__file__).resolve().parents[2] / "include"


def c_program():
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <rnnscan.h>",
             "int main(void) {"]
    for c_name, cls in _structs.BY_C_NAME.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (c_name, c_name))
        for field, _ in cls._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                         % (c_name, field, c_name, field))
    for name in _structs.SCHEDULES:
        lines.append('printf("schedule.%s %%d\\n", (int)RNNSCAN_SCHEDULE_%s);'
                     % (name, name.upper()))
    lines.append('printf("enum %zu\\n", sizeof(rnnscan_cell));')
    lines.append("return 0; }")
    return "\n".join(lines) + "\n"


def ctypes_layout():
    layout = {}
    for c_name, cls in _structs.BY_C_NAME.items():
        layout[c_name] = ctypes.sizeof(cls)
        for field, _ in cls._fields_:
            layout["%s.%s" % (c_name, field)] = getattr(cls, field).offset
    for i, name in enumerate(_structs.SCHEDULES):
        layout["schedule." + name] = i
    layout["enum"] = ctypes.sizeof(_structs.c_enum)
    return layout


def test_structs_match_the_header(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed to read the header's layout"
    source = tmp_path / "layout.c"
    source.write_text(c_program())
    binary = tmp_path / "layout"
    subprocess.run([compiler, "-std=c11", "-I", str(INCLUDE), str(source), "-o", str(binary)],
                   check=True)
    printed = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    from_c = {key: int(value) for key, value in (line.split() for line in printed.splitlines())}
    assert from_c == ctypes_layout()


@pytest.mark.parametrize("function,names", [
    ("rnnscan_cell_name", _structs.CELLS),
    ("rnnscan_backend_name", _structs.BACKENDS),
    ("rnnscan_weight_type_name", _structs.WEIGHT_TYPES),
])
def test_enum_names_match_the_library(function, names):
    name_of = getattr(_native.lib, function)
    name_of.restype, name_of.argtypes = ctypes.c_char_p, [ctypes.c_int]
    assert [_native.text(name_of(i)) for i in range(len(names) + 1)] == list(names) + [""]

#!/usr/bin/python3
"""numpy must load what rnnscan writes.  Runs write_sample (argv[1]) into a
temporary directory and checks every file with np.load.

Exit 77 (skipped) without numpy, unless CI is set: then a missing numpy fails.
"""
import os
import subprocess
import sys
import tempfile
import zipfile

try:
    import numpy as np
except ImportError:
    if os.environ.get("CI"):
        print("numpy is missing and CI is set: failing", file=sys.stderr)
        sys.exit(1)
    print("numpy is missing: skipping", file=sys.stderr)
    sys.exit(77)

f32 = np.float32


def expect(name, got, want):
    want = np.asarray(want, dtype=f32)
    if got.dtype != np.dtype("<f4") and got.dtype != np.dtype("float32"):
        sys.exit(f"{name}: dtype {got.dtype}, expected float32")
    if got.shape != want.shape:
        sys.exit(f"{name}: shape {got.shape}, expected {want.shape}")
    if not np.array_equal(got.view(np.uint32), want.view(np.uint32)):
        sys.exit(f"{name}: values\n{got}\nexpected\n{want}")


def main():
    m23 = np.array([[0.1, -2.5, 3.4028235e38], [1e-45, -0.0, np.inf]], dtype=f32)
    ramp = (np.arange(24, dtype=f32) / f32(8) - f32(1)).reshape(2, 3, 4)
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.argv[1], d], check=True)
        for name in ["m23", "ramp", "scalar", "nan", "empty", "eight"]:
            path = os.path.join(d, name + ".npy")
            with open(path, "rb") as f:
                version = np.lib.format.read_magic(f)
                if version != (1, 0):
                    sys.exit(f"{name}: version {version}")
                np.lib.format.read_array_header_1_0(f)
                if f.tell() % 64:
                    sys.exit(f"{name}: data starts at {f.tell()}, not a multiple of 64")
        expect("m23", np.load(os.path.join(d, "m23.npy")), m23)
        expect("ramp", np.load(os.path.join(d, "ramp.npy")), ramp)
        expect("scalar", np.load(os.path.join(d, "scalar.npy")), f32(42.5))
        nan = np.load(os.path.join(d, "nan.npy"))
        if nan.shape != (1,) or not np.isnan(nan[0]):
            sys.exit(f"nan: {nan}")
        expect("empty", np.load(os.path.join(d, "empty.npy")), np.zeros((0, 5)))
        expect("eight", np.load(os.path.join(d, "eight.npy")),
               ramp.reshape(1, 2, 1, 3, 1, 1, 4, 1))

        with np.load(os.path.join(d, "sample.npz"), allow_pickle=False) as z:
            if z.files != ["weight_ih_l0", "scalar", "empty", "ramp"]:
                sys.exit(f"npz members {z.files}")
            expect("npz weight_ih_l0", z["weight_ih_l0"], m23)
            expect("npz scalar", z["scalar"], f32(42.5))
            expect("npz empty", z["empty"], np.zeros((0, 5)))
            expect("npz ramp", z["ramp"], ramp)
        streamed = os.path.join(d, "streamed.npz")
        with zipfile.ZipFile(streamed) as zf:  # CRCs, sizes and the zip64 records
            bad = zf.testzip()
            if bad is not None:
                sys.exit(f"streamed.npz: member {bad} fails its CRC")
        with np.load(streamed, allow_pickle=False) as z:
            if z.files != ["ramp", "m23", "gap"]:
                sys.exit(f"streamed npz members {z.files}")
            expect("streamed ramp", z["ramp"], ramp)
            expect("streamed m23", z["m23"], m23)
            expect("streamed gap", z["gap"], [7, 0, 0, 0, -7])
        with np.load(os.path.join(d, "nothing.npz")) as z:
            if z.files != []:
                sys.exit(f"empty npz members {z.files}")
        leftovers = [f for f in os.listdir(d) if ".tmp." in f]
        if leftovers:
            sys.exit(f"temporary files left: {leftovers}")
    print("numpy reads every file rnnscan wrote")


if __name__ == "__main__":
    main()

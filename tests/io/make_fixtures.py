#!/usr/bin/python3
"""Writes the numpy-made fixtures under tests/io/fixtures/ (committed; rerun by
hand only when the set changes).  Values are small binary fractions, so every
dtype holds them exactly and the C tests can compare with ==.

    /usr/bin/python3 tests/io/make_fixtures.py
"""
import os
import zipfile

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


def path(name):
    return os.path.join(OUT, name)


def save(name, array, version=None):
    with open(path(name), "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    # 2x3 values v[i][j] = i - j / 4 - 0.5: distinct, exact in f4 and f8.
    m23 = np.array([[i - j / 4 - 0.5 for j in range(3)] for i in range(2)])
    # 2x3x4 values 100 i + 10 j + k: the position is readable in the value.
    t234 = np.array([[[100 * i + 10 * j + k for k in range(4)] for j in range(3)]
                     for i in range(2)], dtype=np.float32)

    save("f4_v1.npy", m23.astype("<f4"), (1, 0))
    save("f4_v2.npy", m23.astype("<f4"), (2, 0))
    save("f4_v3.npy", m23.astype("<f4"), (3, 0))
    save("f4_be.npy", m23.astype(">f4"))
    save("f8_le.npy", m23.astype("<f8"))
    save("f8_be.npy", m23.astype(">f8"))
    save("f4_fortran.npy", np.asfortranarray(m23.astype("<f4")))
    save("f8_be_fortran_3d.npy", np.asfortranarray(t234.astype(">f8")))
    save("f4_3d.npy", t234)
    save("f4_0d.npy", np.array(-2.5, dtype="<f4"))
    save("f4_empty.npy", np.zeros((0, 3), dtype="<f4"))

    lengths = np.array([5, 3, 0, -7, 2147483647, -2147483648])
    save("i4_le.npy", lengths.astype("<i4"))
    save("i8_be.npy", lengths.astype(">i8"))
    save("i8_too_big.npy", np.array([1, 2**40], dtype="<i8"))

    save("object.npy", np.array([1, "a", None], dtype=object))
    save("f2.npy", np.array([1.5], dtype="<f2"))
    save("c8.npy", np.array([1 + 2j], dtype="<c8"))

    np.savez(path("savez.npz"), m23=m23.astype("<f4"), lengths=lengths.astype("<i4"),
             scalar=np.float64(0.75))
    np.savez_compressed(path("savez_compressed.npz"), t234=t234,
                        m23_be=m23.astype(">f8"), lengths=lengths.astype(">i8"))

    # An archive with a member that is not a .npy image.
    with zipfile.ZipFile(path("not_npy_member.npz"), "w") as z:
        z.writestr("readme.txt", "not an array\n")
        with z.open("ok.npy", "w") as f:
            npformat.write_array(f, np.ones(2, dtype="<f4"))

    # A tiny PyTorch-style LSTM state_dict (X = 3, H = 2, G = 4), compressed.
    rows, x_size, h_size = 8, 3, 2
    ramp = lambda n, start: (np.arange(n) - start) / 16.0
    np.savez_compressed(path("lstm_state_dict.npz"),
                        weight_ih_l0=ramp(rows * x_size, 12).reshape(rows, x_size).astype("<f4"),
                        weight_hh_l0=ramp(rows * h_size, 7).reshape(rows, h_size).astype("<f4"),
                        bias_ih_l0=ramp(rows, 3).astype("<f4"),
                        bias_hh_l0=ramp(rows, 5).astype("<f8"))

    # A 2-layer bidirectional GRU without biases (X = 2, H = 1, G = 3): layer 1
    # reads both directions of layer 0, so its weight_ih is (3, 2).
    deep = {}
    for layer in range(2):
        for suffix in ["", "_reverse"]:
            deep[f"weight_ih_l{layer}{suffix}"] = np.full((3, 2), 0.25 * (layer + 1), "<f4")
            deep[f"weight_hh_l{layer}{suffix}"] = np.full((3, 1), -0.5, "<f4")
    np.savez_compressed(path("gru_2layer_bidir_nobias.npz"), **deep)


if __name__ == "__main__":
    main()

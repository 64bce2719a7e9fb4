#!/bin/sh
# Builds the fuzz targets with clang's libFuzzer, ASan and UBSan, straight
# from the sources (reference backend only, no OpenCL), into build-fuzz/ or
# $FUZZ_OUT.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${FUZZ_OUT:-$root/build-fuzz}
cc=${CC:-clang}
mkdir -p "$out"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I$root/include $(pkg-config --cflags libzip)"
for target in npy npz; do
    # shellcheck disable=SC2086 # flags and the source globs split on purpose
    $cc $flags "$here/fuzz_$target.c" "$root"/src/*.c "$root"/src/io/*.c \
        "$root"/src/reference/*.c -o "$out/fuzz_$target" $(pkg-config --libs libzip) -lm
done
echo "built $out/fuzz_npy and $out/fuzz_npz"

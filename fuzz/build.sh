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
# the ONNX decoder, as meson.build makes it
protoc-c --c_out="$out" --proto_path="$root/src/io" "$root/src/io/onnx_subset.proto"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I$root/include -I$out $(pkg-config --cflags libzip libprotobuf-c zlib)"
io_sources=$(ls "$root"/src/io/*.c | grep -v model_onnx_absent.c)
for target in npy npz onnx; do
    # shellcheck disable=SC2086 # flags and the source lists split on purpose
    $cc $flags "$here/fuzz_$target.c" "$root"/src/*.c $io_sources "$out/onnx_subset.pb-c.c" \
        "$root"/src/reference/*.c -o "$out/fuzz_$target" \
        $(pkg-config --libs libzip libprotobuf-c zlib) -lm
done
echo "built $out/fuzz_npy, $out/fuzz_npz and $out/fuzz_onnx"

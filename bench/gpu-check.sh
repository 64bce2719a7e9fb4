#!/usr/bin/env bash
# shellcheck disable=SC2317  # the re-exec under `timeout` below hides reachability
# rnnscan on an NVIDIA GPU, on a Linux machine that has the driver but no
# OpenCL ICD loader and no network.  In under 10 minutes, each step under its
# own `timeout`:
#   1. unpacks the ICD loader, the OpenCL headers and libzip from .deb files
#      placed beforehand beside this script or in bench/gpu-debs/ (made by
#      bench/fetch-gpu-debs.sh on a machine with network), unless the machine
#      has them already; registers the driver's libnvidia-opencl.so.1 through
#      OCL_ICD_VENDORS (a temporary directory with an nvidia.icd file);
#   2. builds rnnscan in build-gpu/ with meson + ninja, or, without meson,
#      in build-gpu-cc/ with cc directly (see build_with_cc for what it needs);
#   3. runs the OpenCL test suite (meson test --suite opencl) where Criterion
#      was found, and always a short OpenCL-vs-reference sweep through
#      `rnnscan bench` (odd shapes, layers, directions, lengths);
#   4. runs `rnnscan bench` on the GPU (RNNSCAN_DEVICE=nvidia);
#   5. times PyTorch's CUDA nn.RNN / nn.LSTM / nn.GRU (cuDNN, TF32 off) on the
#      same cases when torch with CUDA is importable, and prints one table
#      (bench/gpu_table.py).
#
#   bench/gpu-check.sh [--cases LIST] [--runs N]
#     --cases   as `rnnscan bench --cases` (default notebook,batched,latency,deepbench,large)
#
# Needs there: bash, coreutils (timeout), a C compiler (cc), python3 (the build
# embeds the kernels with tools/embed_kernels.py), dpkg or ar + tar (to unpack
# the .debs), the NVIDIA driver.  Optional: meson, ninja and pkg-config (else
# cc builds the tool alone, no test suite), PyTorch with CUDA.
# Environment: OUT (where logs and CSV go; default bench/gpu-out/),
#   GPU_CHECK_DEVICE (device spec, default nvidia), GPU_CHECK_VENDOR_LIB (the
#   ICD library to register instead of searching for libnvidia-opencl.so.1),
#   GPU_CHECK_USE_DEBS=1 (use the unpacked loader even if one is installed),
#   GPU_CHECK_FORCE_CC=1 (build with cc even where meson exists),
#   GPU_CHECK_PYTHON (the python3 that has torch; default python3).
# Tested without a GPU by registering PoCL as the "vendor":
#   GPU_CHECK_VENDOR_LIB=/usr/lib/x86_64-linux-gnu/libpocl.so.2 GPU_CHECK_DEVICE=pthread \
#   GPU_CHECK_USE_DEBS=1 bench/gpu-check.sh --cases notebook --runs 5
# Exit status: 0 when every step passed, 1 otherwise (the summary says which).
set -uo pipefail

# The whole run stays under 10 minutes, whatever hangs.
if [ -z "${GPU_CHECK_UNDER_TIMEOUT:-}" ]; then
  export GPU_CHECK_UNDER_TIMEOUT=1
  exec timeout -k 5 590 bash "$0" "$@"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CASES="notebook,batched,latency,deepbench,large"
RUNS=7
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=${2:?--cases needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    -h|--help) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
DEVICE=${GPU_CHECK_DEVICE:-nvidia}
OUT=${OUT:-$HERE/gpu-out}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/rnnscan-gpu.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ORIG_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
# meson builds in build-gpu/, cc in build-gpu-cc/: never a mix of the two
if [ -z "${GPU_CHECK_FORCE_CC:-}" ] && command -v meson >/dev/null && command -v ninja >/dev/null; then
  BUILD=$REPO/build-gpu; BUILD_TOOL=meson
else
  BUILD=$REPO/build-gpu-cc; BUILD_TOOL=cc
fi
SUMMARY=()
FAILED=0

say() { printf '\n== %s\n' "$*"; }
record() { # record STEP STATUS
  SUMMARY+=("$(printf '%-32s %s' "$1" "$2")")
  case "$2" in ok*|skipped*) ;; *) FAILED=1 ;; esac
}
# Seconds a step may take: its own limit, or what is left before the deadline
# (the outer timeout is 590 s; 20 s stay for the summary).
DEADLINE=570
# step_limit MAX [RESERVE]: RESERVE seconds are kept for the steps after it.
step_limit() { local left=$((DEADLINE - ${2:-0} - SECONDS)); echo $(($1 < left ? $1 : left)); }

# run_step NAME SECONDS CMD...: runs CMD under timeout, logs to $OUT/NAME.log
run_step() {
  local name=$1 secs; secs=$(step_limit "$2"); shift 2
  if [ "$secs" -lt 5 ]; then record "$name" "NOT RUN (out of time)"; return 1; fi
  say "$name (at most ${secs} s)"
  timeout -k 5 "$secs" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then record "$name" ok
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then record "$name" "TIMEOUT after ${secs} s"
  else record "$name" "FAILED (exit $rc)"; fi
  return "$rc"
}

# ---- 1. OpenCL loader, headers, libzip from .debs ---------------------------
unpack_deb() { # unpack_deb FILE DIR: dpkg -x, or ar + tar where dpkg is absent
  if command -v dpkg >/dev/null; then dpkg -x "$1" "$2"; return; fi
  local t; t=$(mktemp -d "$WORK/ar.XXXX")
  (cd "$t" && ar x "$1" && tar -xf data.tar.* -C "$2")
}

setup_debs() {
  local debs=() d
  for d in "$HERE"/*.deb "$HERE"/gpu-debs/*.deb; do [ -f "$d" ] && debs+=("$d"); done
  local have_loader=0
  ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so\.1' && have_loader=1
  if [ "$have_loader" = 1 ] && [ -z "${GPU_CHECK_USE_DEBS:-}" ]; then
    echo "system ICD loader found ($(ldconfig -p | awk '/libOpenCL\.so\.1/{print $NF; exit}')); .debs not needed"
    return 0
  fi
  if [ ${#debs[@]} -eq 0 ]; then
    echo "an ICD loader is needed and there are no .deb files in $HERE or $HERE/gpu-debs"
    echo "(run bench/fetch-gpu-debs.sh on a machine with network and copy bench/gpu-debs/ here)"
    return 1
  fi
  local root=$WORK/root
  mkdir -p "$root"
  for d in "${debs[@]}"; do echo "unpacking $(basename "$d")"; unpack_deb "$d" "$root" || return 1; done
  # the C library itself must never come from here (LD_LIBRARY_PATH would load it)
  find "$root" \( -name 'libc.so*' -o -name 'ld-linux*' \) -delete
  # the .pc files say prefix=/usr: point them at the unpacked tree
  find "$root" -name '*.pc' -exec sed -i "s|^prefix=/usr\$|prefix=$root/usr|" {} +
  local loader libdir
  loader=$(find "$root" -name 'libOpenCL.so.1' | head -n 1)
  [ -n "$loader" ] || { echo "no libOpenCL.so.1 in the .debs (ocl-icd-libopencl1 missing?)"; return 1; }
  libdir=$(dirname "$loader")
  local triplet; triplet=$(basename "$libdir")
  export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LIBRARY_PATH=$libdir${LIBRARY_PATH:+:$LIBRARY_PATH}
  export PKG_CONFIG_PATH=$libdir/pkgconfig:$root/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export C_INCLUDE_PATH=$root/usr/include:$root/usr/include/$triplet${C_INCLUDE_PATH:+:$C_INCLUDE_PATH}
  echo "ICD loader: $loader"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
  echo "C_INCLUDE_PATH=$C_INCLUDE_PATH"
}

# The driver's OpenCL library, registered by full path in a private vendors dir.
register_nvidia_icd() {
  local lib=${GPU_CHECK_VENDOR_LIB:-}
  if [ -z "$lib" ]; then
    lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1/{print $NF; exit}')
  fi
  if [ -z "$lib" ]; then
    local d
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
             /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu/nvidia/current /usr/lib/nvidia \
             /usr/lib/nvidia-*/ /usr/local/cuda/compat /usr/lib/aarch64-linux-gnu; do
      [ -e "$d/libnvidia-opencl.so.1" ] && { lib=${d%/}/libnvidia-opencl.so.1; break; }
    done
  fi
  if [ -z "$lib" ] || [ ! -e "$lib" ]; then
    echo "libnvidia-opencl.so.1 not found (ldconfig -p and the usual driver paths);"
    echo "set GPU_CHECK_VENDOR_LIB=/path/to/libnvidia-opencl.so.1"
    return 1
  fi
  mkdir -p "$WORK/vendors"
  echo "$lib" > "$WORK/vendors/nvidia.icd"
  export OCL_ICD_VENDORS=$WORK/vendors
  echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS: nvidia.icd -> $lib"
}

# ---- 2. build -----------------------------------------------------------------
build_with_meson() {
  local opts=(-Dopencl=enabled -Dbuildtype=release)
  if [ -f "$BUILD/build.ninja" ]; then meson setup --reconfigure "$BUILD" "${opts[@]}"
  else meson setup "$BUILD" "${opts[@]}"; fi && ninja -C "$BUILD"
}

# Without meson: the library, support and tool sources as meson.build lists
# them (a source there that needs a library not found here fails the build;
# the command is printed so it can be adjusted), the kernels embedded by
# tools/embed_kernels.py in meson.build's order.  Needs cc, python3, the
# OpenCL headers and loader, libzip (zip.h, -lzip); the cpu backend is built
# where pkg-config finds OpenBLAS, else left out.  No test suite.
build_with_cc() {
  mkdir -p "$BUILD"
  local srcs kernels flags=() libs=(-lOpenCL -lzip -lm)
  # cpu_gemm_f16c.c needs its own -mf16c flags: left out, f16 weights then run as float32
  srcs=$(grep -o "'\(src\|cli\|bench\|support\)/[^']*\.c'" "$REPO/meson.build" | tr -d "'" |
         grep -v 'cpu_gemm_f16c' | sort -u)
  kernels=$(grep -o "'kernels/[^']*\.cl'" "$REPO/meson.build" | tr -d "'")
  if grep -q '^src/cpu/' <<<"$srcs"; then # the cpu backend, as meson.build builds it
    if pkg-config --exists openblas 2>/dev/null; then
      local cf lf
      read -ra cf <<<"$(pkg-config --cflags openblas)"
      read -ra lf <<<"$(pkg-config --libs openblas)"
      flags+=(-DRNNSCAN_HAVE_CPU "${cf[@]}"); libs+=("${lf[@]}")
    else
      echo "OpenBLAS not found (pkg-config openblas): the cpu backend is left out and shows as n/a"
      srcs=$(grep -v '^src/cpu/' <<<"$srcs")
    fi
  fi
  # shellcheck disable=SC2086  # one word per kernel file
  (cd "$REPO" && python3 tools/embed_kernels.py "$BUILD/kernels_embedded.c" $kernels) || return 1
  local cmd=(cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -DRNNSCAN_HAVE_OPENCL "${flags[@]}"
             -Iinclude -Isrc/opencl -Isupport)
  # shellcheck disable=SC2206
  cmd+=($srcs "$BUILD/kernels_embedded.c" -o "$BUILD/rnnscan" "${libs[@]}")
  echo "${cmd[*]}"
  (cd "$REPO" && "${cmd[@]}")
}

build() {
  if [ "$BUILD_TOOL" = meson ]; then
    echo "building with meson + ninja in $BUILD"
    build_with_meson
  else
    echo "meson or ninja absent: building the tool with cc directly (no test suite)"
    build_with_cc
  fi
}

# ---- 3. tests -------------------------------------------------------------------
has_opencl_tests() {
  [ "$BUILD_TOOL" = meson ] && [ -f "$BUILD/build.ninja" ] &&
    meson introspect "$BUILD" --tests 2>/dev/null | grep -q ':opencl"'
}

# OpenCL against the reference on shapes that break tiling, every feature the
# bench can ask for; fails on an error or a difference above 1e-4.
sweep() {
  local csv=$OUT/sweep.csv ok=0 cases="rnn_tanh:7:3:5:13,rnn_relu:9:2:17:33,lstm:33:5:17:65,gru:9:1:257:31,lstm:5:1:10:20,gru:12:65:64:129"
  local extra
  for extra in "" "--layers 2 --bidirectional" "--lengths uniform"; do
    # shellcheck disable=SC2086
    "$BUILD/rnnscan" bench --backends reference,opencl --device "$DEVICE" --cases "$cases" \
      --runs 5 --warmup 0 --ref-limit 0 --csv $extra > "$csv" || ok=1
    # columns: 11 status, 18 max_abs_diff (see rnnscan bench --csv)
    awk -F, -v what="${extra:-one layer}" 'NR > 1 && $9 == "opencl" {
        if ($11 == "failed") { print "FAILED " $1 ":" $2 ":" $3 ":" $4 ":" $5 " (" what ")"; bad = 1 }
        else if ($11 == "ran" && !($18 + 0 <= 1e-4)) { print "DIFF " $18 " " $1 ":" $2 ":" $3 ":" $4 ":" $5 " (" what ")"; bad = 1 }
        else print $11 " max|d|=" $18 " " $1 ":" $2 ":" $3 ":" $4 ":" $5 " (" what ")" }
      END { exit bad }' "$csv" || ok=1
  done
  return "$ok"
}

# ---- run ------------------------------------------------------------------------
# in_shell NAME FUNC: a step that sets the environment (so no pipe, no subshell)
in_shell() {
  say "$1"
  "$2" > "$OUT/$1.log" 2>&1
  local rc=$?
  cat "$OUT/$1.log"
  if [ "$rc" -eq 0 ]; then record "$1" ok; else record "$1" FAILED; fi
  return "$rc"
}

say "machine"
uname -a
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null ||
  echo "nvidia-smi not available"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null
echo "$(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

in_shell loader-and-headers setup_debs
in_shell nvidia-icd register_nvidia_icd

export REPO BUILD BUILD_TOOL
export -f build build_with_meson build_with_cc
if run_step build 300 bash -c build; then
  echo "rnnscan loads: $(ldd "$BUILD/rnnscan" | grep -i 'libOpenCL')"
  run_step devices 30 "$BUILD/rnnscan" devices
  export RNNSCAN_DEVICE=$DEVICE
  if has_opencl_tests; then
    # an OpenCL test that finds no device fails instead of skipping; the
    # suite's *_gpu_shapes test repeats the sweep with GPU shapes, which a
    # GPU uses anyway, so it is left out here
    RNNSCAN_REQUIRE_OPENCL=1 run_step opencl-test-suite 180 \
      meson test -C "$BUILD" --print-errorlogs test_opencl_vs_reference test_opencl_errors
  else
    say "opencl-test-suite"
    echo "not built (needs meson and Criterion: bench/fetch-gpu-debs.sh --with-tests); the sweep below checks OpenCL against the reference"
    record opencl-test-suite "skipped (no Criterion or no meson)"
  fi
  export DEVICE BUILD OUT
  export -f sweep
  run_step opencl-vs-reference-sweep 60 bash -c sweep
  # One call per item of --cases, so that a timeout loses one set, not all;
  # the CSV rows are gathered into one file.
  : > "$OUT/bench.csv"
  IFS=, read -ra items <<<"$CASES"
  for item in "${items[@]}"; do
    secs=$(step_limit 240 90) # 90 s stay for PyTorch's table
    if [ "$secs" -lt 5 ]; then record "bench $item" "NOT RUN (out of time)"; continue; fi
    say "bench $item (at most $secs s; progress on stderr, CSV in $OUT/bench.csv)"
    timeout -k 5 "$secs" "$BUILD/rnnscan" bench --cases "$item" --runs "$RUNS" --device "$DEVICE" \
      --csv > "$OUT/bench-part.csv" 2> >(tee -a "$OUT/bench.log" >&2)
    rc=$?
    if [ -s "$OUT/bench.csv" ]; then tail -n +2 "$OUT/bench-part.csv" >> "$OUT/bench.csv"
    else cat "$OUT/bench-part.csv" > "$OUT/bench.csv"; fi
    case $rc in
      0) record "bench $item" ok ;;
      124|137) record "bench $item" "TIMEOUT after $secs s (no rows for it)" ;;
      *) record "bench $item" "FAILED (exit $rc)" ;;
    esac
  done
  rm -f "$OUT/bench-part.csv"
  # PyTorch runs without the unpacked libraries in its path.
  LD_LIBRARY_PATH=$ORIG_LD_LIBRARY_PATH run_step table 150 \
    "${GPU_CHECK_PYTHON:-python3}" "$HERE/gpu_table.py" --csv "$OUT/bench.csv" --runs "$RUNS"
fi

say "summary (logs and CSV in $OUT)"
printf '%s\n' "${SUMMARY[@]}" | tee "$OUT/summary.txt"
exit "$FAILED"

#!/usr/bin/env bash
# Builds rnnscan and runs every test: the Criterion suites (OpenCL on PoCL
# required: a skipped OpenCL test fails this script), the suites again under
# AddressSanitizer + UndefinedBehaviorSanitizer, the Python package's pytest
# suite (pip install . into a fresh venv), and the fuzzers for a bounded time.
# Run from anywhere; builds in build/, build-python/, build-asan/ and build-tsan/.
set -euo pipefail
cd "$(dirname "$0")/.."

setup() { # setup DIR [meson options...]
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
  ninja -C "$dir"
}

echo "== OpenCL platforms seen by the tests"
clinfo -l || true

echo "== build and test (release)"
setup build
# An OpenCL test that cannot find a device fails instead of skipping.
export RNNSCAN_REQUIRE_OPENCL=1
meson test -C build --print-errorlogs
if grep -qE '^(SKIP|ok .* # SKIP)' build/meson-logs/testlog.txt; then
  echo "run-tests: some tests were skipped:"; grep -E 'SKIP' build/meson-logs/testlog.txt
  exit 1
fi
opencl_ran=$(grep -cE '^ok .*(sweep|opencl_errors)::' build/meson-logs/testlog.txt || true)
echo "run-tests: $opencl_ran OpenCL tests ran on: $(build/rnnscan devices | grep 'spec 0' || echo none)"
[ "$opencl_ran" -gt 0 ] || { echo "run-tests: no OpenCL test ran"; exit 1; }
# The sweep under Oclgrind (suite oclgrind) exists only where meson found oclgrind.
grep -qE '^test: .*oclgrind / oclgrind_sweep' build/meson-logs/testlog.txt ||
  { echo "run-tests: the Oclgrind sweep did not run (tools/install-deps.sh installs oclgrind)"; exit 1; }

echo "== Python package: pip install . into a fresh venv, pytest tests/python"
# Debian's python3 (a python3 found first on PATH may be another one), with
# its numpy and torch visible; meson-python comes from PyPI.  The OpenCL
# tests run on PoCL and fail, never skip, without a device.
rm -rf build-python
/usr/bin/python3 -m venv --system-site-packages build-python/venv
build-python/venv/bin/python -m pip install --quiet .
build-python/venv/bin/python -m pytest tests/python -p no:cacheprovider -q -rs |
  tee build-python/pytest.log
if grep -qE '[0-9]+ skipped' build-python/pytest.log; then
  echo "run-tests: some Python tests were skipped"; exit 1
fi

echo "== AddressSanitizer + UndefinedBehaviorSanitizer (device-free suites)"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
asan_suites=(--suite host --suite io)
grep -q "test_cpu_vs_reference" build-asan/build.ninja && asan_suites+=(--suite cpu)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan "${asan_suites[@]}" --print-errorlogs

echo "== ThreadSanitizer (tests/test_threads.c, host-side backends)"
# clang: GCC's target_clones resolvers (src/cpu/cpu_math.h) run before GCC's
# TSan runtime is up and crash at load.  No OpenCL: PoCL is not instrumented,
# and its start-up is covered by test_threads_opencl above.  OpenBLAS is not
# instrumented either (its pool needs no suppressions: none reported).
CC=clang setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug \
  -Dopencl=disabled -Dc_args=-Wno-psabi
TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --suite tsan --print-errorlogs

echo "== fuzzers (libFuzzer + ASan + UBSan), ${RNNSCAN_FUZZ_SECONDS:-60} s each"
fuzz/run.sh "${RNNSCAN_FUZZ_SECONDS:-60}"

echo "run-tests: all passed"

#!/usr/bin/env bash
# Installs what rnnscan needs to build, test and benchmark on Debian 12 (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  build-essential meson ninja-build pkg-config   # build
  ocl-icd-opencl-dev opencl-headers clinfo       # OpenCL loader and headers
  pocl-opencl-icd                                # an OpenCL device on the CPU
  libcriterion-dev                               # tests
  libzip-dev zlib1g-dev                          # .npz files
  libopenblas-dev                                # the cpu backend
  libprotobuf-c-dev protobuf-c-compiler          # ONNX models (src/io/onnx_subset.proto)
  python3-numpy                                  # golden and numpy round-trip tests
  python3-venv python3-torch python3-pytest      # the Python package's tests (tests/python)
  oclgrind                                       # second OpenCL device: races, bounds, uninitialised values
  openmpi-bin libopenmpi-dev                     # mpirun rnnscan run (cli/run_mpi.c)
  clang libclang-rt-14-dev                       # fuzzers and sanitizers
)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: installed ${#packages[@]} packages"

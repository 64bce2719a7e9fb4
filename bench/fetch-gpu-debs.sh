#!/usr/bin/env bash
# Downloads, on a Debian 12 machine with network, the .deb files that
# bench/gpu-check.sh unpacks on a GPU machine that has none: the OpenCL ICD
# loader and headers, and libzip (the library reads .npz files).  With
# --with-tests, also Criterion and what its pkg-config file requires, so the
# OpenCL test suite can be built there too.
#
#   bench/fetch-gpu-debs.sh [--with-tests]     -> bench/gpu-debs/*.deb (gitignored)
#
# Copy the repository with bench/gpu-debs/ to the GPU machine, then run
# bench/gpu-check.sh there.  The files are for this machine's architecture
# (dpkg --print-architecture) and Debian 12's libraries: on another
# distribution the ICD loader and the headers still work (they need only
# glibc); Criterion's libraries may not.
set -euo pipefail
cd "$(dirname "$0")"

# opencl-headers is a metapackage on Debian 12: the C headers are in opencl-c-headers.
packages=(ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers opencl-c-headers
          opencl-clhpp-headers libzip4 libzip-dev)
case "${1:-}" in
  "") ;;
  --with-tests)
    # criterion.pc requires boxfort, libffi, libgit2 (-> libpcre2-8, zlib), nanomsg;
    # the runtime libraries follow libcriterion.so.3's and libgit2's NEEDED entries.
    packages+=(libcriterion-dev libcriterion3 libboxfort-dev libffi-dev libffi8
               libgit2-dev libgit2-1.5 libpcre2-dev libpcre2-8-0 zlib1g-dev
               libnanomsg-dev libnanomsg5 libhttp-parser2.9 libmbedtls14 libmbedx509-1
               libmbedcrypto7 libssh2-1) ;;
  *) echo "usage: $0 [--with-tests]" >&2; exit 2 ;;
esac

mkdir -p gpu-debs
cd gpu-debs
# apt-get download fetches exactly the named packages (no dependencies) into
# the current directory, without installing anything.
apt-get download "${packages[@]}"
echo "fetch-gpu-debs: $(find . -name '*.deb' | wc -l) files in $(pwd) for $(dpkg --print-architecture)"

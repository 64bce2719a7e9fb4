#!/bin/sh
# Usage: fuzz/run.sh SECONDS
# Builds the targets, then fuzzes each for SECONDS on a copy of its seed
# corpus in a temporary directory.  Exits non-zero if any target crashes;
# the crashing inputs are kept in build-fuzz/crashes/ (or $FUZZ_OUT/crashes/).
set -eu
seconds=${1:?usage: fuzz/run.sh SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${FUZZ_OUT:-$root/build-fuzz}
"$here/build.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in npy npz onnx; do
    cp -R "$here/corpus/$target" "$work/corpus-$target"
    mkdir -p "$work/crashes-$target"
    dict=""
    [ -f "$here/$target.dict" ] && dict="-dict=$here/$target.dict"
    echo "== fuzz_$target for ${seconds}s"
    # shellcheck disable=SC2086 # dict is empty or one option
    if ! "$out/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/crashes-$target/" $dict \
        "$work/corpus-$target" 2>"$work/log-$target"; then
        status=1
        mkdir -p "$out/crashes"
        cp "$work/crashes-$target"/* "$out/crashes/" 2>/dev/null || true
        tail -n 60 "$work/log-$target"
        echo "fuzz_$target FAILED; inputs kept in $out/crashes/"
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done" "$work/log-$target" || true
        echo "fuzz_$target: no crash"
    fi
done
exit $status

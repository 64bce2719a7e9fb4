#!/usr/bin/env bash
# Runs the compact OpenCL sweep (sweep.c) under Oclgrind with its data-race,
# API and uninitialised-value checks, six times: RNNSCAN_TUNING=cpu and =gpu
# (the two kernel shapes), each over whole buffers and chunked
# (RNNSCAN_MAX_ALLOC / RNNSCAN_MAX_GROUPS lowered so the scans split their
# buffers and launches), and the GPU shapes' local-memory projection on the
# cases named below, whole and chunked (the gpu configs run the rest of
# the GPU shapes with register tiles; their step kernel stages h_{t-1}
# through local memory, the gpu-local ones' reads it per work-item).  Fails on a mismatch against the
# reference and on any Oclgrind report.
#
# Oclgrind's exit status says nothing about what it found, so: its reports
# (races, invalid accesses, uninitialised values, fatal errors, the "1000
# errors" cut-off) go to --log, where any line fails; its API errors
# ("Oclgrind - OpenCL runtime error detected") go to stderr whatever --log
# says, so any line of stderr naming Oclgrind fails too.
#
#   tests/oclgrind/run.sh build/tests/oclgrind/oclgrind_sweep [CASE-SUBSTRING]
# Environment: OCLGRIND_SWEEP_CONFIGS (default "cpu gpu cpu-chunked
# gpu-chunked gpu-local gpu-local-chunked"), OCLGRIND_SWEEP_MAX_GROUPS
# (default 3: launches split).
# Chunked configs cap each model's context at its largest weight buffer
# (sweep.c, SWEEP_CAP_TO_WEIGHTS), so every case runs in chunks.
set -uo pipefail
sweep=${1:?usage: run.sh SWEEP_BINARY [CASE-SUBSTRING]}
only=${2:-}
command -v oclgrind >/dev/null || { echo "run.sh: oclgrind not found (apt-get install oclgrind)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gpu-local: every cell, both schedules, biases on and off, every weight type
# (16 runs, 77 s here); gpu-local-chunked: one per cell (4 runs, the chunks'
# many launches cost Oclgrind 5x more per run)
LOCAL_CASES="L=2 bidir batch_first lengths"
LOCAL_CHUNKED_CASES="h0/c0 L=2 bidir batch_first lengths persistent"

status=0
for config in ${OCLGRIND_SWEEP_CONFIGS:-cpu gpu cpu-chunked gpu-chunked gpu-local gpu-local-chunked}; do
  env=(RNNSCAN_TUNING="${config%%-*}" RNNSCAN_DEVICE=Oclgrind SWEEP_DEVICE_MATCH=Oclgrind)
  case $config in
    *-chunked) env+=(SWEEP_CAP_TO_WEIGHTS=1 RNNSCAN_MAX_ALLOC=
                     RNNSCAN_MAX_GROUPS="${OCLGRIND_SWEEP_MAX_GROUPS:-3}") ;;
    *) env+=(SWEEP_CAP_TO_WEIGHTS= RNNSCAN_MAX_ALLOC= RNNSCAN_MAX_GROUPS=) ;;
  esac
  cases=$only
  case $config in
    gpu-local-chunked) env+=(SWEEP_PROJ_LAYOUT=2 SWEEP_STEP_LAYOUT=1); cases=${only:-$LOCAL_CHUNKED_CASES} ;;
    gpu-local) env+=(SWEEP_PROJ_LAYOUT=2 SWEEP_STEP_LAYOUT=1); cases=${only:-$LOCAL_CASES} ;;
    gpu*) env+=(SWEEP_PROJ_LAYOUT=1 SWEEP_STEP_LAYOUT=) ;;
    *) env+=(SWEEP_PROJ_LAYOUT= SWEEP_STEP_LAYOUT=) ;;
  esac
  log=$work/$config.log err=$work/$config.err out=$work/$config.out
  start=$SECONDS
  env "${env[@]}" oclgrind --data-races --check-api --uninitialized --log "$log" \
    "$sweep" ${cases:+"$cases"} >"$out" 2>"$err"
  rc=$?
  summary=$(tail -n 1 "$out")
  echo "run.sh: $config (${env[*]}): exit $rc, $((SECONDS - start)) s: $summary"
  failed=0
  if [ "$rc" -ne 0 ]; then
    grep -v '^ok ' "$out" | head -n 40
    failed=1
  fi
  if [ -s "$log" ]; then
    echo "run.sh: $config: Oclgrind reported (first 60 lines of $(wc -l <"$log")):"
    head -n 60 "$log"
    echo "run.sh: $config: report counts:"
    grep -E '^[A-Za-z]' "$log" | sed 's/ 0x[0-9a-f]*//' | sort | uniq -c | sort -rn | head -n 20
    failed=1
  fi
  if grep -qi oclgrind "$err"; then
    echo "run.sh: $config: Oclgrind errors on stderr:"
    head -n 40 "$err"
    failed=1
  fi
  [ "$failed" -eq 0 ] || status=1
done
[ "$status" -eq 0 ] && echo "run.sh: all passed, no Oclgrind report"
exit "$status"

#!/usr/bin/env python3
"""Drives tests/fault/scenario.c under the OpenCL shim (tests/fault/cl_shim.c).

  run_fault.py fault SCENARIO SHIM [--only N ...] [--jobs J]
      Checks that the shim wraps every OpenCL function the scenario imports,
      runs the scenario once without injection to count its OpenCL calls M,
      then once per N in 1..M failing call N.  Each run must exit 0 (the
      scenario's own checks: the failing rnnscan call named the OpenCL call,
      the retry gave correct results), fire exactly its failure, and leave no
      OpenCL object alive nor release one it never made.  Prints
      "X of M injected failures handled"; fails when X < M.

  run_fault.py audit SCENARIO SHIM [--max-alloc BYTES] [--max-groups N]
      Runs `scenario audit` (LSTM, 2 layers, bidirectional, lengths, T*B = 4800,
      both schedules, checked against the reference) on both tunings with
      RNNSCAN_MAX_ALLOC / RNNSCAN_MAX_GROUPS set and the shim's audit at the
      same caps: no buffer above the cap, no launch with more groups, no leak.

  run_fault.py audit-selftest SCENARIO SHIM [...]
      The same without RNNSCAN_MAX_ALLOC / RNNSCAN_MAX_GROUPS: the audit must
      then report both a buffer and a launch above the caps (today's code
      allocates T*B*N floats for the projection, 1.2 MB, and launches
      T*B/tile_rows groups), proving that it can fail.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Variables of the library and the shim that a caller's environment must not leak in.
CLEARED = ("RNNSCAN_FAULT_AT", "RNNSCAN_FAULT_ERROR", "RNNSCAN_FAULT_REPORT",
           "RNNSCAN_FAULT_TRACE", "RNNSCAN_AUDIT_MAX_BUFFER", "RNNSCAN_AUDIT_MAX_GROUPS",
           "RNNSCAN_DEVICE", "RNNSCAN_TUNING", "RNNSCAN_BUILD_OPTIONS", "RNNSCAN_MAX_ALLOC",
           "RNNSCAN_MAX_GROUPS", "RNNSCAN_CACHE_DIR")


def read_report(path):
    report, violations = {}, []
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            if key == "violation":
                violations.append(value)
            else:
                report[key] = value
    report["violation_list"] = violations
    return report


class Runner:
    def __init__(self, scenario, shim, workdir, timeout):
        self.scenario, self.shim, self.workdir, self.timeout = scenario, shim, workdir, timeout
        self.env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        # RNNSCAN_SCHEDULE_AUTO's costs, measured by the first run (fault()
        # primes it) and read by every later one, so all make the same calls.
        self.env["RNNSCAN_CACHE_DIR"] = os.path.join(workdir, "schedule-cache")
        preload = self.env.get("LD_PRELOAD", "")
        self.env["LD_PRELOAD"] = shim + (" " + preload if preload else "")

    def run(self, mode, tag, extra=None, trace=False):
        """Runs the scenario; returns (returncode, stdout, stderr, report)."""
        env = dict(self.env)
        report_path = os.path.join(self.workdir, "report-%s.txt" % tag)
        env["RNNSCAN_FAULT_REPORT"] = report_path
        if trace:
            env["RNNSCAN_FAULT_TRACE"] = os.path.join(self.workdir, "trace-%s.txt" % tag)
        env.update(extra or {})
        try:
            p = subprocess.run([self.scenario, mode], env=env, capture_output=True, text=True,
                               timeout=self.timeout)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "timeout", e.stdout or "", (e.stderr or "") + "\n(timed out)"
            if isinstance(out, bytes):
                out, err = out.decode(errors="replace"), err.decode(errors="replace")
        return rc, out, err, read_report(report_path)


def leak_problems(report):
    problems = []
    for key in ("live_total", "bad_release", "bad_retain"):
        if report.get(key) != "0":
            problems.append("%s=%s" % (key, report.get(key)))
    if report.get("live_total") != "0":
        problems += ["%s=%s" % (k, v) for k, v in report.items()
                     if k.startswith("live_") and k != "live_total" and v != "0"]
    return problems


def run_problems(rc, report):
    """What every run must avoid: a failed scenario, no report, a leak."""
    problems = [] if rc == 0 else ["the scenario failed"]
    if report is None:
        problems.append("no report (crashed?)")
    else:
        problems += leak_problems(report)
    return problems


def describe_failure(rc, out, err, report, extra=""):
    lines = ["  exit status %s%s" % (rc, " (killed by signal %d)" % -rc
                                     if isinstance(rc, int) and rc < 0 else "")]
    if extra:
        lines.append("  " + extra)
    lines += ["  | " + l for l in (out + err).strip().splitlines()[-12:]]
    return "\n".join(lines)


def imported_cl_functions(binary):
    """OpenCL functions the binary imports, or None when nm is missing."""
    nm = shutil.which("nm")
    if not nm:
        return None
    out = subprocess.run([nm, "-u", binary], capture_output=True, text=True, check=True).stdout
    return {m.group(1) for m in re.finditer(r"\bU (cl[A-Z]\w*)", out)}


def wrapped_cl_functions(shim):
    out = subprocess.run(["nm", "-D", "--defined-only", shim], capture_output=True, text=True,
                         check=True).stdout
    return {m.group(1) for m in re.finditer(r"\bT (cl[A-Z]\w*)", out)}


def fault(args, runner):
    imported = imported_cl_functions(args.scenario)
    if imported is None:
        print("run_fault: nm not found, the list of wrapped functions is not checked")
    else:
        missing = sorted(imported - wrapped_cl_functions(args.shim))
        if missing:
            print("run_fault: the library calls OpenCL functions the shim does not wrap "
                  "(add them to tests/fault/cl_shim.c): " + ", ".join(missing))
            return 1
        print("run_fault: the shim wraps all %d OpenCL functions the library imports"
              % len(imported))

    t0 = time.time()
    # An untraced run first: the AUTO scan's schedule probe (src/opencl/cl_schedule.c)
    # runs here once and fills the schedule cache, which later runs read instead.
    rc, out, err, report = runner.run("fault", "prime")
    if rc not in (0, 77):
        print("run_fault: the scenario fails without any injected failure (first run)")
        print(describe_failure(rc, out, err, report or {}))
        return 1
    rc, out, err, report = runner.run("fault", "baseline", trace=True)
    if rc == 77:
        print("run_fault: no OpenCL device, skipped (set RNNSCAN_REQUIRE_OPENCL=1 to fail)")
        return 77
    if rc != 0 or report is None or leak_problems(report):
        print("run_fault: the scenario fails without any injected failure")
        print(describe_failure(rc, out, err, report or {},
                               " ".join(leak_problems(report)) if report else "no report"))
        return 1
    total = int(report["calls"])
    with open(os.path.join(runner.workdir, "trace-baseline.txt")) as f:
        trace = {int(l.split()[0]): " ".join(l.split()[1:]) for l in f if l.strip()}
    print("run_fault: baseline: %d counted OpenCL calls, %s buffers, %s launches, %.2f s"
          % (total, report["buffers"], report["launches"], time.time() - t0))

    numbers = args.only or list(range(1, total + 1))

    def one(n):
        rc, out, err, report = runner.run("fault", "n%d" % n, {"RNNSCAN_FAULT_AT": str(n)})
        problems = run_problems(rc, report)
        if report is not None and report.get("fired") != "1":
            problems.append("fired=%s: call %d was not reached (the calls are not the "
                            "same from run to run?)" % (report.get("fired"), n))
        last = (out.strip().splitlines() or ["(no output)"])[-1]
        return n, problems, rc, out, err, report, last

    handled, failed = 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for n, problems, rc, out, err, report, last in pool.map(one, numbers):
            call = trace.get(n, "?")
            if problems:
                failed.append(n)
                print("FAIL N=%d (%s): %s" % (n, call, "; ".join(problems)))
                print(describe_failure(rc, out, err, report or {}))
            else:
                handled += 1
                if args.verbose:
                    print("ok   N=%d (%s): %s" % (n, call, last))
    elapsed = time.time() - t0
    print("run_fault: %d of %d injected failures handled (%.1f s)" % (handled, len(numbers),
                                                                       elapsed))
    if failed:
        print("run_fault: failed at N = " + " ".join(map(str, failed)))
        return 1
    return 0


def audit(args, runner, selftest):
    status = 0
    for tuning in ("cpu", "gpu"):
        extra = {"RNNSCAN_TUNING": tuning,
                 "RNNSCAN_AUDIT_MAX_BUFFER": str(args.max_alloc),
                 "RNNSCAN_AUDIT_MAX_GROUPS": str(args.max_groups)}
        if not selftest:
            extra.update({"RNNSCAN_MAX_ALLOC": str(args.max_alloc),
                          "RNNSCAN_MAX_GROUPS": str(args.max_groups)})
        t0 = time.time()
        rc, out, err, report = runner.run("audit", "audit-" + tuning, extra)
        if rc == 77:
            print("run_fault: no OpenCL device, skipped (set RNNSCAN_REQUIRE_OPENCL=1 to fail)")
            return 77
        label = "%s (tuning %s, caps %d bytes, %d groups%s)" % (
            "audit-selftest" if selftest else "audit", tuning, args.max_alloc, args.max_groups,
            ", library not capped" if selftest else "")
        problems = run_problems(rc, report)
        if report is not None:
            buffers = [v for v in report["violation_list"] if "_MAX_BUFFER" in v]
            groups = [v for v in report["violation_list"] if "_MAX_GROUPS" in v]
            if selftest and (not buffers or not groups):
                problems.append("the audit missed what it had to see: %d buffer and %d launch "
                                "violations (largest buffer %s bytes, most groups %s)"
                                % (len(buffers), len(groups), report["max_buffer"],
                                   report["max_groups"]))
            if not selftest and report["violations"] != "0":
                problems.append("%s violations" % report["violations"])
            for v in report["violation_list"][:8]:
                print("  %s: %s" % (tuning, v))
            print("%s: largest buffer %s bytes, most groups per dimension %s, %s launches, "
                  "%s violations, %.1f s" % (label, report["max_buffer"], report["max_groups"],
                                             report["launches"], report["violations"],
                                             time.time() - t0))
        if problems:
            status = 1
            print("FAIL %s: %s" % (label, "; ".join(problems)))
            print(describe_failure(rc, out, err, report or {}))
        else:
            print("ok   %s" % label)
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("fault", "audit", "audit-selftest"))
    ap.add_argument("scenario")
    ap.add_argument("shim")
    ap.add_argument("--only", type=int, nargs="+", help="inject only at these call numbers")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120, help="seconds per scenario run")
    ap.add_argument("--verbose", "-v", action="store_true", help="a line per injected failure")
    ap.add_argument("--max-alloc", type=int, default=1048576)
    ap.add_argument("--max-groups", type=int, default=64)
    ap.add_argument("--keep", help="keep reports and traces in this directory")
    args = ap.parse_args()
    args.scenario, args.shim = os.path.abspath(args.scenario), os.path.abspath(args.shim)
    workdir = args.keep or tempfile.mkdtemp(prefix="rnnscan-fault-")
    os.makedirs(workdir, exist_ok=True)
    try:
        runner = Runner(args.scenario, args.shim, workdir, args.timeout)
        if args.mode == "fault":
            return fault(args, runner)
        return audit(args, runner, args.mode == "audit-selftest")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

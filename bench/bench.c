/* `rnnscan bench`: every case on every backend, one context per backend for
 * the whole run (so the OpenCL program is built once, shown apart), the
 * reference first so that every other backend is checked against it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/device_specs.h"
#include "bench.h"

/* One entry per backend, and for OpenCL one per --schedule (the others
 * ignore schedules), and each of those again capped with --max-alloc:
 * every schedule (and the chunked scan the cap forces) then runs on the same
 * inputs, in the same run, next to the others.  With several devices
 * (--device all or a list), OpenCL's entries repeat for each device and
 * once more for all of them together, after them (its shares of the batch
 * come from their times). */
static void expand_schedules(bench_options *o)
{
    rnnscan_backend ids[BENCH_MAX_BACKENDS];
    int n = o->n_backends;
    memcpy(ids, o->backends, sizeof ids);
    o->n_backends = 0;
    for (int i = 0; i < n; i++) {
        const int opencl = ids[i] == RNNSCAN_BACKEND_OPENCL;
        const int per = opencl ? o->n_schedules : 1, caps = opencl && o->max_alloc ? 2 : 1;
        const int devices = opencl && o->n_devices > 1 ? o->n_devices + 1 : 1;
        for (int c = 0; c < caps; c++)
            for (int d = 0; d < devices; d++)
                for (int k = 0; k < per; k++) {
                    o->backends[o->n_backends] = ids[i];
                    o->backend_caps[o->n_backends] = c ? o->max_alloc : 0;
                    o->backend_devices[o->n_backends] = d == o->n_devices ? BENCH_GROUP : d;
                    o->backend_schedules[o->n_backends++] = o->schedules[k];
                }
    }
}

/* The entry's label: backend, device (with several), schedule, cap. */
static void entry_label(const bench_options *o, bench_backend *be)
{
    const int opencl = be->id == RNNSCAN_BACKEND_OPENCL;
    const int by_schedule = opencl && o->n_schedules > 1;
    char cap[24] = "", device[40] = "";
    if (be->cap)
        snprintf(cap, sizeof cap, "/cap %zuK", be->cap >> 10);
    if (opencl && o->n_devices > 1)
        snprintf(device, sizeof device, "@%.30s",
                 be->device_index == BENCH_GROUP ? "all" : o->device_specs[be->device_index]);
    snprintf(be->name, sizeof be->name, "%s%s", rnnscan_backend_name(be->id), device);
    snprintf(be->label, sizeof be->label, "%s%s%s%s", be->name, by_schedule ? "/" : "",
             by_schedule ? bench_schedule_name(be->schedule) : "", cap);
}

/* A group entry gets the contexts of its devices' entries (same cap); n/a
 * when any of them is. */
static void assemble_group(const bench_options *o, bench_backend *be, int i)
{
    be[i].ctx = NULL;
    be[i].shares_ctx = 1;
    be[i].group_size = 0;
    snprintf(be[i].device, sizeof be[i].device, "%d devices", o->n_devices);
    for (int d = 0; d < o->n_devices; d++)
        for (int k = 0; k < i; k++)
            if (be[k].id == be[i].id && be[k].cap == be[i].cap && be[k].device_index == d &&
                !be[k].shares_ctx) {
                if (!be[k].ctx) {
                    snprintf(be[i].reason, sizeof be[i].reason, "device %s is n/a: %.400s",
                             o->device_specs[d], be[k].reason);
                    be[i].group_size = 0;
                    return;
                }
                be[i].group[be[i].group_size++] = be[k].ctx;
            }
    be[i].ctx = be[i].group[0];
}

/* Opens every backend asked for (once: entries of one backend share its
 * context); one that cannot open is kept as n/a with its reason.  Returns 0
 * only for an error the user must fix (a --device that matches nothing). */
static int open_backends(const bench_options *o, bench_backend *be)
{
    for (int i = 0; i < o->n_backends; i++) {
        memset(&be[i], 0, sizeof be[i]);
        be[i].id = o->backends[i];
        be[i].schedule = o->backend_schedules[i];
        be[i].cap = o->backend_caps[i];
        const int several = o->n_devices > 1 && be[i].id == RNNSCAN_BACKEND_OPENCL;
        be[i].device_index = several ? o->backend_devices[i] : 0;
        be[i].device_spec = several && be[i].device_index >= 0
                                ? o->device_specs[be[i].device_index]
                                : o->device;
        entry_label(o, &be[i]);
        if (be[i].device_index == BENCH_GROUP) {
            assemble_group(o, be, i);
            continue;
        }
        int first = 0;
        while (be[first].id != be[i].id || be[first].cap != be[i].cap ||
               be[first].device_index != be[i].device_index)
            first++;
        if (first < i) { /* the same backend, another schedule */
            be[i].ctx = be[first].ctx, be[i].shares_ctx = 1, be[i].build_ms = be[first].build_ms;
            memcpy(be[i].reason, be[first].reason, sizeof be[i].reason);
            memcpy(be[i].device, be[first].device, sizeof be[i].device);
            continue;
        }
        rnnscan_context_options opts = {.backend = o->backends[i], .device = be[i].device_spec,
                                        .max_alloc_bytes = be[i].cap};
        rnnscan_status st = rnnscan_context_create(&opts, &be[i].ctx);
        if (st != RNNSCAN_OK) {
            be[i].ctx = NULL;
            snprintf(be[i].reason, sizeof be[i].reason, "%s: %s", rnnscan_status_name(st),
                     rnnscan_last_error());
            if (st == RNNSCAN_DEVICE_NOT_FOUND && be[i].device_spec) {
                fprintf(stderr, "rnnscan bench: --device '%s': %s\n", be[i].device_spec,
                        rnnscan_last_error());
                for (int k = 0; k < i; k++)
                    if (!be[k].shares_ctx)
                        rnnscan_context_free(be[k].ctx);
                return 0;
            }
            continue;
        }
        snprintf(be[i].device, sizeof be[i].device, "%s", rnnscan_context_device_name(be[i].ctx));
        be[i].build_ms = rnnscan_context_build_ms(be[i].ctx);
    }
    for (int i = 0; i < o->n_backends; i++) /* after all opened: a bad --device prints one line */
        if (be[i].shares_ctx)
            continue;
        else if (!be[i].ctx)
            fprintf(stderr, "rnnscan bench: backend %s is n/a: %s\n", be[i].name, be[i].reason);
        else
            fprintf(stderr, "rnnscan bench: backend %s on %s\n", be[i].name, be[i].device);
    return 1;
}

/* The reference first: the others are compared with its outputs. */
static void reference_first(bench_options *o)
{
    for (int i = 1; i < o->n_backends; i++)
        if (o->backends[i] == RNNSCAN_BACKEND_REFERENCE) {
            memmove(&o->backends[1], &o->backends[0], (size_t)i * sizeof o->backends[0]);
            o->backends[0] = RNNSCAN_BACKEND_REFERENCE;
        }
}

/* speedup = base median / this median; the base is the reference when it
 * ran, else the first backend that ran. */
static void set_speedups(bench_result *row, int n)
{
    int base = -1;
    for (int i = 0; i < n && base < 0; i++)
        if (row[i].outcome == BENCH_RAN)
            base = i;
    for (int i = 0; base >= 0 && i < n; i++)
        if (row[i].outcome == BENCH_RAN) {
            row[i].speedup = row[base].median_ms / row[i].median_ms;
            row[i].speedup_base = row[base].backend_index;
        }
}

static void progress(const bench_options *o, const bench_case *c, const bench_backend *be,
                     const bench_result *r, int done, int total)
{
    char label[96];
    bench_case_label(c, label, sizeof label);
    fprintf(stderr, "[%d/%d] %-24s %-17s ", done, total, label, be->label);
    if (r->outcome == BENCH_RAN)
        fprintf(stderr, "median %.3f ms (%d runs), %.2f GFLOP/s\n", r->median_ms, o->runs,
                r->gflops);
    else
        fprintf(stderr, "%s: %s\n", r->outcome == BENCH_FAILED ? "FAILED" : "n/a", r->note);
}

/* Runs case ci on every backend into row[0..n_backends). */
static void run_case(const bench_options *o, int ci, const bench_backend *be, bench_result *row,
                     int *done, int total)
{
    const bench_case *c = &o->cases[ci];
    bench_inputs in;
    bench_outputs ref = {0}, work = {0};
    int have_ref = be[0].id == RNNSCAN_BACKEND_REFERENCE && be[0].ctx;
    int ok = bench_inputs_make(&in, o, c, 1000u + (unsigned)ci) &&
             (!have_ref || bench_outputs_alloc(&ref, o, c)) && bench_outputs_alloc(&work, o, c);
    int ref_ran = 0;
    for (int bi = 0; bi < o->n_backends; bi++) {
        bench_result *r = &row[bi];
        r->case_index = ci;
        r->backend_index = bi;
        if (!ok) {
            memset(r, 0, sizeof *r);
            r->case_index = ci, r->backend_index = bi, r->speedup_base = -1;
            r->outcome = BENCH_FAILED;
            snprintf(r->note, sizeof r->note, "out of host memory for the inputs or outputs");
        } else {
            int is_ref = be[bi].id == RNNSCAN_BACKEND_REFERENCE;
            bench_measure(o, c, &in, &be[bi], is_ref ? &ref : &work, ref_ran ? &ref : NULL, r);
            if (is_ref && r->outcome == BENCH_RAN)
                ref_ran = 1;
        }
        progress(o, c, &be[bi], r, ++*done, total);
    }
    set_speedups(row, o->n_backends);
    bench_inputs_free(&in, o); /* safe after a failed make: it leaves `in` zeroed */
    bench_outputs_free(&ref);
    bench_outputs_free(&work);
}

int cli_bench(int argc, char **argv)
{
    bench_options o;
    int parsed = bench_parse_options(argc, argv, &o);
    if (parsed <= 0)
        return parsed == 0 ? 0 : 2;
    if (o.list_only) {
        for (int i = 0; i < o.n_cases; i++) {
            char label[96];
            bench_case_label(&o.cases[i], label, sizeof label);
            printf("%s\n", label);
        }
        return 0;
    }
    if (device_specs_many(o.device)) { /* --device all or a list: each, then all at once */
        char err[512];
        o.n_devices = device_specs_split(o.device, o.device_storage, sizeof o.device_storage,
                                         o.device_specs, BENCH_MAX_DEVICES, err, sizeof err);
        if (o.n_devices == 0) {
            fprintf(stderr, "rnnscan bench: %s\n", err);
            return 2;
        }
    }
    reference_first(&o);
    expand_schedules(&o);
    bench_backend be[BENCH_MAX_BACKENDS];
    bench_result *results = calloc((size_t)o.n_cases * o.n_backends, sizeof *results);
    if (!results) {
        fprintf(stderr, "rnnscan bench: out of memory\n");
        return 1;
    }
    if (!open_backends(&o, be)) {
        free(results);
        return 2;
    }
    int status = 0, done = 0, total = o.n_cases * o.n_backends;
    for (int ci = 0; ci < o.n_cases; ci++)
        run_case(&o, ci, be, &results[ci * o.n_backends], &done, total);
    for (int i = 0; i < o.n_backends; i++) /* every variant the cases needed, built once */
        be[i].build_ms = be[i].ctx ? rnnscan_context_build_ms(be[i].ctx) : 0.0;
    bench_report(stdout, &o, be, results, total);
    for (int i = 0; i < total; i++) {
        const bench_result *r = &results[i];
        if (r->outcome == BENCH_FAILED)
            status = 1;
        if (r->compared && isnan(r->max_abs_diff)) {
            char label[96];
            bench_case_label(&o.cases[r->case_index], label, sizeof label);
            fprintf(stderr, "rnnscan bench: WARNING: %s on %s wrote NaN (or left outputs unwritten)\n",
                    label, be[r->backend_index].label);
        }
    }
    for (int i = 0; i < o.n_backends; i++)
        if (!be[i].shares_ctx)
            rnnscan_context_free(be[i].ctx);
    free(results);
    return status;
}

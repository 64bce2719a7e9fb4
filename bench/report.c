/* The benchmark's output: a table for people, CSV and JSON for scripts
 * (bench/compare.py reads the CSV). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

const char *bench_schedule_name(rnnscan_schedule s)
{
    return s == RNNSCAN_SCHEDULE_HOST ? "host" : s == RNNSCAN_SCHEDULE_PERSISTENT ? "persistent"
                                                                                  : "auto";
}

const char *bench_schedule_list(const bench_options *o)
{
    static char buf[64];
    buf[0] = '\0';
    for (int i = 0; i < o->n_schedules; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "",
                 bench_schedule_name(o->schedules[i]));
    return buf;
}

/* The schedule a row ran with; "-" for backends that have none. */
static const char *row_schedule(const bench_backend *b)
{
    return b->id == RNNSCAN_BACKEND_OPENCL ? bench_schedule_name(b->schedule) : "-";
}

/* The schedule its scans ran, AUTO's choice included; "-" for none. */
static const char *ran_schedule(const bench_result *r)
{
    return r->ran == RNNSCAN_SCHEDULE_AUTO ? "-" : bench_schedule_name(r->ran);
}

static const char *outcome_name(bench_outcome x)
{
    static const char *names[] = {"ran", "n/a", "skipped", "failed"};
    return names[x];
}

static const char *lengths_name(const bench_options *o)
{
    return o->lengths == BENCH_LENGTHS_UNIFORM ? "uniform" : "full";
}

static const char *flops_rule(const bench_options *o)
{
    return o->lengths == BENCH_LENGTHS_UNIFORM
               ? "flops = 2*G*H*(In+H) per layer-direction and ACTIVE step only: sum(lengths) "
                 "instead of T*B (In = X for layer 0, D*H above)"
               : "flops = 2*T*B*G*H*(In+H) per layer-direction (In = X for layer 0, D*H above)";
}

/* The 1, 5 and 15 minute load averages ("" where /proc is absent): on a
 * shared machine they say how far to trust the times. */
static const char *load_average(void)
{
    static char buf[64];
    buf[0] = '\0';
    FILE *f = fopen("/proc/loadavg", "r");
    double a, b, c;
    if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
    if (f)
        fclose(f);
    return buf;
}

/* ---- table --------------------------------------------------------------- */

static void print_table(FILE *f, const bench_options *o, const bench_backend *be,
                        const bench_result *res, int n)
{
    fprintf(f, "rnnscan %s bench: %d timed runs after %d warm-up per case and backend, "
               "schedule %s\n",
            rnnscan_version_string(), o->runs, o->warmup, bench_schedule_list(o));
    fprintf(f, "model: %d layer%s, %s, %s; weights U(-1/sqrt(H), 1/sqrt(H)), inputs N(0,1)\n",
            o->layers, o->layers > 1 ? "s" : "", o->bidirectional ? "bidirectional" : "one direction",
            o->lengths == BENCH_LENGTHS_UNIFORM ? "sequence lengths uniform in [T/4, T]"
                                                : "full-length sequences");
    fprintf(f, "GFLOP/s from the median; %s\n", flops_rule(o));
    if (*load_average())
        fprintf(f, "load average (1, 5, 15 min) at the end: %s\n", load_average());
    fprintf(f, "\n");
    for (int i = 0; i < o->n_backends; i++) {
        if (be[i].shares_ctx)
            continue;
        fprintf(f, "  %-10s ", be[i].name);
        if (be[i].ctx && be[i].id == RNNSCAN_BACKEND_OPENCL)
            fprintf(f, "%s; program builds %.1f ms in all (each kernel variant once per "
                       "context, at model creation, not in the times)\n",
                    be[i].device, be[i].build_ms);
        else if (be[i].ctx)
            fprintf(f, "%s\n", be[i].device);
        else
            fprintf(f, "n/a: %s\n", be[i].reason);
    }
    int width = 17; /* the backend column fits its longest label */
    for (int i = 0; i < o->n_backends; i++)
        if ((int)strlen(be[i].label) > width)
            width = (int)strlen(be[i].label);
    fprintf(f, "\n%-24s %-*s %-10s %10s %10s %10s %8s %26s %10s %9s %9s\n", "case", width, "backend",
            "ran", "median_ms", "min_ms", "max_ms", "GFLOP/s", "speedup", "max|d-ref|", "model_ms",
            "first_ms");
    for (int i = 0; i < n; i++) {
        const bench_result *r = &res[i];
        char label[96] = "";
        if (r->backend_index == 0)
            bench_case_label(&o->cases[r->case_index], label, sizeof label);
        fprintf(f, "%-24s %-*s %-10s ", label, width, be[r->backend_index].label, ran_schedule(r));
        if (r->outcome != BENCH_RAN) {
            fprintf(f, "%10s   %s\n", r->outcome == BENCH_FAILED ? "FAILED" : outcome_name(r->outcome),
                    r->note);
            continue;
        }
        char speed[96] = "-", diff[24] = "-";
        if (r->speedup_base >= 0) {
            rnnscan_backend base = be[r->speedup_base].id;
            if (base == RNNSCAN_BACKEND_REFERENCE)
                snprintf(speed, sizeof speed, "%.2fx", r->speedup);
            else
                snprintf(speed, sizeof speed, "%.2fx vs %s", r->speedup,
                         be[r->speedup_base].label);
        }
        if (r->compared)
            snprintf(diff, sizeof diff, isnan(r->max_abs_diff) ? "NaN!" : "%.2g", r->max_abs_diff);
        fprintf(f, "%10.3f %10.3f %10.3f %8.2f %26s %10s %9.2f %9.2f\n", r->median_ms, r->min_ms,
                r->max_ms, r->gflops, speed, diff, r->model_ms, r->first_ms);
        if (*r->note) /* a group's shares of the batch */
            fprintf(f, "%-24s %-*s   %s\n", "", width, "", r->note);
    }
    fprintf(f, "\nran: the OpenCL schedule the scans ran (for auto, what AUTO chose).\n"
               "speedup: the reference's median / this median (where the reference did not run,\n"
               "  against the backend named).  max|d-ref|: largest |backend - reference| over y,\n"
               "  h_n and c_n.  model_ms: model creation with the weights upload (kernel builds\n"
               "  apart, above), once per case and backend, not in the times.  first_ms: the\n"
               "  first (warm-up) scan, not in the times; with auto on a shape new to the\n"
               "  cache it includes the probe that chooses the schedule.\n");
    if (o->n_devices > 1)
        fprintf(f, "@all: an rnnscan_group over the devices above, one host thread each, the\n"
                   "  batch cut in proportion to the rates the group measured on its previous\n"
                   "  scans (the shares under the row are the last scan's); its times include\n"
                   "  copying each device's sequences out of x and its outputs back, and a new\n"
                   "  share is a new batch size for AUTO (its probe then shows in max_ms).\n");
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void print_csv(FILE *f, const bench_options *o, const bench_backend *be,
                      const bench_result *res, int n)
{
    fprintf(f, "cell,T,B,X,H,layers,bidirectional,lengths,backend,schedule,status,median_ms,min_ms,"
               "max_ms,gflops,speedup,speedup_vs,max_abs_diff,build_ms,model_ms,runs,warmup,"
               "active_steps,device,note,ran_schedule,first_ms,weight_type\n");
    for (int i = 0; i < n; i++) {
        const bench_result *r = &res[i];
        const bench_case *c = &o->cases[r->case_index];
        const bench_backend *b = &be[r->backend_index];
        fprintf(f, "%s,%d,%d,%d,%d,%d,%d,%s,%s,%s,%s,", rnnscan_cell_name(c->cell), c->T, c->B,
                c->X, c->H, o->layers, o->bidirectional, lengths_name(o),
                b->name, row_schedule(b),
                outcome_name(r->outcome));
        if (r->outcome == BENCH_RAN) {
            fprintf(f, "%.4f,%.4f,%.4f,%.4f,", r->median_ms, r->min_ms, r->max_ms, r->gflops);
            if (r->speedup_base >= 0)
                fprintf(f, "%.4f,%s,", r->speedup, be[r->speedup_base].name);
            else
                fprintf(f, ",,");
            if (r->compared)
                fprintf(f, "%.3g,", r->max_abs_diff);
            else
                fprintf(f, ",");
        } else {
            fprintf(f, ",,,,,,,");
        }
        if (b->ctx)
            fprintf(f, "%.2f,", b->build_ms);
        else
            fprintf(f, ",");
        if (r->outcome == BENCH_RAN)
            fprintf(f, "%.3f,%d,", r->model_ms, r->runs);
        else
            fprintf(f, ",,");
        fprintf(f, "%d,%.0f,", o->warmup, r->active_steps);
        csv_text(f, b->ctx ? b->device : "");
        fputc(',', f);
        csv_text(f, r->note);
        fprintf(f, ",%s,", ran_schedule(r));
        if (r->outcome == BENCH_RAN)
            fprintf(f, "%.3f", r->first_ms);
        fprintf(f, ",%s\n", rnnscan_weight_type_name(c->weight_type));
    }
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* JSON has no NaN: a NaN difference is written as the string "NaN". */
static void json_number(FILE *f, double v)
{
    if (isnan(v))
        fprintf(f, "\"NaN\"");
    else
        fprintf(f, "%.6g", v);
}

static void print_json(FILE *f, const bench_options *o, const bench_backend *be,
                       const bench_result *res, int n)
{
    fprintf(f, "{\n  \"rnnscan_version\": \"%s\",\n  \"runs\": %d,\n  \"warmup\": %d,\n"
               "  \"schedules\": \"%s\",\n  \"layers\": %d,\n  \"bidirectional\": %s,\n"
               "  \"lengths\": \"%s\",\n  \"loadavg\": \"%s\",\n  \"flops\": ",
            rnnscan_version_string(), o->runs, o->warmup, bench_schedule_list(o),
            o->layers, o->bidirectional ? "true" : "false", lengths_name(o), load_average());
    json_text(f, flops_rule(o));
    fprintf(f, ",\n  \"backends\": [\n");
    for (int i = 0; i < o->n_backends; i++) {
        fprintf(f, "    {\"backend\": \"%s\", \"available\": %s, \"device\": ",
                be[i].name, be[i].ctx ? "true" : "false");
        json_text(f, be[i].device);
        fprintf(f, ", \"build_ms\": ");
        if (be[i].ctx)
            fprintf(f, "%.3f", be[i].build_ms);
        else
            fprintf(f, "null");
        fprintf(f, ", \"reason\": ");
        json_text(f, be[i].reason);
        fprintf(f, "}%s\n", i + 1 < o->n_backends ? "," : "");
    }
    fprintf(f, "  ],\n  \"results\": [\n");
    for (int i = 0; i < n; i++) {
        const bench_result *r = &res[i];
        const bench_case *c = &o->cases[r->case_index];
        fprintf(f, "    {\"cell\": \"%s\", \"T\": %d, \"B\": %d, \"X\": %d, \"H\": %d, "
                   "\"weight_type\": \"%s\", \"backend\": \"%s\", \"schedule\": \"%s\", "
                   "\"ran_schedule\": \"%s\", \"status\": \"%s\", \"active_steps\": %.0f",
                rnnscan_cell_name(c->cell), c->T, c->B, c->X, c->H,
                rnnscan_weight_type_name(c->weight_type),
                be[r->backend_index].name,
                row_schedule(&be[r->backend_index]), ran_schedule(r), outcome_name(r->outcome),
                r->active_steps);
        if (r->outcome == BENCH_RAN) {
            fprintf(f, ", \"median_ms\": %.6g, \"min_ms\": %.6g, \"max_ms\": %.6g, "
                       "\"gflops\": %.6g, \"model_ms\": %.6g, \"first_ms\": %.6g, \"runs\": %d",
                    r->median_ms, r->min_ms, r->max_ms, r->gflops, r->model_ms, r->first_ms,
                    r->runs);
            if (r->speedup_base >= 0)
                fprintf(f, ", \"speedup\": %.6g, \"speedup_vs\": \"%s\"", r->speedup,
                        be[r->speedup_base].name);
            if (r->compared) {
                fprintf(f, ", \"max_abs_diff\": ");
                json_number(f, r->max_abs_diff);
            }
        }
        fprintf(f, ", \"note\": ");
        json_text(f, r->note);
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

void bench_report(FILE *f, const bench_options *o, const bench_backend *be,
                  const bench_result *results, int n_results)
{
    if (o->format == BENCH_CSV)
        print_csv(f, o, be, results, n_results);
    else if (o->format == BENCH_JSON)
        print_json(f, o, be, results, n_results);
    else
        print_table(f, o, be, results, n_results);
}

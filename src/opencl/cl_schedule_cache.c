/* The schedule cache file (see cl_schedule_cache.h): <dir>/schedules-v1.tsv,
 *   # rnnscan schedule cache v1
 *   <key> TAB <host_a> TAB <host_b> TAB <persistent_a> TAB <persistent_b>
 * one entry per line, costs in milliseconds (finite, >= 0).  Lines that do
 * not parse are dropped when the file is next rewritten. */
#define _POSIX_C_SOURCE 200809L
#include "cl_schedule_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "# rnnscan schedule cache v1\n"
#define FILE_NAME "schedules-v1.tsv"
#define MAX_ENTRIES 4096 /* a rewrite keeps at most this many others */
#define LINE_MAX_CHARS (CL_SCHEDULE_KEY_MAX + 128)

void cl_schedule_cache_dir(char *dir, size_t size)
{
    const char *env = getenv("RNNSCAN_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    int n = -1;
    if (env)
        n = snprintf(dir, size, "%s", env);
    else if (xdg && xdg[0] == '/') /* the XDG spec: relative values are ignored */
        n = snprintf(dir, size, "%s/rnnscan", xdg);
    else if (home && home[0])
        n = snprintf(dir, size, "%s/.cache/rnnscan", home);
    if (n < 0 || (size_t)n >= size)
        dir[0] = '\0';
}

/* Splits a line into key and cost; 0 when it is not a valid entry. */
static int parse_entry(char *line, char **key, cl_schedule_cost *c)
{
    char *tab = strchr(line, '\t');
    if (!tab || tab == line || line[0] == '#')
        return 0;
    *tab = '\0';
    *key = line;
    double v[4];
    char *p = tab + 1;
    for (int i = 0; i < 4; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno || !isfinite(v[i]) || v[i] < 0)
            return 0;
        if (i < 3 && *end != '\t')
            return 0;
        p = end + (i < 3);
    }
    if (*p != '\n' && *p != '\0')
        return 0;
    *c = (cl_schedule_cost){v[0], v[1], v[2], v[3]};
    return 1;
}

/* Opens the file and checks its header; NULL when absent or of another kind. */
static FILE *open_cache(const char *dir)
{
    char path[4096], line[LINE_MAX_CHARS];
    if (snprintf(path, sizeof path, "%s/" FILE_NAME, dir) >= (int)sizeof path)
        return NULL;
    FILE *f = fopen(path, "r");
    if (f && (!fgets(line, sizeof line, f) || strcmp(line, HEADER) != 0)) {
        fclose(f);
        return NULL;
    }
    return f;
}

/* Reads the next line whole; 0 at the end.  Longer lines are skipped. */
static int next_line(FILE *f, char *line, size_t size)
{
    while (fgets(line, (int)size, f)) {
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n')
            return 1;
        if (feof(f))
            return 0; /* a last line without its newline: cut short by a writer */
        int ch;
        while ((ch = fgetc(f)) != EOF && ch != '\n') {
        }
    }
    return 0;
}

int cl_schedule_cache_load(const char *dir, const char *key, cl_schedule_cost *out)
{
    if (!dir[0])
        return 0;
    FILE *f = open_cache(dir);
    if (!f)
        return 0;
    char line[LINE_MAX_CHARS], *k;
    cl_schedule_cost c;
    int found = 0;
    while (next_line(f, line, sizeof line))
        if (parse_entry(line, &k, &c) && strcmp(k, key) == 0) {
            *out = c;
            found = 1; /* the last one wins, as a rewrite keeps it */
        }
    fclose(f);
    return found;
}

/* mkdir -p for dir (mode 0700 for what it creates). */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return 0;
    for (char *p = path + 1;; p++) {
        const int last = *p == '\0';
        if (*p == '/' || last) {
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return 0;
            if (last)
                break;
            *p = '/';
        }
    }
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static void write_entry(FILE *f, const char *key, const cl_schedule_cost *c)
{
    fprintf(f, "%s\t%.9g\t%.9g\t%.9g\t%.9g\n", key, c->host_a, c->host_b, c->persistent_a,
            c->persistent_b);
}

void cl_schedule_cache_store(const char *dir, const char *key, const cl_schedule_cost *cost)
{
    static atomic_uint serial; /* temporary names unique across threads */
    char path[4096], tmp[4200];
    if (!dir[0] || !make_dirs(dir) ||
        snprintf(path, sizeof path, "%s/" FILE_NAME, dir) >= (int)sizeof path)
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(),
             atomic_fetch_add(&serial, 1u));
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return;
    FILE *out = fdopen(fd, "w");
    if (!out) {
        close(fd);
        unlink(tmp);
        return;
    }
    fputs(HEADER, out);
    FILE *in = open_cache(dir);
    if (in) { /* keep the other valid entries */
        char line[LINE_MAX_CHARS], *k;
        cl_schedule_cost c;
        int kept = 0;
        while (kept < MAX_ENTRIES && next_line(in, line, sizeof line))
            if (parse_entry(line, &k, &c) && strcmp(k, key) != 0) {
                write_entry(out, k, &c);
                kept++;
            }
        fclose(in);
    }
    write_entry(out, key, cost);
    const int ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
    if (fclose(out) != 0 || !ok || rename(tmp, path) != 0)
        unlink(tmp);
}

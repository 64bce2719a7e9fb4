/* The .npy preamble and header dict: magic, version, header length, and the
 * Python literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.
 * Everything is bounds-checked against the caller's buffer. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io_internal.h"

#define FAIL(...) rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, "npy: " __VA_ARGS__)

static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* A cursor over the header text [begin, end). */
typedef struct cursor {
    const char *begin, *p, *end;
} cursor;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void skip_space(cursor *c)
{
    while (c->p < c->end && is_space(*c->p))
        c->p++;
}

/* "expected X at header byte N, found 'abc...'" (or "found the end"). */
static rnnscan_status unexpected(const cursor *c, const char *what)
{
    size_t at = (size_t)(c->p - c->begin);
    if (c->p >= c->end)
        return FAIL("bad header: expected %s at byte %zu, found the end of the header", what, at);
    char shown[17];
    size_t n = 0;
    for (const char *q = c->p; q < c->end && n < sizeof shown - 1; q++)
        shown[n++] = (*q >= 0x20 && *q < 0x7f) ? *q : '?'; /* keep messages printable */
    shown[n] = '\0';
    return FAIL("bad header: expected %s at byte %zu, found '%s'", what, at, shown);
}

static int accept(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes; copied into out (cut at cap - 1,
 * *cut set when it was longer). */
static rnnscan_status parse_string(cursor *c, char *out, size_t cap, int *cut, const char *what)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return unexpected(c, what);
    char quote = *c->p;
    const char *start = c->p + 1, *q = start;
    while (q < c->end && *q != quote) {
        if (*q == '\\' || *q == '\n')
            return unexpected(c, "a string without escapes or line breaks");
        q++;
    }
    if (q >= c->end)
        return unexpected(c, "a closed string");
    size_t len = (size_t)(q - start);
    *cut = len >= cap;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, start, len);
    out[len] = '\0';
    c->p = q + 1;
    return RNNSCAN_OK;
}

static rnnscan_status parse_bool(cursor *c, int *out)
{
    skip_space(c);
    size_t left = (size_t)(c->end - c->p);
    if (left >= 4 && memcmp(c->p, "True", 4) == 0)
        *out = 1, c->p += 4;
    else if (left >= 5 && memcmp(c->p, "False", 5) == 0)
        *out = 0, c->p += 5;
    else
        return unexpected(c, "True or False for 'fortran_order'");
    /* "Truex" is an identifier, not True */
    if (c->p < c->end && (*c->p == '_' || (*c->p >= '0' && *c->p <= '9') ||
                          ((*c->p | 0x20) >= 'a' && (*c->p | 0x20) <= 'z')))
        return unexpected(c, "a separator after True/False");
    return RNNSCAN_OK;
}

/* One dimension: decimal digits, with the 'L' suffix Python 2 wrote. */
static rnnscan_status parse_dim(cursor *c, size_t *out)
{
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return unexpected(c, "a non-negative integer in 'shape'");
    size_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t d = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - d) / 10)
            return FAIL("bad header: a dimension in 'shape' does not fit size_t");
        v = v * 10 + d;
        c->p++;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
        c->p++;
    *out = v;
    return RNNSCAN_OK;
}

/* (d0, d1, ...) with an optional trailing comma; () is a 0-d array. */
static rnnscan_status parse_shape(cursor *c, npy_header *h)
{
    if (!accept(c, '('))
        return unexpected(c, "'(' opening the 'shape' tuple");
    h->ndim = 0;
    while (!accept(c, ')')) {
        if (h->ndim == RNNSCAN_MAX_DIMS)
            return FAIL("shape has more than %d dimensions (RNNSCAN_MAX_DIMS)",
                        RNNSCAN_MAX_DIMS);
        RNNSCAN_TRY(parse_dim(c, &h->shape[h->ndim]));
        h->ndim++;
        if (!accept(c, ',')) {
            if (!accept(c, ')'))
                return unexpected(c, "',' or ')' in 'shape'");
            break;
        }
    }
    return RNNSCAN_OK;
}

/* Maps the dtype string onto kind / itemsize / byte order; unknown dtypes
 * keep kind 0 and are refused by the reader, which knows what it wanted. */
static void classify_descr(npy_header *h, int cut)
{
    const char *d = h->descr;
    h->kind = 0;
    if (cut || strlen(d) != 3)
        return;
    /* '=' is native order; numpy also reads '|' ("not applicable") as native. */
    static const uint16_t one = 1;
    int native_big = *(const unsigned char *)&one == 0;
    if (d[0] == '<')
        h->big_endian = 0;
    else if (d[0] == '>')
        h->big_endian = 1;
    else if (d[0] == '=' || d[0] == '|')
        h->big_endian = native_big;
    else
        return;
    if ((d[1] != 'f' && d[1] != 'i') || (d[2] != '4' && d[2] != '8'))
        return;
    h->kind = d[1];
    h->itemsize = d[2] - '0';
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

static rnnscan_status parse_entry(cursor *c, npy_header *h, int *seen)
{
    char key[32];
    int cut;
    RNNSCAN_TRY(parse_string(c, key, sizeof key, &cut, "a quoted key"));
    int which = cut                                   ? 0
                : strcmp(key, "descr") == 0         ? KEY_DESCR
                : strcmp(key, "fortran_order") == 0 ? KEY_FORTRAN
                : strcmp(key, "shape") == 0         ? KEY_SHAPE
                                                    : 0;
    if (!which)
        return FAIL("bad header: unknown key '%s%s' (expected 'descr', 'fortran_order', "
                    "'shape')",
                    key, cut ? "..." : "");
    if (*seen & which)
        return FAIL("bad header: key '%s' appears twice", key);
    *seen |= which;
    if (!accept(c, ':'))
        return unexpected(c, "':' after a key");
    switch (which) {
    case KEY_DESCR:
        skip_space(c);
        if (c->p < c->end && *c->p == '[')
            return FAIL("unsupported dtype: a structured (record) dtype; expected a plain "
                        "float or int array");
        RNNSCAN_TRY(parse_string(c, h->descr, sizeof h->descr, &cut, "a quoted 'descr'"));
        if (cut) /* mark the cut in messages */
            memcpy(h->descr + sizeof h->descr - 4, "...", 4);
        classify_descr(h, cut);
        return RNNSCAN_OK;
    case KEY_FORTRAN:
        return parse_bool(c, &h->fortran_order);
    default:
        return parse_shape(c, h);
    }
}

static rnnscan_status parse_dict(cursor *c, npy_header *h)
{
    int seen = 0;
    if (!accept(c, '{'))
        return unexpected(c, "'{' opening the header dict");
    while (!accept(c, '}')) {
        RNNSCAN_TRY(parse_entry(c, h, &seen));
        if (!accept(c, ',')) {
            if (!accept(c, '}'))
                return unexpected(c, "',' or '}' in the header dict");
            break;
        }
    }
    skip_space(c); /* numpy pads with spaces and a final '\n' */
    if (c->p != c->end)
        return unexpected(c, "only padding after the header dict");
    static const struct {
        int bit;
        const char *name;
    } keys[] = {{KEY_DESCR, "descr"}, {KEY_FORTRAN, "fortran_order"}, {KEY_SHAPE, "shape"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!(seen & keys[i].bit))
            return FAIL("bad header: key '%s' is missing", keys[i].name);
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npy_header_parse(const unsigned char *data, size_t size, npy_header *h)
{
    memset(h, 0, sizeof *h);
    if (size < sizeof magic || memcmp(data, magic, sizeof magic) != 0)
        return FAIL("not a .npy image: it does not start with \\x93NUMPY");
    if (size < 8)
        return FAIL("truncated: %zu bytes, the preamble needs at least 10", size);
    int major = data[6], minor = data[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return FAIL("unsupported format version %d.%d (expected 1.0, 2.0 or 3.0)", major, minor);
    /* 1.0: 2-byte little-endian header length; 2.0 and 3.0 (UTF-8 header): 4 bytes. */
    size_t len_bytes = major == 1 ? 2 : 4, start = 8 + len_bytes;
    if (size < start)
        return FAIL("truncated: %zu bytes, the version %d.0 preamble needs %zu", size, major,
                    start);
    size_t header_len = 0;
    for (size_t i = len_bytes; i-- > 0;)
        header_len = header_len << 8 | data[8 + i];
    if (header_len > size - start)
        return FAIL("truncated: the header length is %zu bytes but only %zu follow the "
                    "preamble",
                    header_len, size - start);

    cursor c = {(const char *)data + start, (const char *)data + start,
                (const char *)data + start + header_len};
    RNNSCAN_TRY(parse_dict(&c, h));
    h->data_offset = start + header_len;
    h->elems = 1;
    for (int i = 0; i < h->ndim; i++) {
        if (!rnnscan_mul_size(&h->elems, h->elems, h->shape[i])) {
            char shape[256];
            rnnscan_format_shape(shape, sizeof shape, h->ndim, h->shape);
            return FAIL("shape %s has more elements than size_t can count", shape);
        }
    }
    return RNNSCAN_OK;
}

void rnnscan_format_shape(char *buf, size_t cap, int ndim, const size_t *shape)
{
    size_t at = 0;
    /* snprintf returns what it wanted to write: stop adding once full */
#define APPEND(...)                                                   \
    do {                                                              \
        if (at < cap) {                                               \
            int n_ = snprintf(buf + at, cap - at, __VA_ARGS__);       \
            at += n_ > 0 ? (size_t)n_ : 0;                            \
        }                                                             \
    } while (0)
    if (cap > 0)
        buf[0] = '\0';
    APPEND("(");
    for (int i = 0; i < ndim; i++)
        APPEND(i == 0 ? "%zu" : ", %zu", shape[i]);
    APPEND(ndim == 1 ? ",)" : ")");
#undef APPEND
}

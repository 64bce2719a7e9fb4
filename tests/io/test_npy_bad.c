/* Every way a .npy image can be wrong: the exact status, a message that names
 * the problem, and *out left zeroed. */
#include <stdlib.h>

#include "io_test.h"

static const float six[6] = {1, 2, 3, 4, 5, 6};

/* Parses the image with the float reader and checks the failure. */
static void assert_float_fails(const void *img, size_t size, rnnscan_status want,
                               const char *part)
{
    rnnscan_array a;
    memset(&a, 0x5a, sizeof a);
    assert_fails(rnnscan_npy_parse(img, size, &a), want, part);
    cr_assert(a.ndim == 0 && a.data == NULL && a.shape[0] == 0, "out not zeroed on failure");
}

static void assert_int_fails(const void *img, size_t size, const char *part)
{
    rnnscan_int_array a;
    memset(&a, 0x5a, sizeof a);
    assert_fails(rnnscan_npy_parse_int(img, size, &a), RNNSCAN_FORMAT_ERROR, part);
    cr_assert(a.ndim == 0 && a.data == NULL, "out not zeroed on failure");
}

/* A hand-made version 1.0 image with this header and 24 bytes of data. */
static void assert_header_fails(const char *header, const char *part)
{
    size_t size;
    unsigned char *img = make_npy(1, header, six, sizeof six, &size);
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, part);
    free(img);
}

/* Each prefix of a good file fails with the message for where it stops. */
static void assert_truncations(const char *file, size_t preamble, int is_int)
{
    size_t size;
    unsigned char *img = slurp(file, &size);
    size_t data_at = preamble + (size_t)(img[8] | img[9] << 8);
    if (preamble == 12)
        data_at += (size_t)(img[10] << 16 | img[11] << 24);
    for (size_t len = 0; len < size; len++) {
        /* a copy of exactly len bytes, so ASan sees any read past the end */
        unsigned char *cut = malloc(len ? len : 1);
        memcpy(cut, img, len);
        const char *part = len < 6            ? "not a .npy image"
                           : len < preamble   ? "truncated: "
                           : len < data_at    ? "truncated: the header length is"
                                              : "data truncated: shape (";
        if (is_int)
            assert_int_fails(cut, len, part);
        else
            assert_float_fails(cut, len, RNNSCAN_FORMAT_ERROR, part);
        free(cut);
    }
    free(img);
}

Test(npy_bad, truncated_at_every_offset)
{
    assert_truncations(FIXTURE("f4_v1.npy"), 10, 0);
    assert_truncations(FIXTURE("f4_v2.npy"), 12, 0);
    assert_truncations(FIXTURE("f4_v3.npy"), 12, 0);
    assert_truncations(FIXTURE("f8_be_fortran_3d.npy"), 10, 0);
    assert_truncations(FIXTURE("i8_be.npy"), 10, 1);
}

Test(npy_bad, data_shorter_than_the_shape)
{
    size_t size;
    unsigned char *img =
        make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", six, 20, &size);
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR,
                       "npy: data truncated: shape (2, 3) of '<f4' needs 24 bytes, found 20");
    free(img);
}

Test(npy_bad, magic_and_version)
{
    size_t size;
    unsigned char *img = slurp(FIXTURE("f4_v1.npy"), &size);
    img[5] = 'Z';
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, "not a .npy image");
    img[5] = 'Y';
    img[0] = 0x94;
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, "not a .npy image");
    img[0] = 0x93;
    img[6] = 4;
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, "unsupported format version 4.0");
    img[6] = 1;
    img[7] = 1;
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, "unsupported format version 1.1");
    img[7] = 0;
    assert_float_fails("PK\x03\x04 not npy", 13, RNNSCAN_FORMAT_ERROR, "not a .npy image");
    assert_float_fails(NULL, 0, RNNSCAN_FORMAT_ERROR, "not a .npy image");
    free(img);
}

Test(npy_bad, header_length_beyond_the_file)
{
    size_t size;
    unsigned char *img = slurp(FIXTURE("f4_v1.npy"), &size);
    img[8] = 0xff;
    img[9] = 0xff;
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR,
                       "the header length is 65535 bytes but only 142 follow");
    free(img);
    img = slurp(FIXTURE("f4_v2.npy"), &size);
    memset(img + 8, 0xff, 4);
    assert_float_fails(img, size, RNNSCAN_FORMAT_ERROR, "header length is 4294967295 bytes");
    free(img);
}

Test(npy_bad, shapes_that_overflow)
{
    /* the element count overflows */
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (4294967296, 4294967296, 4294967296)}",
                        "shape (4294967296, 4294967296, 4294967296) has more elements than "
                        "size_t can count");
    /* the count fits, the byte count does not */
    assert_header_fails("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (2305843009213693952,)}",
                        "shape (2305843009213693952,) of '<f8' has more bytes than size_t");
    /* one dimension is already too big */
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (99999999999999999999999,)}",
                        "a dimension in 'shape' does not fit size_t");
    /* fits, but far more data than there is: refused before allocating */
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}",
                        "needs 4000000000000 bytes, found 24");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}",
                        "shape has more than 8 dimensions");
}

Test(npy_bad, header_dict_errors)
{
    assert_header_fails("{'descr': '<f4', 'fortran_order': False}", "key 'shape' is missing");
    assert_header_fails("{'shape': (6,), 'fortran_order': False}", "key 'descr' is missing");
    assert_header_fails("{'descr': '<f4', 'shape': (6,)}", "key 'fortran_order' is missing");
    assert_header_fails("{}", "key 'descr' is missing");
    assert_header_fails("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                        "'shape': (6,)}",
                        "key 'descr' appears twice");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}",
                        "unknown key 'x'");
    assert_header_fails("", "expected '{' opening the header dict at byte 0, found the end");
    assert_header_fails("hello", "expected '{' opening the header dict at byte 0, found 'hello'");
    assert_header_fails("{'descr': '<f4', 'fortran_order': Flase, 'shape': (6,)}",
                        "expected True or False for 'fortran_order' at byte 34, found "
                        "'Flase, 'shape': '");
    assert_header_fails("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (6,)}",
                        "a separator after True/False");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}",
                        "expected a non-negative integer in 'shape'");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': [6]}",
                        "expected '(' opening the 'shape' tuple");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (6 7)}",
                        "expected ',' or ')' in 'shape'");
    assert_header_fails("{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}",
                        "expected ',' or '}' in the header dict");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x",
                        "expected only padding after the header dict");
    assert_header_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\x01",
                        "expected only padding after the header dict at byte 55, found '?'");
    assert_header_fails("{'descr: '<f4', 'fortran_order': False, 'shape': (6,)}",
                        "unknown key 'descr: '");
    assert_header_fails("{'descr': '<f4", "expected a closed string");
    assert_header_fails("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,)}",
                        "a string without escapes");
    assert_header_fails("{descr: '<f4', 'fortran_order': False, 'shape': (6,)}",
                        "expected a quoted key");
    assert_header_fails("{'descr' '<f4', 'fortran_order': False, 'shape': (6,)}",
                        "expected ':' after a key");
    assert_header_fails("{'descr': <f4, 'fortran_order': False, 'shape': (6,)}",
                        "expected a quoted 'descr'");
    /* non-printable bytes are shown as '?' */
    assert_header_fails("{\x01\x02}", "found '\?\?}'");
}

Test(npy_bad, unsupported_dtypes_are_named)
{
    rnnscan_array a;
    assert_fails(rnnscan_npy_read(FIXTURE("object.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '|O' (Python objects, stored pickled); expected '<f4', "
                 "'>f4', '<f8' or '>f8'");
    assert_fails(rnnscan_npy_read(FIXTURE("f2.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '<f2'");
    assert_fails(rnnscan_npy_read(FIXTURE("c8.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '<c8'");
    assert_fails(rnnscan_npy_read(FIXTURE("i4_le.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '<i4' (integers: rnnscan_npy_parse_int)");
    rnnscan_int_array ia;
    assert_fails(rnnscan_npy_read_int(FIXTURE("f4_v1.npy"), &ia), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '<f4' (floats: rnnscan_npy_parse); expected '<i4', '>i4', "
                 "'<i8' or '>i8'");
    assert_fails(rnnscan_npy_read_int(FIXTURE("object.npy"), &ia), RNNSCAN_FORMAT_ERROR,
                 "'|O'");
    assert_header_fails("{'descr': '<u4', 'fortran_order': False, 'shape': (6,)}",
                        "unsupported dtype '<u4'");
    assert_header_fails("{'descr': 'f4', 'fortran_order': False, 'shape': (6,)}",
                        "unsupported dtype 'f4'");
    assert_header_fails("{'descr': '<f16', 'fortran_order': False, 'shape': (6,)}",
                        "unsupported dtype '<f16'");
    assert_header_fails("{'descr': 'float32', 'fortran_order': False, 'shape': (6,)}",
                        "unsupported dtype 'float32'");
    assert_header_fails("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)}",
                        "structured (record) dtype");
    assert_header_fails("{'descr': 'abcdefghijklmnopqrstuvwxyz', 'fortran_order': False, "
                        "'shape': (6,)}",
                        "unsupported dtype 'abcdefghijklmnopqrst...'");
}

Test(npy_bad, integers_that_do_not_fit_an_int)
{
    rnnscan_int_array a;
    assert_fails(rnnscan_npy_read_int(FIXTURE("i8_too_big.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "value 1099511627776 (element 1 in C order) of '<i8' does not fit an int");
    cr_assert_eq(a.data, NULL);
    long long small[1] = {-2147483649LL};
    size_t size;
    unsigned char *img =
        make_npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': ()}", small, 8, &size);
    assert_int_fails(img, size, "value -2147483649 (element 0");
    free(img);
}

Test(npy_bad, bad_arguments)
{
    size_t size;
    unsigned char *img = slurp(FIXTURE("f4_v1.npy"), &size);
    assert_fails(rnnscan_npy_parse(img, size, NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    assert_fails(rnnscan_npy_parse_int(img, size, NULL), RNNSCAN_INVALID_ARGUMENT,
                 "out is NULL");
    assert_float_fails(NULL, 10, RNNSCAN_INVALID_ARGUMENT, "data is NULL");
    free(img);
}

/* OpenCL-specific failures: device choice, device limits, build failures.
 * Each returns its status with the detail reachable from the caller. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "harness.h"

Test(opencl_errors, list_devices)
{
    int count = -1;
    cr_assert_eq(rnnscan_list_devices(NULL, 0, &count), RNNSCAN_OK, "%s", rnnscan_last_error());
    if (count == 0)
        rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL)); /* skips or fails */
    rnnscan_device_info info[4];
    int n = 0;
    cr_assert_eq(rnnscan_list_devices(info, 4, &n), RNNSCAN_OK);
    cr_expect_eq(n, count);
    cr_expect_eq(info[0].index, 0);
    cr_expect(strlen(info[0].device_name) > 0);
    cr_expect_gt(info[0].max_alloc_bytes, 0);
    cr_expect_eq(rnnscan_list_devices(NULL, 0, NULL), RNNSCAN_INVALID_ARGUMENT);
    cr_expect_eq(rnnscan_list_devices(NULL, 2, &n), RNNSCAN_INVALID_ARGUMENT);
}

Test(opencl_errors, device_spec_not_found)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    rnnscan_context *ctx = (rnnscan_context *)&ctx;
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL,
                                    .device = "no-such-device-xyz"};
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_DEVICE_NOT_FOUND);
    cr_expect(strstr(rnnscan_last_error(), "no-such-device-xyz") != NULL, "%s",
              rnnscan_last_error());
    cr_expect_null(ctx);
    opts.device = "99";
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_DEVICE_NOT_FOUND);
    /* the environment variable, when no spec is given */
    setenv("RNNSCAN_DEVICE", "still-no-such-device", 1);
    opts.device = NULL;
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_DEVICE_NOT_FOUND);
    cr_expect(strstr(rnnscan_last_error(), "RNNSCAN_DEVICE") != NULL, "%s", rnnscan_last_error());
    /* index and case-insensitive substring select */
    setenv("RNNSCAN_DEVICE", "0", 1);
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
    rnnscan_device_info info;
    int n;
    rnnscan_list_devices(&info, 1, &n);
    char upper[8] = {0};
    for (int i = 0; i < 4 && info.device_name[i]; i++)
        upper[i] = (char)((info.device_name[i] >= 'a' && info.device_name[i] <= 'z')
                              ? info.device_name[i] - 32 : info.device_name[i]);
    rnnscan_context_free(ctx);
    unsetenv("RNNSCAN_DEVICE");
    opts.device = upper;
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "spec '%s': %s", upper,
                 rnnscan_last_error());
    rnnscan_context_free(ctx);
}

/* Kernels are built when a model needs them: a failing build fails
 * model_create with the build log, and leaves the context usable. */
Test(opencl_errors, build_failure_hands_over_the_log)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    /* extra build options redefine a tile size as something that is not a number */
    setenv("RNNSCAN_BUILD_OPTIONS", "-DRNNSCAN_TILE_ROWS=rnnscan_no_such_symbol", 1);
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL};
    rnnscan_context *ctx = NULL;
    cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
    unsetenv("RNNSCAN_BUILD_OPTIONS"); /* read at context creation */
    float w[4 * 3 * 2] = {0};
    rnnscan_weights weights = {.w_ih = w, .w_hh = w};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_GRU, .input_size = 2, .hidden_size = 2};
    rnnscan_model *m = (rnnscan_model *)&m;
    cr_expect_eq(rnnscan_model_create(ctx, &desc, &weights, &m), RNNSCAN_BUILD_FAILED);
    cr_expect_null(m);
    const char *msg = rnnscan_last_error();
    cr_expect(strstr(msg, "clBuildProgram") != NULL, "%s", msg);
    cr_expect(strstr(msg, "rnnscan_no_such_symbol") != NULL, "no build log in: %s", msg);
    cr_expect(strstr(rnnscan_context_error(ctx), "rnnscan_no_such_symbol") != NULL,
              "the context's detail: %s", rnnscan_context_error(ctx));
    rnnscan_context_free(ctx);
}

Test(opencl_errors, unknown_tuning_is_refused)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    setenv("RNNSCAN_TUNING", "fpga", 1);
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL};
    rnnscan_context *ctx = (rnnscan_context *)&ctx;
    cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_INVALID_ARGUMENT);
    cr_expect_null(ctx);
    const char *msg = rnnscan_last_error();
    cr_expect(strstr(msg, "RNNSCAN_TUNING") != NULL && strstr(msg, "fpga") != NULL, "%s", msg);
    unsetenv("RNNSCAN_TUNING");
}

/* Weights above the device's largest allocation are refused at model
 * creation, naming the limit; a scan above it runs in chunks instead
 * (tests/test_opencl_limits.c). */
Test(opencl_errors, weights_larger_than_max_alloc)
{
    rnnscan_context *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    rnnscan_device_info info;
    int n;
    cr_assert_eq(rnnscan_list_devices(&info, 1, &n), RNNSCAN_OK);
    size_t limit_floats = info.max_alloc_bytes / sizeof(float);
    float w = 0.5f;
    rnnscan_weights weights = {.w_ih = &w, .w_hh = &w};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_RNN_TANH, .input_size = 1, .hidden_size = 1,
                               .num_layers = 1};
    size_t huge = limit_floats / 16 + 1; /* w_ih packed as [X][16] with H = 1 */
    desc.input_size = (int)(huge < 0x7fffffff ? huge : 0x7fffffff);
    float *big = calloc((size_t)desc.input_size, sizeof *big);
    if (big && huge < 0x7fffffff) {
        weights.w_ih = big;
        rnnscan_model *m2 = (rnnscan_model *)&m2;
        cr_expect_eq(rnnscan_model_create(ctx, &desc, &weights, &m2), RNNSCAN_TOO_LARGE, "%s",
                     rnnscan_last_error());
        cr_expect_null(m2);
        cr_expect(strstr(rnnscan_last_error(), "CL_DEVICE_MAX_MEM_ALLOC_SIZE") != NULL, "%s",
                  rnnscan_last_error());
    } else {
        cr_log_warn("device limit %zu bytes too large to test on this host", info.max_alloc_bytes);
    }
    free(big);
    rnnscan_context_free(ctx);
}

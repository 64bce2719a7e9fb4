/* Shared by every rnnscan kernel file; the host prepends it to the others.
 *
 * Compile-time parameters (the host passes -D options; defaults let each file
 * compile on its own):
 *   RNNSCAN_WG   work-group size along the hidden dimension of a step kernel
 *   RNNSCAN_TILE_ROWS / RNNSCAN_TILE_COLS   input-projection tile (rows of
 *                x times columns of the gate matrix per work-item)
 * Math is IEEE single precision with the accurate built-ins (no
 * -cl-fast-relaxed-math): an RNN feeds rounding error through every step. */
#ifndef RNNSCAN_WG
#define RNNSCAN_WG 64
#endif

inline float rnnscan_sigmoid(float v) { return 1.0f / (1.0f + exp(-v)); }

/* tanh that saturates exactly: for |v| > 9, 1 - tanh(v) < 2^-25, so the
 * correctly rounded float is +-1; some built-in tanh (PoCL's) return
 * 0.99999994 there, one ulp short. */
inline float rnnscan_tanh(float v) { return fabs(v) > 9.0f ? copysign(1.0f, v) : tanh(v); }

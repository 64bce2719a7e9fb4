/* Per-call sequence order: sequences ranked by length, longest first (ties in
 * batch order), and the packed layout built on it; moving inputs, outputs and
 * states between the caller's layout and the packed / ranked one. */
#include <string.h>

#include "cpu.h"

void cpu_order_make(cpu_order *o, int T, int B, const int *lengths, int batch_first, int *perm,
                    int *act, size_t *off)
{
    o->T = T;
    o->B = B;
    o->perm = perm;
    o->act = act;
    o->off = off;
    int all_full = 1;
    for (int b = 0; lengths && b < B; b++)
        all_full &= lengths[b] == T;
    o->identity = all_full && !batch_first;
    if (all_full) {
        for (int b = 0; b < B; b++)
            perm[b] = b;
        for (int t = 0; t < T; t++)
            act[t] = B;
    } else { /* counting sort on the length, stable */
        memset(act, 0, (size_t)T * sizeof *act);
        for (int b = 0; b < B; b++)
            act[lengths[b] - 1]++; /* for now: how many have length t + 1 */
        for (int t = T - 2; t >= 0; t--)
            act[t] += act[t + 1]; /* now: how many are longer than t */
        for (int len = 1; len <= T; len++) /* off[len]: first rank of length len */
            off[len] = len < T ? (size_t)act[len] : 0;
        for (int b = 0; b < B; b++)
            perm[off[lengths[b]]++] = b;
    }
    off[0] = 0;
    for (int t = 0; t < T; t++)
        off[t + 1] = off[t] + (size_t)act[t];
}

/* Row of (t, b) in the caller's [T][B] or [B][T] layout. */
static size_t caller_row(const cpu_order *o, int batch_first, int t, int b)
{
    return batch_first ? (size_t)b * (size_t)o->T + (size_t)t : (size_t)t * (size_t)o->B + (size_t)b;
}

void cpu_gather_input(const cpu_order *o, int batch_first, const float *x, int X, float *dst)
{
    const size_t bytes = (size_t)X * sizeof *x;
    for (int t = 0; t < o->T; t++)
        for (int r = 0; r < o->act[t]; r++)
            memcpy(dst + (o->off[t] + (size_t)r) * (size_t)X,
                   x + caller_row(o, batch_first, t, o->perm[r]) * (size_t)X, bytes);
}

void cpu_scatter_output(const cpu_order *o, int batch_first, const float *src, int W, float *y)
{
    const size_t bytes = (size_t)W * sizeof *y;
    for (int t = 0; t < o->T; t++)
        for (int r = 0; r < o->B; r++) {
            float *row = y + caller_row(o, batch_first, t, o->perm[r]) * (size_t)W;
            if (r < o->act[t])
                memcpy(row, src + (o->off[t] + (size_t)r) * (size_t)W, bytes);
            else
                memset(row, 0, bytes);
        }
}

void cpu_state_in(const cpu_order *o, const float *src, int H, float *dst)
{
    const size_t bytes = (size_t)H * sizeof *dst;
    for (int r = 0; r < o->B; r++) {
        if (src)
            memcpy(dst + (size_t)r * H, src + (size_t)o->perm[r] * H, bytes);
        else
            memset(dst + (size_t)r * H, 0, bytes);
    }
}

void cpu_state_out(const cpu_order *o, const float *src, int H, float *dst)
{
    for (int r = 0; r < o->B; r++)
        memcpy(dst + (size_t)o->perm[r] * H, src + (size_t)r * H, (size_t)H * sizeof *dst);
}

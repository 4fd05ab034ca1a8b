// Sixteen frames that share one code, decoded together: lane f of every vector belongs to frame
// f, so a variable's sixteen beliefs and an edge's sixteen messages are one 64-byte vector and
// the layer needs no gathers or scatters of beliefs (only the phi table is gathered). Messages
// are stored as half-precision floats (11 significant bits, plenty for log-likelihood ratios
// below 20), halving the memory traffic of the pass; arithmetic is in single precision.
#include "decoder.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BATCH_TARGET __attribute__((target("avx512f,avx512bw,f16c")))

BATCH_TARGET static inline __m512 phi16(__m512 x, const float *table, __m512 vscale, __m512 vsteps) {
    __m512i index = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_mul_ps(x, vscale), vsteps));
    return _mm512_i32gather_ps(index, table, 4);
}

BATCH_TARGET
void diqkd_ldpc_layer16(float *L, uint16_t *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                        const uint16_t *syndrome, const float *table, float scale, int32_t steps, float *scratch) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512 vsteps = _mm512_set1_ps((float)steps);
    for (size_t c = 0; c < checks; c++) {
        const int32_t first = start[c], last = start[c + 1];
        __mmask16 negative = syndrome[c];
        __m512 total = zero;
        // The beliefs are 64 bytes per variable in random order, far beyond the caches for long
        // frames: ask for the lines of a check two ahead (into L2: a check of 150 edges
        // already fills much of L1) while this one is computed.
        if (c + 2 < checks) {
            for (int32_t e = start[c + 2]; e < start[c + 3]; e++) {
                _mm_prefetch((const char *)(L + 16 * (size_t)edge_variable[e]), _MM_HINT_T1);
            }
        }
        // Pass 1: variable-to-check values t = L - R (kept in scratch), parity of their signs,
        // phi of their magnitudes (kept in scratch) and its sum.
        for (int32_t e = first; e < last; e++) {
            float *lv = L + 16 * (size_t)edge_variable[e];
            __m512 r = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(R + 16 * (size_t)e)));
            __m512 t = _mm512_sub_ps(_mm512_loadu_ps(lv), r);
            negative ^= _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
            __m512 m = phi16(_mm512_abs_ps(t), table, vscale, vsteps);
            _mm512_storeu_ps(scratch + 32 * (size_t)(e - first), t);
            _mm512_storeu_ps(scratch + 32 * (size_t)(e - first) + 16, m);
            total = _mm512_add_ps(total, m);
        }
        // Pass 2: each edge's message from the others, back into R and the beliefs.
        for (int32_t e = first; e < last; e++) {
            __m512 t = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first));
            __m512 m = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first) + 16);
            __m512 magnitude = phi16(_mm512_max_ps(zero, _mm512_sub_ps(total, m)), table, vscale, vsteps);
            __mmask16 own = _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
            __m512 message = _mm512_mask_sub_ps(magnitude, (__mmask16)(negative ^ own), zero, magnitude);
            _mm256_storeu_si256((__m256i *)(R + 16 * (size_t)e), _mm512_cvtps_ph(message, _MM_FROUND_TO_NEAREST_INT));
            _mm512_storeu_ps(L + 16 * (size_t)edge_variable[e], _mm512_add_ps(t, message));
        }
    }
}

BATCH_TARGET
uint32_t diqkd_ldpc_unsatisfied16(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                                  const uint16_t *syndrome) {
    const __m512 zero = _mm512_setzero_ps();
    __mmask16 failing = 0;
    for (size_t c = 0; c < checks; c++) {
        __mmask16 parity = syndrome[c];
        for (int32_t e = start[c]; e < start[c + 1]; e++) {
            parity ^= _mm512_cmp_ps_mask(_mm512_loadu_ps(L + 16 * (size_t)edge_variable[e]), zero, _CMP_LT_OQ);
        }
        failing |= parity;
    }
    return failing;
}
#else
void diqkd_ldpc_layer16(float *L, uint16_t *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                        const uint16_t *syndrome, const float *table, float scale, int32_t steps, float *scratch) {
    (void)L; (void)R; (void)start; (void)edge_variable; (void)checks; (void)syndrome; (void)table; (void)scale;
    (void)steps; (void)scratch;
}
uint32_t diqkd_ldpc_unsatisfied16(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                                  const uint16_t *syndrome) {
    (void)L; (void)start; (void)edge_variable; (void)checks; (void)syndrome;
    return 0xFFFF;
}
#endif

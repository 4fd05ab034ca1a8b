// The inner loop of the LDPC syndrome decoder, vectorised: each check's edges are processed
// sixteen at a time (beliefs gathered by variable, phi looked up by gather, beliefs scattered
// back; a check never names a variable twice, so scatters do not collide).
#include "decoder.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

void *diqkd_large_alloc(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes == 0) bytes = 1;
    if (bytes < huge) return calloc(1, bytes);
    void *pointer = NULL;
    const size_t rounded = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&pointer, huge, rounded) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(pointer, rounded, MADV_HUGEPAGE);
#endif
    memset(pointer, 0, bytes);
    return pointer;
}

void diqkd_large_free(void *pointer, size_t bytes) {
    (void)bytes;
    free(pointer);
}

#if defined(__x86_64__)
#include <immintrin.h>

int diqkd_ldpc_vector_available(void) {
    __builtin_cpu_init();
    // The batch and quasi-cyclic layers also use AVX-512 BW/DQ and half-precision conversions.
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("f16c");
}

__attribute__((target("avx512f")))
void diqkd_ldpc_layer(float *L, float *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                      const uint64_t *syndrome, const float *table, float scale, int32_t steps, float *scratch) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512 vsteps = _mm512_set1_ps((float)steps);
    for (size_t c = 0; c < checks; c++) {
        const int32_t first = start[c], last = start[c + 1];
        int negative = (int)((syndrome[c >> 6] >> (c & 63)) & 1);
        __m512 totals = zero;
        for (int32_t e = first; e < last; e += 16) {
            const int32_t count = last - e < 16 ? last - e : 16;
            const __mmask16 mask = (__mmask16)((1u << count) - 1u);
            const __m512i variables = _mm512_maskz_loadu_epi32(mask, edge_variable + e);
            const __m512 beliefs = _mm512_mask_i32gather_ps(zero, mask, variables, L, 4);
            const __m512 t = _mm512_sub_ps(beliefs, _mm512_maskz_loadu_ps(mask, R + e));
            _mm512_mask_storeu_ps(R + e, mask, t);
            negative ^= __builtin_popcount((unsigned)_mm512_mask_cmp_ps_mask(mask, t, zero, _CMP_LT_OQ)) & 1;
            const __m512 magnitude = _mm512_abs_ps(t);
            const __m512i index = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_mul_ps(magnitude, vscale), vsteps));
            const __m512 m = _mm512_mask_i32gather_ps(zero, mask, index, table, 4);
            _mm512_mask_storeu_ps(scratch + (e - first), mask, m);
            totals = _mm512_add_ps(totals, m);
        }
        const __m512 total = _mm512_set1_ps(_mm512_reduce_add_ps(totals));
        for (int32_t e = first; e < last; e += 16) {
            const int32_t count = last - e < 16 ? last - e : 16;
            const __mmask16 mask = (__mmask16)((1u << count) - 1u);
            const __m512i variables = _mm512_maskz_loadu_epi32(mask, edge_variable + e);
            const __m512 t = _mm512_maskz_loadu_ps(mask, R + e);
            const __m512 others = _mm512_max_ps(zero, _mm512_sub_ps(total, _mm512_maskz_loadu_ps(mask, scratch + (e - first))));
            const __m512i index = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_mul_ps(others, vscale), vsteps));
            const __m512 magnitude = _mm512_mask_i32gather_ps(zero, mask, index, table, 4);
            // The message is negative when the other signs (with the syndrome bit) are odd:
            // the total parity differs from this edge's own sign.
            __mmask16 own = _mm512_mask_cmp_ps_mask(mask, t, zero, _CMP_LT_OQ);
            __mmask16 flip = negative ? (__mmask16)(~own & mask) : own;
            const __m512 message = _mm512_mask_sub_ps(magnitude, flip, zero, magnitude);
            _mm512_mask_i32scatter_ps(L, mask, variables, _mm512_add_ps(t, message), 4);
            _mm512_mask_storeu_ps(R + e, mask, message);
        }
    }
}
__attribute__((target("avx512f")))
int diqkd_ldpc_satisfied(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                         const uint64_t *syndrome) {
    const __m512 zero = _mm512_setzero_ps();
    for (size_t c = 0; c < checks; c++) {
        int parity = (int)((syndrome[c >> 6] >> (c & 63)) & 1);
        for (int32_t e = start[c]; e < start[c + 1]; e += 16) {
            const int32_t count = start[c + 1] - e < 16 ? start[c + 1] - e : 16;
            const __mmask16 mask = (__mmask16)((1u << count) - 1u);
            const __m512i variables = _mm512_maskz_loadu_epi32(mask, edge_variable + e);
            const __m512 beliefs = _mm512_mask_i32gather_ps(zero, mask, variables, L, 4);
            parity ^= __builtin_popcount((unsigned)_mm512_mask_cmp_ps_mask(mask, beliefs, zero, _CMP_LT_OQ)) & 1;
        }
        if (parity) return 0;
    }
    return 1;
}
#else
int diqkd_ldpc_vector_available(void) { return 0; }
int diqkd_ldpc_satisfied(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                         const uint64_t *syndrome) {
    (void)L; (void)start; (void)edge_variable; (void)checks; (void)syndrome;
    return 0;
}
void diqkd_ldpc_layer(float *L, float *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                      const uint64_t *syndrome, const float *table, float scale, int32_t steps, float *scratch) {
    (void)L; (void)R; (void)start; (void)edge_variable; (void)checks; (void)syndrome; (void)table; (void)scale;
    (void)steps; (void)scratch;
}
#endif

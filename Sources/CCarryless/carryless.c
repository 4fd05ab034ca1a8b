// GF(2)[z] multiplication for Toeplitz hashing: Karatsuba over 64-bit words, with the
// processor's carry-less multiply for the base case where it exists.
#include "carryless.h"
#include "clmul_portable.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <arm_neon.h>
#ifndef HWCAP_PMULL
#define HWCAP_PMULL (1 << 4)
#endif
#endif

typedef void (*base_fn)(const uint64_t *, const uint64_t *, size_t, uint64_t *);

// ---------------------------------------------------------------------------------------
// Base cases: schoolbook n x n word products, out has 2n words (overwritten).


static void base_soft(const uint64_t *a, const uint64_t *b, size_t n, uint64_t *r) {
    memset(r, 0, 2 * n * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        if (a[i] == 0) continue;
        for (size_t j = 0; j < n; j++) {
            uint64_t lo, hi;
            clmul_portable(a[i], b[j], &lo, &hi);
            r[i + j] ^= lo; r[i + j + 1] ^= hi;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("pclmul,sse4.1")))
static void base_hw(const uint64_t *a, const uint64_t *b, size_t n, uint64_t *r) {
    memset(r, 0, 2 * n * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        __m128i ai = _mm_cvtsi64_si128((long long)a[i]);
        __m128i carry = _mm_setzero_si128();
        for (size_t j = 0; j < n; j++) {
            __m128i p = _mm_clmulepi64_si128(ai, _mm_cvtsi64_si128((long long)b[j]), 0x00);
            r[i + j] ^= (uint64_t)_mm_cvtsi128_si64(p) ^ (uint64_t)_mm_cvtsi128_si64(carry);
            carry = _mm_srli_si128(p, 8);
        }
        r[i + n] ^= (uint64_t)_mm_cvtsi128_si64(carry);
    }
}
#elif defined(__aarch64__) && defined(__ARM_FEATURE_AES)
static void base_hw(const uint64_t *a, const uint64_t *b, size_t n, uint64_t *r) {
    memset(r, 0, 2 * n * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            poly128_t p = vmull_p64((poly64_t)a[i], (poly64_t)b[j]);
            uint64x2_t q = vreinterpretq_u64_p128(p);
            r[i + j] ^= vgetq_lane_u64(q, 0); r[i + j + 1] ^= vgetq_lane_u64(q, 1);
        }
    }
}
#define DIQKD_HAVE_HW_BASE 1
#else
#define DIQKD_NO_HW_BASE 1
#endif

int diqkd_clmul_hardware_available(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_PCLMUL) != 0 && (ecx & bit_SSE4_1) != 0;
#elif defined(__aarch64__) && defined(__linux__) && defined(DIQKD_HAVE_HW_BASE)
    return (getauxval(AT_HWCAP) & HWCAP_PMULL) != 0;
#else
    return 0;
#endif
}

// ---------------------------------------------------------------------------------------
// Karatsuba on equal sizes. r has 2n words; scratch needs karatsuba_scratch(n) words.

enum { KARATSUBA_THRESHOLD = 24 };

static size_t karatsuba_scratch(size_t n) {
    size_t total = 0;
    while (n > KARATSUBA_THRESHOLD) {
        size_t m = (n + 1) / 2;
        total += 8 * m;
        n = m;
    }
    return total;
}

// (a0 + a1 Z)(b0 + b1 Z) = a0 b0 + [(a0 + a1)(b0 + b1) + a0 b0 + a1 b1] Z + a1 b1 Z^2 over GF(2),
// with Z = z^(64 m), the low halves m words and the high halves k = n - m <= m words (padded).
static void karatsuba(const uint64_t *a, const uint64_t *b, size_t n, uint64_t *r, uint64_t *t, base_fn base) {
    if (n <= KARATSUBA_THRESHOLD) { base(a, b, n, r); return; }
    size_t m = (n + 1) / 2, k = n - m;
    uint64_t *a1 = t, *b1 = t + m, *am = t + 2 * m, *bm = t + 3 * m, *p1 = t + 4 * m, *mid = t + 6 * m;
    uint64_t *next = t + 8 * m;
    for (size_t i = 0; i < m; i++) {
        a1[i] = i < k ? a[m + i] : 0;
        b1[i] = i < k ? b[m + i] : 0;
        am[i] = a[i] ^ a1[i];
        bm[i] = b[i] ^ b1[i];
    }
    karatsuba(a, b, m, r, next, base);
    karatsuba(a1, b1, m, p1, next, base);
    karatsuba(am, bm, m, mid, next, base);
    for (size_t i = 0; i < 2 * m; i++) mid[i] ^= r[i] ^ p1[i];
    memcpy(r + 2 * m, p1, 2 * k * sizeof(uint64_t));
    for (size_t i = 0; i < 2 * m; i++) r[m + i] ^= mid[i];
}

void diqkd_gf2_multiply(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
                        uint64_t *out, int use_hardware) {
    base_fn base = base_soft;
#if !defined(DIQKD_NO_HW_BASE)
    if (use_hardware && diqkd_clmul_hardware_available()) base = base_hw;
#else
    (void)use_hardware;
#endif
    memset(out, 0, (na + nb) * sizeof(uint64_t));
    if (na == 0 || nb == 0) return;
    if (na < nb) { const uint64_t *s = a; a = b; b = s; size_t m = na; na = nb; nb = m; }
    // Cut the longer factor into chunks of the shorter one's length.
    uint64_t *chunk = calloc(nb, sizeof(uint64_t));
    uint64_t *product = malloc(2 * nb * sizeof(uint64_t));
    uint64_t *scratch = malloc((karatsuba_scratch(nb) + 1) * sizeof(uint64_t));
    for (size_t start = 0; start < na; start += nb) {
        size_t len = na - start < nb ? na - start : nb;
        memcpy(chunk, a + start, len * sizeof(uint64_t));
        if (len < nb) memset(chunk + len, 0, (nb - len) * sizeof(uint64_t));
        karatsuba(chunk, b, nb, product, scratch, base);
        size_t limit = na + nb - start < 2 * nb ? na + nb - start : 2 * nb;
        for (size_t i = 0; i < limit; i++) out[start + i] ^= product[i];
    }
    free(chunk); free(product); free(scratch);
}

// Toeplitz matrix-vector products over GF(2) by the two-way split
//   [y0]   [A B] [x0]        P0 = A (x0 + x1),  P1 = (B + A) x1,  P2 = (C + A) x0,
//   [y1] = [C A] [x1],       y0 = P0 + P1,      y1 = P0 + P2,
// where A, B, C are Toeplitz blocks of half size whose defining vectors are word-aligned
// slices of the parent's: three half-size products and linear work, like Karatsuba, but
// computing only the needed (middle) coefficients.
#include "carryless.h"
#include "clmul_portable.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif


// Middle product base case: words b <= DIQKD_TMVP_BASE. P[k] for k in [b-1, 2b-1] of s * x,
// then y_w = (P[b-1+w] >> 63) | (P[b+w] << 1).
static void middle_portable(const uint64_t *s, const uint64_t *x, size_t b, uint64_t *y) {
    uint64_t p[2 * DIQKD_TMVP_BASE + 2];
    memset(p, 0, sizeof(p));
    for (size_t j = 0; j < b; j++) {
        if (x[j] == 0) continue;
        size_t first = (b >= 2 + j) ? b - 2 - j : 0;
        for (size_t i = first; i < 2 * b && i + j <= 2 * b - 1; i++) {
            uint64_t lo, hi;
            clmul_portable(s[i], x[j], &lo, &hi);
            p[i + j] ^= lo;
            p[i + j + 1] ^= hi;
        }
    }
    for (size_t w = 0; w < b; w++) y[w] = (p[b - 1 + w] >> 63) | (p[b + w] << 1);
}

#if defined(__x86_64__)
__attribute__((target("pclmul,sse4.1")))
static void middle_hardware(const uint64_t *s, const uint64_t *x, size_t b, uint64_t *y) {
    // Accumulate 128-bit products at every word offset; lanes overlap by one word.
    __m128i acc[2 * DIQKD_TMVP_BASE + 2];
    for (size_t k = 0; k < 2 * b + 1; k++) acc[k] = _mm_setzero_si128();
    for (size_t j = 0; j < b; j++) {
        __m128i xj = _mm_cvtsi64_si128((long long)x[j]);
        size_t first = (b >= 2 + j) ? b - 2 - j : 0;
        size_t last = 2 * b - 1 - j;  // inclusive
        size_t i = first;
        for (; i + 1 <= last; i += 2) {
            __m128i pair = _mm_loadu_si128((const __m128i *)(s + i));
            acc[i + j] = _mm_xor_si128(acc[i + j], _mm_clmulepi64_si128(pair, xj, 0x00));
            acc[i + j + 1] = _mm_xor_si128(acc[i + j + 1], _mm_clmulepi64_si128(pair, xj, 0x01));
        }
        if (i <= last) {
            __m128i single = _mm_cvtsi64_si128((long long)s[i]);
            acc[i + j] = _mm_xor_si128(acc[i + j], _mm_clmulepi64_si128(single, xj, 0x00));
        }
    }
    // Fold: P[k] = low(acc[k]) ^ high(acc[k-1]).
    uint64_t p[2 * DIQKD_TMVP_BASE + 2];
    p[0] = (uint64_t)_mm_cvtsi128_si64(acc[0]);
    for (size_t k = 1; k <= 2 * b; k++) {
        p[k] = (uint64_t)_mm_cvtsi128_si64(acc[k]) ^ (uint64_t)_mm_extract_epi64(acc[k - 1], 1);
    }
    for (size_t w = 0; w < b; w++) y[w] = (p[b - 1 + w] >> 63) | (p[b + w] << 1);
}

// The same with AVX-512 VPCLMULQDQ, by windows of eight output offsets held in registers:
// for offsets k0 ... k0 + 7 and each word x[j], the words s[k0 - j ... k0 - j + 7] are loaded
// once; the even-lane products land on offsets k0, k0 + 2, ... and the odd-lane ones on
// k0 + 1, k0 + 3, ..., so both accumulate in registers without shuffles or stores.
// Words of s past its end may be read (never used for a needed offset), so every buffer
// handed to this kernel has DIQKD_TMVP_SLACK readable words after it; the word before s
// is masked out.
#define VECTOR_WINDOWS ((DIQKD_TMVP_BASE + 2 + 7) / 8)

__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.1")))
static void middle_vector(const uint64_t *s, const uint64_t *x, size_t b, uint64_t *y) {
    __m128i lanes[VECTOR_WINDOWS * 8];
    const long lo = (long)b - 2;
    const int windows = (int)((b + 2 + 7) / 8);  // offsets lo ... 2b - 1, eight per window
    __m512i even[VECTOR_WINDOWS], odd[VECTOR_WINDOWS];
    for (int w = 0; w < VECTOR_WINDOWS; w++) { even[w] = _mm512_setzero_si512(); odd[w] = _mm512_setzero_si512(); }
    for (long j = 0; j < (long)b; j++) {
        __m512i xj = _mm512_set1_epi64((long long)x[j]);
        // Window 0 starts at s[lo - j], which is s[-1] for j = b - 1: mask that word out.
        long first = lo - j;
        __m512i block = first >= 0 ? _mm512_loadu_si512((const void *)(s + first))
                                   : _mm512_maskz_loadu_epi64((__mmask8)0xFE, s + first);
        even[0] = _mm512_xor_si512(even[0], _mm512_clmulepi64_epi128(block, xj, 0x00));
        odd[0] = _mm512_xor_si512(odd[0], _mm512_clmulepi64_epi128(block, xj, 0x01));
        for (int w = 1; w < VECTOR_WINDOWS; w++) {
            if (w >= windows) break;
            __m512i more = _mm512_loadu_si512((const void *)(s + first + 8 * w));
            even[w] = _mm512_xor_si512(even[w], _mm512_clmulepi64_epi128(more, xj, 0x00));
            odd[w] = _mm512_xor_si512(odd[w], _mm512_clmulepi64_epi128(more, xj, 0x01));
        }
    }
    for (int w = 0; w < windows; w++) {
        __m128i e[4], o[4];
        _mm512_storeu_si512((void *)e, even[w]);
        _mm512_storeu_si512((void *)o, odd[w]);
        for (int t = 0; t < 4; t++) {
            lanes[8 * w + 2 * t] = e[t];
            lanes[8 * w + 2 * t + 1] = o[t];
        }
    }
    // lanes[k - lo] holds the products whose low word sits at offset k.
    // P[k] = low(lanes[k]) ^ high(lanes[k - 1]); y_w = (P[b - 1 + w] >> 63) | (P[b + w] << 1).
    uint64_t p[2 * DIQKD_TMVP_BASE + 2];
    for (long k = lo + 1; k <= 2 * (long)b; k++) {
        uint64_t low = k <= 2 * (long)b - 1 ? (uint64_t)_mm_cvtsi128_si64(lanes[k - lo]) : 0;
        p[k] = low ^ (uint64_t)_mm_extract_epi64(lanes[k - 1 - lo], 1);
    }
    for (size_t w = 0; w < b; w++) y[w] = (p[b - 1 + w] >> 63) | (p[b + w] << 1);
}

int diqkd_vector_clmul_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq");
}
#else
int diqkd_vector_clmul_available(void) { return 0; }
#endif

typedef void (*middle_fn)(const uint64_t *, const uint64_t *, size_t, uint64_t *);

// Scratch per level: x0 + x1 (h), B + A (2h), C + A (2h), P0, P1, P2 (h each) = 8h words.
// Any size: the full product's middle words (used when a block cannot be halved further).
static void middle_by_product(const uint64_t *s, const uint64_t *x, size_t b, uint64_t *y, int use_hardware) {
    uint64_t *p = malloc(3 * b * sizeof(uint64_t));
    diqkd_gf2_multiply(s, 2 * b, x, b, p, use_hardware);
    for (size_t w = 0; w < b; w++) y[w] = (p[b - 1 + w] >> 63) | (p[b + w] << 1);
    free(p);
}

static void tmvp(const uint64_t *s, const uint64_t *x, size_t words, uint64_t *y, uint64_t *scratch, middle_fn base, int hw) {
    if (words <= DIQKD_TMVP_BASE) { base(s, x, words, y); return; }
    if (words & 1) { middle_by_product(s, x, words, y, hw); return; }
    size_t h = words / 2;
    const uint64_t *a = s + h, *bv = s, *c = s + 2 * h;
    uint64_t *xs = scratch, *ba = scratch + h, *ca = scratch + 3 * h;
    uint64_t *p0 = scratch + 5 * h, *p1 = scratch + 6 * h, *p2 = scratch + 7 * h, *next = scratch + 8 * h;
    for (size_t i = 0; i < h; i++) xs[i] = x[i] ^ x[h + i];
    for (size_t i = 0; i < 2 * h; i++) { ba[i] = bv[i] ^ a[i]; ca[i] = c[i] ^ a[i]; }
    tmvp(a, xs, h, p0, next, base, hw);
    tmvp(ba, x + h, h, p1, next, base, hw);
    tmvp(ca, x, h, p2, next, base, hw);
    for (size_t i = 0; i < h; i++) { y[i] = p0[i] ^ p1[i]; y[h + i] = p0[i] ^ p2[i]; }
}

void diqkd_toeplitz_block(const uint64_t *s, const uint64_t *x, size_t words, uint64_t *y, int use_hardware) {
    middle_fn base = middle_portable;
#if defined(__x86_64__)
    if (use_hardware >= 1 && diqkd_clmul_hardware_available()) base = middle_hardware;
    if (use_hardware >= 2 && diqkd_vector_clmul_available()) base = middle_vector;
#else
    (void)use_hardware;
#endif
    size_t scratch = 8 + DIQKD_TMVP_SLACK;
    for (size_t w = words; w > DIQKD_TMVP_BASE && !(w & 1); w /= 2) scratch += 8 * (w / 2);
    uint64_t *buffer = malloc(scratch * sizeof(uint64_t));
    tmvp(s, x, words, y, buffer, base, use_hardware);
    free(buffer);
}

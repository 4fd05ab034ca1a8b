// GF(2^128) = GF(2)[x]/(x^128 + x^7 + x^2 + x + 1) in the plain little-endian bit order (bit i of
// the 128-bit integer is the coefficient of x^i), and the polynomial hash of docs/authentication.md.
//
// Reduction: a product has 255 bits [p0 p1 p2 p3] (64-bit words). Since x^128 = x^7 + x^2 + x + 1
// (0x87), the word p3 at x^192 folds to p3 * 0x87 at x^64 (71 bits, landing in p1 and p2), then
// the updated p2 at x^128 folds to p2 * 0x87 at x^0. Two 64 x 64 carry-less products.
//
// Hashing: Horner's rule acc = (acc + m_i) k, eight blocks at a time as
// acc' = (acc + m_1) k^8 + m_2 k^7 + ... + m_8 k, so the eight unreduced products are summed and
// reduced once.
#include "carryless.h"
#include "clmul_portable.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <cpuid.h>
#endif

enum { AGGREGATE = 8 };

// ---------------------------------------------------------------------------------------
// Portable arithmetic.

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

// Multiplies the word w by 0x87: returns the low 64 bits, the 7 overflow bits in *over.
static inline uint64_t times87(uint64_t w, uint64_t *over) {
    *over = (w >> 63) ^ (w >> 62) ^ (w >> 57);
    return w ^ (w << 1) ^ (w << 2) ^ (w << 7);
}

static inline void reduce_soft(uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3, uint64_t out[2]) {
    uint64_t over;
    p1 ^= times87(p3, &over);
    p2 ^= over;
    p0 ^= times87(p2, &over);
    p1 ^= over;
    out[0] = p0; out[1] = p1;
}

static void mul_soft(const uint64_t a[2], const uint64_t b[2], uint64_t out[2]) {
    uint64_t l0, h0, l1, h1, m0, n0, m1, n1;
    clmul_portable(a[0], b[0], &l0, &h0);
    clmul_portable(a[1], b[1], &l1, &h1);
    clmul_portable(a[0], b[1], &m0, &n0);
    clmul_portable(a[1], b[0], &m1, &n1);
    reduce_soft(l0, h0 ^ m0 ^ m1, l1 ^ n0 ^ n1, h1, out);
}

static void hash_soft(const uint64_t key[2], const uint8_t *m, size_t n, uint64_t out[2]) {
    uint64_t acc[2] = {0, 0};
    size_t full = n / 16;
    for (size_t i = 0; i < full; i++) {
        acc[0] ^= load64(m + 16 * i);
        acc[1] ^= load64(m + 16 * i + 8);
        mul_soft(acc, key, acc);
    }
    if (n % 16 != 0) {
        uint8_t last[16] = {0};
        memcpy(last, m + 16 * full, n % 16);
        acc[0] ^= load64(last);
        acc[1] ^= load64(last + 8);
        mul_soft(acc, key, acc);
    }
    acc[0] ^= (uint64_t)n << 3;
    mul_soft(acc, key, acc);
    out[0] = acc[0]; out[1] = acc[1];
}

// ---------------------------------------------------------------------------------------
// PCLMULQDQ.

// CPUID is slow (in a virtual machine it exits to the hypervisor, microseconds), so its answer
// is kept: 0 not asked yet, 1 no, 2 yes. Racing first calls store the same value.
static int hardware_state;

int diqkd_gf128_hardware_available(void) {
    int state = __atomic_load_n(&hardware_state, __ATOMIC_RELAXED);
    if (state == 0) {
        int available = 0;
#if defined(__x86_64__)
        unsigned eax, ebx, ecx, edx;
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) available = (ecx & bit_PCLMUL) != 0 && (ecx & bit_SSE4_1) != 0;
#endif
        state = available ? 2 : 1;
        __atomic_store_n(&hardware_state, state, __ATOMIC_RELAXED);
    }
    return state == 2;
}

#if defined(__x86_64__)
#define HW __attribute__((target("pclmul,sse4.1")))

// Unreduced 256-bit product as (lo, mid, hi); the middle term is combined at reduction time.
typedef struct { __m128i lo, mid, hi; } wide;

HW static inline void mul_acc(wide *w, __m128i a, __m128i b) {
    w->lo = _mm_xor_si128(w->lo, _mm_clmulepi64_si128(a, b, 0x00));
    w->hi = _mm_xor_si128(w->hi, _mm_clmulepi64_si128(a, b, 0x11));
    w->mid = _mm_xor_si128(w->mid, _mm_clmulepi64_si128(a, b, 0x01));
    w->mid = _mm_xor_si128(w->mid, _mm_clmulepi64_si128(a, b, 0x10));
}

HW static inline __m128i reduce_hw(wide w) {
    const __m128i poly = _mm_cvtsi64_si128(0x87);
    __m128i lo = _mm_xor_si128(w.lo, _mm_slli_si128(w.mid, 8));
    __m128i hi = _mm_xor_si128(w.hi, _mm_srli_si128(w.mid, 8));
    __m128i t = _mm_clmulepi64_si128(hi, poly, 0x01);      // p3 * 0x87
    lo = _mm_xor_si128(lo, _mm_slli_si128(t, 8));
    hi = _mm_xor_si128(hi, _mm_srli_si128(t, 8));
    __m128i u = _mm_clmulepi64_si128(hi, poly, 0x00);      // p2 * 0x87
    return _mm_xor_si128(lo, u);
}

HW static inline __m128i mul_hw(__m128i a, __m128i b) {
    wide w = { _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128() };
    mul_acc(&w, a, b);
    return reduce_hw(w);
}

HW static void hash_hw(const uint64_t key[2], const uint8_t *m, size_t n, uint64_t out[2]) {
    __m128i power[AGGREGATE];                // power[j] = k^(j + 1)
    power[0] = _mm_loadu_si128((const __m128i *)key);
    for (int j = 1; j < AGGREGATE; j++) power[j] = mul_hw(power[j - 1], power[0]);
    __m128i acc = _mm_setzero_si128();
    size_t full = n / 16, i = 0;
    for (; i + AGGREGATE <= full; i += AGGREGATE) {
        const __m128i *block = (const __m128i *)(m + 16 * i);
        wide w = { _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128() };
        mul_acc(&w, _mm_xor_si128(acc, _mm_loadu_si128(block)), power[AGGREGATE - 1]);
        for (int j = 1; j < AGGREGATE; j++) mul_acc(&w, _mm_loadu_si128(block + j), power[AGGREGATE - 1 - j]);
        acc = reduce_hw(w);
    }
    for (; i < full; i++) acc = mul_hw(_mm_xor_si128(acc, _mm_loadu_si128((const __m128i *)(m + 16 * i))), power[0]);
    if (n % 16 != 0) {
        uint8_t last[16] = {0};
        memcpy(last, m + 16 * full, n % 16);
        acc = mul_hw(_mm_xor_si128(acc, _mm_loadu_si128((const __m128i *)last)), power[0]);
    }
    acc = mul_hw(_mm_xor_si128(acc, _mm_cvtsi64_si128((long long)((uint64_t)n << 3))), power[0]);
    _mm_storeu_si128((__m128i *)out, acc);
    volatile __m128i *wipe = power;
    for (int j = 0; j < AGGREGATE; j++) wipe[j] = _mm_setzero_si128();
}
#endif

// ---------------------------------------------------------------------------------------
// Entry points.

static int use_hw(int use_hardware) {
#if defined(__x86_64__)
    return use_hardware && diqkd_gf128_hardware_available();
#else
    (void)use_hardware;
    return 0;
#endif
}

void diqkd_gf128_multiply(const uint64_t a[2], const uint64_t b[2], uint64_t out[2], int use_hardware) {
#if defined(__x86_64__)
    if (use_hw(use_hardware)) {
        __m128i r = mul_hw(_mm_loadu_si128((const __m128i *)a), _mm_loadu_si128((const __m128i *)b));
        _mm_storeu_si128((__m128i *)out, r);
        return;
    }
#endif
    uint64_t r[2];
    mul_soft(a, b, r);
    out[0] = r[0]; out[1] = r[1];
}

void diqkd_gf128_hash(const uint64_t key[2], const uint8_t *message, size_t length, uint64_t out[2],
                      int use_hardware) {
#if defined(__x86_64__)
    if (use_hw(use_hardware)) { hash_hw(key, message, length, out); return; }
#endif
    hash_soft(key, message, length, out);
}

void diqkd_wipe(void *buffer, size_t length) {
    volatile uint8_t *p = buffer;
    for (size_t i = 0; i < length; i++) p[i] = 0;
}

// Toeplitz hashing of long vectors through an additive fast Fourier transform over GF(2^64).
//
// A GF(2)[z] polynomial is cut into 32-bit pieces, a(z) = sum_t a_t(z) z^(32 t); each piece is
// read as an element of F = GF(2^64) = GF(2)[x]/(x^64 + x^4 + x^3 + x + 1). Products of two
// pieces have degree < 63, so they never wrap around the modulus: the product of two such
// polynomials over F, read back as bits with the pieces overlapping by 32, is the GF(2)[z]
// product. Over F we multiply by evaluation and interpolation on a subspace of F spanned by a
// Cantor basis (beta_0 = 1, beta_i^2 + beta_i = beta_(i-1)), with the transform of Lin, Chung and
// Han in the basis X_k = prod_(bit i of k) s_i(y), s_i the subspace polynomial of
// span(beta_0 ... beta_(i-1)). For a Cantor basis s_i has coefficients in GF(2), s_i(beta_i) = 1
// and s_i(beta_k) = beta_(k-i), so the change to that basis is XORs only, and a butterfly at
// level k on block b multiplies by s_(k-1)(block offset) = sum_t bit_t(b) beta_(t+1).
// Cost: O(N log N) multiplications in F and O(N log^2 N) XORs for N pieces.
#include "carryless.h"
#include "clmul_portable.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// ---------------------------------------------------------------------------------------
// Arithmetic in F.

static inline uint64_t gf64_reduce(uint64_t lo, uint64_t hi) {
    uint64_t over = (hi >> 63) ^ (hi >> 61) ^ (hi >> 60);
    uint64_t folded = hi ^ (hi << 1) ^ (hi << 3) ^ (hi << 4);
    return lo ^ folded ^ over ^ (over << 1) ^ (over << 3) ^ (over << 4);
}

static inline uint64_t gf64_mul_soft(uint64_t a, uint64_t b) {
    uint64_t lo, hi;
    clmul_portable(a, b, &lo, &hi);
    return gf64_reduce(lo, hi);
}

uint64_t diqkd_gf64_multiply(uint64_t a, uint64_t b) { return gf64_mul_soft(a, b); }

// Solves y^2 + y = c (a GF(2)-linear system in the bits of y); returns 0 when it has no solution.
static int gf64_solve_artin_schreier(uint64_t c, uint64_t *y) {
    // Column k of the map is (x^k)^2 + x^k. Row r of the augmented system: bits k with
    // column k having bit r, plus the right-hand side in bit 64 (kept separately).
    uint64_t columns[64];
    for (int k = 0; k < 64; k++) {
        uint64_t e = 1ULL << k;
        columns[k] = gf64_mul_soft(e, e) ^ e;
    }
    uint64_t rows[64];
    uint8_t rhs[64];
    for (int r = 0; r < 64; r++) {
        uint64_t row = 0;
        for (int k = 0; k < 64; k++) row |= ((columns[k] >> r) & 1ULL) << k;
        rows[r] = row;
        rhs[r] = (uint8_t)((c >> r) & 1ULL);
    }
    int pivot_row[64];
    int rank = 0;
    for (int k = 0; k < 64 && rank < 64; k++) {
        int found = -1;
        for (int r = rank; r < 64; r++) if ((rows[r] >> k) & 1ULL) { found = r; break; }
        if (found < 0) { pivot_row[k] = -1; continue; }
        uint64_t tr = rows[found]; rows[found] = rows[rank]; rows[rank] = tr;
        uint8_t tb = rhs[found]; rhs[found] = rhs[rank]; rhs[rank] = tb;
        for (int r = 0; r < 64; r++) {
            if (r != rank && ((rows[r] >> k) & 1ULL)) { rows[r] ^= rows[rank]; rhs[r] ^= rhs[rank]; }
        }
        pivot_row[k] = rank++;
    }
    for (int r = rank; r < 64; r++) if (rhs[r]) return 0;
    uint64_t solution = 0;  // free variables are 0
    for (int k = 0; k < 64; k++) if (pivot_row[k] >= 0 && rhs[pivot_row[k]]) solution |= 1ULL << k;
    *y = solution;
    return 1;
}

int diqkd_gf64_cantor_basis(uint64_t *beta, int count) {
    if (count <= 0) return 1;
    beta[0] = 1;
    for (int i = 1; i < count; i++) {
        if (!gf64_solve_artin_schreier(beta[i - 1], &beta[i])) return 0;
    }
    return 1;
}

// The twiddle of block b, sum_t bit_t(b) beta_(t+1), as low[b mod 2^11] + high[b / 2^11]: two
// small tables instead of one of 2^(k-1) entries.
#define TWIDDLE_LOW_BITS 11
typedef struct { uint64_t low[1 << TWIDDLE_LOW_BITS]; uint64_t *high; } twiddle_table;

static inline uint64_t twiddle(const twiddle_table *tw, size_t b) {
    return tw->low[b & ((1u << TWIDDLE_LOW_BITS) - 1)] ^ tw->high[b >> TWIDDLE_LOW_BITS];
}

// table[b] = sum_t bit_t(b) basis[t], b < count.
static void subset_sums(uint64_t *table, size_t count, const uint64_t *basis) {
    table[0] = 0;
    for (size_t b = 1; b < count; b++) {
        int top = 63 - __builtin_clzll((unsigned long long)b);
        table[b] = table[b ^ (1ULL << top)] ^ basis[top];
    }
}

// ---------------------------------------------------------------------------------------
// Change of basis, monomials <-> X_k. Level i divides each block of 2^(i+1) coefficients by
// s_i = y^(2^i) + sum_(j proper subset of i) y^(2^j): the quotient stays in the top half, the
// remainder in the bottom. Sources at p move to p - (2^i - 2^j) >= p - 2^(i-1), so the top
// half is handled as two chunks of 2^(i-1), highest first; each chunk is a few range XORs.

static inline void xor_range(uint64_t *restrict dst, const uint64_t *restrict src, size_t count) {
    for (size_t t = 0; t < count; t++) dst[t] ^= src[t];
}

// One level of the change of basis on a block of 2^(i+1): top chunk first divides by s_i,
// bottom chunk first multiplies back (each chunk's XORs only read the chunk, so each pass is
// its own inverse and the reversed order undoes the pair).
static inline __attribute__((always_inline)) void basis_level(uint64_t *c, int i, int dividing) {
    size_t half = (size_t)1 << i, chunk = half >> 1;
    for (int pass = 0; pass < 2; pass++) {
        size_t start = (pass == 0) == (dividing != 0) ? half + chunk : half;
        for (int j = (i - 1) & i;; j = (j - 1) & i) {
            xor_range(c + start - (half - ((size_t)1 << j)), c + start, chunk);
            if (j == 0) break;
        }
    }
}
#define divide_level(c, i) basis_level((c), (i), 1)
#define multiply_level(c, i) basis_level((c), (i), 0)

// Blocks of 16 with the sizes known to the compiler, so that the range XORs unroll.
static void to_novel_16(uint64_t *c) {
    divide_level(c, 3);
    divide_level(c, 2); divide_level(c + 8, 2);
    divide_level(c, 1); divide_level(c + 4, 1); divide_level(c + 8, 1); divide_level(c + 12, 1);
}

static void from_novel_16(uint64_t *c) {
    multiply_level(c, 1); multiply_level(c + 4, 1); multiply_level(c + 8, 1); multiply_level(c + 12, 1);
    multiply_level(c, 2); multiply_level(c + 8, 2);
    multiply_level(c, 3);
}

// `used`: coefficients at and above it are zero (a division of a block whose top half is zero
// does nothing).
static void to_novel(uint64_t *c, int k, size_t used) {
    if (k <= 1 || used == 0) return;
    if (k == 4) { to_novel_16(c); return; }
    size_t half = (size_t)1 << (k - 1);
    if (used > half) divide_level(c, k - 1);
    to_novel(c, k - 1, used < half ? used : half);
    to_novel(c + half, k - 1, used > half ? used - half : 0);
}

static void from_novel(uint64_t *c, int k) {
    if (k <= 1) return;
    if (k == 4) { from_novel_16(c); return; }
    size_t half = (size_t)1 << (k - 1);
    from_novel(c, k - 1);
    from_novel(c + half, k - 1);
    multiply_level(c, k - 1);
}

// ---------------------------------------------------------------------------------------
// Butterflies. Forward at level k, block b (size 2^k, halves lo and hi):
//   lo += twiddle(tw, b) * hi;  hi += lo.
// Inverse: hi += lo; lo += twiddle(tw, b) * hi.

#define SCALAR_KERNELS(name, mul, attributes)                                                  \
    attributes static void butterfly_##name(uint64_t *lo, uint64_t *hi, size_t h, uint64_t t, int inverse) { \
        for (size_t j = 0; j < h; j++) {                                                         \
            if (inverse) { hi[j] ^= lo[j]; lo[j] ^= mul(t, hi[j]); }                            \
            else { lo[j] ^= mul(t, hi[j]); hi[j] ^= lo[j]; }                                     \
        }                                                                                        \
    }                                                                                            \
    attributes static void pointwise_##name(uint64_t *acc, const uint64_t *a, const uint64_t *b, size_t count) { \
        for (size_t t = 0; t < count; t++) acc[t] ^= mul(a[t], b[t]);                           \
    }
#define NO_ATTRIBUTES
SCALAR_KERNELS(soft, gf64_mul_soft, NO_ATTRIBUTES)

#if defined(__x86_64__)
__attribute__((target("pclmul,sse4.1")))
static inline uint64_t gf64_mul_hw(uint64_t a, uint64_t b) {
    __m128i p = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)a), _mm_cvtsi64_si128((long long)b), 0x00);
    return gf64_reduce((uint64_t)_mm_cvtsi128_si64(p), (uint64_t)_mm_extract_epi64(p, 1));
}
SCALAR_KERNELS(hw, gf64_mul_hw, __attribute__((target("pclmul,sse4.1"))))
#endif

// Kernel levels: 0 portable, 1 scalar PCLMULQDQ, 2 AVX-512 VPCLMULQDQ.
static void butterfly_scalar(uint64_t *lo, uint64_t *hi, size_t h, uint64_t t, int inverse, int level) {
#if defined(__x86_64__)
    if (level >= 1) { butterfly_hw(lo, hi, h, t, inverse); return; }
#endif
    (void)level;
    butterfly_soft(lo, hi, h, t, inverse);
}

#if defined(__x86_64__)
#define VEC_TARGET __attribute__((target("avx512f,avx512bw,vpclmulqdq,pclmul")))

// Eight products in F: even and odd elements separately (128-bit lanes), each reduced inside
// its lane by two more carry-less multiplications by x^4 + x^3 + x + 1, then interleaved.
VEC_TARGET static inline __m512i gf64_mul_vec(__m512i a, __m512i b) {
    const __m512i r = _mm512_set1_epi64(0x1B);
    __m512i p0 = _mm512_clmulepi64_epi128(a, b, 0x00);
    __m512i p1 = _mm512_clmulepi64_epi128(a, b, 0x11);
    __m512i q0 = _mm512_clmulepi64_epi128(p0, r, 0x01);
    __m512i q1 = _mm512_clmulepi64_epi128(p1, r, 0x01);
    __m512i s0 = _mm512_clmulepi64_epi128(q0, r, 0x01);
    __m512i s1 = _mm512_clmulepi64_epi128(q1, r, 0x01);
    __m512i e = _mm512_ternarylogic_epi64(p0, q0, s0, 0x96);
    __m512i o = _mm512_ternarylogic_epi64(p1, q1, s1, 0x96);
    return _mm512_unpacklo_epi64(e, o);
}

VEC_TARGET static void butterfly_vec(uint64_t *lo, uint64_t *hi, size_t h, uint64_t t, int inverse) {
    if (t == 0) {
        for (size_t j = 0; j < h; j += 8) {
            __m512i a = _mm512_loadu_si512((const void *)(lo + j)), b = _mm512_loadu_si512((const void *)(hi + j));
            _mm512_storeu_si512((void *)(hi + j), _mm512_xor_si512(a, b));
        }
        return;
    }
    __m512i tv = _mm512_set1_epi64((long long)t);
    if (inverse) {
        for (size_t j = 0; j < h; j += 8) {
            __m512i a = _mm512_loadu_si512((const void *)(lo + j)), b = _mm512_loadu_si512((const void *)(hi + j));
            b = _mm512_xor_si512(b, a);
            a = _mm512_xor_si512(a, gf64_mul_vec(b, tv));
            _mm512_storeu_si512((void *)(lo + j), a);
            _mm512_storeu_si512((void *)(hi + j), b);
        }
    } else {
        for (size_t j = 0; j < h; j += 8) {
            __m512i a = _mm512_loadu_si512((const void *)(lo + j)), b = _mm512_loadu_si512((const void *)(hi + j));
            a = _mm512_xor_si512(a, gf64_mul_vec(b, tv));
            b = _mm512_xor_si512(b, a);
            _mm512_storeu_si512((void *)(lo + j), a);
            _mm512_storeu_si512((void *)(hi + j), b);
        }
    }
}

// Levels 3, 2, 1 (halves of 4, 2, 1) of one block of 16 coefficients, in registers: for each
// level the lo and hi halves of its blocks are gathered into two vectors, transformed with the
// blocks' twiddles, and scattered back. `tw1` = tw + 8 q for the q-th block of 16.
// One of levels 3, 2, 1 (halves h = 4, 2, 1) of a block of 16 coefficients held in v0, v1: the
// lo and hi halves of its blocks are gathered into two vectors, transformed with the blocks'
// twiddles, and scattered back. Inlined with a constant level, the index vectors are constants.
VEC_TARGET static inline __attribute__((always_inline)) void small_level_vec(__m512i *v0, __m512i *v1,
        const twiddle_table *tw, size_t q, int level, int inverse) {
    const int h = 1 << (level - 1);
    long long lo_idx[8], hi_idx[8], back0[8], back1[8], tw_idx[8];
    for (int i = 0; i < 8; i++) {
        int e = (i / h) * 2 * h + (i % h);
        lo_idx[i] = e; hi_idx[i] = e + h;
        tw_idx[i] = i / h;
    }
    for (int e = 0; e < 16; e++) {
        int slot = (e / (2 * h)) * h + (e % h);
        long long src = (e % (2 * h)) < h ? slot : 8 + slot;
        if (e < 8) back0[e] = src; else back1[e - 8] = src;
    }
    __m512i a = _mm512_permutex2var_epi64(*v0, _mm512_loadu_si512((const void *)lo_idx), *v1);
    __m512i b = _mm512_permutex2var_epi64(*v0, _mm512_loadu_si512((const void *)hi_idx), *v1);
    size_t base = (16 * q) >> level;
    __mmask8 mask = (__mmask8)((1u << (8 / h)) - 1u);
    // The 8 / h twiddles share their high part (base is a multiple of 8 / h).
    __m512i t = _mm512_permutexvar_epi64(_mm512_loadu_si512((const void *)tw_idx),
                                         _mm512_maskz_loadu_epi64(mask, tw->low + (base & ((1u << TWIDDLE_LOW_BITS) - 1))));
    t = _mm512_xor_si512(t, _mm512_set1_epi64((long long)tw->high[base >> TWIDDLE_LOW_BITS]));
    if (inverse) { b = _mm512_xor_si512(b, a); a = _mm512_xor_si512(a, gf64_mul_vec(b, t)); }
    else { a = _mm512_xor_si512(a, gf64_mul_vec(b, t)); b = _mm512_xor_si512(b, a); }
    *v0 = _mm512_permutex2var_epi64(a, _mm512_loadu_si512((const void *)back0), b);
    *v1 = _mm512_permutex2var_epi64(a, _mm512_loadu_si512((const void *)back1), b);
}

// Levels 3, 2, 1 of the q-th block of 16 (forward), or 1, 2, 3 (inverse), in registers.
VEC_TARGET static void small_levels_vec(uint64_t *d, const twiddle_table *tw, size_t q, int inverse) {
    __m512i v0 = _mm512_loadu_si512((const void *)d), v1 = _mm512_loadu_si512((const void *)(d + 8));
    if (inverse) {
        small_level_vec(&v0, &v1, tw, q, 1, 1);
        small_level_vec(&v0, &v1, tw, q, 2, 1);
        small_level_vec(&v0, &v1, tw, q, 3, 1);
    } else {
        small_level_vec(&v0, &v1, tw, q, 3, 0);
        small_level_vec(&v0, &v1, tw, q, 2, 0);
        small_level_vec(&v0, &v1, tw, q, 1, 0);
    }
    _mm512_storeu_si512((void *)d, v0);
    _mm512_storeu_si512((void *)(d + 8), v1);
}

VEC_TARGET static void pointwise_vec(uint64_t *acc, const uint64_t *a, const uint64_t *b, size_t count) {
    size_t t = 0;
    for (; t + 8 <= count; t += 8) {
        __m512i x = _mm512_loadu_si512((const void *)(a + t)), y = _mm512_loadu_si512((const void *)(b + t));
        __m512i z = _mm512_loadu_si512((const void *)(acc + t));
        _mm512_storeu_si512((void *)(acc + t), _mm512_xor_si512(z, gf64_mul_vec(x, y)));
    }
    for (; t < count; t++) acc[t] ^= gf64_mul_soft(a[t], b[t]);
}

#endif

static int usable_level(int requested) {
    if (requested >= 2 && diqkd_vector_clmul_available()) return 2;
    if (requested >= 1 && diqkd_clmul_hardware_available()) return 1;
    return 0;
}

static void pointwise(uint64_t *acc, const uint64_t *a, const uint64_t *b, size_t count, int level) {
#if defined(__x86_64__)
    if (level == 2) { pointwise_vec(acc, a, b, count); return; }
    if (level == 1) { pointwise_hw(acc, a, b, count); return; }
#endif
    pointwise_soft(acc, a, b, count);
}

// Depth first, so that blocks that fit in the cache are finished while they are there.
// Forward: the level-k butterflies of block b, then the two halves (blocks 2b, 2b + 1).
static void fft_forward(uint64_t *d, int k, size_t b, const twiddle_table *tw, int level) {
    if (k == 0) return;
    size_t h = (size_t)1 << (k - 1);
#if defined(__x86_64__)
    if (level == 2 && k == 4) {
        butterfly_vec(d, d + h, h, twiddle(tw, b), 0);
        small_levels_vec(d, tw, b, 0);
        return;
    }
    if (level == 2 && k > 4) butterfly_vec(d, d + h, h, twiddle(tw, b), 0); else
#endif
    butterfly_scalar(d, d + h, h, twiddle(tw, b), 0, level);
    fft_forward(d, k - 1, 2 * b, tw, level);
    fft_forward(d + h, k - 1, 2 * b + 1, tw, level);
}

static void fft_inverse(uint64_t *d, int k, size_t b, const twiddle_table *tw, int level) {
    if (k == 0) return;
    size_t h = (size_t)1 << (k - 1);
#if defined(__x86_64__)
    if (level == 2 && k == 4) {
        small_levels_vec(d, tw, b, 1);
        butterfly_vec(d, d + h, h, twiddle(tw, b), 1);
        return;
    }
#endif
    fft_inverse(d, k - 1, 2 * b, tw, level);
    fft_inverse(d + h, k - 1, 2 * b + 1, tw, level);
#if defined(__x86_64__)
    if (level == 2 && k > 4) { butterfly_vec(d, d + h, h, twiddle(tw, b), 1); return; }
#endif
    butterfly_scalar(d, d + h, h, twiddle(tw, b), 1, level);
}

// Evaluation at omega_t = sum_i bit_i(t) beta_i, t < 2^k, of the polynomial with the given
// monomial coefficients (in place), and back.
// The basis is computed once per process (63 small linear systems).
static uint64_t cantor_basis[64];
static int cantor_basis_ok;
static pthread_once_t cantor_basis_once = PTHREAD_ONCE_INIT;
static void compute_cantor_basis(void) { cantor_basis_ok = diqkd_gf64_cantor_basis(cantor_basis, 64); }

static twiddle_table *transform_setup(int k) {
    pthread_once(&cantor_basis_once, compute_cantor_basis);
    const uint64_t *beta = cantor_basis;
    if (k > 62 || !cantor_basis_ok) return NULL;
    twiddle_table *tw = malloc(sizeof(twiddle_table));
    if (!tw) return NULL;
    size_t half = k >= 1 ? (size_t)1 << (k - 1) : 1;
    size_t high = (half >> TWIDDLE_LOW_BITS) + 1;
    tw->high = malloc(high * sizeof(uint64_t));
    if (!tw->high) { free(tw); return NULL; }
    uint64_t low_basis[TWIDDLE_LOW_BITS], high_basis[64];
    for (int t = 0; t < TWIDDLE_LOW_BITS; t++) low_basis[t] = t + 1 <= k ? beta[t + 1] : 0;
    for (int t = 0; t + TWIDDLE_LOW_BITS + 1 <= k; t++) high_basis[t] = beta[t + TWIDDLE_LOW_BITS + 1];
    subset_sums(tw->low, (size_t)1 << TWIDDLE_LOW_BITS, low_basis);
    subset_sums(tw->high, high, high_basis);
    return tw;
}

static void transform_free(twiddle_table *tw) {
    if (tw) { free(tw->high); free(tw); }
}

int diqkd_afft_evaluate(uint64_t *c, int k, int use_level) {
    twiddle_table *tw = transform_setup(k);
    if (!tw) return 0;
    int level = usable_level(use_level);
    to_novel(c, k, (size_t)1 << k);
    fft_forward(c, k, 0, tw, level);
    transform_free(tw);
    return 1;
}

int diqkd_afft_interpolate(uint64_t *c, int k, int use_level) {
    twiddle_table *tw = transform_setup(k);
    if (!tw) return 0;
    int level = usable_level(use_level);
    fft_inverse(c, k, 0, tw, level);
    from_novel(c, k);
    transform_free(tw);
    return 1;
}

// ---------------------------------------------------------------------------------------
// The Toeplitz middle product.

// Bits [pos, pos + 32) of a vector of `nbits` bits; bits outside [0, nbits) read as zero.
static inline uint64_t bits32_at(const uint64_t *v, size_t nbits, long long pos) {
    if (pos >= (long long)nbits || pos + 32 <= 0) return 0;
    uint64_t r;
    if (pos >= 0) {
        size_t w = (size_t)pos >> 6;
        unsigned sh = (unsigned)(pos & 63);
        r = v[w] >> sh;
        if (sh > 32 && ((w + 1) << 6) < nbits) r |= v[w + 1] << (64 - sh);
    } else {
        r = v[0] << (unsigned)(-pos);
    }
    r &= 0xFFFFFFFFULL;
    if (pos + 32 > (long long)nbits) r &= (1ULL << (unsigned)((long long)nbits - pos)) - 1ULL;
    return r;
}

// Pieces needed for the product of an (l + w - 1)-bit block of s and a w-bit block of x.
static size_t product_pieces(size_t l, size_t w) { return (l + w - 1 + 31) / 32 + w / 32 - 1; }

// Bits [pos, pos + 32) of the reversal of a vector of `nbits` bits.
static inline uint64_t reversed_bits32_at(const uint64_t *v, size_t nbits, long long pos) {
    return __builtin_bitreverse32((uint32_t)bits32_at(v, nbits, (long long)nbits - pos - 32));
}

int diqkd_toeplitz_fft(const uint64_t *seed, size_t n, size_t l, const uint64_t *x, uint64_t *y, int use_level) {
    if (n == 0 || l == 0 || l > n) return 0;
    // Column blocks of w bits (a multiple of 64) and a transform of 2^k pieces: the cheapest
    // (2 * blocks + 1) k 2^k that holds one block's product.
    int best_k = -1;
    size_t best_w = 0;
    double best_cost = 0;
    size_t n64 = (n + 63) / 64 * 64;
    for (int k = 3; k <= 40; k++) {
        size_t pieces = (size_t)1 << k;
        if (2 * pieces * 32 < l) continue;
        size_t w = 32 * pieces > l ? ((32 * pieces - l) / 2) / 64 * 64 : 0;
        if (w > n64) w = n64;
        while (w >= 64 && product_pieces(l, w) > pieces) w -= 64;
        if (w < 64) continue;
        size_t blocks = (n + w - 1) / w;
        double cost = (double)(2 * blocks + 1) * (double)(k + 4) * (double)pieces;
        if (best_k < 0 || cost < best_cost) { best_k = k; best_w = w; best_cost = cost; }
        if (w == n64) break;
    }
    if (best_k < 0) return 0;
    int k = best_k;
    size_t w = best_w, pieces = (size_t)1 << k, blocks = (n + w - 1) / w;
    twiddle_table *tw = transform_setup(k);
    if (!tw) return 0;
    uint64_t *acc = aligned_alloc(64, pieces * sizeof(uint64_t));
    uint64_t *fa = aligned_alloc(64, pieces * sizeof(uint64_t));
    uint64_t *fb = aligned_alloc(64, pieces * sizeof(uint64_t));
    if (!acc || !fa || !fb) { free(acc); free(fa); free(fb); transform_free(tw); return 0; }
    int level = usable_level(use_level);
    memset(acc, 0, pieces * sizeof(uint64_t));
    size_t sbits = n + l - 1, sp = (l + w - 1 + 31) / 32, xp = w / 32;
    for (size_t blk = 0; blk < blocks; blk++) {
        // Column block blk meets the reversed seed's bits [n - (blk + 1) w, n - (blk + 1) w + l + w - 1).
        long long start = (long long)n - (long long)((blk + 1) * w);
        for (size_t t = 0; t < sp; t++) fa[t] = reversed_bits32_at(seed, sbits, start + 32 * (long long)t);
        memset(fa + sp, 0, (pieces - sp) * sizeof(uint64_t));
        for (size_t t = 0; t < xp; t++) fb[t] = bits32_at(x, n, (long long)(blk * w + 32 * t));
        memset(fb + xp, 0, (pieces - xp) * sizeof(uint64_t));
        to_novel(fa, k, sp);
        fft_forward(fa, k, 0, tw, level);
        to_novel(fb, k, xp);
        fft_forward(fb, k, 0, tw, level);
        pointwise(acc, fa, fb, pieces, level);
    }
    fft_inverse(acc, k, 0, tw, level);
    from_novel(acc, k);
    // Product word u (bits 64u ... 64u + 63) = acc[2u] ^ acc[2u - 1] >> 32 ^ acc[2u + 1] << 32.
    // The hash is bits [w - 1, w - 1 + l): output word v = bits 63 ... 126 of product words
    // (w / 64 - 1 + v, w / 64 + v).
#define PIECE(t) ((t) < pieces ? acc[(t)] : 0ULL)
#define PWORD(u) (PIECE(2 * (u)) ^ ((u) > 0 ? PIECE(2 * (u) - 1) >> 32 : 0ULL) ^ (PIECE(2 * (u) + 1) << 32))
    size_t out_words = (l + 63) / 64, first = w / 64 - 1;
    uint64_t prev = PWORD(first);
    for (size_t v = 0; v < out_words; v++) {
        uint64_t next = PWORD(first + v + 1);
        y[v] = (prev >> 63) | (next << 1);
        prev = next;
    }
    if (l % 64) y[out_words - 1] &= (1ULL << (l % 64)) - 1ULL;
#undef PWORD
#undef PIECE
    // acc and fb held (transforms of) the input, which is secret key material.
    explicit_bzero(acc, pieces * sizeof(uint64_t));
    explicit_bzero(fb, pieces * sizeof(uint64_t));
    free(acc); free(fa); free(fb); transform_free(tw);
    return 1;
}

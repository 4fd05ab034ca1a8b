// Layered decoding of a quasi-cyclic code: a layer is one row of the base matrix, Z checks
// that touch every column block they name through a cyclic shift, so the checks of a layer are
// independent and run side by side, sixteen per vector. Lane i of a vector is check
// 16q + i of the layer; its edge into block j (shift s) is variable (16q + i + s) mod Z of
// that block, so the sixteen beliefs of an edge vector are contiguous — one unaligned load and
// one store instead of a gather and a scatter.
//
// Beliefs: block j lives at L + j (Z + 16); its last sixteen slots mirror its first sixteen, so
// the one vector per block and layer that wraps around (offset above Z - 16) is contiguous too.
// That vector writes the wrapped variables into the mirror; they are copied back when the
// layer ends, and the mirror refreshed (each variable is written once per layer and block).
// Messages: half precision, R + e Z for entry e of the base matrix. Beliefs and messages are in
// bits (see below).
#include "decoder.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define QC_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,f16c")))

// The check rule in the tanh domain, which needs one exponential per edge on the way in and
// one logarithm per edge on the way out (the log-domain rule needs phi twice, each an
// exponential and a logarithm; a table lookup is a gather, slow on this hardware).
//
// Beliefs and messages are in bits here: log2 of the likelihood ratio, the natural-log value
// times log2 e. The rule is the same in any base, and base 2 is the one the hardware computes:
// 2^-|t| and log2 need no scaling multiplication. With t_e = L_v - R_e and u_e = 2^-|t_e|,
// th_e = tanh(|t_e| ln 2 / 2) = (1 - u_e) / (1 + u_e):
//   A = prod_e (1 - u_e),  B = prod_e (1 + u_e),  so  P = prod_e th_e = A / B,
//   Q_e = P / th_e (the product over the other edges),
//   |R_e| = log2((1 + Q_e) / (1 - Q_e)) = log2((S - u_e D) / (D - u_e S)),
// where S = A + B and D = B - A (multiply numerator and denominator by B (1 - u_e)). Both
// products are one fused multiply-add per edge and no division is needed until the way out,
// where the ratio takes one reciprocal. A and B are rescaled together (only their ratio
// counts) every 32 edges, so B stays below 2^33 on checks of any degree; A, at most B, can
// underflow to 0 only when several edges are near t = 0, and then every message is 0 anyway.
// The sign comes from the other signs and the syndrome bit.
//
// Bounds. |t| counts as at most QC_T_MAX bits, so P < 1 - 2^-19 and D > 2^-19 B. D - u_e S is
// a difference of terms of size B; its rounding (~1e-7 B) matters only when it is tiny, which
// happens when t_e is near 0 and the other edges are all nearly certain. It is kept at least
// QC_BELOW_MIN D: far below any value that arises otherwise, and enough to keep the ratio
// positive and finite (messages stay below 40 bits; half precision holds 65504).
#define QC_T_MAX 20.0f
#define QC_BELOW_MIN 9.5367432e-07f
/// qc_log2 takes 4 r / 3 (see there).
#define QC_FOUR_THIRDS 1.33333333f

QC_TARGET static inline __m512 qc_sign_bits(void) { return _mm512_castsi512_ps(_mm512_set1_epi32((int)0x80000000u)); }

QC_TARGET static inline __m512 qc_exp_negative(__m512 t) {
    // u = 2^-|t| (t in bits). y = -min(|t|, QC_T_MAX) by one VRANGEPS; 2^y = 2^floor(y) 2^f with
    // f = y - floor(y) in [0, 1) (one VREDUCEPS), 2^f by a cubic interpolating at Chebyshev nodes
    // (relative error 1.0e-4, below the half precision messages are kept in), and VSCALEFPS
    // multiplies by 2^floor(y). The cubic is below 2^f at both ends of [0, 1) (0.99990 at 0,
    // 1.99988 at 1), so u stays below 0.99995 even for t = 0: 1 - u never vanishes
    // (diqkd_qc_exp2_negative_for_tests lets the tests check it).
    const __m512 y = _mm512_range_ps(t, _mm512_set1_ps(QC_T_MAX), 0x0E);
    const __m512 f = _mm512_reduce_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 p = _mm512_set1_ps(7.896725704e-02f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.246931558e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.963247711e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.999002882e-01f));
    return _mm512_scalef_ps(p, y);
}

QC_TARGET static inline __m512 qc_log2(__m512 r43) {
    // log2 r from r43 = 4 r / 3: r = m 2^e with m in [0.75, 1.5) has r43 = (4 m / 3) 2^e with
    // 4 m / 3 in [1, 2), so e = VGETEXPPS(r43) and m = 0.75 VGETMANTPS(r43); f = m - 1 in one
    // fused multiply-add, and log2(1 + f) = f p(f), p a quadratic fitted to log2(1 + f) / f on
    // [-0.25, 0.5): absolute error at most 2.5e-3 bits, relative error 1.6e-3 near f = 0 (the
    // half precision messages are stored in rounds to 4.9e-4 relative; a cubic, 10 times as
    // exact, left the iteration counts unchanged and cost 3.5% more time per layer).
    const __m512 e = _mm512_getexp_ps(r43);
    const __m512 f = _mm512_fmsub_ps(_mm512_getmant_ps(r43, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero), _mm512_set1_ps(0.75f),
                                     _mm512_set1_ps(1.0f));
    __m512 p = _mm512_set1_ps(0.3914573145f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-0.7359495193f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.444949067f));
    return _mm512_fmadd_ps(p, f, e);
}

// Where the vector of checks 16 q ..< 16 q + 16 reads its beliefs in a block with this shift.
static inline int32_t qc_offset(int32_t q, int32_t shift, int32_t Z) {
    const int32_t offset = 16 * q + shift;
    return offset >= Z ? offset - Z : offset;
}

static inline __mmask16 qc_lanes(int32_t layer, int32_t layers, int32_t chunk, int32_t last_lanes) {
    if (layer != layers - 1) return (__mmask16)0xFFFF;
    int32_t live = last_lanes - 16 * chunk;
    if (live <= 0) return 0;
    return live >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << live) - 1u);
}

QC_TARGET
void diqkd_qc_iteration(float *L, uint16_t *R, const diqkd_qc_code *code, const uint16_t *syndrome, float *scratch) {
    const int32_t Z = code->lift, stride = Z + 16, chunks = Z / 16, layers = code->layers, last_lanes = code->last_lanes;
    const int32_t *restrict block_of = code->entry_block, *restrict shift_of = code->entry_shift;
    const __m512 one = _mm512_set1_ps(1.0f), sign = qc_sign_bits();
    // Products far below the smallest normal float mean messages of 0 anyway: flush them.
    const unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040u);
    for (int32_t r = 0; r < layers; r++) {
        const int32_t first = code->row_start[r], last = code->row_start[r + 1];
        for (int32_t q = 0; q < chunks; q++) {
            const __mmask16 live = qc_lanes(r, layers, q, last_lanes);
            if (!live) break;
            // The sign bits of `parity` collect the syndrome bit and the signs of every t_e.
            __m512 parity = _mm512_maskz_mov_ps(syndrome[(size_t)r * chunks + q], sign);
            __m512 A = one, B = one;
            const uint16_t *rq = R + (size_t)first * Z + 16 * q;
            for (int32_t e = first; e < last; e++, rq += Z) {
                const float *lv = L + (size_t)block_of[e] * stride + qc_offset(q, shift_of[e], Z);
                // Long frames keep the beliefs in L3: fetch this entry's next vector of beliefs
                // and messages while this one is computed.
                _mm_prefetch((const char *)(lv + 16), _MM_HINT_T0);
                _mm_prefetch((const char *)(rq + 32), _MM_HINT_T0);
                const __m512 old = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rq));
                const __m512 t = _mm512_sub_ps(_mm512_loadu_ps(lv), old);
                parity = _mm512_xor_ps(parity, t);
                const __m512 u = qc_exp_negative(t);
                A = _mm512_fnmadd_ps(A, u, A);
                B = _mm512_fmadd_ps(B, u, B);
                _mm512_storeu_ps(scratch + 32 * (size_t)(e - first), t);
                _mm512_storeu_ps(scratch + 32 * (size_t)(e - first) + 16, u);
                if (((e - first) & 31) == 31) {
                    A = _mm512_scalef_ps(A, _mm512_xor_ps(_mm512_getexp_ps(B), sign));
                    B = _mm512_getmant_ps(B, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
                }
            }
            const __m512 S = _mm512_add_ps(A, B), D = _mm512_sub_ps(B, A);
            const __m512 four_thirds = _mm512_set1_ps(QC_FOUR_THIRDS);
            const __m512 S43 = _mm512_mul_ps(S, four_thirds), D43 = _mm512_mul_ps(D, four_thirds);
            const __m512 floor = _mm512_mul_ps(D, _mm512_set1_ps(QC_BELOW_MIN));
            const int partial = live != (__mmask16)0xFFFF;
            uint16_t *wq = R + (size_t)first * Z + 16 * q;
            for (int32_t e = first; e < last; e++, wq += Z) {
                float *lv = L + (size_t)block_of[e] * stride + qc_offset(q, shift_of[e], Z);
                const __m512 t = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first));
                const __m512 u = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first) + 16);
                // (1 + Q) / (1 - Q) = (S - u D) / (D - u S), the numerator times 4/3 for qc_log2.
                // The denominator is kept at least QC_BELOW_MIN D. A 14-bit reciprocal
                // is enough: its relative error becomes an absolute error of 9e-5 bits.
                const __m512 above = _mm512_fnmadd_ps(u, D43, S43);
                const __m512 below = _mm512_max_ps(_mm512_fnmadd_ps(u, S, D), floor);
                const __m512 magnitude = qc_log2(_mm512_mul_ps(above, _mm512_rcp14_ps(below)));
                // Sign bit from t xor parity (the other edges' signs and the syndrome bit), the
                // rest from the magnitude.
                __m512 message = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(
                    _mm512_castps_si512(sign), _mm512_castps_si512(_mm512_xor_ps(t, parity)),
                    _mm512_castps_si512(magnitude), 0xCA));
                // Checks past the syndrome's end (a partial last layer) send nothing.
                if (partial) message = _mm512_maskz_mov_ps(live, message);
                // Converted in a register, then stored: on this processor (Zen 4) the fused
                // convert-to-memory form of VCVTPS2PH showed as about a sixth of the layer's time.
                __m256i half = _mm512_cvtps_ph(message, _MM_FROUND_TO_NEAREST_INT);
                __asm__("" : "+v"(half));
                _mm256_storeu_si256((__m256i *)wq, half);
                _mm512_storeu_ps(lv, _mm512_add_ps(t, message));
            }
        }
        for (int32_t e = first; e < last; e++) {
            float *block = L + (size_t)code->entry_block[e] * stride;
            const int32_t wrapped = code->entry_shift[e] % 16;
            if (wrapped) memcpy(block, block + Z, sizeof(float) * (size_t)wrapped);
            memcpy(block + Z, block, sizeof(float) * 16);
        }
    }
    _mm_setcsr(csr);
}

QC_TARGET
float diqkd_qc_exp2_negative_for_tests(float t) {
    return _mm_cvtss_f32(_mm512_castps512_ps128(qc_exp_negative(_mm512_set1_ps(t))));
}

QC_TARGET
float diqkd_qc_log2_for_tests(float r) {
    return _mm_cvtss_f32(_mm512_castps512_ps128(qc_log2(_mm512_set1_ps(r * QC_FOUR_THIRDS))));
}

QC_TARGET
int diqkd_qc_satisfied(const float *L, const diqkd_qc_code *code, const uint16_t *syndrome) {
    const int32_t Z = code->lift, stride = Z + 16, chunks = Z / 16;
    const __m512 zero = _mm512_setzero_ps();
    for (int32_t r = 0; r < code->layers; r++) {
        for (int32_t q = 0; q < chunks; q++) {
            const __mmask16 live = qc_lanes(r, code->layers, q, code->last_lanes);
            if (!live) break;
            __mmask16 parity = syndrome[(size_t)r * chunks + q];
            for (int32_t e = code->row_start[r]; e < code->row_start[r + 1]; e++) {
                const int32_t offset = qc_offset(q, code->entry_shift[e], Z);
                parity ^= _mm512_cmp_ps_mask(_mm512_loadu_ps(L + (size_t)code->entry_block[e] * stride + offset), zero,
                                             _CMP_LT_OQ);
            }
            if (parity & live) return 0;
        }
    }
    return 1;
}
#else
float diqkd_qc_exp2_negative_for_tests(float t) { (void)t; return 0; }
float diqkd_qc_log2_for_tests(float r) { (void)r; return 0; }
void diqkd_qc_iteration(float *L, uint16_t *R, const diqkd_qc_code *code, const uint16_t *syndrome, float *scratch) {
    (void)L; (void)R; (void)code; (void)syndrome; (void)scratch;
}
int diqkd_qc_satisfied(const float *L, const diqkd_qc_code *code, const uint16_t *syndrome) {
    (void)L; (void)code; (void)syndrome;
    return 0;
}
#endif

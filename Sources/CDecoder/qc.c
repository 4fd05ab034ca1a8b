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
// Messages: half precision, R + e Z for entry e of the base matrix.
#include "decoder.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define QC_TARGET __attribute__((target("avx512f,avx512bw,f16c")))

// The check rule in the tanh domain, which needs one exponential per edge on the way in and
// one logarithm per edge on the way out (the log-domain rule needs phi twice, each an
// exponential and a logarithm; a table lookup is a gather, slow on this hardware):
//   t_e = L_v - R_e,  th_e = tanh(|t_e| / 2) = (1 - e^-|t_e|) / (1 + e^-|t_e|),
//   P = prod_e th_e (kept as mantissa and exponent, so 165-edge checks do not underflow),
//   Q_e = P / th_e (the product over the other edges),
//   |R_e| = 2 atanh(Q_e) = log((1 + Q_e) / (1 - Q_e)) = log((th_e + P) / (th_e - P)),
// the sign from the other signs and the syndrome bit. th_e is kept at least tanh(x0 / 2)
// and Q_e at most tanh(phi(x0) / 2), x0 = 2^-16 * 10: the bounds the phi table of the other
// decoders has (its first cell), so messages stay below about 9.5.
#define QC_TH_MIN 7.6293945e-05f
#define QC_Q_MAX 0.99984741f

QC_TARGET static inline __m512 qc_exp_negative(__m512 x) {
    // e^-x = 2^k 2^f, k = round(-x log2 e), |f| <= 1/2, 2^f by a degree-4 polynomial fitted at
    // Chebyshev nodes (relative error 2.7e-6). Large x give 0 (scalef underflows), as they should.
    const __m512 y = _mm512_mul_ps(x, _mm512_set1_ps(-1.44269504f));
    const __m512 k = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(y, k);
    __m512 p = _mm512_set1_ps(9.560510206e-03f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.591703917e-02f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.402498111e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.931219677e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.999991909e-01f));
    return _mm512_scalef_ps(p, k);
}

QC_TARGET static inline __m512 qc_reciprocal(__m512 d) {
    // 14-bit estimate and one Newton step: about 24 bits.
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

QC_TARGET static inline __m512 qc_log(__m512 r) {
    // r = m 2^e with m in [0.75, 1.5); log(1 + f), f = m - 1, as f times a degree-4
    // polynomial fitted at Chebyshev nodes (absolute error 1.0e-5: messages are used to about
    // 1e-4, the half-precision they are stored in).
    __m512 e = _mm512_getexp_ps(r);
    __m512 m = _mm512_getmant_ps(r, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    const __mmask16 high = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.5f), _CMP_GE_OQ);
    m = _mm512_mask_mul_ps(m, high, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, high, e, _mm512_set1_ps(1.0f));
    const __m512 f = _mm512_sub_ps(m, _mm512_set1_ps(1.0f));
    __m512 p = _mm512_set1_ps(1.303362732e-01f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-2.568193152e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(3.404727670e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-5.001388950e-01f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.998537241e-01f));
    return _mm512_fmadd_ps(e, _mm512_set1_ps(0.69314718f), _mm512_mul_ps(p, f));
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
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    for (int32_t r = 0; r < layers; r++) {
        const int32_t first = code->row_start[r], last = code->row_start[r + 1];
        for (int32_t q = 0; q < chunks; q++) {
            const __mmask16 live = qc_lanes(r, layers, q, last_lanes);
            if (!live) break;
            __mmask16 negative = syndrome[(size_t)r * chunks + q];
            __m512 mantissa = one, exponent = zero;
            const uint16_t *rq = R + (size_t)first * Z + 16 * q;
            for (int32_t e = first; e < last; e++, rq += Z) {
                const float *lv = L + (size_t)block_of[e] * stride + qc_offset(q, shift_of[e], Z);
                // Long frames keep the beliefs in L3: fetch this entry's next vector of beliefs
                // and messages while this one is computed.
                _mm_prefetch((const char *)(lv + 16), _MM_HINT_T0);
                _mm_prefetch((const char *)(rq + 32), _MM_HINT_T0);
                __m512 old = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rq));
                __m512 t = _mm512_sub_ps(_mm512_loadu_ps(lv), old);
                negative ^= _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
                __m512 u = qc_exp_negative(_mm512_abs_ps(t));
                __m512 th = _mm512_mul_ps(_mm512_sub_ps(one, u), qc_reciprocal(_mm512_add_ps(one, u)));
                th = _mm512_max_ps(th, _mm512_set1_ps(QC_TH_MIN));
                _mm512_storeu_ps(scratch + 32 * (size_t)(e - first), t);
                _mm512_storeu_ps(scratch + 32 * (size_t)(e - first) + 16, th);
                mantissa = _mm512_mul_ps(mantissa, th);
                if (((e - first) & 7) == 7) {
                    exponent = _mm512_add_ps(exponent, _mm512_getexp_ps(mantissa));
                    mantissa = _mm512_getmant_ps(mantissa, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
                }
            }
            // P itself (kept above 1e-30, where messages are 0 anyway, to stay clear of subnormals).
            const __m512 product = _mm512_max_ps(_mm512_scalef_ps(mantissa, exponent), _mm512_set1_ps(1e-30f));
            uint16_t *wq = R + (size_t)first * Z + 16 * q;
            for (int32_t e = first; e < last; e++, wq += Z) {
                float *lv = L + (size_t)block_of[e] * stride + qc_offset(q, shift_of[e], Z);
                __m512 t = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first));
                __m512 th = _mm512_loadu_ps(scratch + 32 * (size_t)(e - first) + 16);
                // (1 + Q) / (1 - Q) with Q = P / th is (th + P) / (th - P); th - P is kept at least
                // th (1 - Q_MAX). A 14-bit reciprocal is enough: its relative error becomes an
                // absolute error of 6e-5 in the logarithm.
                __m512 gap = _mm512_max_ps(_mm512_sub_ps(th, product), _mm512_mul_ps(th, _mm512_set1_ps(1.0f - QC_Q_MAX)));
                __m512 magnitude = qc_log(_mm512_mul_ps(_mm512_add_ps(th, product), _mm512_rcp14_ps(gap)));
                __mmask16 own = _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
                __m512 message = _mm512_mask_sub_ps(magnitude, (__mmask16)(negative ^ own), zero, magnitude);
                // Checks past the syndrome's end (a partial last layer) send nothing.
                message = _mm512_maskz_mov_ps(live, message);
                _mm256_storeu_si256((__m256i *)wq, _mm512_cvtps_ph(message, _MM_FROUND_TO_NEAREST_INT));
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
void diqkd_qc_iteration(float *L, uint16_t *R, const diqkd_qc_code *code, const uint16_t *syndrome, float *scratch) {
    (void)L; (void)R; (void)code; (void)syndrome; (void)scratch;
}
int diqkd_qc_satisfied(const float *L, const diqkd_qc_code *code, const uint16_t *syndrome) {
    (void)L; (void)code; (void)syndrome;
    return 0;
}
#endif

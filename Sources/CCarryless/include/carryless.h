#ifndef DIQKD_CARRYLESS_H
#define DIQKD_CARRYLESS_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has a carry-less multiply instruction that the hardware path can use
/// (PCLMULQDQ on x86-64, PMULL on arm64). Decided at run time.
int diqkd_clmul_hardware_available(void);

/// Multiplies two polynomials over GF(2) given as little-endian arrays of 64-bit words
/// (bit k of word w is the coefficient of z^(64w + k)). `out` must hold `na + nb` words and
/// must not overlap the inputs. `use_hardware` selects the carry-less multiply instruction
/// (only when available) or the portable fallback.
void diqkd_gf2_multiply(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
                        uint64_t *out, int use_hardware);

/// Reduces `row` (`words` 64-bit words) by the echelon rows `basis` (`rank` rows of `words`
/// words each; row k has its lowest set bit at column `pivots[k]` and is zero below it): for
/// each k in order, if `row` has bit `pivots[k]`, XOR basis row k into it (from the pivot's
/// word on) and flip the result if `rhs[k]` is set. Returns the accumulated flips (0 or 1).
int diqkd_gf2_reduce(uint64_t *row, const uint64_t *basis, const int64_t *pivots, const uint8_t *rhs,
                     size_t rank, size_t words);

/// The same reduction for `count` rows at once (`rows` holds them back to back): each basis
/// row is read from memory once for the whole batch. `values[i]` is XORed with the flips of row i.
void diqkd_gf2_reduce_batch(uint64_t *rows, size_t count, const uint64_t *basis, const int64_t *pivots,
                            const uint8_t *rhs, size_t rank, size_t words, uint8_t *values);

/// Multiplication in GF(2^64) = GF(2)[x]/(x^64 + x^4 + x^3 + x + 1) (bit k = coefficient of x^k).
uint64_t diqkd_gf64_multiply(uint64_t a, uint64_t b);

/// The first `count` elements of a Cantor basis of GF(2^64): beta_0 = 1, beta_i^2 + beta_i = beta_(i-1).
/// Returns 0 if a step has no solution (never for count <= 64).
int diqkd_gf64_cantor_basis(uint64_t *beta, int count);

/// In place: the 2^k coefficients c_0 ... (of y^0, y^1, ...) of a polynomial over GF(2^64) become
/// its values at omega_t = sum_i bit_i(t) beta_i, t < 2^k (additive FFT). `level`: 0 portable
/// arithmetic, 1 PCLMULQDQ, 2 AVX-512 VPCLMULQDQ (lowered to what the processor has). Returns 0 on failure (k > 63, no memory).
int diqkd_afft_evaluate(uint64_t *c, int k, int level);

/// The inverse of `diqkd_afft_evaluate`.
int diqkd_afft_interpolate(uint64_t *c, int k, int level);

/// The Toeplitz hash y_j = sum_i seed[i - j + l - 1] x_i (j < l, i < n; `seed` has n + l - 1 bits),
/// i.e. coefficients n - 1 ... n + l - 2 of s(z) x(z) over GF(2) with s the reversed seed, by the
/// additive FFT over GF(2^64) on 32-bit pieces, into `y` (ceil(l / 64) words, the last one's
/// unused bits cleared). Returns 0 on failure (no memory).
int diqkd_toeplitz_fft(const uint64_t *s, size_t n, size_t l, const uint64_t *x, uint64_t *y, int level);

/// The middle product behind a square Toeplitz block: with m = 64 * words,
/// y_j = sum_i s[m - 1 - i + j] x_i for 0 <= i, j < m, i.e. coefficients m - 1 ... 2m - 2 of
/// s(z) x(z). `s` holds 2 * words words (its top bit is never used), `x` and `y` hold `words`.
/// `use_hardware`: 0 portable, 1 PCLMULQDQ/PMULL, 2 AVX-512 VPCLMULQDQ where available.
/// `words` must be a multiple of a power of two no larger than DIQKD_TMVP_BASE words
/// (the recursion halves it until it is at most that). Cost: about 3^k base blocks.
void diqkd_toeplitz_block(const uint64_t *s, const uint64_t *x, size_t words, uint64_t *y, int use_hardware);

/// Whether AVX-512 VPCLMULQDQ (four carry-less multiplications per instruction) is usable.
int diqkd_vector_clmul_available(void);

/// Base size (in words) at and below which the Toeplitz recursion multiplies directly.
#define DIQKD_TMVP_BASE 32
/// Readable words the caller must provide after the end of `s` (the vector kernel loads
/// whole 512-bit blocks and ignores what lies past the vector).
#define DIQKD_TMVP_SLACK 48

/// Whether the PCLMULQDQ kernels of the GF(2^128) functions below can run on this processor
/// (x86-64 only; elsewhere the portable code is always used). Decided at run time.
int diqkd_gf128_hardware_available(void);

/// Multiplication in GF(2^128) = GF(2)[x]/(x^128 + x^7 + x^2 + x + 1). An element is two
/// 64-bit words {low, high}: bit i of the 128-bit integer low + 2^64 high is the coefficient of
/// x^i. `out` may alias the inputs. `use_hardware` selects PCLMULQDQ where available.
void diqkd_gf128_multiply(const uint64_t a[2], const uint64_t b[2], uint64_t out[2], int use_hardware);

/// The polynomial hash h_k(m) = sum_(i=1..L) m_i k^(L+1-i) of `length` bytes: 16-byte
/// little-endian blocks (the last zero-padded), then one block holding 8 * length in its low
/// word, L = ceil(length / 16) + 1. `key` is secret. `use_hardware` selects PCLMULQDQ with eight
/// blocks per reduction where available; both paths give the same result.
void diqkd_gf128_hash(const uint64_t key[2], const uint8_t *message, size_t length, uint64_t out[2],
                      int use_hardware);

/// Overwrites `length` bytes with zeros through volatile stores, which the compiler keeps even
/// when the buffer is freed right after.
void diqkd_wipe(void *buffer, size_t length);

#endif

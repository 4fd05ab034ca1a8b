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

#endif

#ifndef DIQKD_CLMUL_PORTABLE_H
#define DIQKD_CLMUL_PORTABLE_H

#include <stdint.h>

// 64 x 64 -> 128-bit carry-less product without special instructions: a table of `a` times
// every 4-bit polynomial (67 bits wide), then four bits of `b` at a time.
static inline void clmul_portable(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi) {
    uint64_t tl[16], th[16];
    tl[0] = 0; th[0] = 0;
    tl[1] = a; th[1] = 0;
    for (int i = 2; i < 16; i += 2) {
        tl[i] = tl[i / 2] << 1; th[i] = (th[i / 2] << 1) | (tl[i / 2] >> 63);
        tl[i + 1] = tl[i] ^ a;  th[i + 1] = th[i];
    }
    uint64_t l = 0, h = 0;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned nib = (unsigned)(b >> shift) & 15u;
        // Multiply the accumulator by z^4, then add the table entry.
        if (shift != 60) { h = (h << 4) | (l >> 60); l <<= 4; }
        l ^= tl[nib]; h ^= th[nib];
    }
    *lo = l; *hi = h;
}

#endif

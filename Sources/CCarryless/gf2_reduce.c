// Row reduction over GF(2) for the eavesdropper's analysis (Simulation/Eavesdropping.swift).
// The inner loop is a long XOR of words; compiled for AVX-512, AVX2 and the baseline, the
// loader picking the best one this processor runs.
#include "carryless.h"

#if defined(__x86_64__) && defined(__clang__)
#define DIQKD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DIQKD_CLONES
#endif

DIQKD_CLONES
int diqkd_gf2_reduce(uint64_t *row, const uint64_t *basis, const int64_t *pivots, const uint8_t *rhs,
                     size_t rank, size_t words) {
    int value = 0;
    for (size_t k = 0; k < rank; k++) {
        int64_t pivot = pivots[k];
        size_t w0 = (size_t)(pivot >> 6);
        if (!((row[w0] >> (pivot & 63)) & 1)) continue;
        const uint64_t *b = basis + k * words;
        for (size_t w = w0; w < words; w++) row[w] ^= b[w];
        value ^= rhs[k];
    }
    return value;
}

DIQKD_CLONES
void diqkd_gf2_reduce_batch(uint64_t *rows, size_t count, const uint64_t *basis, const int64_t *pivots,
                            const uint8_t *rhs, size_t rank, size_t words, uint8_t *values) {
    for (size_t k = 0; k < rank; k++) {
        int64_t pivot = pivots[k];
        size_t w0 = (size_t)(pivot >> 6);
        uint64_t mask = (uint64_t)1 << (pivot & 63);
        const uint64_t *b = basis + k * words;
        for (size_t i = 0; i < count; i++) {
            uint64_t *row = rows + i * words;
            if (!(row[w0] & mask)) continue;
            for (size_t w = w0; w < words; w++) row[w] ^= b[w];
            values[i] ^= rhs[k];
        }
    }
}

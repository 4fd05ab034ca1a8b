#ifndef DIQKD_DECODER_H
#define DIQKD_DECODER_H

#include <stddef.h>
#include <stdint.h>

/// Whether the AVX-512 layer below can run on this processor.
int diqkd_ldpc_vector_available(void);

/// One layered sum-product pass over all checks (see SyndromeDecoder.swift for the
/// mathematics), sixteen edges at a time with AVX-512 gathers and scatters. `L`: beliefs per
/// variable; `R`: messages per edge; `start`/`edge_variable`: the code by checks; `syndrome`:
/// bit c is check c's syndrome bit; `table`: phi at `steps + 1` points, `scale` points per unit;
/// `scratch`: room for the largest check.
void diqkd_ldpc_layer(float *L, float *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                      const uint64_t *syndrome, const float *table, float scale, int32_t steps, float *scratch);

/// Whether the hard decisions of `L` (negative = 1) satisfy every check's syndrome bit;
/// stops at the first check that fails.
int diqkd_ldpc_satisfied(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                         const uint64_t *syndrome);

/// The layer for sixteen frames that share the code (`diqkd_ldpc_vector_available` must hold):
/// `L[16 v + f]` is frame f's belief of variable v, `R[16 e + f]` its message on edge e as a
/// half-precision float, bit f of `syndrome[c]` frame f's syndrome bit of check c. `scratch`
/// holds 32 floats per edge of the largest check.
void diqkd_ldpc_layer16(float *L, uint16_t *R, const int32_t *start, const int32_t *edge_variable, size_t checks,
                        const uint16_t *syndrome, const float *table, float scale, int32_t steps, float *scratch);

/// Bit f set when frame f's hard decisions (negative = 1) miss some check's syndrome bit.
uint32_t diqkd_ldpc_unsatisfied16(const float *L, const int32_t *start, const int32_t *edge_variable, size_t checks,
                                  const uint16_t *syndrome);

/// A quasi-cyclic code for `diqkd_qc_iteration`: base-matrix row r (a layer of `lift` checks,
/// `lift` a multiple of 16) has entries `row_start[r] ..< row_start[r + 1]`; entry e joins
/// check k of its layer to variable (k + entry_shift[e]) mod lift of column block
/// entry_block[e]. Only the first `last_lanes` checks of the last layer exist.
typedef struct {
    int32_t lift;
    int32_t layers;
    int32_t last_lanes;
    const int32_t *row_start;
    const int32_t *entry_block;
    const int32_t *entry_shift;
} diqkd_qc_code;

/// One layered sum-product iteration (tanh rule, computed, no table) over a quasi-cyclic code (`diqkd_ldpc_vector_available`
/// must hold). `L`: beliefs in bits (log2 likelihood ratios), block j at `L + j (lift + 16)`
/// with its first sixteen mirrored after it; `R`: half-precision messages, entry e's at `R + e lift`; `syndrome`: sixteen
/// checks per element, layer by layer; `scratch`: 32 floats per entry of the longest row.
void diqkd_qc_iteration(float *L, uint16_t *R, const diqkd_qc_code *code, const uint16_t *syndrome, float *scratch);

/// For tests (`diqkd_ldpc_vector_available` must hold): the layer's u = 2^-|t| for a belief t
/// in bits, and its log2 r for a ratio r >= 1, each evaluated for one value.
float diqkd_qc_exp2_negative_for_tests(float t);
float diqkd_qc_log2_for_tests(float r);

/// Whether the hard decisions of `L` (negative = 1) meet every existing check's syndrome bit.
int diqkd_qc_satisfied(const float *L, const diqkd_qc_code *code, const uint16_t *syndrome);

/// Zeroed memory for a decoder's beliefs or messages, aligned to 2 MiB and, where the system
/// offers it, backed by huge pages (a long frame's arrays span thousands of 4 KiB pages, more
/// than the TLB holds, and a layer touches ~100 of them at once). NULL when out of memory.
void *diqkd_large_alloc(size_t bytes);

/// Frees what `diqkd_large_alloc` returned (`bytes` as passed to it).
void diqkd_large_free(void *pointer, size_t bytes);

#endif

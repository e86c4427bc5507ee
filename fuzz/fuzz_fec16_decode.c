/*
 * fuzz_fec16_decode.c -- libFuzzer target for the GF(2^16) decoder in
 * rs-simd's layout, the one every data-plane shape uses.
 *
 * Input format and invariants: fuzz_fec16.h.  k, m <= 300 and shards of
 * at most 200 bytes: every shape is rs-simd compatible, so each input
 * costs a transform over at most 1024 positions.  The extension layout
 * (65,536 positions whatever the shape) has its own target,
 * fuzz_fec16_ext_decode.c, so it no longer slows this one down.
 */
#include <stdint.h>
#include <stddef.h>

#define MAXK 300u
#define MAXM 300u
#define MAXSZ 200u
#include "fuzz_fec16.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len) {
  return fuzz_fec16_one(in, len, pf_fec16_new);
}

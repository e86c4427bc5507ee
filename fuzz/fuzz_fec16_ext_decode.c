/*
 * fuzz_fec16_ext_decode.c -- libFuzzer target for the GF(2^16) decoder's
 * extension layout (pf_fec16_new_ext(), the layout of the shapes rs-simd
 * refuses; pf-fec uses it for those, the data plane never does).
 *
 * Input format and invariants: fuzz_fec16.h.  Every call transforms all
 * 65,536 positions of the field whatever the shape, so shapes and shards
 * are kept small (k, m <= 64, shards <= 64 bytes): the cost of an input
 * is that transform, not the shape.
 */
#include <stdint.h>
#include <stddef.h>

#define MAXK 64u
#define MAXM 64u
#define MAXSZ 64u
#include "fuzz_fec16.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len) {
  return fuzz_fec16_one(in, len, pf_fec16_new_ext);
}

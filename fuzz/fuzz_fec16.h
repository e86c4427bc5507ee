/*
 * fuzz_fec16.h -- the body both GF(2^16) decoder targets share
 * (fuzz_fec16_decode.c: rs-simd's layout; fuzz_fec16_ext_decode.c: the
 * extension layout).  Include once, after defining MAXK, MAXM, MAXSZ.
 *
 * Input: k_lo k_hi m_lo m_hi size_sel flags | erasure mask
 * (ceil((k+m)/8) bytes, bit set = shard lost) | bytes that fill the data
 * shards (cycled; zero if none).
 *   k = 1 + (k_lo | k_hi << 8) % MAXK, m likewise; size = 2 * (1 +
 *   size_sel % (MAXSZ / 2)), even.
 *   flags & 7: kernel (auto, ref, ssse3, avx2, avx512, gfni; unavailable
 *              ones skipped)
 *   flags & 8: overwrite the parity with input bytes (garbage parity:
 *              decoding must not crash; its result is meaningless)
 *   flags & 16: size the work space at creation (else grow on demand)
 *   flags & 0xe0: unused (in the old single target 0x20 chose the
 *              extension layout, so old inputs still parse).
 * Invariants (abort on violation): with true parity, decoding rebuilds
 * exactly the original data, or returns PF_ERR_FEC_UNRECOVERABLE exactly
 * when fewer than k shards survive; present shards are never modified;
 * the return value is the number of lost data shards.
 */
#ifndef PF_FUZZ_FEC16_H
#define PF_FUZZ_FEC16_H

#include <stdlib.h>
#include <string.h>

#include "fec/pf_fec16.h"

typedef int (*fuzz_fec16_new_fn)(pf_fec16 **pfec, uint32_t k, uint32_t m,
                                 size_t max_shard_bytes, uint32_t impl,
                                 const pf_mem *mem);

static int fuzz_fec16_one(const uint8_t *in, size_t len,
                          fuzz_fec16_new_fn new_fn) {

  static const uint32_t impls[8] = {
      PF_FEC_IMPL_AUTO,   PF_FEC_IMPL_REF,  PF_FEC_IMPL_SSSE3,
      PF_FEC_IMPL_AVX2,   PF_FEC_IMPL_AVX512, PF_FEC_IMPL_GFNI,
      PF_FEC_IMPL_REF,    PF_FEC_IMPL_AUTO};
  static uint8_t orig[MAXK * MAXSZ], work[(MAXK + MAXM) * MAXSZ],
      saved[(MAXK + MAXM) * MAXSZ];
  uint8_t present[MAXK + MAXM];
  const uint8_t *dp[MAXK];
  uint8_t *sh[MAXK + MAXM];
  uint32_t k, m, i, nlost = 0, ndata_lost = 0, flags;
  size_t size, pos, mlen, j, nrest;
  const uint8_t *rest;
  pf_fec16 *fec;
  int rv;

  if (len < 6)
    return 0;
  k = 1 + (uint32_t)(in[0] | in[1] << 8) % MAXK;
  m = 1 + (uint32_t)(in[2] | in[3] << 8) % MAXM;
  size = 2 * (1 + (size_t)in[4] % (MAXSZ / 2));
  flags = in[5];
  pos = 6;
  mlen = (k + m + 7) / 8;
  if (len - pos < mlen)
    return 0;
  for (i = 0; i < k + m; i++) {
    present[i] = !((in[pos + i / 8] >> (i % 8)) & 1);
    nlost += !present[i];
    ndata_lost += i < k && !present[i];
  }
  pos += mlen;
  rest = in + pos;
  nrest = len - pos;

  rv = new_fn(&fec, k, m, (flags & 16) ? size : 0, impls[flags & 7], NULL);
  if (rv == PF_ERR_UNSUPPORTED)
    return 0;
  if (rv != 0)
    abort();

  for (j = 0; j < (size_t)k * size; j++)
    orig[j] = nrest ? rest[j % nrest] : 0;
  for (i = 0; i < k; i++)
    dp[i] = orig + (size_t)i * size;
  for (i = 0; i < k + m; i++)
    sh[i] = work + (size_t)i * size;
  if (pf_fec16_encode(fec, dp, sh + k, size) != 0)
    abort();
  if (flags & 8)
    for (j = 0; j < (size_t)m * size; j++)
      sh[k][j] = nrest ? rest[(j * 7 + 3) % nrest] : (uint8_t)j;
  memcpy(work, orig, (size_t)k * size);
  for (i = 0; i < k + m; i++)
    if (!present[i])
      memset(sh[i], 0xee, size);
  memcpy(saved, work, (size_t)(k + m) * size);

  rv = pf_fec16_decode(fec, sh, present, size);
  for (i = 0; i < k + m; i++)
    if (present[i] && memcmp(sh[i], saved + (size_t)i * size, size) != 0)
      abort(); /* present shards untouched */
  if (ndata_lost == 0) {
    if (rv != 0)
      abort();
  } else if (k + m - nlost < k) {
    if (rv != PF_ERR_FEC_UNRECOVERABLE)
      abort();
  } else {
    if (rv != (int)ndata_lost)
      abort();
    if (!(flags & 8) && memcmp(work, orig, (size_t)k * size) != 0)
      abort();
  }
  pf_fec16_del(fec);
  return 0;
}

#endif /* PF_FUZZ_FEC16_H */

/*
 * fuzz_fec8_decode.c -- libFuzzer target for the GF(2^8) decoder.
 *
 * Input: k_sel m_sel size_sel flags | erasure mask (ceil((k+m)/8) bytes,
 * bit set = shard lost) | bytes that fill the data shards (cycled; zero
 * if none) and, with flag 0x08, a caller parity matrix.
 *   flags & 3: kernel (auto, ref, isal, gfni; unavailable ones skipped)
 *   flags & 4: overwrite the parity with input bytes (garbage parity:
 *              decoding must still not crash, only its result is
 *              meaningless)
 *   flags & 8: caller matrix from the input (may be rejected)
 * Invariants checked (abort on violation): the kernel's parity equals
 * the reference kernel's; with true parity, decoding
 * either rebuilds exactly the original data or -- only when fewer than k
 * shards survive, or a caller matrix has a singular selection -- returns
 * PF_ERR_FEC_UNRECOVERABLE; present shards are never modified.
 */
#include <stdlib.h>
#include <string.h>

#include "fec/pf_fec8.h"

#define MAXK 64u
#define MAXM 64u
#define MAXSZ 130u

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len) {
  static const uint32_t impls[4] = {PF_FEC_IMPL_AUTO, PF_FEC_IMPL_REF,
                                    PF_FEC_IMPL_ISAL, PF_FEC_IMPL_GFNI};
  static uint8_t orig[MAXK * MAXSZ], work[(MAXK + MAXM) * MAXSZ],
      saved[(MAXK + MAXM) * MAXSZ];
  uint8_t present[MAXK + MAXM], matrix[MAXK * MAXM];
  const uint8_t *dp[MAXK];
  uint8_t *sh[MAXK + MAXM];
  uint32_t k, m, i, nlost = 0, ndata_lost = 0, flags;
  size_t size, pos, mlen, j;
  const uint8_t *rest;
  size_t nrest;
  pf_fec8 *fec, *ref;
  uint8_t *refp[MAXM];
  int rv, caller;

  if (len < 4)
    return 0;
  k = 1 + in[0] % MAXK;
  m = 1 + in[1] % MAXM;
  size = 1 + in[2] % MAXSZ;
  flags = in[3];
  caller = (flags & 8) != 0;
  pos = 4;
  mlen = (k + m + 7) / 8;
  if (len - pos < mlen)
    return 0;
  for (i = 0; i < k + m; i++) {
    present[i] = !((in[pos + i / 8] >> (i % 8)) & 1);
    nlost += !present[i];
    ndata_lost += i < k && !present[i];
  }
  pos += mlen;
  if (caller) {
    if (len - pos < (size_t)k * m)
      return 0;
    memcpy(matrix, in + pos, (size_t)k * m);
    pos += (size_t)k * m;
  }
  rest = in + pos;
  nrest = len - pos;

  rv = pf_fec8_new(&fec, k, m, caller ? matrix : NULL, impls[flags & 3], NULL);
  if (rv == PF_ERR_UNSUPPORTED || (caller && rv == PF_ERR_INVALID_ARGUMENT))
    return 0;
  if (rv != 0)
    abort();

  for (j = 0; j < (size_t)k * size; j++)
    orig[j] = nrest ? rest[j % nrest] : 0;
  for (i = 0; i < k; i++)
    dp[i] = orig + (size_t)i * size;
  for (i = 0; i < k + m; i++)
    sh[i] = work + (size_t)i * size;
  memcpy(work, orig, (size_t)k * size);
  if (pf_fec8_encode(fec, dp, sh + k, size) != 0)
    abort();
  /* The kernel's parity must equal the reference kernel's. */
  if (pf_fec8_new(&ref, k, m, caller ? matrix : NULL, PF_FEC_IMPL_REF, NULL) !=
      0)
    abort();
  for (i = 0; i < m; i++)
    refp[i] = saved + (size_t)i * size;
  if (pf_fec8_encode(ref, dp, refp, size) != 0 ||
      memcmp(saved, sh[k], (size_t)m * size) != 0)
    abort();
  pf_fec8_del(ref);
  if (flags & 4)
    for (j = 0; j < (size_t)m * size; j++)
      sh[k][j] = nrest ? rest[(j * 7 + 3) % nrest] : (uint8_t)j;
  for (i = 0; i < k; i++)
    if (!present[i])
      memset(sh[i], 0xdb, size);
  memcpy(saved, work, (size_t)(k + m) * size);

  rv = pf_fec8_decode(fec, sh, present, size);
  if (rv == PF_ERR_FEC_UNRECOVERABLE) {
    if (k + m - nlost >= k && !caller)
      abort(); /* enough shards of an MDS code: must decode */
  } else if (rv != (int)ndata_lost) {
    abort();
  } else if (!(flags & 4) && memcmp(work, orig, (size_t)k * size) != 0) {
    abort(); /* wrong data */
  }
  for (i = 0; i < k + m; i++)
    if (present[i] && memcmp(sh[i], saved + (size_t)i * size, size) != 0)
      abort(); /* a present shard was modified */
  if (ndata_lost > 0 && k + m - nlost < k && rv != PF_ERR_FEC_UNRECOVERABLE)
    abort();
  pf_fec8_del(fec);
  return 0;
}

/*
 * pf_fec16_ext.c -- the GF(2^16) code for the shapes reed-solomon-simd
 * refuses: NextPow2(min(k, m)) + max(k, m) > 65536, k + m <= 65535
 * (e.g. (30000, 35000)).  pf_fec16.c sends those shapes here and keeps
 * the rs-simd layouts for every other shape.
 *
 * Layout: with all n = 65536 field elements as positions (the Cantor-
 * basis numbering of doc/internals/fec16.md), the code is the set of
 * evaluations at all n points of the polynomials f of degree < k in the
 * novel basis.  Data shard i sits at position i, parity shard j at
 * position k + j; positions >= k + m are never sent.  k values determine
 * f, so the code is systematic and MDS.
 *
 * Encoding and decoding are the same erasure decoder (Lin-Han-Chung, as
 * in leopard and pf_fec16.c's decoder), with n = 65536:
 *   E = erased positions (encoding: [k, n); decoding: lost shards and
 *       [k + m, n)), needs n - |E| >= k;
 *   Lambda(x) = prod over e in E of (x - x_e);
 *   work[p] = value_p * Lambda(x_p) for received p, 0 for p in E;
 *   IFFT_0 over n, formal derivative, FFT_0 over n (sub-blocks holding a
 *   wanted output only);
 *   value_p = work[p] / Lambda'(x_p) for the wanted p in E.
 * It works because deg(f * Lambda) < k + |E| <= n: the IFFT gives f *
 * Lambda exactly, and at a root x_p of Lambda the derivative of f *
 * Lambda is f(x_p) * Lambda'(x_p).  The logs of Lambda(x_p) (p received)
 * and Lambda'(x_p) (p erased) are the dyadic convolution of the erasure
 * indicator with the log table, done with Walsh-Hadamard transforms of
 * size n (the 1/n of the inverse is 1 modulo 65535, as n = 2^16).
 *
 * Cost per call: 2 transforms and a formal derivative over 65536 rows,
 * O(n log n) shard operations whatever k and m are; no matrix.
 * Performance is secondary here (no such block is ever put on the
 * wire): radix-4 depth-first transforms on the kernels' butterflies, the
 * rows in column planes of up to EXT_PLANE bytes.
 */
#include "fec/pf_fec16_ext.h"

#include <stdint.h>
#include <string.h>

#include "fec/pf_fec16_kern.h"
#include "fec/pf_gf16.h"
#include "base/pf_mem.h"

#define N PF_GF16_ORDER /* transform size: every position of the field */
#define MODULUS PF_GF16_MODULUS
#define EXT_PLANE 512u /* column plane width: N rows of it, 32 MiB */

struct pf_fec16_ext {
  const pf_mem *mem;
  const pf_fec16_kern *kern;
  uint32_t k, m;
  uint16_t *lw;      /* N: Walsh transform of log[] (log[0] taken as 0) */
  uint16_t *enc_loc; /* N: locator logs for the encoder's E = [k, N) */
  uint16_t *loc;     /* N: the decoder's locator logs */
  uint8_t *work;     /* N rows of one plane, 64-aligned */
  size_t work_bytes;
};

/* ---- transforms (definitions in doc/internals/fec16.md) --------------- */

/*
 * IFFT_0 of the |s| rows at |b| (block at skew offset |sb|), rows >= |t|
 * being zero: layers dist = 1, 2, 4, ..., two per radix-4 step, depth
 * first; a block of zero rows stays zero and is skipped.
 */
static void ifft(const pf_fec16_kern *K, uint8_t *b, uint32_t s, uint32_t t,
                 uint32_t sb, size_t st) {
  const uint16_t *skew = pf_gf16_skew;
  uint32_t q, j;

  if (t == 0 || s == 1)
    return;
  if (s == 2) {
    K->ifft2(b, b + st, skew[sb], st);
    return;
  }
  q = s / 4;
  for (j = 0; j < 4; j++)
    ifft(K, b + (size_t)j * q * st, q,
         t > j * q ? (t - j * q < q ? t - j * q : q) : 0, sb + j * q, st);
  K->ifft4(b, b + (size_t)q * st, b + (size_t)2 * q * st,
           b + (size_t)3 * q * st, skew[sb + q - 1], skew[sb + 3 * q - 1],
           skew[sb + 2 * q - 1], (size_t)q * st);
}

/* FFT_0 of the |s| rows at |b| (row 0 at position |pos|), computing only
 * the sub-blocks that hold a row of [lo, hi). */
static void fft(const pf_fec16_kern *K, uint8_t *b, uint32_t s, uint32_t pos,
                uint32_t sb, size_t st, uint32_t lo, uint32_t hi) {
  const uint16_t *skew = pf_gf16_skew;
  uint32_t q, j;

  if (s == 1)
    return;
  if (s == 2) {
    K->fft2(b, b + st, skew[sb], st);
    return;
  }
  q = s / 4;
  K->fft4(b, b + (size_t)q * st, b + (size_t)2 * q * st,
          b + (size_t)3 * q * st, skew[sb + q - 1], skew[sb + 3 * q - 1],
          skew[sb + 2 * q - 1], (size_t)q * st);
  for (j = 0; j < 4; j++)
    if (pos + j * q < hi && pos + (j + 1) * q > lo)
      fft(K, b + (size_t)j * q * st, q, pos + j * q, sb + j * q, st, lo, hi);
}

/* Formal derivative in the novel basis: row p ^= row (p | 2^t) for every
 * bit t clear in p (original values), rs-simd's loop. */
static void deriv(const pf_fec16_kern *K, uint8_t *b, size_t st) {
  uint32_t i;
  for (i = 1; i < N; i++) {
    uint32_t w = i & (0u - i);
    K->xor_rows(b + (size_t)(i - w) * st, b + (size_t)i * st, (size_t)w * st);
  }
}

/* ---- the erasure decoder ---------------------------------------------- */

typedef struct {
  const uint8_t *const *src; /* received value of position p < t ... */
  const uint8_t *present;    /* ... unless present[p] == 0 (NULL: all) */
  uint32_t t;                /* positions >= t are erased */
  const uint16_t *loc;       /* locator logs */
  uint8_t *const *out;       /* wanted position p goes to out[p - base] */
  const uint8_t *skip;       /* ... unless skip[p] != 0 (NULL: none) */
  uint32_t base, lo, hi;     /* wanted positions lie in [lo, hi) */
} ext_pass;

static void run(pf_fec16_ext *ext, const ext_pass *ps, size_t len) {
  const pf_fec16_kern *K = ext->kern;
  size_t st = pf_fec16_row_bytes(len), full = len & ~(size_t)63, tl = len - full;
  size_t col, w;
  uint8_t *work = ext->work;
  uint32_t p;

  for (col = 0; col < st; col += w) {
    int tail = col >= full;
    w = tail ? 64 : (full - col < EXT_PLANE ? full - col : EXT_PLANE);
    for (p = 0; p < ps->t; p++) {
      uint8_t *row = work + (size_t)p * w;
      unsigned lg = ps->loc[p];
      if (ps->present && !ps->present[p]) {
        memset(row, 0, w);
      } else if (tail) {
        pf_fec16_tail_in(row, ps->src[p] + full, tl);
        K->mul(row, row, lg, 64);
      } else {
        K->mul(row, ps->src[p] + col, lg, w);
      }
    }
    memset(work + (size_t)ps->t * w, 0, (size_t)(N - ps->t) * w);
    ifft(K, work, N, ps->t, 0, w);
    deriv(K, work, w);
    fft(K, work, N, 0, 0, w, ps->lo, ps->hi);
    for (p = ps->lo; p < ps->hi; p++) {
      uint8_t *row = work + (size_t)p * w;
      unsigned lg = pf_gf16_mod(MODULUS - ps->loc[p]);
      if (ps->skip && ps->skip[p])
        continue;
      if (tail) {
        K->mul(row, row, lg, 64);
        pf_fec16_tail_out(ps->out[p - ps->base] + full, row, tl);
      } else {
        K->mul(ps->out[p - ps->base] + col, row, lg, w);
      }
    }
  }
}

/* ---- object ------------------------------------------------------------ */

static int work_reserve(pf_fec16_ext *ext, size_t len) {
  size_t st = pf_fec16_row_bytes(len), need;

  if (len > SIZE_MAX / 2 ||
      pf_mul_overflow(st < EXT_PLANE ? st : EXT_PLANE, N, &need))
    return PF_ERR_NOMEM;
  return pf_mem_aligned_reserve(ext->mem, &ext->work, &ext->work_bytes, need);
}

int pf_fec16_ext_new(pf_fec16_ext **pext, const pf_fec16_kern *kern,
                     uint32_t k, uint32_t m, size_t max_len,
                     const pf_mem *mem) {
  pf_fec16_ext *ext;
  uint32_t i;
  int rv;

  *pext = NULL;
  ext = pf_mem_calloc(mem, 1, sizeof(*ext));
  if (!ext)
    return PF_ERR_NOMEM;
  ext->mem = mem;
  ext->kern = kern;
  ext->k = k;
  ext->m = m;
  ext->lw = pf_mem_malloc(mem, N * sizeof(uint16_t));
  ext->enc_loc = pf_mem_malloc(mem, N * sizeof(uint16_t));
  ext->loc = pf_mem_malloc(mem, N * sizeof(uint16_t));
  if (!ext->lw || !ext->enc_loc || !ext->loc) {
    pf_fec16_ext_del(ext);
    return PF_ERR_NOMEM;
  }
  ext->lw[0] = 0;
  for (i = 1; i < N; i++)
    ext->lw[i] = pf_gf16_log[i];
  pf_gf16_fwht(ext->lw, N);
  /* The encoder's erasures are always [k, N): its locator once. */
  for (i = 0; i < N; i++)
    ext->enc_loc[i] = i >= k;
  pf_gf16_log_convolve(ext->enc_loc, ext->lw, N);
  if (max_len) {
    rv = work_reserve(ext, max_len);
    if (rv) {
      pf_fec16_ext_del(ext);
      return rv;
    }
  }
  *pext = ext;
  return 0;
}

void pf_fec16_ext_del(pf_fec16_ext *ext) {
  if (!ext)
    return;
  pf_mem_aligned_free(ext->mem, ext->work);
  pf_mem_free(ext->mem, ext->lw);
  pf_mem_free(ext->mem, ext->enc_loc);
  pf_mem_free(ext->mem, ext->loc);
  pf_mem_free(ext->mem, ext);
}

int pf_fec16_ext_encode(pf_fec16_ext *ext, const uint8_t *const *data,
                        uint8_t *const *parity, size_t len) {
  ext_pass ps;
  int rv = work_reserve(ext, len);

  if (rv)
    return rv;
  memset(&ps, 0, sizeof(ps));
  ps.src = data;
  ps.t = ext->k;
  ps.loc = ext->enc_loc;
  ps.out = parity;
  ps.base = ext->k;
  ps.lo = ext->k;
  ps.hi = ext->k + ext->m;
  run(ext, &ps, len);
  return 0;
}

int pf_fec16_ext_decode(pf_fec16_ext *ext, uint8_t *const *shards,
                        const uint8_t *present, size_t len) {
  uint32_t k = ext->k, n = ext->k + ext->m, i, lost = 0, have = 0;
  uint32_t lo = k, hi = 0;
  ext_pass ps;
  int rv;

  for (i = 0; i < k; i++)
    if (!present[i]) {
      lost++;
      if (lo == k)
        lo = i;
      hi = i + 1;
    }
  for (i = 0; i < n; i++)
    have += present[i] != 0;
  if (lost == 0)
    return 0;
  if (have < k)
    return PF_ERR_FEC_UNRECOVERABLE;
  rv = work_reserve(ext, len);
  if (rv)
    return rv;
  for (i = 0; i < N; i++)
    ext->loc[i] = i >= n || !present[i];
  pf_gf16_log_convolve(ext->loc, ext->lw, N);
  memset(&ps, 0, sizeof(ps));
  ps.src = (const uint8_t *const *)shards;
  ps.present = present;
  ps.t = n;
  ps.loc = ext->loc;
  ps.out = shards;
  ps.skip = present;
  ps.base = 0;
  ps.lo = lo;
  ps.hi = hi;
  run(ext, &ps, len);
  return (int)lost;
}

/*
 * pf_fec16.c -- Leopard-RS erasure code over GF(2^16), byte-identical to
 * reed-solomon-simd 3.x and to catid/leopard's GF(2^16) path.
 *
 * Algorithm (Lin, Han, Chung: additive FFT in the "novel polynomial
 * basis"), see doc/internals/fec16.md.  Positions are indices of field
 * elements in the Cantor basis.  Two layouts, chosen like rs-simd's
 * DefaultRate:
 *
 *   high rate (more data than parity): chunk = NextPow2(m); parity at
 *     positions [0, m), data at [chunk, chunk + k).
 *     parity = FFT_0( XOR_c IFFT_{(c+1)chunk}(data chunk c) )
 *   low rate: chunk = NextPow2(k); data at [0, k) (zero up to chunk),
 *     parity chunk c at [(c+1)chunk, ...).
 *     parity chunk c = FFT_{(c+1)chunk}( IFFT_0(data) )
 *
 * Decoding multiplies each received shard by the error locator evaluated
 * at its position (obtained as a dyadic convolution of the erasure set
 * with the log table, through two Walsh-Hadamard transforms), runs
 * IFFT, formal derivative and FFT over the n = NextPow2(chunk + count)
 * positions, and divides the erased data positions by the locator's
 * derivative.  O(n log n) shard operations per call.
 */
#include "fec/pf_fec16.h"

#include <stdint.h>
#include <string.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec16_ext.h"
#include "fec/pf_fec16_kern.h"
#include "fec/pf_gf16.h"
#include "base/pf_mem.h"

#define MODULUS PF_GF16_MODULUS

struct pf_fec16 {
  const pf_mem *mem;
  const pf_fec16_kern *kern;
  uint32_t k, m;
  int high;           /* high-rate layout */
  uint32_t chunk;     /* NextPow2(m) (high) or NextPow2(k) (low) */
  uint32_t n;         /* decoder transform size */
  uint32_t data_pos;  /* position of data shard 0 */
  uint32_t par_pos;   /* position of parity shard 0 */
  uint32_t enc_rows;  /* work rows of the encoder (2 chunks) */
  uint8_t *work;      /* one plane: rows x plane width, 64-aligned */
  size_t work_bytes;
  uint16_t *lw;       /* n: scaled Walsh transform of log[0..n) */
  uint16_t *loc;      /* n: erasure indicator, then log of the locator */
  uint32_t *need;     /* n + 1: prefix counts of lost data positions */
  uint8_t **src;      /* n: the received shard at each position */
  uint16_t tail_log;  /* low rate: sum of log[x] for x in [n, 65536) */
  pf_fec16_ext *ext;  /* set: a shape rs-simd refuses, pf_fec16_ext.c */
};

static uint32_t next_pow2(uint32_t x) {
  uint32_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

/* ---- transforms ------------------------------------------------------ */

/*
 * Column planes (slices): all transforms act on each element column
 * independently, so an encode or decode runs plane by plane, plane j
 * covering bytes [j * P, j * P + w) of every shard (P = PLANE_DEC or
 * PLANE_ENC; the tail of a shard gets a 64-byte plane of its own).  The
 * rows of a plane lie w bytes apart in the work space, so one kernel call
 * covers a whole group of butterflies that share their skew factors, and
 * every plane reuses the same rows * w bytes at the start of the work
 * space: the next plane finds them in cache instead of faulting in
 * fresh lines (and the work space is rows * min(w, stride), not rows *
 * stride).  The decoder's planes are narrow because its n rows rarely fit
 * in L2 anyway: the depth-first radix-4 recursion keeps sub-blocks of up
 * to ~1 MiB / w rows in L2 and only the top levels stream through L3.
 * Narrower planes than 512 bytes lose more on re-reading thousands of
 * short shard pieces per plane and on per-call set-up than they gain in
 * locality (measured); the encoder reads whole shards best.
 */
#define PLANE_DEC 512u     /* decoder: n rows, often beyond L2 ... */
#define PLANE_DEC_L2 (512u * 1024u) /* ... unless n * width fits this */
#define PLANE_ENC 65536u   /* encoder: 2 chunks of rows, cache-friendly */

/* The decoder's plane width for |n| rows: PLANE_DEC, or wider (up to
 * the whole row) as long as n rows of it stay within PLANE_DEC_L2. */
static size_t dec_plane(uint32_t n) {
  size_t w = (PLANE_DEC_L2 / n) & ~(size_t)63;
  return w > PLANE_DEC ? w : PLANE_DEC;
}

typedef struct {
  const pf_fec16_kern *K;
  size_t stride; /* bytes per row in this plane (multiple of 64) */
  /* IFFT input straight from the shards (NULL: rows already loaded):
   * position p < src_n reads src[p] + src_off (NULL: zero), times
   * exp(src_log[p]) when src_log is set; positions >= src_n are zero. */
  const uint8_t *const *src;
  const uint16_t *src_log;
  size_t src_off;
  uint32_t src_n;
  int src_pf; /* prefetch the sources (src_prefetch) */
  uint32_t limit;        /* FFT outputs needed: rows < limit, or ... */
  const uint32_t *need;  /* ... rows r with need[r+1] > need[r] */
  uint8_t *acc;          /* IFFT: XOR the result into these rows */
  /* FFT (decoder): each needed output row p, as soon as its bottom block
   * is done (still in L1), is divided by the locator's derivative
   * (exp(-out_loc[p])) into out[p - out_base] + out_off. */
  uint8_t *const *out;
  const uint16_t *out_loc;
  uint32_t out_base;
  size_t out_off;
  /* Multiplier table of the kernel (entry |ptab_ent| bytes per log; NULL
   * for ref or no prefetching), only used to prefetch entries. */
  const uint8_t *ptab;
  size_t ptab_ent;
  /* First of several decoder planes: prefetch each source shard up to
   * this many bytes, not only this plane's piece (0: only the piece). */
  size_t src_pf_len;
} xform;

/*
 * The prefetch helpers must be inlined: a function whose only effect is
 * __builtin_prefetch counts for GCC as free of side effects, so calls to
 * it were deleted as dead code (GCC 12 -O2 kept no prefetch at all).
 */
#define PREFETCH_FN static inline __attribute__((always_inline)) void

/*
 * Prefetches what the fused first IFFT layers will read for the |cnt|
 * rows at |pos|: the stride bytes of each source shard and, when the
 * rows are multiplied by the locator, their multiplier table entries
 * (random logs, so random places in a table of megabytes).  Reading
 * thousands of short shard pieces, the hardware prefetchers alone leave
 * most of that latency exposed.  In the first of several planes the
 * rest of each shard is prefetched too: the later planes then find
 * their pieces in L2 or L3 instead of DRAM, and each shard's page is
 * walked into the TLB once instead of once per plane.
 */
PREFETCH_FN src_prefetch(const xform *x, uint32_t pos, unsigned cnt) {
  unsigned j;
  size_t o;
  for (j = 0; j < cnt; j++) {
    uint32_t p = pos + j;
    const uint8_t *s;
    if (p >= x->src_n || !x->src[p])
      continue;
    s = x->src[p] + x->src_off;
    for (o = 0; o < x->stride; o += 64)
      __builtin_prefetch(s + o, 0, 2);
    for (; o < x->src_pf_len; o += 64)
      __builtin_prefetch(s + o, 0, 2);
    if (x->src_log && x->ptab) {
      const uint8_t *e = x->ptab + (size_t)x->src_log[p] * x->ptab_ent;
      __builtin_prefetch(e);
      if (x->ptab_ent > 64)
        __builtin_prefetch(e + 64);
    }
  }
}

#define PREFETCH_ROWS 8u  /* rows ahead of the fused loads */
#define PREFETCH_SKEW 16u /* skew indices ahead of the bottom blocks */

/* Prefetches the table entries of skew[i] for i in [from, from + cnt):
 * a sub-block of s rows at skew offset sb uses skews [sb, sb + s) only. */
PREFETCH_FN skew_prefetch(const xform *x, uint32_t from, unsigned cnt) {
  unsigned j;
  if (!x->ptab)
    return;
  for (j = 0; j < cnt && from + j < PF_GF16_MODULUS; j++) {
    const uint8_t *e =
        x->ptab + (size_t)pf_gf16_skew[from + j] * x->ptab_ent;
    __builtin_prefetch(e);
    if (x->ptab_ent > 64)
      __builtin_prefetch(e + 64);
  }
}

/* Gathers the input pointers of |cnt| rows at |pos| for the fused loads. */
static void src_rows(const xform *x, uint32_t pos, unsigned cnt,
                     const uint8_t **in, uint16_t *lg) {
  unsigned j;
  for (j = 0; j < cnt; j++) {
    uint32_t p = pos + j;
    in[j] = p < x->src_n && x->src[p] ? x->src[p] + x->src_off : NULL;
    lg[j] = x->src_log && p < x->src_n ? x->src_log[p] : 0;
  }
}

/*
 * A zero skew (log 65535) makes its butterfly a plain XOR.  Small groups
 * then take the XOR path (less arithmetic, data in L1); from this many
 * bytes per group on, the fused radix-4 kernel runs anyway, multiplying
 * by zero, as the kernels allow: one pass over memory instead of two or
 * three, and those large groups are the ones that come from L3.
 */
#define FUSE_ZERO_MIN (16u * 1024u)

/* The radix-4 step on the 4 groups of |q| rows at |base|. */
static void ifft_quad(const xform *x, uint8_t *base, uint32_t q, unsigned l01,
                      unsigned l23, unsigned l02) {
  size_t g = (size_t)q * x->stride;
  uint8_t *r0 = base, *r1 = base + g, *r2 = r1 + g, *r3 = r2 + g;
  const pf_fec16_kern *K = x->K;

  if (g >= FUSE_ZERO_MIN ||
      (l01 != MODULUS && l23 != MODULUS && l02 != MODULUS)) {
    K->ifft4(r0, r1, r2, r3, l01, l23, l02, g);
    return;
  }
  /* skew factor 0: the butterfly reduces to the XOR */
  if (l01 == MODULUS)
    K->xor_rows(r1, r0, g);
  else
    K->ifft2(r0, r1, l01, g);
  if (l23 == MODULUS)
    K->xor_rows(r3, r2, g);
  else
    K->ifft2(r2, r3, l23, g);
  if (l02 == MODULUS) {
    K->xor_rows(r2, r0, 2 * g);
  } else {
    K->ifft2(r0, r2, l02, 2 * g);
  }
}

static void fft_quad(const xform *x, uint8_t *base, uint32_t q, unsigned l01,
                     unsigned l23, unsigned l02) {
  size_t g = (size_t)q * x->stride;
  uint8_t *r0 = base, *r1 = base + g, *r2 = r1 + g, *r3 = r2 + g;
  const pf_fec16_kern *K = x->K;

  if (g >= FUSE_ZERO_MIN ||
      (l01 != MODULUS && l23 != MODULUS && l02 != MODULUS)) {
    K->fft4(r0, r1, r2, r3, l01, l23, l02, g);
    return;
  }
  if (l02 == MODULUS)
    K->xor_rows(r2, r0, 2 * g);
  else
    K->fft2(r0, r2, l02, 2 * g);
  if (l01 == MODULUS)
    K->xor_rows(r1, r0, g);
  else
    K->fft2(r0, r1, l01, g);
  if (l23 == MODULUS)
    K->xor_rows(r3, r2, g);
  else
    K->fft2(r2, r3, l23, g);
}

/*
 * Inverse FFT of the |s| rows at |base| (s a power of two; |pos| is the
 * position of row 0 relative to the sources), rows >= |t| being zero.
 * The butterfly of layer distance d in the block starting at relative
 * row r uses skew[sb + r + d - 1] (rs-simd's skew_delta = sb).  Layers
 * run d = 1, 2, 4, ...: pairs of them fused (radix 4), depth first, the
 * lowest one reading the shards when x->src is set.
 */
static void ifft_rec(const xform *x, uint8_t *base, uint32_t s, uint32_t t,
                     uint32_t sb, uint32_t pos) {
  const uint16_t *skew = pf_gf16_skew;
  size_t st = x->stride;
  uint32_t q, j, i;
  const uint8_t *in[8];
  uint16_t lg[8];

  if (t == 0) {
    if (x->src) /* rows never written: must read as zero */
      memset(base, 0, (size_t)s * st);
    return;
  }
  if (s <= 8)
    skew_prefetch(x, sb + PREFETCH_SKEW, s);
  if (x->src && s == 8) {
    uint16_t l8[7];
    if (x->src_pf)
      src_prefetch(x, pos + 2 * PREFETCH_ROWS, 8);
    src_rows(x, pos, 8, in, lg);
    for (j = 0; j < 4; j++)
      l8[j] = skew[sb + 2 * j];
    l8[4] = skew[sb + 1];
    l8[5] = skew[sb + 5];
    l8[6] = skew[sb + 3];
    x->K->ifft8_in(base, st, in, x->src_log ? lg : NULL, l8, st);
    return;
  }
  if (x->src && s <= 4) {
    if (x->src_pf)
      src_prefetch(x, pos + PREFETCH_ROWS, s);
    src_rows(x, pos, s, in, lg);
    if (s == 1) {
      if (!in[0])
        memset(base, 0, st);
      else if (x->src_log && lg[0])
        x->K->mul(base, in[0], lg[0], st);
      else
        memcpy(base, in[0], st);
    } else if (s == 2) {
      x->K->ifft2_in(base, st, in, x->src_log ? lg : NULL, skew[sb], st);
    } else {
      x->K->ifft4_in(base, st, in, x->src_log ? lg : NULL, skew[sb],
                     skew[sb + 2], skew[sb + 1], st);
    }
    return;
  }
  if (s == 1)
    return;
  if (s == 2) {
    if (skew[sb] == MODULUS)
      x->K->xor_rows(base + st, base, st);
    else
      x->K->ifft2(base, base + st, skew[sb], st);
    return;
  }
  q = s / 4;
  for (j = 0; j < 4; j++) {
    uint32_t tj = t > j * q ? (t - j * q < q ? t - j * q : q) : 0;
    if (tj == 0 && x->src && (size_t)q * st >= FUSE_ZERO_MIN)
      break;
    ifft_rec(x, base + (size_t)j * q * st, q, tj, sb + j * q, pos + j * q);
  }
  if (j < 4) {
    /* Sub-blocks j.. hold only zero inputs (a suffix; e.g. rows [12288,
     * 16384) of a (10000, 2000) decode, n = 16384 for 12048 positions).
     * Instead of zero-filling them and reading the zeros back, the
     * radix-4 step takes them as absent inputs, in place.  Small groups
     * (in cache anyway) keep the zero fill and the cheaper XOR path of
     * ifft_quad for zero skews: ssse3 at (100, 20) was 0.8 % slower. */
    size_t g = (size_t)q * st;
    for (i = 0; i < 4; i++)
      in[i] = i < j ? base + i * g : NULL;
    x->K->ifft4_in(base, g, in, NULL, skew[sb + q - 1], skew[sb + 3 * q - 1],
                   skew[sb + 2 * q - 1], g);
    return;
  }
  ifft_quad(x, base, q, skew[sb + q - 1], skew[sb + 3 * q - 1],
            skew[sb + 2 * q - 1]);
}

/*
 * ifft_rec() of a whole chunk whose result is XORed into x->acc: the
 * last radix-4 step writes there directly when it can (no separate pass).
 */
static void ifft_acc(const xform *x, uint8_t *base, uint32_t s, uint32_t t,
                     uint32_t sb) {
  const uint16_t *skew = pf_gf16_skew;
  size_t st = x->stride;
  uint32_t q = s / 4, j;
  unsigned l01, l23, l02;

  l01 = skew[sb + q - 1];
  l23 = skew[sb + 3 * q - 1];
  l02 = skew[sb + 2 * q - 1];
  if (s < 16 || ((size_t)q * st < FUSE_ZERO_MIN &&
                 (l01 == MODULUS || l23 == MODULUS || l02 == MODULUS))) {
    ifft_rec(x, base, s, t, sb, 0);
    x->K->xor_rows(x->acc, base, (size_t)s * st);
    return;
  }
  for (j = 0; j < 4; j++)
    ifft_rec(x, base + (size_t)j * q * st, q,
             t > j * q ? (t - j * q < q ? t - j * q : q) : 0, sb + j * q,
             j * q);
  x->K->ifft4_acc(base, (size_t)q * st, x->acc, l01, l23, l02,
                  (size_t)q * st);
}

static int fft_needed(const xform *x, uint32_t pos, uint32_t len) {
  if (x->need)
    return x->need[pos + len] != x->need[pos];
  return pos < x->limit;
}

/* The decoder's last step on the |s| finished rows at |base| (see out). */
static void reveal_rows(const xform *x, const uint8_t *base, uint32_t pos,
                        uint32_t s) {
  uint32_t j;
  for (j = 0; j < s; j++) {
    uint32_t p = pos + j;
    if (x->need[p + 1] != x->need[p])
      x->K->mul(x->out[p - x->out_base] + x->out_off,
                base + (size_t)j * x->stride, pf_gf16_mod(MODULUS - x->out_loc[p]),
                x->stride);
  }
}

/*
 * Prefetches, for writing, the destination pieces of the needed rows
 * among the |cnt| at |pos|, and their multiplier table entries: each
 * reveal writes a piece of a scattered caller's shard that is in no
 * cache, after a table lookup at a random place.
 */
PREFETCH_FN reveal_prefetch(const xform *x, uint32_t pos, unsigned cnt) {
  unsigned j;
  size_t o;
  for (j = 0; j < cnt; j++) {
    uint32_t p = pos + j;
    const uint8_t *d;
    if (p >= x->src_n || x->need[p + 1] == x->need[p])
      continue;
    d = x->out[p - x->out_base] + x->out_off;
    for (o = 0; o < x->stride; o += 64)
      __builtin_prefetch(d + o, 1, 3);
    if (x->ptab) {
      const uint8_t *e =
          x->ptab + (size_t)pf_gf16_mod(MODULUS - x->out_loc[p]) * x->ptab_ent;
      __builtin_prefetch(e);
      if (x->ptab_ent > 64)
        __builtin_prefetch(e + 64);
    }
  }
}

#define PREFETCH_OUT 16u /* rows ahead of the reveal */

/* Forward FFT (layers d = s/2 down to 1), skipping unneeded outputs. */
static void fft_rec(const xform *x, uint8_t *base, uint32_t s, uint32_t pos,
                    uint32_t sb) {
  const uint16_t *skew = pf_gf16_skew;
  size_t st = x->stride;
  uint32_t q, j;

  if (s <= 4) {
    skew_prefetch(x, sb + PREFETCH_SKEW, s);
    if (x->out)
      reveal_prefetch(x, pos + PREFETCH_OUT, s);
    if (s == 2) {
      if (skew[sb] == MODULUS)
        x->K->xor_rows(base + st, base, st);
      else
        x->K->fft2(base, base + st, skew[sb], st);
    } else if (s == 4) {
      fft_quad(x, base, 1, skew[sb], skew[sb + 2], skew[sb + 1]);
    }
    if (x->out)
      reveal_rows(x, base, pos, s);
    return;
  }
  q = s / 4;
  fft_quad(x, base, q, skew[sb + q - 1], skew[sb + 3 * q - 1],
           skew[sb + 2 * q - 1]);
  for (j = 0; j < 4; j++)
    if (fft_needed(x, pos + j * q, q))
      fft_rec(x, base + (size_t)j * q * st, q, pos + j * q, sb + j * q);
}

/*
 * Formal derivative in the novel basis over |s| rows at |base|:
 * row p ^= row (p | 2^t) for every bit t clear in p (original values).
 * rs-simd's loop "for i in 1..n: rows [i - w, i) ^= rows [i, i + w),
 * w = lowest bit of i" computes exactly that, and so does this recursion
 * in the same order: D(L, U) = (D(L) ^ U, D(U)), taken DERIV_FUSE levels
 * at a time (each of the 2^DERIV_FUSE sub-blocks j, after its own
 * derivative, XORs in the original sub-blocks j | 2^t), down to 16-row
 * blocks done in registers.  Each row is then read and written about
 * once per DERIV_FUSE levels instead of once per level.
 */
#define DERIV_FUSE 5u /* 4 and 6 measured slower at (10000, 2000) */
#define DERIV_PIECE (4u * 1024u)

static void deriv(const pf_fec16_kern *K, uint8_t *base, uint32_t s,
                  size_t st) {
  uint32_t i, j, t, g, q, kb;
  size_t qb, o;

  if (s < 16) {
    for (i = 1; i < s; i++) {
      uint32_t w = i & (0u - i);
      K->xor_rows(base + (size_t)(i - w) * st, base + (size_t)i * st,
                  (size_t)w * st);
    }
    return;
  }
  if (s == 16) {
    K->deriv16(base, st, st);
    return;
  }
  for (kb = 0; kb < DERIV_FUSE && (16u << (kb + 1)) <= s; kb++)
    ;
  g = 1u << kb;
  q = s / g;
  qb = (size_t)q * st;
  for (j = 0; j < g; j++) {
    uint8_t *dst = base + (size_t)j * qb;
    deriv(K, dst, q, st);
    for (o = 0; o < qb; o += DERIV_PIECE) {
      size_t len = qb - o < DERIV_PIECE ? qb - o : DERIV_PIECE;
      for (t = 0; t < kb; t++)
        if (!(j & (1u << t)))
          K->xor_rows(dst + o, base + (size_t)(j | (1u << t)) * qb + o, len);
    }
  }
}

/*
 * The decoder's IFFT of the |s| rows at |base| (positions 0.., rows >= |t|
 * zero) followed by the formal derivative, with the derivative fused into
 * the IFFT's top radix-4 step, so that it costs no pass over memory of
 * its own.  D is an involution (D_m D_m = I, by induction from
 * D_2m = [[D_m, I], [0, D_m]]), hence D_2m (X, Y) = (D_m (X ^ D_m Y),
 * D_m Y): the lower half is the derivative of (itself XOR the *finished*
 * upper half).  Unrolled down to 16-row leaves:
 *
 *   final[p] = deriv16( x[p] ^ XOR_{t >= 4, bit t clear in p} final[p | 2^t] )
 *
 * so leaves can be finished in descending order, each from its own rows
 * and finished rows above it.  The top radix-4 step runs over 16-row
 * slabs r of the four quarters in descending r, and each slab's four
 * leaves (quarters 3, 2, 1, 0) are finished right after, while in L1;
 * their partners are the slabs just finished (t up to log2 of the
 * quarter) or earlier leaves of the same slab.  A quarter that holds only
 * zero inputs (x->src set: its rows were never written) is read as absent.
 * Needs s >= 64.
 */
static void ifft_deriv(const xform *x, uint8_t *base, uint32_t s, uint32_t t) {
  const uint16_t *skew = pf_gf16_skew;
  const pf_fec16_kern *K = x->K;
  size_t st = x->stride, g, leafb = 16 * st;
  uint32_t q = s / 4, j, r, bit, nz = 4;
  unsigned l01 = skew[q - 1], l23 = skew[3 * q - 1], l02 = skew[2 * q - 1];
  const uint8_t *in[4], *src[16];
  unsigned cnt;

  for (j = 0; j < 4; j++) {
    uint32_t tj = t > j * q ? (t - j * q < q ? t - j * q : q) : 0;
    if (tj == 0 && x->src) {
      nz = j;
      break;
    }
    ifft_rec(x, base + (size_t)j * q * st, q, tj, j * q, j * q);
  }
  g = (size_t)q * st;
  for (r = q; r > 0;) {
    uint8_t *slab;
    r -= 16;
    slab = base + (size_t)r * st;
    for (j = 0; j < 4; j++)
      in[j] = j < nz ? slab + j * g : NULL;
    K->ifft4_in(slab, g, in, NULL, l01, l23, l02, leafb);
    for (j = 4; j-- > 0;) {
      uint32_t p0 = j * q + r;
      cnt = 0;
      for (bit = 16; bit < s; bit <<= 1)
        if (!(p0 & bit))
          src[cnt++] = base + (size_t)(p0 + bit) * st;
      K->deriv16_xor(base + (size_t)p0 * st, st, src, cnt, st);
    }
  }
}

/* ---- creation -------------------------------------------------------- */

static const pf_fec16_kern *pick_kernel(int impl, int *err) {
  uint32_t f = pf_cpu_features();

  *err = 0;
#ifdef PF_FEC16_HAVE_X86
  switch (impl) {
  case PF_FEC_IMPL_AUTO:
    if ((f & PF_CPU_AVX512BW) && (f & PF_CPU_GFNI))
      return &pf_fec16_kern_gfni;
    if (f & PF_CPU_AVX512BW)
      return &pf_fec16_kern_avx512;
    if (f & PF_CPU_AVX2)
      return &pf_fec16_kern_avx2;
    if (f & PF_CPU_SSSE3)
      return &pf_fec16_kern_ssse3;
    return &pf_fec16_kern_ref;
  case PF_FEC_IMPL_REF:
    return &pf_fec16_kern_ref;
  case PF_FEC_IMPL_SSSE3:
    if (f & PF_CPU_SSSE3)
      return &pf_fec16_kern_ssse3;
    break;
  case PF_FEC_IMPL_AVX2:
    if (f & PF_CPU_AVX2)
      return &pf_fec16_kern_avx2;
    break;
  case PF_FEC_IMPL_AVX512:
    if (f & PF_CPU_AVX512BW)
      return &pf_fec16_kern_avx512;
    break;
  case PF_FEC_IMPL_GFNI:
    if ((f & PF_CPU_AVX512BW) && (f & PF_CPU_GFNI))
      return &pf_fec16_kern_gfni;
    break;
  default:
    break;
  }
#else
  (void)f;
  if (impl == PF_FEC_IMPL_AUTO || impl == PF_FEC_IMPL_REF)
    return &pf_fec16_kern_ref;
#endif
  *err = impl >= 0 && impl <= (int)PF_FEC_IMPL_AVX512
             ? PF_ERR_UNSUPPORTED
             : PF_ERR_INVALID_ARGUMENT;
  return NULL;
}

static int work_reserve(pf_fec16 *fec, size_t len) {
  size_t need, dec, st = pf_fec16_row_bytes(len);

  /* One plane at a time: rows x (plane width), the same space reused by
   * every plane. */
  if (len > SIZE_MAX / 2 ||
      pf_mul_overflow(st < PLANE_ENC ? st : PLANE_ENC, fec->enc_rows, &need) ||
      pf_mul_overflow(st < dec_plane(fec->n) ? st : dec_plane(fec->n), fec->n,
                      &dec))
    return PF_ERR_NOMEM;
  if (dec > need)
    need = dec;
  return pf_mem_aligned_reserve(fec->mem, &fec->work, &fec->work_bytes, need);
}

int pf_fec16_shape_compatible(uint32_t k, uint32_t m) {
  uint32_t lo = k < m ? k : m, hi = k < m ? m : k;

  /* rs-simd: positions must fit the field, NextPow2(min) + max <= 65536 */
  return k >= 1 && m >= 1 && k <= PF_FEC16_MAX_SHARDS &&
         m <= PF_FEC16_MAX_SHARDS && k + m <= PF_FEC16_MAX_SHARDS &&
         next_pow2(lo) + hi <= PF_GF16_ORDER;
}

/* |ext|: the extension layout (pf_fec16_ext.c) instead of rs-simd's. */
static int fec16_new(pf_fec16 **pfec, uint32_t k, uint32_t m, size_t max_len,
                     uint32_t impl, const pf_mem *mem, int ext) {
  pf_fec16 *fec;
  const pf_fec16_kern *K;
  uint32_t kp, mp, n, enc_rows, i;
  int rv;

  *pfec = NULL;
  if (k == 0 || m == 0 || k > PF_FEC16_MAX_SHARDS ||
      m > PF_FEC16_MAX_SHARDS || k + m > PF_FEC16_MAX_SHARDS ||
      (max_len & 1) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  kp = next_pow2(k);
  mp = next_pow2(m);

  rv = pf_fec_impl_resolve(impl);
  if (rv < 0)
    return rv;
  K = pick_kernel(rv, &rv);
  if (!K)
    return rv;

  pf_gf16_tables_init();
  if (K != &pf_fec16_kern_ref) {
    if (K->name[0] == 'g')
      (void)pf_fec16_gfni_table();
    else
      (void)pf_fec16_nib_table();
  }

  fec = pf_mem_calloc(mem, 1, sizeof(*fec));
  if (!fec)
    return PF_ERR_NOMEM;
  fec->mem = mem;
  fec->kern = K;
  fec->k = k;
  fec->m = m;
  if (ext) {
    rv = pf_fec16_ext_new(&fec->ext, K, k, m, max_len, mem);
    if (rv) {
      pf_fec16_del(fec);
      return rv;
    }
    *pfec = fec;
    return 0;
  }
  /* rs-simd DefaultRate: the "wrong" rate on purpose when pow2s tie. */
  fec->high = kp > mp || (kp == mp && k <= m);
  if (fec->high) {
    fec->chunk = mp;
    fec->par_pos = 0;
    fec->data_pos = mp;
    n = next_pow2(mp + k);
    enc_rows = 2 * mp;
  } else {
    fec->chunk = kp;
    fec->data_pos = 0;
    fec->par_pos = kp;
    n = next_pow2(kp + m);
    enc_rows = 2 * kp;
  }
  fec->n = n;
  fec->enc_rows = enc_rows;

  fec->lw = pf_mem_malloc(mem, n * sizeof(uint16_t));
  fec->loc = pf_mem_malloc(mem, n * sizeof(uint16_t));
  fec->need = pf_mem_malloc(mem, (n + 1) * sizeof(uint32_t));
  fec->src = pf_mem_malloc(mem, n * sizeof(*fec->src));
  if (!fec->lw || !fec->loc || !fec->need || !fec->src) {
    pf_fec16_del(fec);
    return PF_ERR_NOMEM;
  }

  /*
   * Dyadic convolution over [0, n) via Walsh transforms needs a 1/n
   * factor; modulo 65535, 1/2^s = 2^(16-s), a 16-bit rotation.  Fold it
   * into the transformed log table.
   */
  {
    unsigned s = 0, rot;
    uint32_t sum = 0;
    while ((1u << s) < n)
      s++;
    rot = (16 - s) & 15;
    fec->lw[0] = 0;
    for (i = 1; i < n; i++) {
      fec->lw[i] = pf_gf16_log[i];
      sum += pf_gf16_log[i];
    }
    pf_gf16_fwht(fec->lw, n);
    for (i = 0; i < n; i++) {
      unsigned v = fec->lw[i];
      fec->lw[i] = (uint16_t)pf_gf16_mod(((v << rot) | (v >> (16 - rot))) &
                                      0xffffu);
    }
    /* Low rate: positions beyond the work are erased too (rs-simd); they
     * add sum_{x >= n} log[x].  log maps the 65535 nonzero elements onto
     * 0..65534, whose sum 65535 * 32767 is 0 modulo 65535, so that is
     * -sum_{1 <= x < n} log[x]: no pass over the 128 KiB table (it was
     * ~35 us of every coder made for a small shape). */
    sum %= PF_GF16_MODULUS;
    fec->tail_log = (uint16_t)pf_gf16_mod(PF_GF16_MODULUS - sum);
  }

  if (max_len) {
    rv = work_reserve(fec, max_len);
    if (rv) {
      pf_fec16_del(fec);
      return rv;
    }
  }
  *pfec = fec;
  return 0;
}

int pf_fec16_new(pf_fec16 **pfec, uint32_t k, uint32_t m, size_t max_len,
                 uint32_t impl, const pf_mem *mem) {
  return fec16_new(pfec, k, m, max_len, impl, mem,
                   !pf_fec16_shape_compatible(k, m));
}

int pf_fec16_new_ext(pf_fec16 **pfec, uint32_t k, uint32_t m,
                     size_t max_len, uint32_t impl, const pf_mem *mem) {
  return fec16_new(pfec, k, m, max_len, impl, mem, 1);
}

void pf_fec16_del(pf_fec16 *fec) {
  if (!fec)
    return;
  pf_fec16_ext_del(fec->ext);
  pf_mem_aligned_free(fec->mem, fec->work);
  pf_mem_free(fec->mem, fec->lw);
  pf_mem_free(fec->mem, fec->loc);
  pf_mem_free(fec->mem, fec->need);
  pf_mem_free(fec->mem, fec->src);
  pf_mem_free(fec->mem, fec);
}

const char *pf_fec16_impl_name(const pf_fec16 *fec) {
  return fec ? fec->kern->name : "none";
}

/* The multiplier table the kernel reads, for the prefetches. */
static void prefetch_table(xform *x) {
  if (x->K == &pf_fec16_kern_ref) {
    x->ptab = NULL;
  } else if (x->K->name[0] == 'g') {
    x->ptab = (const uint8_t *)(const void *)pf_fec16_gfni_table();
    x->ptab_ent = 4 * sizeof(uint64_t);
  } else {
    x->ptab = pf_fec16_nib_table();
    x->ptab_ent = 128;
  }
}

/* ---- encoding -------------------------------------------------------- */

/* Width of the plane starting at column |col| of a |len|-byte shard:
 * up to |p| bytes of whole blocks, or the 64-byte block of the tail. */
static size_t plane_width(size_t col, size_t len, size_t p) {
  size_t full = len & ~(size_t)63;
  if (col < full)
    return full - col < p ? full - col : p;
  return 64;
}

#define ENC_PREFETCH_MIN (4u * 1024u * 1024u) /* bytes of data */

int pf_fec16_encode(pf_fec16 *fec, const uint8_t *const *data,
                    uint8_t *const *parity, size_t len) {
  const pf_fec16_kern *K = fec->kern;
  size_t st = pf_fec16_row_bytes(len), full = len & ~(size_t)63, tl = len - full;
  size_t col, w;
  uint32_t chunk = fec->chunk, k = fec->k, m = fec->m, i, c;
  xform x;
  int rv;

  if (fec->ext)
    return pf_fec16_ext_encode(fec->ext, data, parity, len);
  rv = work_reserve(fec, len);
  if (rv)
    return rv;
  memset(&x, 0, sizeof(x));
  x.K = K;
  /* Data that fits the caches gains nothing from the prefetches (measured
   * 2-3 % slower at (100, 20) and (1000, 200), 3 % faster at (10000,
   * 2000)). */
  x.src_pf = (size_t)k * st >= ENC_PREFETCH_MIN;

  for (col = 0; col < st; col += w) {
    int tail = col >= full;
    uint8_t *acc = fec->work, *tmp;

    w = plane_width(col, len, PLANE_ENC);
    tmp = acc + (size_t)chunk * w;
    x.stride = w;
    for (c = 0; c * chunk < k; c++) {
      uint32_t base = c * chunk, cnt = k - base < chunk ? k - base : chunk;
      uint32_t sb = fec->high ? (c + 1) * chunk : 0;
      uint8_t *dst = c ? tmp : acc;

      if (!tail) { /* the first IFFT layers read the data directly */
        x.src = data + base;
        x.src_off = col;
        x.src_n = cnt;
      } else { /* the tail, rearranged into a block first */
        x.src = NULL;
        for (i = 0; i < cnt; i++)
          pf_fec16_tail_in(dst + (size_t)i * 64, data[base + i] + full, tl);
        memset(dst + (size_t)cnt * 64, 0, (size_t)(chunk - cnt) * 64);
      }
      if (c) {
        x.acc = acc;
        ifft_acc(&x, dst, chunk, cnt, sb);
      } else {
        ifft_rec(&x, dst, chunk, cnt, sb, 0);
      }
    }
    x.src = NULL;

    for (c = 0; c * chunk < m; c++) {
      uint32_t cnt = m - c * chunk < chunk ? m - c * chunk : chunk;
      /* high rate: one chunk.  Low rate: the last chunk may transform the
       * IFFT result in place. */
      uint8_t *dst = (c + 1) * chunk >= m ? acc : tmp;
      if (dst != acc)
        memcpy(dst, acc, (size_t)chunk * w);
      x.limit = cnt;
      fft_rec(&x, dst, chunk, 0, fec->high ? 0 : (c + 1) * chunk);
      for (i = 0; i < cnt; i++) {
        if (!tail)
          memcpy(parity[c * chunk + i] + col, dst + (size_t)i * w, w);
        else
          pf_fec16_tail_out(parity[c * chunk + i] + full, dst + (size_t)i * 64, tl);
      }
    }
  }
  return 0;
}

/* ---- decoding -------------------------------------------------------- */

/*
 * loc[i] <- log of the error locator (product over erased j != i of
 * (i + j), in the Cantor-basis position numbering) for i in [0, n), given
 * the 0/1 erasure indicator in loc.  Modulo 65535 this is the dyadic
 * convolution of the indicator with log[] (log[0] taken as 0).
 */
static void locator(pf_fec16 *fec) {
  uint16_t *e = fec->loc;
  uint32_t n = fec->n, i;

  pf_gf16_log_convolve(e, fec->lw, n);
  if (!fec->high)
    for (i = 0; i < n; i++)
      e[i] = (uint16_t)pf_gf16_mod((uint32_t)e[i] + fec->tail_log);
}

int pf_fec16_decode(pf_fec16 *fec, uint8_t *const *shards,
                    const uint8_t *present, size_t len) {
  const pf_fec16_kern *K = fec->kern;
  size_t st = pf_fec16_row_bytes(len), full = len & ~(size_t)63, tl = len - full;
  uint32_t k = fec->k, m = fec->m, n = fec->n, i, lost = 0, have = 0;
  uint32_t end, dp = fec->data_pos, pp = fec->par_pos;
  uint8_t *w;
  size_t col, wd;
  xform x;
  int rv;

  if (fec->ext)
    return pf_fec16_ext_decode(fec->ext, shards, present, len);
  for (i = 0; i < k; i++)
    lost += !present[i];
  for (i = 0; i < k + m; i++)
    have += present[i] != 0;
  if (lost == 0)
    return 0;
  if (have < k)
    return PF_ERR_FEC_UNRECOVERABLE;
  rv = work_reserve(fec, len);
  if (rv)
    return rv;
  w = fec->work;

  /* Erasure indicator over [0, n) and the received shard of each row. */
  memset(fec->loc, 0, n * sizeof(uint16_t));
  memset(fec->src, 0, n * sizeof(*fec->src));
  for (i = 0; i < k; i++) {
    fec->loc[dp + i] = !present[i];
    fec->src[dp + i] = present[i] ? shards[i] : NULL;
  }
  for (i = 0; i < m; i++) {
    fec->loc[pp + i] = !present[k + i];
    fec->src[pp + i] = present[k + i] ? shards[k + i] : NULL;
  }
  if (fec->high) {
    for (i = m; i < fec->chunk; i++)
      fec->loc[i] = 1;
    end = dp + k;
  } else {
    for (i = pp + m; i < n; i++)
      fec->loc[i] = 1;
    end = pp + m;
  }
  locator(fec);

  fec->need[0] = 0;
  for (i = 0; i < n; i++)
    fec->need[i + 1] =
        fec->need[i] + (i >= dp && i < dp + k && !present[i - dp]);

  memset(&x, 0, sizeof(x));
  x.K = K;
  x.need = fec->need;
  x.src_pf = 1;
  x.out_loc = fec->loc;
  x.out_base = dp;
  prefetch_table(&x);
  for (col = 0; col < st; col += wd) {
    int tail = col >= full;
    uint8_t *pb = w; /* every plane reuses the same, cache-warm space */

    wd = plane_width(col, len, dec_plane(n));
    x.stride = wd;
    /* IFFT of (received shard x locator), erased rows zero. */
    if (!tail) {
      x.src = (const uint8_t *const *)fec->src;
      x.src_log = fec->loc;
      x.src_off = col;
      x.src_n = end;
      x.src_pf_len = col == 0 && wd < len ? len : 0;
    } else {
      x.src = NULL;
      for (i = 0; i < n; i++) {
        uint8_t *blk = pb + (size_t)i * 64;
        if (i < end && fec->src[i]) {
          pf_fec16_tail_in(blk, fec->src[i] + full, tl);
          if (fec->loc[i])
            K->mul(blk, blk, fec->loc[i], 64);
        } else {
          memset(blk, 0, 64);
        }
      }
    }
    if (n >= 64 && K->deriv16_xor) {
      ifft_deriv(&x, pb, n, end);
    } else {
      ifft_rec(&x, pb, n, end, 0, 0);
      deriv(K, pb, n, wd);
    }
    x.src = NULL;
    x.out = tail ? NULL : shards;
    x.out_off = col;
    if (fft_needed(&x, 0, n))
      fft_rec(&x, pb, n, 0, 0);
    /* Reveal: divide by the locator's derivative (fused into the FFT's
     * bottom blocks except for the tail). */
    if (tail)
      for (i = 0; i < k; i++) {
        uint8_t *row = pb + (size_t)(dp + i) * wd;
        if (present[i])
          continue;
        K->mul(row, row, pf_gf16_mod(MODULUS - fec->loc[dp + i]), 64);
        pf_fec16_tail_out(shards[i] + full, row, tl);
      }
  }
  return (int)lost;
}

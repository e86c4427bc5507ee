/*
 * test_fec8.c -- the GF(2^8) Cauchy Reed-Solomon coder (lib/fec/pf_fec8.c):
 * nanors and Moonlight-audio known answers for every kernel this CPU
 * runs, a sweep over every (k, m), kernels against the reference on odd
 * sizes and unaligned buffers, the decoding cache, and allocation.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec8.h"
#include "fec/pf_fec8_gfni.h"
#include "testutil.h"

static const uint8_t audio_matrix[8] = {0x77, 0x40, 0x38, 0x0e,
                                        0xc7, 0xa7, 0x0d, 0x6c};

static uint32_t kernels[3];
static size_t nkernels;

static void find_kernels(void) {
  static const uint32_t all[3] = {PF_FEC_IMPL_REF, PF_FEC_IMPL_ISAL,
                                  PF_FEC_IMPL_GFNI};
  size_t i;

  for (i = 0; i < 3; i++) {
    pf_fec8 *f;
    int rv = pf_fec8_new(&f, 4, 2, NULL, all[i], NULL);
    if (rv == 0) {
      kernels[nkernels++] = all[i];
      TU_CHECK(strcmp(pf_fec8_impl_name(f), pf_fec_impl_str(all[i])) == 0);
      pf_fec8_del(f);
    } else {
      TU_CHECK_EQ(rv, PF_ERR_UNSUPPORTED);
      printf("kernel %s: not available here\n", pf_fec_impl_str(all[i]));
    }
  }
  /* ref always; isal is a build dependency; gfni where the CPU has it. */
  TU_CHECK(nkernels >= 2);
  if ((pf_cpu_features() & PF_CPU_GFNI) &&
      (pf_cpu_features() & (PF_CPU_AVX2 | PF_CPU_AVX512BW)))
    TU_CHECK_EQ(nkernels, 3);
}

static uint64_t rng_state = 0x1234567887654321u;
static uint32_t rnd(uint32_t n) {
  return (uint32_t)(tu_splitmix64(&rng_state) % n);
}
static void rnd_fill(uint8_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    p[i] = (uint8_t)tu_splitmix64(&rng_state);
}

/* A test-local GF(2^8)/0x11D, independent of the library's tables. */
static uint8_t tmul[256][256], tinv[256];

static void build_tmul(void) {
  unsigned a, b, i, r, x;

  for (a = 0; a < 256; a++)
    for (b = 0; b < 256; b++) {
      for (r = 0, x = a, i = 0; i < 8; i++) {
        if (b & (1u << i))
          r ^= x;
        x <<= 1;
        if (x & 0x100)
          x ^= 0x11D;
      }
      tmul[a][b] = (uint8_t)r;
      if (r == 1)
        tinv[a] = (uint8_t)b;
    }
}

/* ------------------------------------------------------------ KAT */

/* The original nanors KAT: k=4, m=2, 1-byte shards. */
static void test_kat(void) {
  size_t ki;

  for (ki = 0; ki < nkernels; ki++) {
    uint8_t d[4] = {10, 20, 30, 40}, p[2] = {0xff, 0xff}, sav[4];
    const uint8_t *dp[4] = {&d[0], &d[1], &d[2], &d[3]};
    uint8_t *pp[2] = {&p[0], &p[1]};
    uint8_t *sh[6] = {&d[0], &d[1], &d[2], &d[3], &p[0], &p[1]};
    uint8_t present[6] = {0, 1, 0, 1, 1, 1};
    pf_fec8 *f;

    TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, kernels[ki], NULL), 0);
    TU_CHECK_EQ(pf_fec8_encode(f, dp, pp, 1), 0);
    TU_CHECK_EQ(p[0], 136);
    TU_CHECK_EQ(p[1], 0);
    memcpy(sav, d, 4);
    d[0] = d[2] = 0x55;
    TU_CHECK_EQ(pf_fec8_decode(f, sh, present, 1), 2);
    TU_CHECK(memcmp(sav, d, 4) == 0);
    pf_fec8_del(f);
  }
}

/* ------------------------------------------------------------ vectors */

static int check_hex_or_sha(const tu_vecfile *vf, const char *what,
                            uint32_t idx, const uint8_t *buf, size_t size) {
  char key[64];
  const char *v;
  uint8_t want[65536 + 1], dig[32];

  snprintf(key, sizeof(key), "%s[%u]", what, idx);
  v = tu_vec_get(vf, key);
  if (v) {
    long n = tu_hex_decode(v, want, sizeof(want));
    return n == (long)size && memcmp(want, buf, size) == 0;
  }
  snprintf(key, sizeof(key), "%s_sha256[%u]", what, idx);
  v = tu_vec_get(vf, key);
  if (!v)
    return -1; /* not listed */
  if (tu_hex_decode(v, want, 32) != 32)
    return 0;
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, size, dig) != 0)
    return 0;
  return memcmp(want, dig, 32) == 0;
}

static void run_vector_file(const char *name, const uint8_t *matrix) {
  const char *path = tu_vector_path(name);
  tu_vecfile vf;
  size_t ki, ncases = 0, ndec = 0;
  int rv;

  TU_CHECK_MSG(path != NULL, "vector file %s not found", name);
  if (!path || tu_vec_open(&vf, path) != 0)
    return;
  while ((rv = tu_vec_next(&vf)) == 1) {
    uint32_t k = (uint32_t)strtoul(tu_vec_get(&vf, "k"), NULL, 10);
    uint32_t m = (uint32_t)strtoul(tu_vec_get(&vf, "m"), NULL, 10);
    size_t size = strtoul(tu_vec_get(&vf, "size"), NULL, 10);
    uint64_t seed = strtoull(tu_vec_get(&vf, "seed"), NULL, 10);
    const char *lost = tu_vec_get(&vf, "lost");
    uint8_t *data = malloc((size_t)k * size),
            *work = malloc((size_t)(k + m) * size);
    const uint8_t *dp[255];
    uint8_t *pp[255], *sh[255], present[255];
    uint32_t i;

    tu_fill(seed, data, (size_t)k * size);
    for (i = 0; i < k; i++)
      dp[i] = data + (size_t)i * size;
    for (i = 0; i < k + m; i++)
      sh[i] = work + (size_t)i * size;
    for (i = 0; i < m; i++)
      pp[i] = work + (size_t)(k + i) * size;
    ncases++;
    for (ki = 0; ki < nkernels; ki++) {
      pf_fec8 *f;
      int ok = 1, n = 0;

      TU_CHECK_EQ(pf_fec8_new(&f, k, m, matrix, kernels[ki], NULL), 0);
      if (!f)
        continue;
      memset(work, 0xa5, (size_t)(k + m) * size);
      TU_CHECK_EQ(pf_fec8_encode(f, dp, pp, size), 0);
      for (i = 0; i < m; i++)
        ok &= check_hex_or_sha(&vf, "parity", i, pp[i], size) == 1;
      TU_CHECK_MSG(ok, "%s k=%u m=%u size=%zu %s: parity", name, k, m, size,
                   pf_fec8_impl_name(f));
      if (lost) {
        const char *p = lost;
        memcpy(work, data, (size_t)k * size);
        memset(present, 1, sizeof(present));
        while (*p) {
          uint32_t li = (uint32_t)strtoul(p, (char **)&p, 10);
          present[li] = 0;
          if (li < k) {
            memset(sh[li], 0x3c, size);
            n++;
          } else {
            memset(sh[li], 0xc3, size); /* arrived garbage: must be unread */
          }
          if (*p == ',')
            p++;
        }
        TU_CHECK_EQ(pf_fec8_decode(f, sh, present, size), n);
        ok = 1;
        for (i = 0; i < k; i++) {
          int c = check_hex_or_sha(&vf, "recovered", i, sh[i], size);
          if (c == -1)
            c = !present[i] ? 0 : memcmp(sh[i], dp[i], size) == 0;
          ok &= c == 1;
        }
        TU_CHECK_MSG(ok, "%s k=%u m=%u size=%zu %s: decode", name, k, m, size,
                     pf_fec8_impl_name(f));
        if (ki == 0)
          ndec++;
      }
      pf_fec8_del(f);
    }
    free(data);
    free(work);
  }
  TU_CHECK_EQ(rv, 0);
  TU_CHECK(ncases > 0);
  printf("%s: %zu cases (%zu decoding) x %zu kernels\n", name, ncases, ndec,
         nkernels);
  tu_vec_close(&vf);
}

/* ------------------------------------------------------------ sweep */

/* Marks |w| random distinct shards of n as absent. */
static void random_erasures(uint8_t *present, uint32_t n, uint32_t w) {
  uint32_t i;
  memset(present, 1, n);
  for (i = 0; i < w;) {
    uint32_t x = rnd(n);
    if (present[x]) {
      present[x] = 0;
      i++;
    }
  }
}

/* Erases w shards, decodes and compares; returns 1 on success. */
static int round_trip(pf_fec8 *f, uint32_t k, uint32_t m, uint8_t *const *sh,
                      const uint8_t *orig, size_t size, uint32_t w) {
  uint8_t present[255];
  uint32_t i, nd = 0;
  int rv;

  random_erasures(present, k + m, w);
  for (i = 0; i < k; i++)
    if (!present[i]) {
      memset(sh[i], 0x5a, size);
      nd++;
    }
  rv = pf_fec8_decode(f, sh, present, size);
  if (rv != (int)nd)
    return 0;
  for (i = 0; i < k; i++)
    if (memcmp(sh[i], orig + (size_t)i * size, size) != 0)
      return 0;
  return 1;
}

/*
 * Every (k, m) with k + m <= |maxn| through kernel |impl| at a size that
 * varies from 3 to 40 bytes: encode, then random erasures of every weight
 * 1..m for codes of up to |every| shards (weights 1, random and m above
 * that), each rebuilt exactly; m + 1 erasures are unrecoverable.  With
 * |explicit_matrix| the nanors matrix is passed in as a caller matrix,
 * which takes the Gauss-Jordan path instead of the closed-form Cauchy
 * inverse (same results expected).
 */
static void sweep(uint32_t impl, uint32_t maxn, uint32_t every,
                  int explicit_matrix) {
  static uint8_t mat[255 * 255];
  static uint8_t orig[255 * 40], work[255 * 40];
  uint32_t k, m, w, i, cases = 0, fails = 0;
  clock_t t0 = clock();

  for (k = 1; k < maxn; k++) {
    for (m = 1; k + m <= maxn; m++) {
      size_t size = 3 + (k * 7 + m * 13) % 38;
      const uint8_t *dp[255];
      uint8_t *sh[255], *pp[255], present[255];
      pf_fec8 *f;
      int rv;

      if (explicit_matrix)
        for (i = 0; i < k * m; i++)
          mat[i] = tinv[(m + i % k) ^ (i / k)];
      if (pf_fec8_new(&f, k, m, explicit_matrix ? mat : NULL, impl, NULL) !=
          0) {
        fails++;
        continue;
      }
      rnd_fill(orig, (size_t)k * size);
      memcpy(work, orig, (size_t)k * size);
      for (i = 0; i < k + m; i++)
        sh[i] = work + (size_t)i * size;
      for (i = 0; i < k; i++)
        dp[i] = orig + (size_t)i * size;
      for (i = 0; i < m; i++)
        pp[i] = sh[k + i];
      pf_fec8_encode(f, dp, pp, size);
      if (k + m <= every) {
        for (w = 1; w <= m; w++)
          fails += !round_trip(f, k, m, sh, orig, size, w);
      } else {
        fails += !round_trip(f, k, m, sh, orig, size, 1);
        fails += !round_trip(f, k, m, sh, orig, size, 1 + rnd(m));
        fails += !round_trip(f, k, m, sh, orig, size, m);
      }
      /* m + 1 erasures: at least one data shard, and too few shards. */
      random_erasures(present, k + m, m + 1);
      rv = pf_fec8_decode(f, sh, present, size);
      if (rv != PF_ERR_FEC_UNRECOVERABLE)
        fails++;
      cases++;
      pf_fec8_del(f);
    }
  }
  TU_CHECK_EQ(fails, 0);
  printf("sweep %s%s: %u (k, m) codes in %.1f s\n", pf_fec_impl_str(impl),
         explicit_matrix ? " (caller matrix)" : "", cases,
         (double)(clock() - t0) / CLOCKS_PER_SEC);
}

static void test_sweep(void) {
  size_t ki;

  /* Every code through the kernel AUTO picks; small ones through all. */
  sweep(PF_FEC_IMPL_AUTO, 255, 48, 0);
  for (ki = 0; ki < nkernels; ki++)
    sweep(kernels[ki], 96, 64, 0);
  /* Gauss-Jordan decoding (caller matrices) over the same codes. */
  sweep(PF_FEC_IMPL_AUTO, 255, 32, 1);
}

/* ------------------------------------------------------------ kernels */

static void oracle(size_t size, uint32_t k, uint32_t rows, const uint8_t *coef,
                   const uint8_t *const *src, uint8_t *const *dst) {
  uint32_t r, i;
  size_t b;

  for (r = 0; r < rows; r++) {
    memset(dst[r], 0, size);
    for (i = 0; i < k; i++) {
      const uint8_t *t = tmul[coef[(size_t)r * k + i]];
      for (b = 0; b < size; b++)
        dst[r][b] ^= t[src[i][b]];
    }
  }
}

/* The affine matrices: table = definition, and A(c) x = c * x bitwise. */
static void test_affine(void) {
  unsigned c, x, bit;
  int fails = 0;

  for (c = 0; c < 256; c++) {
    uint64_t a = pf_fec8_gfni_affine((uint8_t)c);
    if (a != pf_fec8_gfni_affine_slow((uint8_t)c))
      fails++;
    for (x = 0; x < 256; x++) {
      unsigned r = 0;
      for (bit = 0; bit < 8; bit++)
        r |= (unsigned)__builtin_parity((unsigned)(a >> (8 * (7 - bit))) &
                                        0xffu & x)
             << bit;
      if (r != tmul[c][x])
        fails++;
    }
  }
  TU_CHECK_EQ(fails, 0);
}

/*
 * Every kernel (through pf_fec8 with the nanors matrix) and both raw GFNI
 * widths (on a random matrix, zeros included) against the oracle: odd
 * sizes, unaligned buffers, nothing written past a shard's end.
 */
static void test_kernels_vs_oracle(void) {
  static const uint32_t shapes[][2] = {{1, 1},    {4, 2},   {5, 3},   {9, 9},
                                       {20, 4},   {17, 13}, {48, 12}, {3, 30},
                                       {100, 20}, {200, 55}};
  static const size_t sizes[] = {1,  2,  15,  31,  32,   33,   63,
                                 64, 65, 127, 129, 1400, 1401, 4099};
  size_t si, zi, ki;
  uint32_t feat = pf_cpu_features();
  int fails = 0, wide;

  for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
    uint32_t k = shapes[si][0], m = shapes[si][1], i, c;
    uint8_t *nan = malloc((size_t)k * m), *coef = malloc((size_t)k * m);
    uint64_t *tab = malloc((size_t)k * m * 8);

    for (i = 0; i < m; i++)
      for (c = 0; c < k; c++)
        nan[(size_t)i * k + c] = tinv[(m + c) ^ i];
    for (zi = 0; zi < sizeof(sizes) / sizeof(sizes[0]); zi++) {
      size_t size = sizes[zi], stride = size + 67;
      uint8_t *in = malloc((size_t)k * stride + 8);
      uint8_t *want = malloc((size_t)m * stride);
      uint8_t *out = malloc((size_t)m * stride + 8);
      const uint8_t *dp[255];
      uint8_t *pp[255], *wp[255];

      rnd_fill(in, (size_t)k * stride + 8);
      for (i = 0; i < k; i++)
        dp[i] = in + 1 + (size_t)i * stride + rnd(7); /* unaligned */
      for (i = 0; i < m; i++) {
        wp[i] = want + (size_t)i * stride;
        pp[i] = out + 3 + (size_t)i * stride;
      }
      oracle(size, k, m, nan, dp, wp);
      for (ki = 0; ki < nkernels; ki++) {
        pf_fec8 *f;
        if (pf_fec8_new(&f, k, m, NULL, kernels[ki], NULL) != 0) {
          fails++;
          continue;
        }
        memset(out, 0xee, (size_t)m * stride + 8);
        pf_fec8_encode(f, dp, pp, size);
        for (i = 0; i < m; i++)
          if (memcmp(pp[i], wp[i], size) != 0 || pp[i][size] != 0xee ||
              *(pp[i] - 1) != 0xee) {
            fails++;
            fprintf(stderr, "  %s k=%u m=%u size=%zu row %u wrong\n",
                    pf_fec8_impl_name(f), k, m, size, i);
            break;
          }
        pf_fec8_del(f);
      }
      for (i = 0; i < k * m; i++)
        coef[i] = (uint8_t)rnd(256);
      oracle(size, k, m, coef, dp, wp);
      for (wide = 0; wide < 2; wide++) {
        uint32_t need =
            wide ? PF_CPU_GFNI | PF_CPU_AVX512BW : PF_CPU_GFNI | PF_CPU_AVX2;
        if ((feat & need) != need)
          continue;
        memset(out, 0xee, (size_t)m * stride + 8);
        pf_fec8_gfni_prepare(
            k, m, wide ? PF_FEC8_GFNI512_GROUP : PF_FEC8_GFNI256_GROUP, coef,
            tab);
        if (wide)
          pf_fec8_gfni512_encode(size, k, m, tab, dp, pp);
        else
          pf_fec8_gfni256_encode(size, k, m, tab, dp, pp);
        for (i = 0; i < m; i++)
          if (memcmp(pp[i], wp[i], size) != 0 || pp[i][size] != 0xee ||
              *(pp[i] - 1) != 0xee) {
            fails++;
            fprintf(stderr, "  raw gfni%s k=%u m=%u size=%zu row %u wrong\n",
                    wide ? "512" : "256", k, m, size, i);
            break;
          }
      }
      free(in);
      free(want);
      free(out);
    }
    free(nan);
    free(coef);
    free(tab);
  }
  TU_CHECK_EQ(fails, 0);
}

/* ------------------------------------------------------------ cache */

/* Decodes with explicit |lost| lists through every kernel, several
 * patterns cycling through more than the cache holds, repeated. */
static void test_cache(void) {
  static const uint8_t pats[][5] = {
      /* n, lost shard indices (k = 10, m = 4) */
      {2, 0, 1},       {2, 0, 1},       {3, 2, 5, 9},   {2, 0, 10},
      {2, 0, 11},      {4, 1, 2, 3, 4}, {1, 13},        {4, 6, 7, 10, 12},
      {2, 0, 1},       {3, 2, 5, 9},    {1, 9},         {2, 0, 11},
      {4, 1, 2, 3, 4}, {2, 0, 10},      {3, 7, 11, 12}, {1, 9}};
  const uint32_t k = 10, m = 4, size = 77;
  size_t ki, pi, round;
  int fails = 0;

  for (ki = 0; ki < nkernels; ki++) {
    uint8_t orig[10 * 77], work[14 * 77], present[14];
    const uint8_t *dp[10];
    uint8_t *sh[14];
    pf_fec8 *f;
    uint32_t i;

    if (pf_fec8_new(&f, k, m, NULL, kernels[ki], NULL) != 0) {
      fails++;
      continue;
    }
    for (i = 0; i < k + m; i++)
      sh[i] = work + i * size;
    for (round = 0; round < 3; round++) {
      for (pi = 0; pi < sizeof(pats) / sizeof(pats[0]); pi++) {
        int nd = 0;
        rnd_fill(orig, sizeof(orig)); /* fresh data each time */
        for (i = 0; i < k; i++)
          dp[i] = orig + i * size;
        memcpy(work, orig, sizeof(orig));
        pf_fec8_encode(f, dp, sh + k, size);
        memset(present, 1, sizeof(present));
        for (i = 1; i <= pats[pi][0]; i++) {
          present[pats[pi][i]] = 0;
          memset(sh[pats[pi][i]], 0x77, size);
          nd += pats[pi][i] < k;
        }
        if (pf_fec8_decode(f, sh, present, size) != nd ||
            memcmp(work, orig, sizeof(orig)) != 0) {
          fails++;
          fprintf(stderr, "  %s cache pattern %zu round %zu wrong\n",
                  pf_fec8_impl_name(f), pi, round);
        }
      }
    }
    pf_fec8_del(f);
  }
  TU_CHECK_EQ(fails, 0);
}

/* ------------------------------------------------------------ matrix */

static void test_caller_matrix(void) {
  uint8_t bad[8], big[100], d[10][8], p[10][8], *sh[20], present[20];
  const uint8_t *dp[10];
  uint8_t *pp[10];
  pf_fec8 *f;
  uint32_t i;

  /* The audio matrix is accepted. */
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, audio_matrix, PF_FEC_IMPL_AUTO, NULL), 0);
  pf_fec8_del(f);
  /* A zero entry: that 1x1 minor is singular. */
  memcpy(bad, audio_matrix, 8);
  bad[5] = 0;
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, bad, PF_FEC_IMPL_AUTO, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK(f == NULL);
  /* A singular 2x2 minor: row 1 = 3 * row 0 in columns 1 and 2 only. */
  memcpy(bad, audio_matrix, 8);
  bad[5] = tmul[3][bad[1]];
  bad[6] = tmul[3][bad[2]];
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, bad, PF_FEC_IMPL_AUTO, NULL),
              PF_ERR_INVALID_ARGUMENT);

  /*
   * k = m = 10 is too big for the exhaustive check at creation: two equal
   * parity rows pass it, and decoding the selection that uses both must
   * fail rather than return garbage.
   */
  for (i = 0; i < 100; i++)
    big[i] = tinv[(10 + i % 10) ^ (i / 10)];
  memcpy(big + 10, big, 10); /* parity row 1 = row 0 */
  TU_CHECK_EQ(pf_fec8_new(&f, 10, 10, big, PF_FEC_IMPL_AUTO, NULL), 0);
  if (f) {
    for (i = 0; i < 10; i++) {
      dp[i] = d[i];
      pp[i] = p[i];
      sh[i] = d[i];
      sh[10 + i] = p[i];
      rnd_fill(d[i], 8);
    }
    TU_CHECK_EQ(pf_fec8_encode(f, dp, pp, 8), 0);
    memset(present, 1, sizeof(present));
    present[3] = present[4] = 0; /* uses parity rows 0 and 1 */
    TU_CHECK_EQ(pf_fec8_decode(f, sh, present, 8), PF_ERR_FEC_UNRECOVERABLE);
    /* Once more (a failed pattern must not be cached as good). */
    TU_CHECK_EQ(pf_fec8_decode(f, sh, present, 8), PF_ERR_FEC_UNRECOVERABLE);
    present[10] = 0; /* now rows 1 and 2: fine */
    memset(d[3], 0, 8);
    TU_CHECK_EQ(pf_fec8_decode(f, sh, present, 8), 2);
    pf_fec8_del(f);
  }
}

static void test_args_and_env(void) {
  pf_fec8 *f;
  uint32_t feat = pf_cpu_features();

  TU_CHECK_EQ(pf_fec8_new(&f, 0, 1, NULL, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec8_new(&f, 1, 0, NULL, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec8_new(&f, 200, 56, NULL, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AVX2, NULL),
              PF_ERR_UNSUPPORTED); /* a GF16 kernel name */
  TU_CHECK_EQ(pf_fec8_new(&f, 1, 254, NULL, 0, NULL), 0);
  pf_fec8_del(f);
  TU_CHECK_EQ(pf_fec8_new(&f, 254, 1, NULL, 0, NULL), 0);
  pf_fec8_del(f);
  pf_fec8_del(NULL);

  /* AUTO picks GFNI where the CPU has it. */
  unsetenv("PF_FEC_IMPL");
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL), 0);
  if (f) {
    const char *want =
        (feat & PF_CPU_GFNI) && (feat & (PF_CPU_AVX2 | PF_CPU_AVX512BW))
            ? "gfni"
            : "isal";
    TU_CHECK_MSG(strcmp(pf_fec8_impl_name(f), want) == 0, "auto = %s",
                 pf_fec8_impl_name(f));
    pf_fec8_del(f);
  }
  setenv("PF_FEC_IMPL", "ref", 1);
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL), 0);
  TU_CHECK(f && strcmp(pf_fec8_impl_name(f), "ref") == 0);
  pf_fec8_del(f);
  setenv("PF_FEC_IMPL", "isal", 1);
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL), 0);
  TU_CHECK(f && strcmp(pf_fec8_impl_name(f), "isal") == 0);
  pf_fec8_del(f);
  /* An explicit impl wins over the environment. */
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_REF, NULL), 0);
  TU_CHECK(f && strcmp(pf_fec8_impl_name(f), "ref") == 0);
  pf_fec8_del(f);
  setenv("PF_FEC_IMPL", "gfni", 1);
  if (!(feat & PF_CPU_GFNI)) {
    TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL),
                PF_ERR_UNSUPPORTED);
  } else {
    TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL), 0);
    TU_CHECK(f && strcmp(pf_fec8_impl_name(f), "gfni") == 0);
    pf_fec8_del(f);
  }
  setenv("PF_FEC_IMPL", "bogus", 1);
  TU_CHECK_EQ(pf_fec8_new(&f, 4, 2, NULL, PF_FEC_IMPL_AUTO, NULL),
              PF_ERR_INVALID_ARGUMENT);
  unsetenv("PF_FEC_IMPL");
}

/* ------------------------------------------------------------ memory */

static void test_alloc(void) {
  static const uint32_t shapes[][2] = {{4, 2}, {20, 4}, {1, 254}};
  size_t si, ki;

  for (ki = 0; ki < nkernels; ki++) {
    for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
      uint32_t k = shapes[si][0], m = shapes[si][1], i, it;
      size_t total, n, after;
      tu_alloc a;
      pf_fec8 *f;
      uint8_t *buf = malloc((size_t)(k + m) * 100), present[255];
      uint8_t *sh[255];
      const uint8_t *dp[255];

      tu_alloc_init(&a);
      TU_CHECK_EQ(pf_fec8_new(&f, k, m, NULL, kernels[ki], &a.mem), 0);
      if (!f) {
        free(buf);
        continue;
      }
      total = a.attempts;
      after = a.allocs;
      for (i = 0; i < k + m; i++)
        sh[i] = buf + (size_t)i * 100;
      for (i = 0; i < k; i++)
        dp[i] = sh[i];
      rnd_fill(buf, (size_t)k * 100);
      /* Many encodes and decodes, more patterns than the cache holds. */
      for (it = 0; it < 20; it++) {
        pf_fec8_encode(f, dp, sh + k, 100);
        random_erasures(present, k + m, 1 + rnd(m));
        (void)pf_fec8_decode(f, sh, present, 100);
      }
      TU_CHECK_EQ(a.allocs, after);
      TU_CHECK_EQ(a.attempts, total);
      pf_fec8_del(f);
      TU_CHECK_EQ(a.live, 0);

      /* Fail each allocation in turn. */
      for (n = 1; n <= total; n++) {
        tu_alloc_init(&a);
        a.fail_at = n;
        TU_CHECK_EQ(pf_fec8_new(&f, k, m, NULL, kernels[ki], &a.mem),
                    PF_ERR_NOMEM);
        TU_CHECK(f == NULL);
        TU_CHECK_EQ(a.live, 0);
      }
      free(buf);
    }
  }
}

int main(void) {
  if (gnutls_global_init() < 0)
    return T_EXIT_FAIL;
  build_tmul();
  find_kernels();
  test_kat();
  run_vector_file("rs8-nanors.txt", NULL);
  run_vector_file("rs8-moonlight-audio.txt", audio_matrix);
  test_affine();
  test_kernels_vs_oracle();
  test_cache();
  test_caller_matrix();
  test_args_and_env();
  test_alloc();
  test_sweep();
  gnutls_global_deinit();
  return tu_finish("test_fec8");
}

/*
 * test_fec16.c -- GF(2^16) Leopard-RS: known-answer vectors (leopard and
 * reed-solomon-simd), random round trips, SIMD kernels against the
 * reference kernel, argument errors, and allocation behaviour.
 * Every kernel this CPU supports is exercised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec16.h"
#include "testutil.h"

static const uint32_t impls[] = {PF_FEC_IMPL_REF, PF_FEC_IMPL_SSSE3,
                                 PF_FEC_IMPL_AVX2, PF_FEC_IMPL_AVX512,
                                 PF_FEC_IMPL_GFNI};
#define NIMPLS (sizeof(impls) / sizeof(impls[0]))

static int impl_available(uint32_t impl) {
  pf_fec16 *f;
  int rv = pf_fec16_new(&f, 2, 1, 0, impl, NULL);
  pf_fec16_del(f);
  return rv == 0;
}

static uint8_t **shards_alloc(size_t count, size_t len) {
  uint8_t **s = calloc(count ? count : 1, sizeof(*s));
  size_t i;
  for (i = 0; i < count; i++)
    s[i] = malloc(len ? len : 1);
  return s;
}

static void shards_free(uint8_t **s, size_t count) {
  size_t i;
  for (i = 0; i < count; i++)
    free(s[i]);
  free(s);
}

static int sha_matches(const uint8_t *buf, size_t len, const char *hex) {
  uint8_t want[32], got[32];
  if (tu_hex_decode(hex, want, sizeof(want)) != 32)
    return 0;
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, len, got) != 0)
    return 0;
  return memcmp(want, got, 32) == 0;
}

/* Compares |buf| with a "hex" or "sha256" expectation. */
static int expect_matches(const uint8_t *buf, size_t len, const char *val,
                          int is_sha) {
  uint8_t *want;
  int ok;
  if (is_sha)
    return sha_matches(buf, len, val);
  want = malloc(len + 1);
  ok = tu_hex_decode(val, want, len + 1) == (long)len &&
       memcmp(want, buf, len) == 0;
  free(want);
  return ok;
}

/* ---- vector files ------------------------------------------------------ */

typedef struct {
  char **lines;
  size_t n, cap;
} vcase;

static void vcase_clear(vcase *c) {
  size_t i;
  for (i = 0; i < c->n; i++)
    free(c->lines[i]);
  c->n = 0;
}

/* One line "name[idx]=value": returns 1 and fills the parts. */
static int parse_indexed(char *line, const char **name, long *idx,
                         const char **val) {
  char *br = strchr(line, '['), *eq = strchr(line, '=');
  if (!br || !eq || br > eq)
    return 0;
  *br = '\0';
  *name = line;
  *idx = strtol(br + 1, NULL, 10);
  *val = eq + 1;
  return 1;
}

static int run_case(vcase *c, uint32_t impl, const char *file) {
  unsigned long k = 0, m = 0;
  unsigned long long seed = 0;
  size_t size = 0, i;
  uint8_t **data, **parity, **shards, *present;
  pf_fec16 *fec = NULL;
  int ok = 1, rv, have_lost = 0;

  if (sscanf(c->lines[0], "k=%lu m=%lu size=%zu seed=%llu", &k, &m, &size,
             &seed) != 4)
    return 0;
  data = shards_alloc(k, size);
  parity = shards_alloc(m, size);
  shards = calloc(k + m, sizeof(*shards));
  present = malloc(k + m);
  {
    uint8_t *all = malloc(k * size);
    tu_fill(seed, all, k * size);
    for (i = 0; i < k; i++)
      memcpy(data[i], all + i * size, size);
    free(all);
  }
  rv = pf_fec16_new(&fec, (uint32_t)k, (uint32_t)m, size, impl, NULL);
  if (rv != 0) {
    ok = 0;
    goto out;
  }
  if (pf_fec16_encode(fec, (const uint8_t *const *)data, parity, size) != 0)
    ok = 0;
  for (i = 1; ok && i < c->n; i++) {
    const char *name, *val;
    long idx;
    char *dup;
    if (strncmp(c->lines[i], "parity", 6) != 0)
      continue;
    dup = strdup(c->lines[i]);
    if (parse_indexed(dup, &name, &idx, &val) && idx >= 0 &&
        (unsigned long)idx < m)
      ok = expect_matches(parity[idx], size, val,
                          strcmp(name, "parity_sha256") == 0);
    else
      ok = 0;
    free(dup);
  }
  /* Decoding part. */
  for (i = 1; ok && i < c->n; i++) {
    char *p;
    if (strncmp(c->lines[i], "lost=", 5) != 0)
      continue;
    have_lost = 1;
    memset(present, 1, k + m);
    for (p = c->lines[i] + 5; *p;) {
      unsigned long x = strtoul(p, &p, 10);
      if (x < k + m)
        present[x] = 0;
      if (*p == ',')
        p++;
      else
        break;
    }
  }
  if (ok && have_lost) {
    size_t want = 0;
    for (i = 0; i < k; i++) {
      shards[i] = malloc(size);
      if (present[i])
        memcpy(shards[i], data[i], size);
      else {
        memset(shards[i], 0xa5, size);
        want++;
      }
    }
    for (i = 0; i < m; i++)
      shards[k + i] = present[k + i] ? parity[i] : NULL;
    rv = pf_fec16_decode(fec, shards, present, size);
    if (rv != (int)want)
      ok = 0;
    for (i = 1; ok && i < c->n; i++) {
      const char *name, *val;
      long idx;
      char *dup;
      if (strncmp(c->lines[i], "recovered", 9) != 0)
        continue;
      dup = strdup(c->lines[i]);
      if (parse_indexed(dup, &name, &idx, &val) && idx >= 0 &&
          (unsigned long)idx < k)
        ok = expect_matches(shards[idx], size, val,
                            strcmp(name, "recovered_sha256") == 0);
      else
        ok = 0;
      free(dup);
    }
    for (i = 0; ok && i < k; i++)
      ok = memcmp(shards[i], data[i], size) == 0;
    for (i = 0; i < k; i++)
      free(shards[i]);
  }
out:
  if (!ok)
    fprintf(stderr, "  %s [%s] case %s failed (rv=%d)\n", file,
            pf_fec_impl_str(impl), c->lines[0], rv);
  pf_fec16_del(fec);
  shards_free(data, k);
  shards_free(parity, m);
  free(shards);
  free(present);
  return ok;
}

static void run_file(const char *name, uint32_t impl) {
  const char *path = tu_vector_path(name);
  FILE *fp;
  vcase c = {NULL, 0, 0};
  char *line = NULL;
  size_t cap = 0, cases = 0, passed = 0;
  ssize_t len;

  if (!path || !(fp = fopen(path, "r"))) {
    TU_CHECK_MSG(0, "vector file %s not found", name);
    return;
  }
  for (;;) {
    len = getline(&line, &cap, fp);
    if (len >= 0) {
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
      if (line[0] == '#')
        continue;
      if (len > 0) {
        if (c.n == c.cap) {
          c.cap = c.cap ? 2 * c.cap : 64;
          c.lines = realloc(c.lines, c.cap * sizeof(*c.lines));
        }
        c.lines[c.n++] = strdup(line);
        continue;
      }
    }
    if (c.n > 0) {
      cases++;
      passed += (size_t)run_case(&c, impl, name);
      vcase_clear(&c);
    }
    if (len < 0)
      break;
  }
  free(line);
  free(c.lines);
  fclose(fp);
  TU_CHECK_MSG(cases > 0 && passed == cases, "%s [%s]: %zu/%zu cases", name,
               pf_fec_impl_str(impl), passed, cases);
  printf("vectors %s [%s]: %zu/%zu cases pass\n", name, pf_fec_impl_str(impl),
         passed, cases);
}

/* ---- random round trips ------------------------------------------------ */

static uint64_t rng_state = 0x70756e6b66756e6bull;
static uint64_t rnd(uint64_t bound) {
  return tu_splitmix64(&rng_state) % bound;
}

/* Set: roundtrip() makes its coder with pf_fec16_new_ext(). */
static int force_ext;

/* Encodes, erases |lose| random shards, decodes, checks.  Returns 1 on
 * success. */
static int roundtrip(uint32_t k, uint32_t m, size_t size, uint32_t lose,
                     uint32_t impl, const pf_mem *mem) {
  uint8_t **data = shards_alloc(k, size), **parity = shards_alloc(m, size);
  uint8_t **sh = calloc(k + m, sizeof(*sh)), *present = malloc(k + m);
  uint32_t *perm = malloc((k + m) * sizeof(*perm)), i, lost_data = 0;
  pf_fec16 *fec;
  int ok = 1, rv;

  for (i = 0; i < k; i++)
    tu_fill(rnd(~0ull), data[i], size);
  rv = force_ext ? pf_fec16_new_ext(&fec, k, m, size, impl, mem)
                 : pf_fec16_new(&fec, k, m, size, impl, mem);
  if (rv) {
    fprintf(stderr, "  new(%u,%u) = %d\n", k, m, rv);
    ok = 0;
    goto out;
  }
  rv = pf_fec16_encode(fec, (const uint8_t *const *)data, parity, size);
  ok = rv == 0;
  for (i = 0; i < k + m; i++)
    perm[i] = i;
  for (i = 0; i < lose && i < k + m; i++) {
    uint32_t j = i + (uint32_t)rnd(k + m - i), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  memset(present, 1, k + m);
  for (i = 0; i < lose && i < k + m; i++)
    present[perm[i]] = 0;
  for (i = 0; i < k; i++) {
    sh[i] = malloc(size);
    if (present[i])
      memcpy(sh[i], data[i], size);
    else {
      memset(sh[i], 0x5a, size);
      lost_data++;
    }
  }
  for (i = 0; i < m; i++)
    sh[k + i] = present[k + i] ? parity[i] : NULL;
  rv = pf_fec16_decode(fec, sh, present, size);
  if (lose > m) {
    ok = ok && (lost_data == 0 ? rv == 0 : rv == PF_ERR_FEC_UNRECOVERABLE);
  } else {
    ok = ok && rv == (int)lost_data;
    for (i = 0; ok && i < k; i++)
      ok = memcmp(sh[i], data[i], size) == 0;
  }
  if (!ok)
    fprintf(stderr, "  roundtrip k=%u m=%u size=%zu lose=%u [%s%s]: rv=%d\n",
            k, m, size, lose, pf_fec_impl_str(impl), force_ext ? ", ext" : "",
            rv);
  for (i = 0; i < k; i++)
    free(sh[i]);
  pf_fec16_del(fec);
out:
  shards_free(data, k);
  shards_free(parity, m);
  free(sh);
  free(present);
  free(perm);
  return ok;
}

static void test_random(uint32_t impl, int heavy) {
  static const uint32_t shapes[][2] = {
      {1, 1},    {1, 2},    {2, 1},     {3, 3},     {5, 12},   {17, 3},
      {31, 33},  {64, 64},  {100, 20},  {128, 129}, {255, 1},  {7, 200},
      {300, 17}, {513, 2},  {1000, 24}};
  size_t s, pass = 0, total = 0;
  for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    uint32_t k = shapes[s][0], m = shapes[s][1], w;
    /* every erasure weight up to m+1 for small m, a sample otherwise */
    for (w = 0; w <= m + 1; w += (m > 40 ? 1 + m / 8 : 1)) {
      size_t size = 2 * (1 + rnd(heavy ? 100 : 40));
      total++;
      pass += (size_t)roundtrip(k, m, size, w, impl, NULL);
    }
    total++;
    pass += (size_t)roundtrip(k, m, 64, m, impl, NULL);
    total++;
    pass += (size_t)roundtrip(k, m, 66, m + 1, impl, NULL);
  }
  TU_CHECK_MSG(pass == total, "random [%s] %zu/%zu", pf_fec_impl_str(impl),
               pass, total);
  printf("random shapes [%s]: %zu/%zu round trips pass\n",
         pf_fec_impl_str(impl), pass, total);
}

static void test_large(uint32_t impl) {
  /* Big shapes, one each, small shards to bound the time. */
  static const uint32_t shapes[][3] = {{30000, 1000, 0},
                                       {1000, 30000, 0},
                                       {32768, 8192, 1},
                                       {20000, 20000, 0},
                                       {32767, 32768, 1},
                                       {65534, 1, 0},
                                       {1, 65534, 0},
                                       {29000, 30000, 0},
                                       {30000, 29000, 0},
                                       {32768, 32767, 0}};
  size_t s, pass = 0;
  for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    uint32_t k = shapes[s][0], m = shapes[s][1];
    pass += (size_t)roundtrip(k, m, shapes[s][2] ? 64 : 2, m, impl, NULL);
  }
  TU_CHECK(pass == s);
  printf("large shapes [%s]: %zu/%zu round trips pass\n",
         pf_fec_impl_str(impl), pass, s);
}

/* ---- SIMD vs reference ------------------------------------------------- */

static void test_kernels_vs_ref(uint32_t impl) {
  size_t iter, bad = 0;
  for (iter = 0; iter < 60; iter++) {
    uint32_t k = 1 + (uint32_t)rnd(iter < 50 ? 300 : 3000);
    uint32_t m = 1 + (uint32_t)rnd(iter < 50 ? 300 : 600);
    size_t size = 2 * (1 + rnd(400)), i;
    uint8_t **data = shards_alloc(k, size), **p1 = shards_alloc(m, size),
            **p2 = shards_alloc(m, size);
    pf_fec16 *a = NULL, *b = NULL;
    for (i = 0; i < k; i++)
      tu_fill(rnd(~0ull), data[i], size);
    if (pf_fec16_new(&a, k, m, 0, PF_FEC_IMPL_REF, NULL) ||
        pf_fec16_new(&b, k, m, 0, impl, NULL) ||
        pf_fec16_encode(a, (const uint8_t *const *)data, p1, size) ||
        pf_fec16_encode(b, (const uint8_t *const *)data, p2, size))
      bad++;
    else
      for (i = 0; i < m; i++)
        if (memcmp(p1[i], p2[i], size) != 0) {
          bad++;
          break;
        }
    pf_fec16_del(a);
    pf_fec16_del(b);
    shards_free(data, k);
    shards_free(p1, m);
    shards_free(p2, m);
  }
  TU_CHECK_MSG(bad == 0, "[%s] differs from ref in %zu shapes",
               pf_fec_impl_str(impl), bad);
  printf("kernel [%s] vs ref: 60 random shapes, %zu differ\n",
         pf_fec_impl_str(impl), bad);
}

/*
 * The coder works in column planes of the shards (512 bytes for the
 * decoder, plus a 64-byte plane for a tail of size % 64 bytes) and fuses
 * several steps across them; shapes with many rows, shard sizes that give
 * several planes and a tail, and the loss of as many shards as there is
 * parity, encoded and decoded by |impl|, against the ref kernel's parity
 * and the original data.
 */
static void test_slices(uint32_t impl) {
  static const uint32_t shapes[][2] = {
      {3000, 600}, {600, 3000}, {200, 1500}, {1500, 200}, {4096, 4096}};
  static const size_t sizes[] = {64 * 20 + 2, 64 * 8 + 62, 1408, 2, 64 * 9};
  size_t s, z, pass = 0, total = 0;
  for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    uint32_t k = shapes[s][0], m = shapes[s][1], i;
    size_t size = sizes[s % (sizeof(sizes) / sizeof(sizes[0]))];
    for (z = 0; z < 2; z++, size = sizes[(s + 1 + z) % 5]) {
      uint8_t **data = shards_alloc(k, size), **p1 = shards_alloc(m, size),
              **p2 = shards_alloc(m, size), **sh = calloc(k + m, sizeof(*sh));
      uint8_t *present = malloc(k + m);
      pf_fec16 *a = NULL, *b = NULL;
      int ok;
      for (i = 0; i < k; i++)
        tu_fill(rnd(~0ull), data[i], size);
      ok = pf_fec16_new(&a, k, m, 0, PF_FEC_IMPL_REF, NULL) == 0 &&
           pf_fec16_new(&b, k, m, size, impl, NULL) == 0 &&
           pf_fec16_encode(a, (const uint8_t *const *)data, p1, size) == 0 &&
           pf_fec16_encode(b, (const uint8_t *const *)data, p2, size) == 0;
      for (i = 0; ok && i < m; i++)
        ok = memcmp(p1[i], p2[i], size) == 0;
      /* lose m shards: every other data shard first, then parity */
      memset(present, 1, k + m);
      {
        uint32_t lost = 0;
        for (i = 0; i < k && lost < m; i += 2, lost++)
          present[i] = 0;
        for (i = 0; i < m && lost < m; i++, lost++)
          present[k + i] = 0;
      }
      for (i = 0; i < k; i++) {
        sh[i] = malloc(size);
        if (present[i])
          memcpy(sh[i], data[i], size);
        else
          memset(sh[i], 0xa5, size);
      }
      for (i = 0; i < m; i++)
        sh[k + i] = present[k + i] ? p2[i] : NULL;
      if (ok)
        ok = pf_fec16_decode(b, sh, present, size) > 0;
      for (i = 0; ok && i < k; i++)
        ok = memcmp(sh[i], data[i], size) == 0;
      if (!ok)
        fprintf(stderr, "  slices (%u,%u) size %zu [%s] failed\n", k, m, size,
                pf_fec_impl_str(impl));
      pass += (size_t)ok;
      total++;
      for (i = 0; i < k; i++)
        free(sh[i]);
      free(sh);
      free(present);
      pf_fec16_del(a);
      pf_fec16_del(b);
      shards_free(data, k);
      shards_free(p1, m);
      shards_free(p2, m);
    }
  }
  TU_CHECK_MSG(pass == total, "slices [%s] %zu/%zu", pf_fec_impl_str(impl),
               pass, total);
  printf("planes and tails [%s]: %zu/%zu large shapes match ref and data\n",
         pf_fec_impl_str(impl), pass, total);
}

/* ---- arguments, allocation ---------------------------------------------- */

static void test_args(void) {
  pf_fec16 *f = (pf_fec16 *)&f;
  char saved_impl[32] = "";
  TU_CHECK_EQ(pf_fec16_new(&f, 0, 1, 0, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK(f == NULL);
  TU_CHECK_EQ(pf_fec16_new(&f, 1, 0, 0, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new(&f, 40000, 25536, 0, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new(&f, 65535, 1, 0, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new_ext(&f, 65535, 1, 0, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new_ext(&f, 0, 1, 0, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  /* k + m <= 65535 but NextPow2(min) + max > 65536: rs-simd refuses it,
   * the extension layout takes it */
  TU_CHECK_EQ(pf_fec16_new(&f, 30000, 35000, 0, 0, NULL), 0);
  pf_fec16_del(f);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 63, 0, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, PF_FEC_IMPL_ISAL, NULL),
              PF_ERR_UNSUPPORTED);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, 99, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new(&f, 65534, 1, 0, 0, NULL), 0);
  pf_fec16_del(f);
  TU_CHECK_EQ(pf_fec16_new(&f, 32767, 32768, 0, 0, NULL), 0);
  pf_fec16_del(f);
  pf_fec16_del(NULL);
  /* $PF_FEC_IMPL is honoured by AUTO only (the caller's value is kept) */
  if (getenv("PF_FEC_IMPL"))
    snprintf(saved_impl, sizeof(saved_impl), "%s", getenv("PF_FEC_IMPL"));
  setenv("PF_FEC_IMPL", "ref", 1);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, PF_FEC_IMPL_AUTO, NULL), 0);
  TU_CHECK(f && strcmp(pf_fec16_impl_name(f), "ref") == 0);
  pf_fec16_del(f);
  setenv("PF_FEC_IMPL", "isal", 1);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, PF_FEC_IMPL_AUTO, NULL),
              PF_ERR_UNSUPPORTED);
  setenv("PF_FEC_IMPL", "bogus", 1);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, PF_FEC_IMPL_AUTO, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec16_new(&f, 10, 4, 0, PF_FEC_IMPL_REF, NULL), 0);
  pf_fec16_del(f);
  if (saved_impl[0])
    setenv("PF_FEC_IMPL", saved_impl, 1);
  else
    unsetenv("PF_FEC_IMPL");
  printf("argument checks (internal API) done\n");
}

/* The same limits through the public pf_fec_* API, plus a round trip. */
static void test_public_api(void) {
  pf_fec_config cfg;
  pf_fec *f = NULL;
  uint8_t buf[8][64], *d[6], *p[2], *sh[8], pres[8];
  size_t i;

  pf_fec_config_default(&cfg);
  cfg.fec_scheme = PF_FEC_GF16;
  cfg.data_shards = 0;
  cfg.parity_shards = 2;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.data_shards = 6;
  cfg.parity_shards = 0;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.data_shards = 65000;
  cfg.parity_shards = 536;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.data_shards = 30000; /* beyond rs-simd: the extension layout */
  cfg.parity_shards = 35000;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), 0);
  pf_fec_del(f);
  f = NULL;
  cfg.data_shards = 6;
  cfg.parity_shards = 2;
  cfg.max_shard_bytes = 63;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.max_shard_bytes = 64;
  TU_CHECK_EQ(pf_fec_new(&f, &cfg, NULL), 0);
  if (!f)
    return;
  for (i = 0; i < 8; i++) {
    tu_fill(0x1000 + i, buf[i], 64);
    sh[i] = buf[i];
    pres[i] = 1;
    if (i < 6)
      d[i] = buf[i];
    else
      p[i - 6] = buf[i];
  }
  TU_CHECK_EQ(pf_fec_encode(f, (const uint8_t *const *)d, p, 63),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec_encode(f, (const uint8_t *const *)d, p, 0),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec_encode(f, (const uint8_t *const *)d, p, 64), 0);
  {
    uint8_t keep[64];
    memcpy(keep, buf[2], 64);
    memset(buf[2], 0, 64);
    memset(buf[4], 0, 64);
    pres[2] = pres[4] = 0;
    TU_CHECK_EQ(pf_fec_decode(f, sh, pres, 61), PF_ERR_INVALID_ARGUMENT);
    TU_CHECK_EQ(pf_fec_decode(f, sh, pres, 64), 2);
    TU_CHECK(memcmp(keep, buf[2], 64) == 0);
    pres[0] = pres[1] = 0;
    TU_CHECK_EQ(pf_fec_decode(f, sh, pres, 64), PF_ERR_FEC_UNRECOVERABLE);
  }
  printf("public API [%s]: argument checks and round trip done\n",
         pf_fec_impl_name(f));
  pf_fec_del(f);
}

/* Random (k, m) up to a few thousand, random erasure weights <= m + 1. */
static void test_random_shapes(uint32_t impl, unsigned count, uint32_t maxn) {
  unsigned i, pass = 0;
  for (i = 0; i < count; i++) {
    uint32_t k = 1 + (uint32_t)rnd(i % 3 == 0 ? maxn : 64);
    uint32_t m = 1 + (uint32_t)rnd(i % 3 == 1 ? maxn : 64);
    uint32_t w = (uint32_t)rnd(m + 2);
    size_t size = 2 * (1 + rnd(k + m > 2000 ? 8 : 80));
    pass += (unsigned)roundtrip(k, m, size, w, impl, NULL);
  }
  TU_CHECK_MSG(pass == count, "random shapes [%s] %u/%u",
               pf_fec_impl_str(impl), pass, count);
  printf("random (k,m) up to %u [%s]: %u/%u round trips pass\n", maxn,
         pf_fec_impl_str(impl), pass, count);
}

static void test_alloc(uint32_t impl) {
  tu_alloc a;
  pf_fec16 *f = NULL;
  size_t before, n;
  int rv;

  tu_alloc_init(&a);
  rv = pf_fec16_new(&f, 100, 20, 1408, impl, &a.mem);
  TU_CHECK_EQ(rv, 0);
  if (rv)
    return;
  before = a.attempts;
  TU_CHECK(roundtrip(100, 20, 1408, 20, impl, &a.mem));
  /* roundtrip creates its own coder: count only ours below */
  {
    uint8_t **d = shards_alloc(100, 1408), **p = shards_alloc(20, 1408);
    uint8_t *sh[120], pres[120];
    size_t i;
    for (i = 0; i < 100; i++)
      tu_fill(i, d[i], 1408);
    before = a.attempts;
    TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 1408), 0);
    TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 100), 0);
    for (i = 0; i < 120; i++) {
      sh[i] = i < 100 ? d[i] : p[i - 100];
      pres[i] = i >= 20;
    }
    TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 1408), 0);
    TU_CHECK_EQ(pf_fec16_decode(f, sh, pres, 1408), 20);
    TU_CHECK_EQ(a.attempts, before);
    /* growth on demand */
    TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 1024), 0);
    shards_free(d, 100);
    shards_free(p, 20);
  }
  pf_fec16_del(f);
  TU_CHECK_EQ(a.live, 0);
  /* allocation failure at every step of creation */
  for (n = 1; n < 10; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    rv = pf_fec16_new(&f, 50, 10, 640, impl, &a.mem);
    TU_CHECK(rv == 0 || rv == PF_ERR_NOMEM);
    if (rv == 0)
      pf_fec16_del(f);
    TU_CHECK_EQ(a.live, 0);
  }
  printf("allocation checks [%s] done\n", pf_fec_impl_str(impl));
}

/* ---- shapes beyond reed-solomon-simd (extension layout) ----------------- */

static void test_shape_compatible(void) {
  static const uint32_t cases[][3] = {
      {1, 1, 1},         {1, 65534, 1},     {65534, 1, 1},
      {4, 65531, 1},     {5, 65529, 0},     {65529, 5, 0},
      {32768, 32767, 1}, {32767, 32768, 1}, {16384, 49151, 1},
      {16385, 32769, 0}, {30000, 35000, 0}, {35000, 30000, 0},
      {0, 1, 0},         {1, 0, 0},         {65535, 1, 0},
      {40000, 25536, 0}};
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    TU_CHECK_MSG(pf_fec16_shape_compatible(cases[i][0], cases[i][1]) ==
                     (int)cases[i][2],
                 "shape_compatible(%u, %u)", cases[i][0], cases[i][1]);
  printf("shape predicate: %zu cases done\n", i);
}

/*
 * For low-rate shapes with k a power of two (and single-chunk shapes),
 * rs-simd's layout is the extension's (data at [0, k), parity from k on,
 * degree < k): the extension encoder must give the same bytes.
 */
static void test_ext_matches_rssimd(uint32_t impl) {
  static const uint32_t shapes[][3] = {
      {1, 1, 2},     {1, 5, 66},     {2, 3, 64},        {4, 10, 130},
      {8, 100, 2},   {64, 1000, 1408}, {512, 1500, 64 * 9 + 2},
      {1, 65534, 2}, {32, 65000, 64}};
  size_t s, bad = 0;
  for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    uint32_t k = shapes[s][0], m = shapes[s][1], i;
    /* every extension call transforms 65536 rows: ref does a few only */
    size_t size = impl == PF_FEC_IMPL_REF && shapes[s][2] > 130
                      ? 130
                      : shapes[s][2];
    if (impl == PF_FEC_IMPL_REF && s % 3 != 1)
      continue;
    uint8_t **data = shards_alloc(k, size), **p1 = shards_alloc(m, size),
            **p2 = shards_alloc(m, size);
    pf_fec16 *a = NULL, *b = NULL;
    int ok;
    for (i = 0; i < k; i++)
      tu_fill(rnd(~0ull), data[i], size);
    ok = pf_fec16_new(&a, k, m, 0, impl, NULL) == 0 &&
         pf_fec16_new_ext(&b, k, m, 0, impl, NULL) == 0 &&
         pf_fec16_encode(a, (const uint8_t *const *)data, p1, size) == 0 &&
         pf_fec16_encode(b, (const uint8_t *const *)data, p2, size) == 0;
    for (i = 0; ok && i < m; i++)
      ok = memcmp(p1[i], p2[i], size) == 0;
    if (!ok) {
      fprintf(stderr, "  ext (%u,%u) size %zu [%s] differs from rs-simd\n", k,
              m, size, pf_fec_impl_str(impl));
      bad++;
    }
    pf_fec16_del(a);
    pf_fec16_del(b);
    shards_free(data, k);
    shards_free(p1, m);
    shards_free(p2, m);
  }
  TU_CHECK_MSG(bad == 0, "ext vs rs-simd [%s]: %zu differ",
               pf_fec_impl_str(impl), bad);
  printf("extension layout = rs-simd low rate, k a power of two [%s]: "
         "%zu shapes, %zu differ\n",
         pf_fec_impl_str(impl), impl == PF_FEC_IMPL_REF ? s / 3 : s, bad);
}

/*
 * Round trips in the extension layout: small shapes forced into it with
 * every erasure weight up to m + 1, then the shapes rs-simd refuses,
 * fixed edges and random ones up to (30000, 35000), with the weights m,
 * m / 2, 1 and m + 1 (UNRECOVERABLE).  Every call transforms 65536 rows,
 * whatever the shape, so shards are small.
 */
static void test_ext_roundtrips(uint32_t impl, int heavy) {
  static const uint32_t small[][2] = {{1, 1}, {2, 1}, {3, 4}, {7, 2}};
  static const uint32_t big[][2] = {{30000, 35000}, {35000, 30000},
                                    {5, 65529},     {65529, 5},
                                    {16385, 32769}, {32769, 16385},
                                    {20000, 45535}, {30001, 35534}};
  size_t s, pass = 0, total = 0;
  uint32_t w, i;

  force_ext = 1;
  for (s = 0; s < sizeof(small) / sizeof(small[0]); s++)
    for (w = 0; w <= small[s][1] + 1; w++) {
      total++;
      pass += (size_t)roundtrip(small[s][0], small[s][1], 2 * (1 + rnd(40)),
                                w, impl, NULL);
    }
  force_ext = 0;
  for (s = 0; s < sizeof(big) / sizeof(big[0]); s++) {
    uint32_t k = big[s][0], m = big[s][1];
    const uint32_t ws[] = {m, m / 2, 1, m + 1};
    TU_CHECK(!pf_fec16_shape_compatible(k, m));
    for (i = 0; i < 4; i++) {
      if (i > 0 && s >= 2 && !heavy) /* edges: weight m only */
        break;
      total++;
      pass += (size_t)roundtrip(k, m, i == 0 ? 66 : 2, ws[i], impl, NULL);
    }
  }
  for (i = 0; i < (heavy ? 40u : 6u); i++) {
    uint32_t k = 1 + (uint32_t)rnd(30000), m = 1 + (uint32_t)rnd(35000);
    total++;
    pass += (size_t)roundtrip(k, m, 2, (uint32_t)rnd(m + 2), impl, NULL);
  }
  TU_CHECK_MSG(pass == total, "ext round trips [%s] %zu/%zu",
               pf_fec_impl_str(impl), pass, total);
  printf("extension layout round trips [%s]: %zu/%zu pass\n",
         pf_fec_impl_str(impl), pass, total);
}

/* Every kernel's extension parity against ref's, and its decode of m
 * lost shards (every other data shard, then parity), on (30000, 35000)
 * with a 64-byte plane and a tail. */
static void test_ext_kernels(void) {
  const uint32_t k = 30000, m = 35000;
  const size_t size = 64 + 6;
  uint8_t **data = shards_alloc(k, size), **ref = shards_alloc(m, size);
  uint8_t **p = shards_alloc(m, size), **sh = calloc(k + m, sizeof(*sh));
  uint8_t *present = malloc(k + m);
  pf_fec16 *f = NULL;
  uint32_t i, lost;
  size_t x, tried = 0, bad = 0;

  for (i = 0; i < k; i++)
    tu_fill(rnd(~0ull), data[i], size);
  if (pf_fec16_new(&f, k, m, 0, PF_FEC_IMPL_REF, NULL) != 0 ||
      pf_fec16_encode(f, (const uint8_t *const *)data, ref, size) != 0)
    bad++;
  pf_fec16_del(f);
  for (i = 0; i < k; i++)
    sh[i] = malloc(size);
  for (x = 0; x < NIMPLS && !bad; x++) {
    int ok;
    if (impls[x] == PF_FEC_IMPL_REF || !impl_available(impls[x]))
      continue;
    tried++;
    ok = pf_fec16_new(&f, k, m, size, impls[x], NULL) == 0 &&
         pf_fec16_encode(f, (const uint8_t *const *)data, p, size) == 0;
    for (i = 0; ok && i < m; i++)
      ok = memcmp(p[i], ref[i], size) == 0;
    memset(present, 1, k + m);
    for (i = 0, lost = 0; i < k && lost < m; i += 2, lost++)
      present[i] = 0;
    for (i = 0; i < m && lost < m; i++, lost++)
      present[k + i] = 0;
    for (i = 0; i < k; i++) {
      if (present[i])
        memcpy(sh[i], data[i], size);
      else
        memset(sh[i], 0xa5, size);
    }
    for (i = 0; i < m; i++)
      sh[k + i] = present[k + i] ? p[i] : NULL;
    if (ok)
      ok = pf_fec16_decode(f, sh, present, size) == (int)(k + 1) / 2;
    for (i = 0; ok && i < k; i++)
      ok = memcmp(sh[i], data[i], size) == 0;
    if (!ok) {
      fprintf(stderr, "  ext kernel [%s] failed\n", pf_fec_impl_str(impls[x]));
      bad++;
    }
    pf_fec16_del(f);
  }
  TU_CHECK_MSG(bad == 0, "ext kernels vs ref: %zu bad", bad);
  printf("extension layout (%u,%u): %zu kernels vs ref, %zu bad\n", k, m,
         tried, bad);
  for (i = 0; i < k; i++)
    free(sh[i]);
  free(sh);
  free(present);
  shards_free(data, k);
  shards_free(ref, m);
  shards_free(p, m);
}

/* test_alloc() for an extension shape: no allocation per call after
 * creation with max_len, growth on demand, failure at every step. */
static void test_ext_alloc(void) {
  const uint32_t k = 30000, m = 35000;
  tu_alloc a;
  pf_fec16 *f = NULL;
  uint8_t **d = shards_alloc(k, 514), **p = shards_alloc(m, 514);
  uint8_t **sh = calloc(k + m, sizeof(*sh)), *pres = malloc(k + m);
  size_t before, n, ok_at = 0;
  uint32_t i;
  int rv;

  tu_alloc_init(&a);
  rv = pf_fec16_new(&f, k, m, 130, PF_FEC_IMPL_AUTO, &a.mem);
  TU_CHECK_EQ(rv, 0);
  for (i = 0; i < k; i++)
    tu_fill(i, d[i], 130);
  for (i = 0; i < k + m; i++) {
    sh[i] = i < k ? d[i] : p[i - k];
    pres[i] = i >= 100;
  }
  before = a.attempts;
  TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 130), 0);
  TU_CHECK_EQ(pf_fec16_decode(f, sh, pres, 130), 100);
  TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 2), 0);
  TU_CHECK_EQ(a.attempts, before);
  TU_CHECK_EQ(pf_fec16_encode(f, (const uint8_t *const *)d, p, 514), 0);
  TU_CHECK(a.attempts > before); /* growth on demand */
  pf_fec16_del(f);
  TU_CHECK_EQ(a.live, 0);
  for (n = 1; n < 12; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    rv = pf_fec16_new(&f, k, m, 130, PF_FEC_IMPL_AUTO, &a.mem);
    TU_CHECK(rv == 0 || rv == PF_ERR_NOMEM);
    if (rv == 0) {
      ok_at = ok_at ? ok_at : n;
      pf_fec16_del(f);
    }
    TU_CHECK_EQ(a.live, 0);
  }
  TU_CHECK(ok_at > 1);
  shards_free(d, k);
  shards_free(p, m);
  free(sh);
  free(pres);
  printf("allocation checks (extension layout) done\n");
}

int main(void) {
  size_t i;
  int heavy = getenv("PF_TEST_HEAVY") != NULL;

  setvbuf(stdout, NULL, _IOLBF, 0);
  gnutls_global_init();
  test_args();
  test_shape_compatible();
  test_public_api();
  for (i = 0; i < NIMPLS; i++) {
    if (!impl_available(impls[i])) {
      printf("kernel %s: not available on this CPU, skipped\n",
             pf_fec_impl_str(impls[i]));
      continue;
    }
    run_file("rs16-leopard.txt", impls[i]);
    run_file("rs16-rssimd.txt", impls[i]);
    test_random(impls[i], heavy);
    test_random_shapes(impls[i], heavy ? 400 : 60,
                       impls[i] == PF_FEC_IMPL_REF ? 1500 : 6000);
    test_alloc(impls[i]);
    test_ext_matches_rssimd(impls[i]);
    if (impls[i] != PF_FEC_IMPL_REF) {
      test_kernels_vs_ref(impls[i]);
      test_slices(impls[i]);
    }
  }
  test_large(PF_FEC_IMPL_AUTO);
  test_ext_roundtrips(PF_FEC_IMPL_AUTO, heavy);
  if (heavy)
    test_ext_roundtrips(PF_FEC_IMPL_REF, 0);
  test_ext_kernels();
  test_ext_alloc();
  gnutls_global_deinit();
  return tu_finish("test_fec16");
}

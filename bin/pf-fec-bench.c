/*
 * pf-fec-bench.c -- pf-fec bench: encode and decode speed of every FEC
 * implementation this machine runs, for a few shapes or one given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-fec.h"
#include "splitmix.h"

/* Seconds on the monotonic clock. */
static double now_seconds(void) { return (double)pf_clock_now_ns() / 1e9; }

struct bench_set {
  uint32_t fec_scheme, k, m, shard_bytes;
};

static const struct bench_set default_sets[] = {
    {PF_FEC_GF8, 10, 4, 1400},
    {PF_FEC_GF8, 100, 20, 1400},
    {PF_FEC_GF16, 10, 4, 1400},
    {PF_FEC_GF16, 1000, 200, 1400},
};

static const struct {
  uint32_t fec_scheme, impl;
  const char *name;
} bench_impls[] = {
    {PF_FEC_GF8, PF_FEC_IMPL_REF, "ref"},
    {PF_FEC_GF8, PF_FEC_IMPL_ISAL, "isal"},
    {PF_FEC_GF8, PF_FEC_IMPL_GFNI, "gfni"},
    {PF_FEC_GF16, PF_FEC_IMPL_REF, "ref"},
    {PF_FEC_GF16, PF_FEC_IMPL_SSSE3, "ssse3"},
    {PF_FEC_GF16, PF_FEC_IMPL_AVX2, "avx2"},
    {PF_FEC_GF16, PF_FEC_IMPL_AVX512, "avx512"},
    {PF_FEC_GF16, PF_FEC_IMPL_GFNI, "gfni"},
};
#define NIMPLS (sizeof(bench_impls) / sizeof(bench_impls[0]))

struct bench_result {
  double enc_mbps, dec_mbps;
};

/*
 * Times encode, then decode with min(k, m) data shards lost, each for
 * |seconds|.  The first decode is checked against the original data.
 */
static int bench_one(pf_fec *fec, const struct bench_set *b, double seconds,
                     const char *impl, struct bench_result *res) {
  size_t k = b->k, m = b->m, s = b->shard_bytes, n = k + m, i;
  size_t lost = k < m ? k : m;
  uint8_t *buf, *orig, **ptr, *present;
  uint64_t seed = 1, iters;
  double t0, t;
  int rv, ret = -1;

  buf = xcalloc(n, s);
  orig = xcalloc(lost, s);
  ptr = xcalloc(n, sizeof(*ptr));
  present = xcalloc(n, 1);
  if (!buf || !orig || !ptr || !present)
    goto out;
  for (i = 0; i < k * s; i += 8) {
    uint64_t z = splitmix64(&seed);
    memcpy(buf + i, &z, k * s - i < 8 ? k * s - i : 8);
  }
  memcpy(orig, buf, lost * s);
  for (i = 0; i < n; i++)
    ptr[i] = buf + i * s;
  iters = 0;
  t0 = now_seconds();
  do {
    rv = pf_fec_encode(fec, (const uint8_t *const *)ptr, ptr + k, s);
    if (rv != 0) {
      cli_error("bench %s %s: encode failed: %s", code_name(b->fec_scheme), impl,
                pf_strerror(rv));
      goto out;
    }
    iters++;
    t = now_seconds() - t0;
  } while (t < seconds);
  res->enc_mbps = (double)iters * (double)(k * s) / t / 1e6;
  memset(present, 1, n);
  memset(present, 0, lost);
  iters = 0;
  t0 = now_seconds();
  do {
    memset(buf, 0, lost * s);
    rv = pf_fec_decode(fec, ptr, present, s);
    if (rv < 0) {
      cli_error("bench %s %s: decode failed: %s", code_name(b->fec_scheme), impl,
                pf_strerror(rv));
      goto out;
    }
    if (iters == 0 && memcmp(buf, orig, lost * s) != 0) {
      cli_error("bench %s %s: decode rebuilt wrong data (k=%zu m=%zu)",
                code_name(b->fec_scheme), impl, k, m);
      goto out;
    }
    iters++;
    t = now_seconds() - t0;
  } while (t < seconds);
  res->dec_mbps = (double)iters * (double)(k * s) / t / 1e6;
  ret = 0;
out:
  free(present);
  free(ptr);
  free(orig);
  free(buf);
  return ret;
}

int cmd_bench(const struct opts *o) {
  struct bench_set sets[sizeof(default_sets) / sizeof(default_sets[0])];
  size_t nsets = 0, i, j, nres = 0;
  int progress = isatty(STDERR_FILENO), rv;

  if (o->given & (OPT(O_K) | OPT(O_M) | OPT(O_SIZE))) {
    sets[0].fec_scheme = o->fec_scheme;
    sets[0].k = o->k;
    sets[0].m = o->m;
    sets[0].shard_bytes = o->shard_bytes;
    nsets = 1;
  } else {
    for (i = 0; i < sizeof(default_sets) / sizeof(default_sets[0]); i++)
      if (!(o->given & OPT(O_CODE)) || default_sets[i].fec_scheme == o->fec_scheme)
        sets[nsets++] = default_sets[i];
  }
  if (o->json)
    printf("{\n  \"seconds\": %g,\n  \"results\": [", o->seconds);
  else
    printf("%-5s %-7s %6s %6s %6s %12s %12s\n", "code", "impl", "k", "m",
           "shard", "encode MB/s", "decode MB/s");
  fflush(stdout);
  for (i = 0; i < nsets; i++) {
    for (j = 0; j < NIMPLS; j++) {
      const struct bench_set *b = &sets[i];
      struct bench_result res;
      pf_fec *fec = NULL;
      const char *name;

      if (bench_impls[j].fec_scheme != b->fec_scheme)
        continue;
      rv = new_coder(&fec, b->fec_scheme, b->k, b->m, bench_impls[j].impl,
                     b->shard_bytes);
      if (rv == PF_ERR_UNSUPPORTED)
        continue;
      if (rv != 0) {
        cli_error("cannot create the %s coder '%s' (k=%u, m=%u): %s",
                  code_name(b->fec_scheme), bench_impls[j].name, b->k, b->m,
                  pf_strerror(rv));
        return CLI_EXIT_FAIL;
      }
      name = pf_fec_impl_name(fec);
      if (progress)
        fprintf(stderr, "\r%s: %s %s k=%u m=%u size=%u ...\033[K", cli_prog,
                code_name(b->fec_scheme), name, b->k, b->m, b->shard_bytes);
      rv = bench_one(fec, b, o->seconds, name, &res);
      pf_fec_del(fec);
      if (progress)
        fprintf(stderr, "\r\033[K");
      if (rv != 0)
        return CLI_EXIT_FAIL;
      if (o->json)
        printf("%s\n    {\"code\": \"%s\", \"impl\": \"%s\", \"data_shards\": "
               "%u, \"parity_shards\": %u, \"shard_size\": %u, "
               "\"encode_mbps\": %.1f, \"decode_mbps\": %.1f}",
               nres ? "," : "", code_name(b->fec_scheme), name, b->k, b->m,
               b->shard_bytes, res.enc_mbps, res.dec_mbps);
      else
        printf("%-5s %-7s %6u %6u %6u %12.1f %12.1f\n", code_name(b->fec_scheme),
               name, b->k, b->m, b->shard_bytes, res.enc_mbps, res.dec_mbps);
      fflush(stdout);
      nres++;
    }
  }
  if (o->json)
    printf("\n  ]\n}\n");
  if (nres == 0) {
    fflush(stdout);
    cli_error("no FEC implementation is available for the requested code");
    return CLI_EXIT_FAIL;
  }
  if (fflush(stdout) != 0) {
    cli_error("cannot write standard output: %s", strerror(errno));
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

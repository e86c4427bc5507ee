/*
 * bench_fec8.c -- GF(2^8) Reed-Solomon throughput, single core: encode,
 * and decode of min(k, m) lost data shards, at 1400-byte shards, for each
 * pf_fec8 kernel next to Intel ISA-L's own ec_encode_data() with the same
 * (nanors) matrix on the same buffers.
 *
 * MB/s counts data bytes (k * shard size per block), 1 MB = 10^6 bytes,
 * best of 5 rounds per cell.
 * "traffic/B" is the bytes a kernel reads and writes per parity byte
 * produced: (passes over the k inputs * k + m) / m, passes =
 * ceil(m / rows per pass).  Not a test: prints numbers, exits 0.
 *
 * "gfni avx2" is the AVX2 width of the GFNI kernel called directly (what
 * a CPU with GFNI but no AVX-512 runs), next to "isa-l avx2", ISA-L's
 * ec_encode_data_avx2() (what ISA-L runs on such a CPU); encode only.
 *
 * Usage: bench_fec8 [seconds per cell, default 0.3]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/erasure_code.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec8.h"
#include "fec/pf_fec8_gfni.h"

#define SHARD 1400

static double cell_seconds = 0.3;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Anything that must not be optimised away lands here. */
static volatile uint8_t sink;

typedef struct shape {
  uint32_t k, m;
} shape;

typedef struct bufs {
  uint32_t k, m;
  uint8_t *mem;
  const uint8_t *data[255];
  uint8_t *parity[255];
  uint8_t *shards[255];
  uint8_t present[255];
  uint32_t nlost;
  /* Eight other patterns of nlost lost data shards (cache misses). */
  uint8_t miss[8][255];
  uint32_t next;
} bufs;

static void bufs_init(bufs *b, uint32_t k, uint32_t m) {
  uint64_t x = 0x9E3779B97F4A7C15u;
  size_t i, j;

  b->k = k;
  b->m = m;
  b->mem = aligned_alloc(64, (size_t)(k + m) * SHARD);
  for (i = 0; i < (size_t)(k + m) * SHARD; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->mem[i] = (uint8_t)x;
  }
  for (i = 0; i < k + m; i++)
    b->shards[i] = b->mem + i * SHARD;
  for (i = 0; i < k; i++)
    b->data[i] = b->shards[i];
  for (i = 0; i < m; i++)
    b->parity[i] = b->shards[k + i];
  /* Lose min(k, m) data shards spread over the block, as the vectors do. */
  b->nlost = k < m ? k : m;
  memset(b->present, 1, sizeof(b->present));
  for (i = 0; i < b->nlost; i++)
    b->present[i * k / b->nlost] = 0;
  /* Eight random sets of nlost data shards (all parity present). */
  for (j = 0; j < 8; j++) {
    uint32_t n = 0;
    memset(b->miss[j], 1, sizeof(b->miss[j]));
    while (n < b->nlost) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if (b->miss[j][x % k]) {
        b->miss[j][x % k] = 0;
        n++;
      }
    }
  }
  b->next = 0;
}

/*
 * Runs |fn| for cell_seconds in 5 rounds and returns the best round's MB/s
 * of k * SHARD bytes per call: the best round is the one least disturbed
 * by anything else running on the machine.
 */
typedef void run_fn(void *ctx);
static double measure(run_fn *fn, void *ctx, uint32_t k) {
  double t0, t, best = 0;
  int round;

  /* Warm up (clocks, caches, the decode cache) for a tenth of a cell. */
  t0 = now();
  do
    fn(ctx);
  while (now() - t0 < cell_seconds / 10);
  for (round = 0; round < 5; round++) {
    unsigned long n = 0, batch = 1;
    t0 = now();
    do {
      unsigned long i;
      for (i = 0; i < batch; i++)
        fn(ctx);
      n += batch;
      if (batch < 1024)
        batch *= 2;
      t = now() - t0;
    } while (t < cell_seconds / 5);
    if ((double)n * k * SHARD / t / 1e6 > best)
      best = (double)n * k * SHARD / t / 1e6;
  }
  return best;
}

/* ISA-L's own call, as an application would make it. */
typedef struct isal_ctx {
  bufs *b;
  unsigned char *tbl;
} isal_ctx;

static void run_isal_raw(void *p) {
  isal_ctx *c = p;
  ec_encode_data(SHARD, (int)c->b->k, (int)c->b->m, c->tbl,
                 (unsigned char **)(uintptr_t)c->b->data, c->b->parity);
  sink ^= c->b->parity[0][0];
}

/* The AVX2 width of the GFNI kernel, called directly (pf_fec8 picks
 * AVX-512 on a CPU that has it). */
typedef struct g256_ctx {
  bufs *b;
  uint64_t *tab;
} g256_ctx;

static void run_gfni256(void *p) {
  g256_ctx *c = p;
  pf_fec8_gfni256_encode(SHARD, c->b->k, c->b->m, c->tab, c->b->data,
                         c->b->parity);
  sink ^= c->b->parity[0][0];
}

/* ISA-L's AVX2 code, what a CPU with GFNI but no AVX-512 would run. */
static void run_isal_avx2(void *p) {
  isal_ctx *c = p;
  ec_encode_data_avx2(SHARD, (int)c->b->k, (int)c->b->m, c->tbl,
                      (unsigned char **)(uintptr_t)c->b->data, c->b->parity);
  sink ^= c->b->parity[0][0];
}

typedef struct pf_ctx {
  bufs *b;
  pf_fec8 *fec;
} pf_ctx;

static void run_encode(void *p) {
  pf_ctx *c = p;
  (void)pf_fec8_encode(c->fec, c->b->data, c->b->parity, SHARD);
  sink ^= c->b->parity[0][0];
}

static void run_decode(void *p) {
  pf_ctx *c = p;
  /* The lost shards are simply overwritten with their rebuilt copies. */
  if (pf_fec8_decode(c->fec, c->b->shards, c->b->present, SHARD) !=
      (int)c->b->nlost)
    abort();
  sink ^= c->b->shards[0][0];
}

/* Every call a loss pattern the cache does not hold (8 random patterns
 * rotate through its 4 entries): inversion + kernel. */
static void run_decode_miss(void *p) {
  pf_ctx *c = p;
  const uint8_t *pr = c->b->miss[c->b->next++ & 7];
  if (pf_fec8_decode(c->fec, c->b->shards, pr, SHARD) != (int)c->b->nlost)
    abort();
  sink ^= c->b->shards[0][0];
}

static double traffic(uint32_t k, uint32_t m, uint32_t rows_per_pass) {
  uint32_t passes = (m + rows_per_pass - 1) / rows_per_pass;
  return ((double)passes * k + m) / m;
}

int main(int argc, char **argv) {
  static const shape shapes[] = {
      {4, 1}, {20, 4}, {48, 12}, {100, 20}, {200, 55}};
  static const uint32_t impls[] = {PF_FEC_IMPL_ISAL, PF_FEC_IMPL_GFNI,
                                   PF_FEC_IMPL_REF};
  uint32_t feat = pf_cpu_features();
  size_t si, ii;

  if (argc > 1)
    cell_seconds = atof(argv[1]);
  printf("bench_fec8: %d-byte shards, %.2f s per cell, MB/s of data; "
         "cpu:%s%s%s%s\n",
         SHARD, cell_seconds, feat & PF_CPU_SSSE3 ? " ssse3" : "",
         feat & PF_CPU_AVX2 ? " avx2" : "",
         feat & PF_CPU_AVX512BW ? " avx512bw" : "",
         feat & PF_CPU_GFNI ? " gfni" : "");
  printf("%-9s %-11s %9s %9s %9s %7s %7s %9s\n", "(k,m)", "kernel", "encode",
         "decode", "dec-miss", "enc/raw", "dec/enc", "traffic/B");
  for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
    uint32_t k = shapes[si].k, m = shapes[si].m, i, c;
    bufs b;
    isal_ctx ic;
    unsigned char *mat = malloc((size_t)k * m);
    double raw;
    char name[16];

    bufs_init(&b, k, m);
    /* The nanors matrix, inv((m + i) XOR j), from ISA-L's own gf_inv. */
    for (i = 0; i < m; i++)
      for (c = 0; c < k; c++)
        mat[(size_t)i * k + c] = gf_inv((unsigned char)((m + c) ^ i));
    ic.b = &b;
    ic.tbl = malloc((size_t)32 * k * m);
    ec_init_tables((int)k, (int)m, mat, ic.tbl);
    raw = measure(run_isal_raw, &ic, k);
    snprintf(name, sizeof(name), "(%u,%u)", k, m);
    printf("%-9s %-11s %9.0f %9s %9s %7s %7s %9.2f\n", name, "isa-l raw", raw,
           "-", "-", "1.00", "-", traffic(k, m, 6));

    if ((feat & (PF_CPU_GFNI | PF_CPU_AVX2)) == (PF_CPU_GFNI | PF_CPU_AVX2)) {
      g256_ctx gc;
      double enc, avx2;

      gc.b = &b;
      gc.tab = malloc((size_t)8 * k * m);
      pf_fec8_gfni_prepare(k, m, PF_FEC8_GFNI256_GROUP, mat, gc.tab);
      enc = measure(run_gfni256, &gc, k);
      avx2 = measure(run_isal_avx2, &ic, k);
      printf("%-9s %-11s %9.0f %9s %9s %7.2f %7s %9.2f\n", name, "isa-l avx2",
             avx2, "-", "-", avx2 / raw, "-", traffic(k, m, 6));
      printf("%-9s %-11s %9.0f %9s %9s %7.2f %7s %9.2f   (%.2fx isa-l avx2)\n",
             name, "gfni avx2", enc, "-", "-", enc / raw, "-",
             traffic(k, m, PF_FEC8_GFNI256_GROUP), enc / avx2);
      free(gc.tab);
    }
    for (ii = 0; ii < sizeof(impls) / sizeof(impls[0]); ii++) {
      pf_ctx pc;
      double enc, dec, miss;
      uint32_t rpp;

      if (impls[ii] == PF_FEC_IMPL_REF && k > 20)
        continue; /* the byte-at-a-time oracle: one small shape is enough */
      if (pf_fec8_new(&pc.fec, k, m, NULL, impls[ii], NULL) != 0)
        continue;
      pc.b = &b;
      enc = measure(run_encode, &pc, k);
      dec = measure(run_decode, &pc, k);
      /* (4,1) has only 4 patterns: they all fit in the cache. */
      miss = k >= 8 ? measure(run_decode_miss, &pc, k) : 0;
      rpp = impls[ii] == PF_FEC_IMPL_GFNI
                ? ((feat & PF_CPU_AVX512BW) ? PF_FEC8_GFNI512_GROUP
                                            : PF_FEC8_GFNI256_GROUP)
            : impls[ii] == PF_FEC_IMPL_ISAL ? 6
                                            : 1;
      printf("%-9s pf %-8s %9.0f %9.0f %9.0f %7.2f %7.2f %9.2f\n", name,
             pf_fec8_impl_name(pc.fec), enc, dec, miss, enc / raw, dec / enc,
             traffic(k, m, rpp));
      pf_fec8_del(pc.fec);
    }
    free(ic.tbl);
    free(mat);
    free(b.mem);
  }
  return 0;
}

/*
 * bench_fec16.c -- throughput of the GF(2^16) Leopard-RS coder, per kernel.
 *
 * For each shape (k, m) at 1408-byte shards: encode, and decode of
 * min(k, m) lost data shards (spread evenly, all parity present).  Prints
 * MB/s of data (k * 1408 bytes per call), the cost per data shard, the
 * ratio to a memcpy of the same bytes measured in the same run, and the
 * ratio to catid/leopard's GF(2^16) figures measured on the reference
 * machine.  Single core.  Each figure is the best of ROUNDS rounds of
 * about BENCH_SECS / ROUNDS seconds each, timed in thread CPU time, so
 * that other load on a shared machine distorts it less.
 * PASS/MISS says whether a figure meets its target (encode >= leopard,
 * decode >= 1.5 x leopard); a summary for the kernel AUTO picks follows.
 * Not a test: the exit status is 0 unless something fails outright.
 * --quick: only the two small shapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec16.h"

#define SHARD 1408u
#define BENCH_SECS 0.3
#define ROUNDS 5

static const struct {
  uint32_t k, m;
  double leo_enc, leo_dec; /* MB/s, catid/leopard GF16 on this machine */
} shapes[] = {{100, 20, 6900, 400},
              {1000, 200, 5230, 1180},
              {10000, 2000, 2950, 880},
              {32768, 8192, 1660, 420}};

static const uint32_t impls[] = {PF_FEC_IMPL_REF, PF_FEC_IMPL_SSSE3,
                                 PF_FEC_IMPL_AVX2, PF_FEC_IMPL_AVX512,
                                 PF_FEC_IMPL_GFNI};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint8_t sink;

/* Seconds per memcpy of |k| shards into |dst| (best round). */
static double time_memcpy(uint8_t **dst, uint8_t **src, uint32_t k) {
  double best = 1e9;
  int r;
  for (r = 0; r < ROUNDS; r++) {
    double t0 = now(), t;
    unsigned long it = 0;
    uint32_t i;
    do {
      for (i = 0; i < k; i++)
        memcpy(dst[i], src[i], SHARD);
      sink ^= dst[it % k][it % SHARD];
      it++;
    } while ((t = now() - t0) < BENCH_SECS / ROUNDS);
    if (t / (double)it < best)
      best = t / (double)it;
  }
  return best;
}

int main(int argc, char **argv) {
  size_t s, x, ns = 0;
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  const char *auto_name = "ref";
  double sum_enc[sizeof(shapes) / sizeof(shapes[0])] = {0};
  double sum_dec[sizeof(shapes) / sizeof(shapes[0])] = {0};
  {
    pf_fec16 *a;
    if (pf_fec16_new(&a, 2, 1, 0, PF_FEC_IMPL_AUTO, NULL) == 0) {
      auto_name = pf_fec16_impl_name(a); /* a static string */
      pf_fec16_del(a);
    }
  }

  printf("bench_fec16: GF(2^16) Leopard-RS, %u-byte shards, 1 core\n", SHARD);
  printf("%-13s %-7s %9s %9s %9s %7s %7s | %9s %9s %9s %7s %7s\n", "shape",
         "kernel", "enc MB/s", "ns/shard", "x memcpy", "x leo", "", "dec MB/s",
         "ns/shard", "x memcpy", "x leo", "");
  for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    uint32_t k = shapes[s].k, m = shapes[s].m, i, L = k < m ? k : m;
    uint8_t **data = malloc(k * sizeof(*data));
    uint8_t **copy = malloc(k * sizeof(*copy));
    uint8_t **par = malloc(m * sizeof(*par));
    uint8_t **sh = malloc((k + m) * sizeof(*sh));
    uint8_t *present = malloc(k + m);
    double mc, bytes = (double)k * SHARD;
    char label[32];

    if (quick && k > 1000)
      break;
    for (i = 0; i < k; i++) {
      uint32_t j;
      data[i] = malloc(SHARD);
      copy[i] = malloc(SHARD);
      for (j = 0; j < SHARD; j++)
        data[i][j] = (uint8_t)(i * 131u + j * 7u + (j >> 5));
    }
    for (i = 0; i < m; i++)
      par[i] = malloc(SHARD);
    mc = time_memcpy(copy, data, k);
    snprintf(label, sizeof(label), "(%u,%u)", k, m);
    printf("%-13s memcpy %9.0f\n", label, bytes / mc / 1e6);

    for (x = 0; x < sizeof(impls) / sizeof(impls[0]); x++) {
      pf_fec16 *fec;
      double t0, te, td;
      unsigned long it;
      int r;
      int rv = pf_fec16_new(&fec, k, m, SHARD, impls[x], NULL);
      if (rv != 0)
        continue; /* kernel not available */
      if (impls[x] == PF_FEC_IMPL_REF && k > 1000) {
        pf_fec16_del(fec);
        continue; /* too slow to be interesting */
      }
      /* encode */
      te = 1e9;
      for (r = 0; r < ROUNDS; r++) {
        double t;
        it = 0;
        t0 = now();
        do {
          if (pf_fec16_encode(fec, (const uint8_t *const *)data, par,
                              SHARD)) {
            fprintf(stderr, "encode failed\n");
            return 1;
          }
          it++;
        } while ((t = now() - t0) < BENCH_SECS / ROUNDS);
        if (t / (double)it < te)
          te = t / (double)it;
      }
      /* decode of L data shards at floor(t * k / L) */
      memset(present, 1, k + m);
      for (i = 0; i < L; i++)
        present[(uint64_t)i * k / L] = 0;
      for (i = 0; i < k; i++)
        sh[i] = present[i] ? data[i] : copy[i];
      for (i = 0; i < m; i++)
        sh[k + i] = par[i];
      td = 1e9;
      for (r = 0; r < ROUNDS; r++) {
        double t;
        it = 0;
        t0 = now();
        do {
          rv = pf_fec16_decode(fec, sh, present, SHARD);
          if (rv != (int)L) {
            fprintf(stderr, "decode failed: %d\n", rv);
            return 1;
          }
          it++;
        } while ((t = now() - t0) < BENCH_SECS / ROUNDS);
        if (t / (double)it < td)
          td = t / (double)it;
      }
      for (i = 0; i < k; i++)
        if (!present[i] && memcmp(copy[i], data[i], SHARD) != 0) {
          fprintf(stderr, "decode produced wrong data\n");
          return 1;
        }
      printf("%-13s %-7s %9.0f %9.0f %9.2f %7.2f %7s | %9.0f %9.0f %9.2f "
             "%7.2f %7s\n",
             label, pf_fec16_impl_name(fec), bytes / te / 1e6, te / k * 1e9,
             mc / te, bytes / te / 1e6 / shapes[s].leo_enc,
             bytes / te / 1e6 >= shapes[s].leo_enc ? "PASS" : "MISS",
             bytes / td / 1e6, td / k * 1e9, mc / td,
             bytes / td / 1e6 / shapes[s].leo_dec,
             bytes / td / 1e6 >= 1.5 * shapes[s].leo_dec ? "PASS" : "MISS");
      if (strcmp(pf_fec16_impl_name(fec), auto_name) == 0) {
        sum_enc[s] = bytes / te / 1e6;
        sum_dec[s] = bytes / td / 1e6;
        ns = s + 1;
      }
      pf_fec16_del(fec);
    }
    printf("%-13s leopard %8.0f %9s %9s %7s %7s | %9.0f  (targets: enc >= "
           "1.0x, dec >= 1.5x leopard)\n",
           label, shapes[s].leo_enc, "", "", "", "", shapes[s].leo_dec);
    for (i = 0; i < k; i++) {
      free(data[i]);
      free(copy[i]);
    }
    for (i = 0; i < m; i++)
      free(par[i]);
    free(data);
    free(copy);
    free(par);
    free(sh);
    free(present);
  }
  printf("\nsummary, kernel %s (targets: encode >= 1.0x, decode >= 1.5x "
         "leopard):\n",
         auto_name);
  for (s = 0; s < ns; s++) {
    char label[32];
    snprintf(label, sizeof(label), "(%u,%u)", shapes[s].k, shapes[s].m);
    printf("%-13s enc %6.0f MB/s %5.2fx %s | dec %6.0f MB/s %5.2fx %s\n",
           label, sum_enc[s], sum_enc[s] / shapes[s].leo_enc,
           sum_enc[s] >= shapes[s].leo_enc ? "PASS" : "MISS", sum_dec[s],
           sum_dec[s] / shapes[s].leo_dec,
           sum_dec[s] >= 1.5 * shapes[s].leo_dec ? "PASS" : "MISS");
  }
  return 0;
}

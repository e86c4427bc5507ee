/*
 * test_mem.c -- allocator injection: every allocation of an object goes
 * through the pf_mem it was given, a failed allocation is PF_ERR_NOMEM
 * with nothing leaked, and aligned blocks are aligned.
 */
#include <stdio.h>
#include <string.h>

#include "base/pf_mem.h"
#include "testutil.h"

static void test_pf_mem_aligned(void) {
  tu_alloc a;
  size_t align;

  tu_alloc_init(&a);
  for (align = sizeof(void *); align <= 4096; align *= 2) {
    uint8_t *p = pf_mem_aligned_alloc(&a.mem, align, 100);
    size_t i, zero = 1;
    TU_CHECK(p != NULL);
    if (!p)
      continue;
    TU_CHECK_EQ((uintptr_t)p % align, 0);
    for (i = 0; i < 100; i++)
      zero &= p[i] == 0;
    TU_CHECK(zero);
    memset(p, 0xee, 100);
    pf_mem_aligned_free(&a.mem, p);
  }
  TU_CHECK(pf_mem_aligned_alloc(&a.mem, 3, 10) == NULL);
  TU_CHECK(pf_mem_aligned_alloc(&a.mem, 64, SIZE_MAX - 8) == NULL);
  TU_CHECK_EQ(a.live, 0);
  TU_CHECK(pf_mem_or_default(NULL) == pf_mem_default());
}

static void test_pf_fec_new_alloc_sweep(void) {
  pf_fec_config cfg;
  tu_alloc a;
  pf_fec *fec;
  size_t n, total;
  int rv;

  pf_fec_config_default(&cfg);
  cfg.data_shards = 20;
  cfg.parity_shards = 4;
  tu_alloc_init(&a);
  rv = pf_fec_new(&fec, &cfg, &a.mem);
  TU_CHECK_EQ(rv, 0);
  if (rv != 0)
    return;
  total = a.allocs;
  TU_CHECK(total > 0);
  pf_fec_del(fec);
  TU_CHECK_EQ(a.live, 0);

  for (n = 1; n <= total; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    fec = (pf_fec *)1;
    rv = pf_fec_new(&fec, &cfg, &a.mem);
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "allocation %zu failed: rv %d", n, rv);
    TU_CHECK(fec == NULL);
    TU_CHECK_MSG(a.live == 0, "allocation %zu failed: %zu blocks leaked", n,
                 a.live);
  }
}

/*
 * A GF16 coder made without max_shard_bytes grows its work space on the
 * first larger call.  If that allocation fails the call is PF_ERR_NOMEM,
 * writes nothing, and the coder stays usable (punktfunk.h, Errors).
 */
static void test_pf_fec_grow_nomem(void) {
  enum { K = 4, M = 2, S = 256 };
  uint8_t buf[K + M][S], want[S];
  uint8_t *shards[K + M], present[K + M];
  pf_fec_config cfg;
  tu_alloc a;
  pf_fec *fec = NULL;
  size_t i, j;
  int rv;

  pf_fec_config_default(&cfg);
  cfg.fec_scheme = PF_FEC_GF16;
  cfg.data_shards = K;
  cfg.parity_shards = M;
  tu_alloc_init(&a);
  rv = pf_fec_new(&fec, &cfg, &a.mem);
  if (rv == PF_ERR_UNSUPPORTED) {
    printf("test_mem: GF16 unavailable in this build: growth leg skipped\n");
    return;
  }
  TU_CHECK_EQ(rv, 0);
  if (rv != 0)
    return;
  for (i = 0; i < K + M; i++) {
    for (j = 0; j < S; j++)
      buf[i][j] = i < K ? (uint8_t)(i * 37 + j * 11 + 1) : 0xAA;
    shards[i] = buf[i];
  }
  /* encode: the growth fails, nothing is written */
  a.fail_at = a.attempts + 1;
  TU_CHECK_EQ(pf_fec_encode(fec, (const uint8_t *const *)shards, shards + K,
                            S),
              PF_ERR_NOMEM);
  for (j = 0; j < S; j++)
    TU_CHECK(buf[K][j] == 0xAA && buf[K + 1][j] == 0xAA);
  TU_CHECK(!pf_err_is_fatal(PF_ERR_NOMEM));
  /* decode: the same, the lost shard is untouched */
  memcpy(want, buf[1], S);
  memset(buf[1], 0x55, S);
  memset(present, 1, sizeof(present));
  present[1] = 0;
  a.fail_at = a.attempts + 1;
  TU_CHECK_EQ(pf_fec_decode(fec, shards, present, S), PF_ERR_NOMEM);
  for (j = 0; j < S; j++)
    TU_CHECK(buf[1][j] == 0x55);
  /* the coder is still usable: encode, lose shard 1, rebuild it */
  a.fail_at = 0;
  memcpy(buf[1], want, S);
  TU_CHECK_EQ(pf_fec_encode(fec, (const uint8_t *const *)shards, shards + K,
                            S),
              0);
  memset(buf[1], 0x55, S);
  TU_CHECK_EQ(pf_fec_decode(fec, shards, present, S), 1);
  TU_CHECK(memcmp(buf[1], want, S) == 0);
  pf_fec_del(fec);
  TU_CHECK_EQ(a.live, 0);
}

int main(void) {
  test_pf_mem_aligned();
  test_pf_fec_new_alloc_sweep();
  test_pf_fec_grow_nomem();
  return tu_finish("test_mem");
}

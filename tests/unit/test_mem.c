/*
 * test_mem.c -- allocator injection: every allocation of an object goes
 * through the pf_mem it was given, a failed allocation is PF_ERR_NOMEM
 * with nothing leaked, and aligned blocks are aligned.
 */
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

int main(void) {
  test_pf_mem_aligned();
  test_pf_fec_new_alloc_sweep();
  return tu_finish("test_mem");
}

/*
 * test_fec_cache.c -- the LRU of FEC coders: hits return the same coder,
 * misses create one per shape, the least recently used is evicted, and
 * creation errors pass through.
 */
#include "fec/pf_fec_cache.h"
#include "testutil.h"

static void test_pf_fec_cache_get(void) {
  pf_fec_cache *c;
  pf_fec *a, *b, *x;
  tu_alloc al;
  size_t allocs;

  tu_alloc_init(&al);
  TU_CHECK_EQ(pf_fec_cache_new(&c, 0, PF_FEC_IMPL_AUTO, 0, &al.mem),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec_cache_new(&c, 2, PF_FEC_IMPL_AUTO, 0, &al.mem), 0);
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 10, 4, &a), 0);
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 3, 2, &b), 0);
  TU_CHECK(a != NULL && b != NULL && a != b);
  allocs = al.allocs;
  /* Hits allocate nothing and return the same coders. */
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 10, 4, &x), 0);
  TU_CHECK(x == a);
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 3, 2, &x), 0);
  TU_CHECK(x == b);
  TU_CHECK_EQ(al.allocs, allocs);
  /* (10,4) is now least recently used: a third shape evicts it. */
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 5, 2, &x), 0);
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 3, 2, &x), 0);
  TU_CHECK(x == b);
  allocs = al.allocs;
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 10, 4, &x), 0);
  TU_CHECK(al.allocs > allocs); /* re-created */
  /* Errors of pf_fec_new pass through and leave the cache usable. */
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 250, 10, &x),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK(x == NULL);
  TU_CHECK_EQ(pf_fec_cache_get(c, PF_FEC_GF8, 3, 2, &x), 0);
  pf_fec_cache_del(c);
  TU_CHECK_EQ(al.live, 0);
  pf_fec_cache_del(NULL);
}

int main(void) {
  test_pf_fec_cache_get();
  return tu_finish("test_fec_cache");
}

/*
 * pf_fec_cache.c -- LRU of FEC coders (see pf_fec_cache.h).
 */
#include "fec/pf_fec_cache.h"

#include "base/pf_mem.h"

struct entry {
  pf_fec *fec;
  uint32_t fec_scheme, k, m;
  uint64_t used; /* tick of last use; 0 = empty */
};

struct pf_fec_cache {
  const pf_mem *mem;
  uint32_t impl;
  size_t max_shard_bytes;
  size_t capacity;
  uint64_t tick;
  struct entry *e;
};

int pf_fec_cache_new(pf_fec_cache **pcache, size_t capacity, uint32_t impl,
                     size_t max_shard_bytes, const pf_mem *mem) {
  pf_fec_cache *c;

  if (!pcache || capacity == 0)
    return PF_ERR_INVALID_ARGUMENT;
  *pcache = NULL;
  mem = pf_mem_or_default(mem);
  c = pf_mem_calloc(mem, 1, sizeof(*c));
  if (!c)
    return PF_ERR_NOMEM;
  c->e = pf_mem_calloc(mem, capacity, sizeof(*c->e));
  if (!c->e) {
    pf_mem_free(mem, c);
    return PF_ERR_NOMEM;
  }
  c->mem = mem;
  c->impl = impl;
  c->max_shard_bytes = max_shard_bytes;
  c->capacity = capacity;
  *pcache = c;
  return 0;
}

void pf_fec_cache_del(pf_fec_cache *c) {
  size_t i;

  if (!c)
    return;
  for (i = 0; i < c->capacity; i++)
    pf_fec_del(c->e[i].fec);
  pf_mem_free(c->mem, c->e);
  pf_mem_free(c->mem, c);
}

int pf_fec_cache_get(pf_fec_cache *c, uint32_t fec_scheme, uint32_t k, uint32_t m,
                     pf_fec **pfec) {
  struct entry *victim;
  pf_fec_config cfg;
  pf_fec *fec;
  size_t i;
  int rv;

  *pfec = NULL;
  victim = &c->e[0];
  for (i = 0; i < c->capacity; i++) {
    struct entry *e = &c->e[i];
    if (e->used && e->fec_scheme == fec_scheme && e->k == k && e->m == m) {
      e->used = ++c->tick;
      *pfec = e->fec;
      return 0;
    }
    if (e->used < victim->used)
      victim = e;
  }
  pf_fec_config_default(&cfg);
  cfg.fec_scheme = fec_scheme;
  cfg.data_shards = k;
  cfg.parity_shards = m;
  cfg.impl = c->impl;
  cfg.max_shard_bytes = fec_scheme == PF_FEC_GF16 ? c->max_shard_bytes : 0;
  rv = pf_fec_new(&fec, &cfg, c->mem);
  if (rv != 0)
    return rv;
  pf_fec_del(victim->fec);
  victim->fec = fec;
  victim->fec_scheme = fec_scheme;
  victim->k = k;
  victim->m = m;
  victim->used = ++c->tick;
  *pfec = fec;
  return 0;
}

/*
 * pf_fec.c -- the public FEC API: argument checks common to both codes,
 * then dispatch to the GF(2^8) (pf_fec8) or GF(2^16) (pf_fec16) coder.
 */
#include "base/pf_abi.h"
#include "fec/pf_fec16.h"
#include "fec/pf_fec8.h"
#include "base/pf_mem.h"

/* The first published layout of pf_fec_config (ABI 1) ends here. */
#define FEC_CONFIG_V1_SIZE                                                    \
  (offsetof(pf_fec_config, max_shard_bytes) + sizeof(size_t))

struct pf_fec {
  const pf_mem *mem;
  pf_fec_config cfg;
  pf_fec8 *fec8;
  pf_fec16 *fec16;
  size_t nshards;
  /* Scratch for the overlap check, sized k + m at creation. */
  struct span {
    uintptr_t start;
    int writable;
  } *spans;
};

void pf_fec_config_default(pf_fec_config *cfg) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->struct_size = sizeof(*cfg);
  cfg->fec_scheme = PF_FEC_GF8;
  cfg->data_shards = 4;
  cfg->parity_shards = 2;
  cfg->impl = PF_FEC_IMPL_AUTO;
  cfg->matrix = NULL;
  cfg->max_shard_bytes = 0;
}

int pf_fec_new(pf_fec **pfec, const pf_fec_config *cfg, const pf_mem *mem) {
  pf_fec *fec;
  pf_fec_config c;
  int rv;

  if (!pfec || !cfg)
    return PF_ERR_INVALID_ARGUMENT;
  *pfec = NULL;
  pf_fec_config_default(&c);
  rv = pf_config_copy(&c, sizeof(c), cfg, FEC_CONFIG_V1_SIZE);
  if (rv != 0)
    return rv;
  if (c.data_shards < 1 || c.parity_shards < 1)
    return PF_ERR_INVALID_ARGUMENT;
  switch (c.fec_scheme) {
  case PF_FEC_GF8:
    if (c.data_shards + c.parity_shards > PF_FEC8_MAX_SHARDS)
      return PF_ERR_INVALID_ARGUMENT;
    break;
  case PF_FEC_GF16:
    if ((uint64_t)c.data_shards + c.parity_shards > PF_FEC16_MAX_SHARDS ||
        c.matrix != NULL || (c.max_shard_bytes & 1) != 0)
      return PF_ERR_INVALID_ARGUMENT;
    break;
  default:
    return PF_ERR_INVALID_ARGUMENT;
  }
  mem = pf_mem_or_default(mem);
  fec = pf_mem_calloc(mem, 1, sizeof(*fec));
  if (!fec)
    return PF_ERR_NOMEM;
  fec->mem = mem;
  fec->cfg = c;
  fec->cfg.matrix = NULL; /* the coder keeps its own copy */
  fec->nshards = (size_t)c.data_shards + c.parity_shards;
  fec->spans = pf_mem_calloc(mem, fec->nshards, sizeof(*fec->spans));
  if (!fec->spans) {
    pf_fec_del(fec);
    return PF_ERR_NOMEM;
  }
  if (c.fec_scheme == PF_FEC_GF8)
    rv = pf_fec8_new(&fec->fec8, c.data_shards, c.parity_shards, c.matrix,
                     c.impl, mem);
  else
    rv = pf_fec16_new(&fec->fec16, c.data_shards, c.parity_shards,
                      c.max_shard_bytes, c.impl, mem);
  if (rv != 0) {
    pf_fec_del(fec);
    return rv;
  }
  *pfec = fec;
  return 0;
}

void pf_fec_del(pf_fec *fec) {
  if (!fec)
    return;
  pf_fec8_del(fec->fec8);
  pf_fec16_del(fec->fec16);
  pf_mem_free(fec->mem, fec->spans);
  pf_mem_free(fec->mem, fec);
}

/*
 * In-place heapsort by start address.  glibc's qsort may call malloc for
 * larger arrays, which would bypass the injected allocator and allocate
 * on the coding path.
 */
static void span_sift(struct span *s, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    struct span t;

    if (child >= n)
      return;
    if (child + 1 < n && s[child + 1].start > s[child].start)
      child++;
    if (s[root].start >= s[child].start)
      return;
    t = s[root];
    s[root] = s[child];
    s[child] = t;
    root = child;
  }
}

static void span_sort(struct span *s, size_t n) {
  size_t i;

  if (n < 2)
    return;
  for (i = n / 2; i-- > 0;)
    span_sift(s, i, n);
  for (i = n - 1; i > 0; i--) {
    struct span t = s[0];
    s[0] = s[i];
    s[i] = t;
    span_sift(s, 0, i);
  }
}

/*
 * Returns 1 if a writable span overlaps any other span.  All spans have
 * the same length, so after sorting by start it is enough to compare
 * each writable span with its two neighbours.
 */
static int spans_overlap(struct span *s, size_t n, size_t len) {
  size_t i;

  span_sort(s, n);
  for (i = 1; i < n; i++) {
    if (!s[i].writable && !s[i - 1].writable)
      continue;
    if (s[i].start - s[i - 1].start < len)
      return 1;
  }
  return 0;
}

static int check_size(const pf_fec *fec, size_t len) {
  if (len == 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (fec->cfg.fec_scheme == PF_FEC_GF16 && (len & 1) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  return 0;
}

int pf_fec_encode(pf_fec *fec, const uint8_t *const *data,
                  uint8_t *const *parity, size_t shard_bytes) {
  size_t k, m, i, n = 0;

  if (!fec || !data || !parity || check_size(fec, shard_bytes) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  k = fec->cfg.data_shards;
  m = fec->cfg.parity_shards;
  for (i = 0; i < k; i++) {
    if (!data[i])
      return PF_ERR_INVALID_ARGUMENT;
    fec->spans[n].start = (uintptr_t)data[i];
    fec->spans[n++].writable = 0;
  }
  for (i = 0; i < m; i++) {
    if (!parity[i])
      return PF_ERR_INVALID_ARGUMENT;
    fec->spans[n].start = (uintptr_t)parity[i];
    fec->spans[n++].writable = 1;
  }
  if (spans_overlap(fec->spans, n, shard_bytes))
    return PF_ERR_INVALID_ARGUMENT;
  if (fec->fec8)
    return pf_fec8_encode(fec->fec8, data, parity, shard_bytes);
  return pf_fec16_encode(fec->fec16, data, parity, shard_bytes);
}

int pf_fec_decode(pf_fec *fec, uint8_t *const *shards, const uint8_t *present,
                  size_t shard_bytes) {
  size_t k, total, i, n = 0, have = 0, missing = 0;

  if (!fec || !shards || !present || check_size(fec, shard_bytes) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  k = fec->cfg.data_shards;
  total = fec->nshards;
  for (i = 0; i < total; i++) {
    if (present[i]) {
      if (!shards[i])
        return PF_ERR_INVALID_ARGUMENT;
      have++;
    } else if (i < k) {
      if (!shards[i])
        return PF_ERR_INVALID_ARGUMENT;
      missing++;
    } else {
      continue; /* a missing parity shard is not touched */
    }
    fec->spans[n].start = (uintptr_t)shards[i];
    fec->spans[n++].writable = !present[i];
  }
  if (missing == 0)
    return 0;
  if (have < k)
    return PF_ERR_FEC_UNRECOVERABLE;
  if (spans_overlap(fec->spans, n, shard_bytes))
    return PF_ERR_INVALID_ARGUMENT;
  if (fec->fec8)
    return pf_fec8_decode(fec->fec8, shards, present, shard_bytes);
  return pf_fec16_decode(fec->fec16, shards, present, shard_bytes);
}

const char *pf_fec_impl_name(const pf_fec *fec) {
  if (!fec)
    return "none";
  if (fec->fec8)
    return pf_fec8_impl_name(fec->fec8);
  return pf_fec16_impl_name(fec->fec16);
}

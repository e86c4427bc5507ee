/* Placeholder until the GF(2^16) coder lands: creation reports UNSUPPORTED. */
#include "pf_fec16.h"

int pf_fec16_new(pf_fec16 **pfec, uint32_t k, uint32_t m, size_t max_len,
                uint32_t impl, const pf_mem *mem) {
  (void)k; (void)m; (void)impl; (void)mem; (void)max_len;
  *pfec = NULL;
  return PF_ERR_UNSUPPORTED;
}
void pf_fec16_del(pf_fec16 *fec) { (void)fec; }
int pf_fec16_encode(pf_fec16 *fec, const uint8_t *const *data,
                   uint8_t *const *parity, size_t len) {
  (void)fec; (void)data; (void)parity; (void)len;
  return PF_ERR_UNSUPPORTED;
}
int pf_fec16_decode(pf_fec16 *fec, uint8_t *const *shards,
                   const uint8_t *present, size_t len) {
  (void)fec; (void)shards; (void)present; (void)len;
  return PF_ERR_UNSUPPORTED;
}
const char *pf_fec16_impl_name(const pf_fec16 *fec) { (void)fec; return "none"; }

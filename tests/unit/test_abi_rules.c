/*
 * test_abi_rules.c -- version queries and the struct_size rules of
 * public config structs (smaller than the first layout: PF_ERR_ABI;
 * larger: tolerated, the tail ignored).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

static void test_pf_version(void) {
  TU_CHECK_EQ(pf_abi_version(), PF_ABI_VERSION);
  TU_CHECK(strcmp(pf_version(), PACKAGE_VERSION) == 0);
}

static void test_pf_fec_config_default(void) {
  pf_fec_config cfg;

  memset(&cfg, 0xa5, sizeof(cfg));
  pf_fec_config_default(&cfg);
  TU_CHECK_EQ(cfg.struct_size, sizeof(cfg));
  TU_CHECK_EQ(cfg.fec_scheme, PF_FEC_GF8);
  TU_CHECK_EQ(cfg.data_shards, 4);
  TU_CHECK_EQ(cfg.parity_shards, 2);
  TU_CHECK(cfg.matrix == NULL);
}

static void test_pf_fec_struct_size(void) {
  pf_fec_config cfg;
  pf_fec *fec = NULL;
  struct {
    pf_fec_config cfg;
    uint8_t future[64]; /* fields a newer header would have appended */
  } big;

  pf_fec_config_default(&cfg);
  cfg.struct_size = 0;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_ABI);
  TU_CHECK(fec == NULL);
  cfg.struct_size = sizeof(size_t);
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_ABI);
  cfg.struct_size = offsetof(pf_fec_config, max_shard_bytes);
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_ABI);

  /* A larger struct (newer caller) is accepted; unknown bytes ignored. */
  pf_fec_config_default(&big.cfg);
  memset(big.future, 0xff, sizeof(big.future));
  big.cfg.struct_size = sizeof(big);
  TU_CHECK_EQ(pf_fec_new(&fec, &big.cfg, NULL), 0);
  TU_CHECK(fec != NULL);
  pf_fec_del(fec);

  /* Exactly our size works too. */
  cfg.struct_size = sizeof(cfg);
  fec = NULL;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), 0);
  pf_fec_del(fec);
  pf_fec_del(NULL);
}

static void test_pf_fec_new_rejects(void) {
  pf_fec_config cfg;
  pf_fec *fec = NULL;

  pf_fec_config_default(&cfg);
  TU_CHECK_EQ(pf_fec_new(NULL, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fec_new(&fec, NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.fec_scheme = 7;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  pf_fec_config_default(&cfg);
  cfg.data_shards = 0;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  pf_fec_config_default(&cfg);
  cfg.parity_shards = 0;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  pf_fec_config_default(&cfg);
  cfg.data_shards = 200;
  cfg.parity_shards = 56;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.fec_scheme = PF_FEC_GF16;
  cfg.data_shards = 40000;
  cfg.parity_shards = 25536;
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  cfg.parity_shards = 0xffffffffu; /* k + m must not wrap */
  TU_CHECK_EQ(pf_fec_new(&fec, &cfg, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK(fec == NULL);
}

int main(void) {
  test_pf_version();
  test_pf_fec_config_default();
  test_pf_fec_struct_size();
  test_pf_fec_new_rejects();
  return tu_finish("test_abi_rules");
}

/*
 * harness.c -- the acceptance test of the original punktfunk C ABI
 * (doc/wire-format.md 12.3), written against <punktfunk/punktfunk_core.h> ONLY.
 *
 * A loopback pair drops 1 of every 8 datagrams; 4 frames of 200000 bytes
 * (byte i of frame f = (i * 131 + f * 17) & 0xFF, pts = f * 1 ms, flags
 * 0) must each come back byte-exact, with frame_index == f, from the poll
 * right after their submit, and FEC must have rebuilt shards.
 *
 *   harness [--encrypt] [--gf16]
 *
 * --encrypt seals with AES-128-GCM (a fixed non-zero key); --gf16 uses
 * the GF(2^16) Leopard code instead of GF(2^8).  Exit 0 and the line
 * "PASS: 4 frames round-tripped byte-exact through lossy loopback" on
 * success, 1 on failure, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk_core.h>

#define FRAMES 4
#define FRAME_LEN 200000u
#define DROP_PERIOD 8u

static PunktfunkConfig make_config(uint32_t role, int encrypt, int gf16) {
  PunktfunkConfig c;
  size_t i;

  memset(&c, 0, sizeof(c));
  c.struct_size = (uint32_t)sizeof(PunktfunkConfig);
  c.role = role; /* 0 = host, 1 = client */
  c.phase = 1;   /* P1, GameStream-compatible */
  c.fec_scheme = gf16 ? 1u : 0u;
  c.fec_percent = 25;
  c.max_data_per_block = 64;
  c.shard_payload = 1024;
  c.max_frame_bytes = 8u * 1024u * 1024u;
  c.encrypt = encrypt ? 1u : 0u;
  if (encrypt) {
    for (i = 0; i < sizeof(c.key); i++)
      c.key[i] = (uint8_t)(0xA5u ^ (i * 29u));
    memcpy(c.salt, "\x12\x34\x56\x78", 4);
  }
  c.loopback_drop_period = DROP_PERIOD;
  return c;
}

int main(int argc, char **argv) {
  PunktfunkConfig host_cfg, client_cfg;
  PunktfunkSession *host = NULL, *client = NULL;
  PunktfunkStatus rc;
  PunktfunkStats st;
  uint8_t *buf;
  int encrypt = 0, gf16 = 0, failures = 0, f, a;
  size_t i;

  for (a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--encrypt") == 0) {
      encrypt = 1;
    } else if (strcmp(argv[a], "--gf16") == 0) {
      gf16 = 1;
    } else {
      fprintf(stderr, "usage: harness [--encrypt] [--gf16]\n");
      return 2;
    }
  }
  printf("punktfunk-core C ABI harness (abi_version=%u, %s, %s)\n",
         punktfunk_abi_version(), gf16 ? "GF16" : "GF8",
         encrypt ? "AES-128-GCM" : "unsealed");
  if (punktfunk_abi_version() != PUNKTFUNK_ABI_VERSION) {
    fprintf(stderr, "FAIL: library ABI %u, header %u\n",
            punktfunk_abi_version(), PUNKTFUNK_ABI_VERSION);
    return 1;
  }

  host_cfg = make_config(0, encrypt, gf16);
  client_cfg = make_config(1, encrypt, gf16);
  rc = punktfunk_test_loopback_pair(&host_cfg, &client_cfg, &host, &client);
  if (rc != PUNKTFUNK_STATUS_OK || host == NULL || client == NULL) {
    fprintf(stderr, "FAIL: loopback_pair rc=%d\n", (int)rc);
    return 1;
  }

  buf = malloc(FRAME_LEN);
  if (buf == NULL) {
    fprintf(stderr, "FAIL: oom\n");
    return 1;
  }
  for (f = 0; f < FRAMES; f++) {
    PunktfunkFrame out;

    for (i = 0; i < FRAME_LEN; i++)
      buf[i] = (uint8_t)((i * 131u + (unsigned)f * 17u) & 0xFFu);
    rc = punktfunk_host_submit_frame(host, buf, FRAME_LEN,
                                     (uint64_t)f * 1000000u, 0);
    if (rc != PUNKTFUNK_STATUS_OK) {
      fprintf(stderr, "FAIL: submit frame %d rc=%d\n", f, (int)rc);
      failures++;
      continue;
    }
    memset(&out, 0, sizeof(out));
    rc = punktfunk_client_poll_frame(client, &out);
    if (rc != PUNKTFUNK_STATUS_OK) {
      fprintf(stderr, "FAIL: poll frame %d rc=%d (expected recovery)\n", f,
              (int)rc);
      failures++;
      continue;
    }
    if (out.len != FRAME_LEN || out.data == NULL ||
        memcmp(out.data, buf, FRAME_LEN) != 0) {
      fprintf(stderr, "FAIL: frame %d mismatch (len=%zu want=%u)\n", f, out.len,
              FRAME_LEN);
      failures++;
      continue;
    }
    if (out.frame_index != (uint32_t)f ||
        out.pts_ns != (uint64_t)f * 1000000u || out.flags != 0) {
      fprintf(stderr, "FAIL: frame %d wrong index %u / pts / flags\n", f,
              out.frame_index);
      failures++;
    }
  }
  /* Nothing more is pending. */
  {
    PunktfunkFrame out;
    rc = punktfunk_client_poll_frame(client, &out);
    if (rc != PUNKTFUNK_STATUS_NO_FRAME) {
      fprintf(stderr, "FAIL: extra poll rc=%d, want NO_FRAME\n", (int)rc);
      failures++;
    }
  }

  memset(&st, 0, sizeof(st));
  if (punktfunk_get_stats(client, &st) != PUNKTFUNK_STATUS_OK)
    failures++;
  printf("client stats: completed=%llu recovered_shards=%llu "
         "dropped_pkts=%llu rx_pkts=%llu\n",
         (unsigned long long)st.frames_completed,
         (unsigned long long)st.fec_recovered_shards,
         (unsigned long long)st.packets_dropped,
         (unsigned long long)st.packets_received);
  if (st.fec_recovered_shards == 0) {
    fprintf(stderr, "FAIL: expected FEC to recover lost shards, but "
                    "recovered 0\n");
    failures++;
  }

  free(buf);
  punktfunk_session_free(host);
  punktfunk_session_free(client);

  if (failures == 0) {
    printf("PASS: %d frames round-tripped byte-exact through lossy loopback\n",
           FRAMES);
    return 0;
  }
  fprintf(stderr, "FAILED with %d errors\n", failures);
  return 1;
}

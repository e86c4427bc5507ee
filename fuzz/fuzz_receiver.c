/*
 * fuzz_receiver.c -- libFuzzer target for the receiver: the input is a
 * sequence of datagrams fed to one pf_receiver, as an attacker on the
 * path (unsealed mode) could send them.
 *
 * Input: one config byte (bit 0: GF16 instead of GF8; bit 1:
 * release_on_next; bit 2: keep up to three frames borrowed), then
 * records of u16 LE length || datagram bytes.  A record of length 0
 * resets the receiver.  Geometry: 16-byte shards, K_max 4, 50 % parity,
 * 4096-byte frames (the seeds in fuzz/corpus/receiver were written by
 * `tests/unit/test_receiver --write-corpus`).
 *
 * Checks: no crash or sanitizer report; every frame handed out is at
 * most max_frame_bytes, readable to its end and given back once; the
 * byte budget is never exceeded; packets_dropped is the sum of the
 * drop_* counters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#define MAX_FRAME 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_stats(const pf_receiver *r, uint64_t budget) {
  pf_receiver_stats st;
  uint64_t sum;

  memset(&st, 0, sizeof(st));
  st.struct_size = sizeof(st);
  if (pf_receiver_get_stats(r, &st) != 0)
    abort();
  sum = st.drop_too_short + st.drop_too_long + st.drop_bad_magic +
        st.drop_geometry + st.drop_limits + st.drop_stale + st.drop_duplicate +
        st.drop_late + st.drop_replay + st.drop_auth + st.drop_budget +
        st.drop_fec + st.drop_nomem + st.drop_other_run + st.drop_far_ahead;
  if (sum != st.packets_dropped || st.inflight_bytes > budget ||
      st.peak_inflight_bytes > budget || st.inflight_frames > 8)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pf_receiver_config cfg;
  pf_receiver *r = NULL;
  pf_frame held[3];
  size_t nheld = 0, off = 1, i;
  uint64_t now = 0, budget;
  volatile uint8_t sink = 0;
  uint8_t mode;

  if (size < 1)
    return 0;
  mode = data[0];
  pf_receiver_config_default(&cfg);
  cfg.fec_scheme = (mode & 1) ? PF_FEC_GF16 : PF_FEC_GF8;
  cfg.shard_payload = 16;
  cfg.max_data_per_block = 4;
  cfg.max_fec_percent = 50;
  cfg.max_frame_bytes = MAX_FRAME;
  cfg.max_inflight_frames = 8;
  cfg.release_on_next = (mode >> 1) & 1;
  budget = 4u * MAX_FRAME;
  if (pf_receiver_new(&r, &cfg, NULL) != 0)
    return 0;

  while (size - off >= 2) {
    size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
    pf_frame f;
    int rv;

    off += 2;
    if (len > size - off)
      len = size - off;
    if (len == 0) {
      pf_receiver_reset(r);
      continue;
    }
    rv = pf_receiver_read_datagram(r, data + off, len, now++);
    if (rv != 0 && rv != PF_ERR_DROP)
      abort();
    off += len;
    for (;;) {
      f.struct_size = sizeof(f);
      if (pf_receiver_next_frame(r, &f) != 0)
        break;
      if (f.len > MAX_FRAME || (f.len > 0 && !f.data))
        abort();
      for (i = 0; i < f.len; i++)
        sink ^= f.data[i];
      if (cfg.release_on_next)
        continue;
      if ((mode & 4) && nheld < 3) {
        held[nheld++] = f;
        continue;
      }
      if (pf_receiver_frame_done(r, &f) != 0 ||
          pf_receiver_frame_done(r, &f) != PF_ERR_INVALID_ARGUMENT)
        abort();
    }
    check_stats(r, budget);
    {
      pf_frame_loss l;
      l.struct_size = sizeof(l);
      while (pf_receiver_next_loss(r, &l) == 0)
        if (l.reason < PF_LOSS_INDEX_WINDOW || l.reason > PF_LOSS_FEC)
          abort();
    }
  }
  for (i = 0; i < nheld; i++) /* still valid after any number of resets */
    if (held[i].len && (sink ^= held[i].data[held[i].len - 1],
                        pf_receiver_frame_done(r, &held[i]) != 0))
      abort();
  (void)sink;
  pf_receiver_del(r);
  return 0;
}

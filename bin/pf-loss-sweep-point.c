/*
 * pf-loss-sweep-point.c -- one point of `pf-loss sweep`: frames through
 * the library's real sender, a channel (bin/channel.c) and the real
 * receiver.
 *
 * For every point of the sweep a fresh pf_sender and pf_receiver are
 * made; each frame is packetized, FEC-coded and sealed by the sender,
 * passed through a channel (a seeded loss model, then optional reordering
 * and duplication on a virtual clock), and the surviving datagrams are
 * opened, reassembled and recovered by the receiver.  A frame counts as
 * delivered when the receiver hands it out with exactly the bytes that
 * were submitted.
 *
 * The channel also counts, per FEC block, how many shards it lost.  A
 * Reed-Solomon code is MDS: every block that lost at most M of its K + M
 * shards must be rebuilt.  So the frames whose blocks all stayed within
 * budget are the "RS bound" of the point, and --expect-mds fails when a
 * frame inside the bound was not delivered, or any delivered frame
 * differs.
 *
 * Test-only hook: with PF_LOSS_TEST_BREAK=1 in the environment, one
 * delivered frame gets a byte flipped before it is compared (a simulated
 * broken decoder), so tests can check that --expect-mds catches it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "channel.h"
#include "pf-loss-sweep.h"

/* Virtual clock: 60 frames per second, datagrams 10 us apart, 1 ms path. */
#define FRAME_NS 16666667ull
#define DGRAM_NS 10000ull
#define PATH_NS 1000000ull
#define T0_NS 1000000000ull

/* --------------------------------------------------------- frame shape */

static uint32_t block_k(const pf_geometry *g, size_t b) {
  return b == g->blocks - 1 ? g->k_last : g->k_full;
}

static uint32_t block_m(const pf_geometry *g, size_t b) {
  return b == g->blocks - 1 ? g->m_last : g->m_full;
}

/* --------------------------------------------------------- one point */

static int break_hook_armed = -1;

static int break_hook(void) {
  if (break_hook_armed < 0) {
    const char *e = getenv("PF_LOSS_TEST_BREAK");
    break_hook_armed = e && strcmp(e, "1") == 0;
  }
  return break_hook_armed;
}

static void fill_frame(uint8_t *buf, size_t len, uint32_t f) {
  size_t b;

  for (b = 0; b < len; b++)
    buf[b] = (uint8_t)(b ^ f);
}

/* Takes every finished frame from |r| and checks its bytes. */
static int drain(pf_receiver *r, const struct series *se, uint8_t *delivered,
                 uint8_t *bad, uint32_t nframes, uint8_t *scratch,
                 struct result *res) {
  pf_frame fr;
  pf_frame_loss loss;
  int rv;

  for (;;) {
    const uint8_t *data;
    size_t b;
    int ok;

    memset(&fr, 0, sizeof(fr));
    fr.struct_size = sizeof(fr);
    rv = pf_receiver_next_frame(r, &fr);
    if (rv == PF_ERR_NOFRAME)
      break;
    if (rv != 0) {
      cli_error("sweep: pf_receiver_next_frame: %s", pf_strerror(rv));
      return -1;
    }
    data = fr.data;
    if (break_hook() == 1 && fr.len > 0) {
      /* Test-only: simulate a decoder that damages one frame. */
      memcpy(scratch, fr.data, fr.len);
      scratch[fr.len / 2] ^= 0x5A;
      data = scratch;
      break_hook_armed = 2;
    }
    ok = fr.frame_index < nframes && fr.len == se->frame_size;
    for (b = 0; ok && b < fr.len; b++)
      if (data[b] != (uint8_t)(b ^ fr.frame_index))
        ok = 0;
    if (ok && !delivered[fr.frame_index]) {
      delivered[fr.frame_index] = 1;
      res->delivered++;
    } else if (!ok) {
      res->corrupt++;
      if (fr.frame_index < nframes)
        bad[fr.frame_index] = 1;
      else
        res->violations++;
    }
    rv = pf_receiver_frame_done(r, &fr);
    if (rv != 0) {
      cli_error("sweep: pf_receiver_frame_done: %s", pf_strerror(rv));
      return -1;
    }
  }
  memset(&loss, 0, sizeof(loss));
  loss.struct_size = sizeof(loss);
  while (pf_receiver_next_loss(r, &loss) == 0)
    ;
  return 0;
}

static void fixed_key(uint8_t *key, uint8_t *salt) {
  uint32_t i;

  for (i = 0; i < PF_AEAD_MAX_KEYBYTES; i++)
    key[i] = (uint8_t)(0xA5 ^ (i * 29));
  for (i = 0; i < PF_AEAD_SALTBYTES; i++)
    salt[i] = (uint8_t)(0x11 * (i + 1));
}

int sweep_run_point(const struct sweep_opts *o, const struct series *se,
                     const lm_model *m, uint64_t seed, struct result *res) {
  pf_sender_config sc;
  pf_receiver_config rc;
  pf_sender *snd = NULL;
  pf_receiver *rcv = NULL;
  pf_sender_stats ss;
  pf_receiver_stats rs;
  struct channel ch;
  struct chan_config cc;
  pf_geometry g;
  lm_state st;
  uint8_t *frame = NULL, *scratch = NULL, *delivered = NULL, *bound = NULL;
  uint8_t *bad = NULL;
  uint8_t *mask = NULL;
  uint32_t *lost = NULL;
  uint32_t f;
  int rv, ret = -1;
  uint64_t prev_data = 0, prev_parity = 0;
  const uint32_t key_len = o->aead == PF_AEAD_CHACHA20POLY1305
                               ? PF_AEAD_CHACHA20POLY1305_KEYBYTES
                               : PF_AEAD_AES128GCM_KEYBYTES;

  memset(res, 0, sizeof(*res));
  memset(&ch, 0, sizeof(ch));
  lm_state_init(&st, seed);

  pf_sender_config_default(&sc);
  sc.fec_scheme = se->fec_scheme;
  sc.fec_percent = se->fec;
  sc.max_data_per_block = se->kmax;
  sc.shard_payload = o->shard_size;
  sc.max_frame_bytes = se->frame_size ? se->frame_size : 1;
  sc.aead = o->aead;
  pf_receiver_config_default(&rc);
  rc.fec_scheme = se->fec_scheme;
  rc.shard_payload = o->shard_size;
  rc.max_data_per_block = se->kmax;
  rc.max_frame_bytes = sc.max_frame_bytes;
  {
    /* Frames that cannot be rebuilt wait in the receiver until its loss
     * window passes them; give them room, so the byte budget never
     * drops a frame that FEC could rebuild (that would be a receiver
     * limit, not a property of the code). */
    uint64_t rounded = (sc.max_frame_bytes + o->shard_size - 1) /
                       o->shard_size * o->shard_size;
    uint64_t budget = rounded * 64;
    if (budget > (1ull << 31))
      budget = rounded > (1ull << 31) ? rounded : (1ull << 31);
    rc.inflight_budget_bytes = budget;
    rc.max_inflight_frames = 64;
  }
  rc.aead = o->aead;
  if (o->aead != PF_AEAD_NONE) {
    fixed_key(sc.key, sc.salt);
    sc.key_len = key_len;
    fixed_key(rc.key, rc.salt);
    rc.key_len = key_len;
  }
  rv = pf_sender_new(&snd, &sc, NULL);
  if (rv != 0) {
    cli_error("sweep: cannot create the sender (%s): %s", se->label,
              pf_strerror(rv));
    goto out;
  }
  rv = pf_receiver_new(&rcv, &rc, NULL);
  if (rv != 0) {
    cli_error("sweep: cannot create the receiver (%s): %s", se->label,
              pf_strerror(rv));
    goto out;
  }

  /* The frame as the sender cuts it (the sender uses this function). */
  g.struct_size = sizeof(g);
  rv = pf_geometry_for(&g, se->frame_size, o->shard_size, se->kmax, se->fec,
                       se->fec_scheme);
  if (rv != 0) {
    cli_error("sweep: no frame geometry for %s: %s", se->label,
              pf_strerror(rv));
    goto out;
  }

  /* The path: a loss model (per-block loss is chosen here, per block),
   * 1 ms of delay, then optional reordering and duplication by whole
   * datagram slots. */
  memset(&cc, 0, sizeof(cc));
  cc.loss = *m;
  cc.delay_ns = PATH_NS;
  cc.reorder = o->reorder;
  cc.reorder_ns = DGRAM_NS + DGRAM_NS / 2;
  cc.reorder_step_ns = DGRAM_NS;
  cc.reorder_steps = 8;
  cc.duplicate = o->duplicate;
  cc.dup_ns = DGRAM_NS + DGRAM_NS / 4;
  cc.dup_step_ns = DGRAM_NS;
  cc.dup_steps = 8;
  cc.ring_bytes = 4u * 1024 * 1024;
  cc.ring_blocks = 4096;
  if (channel_init(&ch, &cc) != 0)
    goto nomem;
  channel_seed(&ch, 0, seed, lm_seed_mix(seed, 0x6368616eull));

  frame = malloc(se->frame_size ? se->frame_size : 1);
  scratch = malloc(se->frame_size ? se->frame_size : 1);
  delivered = calloc(o->frames, 1);
  bound = calloc(o->frames, 1);
  bad = calloc(o->frames, 1);
  mask = calloc(g.total, 1);
  lost = calloc(g.blocks, sizeof(*lost));
  if (!frame || !scratch || !delivered || !bound || !bad || !mask || !lost) {
    cli_error("sweep: out of memory");
    goto out;
  }

  for (f = 0; f < o->frames; f++) {
    const uint64_t t = T0_NS + (uint64_t)f * FRAME_NS;
    pf_dgram_batch batch;
    size_t pos = 0, b, i;
    int in_budget = 1;

    fill_frame(frame, se->frame_size, f);
    rv = pf_sender_submit_frame(snd, frame, se->frame_size, f * FRAME_NS, 0,
                                t);
    if (rv != 0) {
      cli_error("sweep: pf_sender_submit_frame: %s", pf_strerror(rv));
      goto out;
    }
    memset(lost, 0, g.blocks * sizeof(*lost));
    if (m->kind == LM_PER_BLOCK) {
      /* Choose the lost shards of every block, then map to positions. */
      uint8_t *bm = calloc((size_t)g.k_full + g.m_full + 1, 1);
      if (!bm) {
        cli_error("sweep: out of memory");
        goto out;
      }
      memset(mask, 0, g.total);
      for (b = 0; b < g.blocks; b++) {
        uint32_t n = block_k(&g, b) + block_m(&g, b);
        lm_block_mask(&st, bm, n, m->per_block);
        for (i = 0; i < g.total; i++) {
          size_t bb;
          uint32_t idx;
          if (pf_geometry_position(&g, i, &bb, &idx) == 0 && bb == b &&
              idx < n && bm[idx])
            mask[i] = 1;
        }
      }
      free(bm);
    }
    for (;;) {
      rv = pf_sender_next_batch(snd, &batch, 0, PF_TIME_NONE);
      if (rv != 0) {
        cli_error("sweep: pf_sender_next_batch: %s", pf_strerror(rv));
        goto out;
      }
      if (batch.count == 0)
        break;
      for (i = 0; i < batch.count; i++, pos++) {
        const uint8_t *dg = batch.data + i * batch.stride;
        size_t blk;
        uint32_t idx;
        enum chan_verdict v = CHAN_LOST;

        if (pos >= g.total) {
          cli_error("sweep: the sender made more datagrams than the frame "
                    "geometry says (%zu)",
                    g.total);
          goto out;
        }
        rv = pf_geometry_position(&g, pos, &blk, &idx);
        if (rv != 0) {
          cli_error("sweep: pf_geometry_position: %s", pf_strerror(rv));
          goto out;
        }
        res->dgrams++;
        if (m->kind != LM_PER_BLOCK || !mask[pos])
          v = channel_send(&ch, 0, dg, batch.dgram_bytes,
                           t + pos * DGRAM_NS);
        if (v == CHAN_LOST) {
          res->lost++;
          lost[blk]++;
        } else if (v != CHAN_QUEUED)
          goto nomem; /* the queue has no limit: out of memory */
      }
    }
    /* The channel's model of the frame must be the sender's. */
    memset(&ss, 0, sizeof(ss));
    ss.struct_size = sizeof(ss);
    if (pf_sender_get_stats(snd, &ss) != 0 || pos != g.total ||
        ss.data_packets - prev_data != g.total_data ||
        ss.parity_packets - prev_parity != g.total - g.total_data) {
      cli_error("sweep: internal error: the sender's frame geometry differs "
                "from the channel's (%zu datagrams, expected %zu)",
                pos, g.total);
      goto out;
    }
    prev_data = ss.data_packets;
    prev_parity = ss.parity_packets;
    for (b = 0; b < g.blocks; b++) {
      res->blocks++;
      if (lost[b] <= block_m(&g, b))
        res->blocks_in_budget++;
      else
        in_budget = 0;
    }
    bound[f] = (uint8_t)in_budget;
    res->bound_frames += (uint64_t)in_budget;

    /* Deliver what arrives before the next frame is captured. */
    for (;;) {
      const struct chan_dgram *next = channel_peek(&ch);
      struct chan_dgram d;

      if (!next || (f + 1 < o->frames && next->due >= t + FRAME_NS))
        break;
      d = channel_pop(&ch);
      rv = pf_receiver_read_datagram(rcv, d.data, d.len, d.due);
      channel_release(&ch, &d);
      if (rv != 0 && rv != PF_ERR_DROP) {
        cli_error("sweep: pf_receiver_read_datagram: %s", pf_strerror(rv));
        goto out;
      }
      if (drain(rcv, se, delivered, bad, o->frames, scratch, res) != 0)
        goto out;
    }
  }
  res->frames = o->frames;
  res->reordered = channel_stats(&ch, 0)->reordered;
  res->duplicated = channel_stats(&ch, 0)->duplicated;
  for (f = 0; f < o->frames; f++)
    if ((bound[f] && !delivered[f]) || bad[f])
      res->violations++;
  memset(&rs, 0, sizeof(rs));
  rs.struct_size = sizeof(rs);
  if (pf_receiver_get_stats(rcv, &rs) == 0) {
    res->fec_recovered = rs.fec_recovered_shards;
    res->drop_budget = rs.drop_budget;
  }
  ret = 0;
  goto out;
nomem:
  cli_error("sweep: out of memory");
out:
  channel_free(&ch);
  pf_sender_del(snd);
  pf_receiver_del(rcv);
  free(frame);
  free(scratch);
  free(delivered);
  free(bound);
  free(bad);
  free(mask);
  free(lost);
  return ret;
}

/*
 * pf-loss-sweep.c -- `pf-loss sweep`: frames delivered byte-exact under
 * loss, through the library's real data path.
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss.h"
#include "svgplot.h"

/* Virtual clock: 60 frames per second, datagrams 10 us apart, 1 ms path. */
#define FRAME_NS 16666667ull
#define DGRAM_NS 10000ull
#define PATH_NS 1000000ull
#define T0_NS 1000000000ull

/* ------------------------------------------------------------ the series */

struct series {
  uint32_t fec_scheme, fec, kmax, frame_size;
  double burst;
  char label[96];
  char nocode[96]; /* the label without the code, "" if only it varies */
};

struct result {
  uint64_t frames, delivered, corrupt, bound_frames;
  uint64_t blocks, blocks_in_budget;
  uint64_t dgrams, lost, duplicated, reordered;
  uint64_t violations; /* frames in the bound not delivered + corrupt */
  uint64_t fec_recovered;
  uint64_t drop_budget; /* receiver drops for its byte/frame budget */
};

/* ------------------------------------------------ channel: a timer heap */

struct event {
  uint64_t t, order;
  uint8_t *data;
  size_t len;
};

struct heap {
  struct event *ev;
  size_t n, cap;
  uint64_t order;
};

static int ev_less(const struct event *a, const struct event *b) {
  return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static int heap_push(struct heap *h, uint64_t t, const uint8_t *data,
                     size_t len) {
  struct event e;
  size_t i;

  if (h->n == h->cap) {
    size_t nc = h->cap ? h->cap * 2 : 256;
    struct event *ne = realloc(h->ev, nc * sizeof(*ne));
    if (!ne)
      return -1;
    h->ev = ne;
    h->cap = nc;
  }
  e.t = t;
  e.order = h->order++;
  e.len = len;
  e.data = malloc(len ? len : 1);
  if (!e.data)
    return -1;
  memcpy(e.data, data, len);
  for (i = h->n++; i > 0; i = (i - 1) / 2) {
    if (!ev_less(&e, &h->ev[(i - 1) / 2]))
      break;
    h->ev[i] = h->ev[(i - 1) / 2];
  }
  h->ev[i] = e;
  return 0;
}

static struct event heap_pop(struct heap *h) {
  struct event top = h->ev[0], last = h->ev[--h->n];
  size_t i = 0, c;

  while ((c = 2 * i + 1) < h->n) {
    if (c + 1 < h->n && ev_less(&h->ev[c + 1], &h->ev[c]))
      c++;
    if (!ev_less(&h->ev[c], &last))
      break;
    h->ev[i] = h->ev[c];
    i = c;
  }
  if (h->n > 0)
    h->ev[i] = last;
  return top;
}

static void heap_free(struct heap *h) {
  while (h->n > 0)
    free(heap_pop(h).data);
  free(h->ev);
  memset(h, 0, sizeof(*h));
}

/* --------------------------------------------------------- frame shape */

/* Parity per block as the sender computes it (doc/wire-format.md). */
static uint32_t recovery_for(uint32_t k, uint32_t pct, uint32_t ceiling) {
  uint64_t m;

  if (k == 0 || pct == 0 || k >= ceiling)
    return 0;
  m = ((uint64_t)k * pct + 99) / 100;
  if (m < 2)
    m = 2;
  return m > ceiling - k ? ceiling - k : (uint32_t)m;
}

struct geom {
  size_t total_data, blocks, total;
  uint32_t k_full, m_full, k_last, m_last;
};

static void frame_geom(struct geom *g, size_t len, uint32_t payload,
                       uint32_t kmax, uint32_t pct, uint32_t fec_scheme) {
  uint32_t ceiling = fec_scheme == PF_FEC_GF16 ? PF_FEC16_MAX_SHARDS
                                         : PF_FEC8_MAX_SHARDS;

  g->total_data = len == 0 ? 1 : (len - 1) / payload + 1;
  g->blocks = (g->total_data - 1) / kmax + 1;
  g->k_full = kmax;
  g->m_full = recovery_for(kmax, pct, ceiling);
  g->k_last = (uint32_t)(g->total_data - (g->blocks - 1) * kmax);
  g->m_last = len == 0 ? 0 : recovery_for(g->k_last, pct, ceiling);
  g->total = g->total_data + (g->blocks - 1) * g->m_full + g->m_last;
}

/* Wire position |i| of a frame -> block and shard index (data first,
 * then the parity of every block, as pf_sender emits them). */
static void locate(const struct geom *g, size_t i, size_t *block,
                   uint32_t *index) {
  size_t j;

  if (i < g->total_data) {
    *block = i / g->k_full;
    *index = (uint32_t)(i % g->k_full);
    return;
  }
  j = i - g->total_data;
  if (g->m_full > 0 && j / g->m_full < g->blocks - 1) {
    *block = j / g->m_full;
    *index = g->k_full + (uint32_t)(j % g->m_full);
    return;
  }
  *block = g->blocks - 1;
  *index = g->k_last + (uint32_t)(j - (g->blocks - 1) * g->m_full);
}

static uint32_t block_k(const struct geom *g, size_t b) {
  return b == g->blocks - 1 ? g->k_last : g->k_full;
}

static uint32_t block_m(const struct geom *g, size_t b) {
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

static int run_point(const struct loss_opts *o, const struct series *se,
                     const lm_model *m, uint64_t seed, struct result *res) {
  pf_sender_config sc;
  pf_receiver_config rc;
  pf_sender *snd = NULL;
  pf_receiver *rcv = NULL;
  pf_sender_stats ss;
  pf_receiver_stats rs;
  struct heap heap;
  struct geom g;
  lm_state st, chan;
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
  memset(&heap, 0, sizeof(heap));
  lm_state_init(&st, seed);
  lm_state_init(&chan, lm_seed_mix(seed, 0x6368616eull));
  frame_geom(&g, se->frame_size, o->shard_size, se->kmax, se->fec, se->fec_scheme);

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
          locate(&g, i, &bb, &idx);
          if (bb == b && idx < n && bm[idx])
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
        uint64_t at = t + PATH_NS + pos * DGRAM_NS;
        size_t blk;
        uint32_t idx;
        int drop;

        if (pos >= g.total) {
          cli_error("sweep: the sender made more datagrams than the frame "
                    "geometry says (%zu)",
                    g.total);
          goto out;
        }
        locate(&g, pos, &blk, &idx);
        drop = m->kind == LM_PER_BLOCK ? mask[pos] : lm_drop(m, &st);
        res->dgrams++;
        if (drop) {
          res->lost++;
          lost[blk]++;
          continue;
        }
        if (o->reorder > 0 && lm_rng_unit(&chan.rng) < o->reorder) {
          at += (1 + lm_rng_below(&chan.rng, 8)) * DGRAM_NS + DGRAM_NS / 2;
          res->reordered++;
        }
        if (heap_push(&heap, at, dg, batch.dgram_bytes) != 0)
          goto nomem;
        if (o->duplicate > 0 && lm_rng_unit(&chan.rng) < o->duplicate) {
          uint64_t at2 =
              at + (1 + lm_rng_below(&chan.rng, 8)) * DGRAM_NS + DGRAM_NS / 4;
          if (heap_push(&heap, at2, dg, batch.dgram_bytes) != 0)
            goto nomem;
          res->duplicated++;
        }
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
    while (heap.n > 0 &&
           (f + 1 == o->frames || heap.ev[0].t < t + FRAME_NS)) {
      struct event e = heap_pop(&heap);
      rv = pf_receiver_read_datagram(rcv, e.data, e.len, e.t);
      free(e.data);
      if (rv != 0 && rv != PF_ERR_DROP) {
        cli_error("sweep: pf_receiver_read_datagram: %s", pf_strerror(rv));
        goto out;
      }
      if (drain(rcv, se, delivered, bad, o->frames, scratch, res) != 0)
        goto out;
    }
  }
  res->frames = o->frames;
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
  heap_free(&heap);
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

/* ----------------------------------------------------------- the sweep */

struct sweep {
  const struct loss_opts *o;
  enum lm_kind kind;
  size_t nx;
  struct series *se;
  size_t nse;
  struct result *res; /* [series][x] */
};

static size_t sweep_nx(const struct loss_opts *o) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return o->nperiods;
  case LM_PER_BLOCK:
    return o->nper_blocks;
  default:
    return o->nlosses;
  }
}

static void point_model(const struct loss_opts *o, const struct series *se,
                        size_t xi, lm_model *m) {
  memset(m, 0, sizeof(*m));
  m->kind = o->model.kind;
  switch (m->kind) {
  case LM_PERIODIC:
    m->period = o->periods[xi];
    if (m->period == 0)
      m->kind = LM_NONE;
    break;
  case LM_PER_BLOCK:
    m->per_block = o->per_blocks[xi];
    break;
  default:
    m->p = o->losses[xi];
    m->burst = se->burst;
    break;
  }
}

/* The nominal loss of point |xi| in percent (per-block: the count). */
static double point_x(const struct loss_opts *o, size_t xi) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return o->periods[xi] ? 100.0 / o->periods[xi] : 0.0;
  case LM_PER_BLOCK:
    return o->per_blocks[xi];
  default:
    return o->losses[xi] * 100.0;
  }
}

static void point_label(const struct loss_opts *o, size_t xi, char *buf,
                        size_t len) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    if (o->periods[xi] == 0)
      snprintf(buf, len, "none");
    else
      snprintf(buf, len, "%u", o->periods[xi]);
    break;
  case LM_PER_BLOCK:
    snprintf(buf, len, "%u", o->per_blocks[xi]);
    break;
  default:
    snprintf(buf, len, "%g%%", o->losses[xi] * 100.0);
    break;
  }
}

static const char *code_upper(uint32_t c) {
  return c == PF_FEC_GF16 ? "GF16" : "GF8";
}

static const char *code_lower(uint32_t c) {
  return c == PF_FEC_GF16 ? "gf16" : "gf8";
}

static int make_series(struct sweep *sw) {
  const struct loss_opts *o = sw->o;
  size_t a, b, c, d, e, n = 0;

  sw->nse = o->ncodes * o->nfecs * o->nkmaxs * o->nframe_sizes * o->nbursts;
  sw->se = calloc(sw->nse, sizeof(*sw->se));
  if (!sw->se)
    return -1;
  for (a = 0; a < o->nfecs; a++)
    for (b = 0; b < o->nkmaxs; b++)
      for (c = 0; c < o->nframe_sizes; c++)
        for (d = 0; d < o->nbursts; d++)
          for (e = 0; e < o->ncodes; e++) {
            struct series *s = &sw->se[n++];
            int l;
            s->fec_scheme = o->codes[e];
            s->fec = o->fecs[a];
            s->kmax = o->kmaxs[b];
            s->frame_size = o->frame_sizes[c];
            s->burst = o->bursts[d];
            l = snprintf(s->label, sizeof(s->label), "%s",
                         code_upper(s->fec_scheme));
            if (o->nfecs > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " fec %u%%", s->fec);
            if (o->nkmaxs > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " k %u", s->kmax);
            if (o->nframe_sizes > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " %u B", s->frame_size);
            if (o->nbursts > 1)
              snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                       " burst %g", s->burst);
            l = (int)strlen(code_upper(s->fec_scheme));
            snprintf(s->nocode, sizeof(s->nocode), "%s",
                     s->label[l] ? s->label + l + 1 : "");
          }
  return 0;
}

/* Refuses series the code cannot carry, before any work. */
static int check_series(const struct sweep *sw) {
  size_t i;

  for (i = 0; i < sw->nse; i++) {
    const struct series *s = &sw->se[i];
    uint32_t ceiling = s->fec_scheme == PF_FEC_GF16 ? PF_FEC16_MAX_SHARDS
                                              : PF_FEC8_MAX_SHARDS;
    uint64_t m = s->fec ? ((uint64_t)s->kmax * s->fec + 99) / 100 : 0;

    if (s->fec && m < 2)
      m = 2;
    if (s->kmax + m > ceiling) {
      cli_error("sweep: %u data shards per block with %u%% FEC need %" PRIu64
                " shards, more than %s allows (%u)",
                s->kmax, s->fec, s->kmax + m, code_lower(s->fec_scheme), ceiling);
      return -1;
    }
  }
  return 0;
}

static void progress(size_t done, size_t total) {
  const int width = 30;
  int fill = total ? (int)(done * (size_t)width / total) : width;

  fprintf(stderr, "\r%s: sweep [%.*s%.*s] %zu/%zu points", cli_prog, fill,
          "##############################", width - fill,
          "..............................", done, total);
  if (done == total)
    fputs("\r\033[K", stderr);
  fflush(stderr);
}

static const char *x_header(enum lm_kind k) {
  switch (k) {
  case LM_PERIODIC:
    return "drop 1/N";
  case LM_PER_BLOCK:
    return "lost/block";
  default:
    return "loss";
  }
}

static void list_u32(char *buf, size_t len, const uint32_t *v, size_t n) {
  size_t i, l = 0;

  buf[0] = '\0';
  for (i = 0; i < n && l < len; i++)
    l += (size_t)snprintf(buf + l, len - l, "%s%u", i ? "," : "", v[i]);
}

static const char *model_text(const struct loss_opts *o) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return "periodic drop (datagram n lost when n % N == 0)";
  case LM_BERNOULLI:
    return "Bernoulli (each datagram lost independently)";
  case LM_GILBERT:
    return "Gilbert-Elliott bursts";
  case LM_PER_BLOCK:
    return "a fixed count of random shards lost per FEC block";
  default:
    return "none";
  }
}

static double measured_loss(const struct sweep *sw, size_t xi) {
  uint64_t d = 0, l = 0;
  size_t s;

  for (s = 0; s < sw->nse; s++) {
    d += sw->res[s * sw->nx + xi].dgrams;
    l += sw->res[s * sw->nx + xi].lost;
  }
  return d ? 100.0 * (double)l / (double)d : 0.0;
}

static void print_table(const struct sweep *sw) {
  const struct loss_opts *o = sw->o;
  char fecs[256], sizes[256], cell[64];
  size_t s, x, w0 = strlen(x_header(o->model.kind)), w1 = 7;
  size_t *w = calloc(sw->nse, sizeof(size_t));

  if (!w)
    return;
  list_u32(fecs, sizeof(fecs), o->fecs, o->nfecs);
  list_u32(sizes, sizeof(sizes), o->frame_sizes, o->nframe_sizes);
  printf("punktfunk loss-harness \xe2\x80\x94 %s%% FEC, %u frames of %s "
         "bytes\n",
         fecs, o->frames, sizes);
  if (o->ncodes == 2)
    printf("(GF8 = GameStream-sized blocks, GF16 = native)\n");
  printf("model: %s; K_max ", model_text(o));
  list_u32(fecs, sizeof(fecs), o->kmaxs, o->nkmaxs);
  printf("%s, shard %u B, %s", fecs, o->shard_size,
         o->aead == PF_AEAD_NONE ? "unsealed" : cli_aead_name(o->aead));
  if (o->reorder > 0)
    printf(", reorder %g%%", o->reorder * 100);
  if (o->duplicate > 0)
    printf(", duplicate %g%%", o->duplicate * 100);
  printf("\n\n");
  for (x = 0; x < sw->nx; x++) {
    point_label(o, x, cell, sizeof(cell));
    if (strlen(cell) > w0)
      w0 = strlen(cell);
  }
  for (s = 0; s < sw->nse; s++)
    w[s] = strlen(sw->se[s].label) + strlen(" recovered");
  printf("%-*s | %*s", (int)w0, x_header(o->model.kind), (int)w1,
         "~loss %");
  for (s = 0; s < sw->nse; s++)
    printf(" | %s recovered", sw->se[s].label);
  printf("\n");
  for (x = 0; x < w0; x++)
    putchar('-');
  printf("-+-");
  for (x = 0; x < w1; x++)
    putchar('-');
  for (s = 0; s < sw->nse; s++) {
    printf("-+-");
    for (x = 0; x < w[s]; x++)
      putchar('-');
  }
  printf("\n");
  for (x = 0; x < sw->nx; x++) {
    double loss = o->model.kind == LM_PERIODIC ? point_x(o, x)
                                               : measured_loss(sw, x);
    point_label(o, x, cell, sizeof(cell));
    printf("%-*s | %*.1f", (int)w0, cell, (int)w1, loss);
    for (s = 0; s < sw->nse; s++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      char c2[64];
      snprintf(c2, sizeof(c2), "%" PRIu64 "/%" PRIu64, r->delivered,
               r->frames);
      printf(" | %*s", (int)w[s], c2);
    }
    printf("\n");
  }
  printf("\n");
  if (o->nfecs == 1)
    printf("Note: recovery drops off once per-block loss exceeds the %u%% "
           "recovery budget.\n",
           o->fecs[0]);
  else
    printf("Note: recovery drops off once per-block loss exceeds each "
           "series' recovery budget.\n");
  printf("seed: %" PRIu64 " (replay with --seed %" PRIu64 ")\n", o->seed,
         o->seed);
  free(w);
}

static void print_csv(const struct sweep *sw) {
  const struct loss_opts *o = sw->o;
  char lab[64];
  size_t s, x;

  printf("series,model,x,nominal_loss_pct,code,fec_percent,data_shards,"
         "frame_bytes,burst,frames,delivered,corrupt,bound_frames,blocks,"
         "blocks_in_budget,datagrams,lost,duplicated,reordered,loss_pct,"
         "delivered_pct,bound_pct,seed\n");
  for (s = 0; s < sw->nse; s++)
    for (x = 0; x < sw->nx; x++) {
      const struct series *se = &sw->se[s];
      const struct result *r = &sw->res[s * sw->nx + x];
      point_label(o, x, lab, sizeof(lab));
      printf("\"%s\",%s,%s,%.4f,%s,%u,%u,%u,%g,%" PRIu64 ",%" PRIu64
             ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
             ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%" PRIu64
             "\n",
             se->label, lm_kind_name(o->model.kind), lab,
             o->model.kind == LM_PER_BLOCK ? 0.0 : point_x(o, x),
             code_lower(se->fec_scheme), se->fec, se->kmax, se->frame_size,
             se->burst, r->frames, r->delivered, r->corrupt, r->bound_frames,
             r->blocks, r->blocks_in_budget, r->dgrams, r->lost,
             r->duplicated, r->reordered,
             r->dgrams ? 100.0 * (double)r->lost / (double)r->dgrams : 0.0,
             100.0 * (double)r->delivered / (double)r->frames,
             100.0 * (double)r->bound_frames / (double)r->frames, o->seed);
    }
}

static void print_json(const struct sweep *sw, uint64_t violations) {
  const struct loss_opts *o = sw->o;
  char lab[64];
  size_t s, x;

  printf("{\"tool\":\"pf-loss sweep\",\"version\":\"%s\",\"seed\":%" PRIu64
         ",\"model\":\"%s\",\"frames\":%u,\"shard_size\":%u,\"aead\":\"%s\","
         "\"reorder\":%g,\"duplicate\":%g,\"mds_violations\":%" PRIu64
         ",\"series\":[",
         pf_version(), o->seed, lm_kind_name(o->model.kind), o->frames,
         o->shard_size,
         cli_aead_name(o->aead),
         o->reorder, o->duplicate, violations);
  for (s = 0; s < sw->nse; s++) {
    const struct series *se = &sw->se[s];
    printf("%s\n {\"label\":\"%s\",\"code\":\"%s\",\"fec_percent\":%u,"
           "\"data_shards\":%u,\"frame_bytes\":%u,\"burst\":%g,\"points\":[",
           s ? "," : "", se->label, code_lower(se->fec_scheme), se->fec, se->kmax,
           se->frame_size, se->burst);
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      point_label(o, x, lab, sizeof(lab));
      printf("%s\n  {\"x\":\"%s\",\"nominal\":%.4f,\"frames\":%" PRIu64
             ",\"delivered\":%" PRIu64 ",\"corrupt\":%" PRIu64
             ",\"bound_frames\":%" PRIu64 ",\"blocks\":%" PRIu64
             ",\"blocks_in_budget\":%" PRIu64 ",\"datagrams\":%" PRIu64
             ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
             ",\"reordered\":%" PRIu64 ",\"fec_recovered_shards\":%" PRIu64
             ",\"mds_violations\":%" PRIu64 "}",
             x ? "," : "", lab, point_x(o, x), r->frames, r->delivered,
             r->corrupt, r->bound_frames, r->blocks, r->blocks_in_budget,
             r->dgrams, r->lost, r->duplicated, r->reordered,
             r->fec_recovered, r->violations);
    }
    printf("]}");
  }
  printf("\n]}\n");
}

/* Whether series |s|'s bound curve is |y| (percent per point). */
static int bound_equal(const struct sweep *sw, size_t s, const double *y) {
  size_t x;

  for (x = 0; x < sw->nx; x++) {
    const struct result *r = &sw->res[s * sw->nx + x];
    if (100.0 * (double)r->bound_frames / (double)r->frames != y[x])
      return 0;
  }
  return 1;
}

static int write_plot(const struct sweep *sw) {
  const struct loss_opts *o = sw->o;
  svg_series *cur = NULL;
  double *xs = NULL, *ys = NULL, xmax = 0;
  char (*labels)[128] = NULL;
  char sub[768], kl[128];
  size_t s, x, n = 0, t, nbounds = 0;
  svg_chart c;
  FILE *f;
  int rv = -1;

  cur = calloc(2 * sw->nse, sizeof(*cur));
  xs = calloc(sw->nx, sizeof(double));
  ys = calloc(2 * sw->nse * sw->nx, sizeof(double));
  labels = calloc(2 * sw->nse, sizeof(*labels));
  if (!cur || !xs || !ys || !labels) {
    cli_error("sweep: out of memory");
    goto out;
  }
  for (x = 0; x < sw->nx; x++) {
    xs[x] = point_x(o, x);
    if (xs[x] > xmax)
      xmax = xs[x];
  }
  for (s = 0; s < sw->nse; s++) {
    double *y = ys + n * sw->nx;
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      y[x] = 100.0 * (double)r->delivered / (double)r->frames;
    }
    snprintf(labels[n], sizeof(labels[n]), "%s delivered", sw->se[s].label);
    cur[n] = (svg_series){labels[n], xs, y, sw->nx, 0, (unsigned)s};
    n++;
  }
  /* Bounds: one per distinct curve (series that share the frame shape
   * and the loss pattern share it). */
  for (s = 0; s < sw->nse; s++) {
    double *y = ys + n * sw->nx;
    int dup = 0;
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      y[x] = 100.0 * (double)r->bound_frames / (double)r->frames;
    }
    for (t = sw->nse; t < n; t++)
      if (memcmp(cur[t].y, y, sw->nx * sizeof(double)) == 0)
        dup = 1;
    if (dup)
      continue;
    cur[n] = (svg_series){labels[n], xs, y, sw->nx, 1, (unsigned)s};
    n++;
    nbounds++;
  }
  for (t = sw->nse; t < n; t++) {
    const struct series *se = &sw->se[cur[t].color];
    size_t users = 0;
    for (s = 0; s < sw->nse; s++)
      if (bound_equal(sw, s, cur[t].y))
        users++;
    if (nbounds == 1)
      snprintf(labels[t], sizeof(labels[t]), "RS bound (\xe2\x89\xa4 M lost)");
    else
      snprintf(labels[t], sizeof(labels[t]), "%s RS bound",
               users > 1 && se->nocode[0] ? se->nocode : se->label);
  }
  list_u32(kl, sizeof(kl), o->kmaxs, o->nkmaxs);
  {
    char fecs[128], sizes[128];
    list_u32(fecs, sizeof(fecs), o->fecs, o->nfecs);
    list_u32(sizes, sizeof(sizes), o->frame_sizes, o->nframe_sizes);
    snprintf(sub, sizeof(sub),
             "%s model, %s%% FEC, K_max %s, shard %u B, %u frames of %s B, "
             "seed %" PRIu64,
             lm_kind_name(o->model.kind), fecs, kl, o->shard_size, o->frames,
             sizes, o->seed);
  }
  memset(&c, 0, sizeof(c));
  c.title = "pf-loss sweep: frames delivered byte-exact vs loss";
  c.subtitle = sub;
  c.xlabel = o->model.kind == LM_PER_BLOCK
                 ? "shards lost per FEC block"
                 : (o->model.kind == LM_PERIODIC
                        ? "datagrams lost (%, drop 1 of N)"
                        : "datagrams lost (%)");
  c.ylabel = "frames delivered (%)";
  c.xmin = 0;
  c.xmax = xmax > 0 ? xmax : 1;
  c.ymin = 0;
  c.ymax = 100;
  c.xunit = o->model.kind == LM_PER_BLOCK ? "" : "%";
  c.yunit = "%";
  f = fopen(o->plot, "w");
  if (!f) {
    cli_error("sweep: cannot create '%s': %s", o->plot, strerror(errno));
    goto out;
  }
  if (svg_plot_write(f, &c, cur, n) != 0) {
    cli_error("sweep: cannot write '%s': %s", o->plot, strerror(errno));
    fclose(f);
    goto out;
  }
  if (fclose(f) != 0) {
    cli_error("sweep: cannot write '%s': %s", o->plot, strerror(errno));
    goto out;
  }
  rv = 0;
out:
  free(cur);
  free(xs);
  free(ys);
  free(labels);
  return rv;
}

int loss_sweep(const struct loss_opts *o) {
  struct sweep sw;
  size_t s, x, done = 0;
  uint64_t violations = 0;
  int show = !o->quiet && isatty(STDERR_FILENO);
  int rv = CLI_EXIT_FAIL;

  memset(&sw, 0, sizeof(sw));
  sw.o = o;
  sw.nx = sweep_nx(o);
  if (make_series(&sw) != 0) {
    cli_error("sweep: out of memory");
    return CLI_EXIT_FAIL;
  }
  if (check_series(&sw) != 0) {
    free(sw.se);
    return CLI_EXIT_USAGE;
  }
  sw.res = calloc(sw.nse * sw.nx, sizeof(*sw.res));
  if (!sw.res) {
    cli_error("sweep: out of memory");
    goto out;
  }
  for (x = 0; x < sw.nx; x++)
    for (s = 0; s < sw.nse; s++) {
      lm_model m;
      /* Common random numbers: every series sees the same loss pattern
       * at a point, so the columns compare the codes, not the luck. */
      point_model(o, &sw.se[s], x, &m);
      if (run_point(o, &sw.se[s], &m, lm_seed_mix(o->seed, x),
                    &sw.res[s * sw.nx + x]) != 0) {
        if (show)
          fputs("\n", stderr);
        goto out;
      }
      violations += sw.res[s * sw.nx + x].violations;
      if (show)
        progress(++done, sw.nse * sw.nx);
    }
  if (o->format == FMT_CSV)
    print_csv(&sw);
  else if (o->format == FMT_JSON)
    print_json(&sw, violations);
  else
    print_table(&sw);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("sweep: cannot write standard output: %s", strerror(errno));
    goto out;
  }
  if (o->plot && write_plot(&sw) != 0)
    goto out;
  if (o->expect_mds) {
    if (violations > 0) {
      for (s = 0; s < sw.nse; s++)
        for (x = 0; x < sw.nx; x++) {
          const struct result *r = &sw.res[s * sw.nx + x];
          char lab[64];
          if (!r->violations)
            continue;
          point_label(o, x, lab, sizeof(lab));
          cli_error("sweep: MDS property violated: %s at %s %s: %" PRIu64
                    " of %" PRIu64
                    " frames whose blocks all lost at most M shards were not "
                    "delivered intact (%" PRIu64 " corrupt, %" PRIu64
                    " datagrams dropped for the receiver's budget)",
                    sw.se[s].label, x_header(o->model.kind), lab,
                    r->violations, r->bound_frames, r->corrupt,
                    r->drop_budget);
        }
      goto out;
    }
    if (!o->quiet)
      cli_error("sweep: MDS property holds: every frame whose blocks lost at "
                "most M shards was delivered intact (seed %" PRIu64 ")",
                o->seed);
  }
  rv = CLI_EXIT_OK;
out:
  free(sw.se);
  free(sw.res);
  return rv;
}

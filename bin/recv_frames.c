/*
 * recv_frames.c -- what pf-recv does with each frame the receiver hands
 * out: START/END descriptors are checked and fix the run, data frames
 * are copied into the output queue, loss reports are counted.
 */
#include <string.h>

#include "pf-recv.h"

/* ------------------------------------------------------------ frames */

/* A START/END descriptor: check it against our parameters.  Returns 0,
 * or -1 after an error message (a mismatch). */
static int handle_desc(struct recv_state *s, const struct opts *o,
                       pf_receiver *r, const pf_stream_desc *c,
                       uint64_t now) {
  const pf_stream_desc *first = s->got_start ? &s->start
                                : s->got_end ? &s->end
                                             : NULL;
  uint32_t arg = cli_stream_framing_arg(&o->so);

  if (first && first->stream_id != c->stream_id) {
    s->foreign_desc++; /* another run of pf-send: not ours */
    return 0;
  }
  s->ctl_frames++;
  if (!first) {
    if (c->fec != o->so.fec && c->fec != PF_STREAM_DESC_FEC_NONE &&
        o->so.fec != PF_STREAM_DESC_FEC_NONE) {
      cli_error("fec mismatch: the sender uses --fec %s, this side --fec %s",
                cli_stream_fec_name(c->fec),
                cli_stream_fec_name(o->so.fec));
      return -1;
    }
    if (c->framing != (uint32_t)o->so.framing.mode ||
        c->framing_arg != arg) {
      cli_error("framing mismatch: the sender uses --framing %s%s, this side "
                "--framing %s%s (check --framing/--codec on both sides)",
                fr_mode_name((int)c->framing),
                c->framing == FR_ANNEXB ? (c->framing_arg ? " --codec h265"
                                                          : " --codec h264")
                                        : "",
                fr_mode_name(o->so.framing.mode),
                o->so.framing.mode == FR_ANNEXB
                    ? (arg ? " --codec h265" : " --codec h264")
                    : "");
      return -1;
    }
    if (c->shard_payload != o->so.shard ||
        c->max_data_per_block != o->so.k) {
      cli_error("geometry mismatch: the sender uses --shard-size %u "
                "--max-data-per-block %u, this side %u and %u",
                c->shard_payload, c->max_data_per_block, o->so.shard,
                o->so.k);
      return -1;
    }
    /* Lock onto this run: datagrams of other runs (a recording replayed
     * with the same key) can no longer move the replay window. */
    if (!o->so.no_encrypt) {
      int rv = pf_receiver_lock_run(r, c->first_seq);
      if (rv != 0)
        cli_error("warning: cannot lock onto the sender's run: %s",
                  pf_strerror(rv));
    }
    if (o->so.framing.mode == FR_IVF && !s->have_ivf_header) {
      memcpy(s->ivf_header, c->app, FR_IVF_FILE_HEADER);
      s->have_ivf_header = 1;
      if (ro_push_ivf_header(s->out, s->ivf_header) != 0)
        return -1;
    }
  }
  if (c->type == PF_STREAM_DESC_START && !s->got_start) {
    s->start = *c;
    s->got_start = 1;
  } else if (c->type == PF_STREAM_DESC_END && !s->got_end) {
    s->end = *c;
    s->got_end = 1;
    s->end_at = now;
  }
  return 0;
}

/* Queues one data frame for the writer; returns 0 or -1 (error
 * printed: the writer failed). */
static int queue_frame(struct recv_state *s, const struct opts *o,
                       const pf_frame *f) {
  uint64_t pts = 0;
  int rv;

  if (o->so.framing.mode == FR_IVF) {
    if (!s->have_ivf_header) {
      s->skipped++; /* no file header yet: cannot be written */
      return 0;
    }
    pts = fr_ivf_header_ns_to_pts(s->ivf_header, f->pts_ns);
  }
  rv = ro_push(s->out, f->data, f->len, pts);
  if (rv == 0) {
    s->queued++;
  } else if (rv == 1) {
    s->overrun++;
  } else {
    struct ro_stats os;
    ro_get_stats(s->out, &os);
    cli_error("cannot write output: %s", strerror(os.err));
    return -1;
  }
  return 0;
}

/* Queues every frame the receiver hands out (in index order); returns
 * 0, or -1 (error printed). */
int recv_drain_frames(struct recv_state *s, const struct opts *o,
                      pf_receiver *r, uint64_t now) {
  pf_frame f;
  pf_frame_loss l;
  int rv = 0;

  for (;;) {
    memset(&f, 0, sizeof(f));
    f.struct_size = sizeof(f);
    if (pf_receiver_next_frame(r, &f) != 0)
      break;
    if (f.flags & PF_USER_FLAG_PROBE) {
      pf_stream_desc c;
      if ((f.flags & PF_USER_FLAG_STREAM_DESC) &&
          pf_stream_desc_decode(&c, f.data, f.len) == 0 &&
          handle_desc(s, o, r, &c, now) != 0) {
        /* A mismatch: frames that completed in the same batch must not
         * be written either (they were cut for other parameters). */
        s->failed = 1;
        rv = -1;
      }
    } else if (!s->failed && queue_frame(s, o, &f) != 0) {
      s->failed = 1;
      rv = -1;
    }
    (void)pf_receiver_frame_done(r, &f);
  }
  for (;;) {
    memset(&l, 0, sizeof(l));
    l.struct_size = sizeof(l);
    if (pf_receiver_next_loss(r, &l) != 0)
      break;
    if (!(l.flags & PF_USER_FLAG_PROBE))
      s->lost_reported++;
  }
  return rv || s->failed ? -1 : 0;
}


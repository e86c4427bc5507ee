/*
 * pf-recv.h -- the state pf-recv's files share: the receive loop
 * (pf-recv.c), the output queue (recv_output.c) and the statistics
 * (recv_stats.c).  Tool-side code, not part of the library.
 */
#ifndef PF_RECV_H
#define PF_RECV_H

#include <stdint.h>

#include <punktfunk/punktfunk.h>

#include "recv_output.h"
#include "stream_opts.h"

/* pf-recv's options. */
struct opts {
  struct cli_stream_opts so; /* the options pf-send shares */
  const char *output, *peer, *local;
  uint64_t idle_ns, buffer;
  int buffer_given;
};

struct recv_state {
  struct cli_meter m;
  struct recv_output *out;
  struct ro_stats out_final; /* once the output is closed */
  int out_closed;
  uint64_t last_rx, end_at;
  uint64_t queued;  /* data frames handed to the output queue */
  uint64_t overrun; /* data frames dropped: the output queue was full */
  uint64_t skipped; /* ivf: data frames before the file header */
  uint64_t lost_reported, accepted, ctl_frames, raw_datagrams;
  uint64_t foreign_desc; /* descriptors of another run, ignored */
  int failed, got_start, got_end, diagnosed, connected, have_ivf_header;
  uint8_t ivf_header[FR_IVF_FILE_HEADER];
  pf_stream_desc start, end;
};

/* The output counters now (or as the output closed). */
void recv_out_stats(struct recv_state *s, struct ro_stats *os);

/* pf_receiver_get_stats() into |rs| (zeroed on failure). */
void recv_rstats(const pf_receiver *r, pf_receiver_stats *rs);

/* Explains why nothing was usable; returns 1 if it printed something. */
int recv_diagnose(const pf_receiver_stats *rs);

/* Data frames lost on the network side (output overrun not included). */
uint64_t recv_frames_lost(struct recv_state *s, const struct ro_stats *os);

/* The statistics: a JSON line (--stats-json), the tty status line, and
 * with |final| the summary on standard error. */
void recv_stats_emit(struct recv_state *s, const pf_receiver *r, pf_udp *u,
                     int final);

/* Queues every frame the receiver hands out (in index order), checks
 * descriptors and locks onto the run; returns 0, or -1 (error
 * printed). */
int recv_drain_frames(struct recv_state *s, const struct opts *o,
                      pf_receiver *r, uint64_t now);

#endif /* PF_RECV_H */

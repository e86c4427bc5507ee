/*
 * pf-loss-relay.h -- `pf-loss relay`: its options (parsed in
 * pf-loss-relay-opts.c), the relay (pf-loss-relay.c) and its report
 * (pf-loss-relay-stats.c).
 */
#ifndef PF_LOSS_RELAY_H
#define PF_LOSS_RELAY_H

#include <stdint.h>

#include <punktfunk/punktfunk.h>

#include "channel.h"
#include "pf-loss.h"

/* Relay directions (bit set). */
#define DIR_TO 1u   /* client -> --to */
#define DIR_FROM 2u /* --to -> client */

struct relay_opts {
  uint64_t seed;
  int quiet;
  lm_model model;
  const char *listen, *to;
  unsigned dir;
  double reorder, duplicate;
  uint64_t delay_ns, jitter_ns, rate_bps;
  uint64_t reorder_delay_ns; /* a reordered datagram: this to twice this */
  uint64_t blackout_after_ns, blackout_for_ns;
  int blackout;
  uint64_t duration_ns;
  const char *stats_json;
  uint32_t io;
  uint32_t queue;
  uint64_t wake_early_ns; /* wake this much before a due time */
};

/* ------------------------------------------------- the running relay */

/* What the relay counts per direction (the impairments are counted by
 * the channel lane). */
struct dir_stats {
  uint64_t received, bytes_received;
  uint64_t forwarded, bytes_forwarded;
  uint64_t send_dropped, send_errors;
  uint64_t no_client, pending_at_exit;
};

/* Lateness histogram: 1 us buckets up to 20 ms. */
#define LATE_BUCKETS 20001u

struct relay {
  const struct relay_opts *o;
  pf_udp *lsn, *up;
  int have_client;
  char client[PF_UDP_ADDRSTRLEN];
  struct dir_stats d[2]; /* [0] towards --to, [1] back from it */
  struct channel ch;      /* lane 0 towards --to, lane 1 back */
  uint8_t *run; /* RUN_BYTES: a run of due datagrams, back to back */
  struct chan_dgram *runq; /* [RUN_MAX_DGRAMS]: the run being sent */
  uint64_t start;
  /* How late datagrams left against their due time, in us (the last
   * bucket holds everything from LATE_BUCKETS - 1 up), and the maximum. */
  uint64_t *late; /* [LATE_BUCKETS] */
  uint64_t late_n, late_max_ns;
};

/* Counts how late a datagram leaves against its due time
 * (pf-loss-relay-stats.c). */
void relay_note_late(struct relay *r, uint64_t due, uint64_t now);

/* Writes the counters as JSON to o->stats_json or stdout; |why| is what
 * stopped the relay.  0 or -1 after an error message. */
int relay_write_stats(const struct relay *r, uint64_t end, const char *why);

/* Runs the relay until a signal or the end of --duration: an exit
 * status. */
int loss_relay(const struct relay_opts *o);

#endif /* PF_LOSS_RELAY_H */

/*
 * recv_output.h -- pf-recv's output queue: the network side copies each
 * finished frame into a preallocated ring and goes on receiving; a
 * writer thread drains the ring into the framing writer (framing.h).
 * When the consumer of the output is slower than the stream for longer
 * than the ring holds, frames are dropped and counted as output overrun,
 * never waited for: the network loop does not block on its output.
 * Tool-side code, not part of the library.
 */
#ifndef PF_RECV_OUTPUT_H
#define PF_RECV_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "framing.h"

/* --buffer default: 128 MiB, a little over 1 s at 1 Gb/s. */
#define RO_DEFAULT_BUFFER (128u * 1024u * 1024u)
/* Bytes a queued frame costs on top of its data (record header). */
#define RO_RECORD_OVERHEAD 24u
/* A write() that blocks this long counts as an output stall. */
#define RO_STALL_NS 20000000u

struct ro_stats {
  uint64_t frames, bytes;                 /* written */
  uint64_t overrun_frames, overrun_bytes; /* dropped: the ring was full */
  uint64_t queued_frames, queued_bytes;   /* in the ring now */
  uint64_t peak_bytes;                    /* most ring bytes in use */
  uint64_t buffer_bytes;                  /* ring size */
  uint64_t stalls, stall_ns;              /* writes that blocked */
  int failed, err;                        /* write error and its errno */
};

struct recv_output;

/* Allocates a ring of |buffer_bytes| and starts the writer thread on
 * |w| (which it owns until ro_close()).  Returns 0, or -1 after an error
 * message. */
int ro_open(struct recv_output **po, struct fr_writer *w,
            uint64_t buffer_bytes);

/* Queues a copy of a frame (ivf: |pts| is its IVF pts).  Returns 0 when
 * queued, 1 when dropped as output overrun, -1 when the writer has
 * failed (ro_get_stats() says why). */
int ro_push(struct recv_output *o, const uint8_t *data, size_t len,
            uint64_t pts);

/* Queues the IVF file header for the writer (in order with frames). */
int ro_push_ivf_header(struct recv_output *o,
                       const uint8_t hdr[FR_IVF_FILE_HEADER]);

void ro_get_stats(struct recv_output *o, struct ro_stats *st);

/* Lets the writer drain the ring (or, with |drain| 0, stop after the
 * frame it is writing), joins it and frees the ring.  The final
 * counters go to |st| (may be NULL).  NULL is a no-op. */
void ro_close(struct recv_output *o, int drain, struct ro_stats *st);

#endif /* PF_RECV_OUTPUT_H */

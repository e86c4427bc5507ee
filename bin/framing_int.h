/*
 * framing_int.h -- what the framing files (framing.c, framing_annexb.c,
 * framing_ivf.c) share: the reader's buffer and the per-format steps.
 * Only those files include it; the tools use framing.h.
 */
#ifndef PF_FRAMING_INT_H
#define PF_FRAMING_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "framing.h"

/* Makes room for |need| valid bytes from buf[start]; returns 0 or -1
 * (message printed). */
int fr_reserve(struct fr_reader *r, size_t need);

/* Reads until |need| bytes are valid from buf[start] or end of input;
 * returns the bytes valid, or -1 (message printed). */
ssize_t fr_fill(struct fr_reader *r, size_t need);

/* annexb: the next access unit, as fr_reader_next() (moves r->start). */
int fr_annexb_next(struct fr_reader *r, const uint8_t **data, size_t *len);

/* ivf: reads and checks the 32-byte file header (fr_reader_init()). */
int fr_ivf_read_header(struct fr_reader *r);

/* ivf: the next frame, as fr_reader_next(). */
int fr_ivf_next(struct fr_reader *r, const uint8_t **data, size_t *len,
                uint64_t *pts);

/*
 * ivf: fills |hdr| (room for the file and a frame header) with what goes
 * before a |len|-byte frame: the file header before the first one, then
 * the frame header; returns its length.
 */
size_t fr_ivf_prefix(struct fr_writer *w, uint8_t *hdr, size_t len,
                     uint64_t pts);

#endif /* PF_FRAMING_INT_H */

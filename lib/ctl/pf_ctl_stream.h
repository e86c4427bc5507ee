/*
 * pf_ctl_stream.h -- the framing of the control stream (the one
 * client-opened bidirectional QUIC stream): every message is
 * u16 little-endian length || payload (doc/wire-format.md, chapter 13,
 * "Stream framing").
 *
 * The reader is sans-I/O: the caller feeds it whatever bytes the stream
 * delivered, in any split, and it yields complete messages one at a
 * time.  It owns a 64 KiB buffer inside the struct (no allocation), so
 * one message can always be held whole whatever the split.
 *
 * Internal (see pf_ctl_msg.h for why the control-plane codecs are not
 * public API).
 */
#ifndef PF_CTL_STREAM_H
#define PF_CTL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define PF_CTL_FRAME_PREFIX_BYTES 2u
/* The largest payload a u16 prefix can announce, and the reader's
 * default bound. */
#define PF_CTL_FRAME_MAX 65535u

/* Writes the 2-byte prefix and copies |len| payload bytes after it.
 * Returns 2 + len, PF_ERR_NOBUF when |cap| is too small, or
 * PF_ERR_MALFORMED when |len| > PF_CTL_FRAME_MAX. */
int pf_ctl_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload,
                        size_t len);

typedef struct pf_ctl_reader {
  size_t max_len;   /* largest payload accepted */
  size_t need;      /* payload length of the message being read */
  size_t have;      /* payload bytes held */
  uint8_t prefix[2];
  uint8_t prefix_have;
  uint8_t state;    /* internal: prefix, payload, done, failed */
  uint8_t buf[PF_CTL_FRAME_MAX];
} pf_ctl_reader;

/* max_len 0 or over PF_CTL_FRAME_MAX means PF_CTL_FRAME_MAX. */
void pf_ctl_reader_init(pf_ctl_reader *r, size_t max_len);

/*
 * Consumes bytes from |in| (|len| may be 0) until one message is
 * complete or the input is used up; *consumed is how many were taken.
 *
 * Returns 1 with *msg / *msg_len set to the message (valid until the
 * next call; length 0 is a legal empty message), 0 when all |len| bytes
 * were taken and no message is complete yet, or PF_ERR_MALFORMED when a
 * length prefix exceeds max_len.  After an error the reader stays
 * failed: the stream is out of step and the connection must close.
 * PF_ERR_INVALID_ARGUMENT: NULL pointer (|in| may be NULL when |len| is 0).
 */
int pf_ctl_reader_feed(pf_ctl_reader *r, const uint8_t *in, size_t len,
                       size_t *consumed, const uint8_t **msg, size_t *msg_len);

/* 1 when a message has started but not finished (the peer ended the
 * stream mid-message: a truncated message), else 0. */
int pf_ctl_reader_partial(const pf_ctl_reader *r);

#endif /* PF_CTL_STREAM_H */

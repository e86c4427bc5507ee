/*
 * framing.h -- how pf-send cuts its input into frames (access units) and
 * how pf-recv writes them back out.  Tool-side code, linked into both
 * tools; not part of the library.
 *
 * Modes (--framing):
 *   length   each record is a 4-byte big-endian length, then that many
 *            bytes (0 allowed); pf-recv writes the same records back
 *   fixed:N  records of exactly N bytes (the last one may be shorter)
 *   raw      every read() of the input is one frame; pf-recv writes the
 *            plain concatenation
 *   annexb   H.264 / H.265 Annex B byte stream split into access units
 *   ivf      IVF (VP8/VP9/AV1): the 32-byte file header travels in the
 *            START descriptor (doc/wire-format.md section 11), each frame as one AU with its pts in
 *            pts_ns; pf-recv writes a valid IVF file again
 *
 * No allocation per frame: the reader keeps one buffer that grows to the
 * largest frame (bounded by the caller's max_frame).
 */
#ifndef PF_FRAMING_H
#define PF_FRAMING_H

#include <stddef.h>
#include <stdint.h>

enum fr_mode {
  FR_LENGTH = 1,
  FR_FIXED = 2,
  FR_RAW = 3,
  FR_ANNEXB = 4,
  FR_IVF = 5,
};

enum fr_codec { FR_H264 = 0, FR_H265 = 1 };

#define FR_IVF_FILE_HEADER 32u
#define FR_IVF_FRAME_HEADER 12u

struct fr_spec {
  int mode;       /* enum fr_mode */
  uint32_t fixed; /* FR_FIXED: record size */
  int codec;      /* FR_ANNEXB: enum fr_codec */
};

/* Parses "length", "fixed:N", "raw", "annexb", "ivf"; prints an error and
 * returns -1 on failure. */
int fr_parse(const char *str, struct fr_spec *spec);

/* Parses "h264" / "h265" (also "hevc", "avc"); -1 after an error. */
int fr_parse_codec(const char *str, int *codec);

/* The mode's name ("length", "fixed", ...). */
const char *fr_mode_name(int mode);

struct fr_reader {
  struct fr_spec spec;
  int fd;
  size_t max_frame;
  uint8_t *buf;
  size_t cap, start, end; /* valid bytes are buf[start..end) */
  size_t scan;            /* annexb: next position to scan for a NAL */
  size_t au_start;        /* annexb: start of the current AU */
  int au_has_vcl;         /* annexb: the current AU holds a VCL NAL */
  int eof;
  int emitted; /* a frame is handed out; consume it on the next call */
  size_t consume;
  /* ivf */
  uint8_t ivf_header[FR_IVF_FILE_HEADER];
  uint32_t ivf_num, ivf_den;
  uint64_t pts; /* ivf: pts of the last frame, in timebase units */
  uint64_t offset; /* input bytes consumed before buf[start] */
};

/* Sets up |r| to read |fd|; returns 0 or -1 (message printed). For ivf
 * the file header is read here. */
int fr_reader_init(struct fr_reader *r, const struct fr_spec *spec, int fd,
                   size_t max_frame);

/*
 * Reads the next frame: 1 with |*data|, |*len| (valid until the next
 * call), 0 at end of input, -1 after printing an error.  For ivf,
 * |*pts| receives the frame's IVF pts (else left alone).
 */
int fr_reader_next(struct fr_reader *r, const uint8_t **data, size_t *len,
                   uint64_t *pts);

void fr_reader_free(struct fr_reader *r);

struct fr_writer {
  struct fr_spec spec;
  int fd;
  int have_ivf_header;
  int ivf_patch; /* the frame count can be patched in at offset 24 */
  uint8_t ivf_header[FR_IVF_FILE_HEADER];
  uint32_t ivf_frames;
  uint64_t bytes;
};

void fr_writer_init(struct fr_writer *w, const struct fr_spec *spec, int fd);

/* ivf: the file header to write before the first frame. */
void fr_writer_set_ivf_header(struct fr_writer *w,
                              const uint8_t hdr[FR_IVF_FILE_HEADER]);

/*
 * Writes one frame; for ivf |pts| is its IVF pts.  Returns 0, 1 when the
 * frame was skipped (ivf without a file header yet), or -1 with errno
 * set on a write error.
 */
int fr_writer_write(struct fr_writer *w, const uint8_t *data, size_t len,
                    uint64_t pts);

/* ivf: patches the frame count in the header when the output is a
 * regular file opened without O_APPEND that the writer started at offset
 * 0 (elsewhere the count stays as written).  Returns 0 or -1 with errno
 * set. */
int fr_writer_finish(struct fr_writer *w);

/* IVF pts <-> ns with the timebase num/den of the file header. */
uint64_t fr_ivf_pts_to_ns(uint64_t pts, uint32_t num, uint32_t den);
uint64_t fr_ivf_ns_to_pts(uint64_t ns, uint32_t num, uint32_t den);
/* The same with the timebase read from a 32-byte IVF file header. */
uint64_t fr_ivf_header_ns_to_pts(const uint8_t *header, uint64_t ns);


/* The START / END stream descriptors that carry the framing and, for
 * ivf, the file header are a library protocol: pf_stream_desc_* in
 * punktfunk.h, doc/wire-format.md section 11. */

#endif /* PF_FRAMING_H */

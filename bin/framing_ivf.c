/*
 * framing_ivf.c -- the ivf framing (VP8/VP9/AV1 in IVF files): the file
 * header on input, frames with their 12-byte headers, the file header and
 * frame count on output, pts in IVF timebase units <-> ns (see
 * framing.h).
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "framing.h"
#include "framing_int.h"

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p) {
  return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void put_le64(uint8_t *p, uint64_t v) {
  put_le32(p, (uint32_t)v);
  put_le32(p + 4, (uint32_t)(v >> 32));
}

uint64_t fr_ivf_pts_to_ns(uint64_t pts, uint32_t num, uint32_t den) {
  unsigned __int128 v;

  if (den == 0 || num == 0)
    return pts;
  v = (unsigned __int128)pts * num * 1000000000u / den;
  return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t fr_ivf_ns_to_pts(uint64_t ns, uint32_t num, uint32_t den) {
  unsigned __int128 d;

  if (den == 0 || num == 0)
    return ns;
  d = (unsigned __int128)num * 1000000000u;
  return (uint64_t)(((unsigned __int128)ns * den + d / 2) / d);
}

uint64_t fr_ivf_header_ns_to_pts(const uint8_t *header, uint64_t ns) {
  return fr_ivf_ns_to_pts(ns, get_le32(header + 20), get_le32(header + 16));
}

int fr_ivf_read_header(struct fr_reader *r) {
  ssize_t n;

  n = fr_fill(r, FR_IVF_FILE_HEADER);
  if (n < 0)
    return -1;
  if ((size_t)n < FR_IVF_FILE_HEADER || memcmp(r->buf, "DKIF", 4) != 0) {
    cli_error("input is not an IVF file (no 32-byte DKIF header)");
    return -1;
  }
  if (r->buf[6] != 32 || r->buf[7] != 0) {
    cli_error("unsupported IVF header size %u (expected 32)",
              (unsigned)r->buf[6] | (unsigned)r->buf[7] << 8);
    return -1;
  }
  memcpy(r->ivf_header, r->buf, FR_IVF_FILE_HEADER);
  r->ivf_den = get_le32(r->buf + 16);
  r->ivf_num = get_le32(r->buf + 20);
  r->start += FR_IVF_FILE_HEADER;
  r->offset += FR_IVF_FILE_HEADER;
  return 0;
}

int fr_ivf_next(struct fr_reader *r, const uint8_t **data, size_t *len,
                uint64_t *pts) {
  ssize_t n;
  size_t want;

  n = fr_fill(r, FR_IVF_FRAME_HEADER);
  if (n < 0)
    return -1;
  if (n == 0)
    return 0;
  if (n < (ssize_t)FR_IVF_FRAME_HEADER) {
    cli_error("IVF input ends inside a frame header at offset %llu",
              (unsigned long long)r->offset);
    return -1;
  }
  want = get_le32(r->buf + r->start);
  if (want > r->max_frame) {
    cli_error("IVF frame at offset %llu is %zu bytes, larger than the "
              "largest frame %zu",
              (unsigned long long)r->offset, want, r->max_frame);
    return -1;
  }
  r->pts = get_le64(r->buf + r->start + 4);
  n = fr_fill(r, FR_IVF_FRAME_HEADER + want);
  if (n < 0)
    return -1;
  if ((size_t)n < FR_IVF_FRAME_HEADER + want) {
    cli_error("IVF input ends inside a %zu-byte frame at offset %llu",
              want, (unsigned long long)r->offset);
    return -1;
  }
  *data = r->buf + r->start + FR_IVF_FRAME_HEADER;
  *len = want;
  if (pts)
    *pts = r->pts;
  r->consume = FR_IVF_FRAME_HEADER + want;
  return 1;
}

void fr_writer_set_ivf_header(struct fr_writer *w,
                              const uint8_t hdr[FR_IVF_FILE_HEADER]) {
  if (w->have_ivf_header)
    return;
  memcpy(w->ivf_header, hdr, FR_IVF_FILE_HEADER);
  w->have_ivf_header = 1;
}

size_t fr_ivf_prefix(struct fr_writer *w, uint8_t *hdr, size_t len,
                     uint64_t pts) {
  size_t h = 0;

  if (w->ivf_frames == 0 && w->bytes == 0) {
    memcpy(hdr, w->ivf_header, FR_IVF_FILE_HEADER);
    h = FR_IVF_FILE_HEADER;
  }
  put_le32(hdr + h, (uint32_t)len);
  put_le64(hdr + h + 4, pts);
  h += FR_IVF_FRAME_HEADER;
  w->ivf_frames++;
  return h;
}

int fr_writer_finish(struct fr_writer *w) {
  uint8_t cnt[4];

  if (w->spec.mode != FR_IVF || !w->have_ivf_header)
    return 0;
  if (w->bytes == 0) {
    /* No frame arrived: still write a valid, empty IVF file. */
    put_le32(w->ivf_header + 24, 0);
    if (cli_write_all(w->fd, w->ivf_header, FR_IVF_FILE_HEADER) != 0)
      return -1;
    w->bytes = FR_IVF_FILE_HEADER;
    return 0;
  }
  if (!w->ivf_patch)
    return 0;
  put_le32(cnt, w->ivf_frames);
  if (pwrite(w->fd, cnt, 4, 24) != 4)
    return -1;
  return 0;
}

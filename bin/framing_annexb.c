/*
 * framing_annexb.c -- the annexb input framing: an H.264 / H.265 Annex B
 * byte stream cut into access units at start codes, by NAL type (see
 * framing.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "framing.h"
#include "framing_int.h"

#define ANNEXB_READ_BYTES (256u * 1024u)

/* H.264 / H.265 NAL classification: does the NAL whose header starts at
 * |p| (|n| bytes available) begin a new AU, given the current AU has a
 * VCL NAL?  Sets |*vcl| when it is a VCL NAL. */
static int nal_starts_au(int codec, const uint8_t *p, size_t n, int au_has_vcl,
                         int *vcl) {
  unsigned t;

  *vcl = 0;
  if (n < 1)
    return 0;
  if (codec == FR_H264) {
    t = p[0] & 0x1fu;
    if (t == 9) /* access unit delimiter */
      return 1;
    if (t == 6 || t == 7 || t == 8 || (t >= 14 && t <= 18))
      return au_has_vcl;
    if (t >= 1 && t <= 5) {
      *vcl = 1;
      /* first_mb_in_slice ue(v) == 0 iff its first bit is 1. */
      return au_has_vcl && n >= 2 && (p[1] & 0x80u);
    }
    return 0;
  }
  if (n < 2)
    return 0;
  t = (p[0] >> 1) & 0x3fu;
  if (t == 35) /* AUD */
    return 1;
  if ((t >= 32 && t <= 34) || t == 39 || (t >= 41 && t <= 44) ||
      (t >= 48 && t <= 55))
    return au_has_vcl;
  if (t <= 31) {
    *vcl = 1;
    /* first_slice_segment_in_pic_flag */
    return au_has_vcl && n >= 3 && (p[2] & 0x80u);
  }
  return 0;
}

static int au_too_large(const struct fr_reader *r) {
  cli_error("access unit at input offset %llu is larger than %zu bytes",
            (unsigned long long)(r->offset), r->max_frame);
  return -1;
}

/* Annex B: finds the next AU boundary.  No AU handed out is longer than
 * max_frame, wherever its end was found. */
int fr_annexb_next(struct fr_reader *r, const uint8_t **data,
                       size_t *len) {
  for (;;) {
    /* Scan complete start codes: need 00 00 01 plus 3 header bytes. */
    while (r->scan + 6 <= r->end ||
           (r->eof && r->scan + 3 <= r->end)) {
      const uint8_t *b = r->buf;
      size_t i = r->scan, sc;
      int vcl, starts;

      if (b[i + 2] > 1) {
        r->scan += 3;
        continue;
      }
      if (!(b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)) {
        r->scan++;
        continue;
      }
      sc = i;
      if (sc > r->au_start && b[sc - 1] == 0)
        sc--; /* the zero_byte of a 4-byte start code */
      starts = nal_starts_au(r->spec.codec, b + i + 3, r->end - (i + 3),
                             r->au_has_vcl, &vcl);
      r->scan = i + 3;
      if (starts && sc > r->au_start) {
        if (sc - r->au_start > r->max_frame)
          return au_too_large(r);
        *data = b + r->au_start;
        *len = sc - r->au_start;
        r->au_start = sc;
        r->au_has_vcl = vcl;
        r->start = sc;
        return 1;
      }
      if (vcl)
        r->au_has_vcl = 1;
    }
    if (r->eof) {
      if (r->end > r->au_start) {
        if (r->end - r->au_start > r->max_frame)
          return au_too_large(r);
        *data = r->buf + r->au_start;
        *len = r->end - r->au_start;
        r->au_start = r->end;
        r->scan = r->end;
        r->start = r->end;
        return 1;
      }
      return 0;
    }
    if (r->end - r->au_start > r->max_frame)
      return au_too_large(r);
    r->start = r->au_start;
    if (fr_fill(r, r->end - r->start + ANNEXB_READ_BYTES) < 0)
      return -1;
  }
}

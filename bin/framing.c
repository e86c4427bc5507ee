/*
 * framing.c -- input framing for pf-send and output framing for pf-recv
 * (see framing.h for the modes).
 */
#include "framing.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"

#define RAW_READ_BYTES (256u * 1024u)
#define ANNEXB_READ_BYTES (256u * 1024u)

static const char *const mode_names[] = {
    NULL, "length", "fixed", "raw", "annexb", "ivf",
};

const char *fr_mode_name(int mode) {
  if (mode < FR_LENGTH || mode > FR_IVF)
    return "?";
  return mode_names[mode];
}

int fr_parse(const char *str, struct fr_spec *spec) {
  int m;

  memset(spec, 0, sizeof(*spec));
  spec->codec = FR_H264;
  if (strncmp(str, "fixed:", 6) == 0) {
    spec->mode = FR_FIXED;
    return cli_parse_u32(str + 6, 1, 64u * 1024u * 1024u, "fixed record size",
                         &spec->fixed);
  }
  for (m = FR_LENGTH; m <= FR_IVF; m++)
    if (m != FR_FIXED && strcmp(str, mode_names[m]) == 0) {
      spec->mode = m;
      return 0;
    }
  cli_error("invalid framing '%s': expected length, fixed:N, raw, annexb or "
            "ivf",
            str);
  return -1;
}

int fr_parse_codec(const char *str, int *codec) {
  if (strcmp(str, "h264") == 0 || strcmp(str, "avc") == 0) {
    *codec = FR_H264;
    return 0;
  }
  if (strcmp(str, "h265") == 0 || strcmp(str, "hevc") == 0) {
    *codec = FR_H265;
    return 0;
  }
  cli_error("invalid codec '%s': expected h264 or h265", str);
  return -1;
}

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

/* ------------------------------------------------------------ reader */

/* Makes room for |need| valid bytes from buf[start]; returns 0 or -1. */
static int reserve(struct fr_reader *r, size_t need) {
  size_t have = r->end - r->start;
  size_t ncap;
  uint8_t *nb;

  if (r->start > 0 && r->cap - r->start < need) {
    memmove(r->buf, r->buf + r->start, have);
    if (r->spec.mode == FR_ANNEXB) {
      r->scan -= r->start;
      r->au_start -= r->start;
    }
    r->end = have;
    r->start = 0;
  }
  if (r->cap >= need)
    return 0;
  ncap = r->cap ? r->cap : 65536;
  while (ncap < need)
    ncap *= 2;
  nb = realloc(r->buf, ncap);
  if (!nb) {
    cli_error("cannot allocate %zu bytes for a frame", ncap);
    return -1;
  }
  r->buf = nb;
  r->cap = ncap;
  return 0;
}

/* Reads until |need| bytes are valid from buf[start] or end of input;
 * returns the bytes valid, or -1. */
static ssize_t fill(struct fr_reader *r, size_t need) {
  if (r->end - r->start >= need)
    return (ssize_t)(r->end - r->start);
  if (reserve(r, need) != 0)
    return -1;
  while (!r->eof && r->end - r->start < need) {
    ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      cli_error("cannot read input: %s", strerror(errno));
      return -1;
    }
    if (n == 0)
      r->eof = 1;
    r->end += (size_t)n;
  }
  return (ssize_t)(r->end - r->start);
}

int fr_reader_init(struct fr_reader *r, const struct fr_spec *spec, int fd,
                   size_t max_frame) {
  ssize_t n;

  memset(r, 0, sizeof(*r));
  r->spec = *spec;
  r->fd = fd;
  r->max_frame = max_frame;
  if (spec->mode == FR_FIXED && spec->fixed > max_frame) {
    cli_error("fixed record size %u is larger than the largest frame %zu",
              spec->fixed, max_frame);
    return -1;
  }
  if (spec->mode != FR_IVF)
    return 0;
  n = fill(r, FR_IVF_FILE_HEADER);
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

void fr_reader_free(struct fr_reader *r) {
  free(r->buf);
  r->buf = NULL;
}

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
static int next_annexb(struct fr_reader *r, const uint8_t **data,
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
    if (fill(r, r->end - r->start + ANNEXB_READ_BYTES) < 0)
      return -1;
  }
}

int fr_reader_next(struct fr_reader *r, const uint8_t **data, size_t *len,
                   uint64_t *pts) {
  ssize_t n;
  size_t want;

  if (r->consume) {
    r->start += r->consume;
    r->offset += r->consume;
    r->consume = 0;
  }
  switch (r->spec.mode) {
  case FR_LENGTH:
    n = fill(r, 4);
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    if (n < 4) {
      cli_error("input ends inside a length prefix at offset %llu",
                (unsigned long long)r->offset);
      return -1;
    }
    want = (size_t)r->buf[r->start] << 24 | (size_t)r->buf[r->start + 1] << 16 |
           (size_t)r->buf[r->start + 2] << 8 | r->buf[r->start + 3];
    if (want > r->max_frame) {
      cli_error("record at offset %llu is %zu bytes, larger than the "
                "largest frame %zu",
                (unsigned long long)r->offset, want, r->max_frame);
      return -1;
    }
    n = fill(r, 4 + want);
    if (n < 0)
      return -1;
    if ((size_t)n < 4 + want) {
      cli_error("input ends inside a %zu-byte record at offset %llu", want,
                (unsigned long long)r->offset);
      return -1;
    }
    *data = r->buf + r->start + 4;
    *len = want;
    r->consume = 4 + want;
    return 1;
  case FR_FIXED:
    n = fill(r, r->spec.fixed);
    if (n <= 0)
      return (int)n;
    *data = r->buf + r->start;
    *len = (size_t)n < r->spec.fixed ? (size_t)n : r->spec.fixed;
    r->consume = *len;
    return 1;
  case FR_RAW:
    if (r->end > r->start) {
      n = (ssize_t)(r->end - r->start);
    } else {
      if (r->eof)
        return 0;
      /* One read is one frame: never more than the largest frame. */
      want = r->max_frame < RAW_READ_BYTES ? r->max_frame : RAW_READ_BYTES;
      if (reserve(r, want) != 0)
        return -1;
      r->start = r->end = 0;
      for (;;) {
        n = read(r->fd, r->buf, want);
        if (n < 0 && errno == EINTR)
          continue;
        break;
      }
      if (n < 0) {
        cli_error("cannot read input: %s", strerror(errno));
        return -1;
      }
      if (n == 0) {
        r->eof = 1;
        return 0;
      }
      r->end = (size_t)n;
    }
    *data = r->buf + r->start;
    *len = (size_t)n;
    r->consume = (size_t)n;
    return 1;
  case FR_ANNEXB: {
    size_t before = r->start;
    int rv = next_annexb(r, data, len);
    /* next_annexb moves start itself; account the offset here. */
    r->offset += r->start >= before ? r->start - before : 0;
    return rv;
  }
  case FR_IVF:
    n = fill(r, FR_IVF_FRAME_HEADER);
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
    n = fill(r, FR_IVF_FRAME_HEADER + want);
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
  default:
    cli_error("internal error: unknown framing");
    return -1;
  }
}

/* ------------------------------------------------------------ writer */

void fr_writer_init(struct fr_writer *w, const struct fr_spec *spec, int fd) {
  struct stat st;
  int fl = fcntl(fd, F_GETFL);

  memset(w, 0, sizeof(*w));
  w->spec = *spec;
  w->fd = fd;
  /* pwrite() on an O_APPEND file appends on Linux, and a pipe, a
   * device or a file we did not start at its beginning has no header
   * of ours at offset 24. */
  w->ivf_patch = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fl >= 0 &&
                 !(fl & O_APPEND) && lseek(fd, 0, SEEK_CUR) == 0;
}

void fr_writer_set_ivf_header(struct fr_writer *w,
                              const uint8_t hdr[FR_IVF_FILE_HEADER]) {
  if (w->have_ivf_header)
    return;
  memcpy(w->ivf_header, hdr, FR_IVF_FILE_HEADER);
  w->have_ivf_header = 1;
}

static int writev_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t k = writev(fd, iov, n);
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    while (n > 0 && (size_t)k >= iov->iov_len) {
      k -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + k;
      iov->iov_len -= (size_t)k;
    }
  }
  return 0;
}

int fr_writer_write(struct fr_writer *w, const uint8_t *data, size_t len,
                    uint64_t pts) {
  uint8_t hdr[FR_IVF_FILE_HEADER + FR_IVF_FRAME_HEADER];
  struct iovec iov[2];
  int n = 0;
  size_t h = 0;

  switch (w->spec.mode) {
  case FR_LENGTH:
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
    h = 4;
    break;
  case FR_IVF:
    if (!w->have_ivf_header)
      return 1;
    if (w->ivf_frames == 0 && w->bytes == 0) {
      memcpy(hdr, w->ivf_header, FR_IVF_FILE_HEADER);
      h = FR_IVF_FILE_HEADER;
    }
    put_le32(hdr + h, (uint32_t)len);
    put_le64(hdr + h + 4, pts);
    h += FR_IVF_FRAME_HEADER;
    w->ivf_frames++;
    break;
  default:
    break;
  }
  if (h > 0) {
    iov[n].iov_base = hdr;
    iov[n++].iov_len = h;
  }
  if (len > 0) {
    iov[n].iov_base = (void *)(uintptr_t)data;
    iov[n++].iov_len = len;
  }
  if (writev_all(w->fd, iov, n) != 0)
    return -1;
  w->bytes += h + len;
  return 0;
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

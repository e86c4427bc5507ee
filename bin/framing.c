/*
 * framing.c -- input framing for pf-send and output framing for pf-recv
 * (see framing.h for the modes): the mode names, the reader's buffer, the
 * length, fixed:N and raw framings, and the writer.  Annex B and IVF have
 * their own files (framing_annexb.c, framing_ivf.c).
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
#include "framing_int.h"

#define RAW_READ_BYTES (256u * 1024u)

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

/* ------------------------------------------------------------ reader */

/* Makes room for |need| valid bytes from buf[start]; returns 0 or -1. */
int fr_reserve(struct fr_reader *r, size_t need) {
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
ssize_t fr_fill(struct fr_reader *r, size_t need) {
  if (r->end - r->start >= need)
    return (ssize_t)(r->end - r->start);
  if (fr_reserve(r, need) != 0)
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
  return fr_ivf_read_header(r);
}

void fr_reader_free(struct fr_reader *r) {
  free(r->buf);
  r->buf = NULL;
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
    n = fr_fill(r, 4);
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
    n = fr_fill(r, 4 + want);
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
    n = fr_fill(r, r->spec.fixed);
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
      if (fr_reserve(r, want) != 0)
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
    int rv = fr_annexb_next(r, data, len);
    /* next_annexb moves start itself; account the offset here. */
    r->offset += r->start >= before ? r->start - before : 0;
    return rv;
  }
  case FR_IVF:
    return fr_ivf_next(r, data, len, pts);
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
    h = fr_ivf_prefix(w, hdr, len, pts);
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


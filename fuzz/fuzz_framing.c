/*
 * fuzz_framing.c -- libFuzzer target for the tools' input framing
 * (bin/framing.c: length, fixed:N, raw; framing_annexb.c: Annex B
 * H.264/H.265; framing_ivf.c: IVF) and for the stream descriptor record
 * (pf_stream_desc_decode), which arrives from the network.
 *
 * Input: byte 0 picks the mode, byte 1 the largest frame (small, so the
 * limits are reached), the rest is the stream.  The reader reads it from
 * a memfd exactly as pf-send reads a pipe or file.  Checks:
 *   - no frame is longer than the largest frame;
 *   - when the reader ends cleanly, the writer's output of the frames
 *     read is the input again, byte for byte (IVF: but the frame count,
 *     which the writer patches in);
 *   - a descriptor that decodes re-encodes to the same 88 bytes, and
 *     its decoder never reads past the length given.
 */
#define _GNU_SOURCE /* memfd_create */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_fd = -1, out_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  FILE *null = fopen("/dev/null", "we");

  (void)argc;
  (void)argv;
  cli_init("fuzz_framing");
  /* The reader reports bad input with cli_error() on stderr: point the
   * stdio stream (not fd 2, where libFuzzer and the sanitizers report)
   * at /dev/null. */
  if (null)
    stderr = null;
  in_fd = memfd_create("fuzz-in", MFD_CLOEXEC);
  out_fd = memfd_create("fuzz-out", MFD_CLOEXEC);
  if (in_fd < 0 || out_fd < 0)
    abort();
  return 0;
}

static void reset(int fd) {
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
    abort();
}

static void check_ctl(const uint8_t *data, size_t size) {
  pf_stream_desc c;
  uint8_t re[PF_STREAM_DESC_BYTES];
  uint8_t *copy;

  /* An exact-size heap copy: ASan catches a read past |size|. */
  copy = malloc(size ? size : 1);
  if (!copy)
    abort();
  memcpy(copy, data, size);
  if (pf_stream_desc_decode(&c, copy, size) == 0) {
    if (size < PF_STREAM_DESC_BYTES)
      abort();
    if (pf_stream_desc_encode(re, sizeof(re), &c) !=
        (int)PF_STREAM_DESC_BYTES)
      abort();
    /* All 88 bytes are fields or the application bytes: they come back. */
    if (memcmp(re, copy, PF_STREAM_DESC_BYTES) != 0)
      abort();
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const struct fr_spec modes[] = {
      {FR_LENGTH, 0, 0}, {FR_FIXED, 1, 0},      {FR_RAW, 0, 0},
      {FR_ANNEXB, 0, FR_H264}, {FR_ANNEXB, 0, FR_H265}, {FR_IVF, 0, 0},
  };
  struct fr_spec spec;
  struct fr_reader rd;
  struct fr_writer wr;
  const uint8_t *in, *frame;
  size_t n, len, max_frame, out_len;
  uint64_t pts = 0;
  uint32_t frames = 0;
  int rv = -1;

  if (size < 2)
    return 0;
  if (data[0] >= sizeof(modes) / sizeof(modes[0])) {
    check_ctl(data + 1, size - 1);
    return 0;
  }
  spec = modes[data[0]];
  max_frame = 1 + (size_t)data[1] * 4;
  if (spec.mode == FR_FIXED)
    spec.fixed = 1 + data[1] % 64;
  in = data + 2;
  n = size - 2;

  reset(in_fd);
  reset(out_fd);
  if (n > 0 && write(in_fd, in, n) != (ssize_t)n)
    abort();
  if (lseek(in_fd, 0, SEEK_SET) != 0)
    abort();

  if (fr_reader_init(&rd, &spec, in_fd, max_frame) != 0) {
    fr_reader_free(&rd);
    return 0;
  }
  fr_writer_init(&wr, &spec, out_fd);
  if (spec.mode == FR_IVF)
    fr_writer_set_ivf_header(&wr, rd.ivf_header);
  for (;;) {
    rv = fr_reader_next(&rd, &frame, &len, &pts);
    if (rv <= 0)
      break;
    if (len > max_frame)
      abort();
    if (fr_writer_write(&wr, frame, len, pts) != 0)
      abort();
    frames++;
  }
  if (rv == 0 && fr_writer_finish(&wr) != 0)
    abort();
  fr_reader_free(&rd);
  if (rv != 0)
    return 0; /* bad input, reported: nothing to compare */

  out_len = (size_t)lseek(out_fd, 0, SEEK_END);
  if (spec.mode == FR_IVF) {
    /* Header with the patched count, then the frames as read. */
    uint8_t *out = malloc(out_len ? out_len : 1);
    if (!out || pread(out_fd, out, out_len, 0) != (ssize_t)out_len)
      abort();
    if (out_len != n || memcmp(out, in, 24) != 0 ||
        (uint32_t)(out[24] | out[25] << 8 | out[26] << 16 |
                   (uint32_t)out[27] << 24) != frames ||
        memcmp(out + 28, in + 28, n - 28) != 0)
      abort();
    free(out);
  } else {
    uint8_t *out = malloc(out_len ? out_len : 1);
    if (!out || pread(out_fd, out, out_len, 0) != (ssize_t)out_len)
      abort();
    if (out_len != n || memcmp(out, in, n) != 0)
      abort();
    free(out);
  }
  return 0;
}

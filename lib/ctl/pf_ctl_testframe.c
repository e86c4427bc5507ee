/*
 * pf_ctl_testframe.c -- the original host's synthetic test frame
 * (doc/wire-format.md, chapter 13, "Synthetic test frames"): a frame
 * source a client can verify byte for byte.  Public API.
 */
#include <punktfunk/punktfunk.h>

static uint8_t test_byte(size_t i, uint32_t idx) {
  if (i < 4)
    return (uint8_t)(idx >> (8 * i));
  return (uint8_t)(idx + (uint32_t)i); /* wraps mod 256 as the original */
}

void pf_ctl_test_frame_fill(uint8_t *buf, size_t len, uint32_t idx) {
  size_t i;

  if (!buf)
    return;
  for (i = 0; i < len; i++)
    buf[i] = test_byte(i, idx);
}

int pf_ctl_test_frame_check(const uint8_t *buf, size_t len, uint32_t idx,
                            size_t *bad_off) {
  size_t i;

  if (!buf && len) {
    if (bad_off)
      *bad_off = 0;
    return 0;
  }
  for (i = 0; i < len; i++) {
    if (buf[i] != test_byte(i, idx)) {
      if (bad_off)
        *bad_off = i;
      return 0;
    }
  }
  return 1;
}

/*
 * fuzz_shard_stream.c -- libFuzzer target for the shard-stream record
 * parser and the stream reader (pf_shard_reader).
 *
 * 1. Walks the input like a reader does (whole records, skipping a
 *    damaged payload by its length and a damaged header byte by byte),
 *    and checks that every record that parses re-encodes to the same
 *    header bytes.
 * 2. Runs pf_shard_reader over the input twice, once in one piece and
 *    once in chunks whose sizes come from the input, and checks that the
 *    events are the same, cover the input without gaps, hand out exactly
 *    the input's bytes, and end in END at the input's length or in an
 *    error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 4096

typedef struct {
  int rv;
  uint32_t why;
  uint64_t offset, length, need;
} ev_summary;

static ev_summary evs_a[MAX_EVENTS], evs_b[MAX_EVENTS];

static void walk_records(const uint8_t *data, size_t size) {
  size_t off = 0;
  pf_shard_record rec;
  uint8_t hdr[PF_SHARD_HEADER_BYTES];
  int rv;

  while (off < size) {
    rv = pf_shard_record_parse(&rec, data + off, size - off);
    if (rv > 0) {
      if ((size_t)rv != PF_SHARD_HEADER_BYTES + rec.shard_bytes ||
          (size_t)rv > size - off)
        abort();
      if (pf_shard_record_encode(hdr, sizeof(hdr), &rec) !=
              (int)PF_SHARD_HEADER_BYTES ||
          memcmp(hdr, data + off, sizeof(hdr)) != 0)
        abort();
      off += (size_t)rv;
    } else if (rv == PF_ERR_CHECKSUM && rec.shard_bytes != 0) {
      off += PF_SHARD_HEADER_BYTES + rec.shard_bytes;
    } else if (rv == PF_ERR_NOBUF) {
      break;
    } else if (rv == PF_ERR_MALFORMED || rv == PF_ERR_CHECKSUM ||
               rv == PF_ERR_UNSUPPORTED) {
      if (rec.shard_bytes != 0)
        abort();
      off++;
    } else {
      abort();
    }
  }
}

/* Feeds |data| in chunks (|step| seeds their sizes; 0: all at once). */
static size_t run_reader(const uint8_t *data, size_t size, uint32_t step,
                         ev_summary *out) {
  pf_shard_reader *r = NULL;
  pf_shard_event ev;
  size_t fed = 0, n = 0;
  uint64_t next = 0;
  int rv;

  if (pf_shard_reader_new(&r, NULL) != 0)
    abort();
  for (;;) {
    rv = pf_shard_reader_next(r, &ev);
    if (rv == PF_SHARD_NEED_INPUT) {
      size_t want = size - fed, took;
      if (want == 0) {
        pf_shard_reader_end(r);
        continue;
      }
      if (step) {
        step = step * 1103515245u + 12345u;
        if (want > 1 + (step >> 16) % 997)
          want = 1 + (step >> 16) % 997;
      }
      took = pf_shard_reader_feed(r, data + fed, want);
      if (took == 0)
        abort(); /* the reader asked for input but has no room */
      fed += took;
      continue;
    }
    if (ev.offset != next)
      abort();
    if (rv == PF_SHARD_EV_RECORD || rv == PF_SHARD_EV_BAD_PAYLOAD) {
      if (ev.length != PF_SHARD_HEADER_BYTES + ev.rec.shard_bytes ||
          ev.offset + ev.length > fed ||
          memcmp(ev.bytes, data + ev.offset, ev.length) != 0 ||
          ev.rec.payload != ev.bytes + PF_SHARD_HEADER_BYTES)
        abort();
    } else if (rv == PF_SHARD_EV_DAMAGED) {
      if (ev.length == 0 || ev.offset + ev.length > fed)
        abort();
    } else if (rv == PF_SHARD_EV_END) {
      if (ev.offset != size || fed != size)
        abort();
    } else if (rv != PF_ERR_MALFORMED && rv != PF_ERR_UNSUPPORTED) {
      abort();
    }
    if (n < MAX_EVENTS) {
      out[n].rv = rv;
      out[n].why = ev.why;
      out[n].offset = ev.offset;
      out[n].length = ev.length;
      out[n].need = ev.need;
      n++;
    }
    if (rv < 0 || rv == PF_SHARD_EV_END)
      break;
    next = ev.offset + ev.length;
  }
  /* An error is final. */
  if (rv < 0 && pf_shard_reader_next(r, &ev) != rv)
    abort();
  pf_shard_reader_del(r);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t na, nb;
  uint32_t step = 1;

  walk_records(data, size);
  if (size >= 4)
    step = (uint32_t)data[size - 1] | (uint32_t)data[size - 2] << 8 | 1u;
  na = run_reader(data, size, 0, evs_a);
  nb = run_reader(data, size, step, evs_b);
  if (na != nb || memcmp(evs_a, evs_b, na * sizeof(evs_a[0])) != 0)
    abort();
  return 0;
}

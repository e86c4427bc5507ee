/*
 * pf-fec-encode.c -- pf-fec encode: standard input into a shard stream
 * (doc/shard-stream.md) or, with --format raw, into bare shards.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-fec.h"

static int encode_raw(const struct opts *o) {
  size_t k = o->k, m = o->m, s = o->shard_bytes, i, got, extra;
  uint8_t *buf = NULL, **ptr = NULL, probe;
  pf_fec *fec = NULL;
  int rv, ret = CLI_EXIT_FAIL;

  if (open_coder(&fec, o->fec_scheme, o->k, o->m, o->shard_bytes) != 0)
    return CLI_EXIT_FAIL;
  buf = xcalloc(k + m, s);
  ptr = xcalloc(k + m, sizeof(*ptr));
  if (!buf || !ptr)
    goto out;
  for (i = 0; i < k + m; i++)
    ptr[i] = buf + i * s;
  if (read_input(buf, k * s, &got) != 0)
    goto out;
  if (got < k * s) {
    cli_error("short input: read %zu of %zu bytes (k=%zu shards of %zu)", got,
              k * s, k, s);
    goto out;
  }
  if (read_input(&probe, 1, &extra) != 0)
    goto out;
  if (extra) {
    cli_error("input is longer than k x shard size = %zu bytes", k * s);
    goto out;
  }
  rv = pf_fec_encode(fec, (const uint8_t *const *)ptr, ptr + k, s);
  if (rv != 0) {
    cli_error("encoding failed: %s", pf_strerror(rv));
    goto out;
  }
  if (write_output(buf, (k + m) * s) != 0)
    goto out;
  ret = CLI_EXIT_OK;
out:
  free(ptr);
  free(buf);
  pf_fec_del(fec);
  return ret;
}

/*
 * Reads one block of k * S bytes at a time.  One byte of read-ahead
 * tells whether a full block is the last one, so the final block is
 * flagged without buffering a second block.
 */
static int encode_stream(const struct opts *o) {
  size_t k = o->k, m = o->m, s = o->shard_bytes, n = k + m;
  size_t i, got, extra, rec_bytes = PF_SHARD_HEADER_BYTES + s;
  uint8_t *data = NULL, *out = NULL, **ptr = NULL, peek = 0;
  int have_peek = 0, final = 0, rv, ret = CLI_EXIT_FAIL;
  uint64_t block = 0;
  pf_fec *fec = NULL;
  pf_shard_record rec;

  if (open_coder(&fec, o->fec_scheme, o->k, o->m, o->shard_bytes) != 0)
    return CLI_EXIT_FAIL;
  data = xcalloc(n, s);
  out = xcalloc(n, rec_bytes);
  ptr = xcalloc(n, sizeof(*ptr));
  if (!data || !out || !ptr)
    goto out;
  for (i = 0; i < n; i++)
    ptr[i] = data + i * s;
  while (!final) {
    got = 0;
    if (have_peek)
      data[got++] = peek;
    if (read_input(data + got, k * s - got, &extra) != 0)
      goto out;
    got += extra;
    have_peek = 0;
    if (got < k * s) {
      final = 1;
      memset(data + got, 0, k * s - got);
    } else {
      if (read_input(&peek, 1, &extra) != 0)
        goto out;
      have_peek = extra == 1;
      final = !have_peek;
    }
    rv = pf_fec_encode(fec, (const uint8_t *const *)ptr, ptr + k, s);
    if (rv != 0) {
      cli_error("encoding block %" PRIu64 " failed: %s", block,
                pf_strerror(rv));
      goto out;
    }
    memset(&rec, 0, sizeof(rec));
    rec.fec_scheme = o->fec_scheme;
    rec.flags = final ? PF_SHARD_FLAG_FINAL : 0;
    rec.data_shards = o->k;
    rec.parity_shards = o->m;
    rec.shard_bytes = o->shard_bytes;
    rec.data_bytes = (uint32_t)got;
    rec.block = block;
    for (i = 0; i < n; i++) {
      uint8_t *r = out + i * rec_bytes;
      rec.index = (uint32_t)i;
      rec.payload = ptr[i];
      rv = pf_shard_record_encode(r, rec_bytes, &rec);
      if (rv < 0) {
        cli_error("cannot encode record %zu of block %" PRIu64 ": %s", i,
                  block, pf_strerror(rv));
        goto out;
      }
      memcpy(r + PF_SHARD_HEADER_BYTES, ptr[i], s);
    }
    if (write_output(out, n * rec_bytes) != 0)
      goto out;
    block++;
  }
  ret = CLI_EXIT_OK;
out:
  free(ptr);
  free(out);
  free(data);
  pf_fec_del(fec);
  return ret;
}

int cmd_encode(const struct opts *o) {
  if (cli_refuse_tty(STDOUT_FILENO, "encoded shards") != 0)
    return CLI_EXIT_FAIL;
  return o->raw ? encode_raw(o) : encode_stream(o);
}


/*
 * pf-fec-decode.c -- pf-fec decode, and the shard-stream walk that
 * decode and info share: pf_shard_reader (the library) turns standard
 * input into records and damage events, this file keeps the block
 * bookkeeping (doc/shard-stream.md, "Reading rules"), rebuilds lost data
 * shards and writes the original bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-fec.h"

/* ------------------------------------------------------------ reading */

/* Why a stretch of bytes was skipped, for the messages. */
static const char *damage_name(uint32_t why) {
  return why == PF_SHARD_WHY_BAD_MAGIC ? "bad magic"
                                       : "header checksum mismatch";
}

/* Prints a fatal reader error the way pf-fec always has. */
static void reader_error(const struct stream *st, const pf_shard_event *ev,
                         int rv) {
  switch (ev->why) {
  case PF_SHARD_WHY_TRUNCATED:
    if (ev->rec.shard_bytes != 0)
      cli_error("record %" PRIu64 " at offset %" PRIu64
                ": truncated: the stream ends after %" PRIu64
                " of its %" PRIu64 " bytes",
                st->nrecord, ev->offset, ev->length, ev->need);
    else
      cli_error("record %" PRIu64 " at offset %" PRIu64
                ": truncated: the stream ends after %" PRIu64
                " of the %u header bytes",
                st->nrecord, ev->offset, ev->length, PF_SHARD_HEADER_BYTES);
    break;
  case PF_SHARD_WHY_VERSION:
    cli_error("record %" PRIu64 " at offset %" PRIu64
              ": unsupported shard-stream version %u (this pf-fec reads "
              "version %u)",
              st->nrecord, ev->offset, ev->version, PF_SHARD_VERSION);
    break;
  case PF_SHARD_WHY_FIELD_RANGE:
    cli_error("record %" PRIu64 " at offset %" PRIu64
              ": malformed header: a field is out of range (code, flags, "
              "k, m, index, shard size or data length)",
              st->nrecord, ev->offset);
    break;
  case PF_SHARD_WHY_BAD_MAGIC:
    cli_error("not a shard stream: no '%s' magic at offset 0",
              PF_SHARD_MAGIC);
    break;
  default:
    cli_error("record %" PRIu64 " at offset %" PRIu64 ": %s", st->nrecord,
              ev->offset, pf_strerror(rv));
  }
}

/*
 * Returns 1 with the next event (its PF_SHARD_EV_* kind in |*kind|), 0
 * at the end of the stream, or -1 after printing an error (read failure
 * or a fatal condition of the stream).
 */
static int stream_next(struct stream *st, pf_shard_event *ev, int *kind) {
  for (;;) {
    int rv = pf_shard_reader_next(st->rd, ev);

    if (rv == PF_SHARD_NEED_INPUT) {
      size_t space;
      uint8_t *buf = pf_shard_reader_buffer(st->rd, &space);
      ssize_t n = read(STDIN_FILENO, buf, space);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        cli_error("cannot read standard input: %s", strerror(errno));
        return -1;
      }
      if (n == 0)
        pf_shard_reader_end(st->rd);
      else if ((rv = pf_shard_reader_commit(st->rd, (size_t)n)) != 0) {
        cli_error("cannot buffer input: %s", pf_strerror(rv));
        return -1;
      }
      continue;
    }
    if (rv == PF_SHARD_EV_END)
      return 0;
    if (rv < 0) {
      reader_error(st, ev, rv);
      return -1;
    }
    *kind = rv;
    return 1;
  }
}

/* ------------------------------------------------------------ blocks */

static void note_unrecoverable(struct stream *st, uint64_t block) {
  st->unrecoverable++;
  if (st->nunrec_list < sizeof(st->unrec_list) / sizeof(st->unrec_list[0]))
    st->unrec_list[st->nunrec_list++] = block;
}

static int same_params(const pf_shard_record *a, const pf_shard_record *b) {
  return a->fec_scheme == b->fec_scheme && a->data_shards == b->data_shards &&
         a->parity_shards == b->parity_shards &&
         a->shard_bytes == b->shard_bytes;
}

static int rebuild_and_write(struct stream *st) {
  const pf_shard_record *b = &st->blk;
  size_t i, n = (size_t)b->data_shards + b->parity_shards;
  int need_fec = 0, rv;

  for (i = 0; i < b->data_shards; i++)
    need_fec |= !st->present[i];
  if (need_fec) {
    if (!st->fec || !same_params(&st->fec_params, b)) {
      pf_fec_del(st->fec);
      st->fec = NULL;
      if (open_coder(&st->fec, b->fec_scheme, b->data_shards, b->parity_shards,
                     b->shard_bytes) != 0)
        return -1;
      st->fec_params = *b;
    }
    for (i = 0; i < n; i++)
      st->ptr[i] = st->shards + i * b->shard_bytes;
    rv = pf_fec_decode(st->fec, st->ptr, st->present, b->shard_bytes);
    if (rv < 0) {
      cli_error("block %" PRIu64 ": decoding failed: %s", b->block,
                pf_strerror(rv));
      return -1;
    }
  }
  return write_output(st->shards, b->data_bytes);
}

static int end_block(struct stream *st) {
  const pf_shard_record *b = &st->blk;
  uint32_t n = b->data_shards + b->parity_shards;

  st->active = 0;
  st->blocks++;
  st->next_block = b->block + 1;
  st->lost_shards += n - st->npresent;
  st->data_bytes += b->data_bytes;
  if (b->flags & PF_SHARD_FLAG_FINAL)
    st->final_seen = 1;
  if (st->npresent < b->data_shards) {
    if (st->decode) {
      cli_error("block %" PRIu64 " (offset %" PRIu64
                "): unrecoverable: %u of %u shards present, %u needed "
                "(%u lost, %u damaged)",
                b->block, st->blk_offset, st->npresent, n, b->data_shards,
                n - st->npresent - st->ndamaged, st->ndamaged);
      return -1;
    }
    note_unrecoverable(st, b->block);
    return 0;
  }
  return st->decode ? rebuild_and_write(st) : 0;
}

static int start_block(struct stream *st, const pf_shard_event *ev) {
  const pf_shard_record *r = &ev->rec;
  size_t n = (size_t)r->data_shards + r->parity_shards;
  size_t bytes = n * r->shard_bytes; /* <= PF_SHARD_MAX_BLOCK_BYTES */

  if (st->final_seen) {
    cli_error("record %" PRIu64 " at offset %" PRIu64 ": block %" PRIu64
              " follows the final block %" PRIu64,
              st->nrecord, ev->offset, r->block, st->next_block - 1);
    return -1;
  }
  if (r->block < st->next_block) {
    cli_error("record %" PRIu64 " at offset %" PRIu64 ": block %" PRIu64
              " after block %" PRIu64 ": records are out of order",
              st->nrecord, ev->offset, r->block, st->next_block - 1);
    return -1;
  }
  if (r->block > st->next_block) {
    uint64_t missing = r->block - st->next_block;
    if (st->decode) {
      if (missing == 1)
        cli_error("block %" PRIu64 ": unrecoverable: no record of it "
                  "arrived (0 shards present)",
                  st->next_block);
      else
        cli_error("blocks %" PRIu64 "..%" PRIu64 ": unrecoverable: no "
                  "record of them arrived (0 shards present)",
                  st->next_block, r->block - 1);
      return -1;
    }
    st->lost_blocks += missing;
    for (; st->next_block < r->block; st->next_block++)
      note_unrecoverable(st, st->next_block);
  }
  if (!st->have_first) {
    st->first = *r;
    st->have_first = 1;
    st->uniform = 1;
  } else if (!same_params(&st->first, r)) {
    st->uniform = 0;
  }
  if (n > st->present_cap) {
    free(st->present);
    free(st->ptr);
    st->present = xcalloc(n, 1);
    st->ptr = xcalloc(n, sizeof(*st->ptr));
    if (!st->present || !st->ptr)
      return -1;
    st->present_cap = n;
  }
  memset(st->present, 0, n);
  if (st->decode && bytes > st->shards_cap) {
    free(st->shards);
    st->shards = xcalloc(bytes, 1);
    if (!st->shards)
      return -1;
    st->shards_cap = bytes;
  }
  st->blk = *r;
  st->blk.payload = NULL;
  st->blk_offset = ev->offset;
  st->npresent = 0;
  st->ndamaged = 0;
  st->active = 1;
  return 0;
}

static void list_record(const struct stream *st, int kind,
                        const pf_shard_event *ev, const char *status) {
  if (!st->list)
    return;
  if (st->json) {
    printf("%s\n    {\"offset\": %" PRIu64 ", \"length\": %" PRIu64,
           st->nrecord > 0 ? "," : "", ev->offset, ev->length);
    if (kind != PF_SHARD_EV_DAMAGED)
      printf(", \"block\": %" PRIu64 ", \"index\": %u", ev->rec.block,
             ev->rec.index);
    printf(", \"status\": \"%s\"}", status);
    return;
  }
  if (kind == PF_SHARD_EV_DAMAGED)
    printf("%" PRIu64 "\t%" PRIu64 "\t-\t-\t%s\n", ev->offset, ev->length,
           status);
  else
    printf("%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%s\n", ev->offset,
           ev->length, ev->rec.block, ev->rec.index, status);
}

static void damaged(struct stream *st, int kind, const pf_shard_event *ev,
                    const char *what) {
  if (!st->decode)
    return;
  fprintf(stderr, "%s: %s: record %" PRIu64 " at offset %" PRIu64 ": %s",
          cli_prog, st->strict ? "error" : "warning", st->nrecord,
          ev->offset, what);
  if (kind == PF_SHARD_EV_BAD_PAYLOAD)
    fprintf(stderr, "%s shard %u of block %" PRIu64,
            st->strict ? "; in" : "; treating as lost:", ev->rec.index,
            ev->rec.block);
  else
    fprintf(stderr, "; %s %" PRIu64 " bytes to the next record",
            st->strict ? "would skip" : "skipped", ev->length);
  fputc('\n', stderr);
}

static int handle_event(struct stream *st, int kind,
                        const pf_shard_event *ev) {
  const pf_shard_record *r = &ev->rec, *b = &st->blk;
  int bad = kind == PF_SHARD_EV_BAD_PAYLOAD;

  if (kind == PF_SHARD_EV_DAMAGED) {
    st->bad_header++;
    st->skipped += ev->length;
    list_record(st, kind, ev, "damaged-header");
    damaged(st, kind, ev, damage_name(ev->why));
    return st->strict ? -1 : 0;
  }
  if (st->active && r->block != b->block && end_block(st) != 0)
    return -1;
  if (!st->active && start_block(st, ev) != 0)
    return -1;
  if (r->fec_scheme != b->fec_scheme || r->flags != b->flags ||
      r->data_shards != b->data_shards ||
      r->parity_shards != b->parity_shards ||
      r->shard_bytes != b->shard_bytes || r->data_bytes != b->data_bytes) {
    cli_error("record %" PRIu64 " at offset %" PRIu64 ": shard %u of block "
              "%" PRIu64 " disagrees with the block's first record at "
              "offset %" PRIu64 ": %s k=%u m=%u size=%u length=%u%s vs %s "
              "k=%u m=%u size=%u length=%u%s",
              st->nrecord, ev->offset, r->index, r->block, st->blk_offset,
              code_name(r->fec_scheme), r->data_shards, r->parity_shards,
              r->shard_bytes, r->data_bytes,
              (r->flags & PF_SHARD_FLAG_FINAL) ? " final" : "",
              code_name(b->fec_scheme), b->data_shards, b->parity_shards,
              b->shard_bytes, b->data_bytes,
              (b->flags & PF_SHARD_FLAG_FINAL) ? " final" : "");
    return -1;
  }
  if (bad) {
    st->bad_payload++;
    st->ndamaged++;
    list_record(st, kind, ev, "damaged-payload");
    damaged(st, kind, ev, "payload checksum mismatch");
    return st->strict ? -1 : 0;
  }
  if (st->present[r->index]) {
    st->duplicates++;
    list_record(st, kind, ev, "duplicate");
    if (st->decode)
      fprintf(stderr,
              "%s: warning: record %" PRIu64 " at offset %" PRIu64
              ": duplicate of shard %u of block %" PRIu64 "; ignored\n",
              cli_prog, st->nrecord, ev->offset, r->index, r->block);
    return 0;
  }
  st->intact++;
  st->present[r->index] = 1;
  st->npresent++;
  if (st->decode)
    memcpy(st->shards + (size_t)r->index * r->shard_bytes, r->payload,
           r->shard_bytes);
  list_record(st, kind, ev, "ok");
  return 0;
}

/* Reads the whole stream; returns 0 or -1 after printing an error. */
int stream_run(struct stream *st) {
  pf_shard_event ev;
  int rv, kind = 0;

  rv = pf_shard_reader_new(&st->rd, NULL);
  if (rv != 0) {
    cli_error("cannot create the shard-stream reader: %s", pf_strerror(rv));
    return -1;
  }
  for (;;) {
    rv = stream_next(st, &ev, &kind);
    if (rv < 0)
      return -1;
    if (rv == 0)
      break;
    if (handle_event(st, kind, &ev) != 0)
      return -1;
    st->nrecord++;
  }
  if (st->active && end_block(st) != 0)
    return -1;
  if (!st->decode)
    return 0;
  if (st->blocks == 0) {
    cli_error("no intact shard record in the input (%" PRIu64
              " damaged); nothing to decode",
              st->bad_header + st->bad_payload);
    return -1;
  }
  if (!st->final_seen) {
    cli_error("the stream ends after block %" PRIu64 ", which is not the "
              "final block: later blocks are missing (truncated stream?)",
              st->next_block - 1);
    return -1;
  }
  return 0;
}

void stream_free(struct stream *st) {
  pf_shard_reader_del(st->rd);
  free(st->present);
  free(st->ptr);
  free(st->shards);
  pf_fec_del(st->fec);
}

/* ------------------------------------------------------------ decode */

/* ------------------------------------------------------------ decode */

static int decode_raw(const struct opts *o) {
  size_t k = o->k, m = o->m, s = o->shard_bytes, n = k + m, i, got, extra;
  size_t nlost = 0;
  uint8_t *buf = NULL, **ptr = NULL, *present = NULL, probe;
  pf_fec *fec = NULL;
  int rv, ret = CLI_EXIT_FAIL;

  buf = xcalloc(n, s);
  ptr = xcalloc(n, sizeof(*ptr));
  present = xcalloc(n, 1);
  if (!buf || !ptr || !present)
    goto out;
  memset(present, 1, n);
  for (i = 0; i < o->nlost; i++) {
    nlost += present[o->lost[i]];
    present[o->lost[i]] = 0;
  }
  for (i = 0; i < n; i++)
    ptr[i] = buf + i * s;
  if (read_input(buf, n * s, &got) != 0)
    goto out;
  if (got < n * s) {
    cli_error("short input: read %zu of %zu bytes (k + m = %zu shards of "
              "%zu)",
              got, n * s, n, s);
    goto out;
  }
  if (read_input(&probe, 1, &extra) != 0)
    goto out;
  if (extra) {
    cli_error("input is longer than (k + m) x shard size = %zu bytes", n * s);
    goto out;
  }
  if (nlost > m) {
    cli_error("unrecoverable: %zu of %zu shards present, %zu needed (%zu "
              "lost, at most m = %zu may be)",
              n - nlost, n, k, nlost, m);
    goto out;
  }
  if (open_coder(&fec, o->fec_scheme, o->k, o->m, o->shard_bytes) != 0)
    goto out;
  for (i = 0; i < n; i++)
    if (!present[i])
      memset(ptr[i], 0, s);
  rv = pf_fec_decode(fec, ptr, present, s);
  if (rv < 0) {
    cli_error("decoding failed: %s", pf_strerror(rv));
    goto out;
  }
  if (write_output(buf, k * s) != 0)
    goto out;
  ret = CLI_EXIT_OK;
out:
  free(present);
  free(ptr);
  free(buf);
  pf_fec_del(fec);
  return ret;
}

int cmd_decode(const struct opts *o) {
  struct stream st;
  int ret;

  if (cli_refuse_tty(STDOUT_FILENO, "decoded data") != 0)
    return CLI_EXIT_FAIL;
  if (o->raw)
    return decode_raw(o);
  memset(&st, 0, sizeof(st));
  st.decode = 1;
  st.strict = o->strict;
  ret = stream_run(&st) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  stream_free(&st);
  return ret;
}

/* ------------------------------------------------------------ info */

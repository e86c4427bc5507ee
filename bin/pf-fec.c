/*
 * pf-fec.c -- erasure-code a byte stream into a shard stream and back,
 * describe shard streams, and benchmark the FEC kernels.
 *
 * The shard-stream format is specified in doc/shard-stream.md and coded
 * by the library (pf_shard_record_*); this file does the I/O and the
 * block bookkeeping.  Memory is bounded by one block in every command:
 * input is read one block at a time and output written block by block.
 */
#define _GNU_SOURCE /* memmem */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"

#define DEFAULT_K 10u
#define DEFAULT_M 4u
#define DEFAULT_SHARD_BYTES 1400u
#define DEFAULT_SECONDS 0.25
#define MAX_LOST PF_FEC16_MAX_SHARDS

/* Options; each command accepts a subset (struct command.allowed). */
enum {
  OPT_CODE = 1u << 0,
  OPT_K = 1u << 1,
  OPT_M = 1u << 2,
  OPT_SIZE = 1u << 3,
  OPT_FORMAT = 1u << 4,
  OPT_LOST = 1u << 5,
  OPT_JSON = 1u << 6,
  OPT_RECORDS = 1u << 7,
  OPT_STRICT = 1u << 8,
  OPT_SECONDS = 1u << 9,
};

enum {
  LONG_CODE = 256,
  LONG_SIZE,
  LONG_FORMAT,
  LONG_LOST,
  LONG_JSON,
  LONG_RECORDS,
  LONG_STRICT,
  LONG_SECONDS,
};

/* One table for every command, so the man-page test sees all options. */
static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"code", required_argument, NULL, LONG_CODE},
    {"data-shards", required_argument, NULL, 'k'},
    {"parity-shards", required_argument, NULL, 'm'},
    {"shard-size", required_argument, NULL, LONG_SIZE},
    {"format", required_argument, NULL, LONG_FORMAT},
    {"lost", required_argument, NULL, LONG_LOST},
    {"json", no_argument, NULL, LONG_JSON},
    {"records", no_argument, NULL, LONG_RECORDS},
    {"strict", no_argument, NULL, LONG_STRICT},
    {"seconds", required_argument, NULL, LONG_SECONDS},
    {NULL, 0, NULL, 0},
};

struct opts {
  unsigned given; /* OPT_* bits seen on the command line */
  uint32_t fec_scheme;
  uint32_t k, m, shard_bytes;
  int raw;
  uint32_t *lost;
  size_t nlost;
  int json, records, strict;
  double seconds;
};

struct command {
  const char *name;
  int (*run)(const struct opts *o);
  unsigned allowed;
  const char *synopsis;
  const char *summary;
};

static int cmd_encode(const struct opts *o);
static int cmd_decode(const struct opts *o);
static int cmd_info(const struct opts *o);
static int cmd_bench(const struct opts *o);

static const struct command commands[] = {
    {"encode", cmd_encode, OPT_CODE | OPT_K | OPT_M | OPT_SIZE | OPT_FORMAT,
     "[--code gf8|gf16] [-k K] [-m M] [--shard-size N] [--format stream|raw]",
     "FEC-encode standard input into a shard stream on standard output"},
    {"decode", cmd_decode,
     OPT_CODE | OPT_K | OPT_M | OPT_SIZE | OPT_FORMAT | OPT_LOST | OPT_STRICT,
     "[--strict] | --format raw [--code C] -k K -m M --shard-size N "
     "[--lost I,J,...]",
     "rebuild the original bytes from a shard stream with missing records"},
    {"info", cmd_info, OPT_JSON | OPT_RECORDS,
     "[--json] [--records]",
     "describe a shard stream: parameters, blocks, losses, damage"},
    {"bench", cmd_bench, OPT_CODE | OPT_K | OPT_M | OPT_SIZE | OPT_JSON |
                             OPT_SECONDS,
     "[--code gf8|gf16] [-k K] [-m M] [--shard-size N] [--seconds S] "
     "[--json]",
     "measure encode and decode speed of every FEC implementation"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f) {
  size_t i;

  fprintf(f, "Usage: %s <command> [options]\n\n", cli_prog);
  fprintf(f, "Commands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\nOptions:\n"
          "  --code gf8|gf16        erasure code (default gf8)\n"
          "  -k, --data-shards K    data shards per block (default %u)\n"
          "  -m, --parity-shards M  parity shards per block (default %u)\n"
          "  --shard-size N         bytes per shard (default %u; even for "
          "gf16)\n"
          "  --format stream|raw    shard stream (default) or bare shards\n"
          "  --lost I,J,...         raw decode: indices of lost shards\n"
          "  --strict               decode: damaged records are fatal\n"
          "  --json                 info, bench: JSON output\n"
          "  --records              info: list every record\n"
          "  --seconds S            bench: time per measurement (default "
          "%.2f)\n"
          "  -h, --help             show this help\n"
          "  -V, --version          show the version\n"
          "\nRun '%s <command> --help' for one command's usage; see "
          "pf-fec(1).\n",
          DEFAULT_K, DEFAULT_M, DEFAULT_SHARD_BYTES, DEFAULT_SECONDS,
          cli_prog);
}

static unsigned option_bit(int c);

static struct cli_command_ctx command_ctx(const struct command *c) {
  struct cli_command_ctx ctx = {c->name, c->synopsis, c->summary, c->allowed,
                                option_bit};
  return ctx;
}

static void command_usage(FILE *f, const struct command *c) {
  struct cli_command_ctx ctx = command_ctx(c);
  cli_command_usage(f, &ctx);
}

static const char *code_name(uint32_t fec_scheme) {
  return fec_scheme == PF_FEC_GF16 ? "gf16" : "gf8";
}

static uint32_t code_max_shards(uint32_t fec_scheme) {
  return fec_scheme == PF_FEC_GF16 ? PF_FEC16_MAX_SHARDS : PF_FEC8_MAX_SHARDS;
}

static double now_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Checks k, m and the shard size against the code and the block limit
 * (which every command honours, so memory stays bounded by one block of
 * at most PF_SHARD_MAX_BLOCK_BYTES); prints why not.
 */
static int check_params(uint32_t fec_scheme, uint32_t k, uint32_t m,
                        uint32_t shard_bytes) {
  uint64_t n = (uint64_t)k + m;

  if (n > code_max_shards(fec_scheme)) {
    cli_error("k + m = %" PRIu64 " is too large: %s allows at most %u shards",
              n, code_name(fec_scheme), code_max_shards(fec_scheme));
    return -1;
  }
  if (fec_scheme == PF_FEC_GF16 && (shard_bytes & 1u)) {
    cli_error("invalid shard size %u: gf16 needs an even shard size",
              shard_bytes);
    return -1;
  }
  if (n * shard_bytes > PF_SHARD_MAX_BLOCK_BYTES) {
    cli_error("a block of (k + m) x shard size = %" PRIu64
              " bytes is too large: the limit is %u (64 MiB)",
              n * shard_bytes, PF_SHARD_MAX_BLOCK_BYTES);
    return -1;
  }
  return 0;
}

static int new_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
                     uint32_t impl, uint32_t shard_bytes) {
  pf_fec_config cfg;
  int rv;

  pf_fec_config_default(&cfg);
  cfg.fec_scheme = fec_scheme;
  cfg.data_shards = k;
  cfg.parity_shards = m;
  cfg.impl = impl;
  if (fec_scheme == PF_FEC_GF16)
    cfg.max_shard_bytes = shard_bytes;
  rv = pf_fec_new(fec, &cfg, NULL);
  return rv;
}

static int open_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
                      uint32_t shard_bytes) {
  int rv = new_coder(fec, fec_scheme, k, m, PF_FEC_IMPL_AUTO, shard_bytes);
  const char *env = getenv("PF_FEC_IMPL");

  if (rv == 0)
    return 0;
  if (env && *env)
    cli_error("cannot create the %s coder (k=%u, m=%u) with PF_FEC_IMPL='%s': "
              "%s",
              code_name(fec_scheme), k, m, env, pf_strerror(rv));
  else
    cli_error("cannot create the %s coder (k=%u, m=%u): %s", code_name(fec_scheme),
              k, m, pf_strerror(rv));
  return rv;
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n, size);

  if (!p)
    cli_error("out of memory (%zu bytes)", n * size);
  return p;
}

static int read_input(void *buf, size_t len, size_t *got) {
  ssize_t n = cli_read_full(STDIN_FILENO, buf, len);

  if (n < 0) {
    cli_error("cannot read standard input: %s", strerror(errno));
    return -1;
  }
  *got = (size_t)n;
  return 0;
}

static int write_output(const void *buf, size_t len) {
  if (cli_write_all(STDOUT_FILENO, buf, len) != 0) {
    cli_error("cannot write standard output: %s", strerror(errno));
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ encode */

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

static int cmd_encode(const struct opts *o) {
  if (cli_refuse_tty(STDOUT_FILENO, "encoded shards") != 0)
    return CLI_EXIT_FAIL;
  return o->raw ? encode_raw(o) : encode_stream(o);
}

/* ------------------------------------------------------------ reading */

/*
 * A buffered reader over standard input that yields one record at a
 * time.  The buffer holds two maximal records, so after moving the
 * unread bytes to the front any record fits.
 */
#define READER_CAP ((size_t)2 * PF_SHARD_MAX_RECORD_BYTES)

enum ev_kind {
  EV_RECORD,     /* intact record */
  EV_BAD_PAYLOAD, /* header intact, payload checksum mismatch */
  EV_BAD_HEADER, /* damaged bytes skipped up to the next magic */
};

struct reader {
  uint8_t *buf;
  size_t pos, end;
  uint64_t base; /* stream offset of buf[0] */
  int eof;
};

struct event {
  enum ev_kind kind;
  uint64_t offset, length;
  const char *why; /* EV_BAD_HEADER */
  pf_shard_record rec;
};

static int reader_fill(struct reader *r, size_t need) {
  while (r->end - r->pos < need && !r->eof) {
    ssize_t n;
    if (r->pos > 0) {
      memmove(r->buf, r->buf + r->pos, r->end - r->pos);
      r->base += r->pos;
      r->end -= r->pos;
      r->pos = 0;
    }
    n = read(STDIN_FILENO, r->buf + r->end, READER_CAP - r->end);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      cli_error("cannot read standard input: %s", strerror(errno));
      return -1;
    }
    if (n == 0)
      r->eof = 1;
    r->end += (size_t)n;
  }
  return 0;
}

/* Skips from r->pos (a damaged header) to the next magic or the end. */
static int reader_resync(struct reader *r) {
  const size_t ml = sizeof(PF_SHARD_MAGIC) - 1;
  const uint8_t *p;

  r->pos++;
  for (;;) {
    p = memmem(r->buf + r->pos, r->end - r->pos, PF_SHARD_MAGIC, ml);
    if (p) {
      r->pos = (size_t)(p - r->buf);
      return 0;
    }
    /* Keep a tail that could be the start of a magic split by a read. */
    if (r->end - r->pos >= ml)
      r->pos = r->end - (ml - 1);
    if (r->eof) {
      r->pos = r->end;
      return 0;
    }
    if (reader_fill(r, r->end - r->pos + 1) != 0)
      return -1;
  }
}

/*
 * Returns 1 with |ev| filled, 0 at the end of the stream, or -1 after
 * printing an error (read failure, truncated record, not a shard stream,
 * unsupported version, out-of-range fields under a valid checksum).
 */
static int reader_next(struct reader *r, struct event *ev,
                       uint64_t nrecord) {
  size_t avail, need;
  int rv;

  if (reader_fill(r, PF_SHARD_HEADER_BYTES) != 0)
    return -1;
  avail = r->end - r->pos;
  if (avail == 0)
    return 0;
  memset(ev, 0, sizeof(*ev));
  ev->offset = r->base + r->pos;
  rv = pf_shard_record_parse(&ev->rec, r->buf + r->pos, avail);
  if (rv == PF_ERR_NOBUF && ev->rec.shard_bytes != 0) {
    need = PF_SHARD_HEADER_BYTES + ev->rec.shard_bytes;
    if (reader_fill(r, need) != 0)
      return -1;
    avail = r->end - r->pos;
    ev->offset = r->base + r->pos;
    rv = pf_shard_record_parse(&ev->rec, r->buf + r->pos, avail);
    if (rv == PF_ERR_NOBUF) {
      cli_error("record %" PRIu64 " at offset %" PRIu64
                ": truncated: the stream ends after %zu of its %zu bytes",
                nrecord, ev->offset, avail, need);
      return -1;
    }
  }
  if (rv >= 0) {
    ev->kind = EV_RECORD;
    ev->length = (uint64_t)rv;
    r->pos += (size_t)rv;
    return 1;
  }
  switch (rv) {
  case PF_ERR_NOBUF:
    cli_error("record %" PRIu64 " at offset %" PRIu64
              ": truncated: the stream ends after %zu of the %u header bytes",
              nrecord, ev->offset, avail, PF_SHARD_HEADER_BYTES);
    return -1;
  case PF_ERR_UNSUPPORTED:
    cli_error("record %" PRIu64 " at offset %" PRIu64
              ": unsupported shard-stream version %u (this pf-fec reads "
              "version %u)",
              nrecord, ev->offset, r->buf[r->pos + 4], PF_SHARD_VERSION);
    return -1;
  case PF_ERR_CHECKSUM:
    if (ev->rec.shard_bytes != 0) {
      ev->kind = EV_BAD_PAYLOAD;
      ev->length = PF_SHARD_HEADER_BYTES + ev->rec.shard_bytes;
      r->pos += (size_t)ev->length;
      return 1;
    }
    ev->why = "header checksum mismatch";
    break;
  case PF_ERR_MALFORMED:
    if (memcmp(r->buf + r->pos, PF_SHARD_MAGIC, 4) == 0) {
      cli_error("record %" PRIu64 " at offset %" PRIu64
                ": malformed header: a field is out of range (code, flags, "
                "k, m, index, shard size or data length)",
                nrecord, ev->offset);
      return -1;
    }
    if (ev->offset == 0) {
      cli_error("not a shard stream: no '%s' magic at offset 0",
                PF_SHARD_MAGIC);
      return -1;
    }
    ev->why = "bad magic";
    break;
  default:
    cli_error("record %" PRIu64 " at offset %" PRIu64 ": %s", nrecord,
              ev->offset, pf_strerror(rv));
    return -1;
  }
  ev->kind = EV_BAD_HEADER;
  if (reader_resync(r) != 0)
    return -1;
  ev->length = r->base + r->pos - ev->offset;
  return 1;
}

/* ------------------------------------------------------------ blocks */

/*
 * The block bookkeeping shared by decode and info.  Records of a block
 * are contiguous and blocks arrive in order 0, 1, 2, ...; a block with no
 * record at all shows up as a gap in the numbering.
 */
struct stream {
  int decode; /* keep payloads, rebuild, write */
  int strict;
  int list;   /* info --records */
  int json;
  struct reader rd;
  uint64_t nrecord;
  /* current block */
  int active;
  pf_shard_record blk; /* parameters from its first record */
  uint64_t blk_offset;
  uint8_t *present;
  uint32_t npresent, ndamaged;
  uint8_t *shards;
  uint8_t **ptr;
  size_t shards_cap, present_cap;
  pf_fec *fec;
  pf_shard_record fec_params;
  uint64_t next_block;
  int final_seen;
  /* statistics for info */
  uint64_t intact, bad_payload, bad_header, skipped, duplicates;
  uint64_t blocks, lost_blocks, unrecoverable, lost_shards, data_bytes;
  uint64_t unrec_list[8];
  size_t nunrec_list;
  int have_first, uniform;
  pf_shard_record first;
};

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

static int start_block(struct stream *st, const struct event *ev) {
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

static void list_record(const struct stream *st, const struct event *ev,
                        const char *status) {
  if (!st->list)
    return;
  if (st->json) {
    printf("%s\n    {\"offset\": %" PRIu64 ", \"length\": %" PRIu64,
           st->nrecord > 0 ? "," : "", ev->offset, ev->length);
    if (ev->kind != EV_BAD_HEADER)
      printf(", \"block\": %" PRIu64 ", \"index\": %u", ev->rec.block,
             ev->rec.index);
    printf(", \"status\": \"%s\"}", status);
    return;
  }
  if (ev->kind == EV_BAD_HEADER)
    printf("%" PRIu64 "\t%" PRIu64 "\t-\t-\t%s\n", ev->offset, ev->length,
           status);
  else
    printf("%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%s\n", ev->offset,
           ev->length, ev->rec.block, ev->rec.index, status);
}

static void damaged(struct stream *st, const struct event *ev,
                    const char *what) {
  if (!st->decode)
    return;
  fprintf(stderr, "%s: %s: record %" PRIu64 " at offset %" PRIu64 ": %s",
          cli_prog, st->strict ? "error" : "warning", st->nrecord,
          ev->offset, what);
  if (ev->kind == EV_BAD_PAYLOAD)
    fprintf(stderr, "%s shard %u of block %" PRIu64,
            st->strict ? "; in" : "; treating as lost:", ev->rec.index,
            ev->rec.block);
  else
    fprintf(stderr, "; %s %" PRIu64 " bytes to the next record",
            st->strict ? "would skip" : "skipped", ev->length);
  fputc('\n', stderr);
}

static int handle_event(struct stream *st, const struct event *ev) {
  const pf_shard_record *r = &ev->rec, *b = &st->blk;
  int bad = ev->kind == EV_BAD_PAYLOAD;

  if (ev->kind == EV_BAD_HEADER) {
    st->bad_header++;
    st->skipped += ev->length;
    list_record(st, ev, "damaged-header");
    damaged(st, ev, ev->why);
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
    list_record(st, ev, "damaged-payload");
    damaged(st, ev, "payload checksum mismatch");
    return st->strict ? -1 : 0;
  }
  if (st->present[r->index]) {
    st->duplicates++;
    list_record(st, ev, "duplicate");
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
  list_record(st, ev, "ok");
  return 0;
}

/* Reads the whole stream; returns 0 or -1 after printing an error. */
static int stream_run(struct stream *st) {
  struct event ev;
  int rv;

  st->rd.buf = xcalloc(READER_CAP, 1);
  if (!st->rd.buf)
    return -1;
  for (;;) {
    rv = reader_next(&st->rd, &ev, st->nrecord);
    if (rv < 0)
      return -1;
    if (rv == 0)
      break;
    if (handle_event(st, &ev) != 0)
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

static void stream_free(struct stream *st) {
  free(st->rd.buf);
  free(st->present);
  free(st->ptr);
  free(st->shards);
  pf_fec_del(st->fec);
}

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

static int cmd_decode(const struct opts *o) {
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

static void info_json(const struct stream *st) {
  size_t i;

  printf("{\n  \"format\": \"punktfunk-shard-stream\",\n"
         "  \"version\": %u,\n",
         PF_SHARD_VERSION);
  if (st->have_first)
    printf("  \"code\": \"%s\",\n  \"data_shards\": %u,\n"
           "  \"parity_shards\": %u,\n  \"shard_size\": %u,\n",
           code_name(st->first.fec_scheme), st->first.data_shards,
           st->first.parity_shards, st->first.shard_bytes);
  else
    printf("  \"code\": null,\n  \"data_shards\": null,\n"
           "  \"parity_shards\": null,\n  \"shard_size\": null,\n");
  printf("  \"uniform\": %s,\n", st->uniform || !st->have_first ? "true"
                                                                : "false");
  printf("  \"records\": %" PRIu64 ",\n  \"intact_records\": %" PRIu64
         ",\n  \"damaged_payloads\": %" PRIu64
         ",\n  \"damaged_headers\": %" PRIu64
         ",\n  \"skipped_bytes\": %" PRIu64 ",\n  \"duplicates\": %" PRIu64
         ",\n",
         st->nrecord, st->intact, st->bad_payload, st->bad_header,
         st->skipped, st->duplicates);
  printf("  \"blocks\": %" PRIu64 ",\n  \"missing_blocks\": %" PRIu64
         ",\n  \"final_block_seen\": %s,\n  \"original_bytes\": %" PRIu64
         ",\n  \"lost_shards\": %" PRIu64
         ",\n  \"unrecoverable_blocks\": %" PRIu64
         ",\n  \"unrecoverable_list\": [",
         st->blocks + st->lost_blocks, st->lost_blocks,
         st->final_seen ? "true" : "false", st->data_bytes, st->lost_shards,
         st->unrecoverable);
  for (i = 0; i < st->nunrec_list; i++)
    printf("%s%" PRIu64, i ? ", " : "", st->unrec_list[i]);
  printf("],\n  \"recoverable\": %s", st->unrecoverable == 0 &&
                                             st->final_seen
                                         ? "true"
                                         : "false");
}

static void info_human(const struct stream *st) {
  size_t i;

  printf("format:          punktfunk shard stream, version %u\n",
         PF_SHARD_VERSION);
  if (st->have_first)
    printf("code:            %s\n"
           "data shards:     %u\n"
           "parity shards:   %u\n"
           "shard size:      %u\n",
           code_name(st->first.fec_scheme), st->first.data_shards,
           st->first.parity_shards, st->first.shard_bytes);
  if (!st->uniform && st->have_first)
    printf("note:            blocks use different parameters; the first "
           "block's are shown\n");
  printf("records:         %" PRIu64 " (%" PRIu64 " intact, %" PRIu64
         " damaged payloads, %" PRIu64 " damaged headers, %" PRIu64
         " duplicates)\n",
         st->nrecord, st->intact, st->bad_payload, st->bad_header,
         st->duplicates);
  if (st->skipped)
    printf("skipped bytes:   %" PRIu64 "\n", st->skipped);
  printf("blocks:          %" PRIu64 " (%" PRIu64 " without any record)\n",
         st->blocks + st->lost_blocks, st->lost_blocks);
  printf("final block:     %s\n", st->final_seen ? "present" : "missing");
  printf("original bytes:  %" PRIu64 "%s\n", st->data_bytes,
         st->lost_blocks ? " (not counting blocks without any record)" : "");
  printf("lost shards:     %" PRIu64 "\n", st->lost_shards);
  printf("unrecoverable:   %" PRIu64, st->unrecoverable);
  for (i = 0; i < st->nunrec_list; i++)
    printf("%s%" PRIu64, i ? ", " : " (blocks ", st->unrec_list[i]);
  if (st->nunrec_list)
    printf("%s)", st->unrecoverable > st->nunrec_list ? ", ..." : "");
  printf("\nrecoverable:     %s\n",
         st->unrecoverable == 0 && st->final_seen ? "yes" : "no");
}

static int cmd_info(const struct opts *o) {
  struct stream st;
  int ret = CLI_EXIT_FAIL;

  memset(&st, 0, sizeof(st));
  st.list = o->records;
  st.json = o->json;
  if (st.list && st.json)
    printf("{\n  \"record_list\": [");
  else if (st.list)
    printf("# offset\tlength\tblock\tindex\tstatus\n");
  if (stream_run(&st) != 0) {
    fflush(stdout);
    goto out;
  }
  if (st.json) {
    if (st.list) {
      printf("\n  ],\n  \"summary\": ");
      info_json(&st);
      printf("\n  }\n}\n");
    } else {
      info_json(&st);
      printf("\n}\n");
    }
  } else if (!st.list) {
    info_human(&st);
  }
  ret = CLI_EXIT_OK;
out:
  stream_free(&st);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write standard output: %s", strerror(errno));
    ret = CLI_EXIT_FAIL;
  }
  return ret;
}

/* ------------------------------------------------------------ bench */

struct bench_set {
  uint32_t fec_scheme, k, m, shard_bytes;
};

static const struct bench_set default_sets[] = {
    {PF_FEC_GF8, 10, 4, 1400},
    {PF_FEC_GF8, 100, 20, 1400},
    {PF_FEC_GF16, 10, 4, 1400},
    {PF_FEC_GF16, 1000, 200, 1400},
};

static const struct {
  uint32_t fec_scheme, impl;
  const char *name;
} bench_impls[] = {
    {PF_FEC_GF8, PF_FEC_IMPL_REF, "ref"},
    {PF_FEC_GF8, PF_FEC_IMPL_ISAL, "isal"},
    {PF_FEC_GF8, PF_FEC_IMPL_GFNI, "gfni"},
    {PF_FEC_GF16, PF_FEC_IMPL_REF, "ref"},
    {PF_FEC_GF16, PF_FEC_IMPL_SSSE3, "ssse3"},
    {PF_FEC_GF16, PF_FEC_IMPL_AVX2, "avx2"},
    {PF_FEC_GF16, PF_FEC_IMPL_AVX512, "avx512"},
    {PF_FEC_GF16, PF_FEC_IMPL_GFNI, "gfni"},
};
#define NIMPLS (sizeof(bench_impls) / sizeof(bench_impls[0]))

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct bench_result {
  double enc_mbps, dec_mbps;
};

/*
 * Times encode, then decode with min(k, m) data shards lost, each for
 * |seconds|.  The first decode is checked against the original data.
 */
static int bench_one(pf_fec *fec, const struct bench_set *b, double seconds,
                     const char *impl, struct bench_result *res) {
  size_t k = b->k, m = b->m, s = b->shard_bytes, n = k + m, i;
  size_t lost = k < m ? k : m;
  uint8_t *buf, *orig, **ptr, *present;
  uint64_t seed = 1, iters;
  double t0, t;
  int rv, ret = -1;

  buf = xcalloc(n, s);
  orig = xcalloc(lost, s);
  ptr = xcalloc(n, sizeof(*ptr));
  present = xcalloc(n, 1);
  if (!buf || !orig || !ptr || !present)
    goto out;
  for (i = 0; i < k * s; i += 8) {
    uint64_t z = splitmix64(&seed);
    memcpy(buf + i, &z, k * s - i < 8 ? k * s - i : 8);
  }
  memcpy(orig, buf, lost * s);
  for (i = 0; i < n; i++)
    ptr[i] = buf + i * s;
  iters = 0;
  t0 = now_seconds();
  do {
    rv = pf_fec_encode(fec, (const uint8_t *const *)ptr, ptr + k, s);
    if (rv != 0) {
      cli_error("bench %s %s: encode failed: %s", code_name(b->fec_scheme), impl,
                pf_strerror(rv));
      goto out;
    }
    iters++;
    t = now_seconds() - t0;
  } while (t < seconds);
  res->enc_mbps = (double)iters * (double)(k * s) / t / 1e6;
  memset(present, 1, n);
  memset(present, 0, lost);
  iters = 0;
  t0 = now_seconds();
  do {
    memset(buf, 0, lost * s);
    rv = pf_fec_decode(fec, ptr, present, s);
    if (rv < 0) {
      cli_error("bench %s %s: decode failed: %s", code_name(b->fec_scheme), impl,
                pf_strerror(rv));
      goto out;
    }
    if (iters == 0 && memcmp(buf, orig, lost * s) != 0) {
      cli_error("bench %s %s: decode rebuilt wrong data (k=%zu m=%zu)",
                code_name(b->fec_scheme), impl, k, m);
      goto out;
    }
    iters++;
    t = now_seconds() - t0;
  } while (t < seconds);
  res->dec_mbps = (double)iters * (double)(k * s) / t / 1e6;
  ret = 0;
out:
  free(present);
  free(ptr);
  free(orig);
  free(buf);
  return ret;
}

static int cmd_bench(const struct opts *o) {
  struct bench_set sets[sizeof(default_sets) / sizeof(default_sets[0])];
  size_t nsets = 0, i, j, nres = 0;
  int progress = isatty(STDERR_FILENO), rv;

  if (o->given & (OPT_K | OPT_M | OPT_SIZE)) {
    sets[0].fec_scheme = o->fec_scheme;
    sets[0].k = o->k;
    sets[0].m = o->m;
    sets[0].shard_bytes = o->shard_bytes;
    nsets = 1;
  } else {
    for (i = 0; i < sizeof(default_sets) / sizeof(default_sets[0]); i++)
      if (!(o->given & OPT_CODE) || default_sets[i].fec_scheme == o->fec_scheme)
        sets[nsets++] = default_sets[i];
  }
  if (o->json)
    printf("{\n  \"seconds\": %g,\n  \"results\": [", o->seconds);
  else
    printf("%-5s %-7s %6s %6s %6s %12s %12s\n", "code", "impl", "k", "m",
           "shard", "encode MB/s", "decode MB/s");
  fflush(stdout);
  for (i = 0; i < nsets; i++) {
    for (j = 0; j < NIMPLS; j++) {
      const struct bench_set *b = &sets[i];
      struct bench_result res;
      pf_fec *fec = NULL;
      const char *name;

      if (bench_impls[j].fec_scheme != b->fec_scheme)
        continue;
      rv = new_coder(&fec, b->fec_scheme, b->k, b->m, bench_impls[j].impl,
                     b->shard_bytes);
      if (rv == PF_ERR_UNSUPPORTED)
        continue;
      if (rv != 0) {
        cli_error("cannot create the %s coder '%s' (k=%u, m=%u): %s",
                  code_name(b->fec_scheme), bench_impls[j].name, b->k, b->m,
                  pf_strerror(rv));
        return CLI_EXIT_FAIL;
      }
      name = pf_fec_impl_name(fec);
      if (progress)
        fprintf(stderr, "\r%s: %s %s k=%u m=%u size=%u ...\033[K", cli_prog,
                code_name(b->fec_scheme), name, b->k, b->m, b->shard_bytes);
      rv = bench_one(fec, b, o->seconds, name, &res);
      pf_fec_del(fec);
      if (progress)
        fprintf(stderr, "\r\033[K");
      if (rv != 0)
        return CLI_EXIT_FAIL;
      if (o->json)
        printf("%s\n    {\"code\": \"%s\", \"impl\": \"%s\", \"data_shards\": "
               "%u, \"parity_shards\": %u, \"shard_size\": %u, "
               "\"encode_mbps\": %.1f, \"decode_mbps\": %.1f}",
               nres ? "," : "", code_name(b->fec_scheme), name, b->k, b->m,
               b->shard_bytes, res.enc_mbps, res.dec_mbps);
      else
        printf("%-5s %-7s %6u %6u %6u %12.1f %12.1f\n", code_name(b->fec_scheme),
               name, b->k, b->m, b->shard_bytes, res.enc_mbps, res.dec_mbps);
      fflush(stdout);
      nres++;
    }
  }
  if (o->json)
    printf("\n  ]\n}\n");
  if (nres == 0) {
    fflush(stdout);
    cli_error("no FEC implementation is available for the requested code");
    return CLI_EXIT_FAIL;
  }
  if (fflush(stdout) != 0) {
    cli_error("cannot write standard output: %s", strerror(errno));
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ main */

static unsigned option_bit(int c) {
  switch (c) {
  case LONG_CODE:
    return OPT_CODE;
  case 'k':
    return OPT_K;
  case 'm':
    return OPT_M;
  case LONG_SIZE:
    return OPT_SIZE;
  case LONG_FORMAT:
    return OPT_FORMAT;
  case LONG_LOST:
    return OPT_LOST;
  case LONG_JSON:
    return OPT_JSON;
  case LONG_RECORDS:
    return OPT_RECORDS;
  case LONG_STRICT:
    return OPT_STRICT;
  case LONG_SECONDS:
    return OPT_SECONDS;
  default:
    return 0;
  }
}

/* Returns 0, or an exit status after printing the reason. */
static int parse_options(const struct command *cmd, int argc, char **argv,
                         struct opts *o, int *done) {
  uint64_t v;
  const struct cli_command_ctx ctx = command_ctx(cmd);
  int c, n, rv;
  unsigned bit = 0;

  opterr = 0;
  optind = 1;
  while ((c = cli_command_next_opt(argc, argv, "+:hVk:m:", long_options,
                                   &ctx, &bit, &rv)) > 0) {
    o->given |= bit;
    switch (c) {
    case LONG_CODE:
      if (strcmp(optarg, "gf8") == 0)
        o->fec_scheme = PF_FEC_GF8;
      else if (strcmp(optarg, "gf16") == 0)
        o->fec_scheme = PF_FEC_GF16;
      else {
        cli_error("invalid code '%s': expected gf8 or gf16", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case 'k':
      if (cli_parse_u32(optarg, 1, PF_FEC16_MAX_SHARDS - 1, "data shard count",
                        &o->k) != 0)
        return CLI_EXIT_USAGE;
      break;
    case 'm':
      if (cli_parse_u32(optarg, 1, PF_FEC16_MAX_SHARDS - 1,
                        "parity shard count", &o->m) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_SIZE:
      if (cli_parse_size(optarg, 1, PF_SHARD_MAX_SHARD_BYTES, "shard size",
                         &v) != 0)
        return CLI_EXIT_USAGE;
      o->shard_bytes = (uint32_t)v;
      break;
    case LONG_FORMAT:
      if (strcmp(optarg, "raw") == 0)
        o->raw = 1;
      else if (strcmp(optarg, "stream") == 0)
        o->raw = 0;
      else {
        cli_error("invalid format '%s': expected stream or raw", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_LOST:
      n = cli_parse_list(optarg, PF_FEC16_MAX_SHARDS - 1, "lost shard list",
                         o->lost, MAX_LOST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nlost = (size_t)n;
      break;
    case LONG_JSON:
      o->json = 1;
      break;
    case LONG_RECORDS:
      o->records = 1;
      break;
    case LONG_STRICT:
      o->strict = 1;
      break;
    case LONG_SECONDS:
      if (cli_parse_seconds(optarg, 0.001, 60, "seconds", &v) != 0)
        return CLI_EXIT_USAGE;
      o->seconds = (double)v / 1e9;
      break;
    default:
      command_usage(stderr, cmd);
      return CLI_EXIT_USAGE;
    }
  }
  if (c == CLI_OPT_STOP) {
    *done = rv == CLI_EXIT_OK;
    return rv;
  }
  return CLI_EXIT_OK;
}

/* Cross-option checks after parsing; returns 0 or CLI_EXIT_USAGE. */
static int check_options(const struct command *cmd, const struct opts *o) {
  size_t i;

  if ((o->given & OPT_LOST) && !o->raw) {
    cli_error("--lost needs --format raw (a shard stream says itself "
              "which records are missing)");
    return CLI_EXIT_USAGE;
  }
  if (cmd->run == cmd_decode && !o->raw &&
      (o->given & (OPT_CODE | OPT_K | OPT_M | OPT_SIZE))) {
    cli_error("decode reads the code, k, m and shard size from the stream; "
              "those options need --format raw");
    return CLI_EXIT_USAGE;
  }
  if (o->raw && o->strict) {
    cli_error("--strict applies to shard streams, not --format raw");
    return CLI_EXIT_USAGE;
  }
  if (cmd->run == cmd_info || (cmd->run == cmd_decode && !o->raw))
    return 0;
  if (check_params(o->fec_scheme, o->k, o->m, o->shard_bytes) != 0)
    return CLI_EXIT_USAGE;
  for (i = 0; i < o->nlost; i++) {
    if (o->lost[i] >= o->k + o->m) {
      cli_error("lost shard %u is out of range: k + m = %u shards are "
                "numbered 0..%u",
                o->lost[i], o->k + o->m, o->k + o->m - 1);
      return CLI_EXIT_USAGE;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  static uint32_t lost[MAX_LOST];
  const struct command *cmd;
  long idx;
  struct opts o;
  int done = 0, rv;

  cli_init("pf-fec");
  idx = cli_command_find(argc, argv, long_options, commands,
                         sizeof(commands[0]), NCOMMANDS, usage, &rv);
  if (idx < 0)
    return rv;
  cmd = &commands[idx];
  memset(&o, 0, sizeof(o));
  o.fec_scheme = PF_FEC_GF8;
  o.k = DEFAULT_K;
  o.m = DEFAULT_M;
  o.shard_bytes = DEFAULT_SHARD_BYTES;
  o.seconds = DEFAULT_SECONDS;
  o.lost = lost;
  rv = parse_options(cmd, argc - 1, argv + 1, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  rv = check_options(cmd, &o);
  if (rv != 0)
    return rv;
  return cmd->run(&o);
}

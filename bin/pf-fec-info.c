/*
 * pf-fec-info.c -- pf-fec info: describe a shard stream (parameters,
 * blocks, losses, damage) from the walk of pf-fec-decode.c, as text or
 * JSON, optionally record by record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-fec.h"

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

int cmd_info(const struct opts *o) {
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

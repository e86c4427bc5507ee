/*
 * fuzz_shard_stream.c -- libFuzzer target for the shard-stream record
 * parser.  Walks the input like a reader does (whole records, skipping a
 * damaged payload by its length and a damaged header byte by byte), and
 * checks that every record that parses re-encodes to the same header
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
  return 0;
}

/*
 * pf_shard_stream.h -- internal side of the shard-stream record codec
 * (doc/shard-stream.md).  The public part (pf_shard_record and friends)
 * is in punktfunk.h; this header gives the unit tests and other modules
 * the byte layout and the checksum.
 */
#ifndef PF_SHARD_STREAM_H
#define PF_SHARD_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* Offsets of the header fields (all little-endian). */
#define PF_SHARD_OFF_MAGIC 0
#define PF_SHARD_OFF_VERSION 4
#define PF_SHARD_OFF_FEC_SCHEME 5
#define PF_SHARD_OFF_FLAGS 6
#define PF_SHARD_OFF_RESERVED8 7
#define PF_SHARD_OFF_K 8
#define PF_SHARD_OFF_M 10
#define PF_SHARD_OFF_INDEX 12
#define PF_SHARD_OFF_RESERVED16 14
#define PF_SHARD_OFF_SHARD_BYTES 16
#define PF_SHARD_OFF_DATA_BYTES 20
#define PF_SHARD_OFF_BLOCK 24
#define PF_SHARD_OFF_PAYLOAD_CRC 32
#define PF_SHARD_OFF_HEADER_CRC 36

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final
 * XOR 0xFFFFFFFF).  Chain calls by passing the previous result as |crc|;
 * start with 0.  crc32c("123456789") = 0xE3069283.
 */
uint32_t pf_crc32c(uint32_t crc, const uint8_t *buf, size_t len);

#endif /* PF_SHARD_STREAM_H */

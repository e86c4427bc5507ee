/*
 * punktfunk.h -- the public API of libpunktfunk.
 *
 * This is the only installed header.  It includes no header of any
 * dependency (GnuTLS, ngtcp2, liburing, libsodium, ISA-L); those stay
 * behind the library boundary.
 *
 * Conventions (doc/ABI.md has the full rules):
 *
 * - Functions return 0 (or a non-negative count) on success and a negative
 *   error code on failure: one of PF_ERR_* below, or -errno passed through
 *   from the operating system (range [-4095, -1]).  pf_strerror() names
 *   both.  Codes are never renumbered.
 * - Every public config struct starts with `size_t struct_size`.  Fill it
 *   with the matching pf_<x>_config_default(), then change what you need.
 *   Functions reject a struct_size smaller than the first published layout
 *   with PF_ERR_ABI and accept larger ones (fields are only ever appended).
 * - Every object made by pf_<x>_new() is released with pf_<x>_del();
 *   pf_<x>_del(NULL) does nothing.
 * - |mem| arguments inject an allocator; NULL means the C library's.
 * - The library never prints, never exits and never asserts on input.
 *   Diagnostics go to the optional log callback (pf_log_set_callback()).
 */
#ifndef PUNKTFUNK_PUNKTFUNK_H
#define PUNKTFUNK_PUNKTFUNK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BUILDING_PUNKTFUNK) && defined(__GNUC__)
#define PF_EXTERN __attribute__((visibility("default")))
#else
#define PF_EXTERN
#endif

#ifdef __GNUC__
#define PF_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define PF_WARN_UNUSED
#endif

/* ------------------------------------------------------------------ */
/* Version and ABI                                                     */
/* ------------------------------------------------------------------ */

/**
 * @macro PF_ABI_VERSION
 *
 * The ABI generation this header describes.  It is raised whenever a
 * struct layout or a function signature changes incompatibly (which
 * also bumps the shared library's SONAME, see doc/ABI.md).  Appending a
 * field to a config struct does not raise it: struct_size covers that.
 */
#define PF_ABI_VERSION 1u

/**
 * @function pf_abi_version
 *
 * Returns the ABI generation of the library that is running.  A program
 * compiled against this header should refuse to continue when it differs
 * from PF_ABI_VERSION.
 */
PF_EXTERN uint32_t pf_abi_version(void);

/**
 * @function pf_version
 *
 * Returns the package version of the running library as a static
 * "X.Y.Z" string.
 */
PF_EXTERN const char *pf_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/*
 * Error codes.  0 is success.  [-4095, -1] is -errno from the system.
 * PF_ERR_* start at -5000 and go down; codes below PF_ERR_FATAL end the
 * object that returned them.  A retired code keeps its number.
 */
/** An argument is out of range, NULL where it must not be, or aliased. */
#define PF_ERR_INVALID_ARGUMENT -5001
/** A config struct's struct_size is smaller than its first layout. */
#define PF_ERR_ABI -5002
/** The caller's output buffer is too small. */
#define PF_ERR_NOBUF -5003
/** The requested feature or implementation is not available here. */
#define PF_ERR_UNSUPPORTED -5004
/** FEC: fewer than k shards survived; the block cannot be recovered. */
#define PF_ERR_FEC_UNRECOVERABLE -5005
/** Input bytes do not follow the format they claim (a parse error). */
#define PF_ERR_MALFORMED -5006
/** A packet was dropped (bad, late, duplicate); counted, not fatal. */
#define PF_ERR_DROP -5007
/** Authentication failed: a datagram or message was forged or damaged. */
#define PF_ERR_CRYPTO -5008
/** Nothing is ready (no frame to deliver yet). */
#define PF_ERR_NOFRAME -5009
/** The packet sequence space of a key is used up; rekey required. */
#define PF_ERR_SEQ_EXHAUSTED -5010
/** A checksum did not match: the data was damaged. */
#define PF_ERR_CHECKSUM -5011
/** A configured limit (size, count, memory budget) would be exceeded. */
#define PF_ERR_LIMIT -5012
/** The peer or the stream has closed. */
#define PF_ERR_CLOSED -5013
/** A wait ran out of time. */
#define PF_ERR_TIMEOUT -5014

/** Codes at or below this value are fatal for the object returning them. */
#define PF_ERR_FATAL -5500
/** Out of memory. */
#define PF_ERR_NOMEM -5501
/** A user callback reported failure. */
#define PF_ERR_CALLBACK_FAILURE -5502
/** A crypto backend failed in a way that leaves the state unusable. */
#define PF_ERR_CRYPTO_STATE -5503
/** An internal invariant broke (a bug in libpunktfunk; please report). */
#define PF_ERR_INTERNAL -5504

/**
 * @function pf_strerror
 *
 * Returns a static, human-readable description of |rv|, which may be 0,
 * any PF_ERR_* code or -errno.  Unknown codes get a generic message that
 * includes no number.  Never returns NULL.
 */
PF_EXTERN const char *pf_strerror(int rv);

/**
 * @function pf_err_is_fatal
 *
 * Returns 1 if |rv| is a fatal error (PF_ERR_FATAL or below, or -ENOMEM),
 * else 0.
 */
PF_EXTERN int pf_err_is_fatal(int rv);

/* ------------------------------------------------------------------ */
/* Memory and logging                                                  */
/* ------------------------------------------------------------------ */

/**
 * @struct pf_mem
 *
 * A custom allocator.  Every allocation an object makes goes through the
 * pf_mem given to its _new() function, which keeps a pointer to it: the
 * struct must outlive the object.  All four functions must be set.
 */
typedef struct pf_mem {
  void *user_data;
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
} pf_mem;

/**
 * @function pf_mem_default
 *
 * Returns the allocator used when NULL is passed: the C library's.
 */
PF_EXTERN const pf_mem *pf_mem_default(void);

/** Log levels, most severe first. */
#define PF_LOG_ERROR 1
#define PF_LOG_WARN 2
#define PF_LOG_INFO 3
#define PF_LOG_DEBUG 4

/**
 * @functypedef pf_log_cb
 *
 * Receives one diagnostic line (no trailing newline).  |msg| is valid only
 * during the call.  Never carries key material.
 */
typedef void (*pf_log_cb)(int level, const char *msg, void *user_data);

/**
 * @function pf_log_set_callback
 *
 * Installs |cb| for the whole process (NULL removes it) and the most
 * verbose |max_level| to pass to it.  Without a callback nothing is
 * logged.  Set it before creating objects on other threads.
 */
PF_EXTERN void pf_log_set_callback(pf_log_cb cb, int max_level,
                                   void *user_data);

/* ------------------------------------------------------------------ */
/* Forward error correction                                            */
/* ------------------------------------------------------------------ */

/*
 * Two erasure codes, both systematic (the k data shards go out as they
 * are, m parity shards are added) and both able to rebuild the data from
 * any k of the k + m shards:
 *
 * PF_FEC_GF8   Cauchy Reed-Solomon over GF(2^8), poly 0x11D, parity matrix
 *              P[j][i] = inv((m + i) XOR j): byte-identical to nanors, the
 *              coder Moonlight uses.  k + m <= 255.  Any shard size >= 1.
 * PF_FEC_GF16  Leopard-RS over GF(2^16) (additive FFT), byte-identical to
 *              reed-solomon-simd and catid/leopard's GF(2^16) path.
 *              k + m <= 65535, and, as in reed-solomon-simd,
 *              NextPow2(min(k, m)) + max(k, m) <= 65536 (the transform
 *              has 65536 points).  Shard sizes must be even.
 *
 * The values equal the punktfunk/1 header's fec_scheme byte.
 */
#define PF_FEC_GF8 0u
#define PF_FEC_GF16 1u

#define PF_FEC8_MAX_SHARDS 255u
#define PF_FEC16_MAX_SHARDS 65535u

/** Kernel selection; AUTO honours the PF_FEC_IMPL environment variable
 *  (ref, isal, gfni, ssse3, avx2, avx512) and otherwise picks the fastest
 *  kernel the CPU supports. */
#define PF_FEC_IMPL_AUTO 0u
#define PF_FEC_IMPL_REF 1u
#define PF_FEC_IMPL_ISAL 2u
#define PF_FEC_IMPL_GFNI 3u
#define PF_FEC_IMPL_SSSE3 4u
#define PF_FEC_IMPL_AVX2 5u
#define PF_FEC_IMPL_AVX512 6u

typedef struct pf_fec pf_fec;

/**
 * @struct pf_fec_config
 *
 * Parameters of one (k, m) code.  Fill with pf_fec_config_default().
 */
typedef struct pf_fec_config {
  /** sizeof(pf_fec_config) as the caller was compiled. */
  size_t struct_size;
  /** PF_FEC_GF8 or PF_FEC_GF16.  Default GF8. */
  uint32_t code;
  /** k, the number of data shards, >= 1.  Default 4. */
  uint32_t data_shards;
  /** m, the number of parity shards, >= 1.  Default 2. */
  uint32_t parity_shards;
  /** A PF_FEC_IMPL_* value.  Default AUTO. */
  uint32_t impl;
  /**
   * GF8 only: a caller-supplied m x k parity matrix, row-major (row j
   * makes parity shard j).  NULL (the default) selects the nanors Cauchy
   * matrix.  pf_fec_new() makes a copy.  Moonlight's audio stream uses
   * the fixed 4+2 matrix {77 40 38 0e / c7 a7 0d 6c}.
   */
  const uint8_t *matrix;
  /**
   * Largest shard size the object will be asked to code.  GF16 sizes its
   * work space from it in pf_fec_new(), so no call allocates afterwards;
   * 0 (the default) lets the first larger call grow it.
   */
  size_t max_shard_bytes;
} pf_fec_config;

/**
 * @function pf_fec_config_default
 *
 * Fills |cfg| with the defaults documented field by field, including
 * struct_size.
 */
PF_EXTERN void pf_fec_config_default(pf_fec_config *cfg);

/**
 * @function pf_fec_new
 *
 * Creates a coder for |cfg| and stores it in |*pfec|.  The config is
 * copied.  |mem| may be NULL.
 *
 * Returns 0 or:
 * PF_ERR_ABI: cfg->struct_size is smaller than the first layout.
 * PF_ERR_INVALID_ARGUMENT: NULL pointer, unknown code, k or m out of
 *   range for the code, or a caller matrix that is not invertible in
 *   every k x k selection (GF8).
 * PF_ERR_UNSUPPORTED: a forced implementation this build or CPU lacks.
 * PF_ERR_NOMEM
 */
PF_EXTERN PF_WARN_UNUSED int pf_fec_new(pf_fec **pfec,
                                        const pf_fec_config *cfg,
                                        const pf_mem *mem);

/** Releases |fec|; NULL is a no-op. */
PF_EXTERN void pf_fec_del(pf_fec *fec);

/**
 * @function pf_fec_encode
 *
 * Computes the m parity shards of the k shards |data[0..k-1]| into
 * |parity[0..m-1]|.  Every shard is |shard_bytes| long; no alignment is
 * required.  Parity buffers must not overlap data buffers or each other.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL, size 0 or out of range --
 * odd for GF16 -- or overlapping buffers).
 */
PF_EXTERN PF_WARN_UNUSED int pf_fec_encode(pf_fec *fec,
                                           const uint8_t *const *data,
                                           uint8_t *const *parity,
                                           size_t shard_bytes);

/**
 * @function pf_fec_decode
 *
 * |shards[0..k+m-1]| holds data shards 0..k-1 then parity shards
 * 0..m-1; |present[i]| is non-zero where shard i arrived.  Every missing
 * data shard is rebuilt in place, so its pointer must name a writable
 * buffer of |shard_bytes|.  Missing parity shards are left untouched (and
 * their pointers may be NULL).  Present shards are not modified.
 *
 * Returns the number of data shards rebuilt (>= 0) or:
 * PF_ERR_FEC_UNRECOVERABLE: fewer than k shards are present.
 * PF_ERR_INVALID_ARGUMENT: NULL where a buffer is needed, bad size,
 *   overlapping buffers.
 */
PF_EXTERN PF_WARN_UNUSED int pf_fec_decode(pf_fec *fec,
                                           uint8_t *const *shards,
                                           const uint8_t *present,
                                           size_t shard_bytes);

/**
 * @function pf_fec_impl_name
 *
 * Returns the name of the kernel |fec| runs ("ref", "isal", "gfni", ...).
 */
PF_EXTERN const char *pf_fec_impl_name(const pf_fec *fec);

/* ------------------------------------------------------------------ */
/* Shard streams (pf-fec's file format)                                */
/* ------------------------------------------------------------------ */

/*
 * A shard stream is a sequence of self-describing records, each one FEC
 * shard with a 40-byte header: no stream header, so any subset of the
 * records of a stream is still a well-formed stream (a dropped record is
 * simply a lost shard).  doc/shard-stream.md has the byte diagram and
 * the rules for blocks; these functions code one record at a time and
 * do no I/O.  All multi-byte fields are little-endian.
 */

/** The four bytes every record starts with (no NUL on the wire). */
#define PF_SHARD_MAGIC "PFSH"
/** The format version these functions read and write. */
#define PF_SHARD_VERSION 1u
/** Bytes of the record header that precedes every shard. */
#define PF_SHARD_HEADER_BYTES 40u
/** Largest shard a record may carry (64 KiB). */
#define PF_SHARD_MAX_SHARD_BYTES 65536u
/** Largest block: (k + m) * shard_bytes never exceeds this (64 MiB), so a
 *  reader can hold any well-formed block in bounded memory. */
#define PF_SHARD_MAX_BLOCK_BYTES (64u * 1024u * 1024u)
/** Largest record: header plus the largest shard. */
#define PF_SHARD_MAX_RECORD_BYTES                                             \
  (PF_SHARD_HEADER_BYTES + PF_SHARD_MAX_SHARD_BYTES)
/** Record flag: this record belongs to the last block of the stream. */
#define PF_SHARD_FLAG_FINAL 0x01u

/**
 * @struct pf_shard_record
 *
 * The fields of one record.  This is a plain description of wire bytes,
 * not a config struct: it has no struct_size, and its layout is fixed for
 * format version 1 (a later format version gets a new struct).
 *
 * Every record of one block carries the same code, flags, data_shards,
 * parity_shards, shard_bytes, data_bytes and block; they differ only in
 * index and payload.
 */
typedef struct pf_shard_record {
  /** PF_FEC_GF8 or PF_FEC_GF16. */
  uint32_t code;
  /** PF_SHARD_FLAG_* bits; no other bit may be set. */
  uint32_t flags;
  /** k, >= 1. */
  uint32_t data_shards;
  /** m, >= 1; k + m <= PF_FEC8_MAX_SHARDS (GF8) or PF_FEC16_MAX_SHARDS. */
  uint32_t parity_shards;
  /** Shard number, 0..k-1 data, k..k+m-1 parity. */
  uint32_t index;
  /** Payload length, 1..PF_SHARD_MAX_SHARD_BYTES, even for GF16, and
   *  (k + m) * shard_bytes <= PF_SHARD_MAX_BLOCK_BYTES. */
  uint32_t shard_bytes;
  /** Bytes of original data in the block, <= k * shard_bytes; equal to
   *  k * shard_bytes unless PF_SHARD_FLAG_FINAL is set.  The data shards
   *  hold these bytes in order, then zero padding. */
  uint32_t data_bytes;
  /** Block number: 0 for the first block of a stream, then +1. */
  uint64_t block;
  /** The shard_bytes payload bytes.  Read by pf_shard_record_encode();
   *  set by pf_shard_record_parse() to point into its input buffer. */
  const uint8_t *payload;
} pf_shard_record;

/**
 * @function pf_shard_record_encode
 *
 * Writes the PF_SHARD_HEADER_BYTES header of the record |rec| into
 * |dest|, including the CRC-32C of the rec->shard_bytes bytes at
 * rec->payload.  The payload itself is not copied: the caller writes it
 * right after the header.  Nothing is kept after the call.
 *
 * Returns PF_SHARD_HEADER_BYTES or:
 * PF_ERR_INVALID_ARGUMENT: |dest|, |rec| or rec->payload is NULL, or a
 *   field is outside the ranges documented in pf_shard_record.
 * PF_ERR_NOBUF: |destlen| < PF_SHARD_HEADER_BYTES (nothing written).
 */
PF_EXTERN PF_WARN_UNUSED int
pf_shard_record_encode(uint8_t *dest, size_t destlen,
                       const pf_shard_record *rec);

/**
 * @function pf_shard_header_parse
 *
 * Decodes and checks the record header at the start of |buf| (|len|
 * bytes available) into |*rec| without looking at the payload;
 * rec->payload is set to NULL.  Use it to learn how many bytes the whole
 * record needs (PF_SHARD_HEADER_BYTES + rec->shard_bytes).
 *
 * Checks run in this order: length, magic, version, header checksum,
 * field ranges.  On any error |*rec| is zeroed (so rec->shard_bytes is 0,
 * which no valid record has).
 *
 * Returns PF_SHARD_HEADER_BYTES or:
 * PF_ERR_INVALID_ARGUMENT: |rec| is NULL, or |buf| is NULL with |len| > 0.
 * PF_ERR_NOBUF: |len| < PF_SHARD_HEADER_BYTES; read more and retry.
 * PF_ERR_MALFORMED: the magic is not "PFSH", or the checksum is right
 *   but a field is out of range (unknown code or flag, non-zero reserved
 *   byte, k/m/index/sizes outside their ranges).
 * PF_ERR_UNSUPPORTED: the magic is right but the version is not
 *   PF_SHARD_VERSION.
 * PF_ERR_CHECKSUM: the header checksum does not match: the header is
 *   damaged and its length fields cannot be trusted.
 */
PF_EXTERN PF_WARN_UNUSED int
pf_shard_header_parse(pf_shard_record *rec, const uint8_t *buf, size_t len);

/**
 * @function pf_shard_record_parse
 *
 * Decodes one whole record (header and payload) from the start of |buf|
 * (|len| bytes available) into |*rec|.  On success rec->payload points
 * into |buf|, so |buf| must stay intact while it is used; nothing is
 * copied or allocated.  Bytes after the record are not looked at.
 *
 * Returns the record's length, PF_SHARD_HEADER_BYTES + rec->shard_bytes
 * (the bytes consumed), or any error of pf_shard_header_parse() (with
 * |*rec| zeroed), or:
 * PF_ERR_NOBUF: the header is valid but the payload is incomplete;
 *   |*rec| holds the header (rec->payload NULL), so the record needs
 *   PF_SHARD_HEADER_BYTES + rec->shard_bytes bytes.
 * PF_ERR_CHECKSUM with rec->shard_bytes != 0: the header is valid but the
 *   payload is damaged; |*rec| holds the header and rec->payload the
 *   damaged bytes, so a reader can count the shard as lost and skip
 *   exactly PF_SHARD_HEADER_BYTES + rec->shard_bytes bytes.  (With
 *   rec->shard_bytes == 0 the header itself is damaged, as above.)
 */
PF_EXTERN PF_WARN_UNUSED int
pf_shard_record_parse(pf_shard_record *rec, const uint8_t *buf, size_t len);

/* --- end of shard streams ----------------------------------------- */

/* ------------------------------------------------------------------ */
/* Data plane: wire constants (shared by sender and receiver)          */
/* ------------------------------------------------------------------ */

/*
 * punktfunk/1 video datagrams (doc/wire-format.md is the byte-level
 * spec).  Every datagram carries one FEC shard behind a 40-byte
 * little-endian header.  Sealed:   seq (8, big-endian, clear) ||
 * AEAD(header || shard) || tag (16).  Unsealed: header || shard.
 */

/** AEAD algorithms of the data plane (values are not wire bytes). */
#define PF_AEAD_NONE 0u
#define PF_AEAD_AES128GCM 1u
#define PF_AEAD_CHACHA20POLY1305 2u
/** Key lengths: AES-128-GCM 16 bytes, ChaCha20-Poly1305 32 bytes. */
#define PF_AEAD_AES128GCM_KEYBYTES 16u
#define PF_AEAD_CHACHA20POLY1305_KEYBYTES 32u
#define PF_AEAD_MAX_KEYBYTES 32u
/** Bytes of the per-session nonce salt. */
#define PF_AEAD_SALTBYTES 4u

/** Direction of the SENDER of a datagram (bit 7 of the nonce salt). */
#define PF_DIR_HOST 0u
#define PF_DIR_CLIENT 1u

/** Bytes of the packet header. */
#define PF_PKT_HEADER_BYTES 40u
/** Sealing adds the clear 8-byte seq and the 16-byte tag. */
#define PF_PKT_CRYPTO_OVERHEAD 24u
/** Largest datagram a receiver accepts (jumbo frames, MTU 9000). */
#define PF_PKT_MAX_DATAGRAM 9216u
/** Largest shard payload: PF_PKT_MAX_DATAGRAM - 40 - 24. */
#define PF_PKT_MAX_SHARD_PAYLOAD 9152u
/** Smallest shard payload a client accepts from a host. */
#define PF_PKT_MIN_SHARD_PAYLOAD 512u
/** Largest parity share of pf_sender_set_fec_percent(), in percent. */
#define PF_FEC_PERCENT_MAX 90u

/**
 * Application flags carried in every packet's user_flags word and
 * handed to the receiver's frames unchanged.  The library itself only
 * looks at PF_USER_FLAG_PROBE (the receiver keeps probe AUs in their own
 * window).  Other bits are free for the application.
 */
#define PF_USER_FLAG_PROBE 0x8u
#define PF_USER_FLAG_RECOVERY_POINT 0x10u
#define PF_USER_FLAG_RECOVERY_ANCHOR 0x20u
#define PF_USER_FLAG_CHUNK_ALIGNED 0x40u
#define PF_USER_FLAG_REPEAT 0x100u

/** "No time": a due time that never comes. */
#define PF_TIME_NONE UINT64_MAX

#ifdef __cplusplus
}
#endif

#endif /* PUNKTFUNK_PUNKTFUNK_H */

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
/* Version and ABI (lib/base)                                          */
/* ------------------------------------------------------------------ */

/**
 * @macro PF_ABI_VERSION
 *
 * The ABI generation this header describes.  It is raised whenever a
 * struct layout or a function signature changes incompatibly (which
 * also bumps the shared library's SONAME, see doc/ABI.md).  Appending a
 * field to a config struct does not raise it: struct_size covers that.
 * doc/ABI.md lists what each generation changed.
 */
#define PF_ABI_VERSION 2u

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
/* Errors (lib/base)                                                   */
/* ------------------------------------------------------------------ */

/*
 * Error codes (lib/base/pf_err.c).  0 is success.  [-4095, -1] is -errno
 * from the system.  PF_ERR_* start at -5000 and go down.  A retired code
 * keeps its number as PF_ERR_OBSOLETE_<n> and is never returned again.
 *
 * The one rule for what an error does to an object (doc/ABI.md):
 *
 * - Codes above PF_ERR_FATAL, -errno included, are recoverable.  The
 *   call failed, the object is as the function documents (as a rule:
 *   as it was before the call) and it stays usable: retry, or drop the
 *   work and go on.  Running out of memory is recoverable too
 *   (PF_ERR_NOMEM, -ENOMEM): every allocation failure leaves the object
 *   consistent, and objects that keep working through a failed
 *   allocation say so (the receiver drops and counts the datagram).
 *   A failed pf_<x>_new() or pf_udp_open() leaves no object behind.
 * - Codes at or below PF_ERR_FATAL end the object that returned them:
 *   its state can no longer be trusted.  Free it with pf_<x>_del() (and
 *   make a new one if you need to go on).  Objects that detect such a
 *   state themselves remember it and return the same code from every
 *   later call that would do work (pf_sender: PF_ERR_CRYPTO_STATE,
 *   PF_ERR_INTERNAL); its counters can still be read.
 *
 * pf_err_is_fatal() applies this rule.
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
/** Out of memory: an allocation failed.  Recoverable (see above). */
#define PF_ERR_NOMEM -5015

/** Codes at or below this value are fatal for the object returning them. */
#define PF_ERR_FATAL -5500
/** Retired in ABI 2: was PF_ERR_NOMEM while allocation failure counted
 *  as fatal.  No function returns it. */
#define PF_ERR_OBSOLETE_5501 -5501
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
 * Returns 1 if |rv| is fatal for the object that returned it (PF_ERR_FATAL
 * or below), else 0 (success, any recoverable PF_ERR_* code, any -errno,
 * PF_ERR_NOMEM and -ENOMEM included).
 */
PF_EXTERN int pf_err_is_fatal(int rv);

/* ------------------------------------------------------------------ */
/* Memory and logging (lib/base)                                       */
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
/* Forward error correction (lib/fec)                                  */
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
 *              reed-solomon-simd and catid/leopard's GF(2^16) path for
 *              every shape they support: k + m <= 65535 and
 *              NextPow2(min(k, m)) + max(k, m) <= 65536.  The other
 *              shapes with k + m <= 65535, such as (30000, 35000), use
 *              punktfunk's own extension layout (still MDS, O(n log n);
 *              doc/internals/fec16.md): no other implementation reads
 *              that parity, and pf_sender never sends such blocks.
 *              Shard sizes must be even.
 *
 * The values equal the punktfunk/1 header's fec_scheme byte.  Every
 * struct field or parameter that holds one of them is called fec_scheme
 * (pf_fec_config, pf_shard_record, pf_sender_config, pf_receiver_config):
 * the name of that wire byte in doc/wire-format.md, the field of the
 * original C ABI (punktfunk_core.h) and the one most of the API already
 * used, so the code is one name from the config to the wire.
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
  uint32_t fec_scheme;
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
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: NULL, size 0 or out of range (odd for GF16),
 *   or overlapping buffers.
 * PF_ERR_NOMEM: GF16 only, when |shard_bytes| exceeds the work space
 *   sized so far (cfg.max_shard_bytes or the largest earlier call) and
 *   growing it failed.  Nothing was written; the coder keeps its old work
 *   space and stays usable (a call within it cannot fail this way).
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
 * PF_ERR_NOMEM: as pf_fec_encode(); no shard was written.
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
/* Shard streams: pf-fec's file format (lib/fec)                       */
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
 * Every record of one block carries the same fec_scheme, flags, data_shards,
 * parity_shards, shard_bytes, data_bytes and block; they differ only in
 * index and payload.
 */
typedef struct pf_shard_record {
  /** PF_FEC_GF8 or PF_FEC_GF16. */
  uint32_t fec_scheme;
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

/*
 * Reading a stream: pf_shard_reader.
 *
 * A sans-I/O reader that turns the bytes of a shard stream into events,
 * applying the reading rules of doc/shard-stream.md: intact records,
 * records whose payload is damaged (length trusted, skipped exactly),
 * damaged bytes skipped up to the next "PFSH" (resync), the end, and the
 * conditions that are fatal because a lossy channel cannot cause them.
 * The caller does all I/O: it feeds bytes in any chunking (the events
 * do not depend on it) and takes events out.  The reader holds at most
 * 2 * PF_SHARD_MAX_RECORD_BYTES of input, allocated once by
 * pf_shard_reader_new(); it never allocates afterwards.  Block
 * bookkeeping (which shards of a block are present, decoding) is the
 * caller's: pf-fec decode and info do it on top of these events.
 *
 * The loop (read(2) straight into the reader's buffer, no copy):
 *
 *   for (;;) {
 *     rv = pf_shard_reader_next(r, &ev);
 *     if (rv == PF_SHARD_NEED_INPUT) {
 *       buf = pf_shard_reader_buffer(r, &space);   (space > 0 here)
 *       n = read(fd, buf, space);
 *       if (n > 0) pf_shard_reader_commit(r, n);
 *       else if (n == 0) pf_shard_reader_end(r);
 *       else ... read error ...
 *       continue;
 *     }
 *     if (rv < 0) ... fatal: report ev.why at ev.offset, stop ...
 *     if (rv == PF_SHARD_EV_END) break;
 *     ... PF_SHARD_EV_RECORD, _BAD_PAYLOAD, _DAMAGED ...
 *   }
 *
 * pf_shard_reader_feed() copies from a buffer of the caller's instead.
 * A record filter such as pf-loss drop writes ev.bytes (ev.length
 * bytes: the record exactly as read) for every record it keeps.
 */

/** pf_shard_reader_next(): give it more input (or call _end()). */
#define PF_SHARD_NEED_INPUT 0
/** An intact record: ev.rec (payload included) and ev.bytes. */
#define PF_SHARD_EV_RECORD 1
/** A record whose header is intact but whose payload checksum does not
 *  match: ev.rec holds the header (rec.payload the damaged bytes) and
 *  ev.bytes the whole record; its shard counts as lost. */
#define PF_SHARD_EV_BAD_PAYLOAD 2
/** Damaged bytes (ev.why: PF_SHARD_WHY_HEADER_CHECKSUM or
 *  PF_SHARD_WHY_BAD_MAGIC at ev.offset) were skipped up to the next
 *  magic or the end of input: ev.length bytes, no record fields. */
#define PF_SHARD_EV_DAMAGED 3
/** The input ended cleanly at a record boundary (ev.offset = bytes
 *  read).  Every later call returns it again. */
#define PF_SHARD_EV_END 4

/** Why an event or an error happened (pf_shard_event.why). */
#define PF_SHARD_WHY_NONE 0u
/** EV_BAD_PAYLOAD: the payload checksum does not match. */
#define PF_SHARD_WHY_PAYLOAD_CHECKSUM 1u
/** EV_DAMAGED: the header checksum does not match. */
#define PF_SHARD_WHY_HEADER_CHECKSUM 2u
/** EV_DAMAGED: no "PFSH" where a record should start.  As an error
 *  (PF_ERR_MALFORMED at offset 0): the input is not a shard stream. */
#define PF_SHARD_WHY_BAD_MAGIC 3u
/** Error PF_ERR_UNSUPPORTED: ev.version is not PF_SHARD_VERSION. */
#define PF_SHARD_WHY_VERSION 4u
/** Error PF_ERR_MALFORMED: the header checksum is right but a field is
 *  out of range (a writer's bug or a hostile stream, not damage). */
#define PF_SHARD_WHY_FIELD_RANGE 5u
/** Error PF_ERR_MALFORMED: the input ended inside a record: ev.length
 *  bytes of the ev.need it needs are there.  ev.rec holds the header
 *  when it was complete (ev.rec.shard_bytes != 0), else ev.need is
 *  PF_SHARD_HEADER_BYTES. */
#define PF_SHARD_WHY_TRUNCATED 6u

/**
 * @struct pf_shard_event
 *
 * One event of pf_shard_reader_next().  Like pf_shard_record it
 * describes bytes and has no struct_size.
 */
typedef struct pf_shard_event {
  /** PF_SHARD_WHY_*: what went wrong (NONE for RECORD and END). */
  uint32_t why;
  /** PF_SHARD_WHY_VERSION: the version byte found. */
  uint32_t version;
  /** Stream offset (bytes fed before it) of the record, the damaged
   *  bytes or the error. */
  uint64_t offset;
  /** Bytes the event covers: the record (RECORD, BAD_PAYLOAD), the
   *  bytes skipped (DAMAGED), the bytes present (TRUNCATED). */
  uint64_t length;
  /** PF_SHARD_WHY_TRUNCATED: the bytes the cut record needed. */
  uint64_t need;
  /** RECORD, BAD_PAYLOAD (and TRUNCATED, see there): the record. */
  pf_shard_record rec;
  /** RECORD, BAD_PAYLOAD: the |length| bytes of the record as read
   *  (header and payload), inside the reader's buffer; with
   *  rec.payload, valid until the next pf_shard_reader_next(). */
  const uint8_t *bytes;
} pf_shard_event;

/** @struct pf_shard_reader An opaque shard-stream reader. */
typedef struct pf_shard_reader pf_shard_reader;

/**
 * @function pf_shard_reader_new
 *
 * Creates a reader at stream offset 0 with its input buffer (2 *
 * PF_SHARD_MAX_RECORD_BYTES).  Returns 0, PF_ERR_INVALID_ARGUMENT
 * (|preader| NULL) or PF_ERR_NOMEM; |*preader| is NULL on failure.
 */
PF_EXTERN PF_WARN_UNUSED int pf_shard_reader_new(pf_shard_reader **preader,
                                                 const pf_mem *mem);

/** @function pf_shard_reader_del  Frees |r| (NULL: nothing). */
PF_EXTERN void pf_shard_reader_del(pf_shard_reader *r);

/**
 * @function pf_shard_reader_buffer
 *
 * Returns where the next input bytes go and stores the free space in
 * |*len|; write up to that many bytes there, then call
 * pf_shard_reader_commit().  After pf_shard_reader_next() returned
 * PF_SHARD_NEED_INPUT, *len is at least PF_SHARD_MAX_RECORD_BYTES -
 * (bytes already buffered of the pending record), never 0.  After
 * pf_shard_reader_end() *len is 0.
 */
PF_EXTERN uint8_t *pf_shard_reader_buffer(pf_shard_reader *r, size_t *len);

/**
 * @function pf_shard_reader_commit
 *
 * Appends the |n| bytes written at pf_shard_reader_buffer().  Returns 0
 * or PF_ERR_INVALID_ARGUMENT (|n| is more than the free space, or the
 * input was ended).
 */
PF_EXTERN PF_WARN_UNUSED int pf_shard_reader_commit(pf_shard_reader *r,
                                                    size_t n);

/**
 * @function pf_shard_reader_feed
 *
 * Copies as much of |data| (|len| bytes) as fits and returns how many
 * bytes it took (0 when the buffer is full or the input was ended): feed
 * the rest after the next PF_SHARD_NEED_INPUT.
 */
PF_EXTERN size_t pf_shard_reader_feed(pf_shard_reader *r, const uint8_t *data,
                                      size_t len);

/**
 * @function pf_shard_reader_end
 *
 * Declares the end of input: pf_shard_reader_next() then reports what
 * is left (a cut record is PF_SHARD_WHY_TRUNCATED) and
 * PF_SHARD_EV_END.
 */
PF_EXTERN void pf_shard_reader_end(pf_shard_reader *r);

/**
 * @function pf_shard_reader_next
 *
 * Takes the next event out of the buffered input into |*ev| (always
 * fully written).  Returns:
 * PF_SHARD_NEED_INPUT (0): feed more bytes or call pf_shard_reader_end().
 * PF_SHARD_EV_RECORD, PF_SHARD_EV_BAD_PAYLOAD, PF_SHARD_EV_DAMAGED,
 *   PF_SHARD_EV_END: as described at their definitions.
 * PF_ERR_MALFORMED: the input is not a shard stream (ev.why
 *   PF_SHARD_WHY_BAD_MAGIC, offset 0), a field is out of range under a
 *   valid checksum (PF_SHARD_WHY_FIELD_RANGE) or the input ended inside
 *   a record (PF_SHARD_WHY_TRUNCATED).
 * PF_ERR_UNSUPPORTED: a record of another format version
 *   (PF_SHARD_WHY_VERSION, ev.version).
 * PF_ERR_INVALID_ARGUMENT: |r| or |ev| is NULL.
 * Errors are final: every later call returns the same error and event.
 * Events follow each other without gaps: each one's offset is the
 * previous one's offset + length.
 */
PF_EXTERN PF_WARN_UNUSED int pf_shard_reader_next(pf_shard_reader *r,
                                                  pf_shard_event *ev);

/* --- end of shard streams ----------------------------------------- */

/* ------------------------------------------------------------------ */
/* Data plane: wire constants (lib/dataplane)                          */
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
/** Most FEC blocks one AU may span (block_count is 16 bits). */
#define PF_PKT_MAX_BLOCKS 65535u
/** Most data shards per block, K_max (block_data_shards is 16 bits; GF8
 *  blocks are further bounded by PF_FEC8_MAX_SHARDS). */
#define PF_PKT_MAX_DATA_PER_BLOCK 65535u
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

/**
 * @function pf_shard_payload_for_mtu
 *
 * Returns the largest even shard payload whose SEALED datagram fits one
 * IP packet of |mtu| bytes: mtu - IP header (20, or 40 if |ipv6| is
 * non-zero) - UDP (8) - PF_PKT_HEADER_BYTES - PF_PKT_CRYPTO_OVERHEAD,
 * rounded down to even and capped at PF_PKT_MAX_SHARD_PAYLOAD.  1500 gives
 * 1408 (IPv6 1388), 1280 gives 1188 (1168), 9000 gives 8908 (8888).
 * Returns 0 if |mtu| leaves no room for a 2-byte shard.
 */
PF_EXTERN uint32_t pf_shard_payload_for_mtu(uint32_t mtu, int ipv6);

/* ------------------------------------------------------------------ */
/* Data plane: sender (lib/dataplane)                                  */
/* ------------------------------------------------------------------ */

/*
 * A pf_sender turns access units (AUs: one encoded video frame each) into
 * punktfunk/1 datagrams: it cuts the AU into equal shards, adds
 * Reed-Solomon parity per block, writes the headers, seals each datagram
 * and schedules when each one is due.  It does no I/O and reads no clock:
 * the caller passes its own timestamps (ns, any monotonic base) and sends
 * the datagrams it is handed.
 *
 * Datagrams are written into one reusable buffer: every datagram of a
 * sender has the same length, so pf_sender_next_batch() hands out runs of
 * datagrams laid out back to back, ready for one sendmmsg() or one UDP
 * GSO send (segment size = dgram_bytes).  After the buffer has grown to
 * the largest AU seen and the FEC coders in use exist, no call allocates.
 * Short last blocks share zero-padded coders, so a few dozen coders (at
 * most 64 are kept; a few MB in all) serve AUs of every size; they are
 * made during the first AUs.
 *
 * One pf_sender serves one stream (one key, one direction).  It is not
 * thread safe: use it from one thread at a time.
 *
 * AEAD usage limit: the sequence number is the nonce counter and is never
 * reused with one key; pf_sender_submit_frame() refuses an AU that would
 * need seq UINT64_MAX (PF_ERR_SEQ_EXHAUSTED).  Long before that the
 * cipher's own limits apply: RFC 9001 section 6.6 bounds AES-GCM at 2^23
 * datagrams per key for an attacker advantage of 2^-57 (punktfunk/2
 * rekeys every 2^23 for this reason); punktfunk/1 keeps one key per
 * session, so long sessions should reconnect (new key) periodically.
 * An AES-128-GCM sender logs one PF_LOG_WARN line when it has sealed
 * more than 2^23 datagrams.  The limit is per key: runs that share a
 * key file share it, which one sender cannot see.
 */

typedef struct pf_sender pf_sender;

/** pf_sender_config.initial_seq: draw the first seq at random (the
 *  default).  Seq 2^64 - 1 is never used, so the value is free. */
#define PF_SEQ_RANDOM UINT64_MAX

/**
 * @struct pf_sender_config
 *
 * Parameters of one sender.  Fill with pf_sender_config_default(), then
 * change what you need.  pf_sender_new() copies it (and wipes its copy of
 * the key once the cipher is set up).
 */
typedef struct pf_sender_config {
  /** sizeof(pf_sender_config) as the caller was compiled. */
  size_t struct_size;
  /** PF_FEC_GF8 or PF_FEC_GF16, stamped in every header.  Default GF8. */
  uint32_t fec_scheme;
  /** Parity per block in percent of its data shards, 0..PF_FEC_PERCENT_MAX:
   *  M = max(ceil(K * pct / 100), 2), 0 when pct is 0.  Default 15. */
  uint32_t fec_percent;
  /** K_max, data shards per FEC block (only an AU's last block is
   *  shorter), 1..65535; with fec_percent the first block must fit the
   *  code: K_max + M(K_max) <= 255 (GF8) or 65535 (GF16).  For GF16
   *  every block shape (K <= K_max) must also be one reed-solomon-simd
   *  decodes: NextPow2(min(K, M)) + max(K, M) <= 65536 (only K_max
   *  above 32768 can break it).  The receiver must be configured with
   *  the same value.  Default 200. */
  uint32_t max_data_per_block;
  /** Bytes of every shard, even, 2..PF_PKT_MAX_SHARD_PAYLOAD; see
   *  pf_shard_payload_for_mtu().  Default 1024. */
  uint32_t shard_payload;
  /** Header version byte, 0..255; 0 (the default) stamps the protocol
   *  phase of the scheme: 1 for GF8, 2 for GF16.  A punktfunk/1 peer that
   *  negotiated GF16 but expects phase 1 needs version = 1. */
  uint32_t version;
  /** PF_AEAD_NONE (unsealed datagrams; the default), PF_AEAD_AES128GCM or
   *  PF_AEAD_CHACHA20POLY1305. */
  uint32_t aead;
  /** The session key: key_len (16 for AES-128-GCM, 32 for ChaCha20) bytes
   *  of |key|; must not be all zero when aead is set.  Default empty. */
  uint8_t key[PF_AEAD_MAX_KEYBYTES];
  uint32_t key_len;
  /** The session's 4-byte nonce salt (bit 7 of byte 0 is replaced by the
   *  direction).  Default zero. */
  uint8_t salt[PF_AEAD_SALTBYTES];
  /** PF_DIR_HOST (the default) or PF_DIR_CLIENT: who sends. */
  uint32_t direction;
  /** Largest AU pf_sender_submit_frame() accepts, 1..UINT32_MAX, and
   *  ceil(ceil(max_frame_bytes / shard_payload) / K_max) <= 65535.
   *  Default 64 MiB. */
  uint64_t max_frame_bytes;
  /** Seq (nonce counter) of the first datagram, 0..2^64 - 2, or
   *  PF_SEQ_RANDOM (the default): pf_sender_new() draws 63 random bits
   *  from the kernel (getrandom(2)), so two senders that share a key
   *  (two runs with one key file) do not reuse nonces; see
   *  doc/internals/nonces.md.  Set a fixed value only for tests and
   *  known-answer vectors. */
  uint64_t initial_seq;
  /** Pacing rate in bits per second of datagram bytes; 0 (the default)
   *  makes every datagram due at once. */
  uint64_t pacing_rate_bps;
  /** Bytes of each AU that leave at once before pacing starts; the
   *  datagram that crosses the limit still goes with the burst.  0 (the
   *  default) = automatic: 10 ms at the pacing rate, clamped to
   *  16 KiB..256 KiB. */
  uint64_t burst_bytes;
  /** Upper bound of the time over which one AU's remaining datagrams are
   *  spread, ns (about two frame intervals is right).  0 (the default)
   *  means 100 ms, also the maximum. */
  uint64_t max_spread_ns;
  /** Datagrams per paced chunk (sent together, then a pause).  0 (the
   *  default) means 16. */
  uint32_t pace_chunk_packets;
  /** AUs that may wait in the sender's buffer, 1..64.  Default 4. */
  uint32_t max_queued_frames;
  /** PF_FEC_IMPL_* kernel for the coders.  Default PF_FEC_IMPL_AUTO. */
  uint32_t fec_impl;
} pf_sender_config;

/**
 * @function pf_sender_config_default
 *
 * Fills |cfg| with the defaults documented field by field, including
 * struct_size.
 */
PF_EXTERN void pf_sender_config_default(pf_sender_config *cfg);

/**
 * @function pf_sender_new
 *
 * Creates a sender for |cfg| (copied) and stores it in |*psender|.  |mem|
 * may be NULL.  The first FEC coder is made here, so an unavailable
 * scheme fails now rather than at the first AU.
 *
 * Returns 0 or:
 * PF_ERR_ABI: cfg->struct_size is smaller than the first layout.
 * PF_ERR_INVALID_ARGUMENT: NULL pointer, or a field outside the ranges
 *   documented in pf_sender_config (odd or oversized shard_payload, K_max
 *   + M over the code's limit, a GF16 block shape reed-solomon-simd cannot
 *   decode, unknown scheme, aead or direction, wrong key_len, all-zero
 *   key with an aead, too many blocks per AU).
 * PF_ERR_UNSUPPORTED: the FEC scheme or AEAD is not available in this
 *   build or on this CPU.
 * PF_ERR_CRYPTO_STATE: the crypto backend refused the key.
 * PF_ERR_NOMEM
 * -errno of getrandom(2): initial_seq is PF_SEQ_RANDOM and the kernel
 *   gave no random bytes (e.g. -ENOSYS before Linux 3.17).
 */
PF_EXTERN PF_WARN_UNUSED int pf_sender_new(pf_sender **psender,
                                           const pf_sender_config *cfg,
                                           const pf_mem *mem);

/** Releases |sender| and wipes its key; NULL is a no-op. */
PF_EXTERN void pf_sender_del(pf_sender *sender);

/**
 * @function pf_sender_submit_frame
 *
 * Packetizes one AU of |len| bytes at |data| (read during the call only;
 * may be NULL if |len| is 0): data shards of all blocks in order, then
 * the parity of all blocks, each datagram given the next seq.  The
 * AU gets frame_index = the number of AUs submitted before it (mod 2^32);
 * |pts_ns| and |user_flags| go into every header.  The datagrams queue
 * behind those not yet handed out; |now_ns| is the caller's clock, from
 * which the AU's pacing schedule starts (or from the end of the previous
 * AU's schedule, if later).  An empty AU is one all-zero shard without
 * parity.
 *
 * On any error nothing is queued and no seq is used.
 *
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: |sender| NULL, or |data| NULL with |len| > 0.
 * PF_ERR_LIMIT: |len| > max_frame_bytes, or max_queued_frames AUs are
 *   already waiting (hand them out or pf_sender_discard() them).
 * PF_ERR_SEQ_EXHAUSTED: the AU needs a seq past UINT64_MAX - 1 (sealed
 *   senders only); a new key is required.
 * PF_ERR_UNSUPPORTED: the FEC scheme is not available.
 * PF_ERR_NOMEM: growing the datagram buffer or making a FEC coder failed.
 * PF_ERR_CRYPTO_STATE: sealing failed earlier (in
 *   pf_sender_next_batch()); the sender refuses all further AUs.
 * PF_ERR_INTERNAL: the FEC coder rejected a block (a bug); the sender
 *   refuses all further AUs and batches with this code.
 */
PF_EXTERN PF_WARN_UNUSED int
pf_sender_submit_frame(pf_sender *sender, const uint8_t *data, size_t len,
                       uint64_t pts_ns, uint32_t user_flags, uint64_t now_ns);

/**
 * @struct pf_dgram_batch
 *
 * A run of datagrams that are due, in wire order: datagram i (0 <= i <
 * count) is the dgram_bytes bytes at data + i * stride.  Borrowed: valid
 * until the next call on the sender.  Plain output description with a
 * fixed layout (no struct_size).
 */
typedef struct pf_dgram_batch {
  /** The first datagram; NULL when count is 0. */
  const uint8_t *data;
  /** Bytes from one datagram's start to the next. */
  size_t stride;
  /** Length of every datagram (the UDP GSO segment size). */
  size_t dgram_bytes;
  /** Datagrams in the run; 0 when nothing is due. */
  size_t count;
  /** Seq (nonce counter) of the first datagram; +1 per datagram. */
  uint64_t seq;
  /** Due time of each datagram (|count| entries, non-decreasing), for
   *  callers that schedule sends themselves (SO_TXTIME). */
  const uint64_t *due_ns;
  /** Due time of the first datagram still queued after this run, or
   *  PF_TIME_NONE if none is queued. */
  uint64_t next_due_ns;
} pf_dgram_batch;

/**
 * @function pf_sender_next_batch
 *
 * Hands out the queued datagrams that are due at |now_ns| (at most
 * |max_count| of them; 0 = no limit) as |*out| and counts them as sent.
 * Pass PF_TIME_NONE as |now_ns| to take everything queued together with
 * its schedule.  When out->count is 0, wait until out->next_due_ns.
 * For one UDP GSO send (UDP_SEGMENT = dgram_bytes) pass a |max_count| of
 * at most min(64, 65487 / dgram_bytes); for sendmmsg() the number of
 * mmsghdr slots.  A datagram the caller then fails to send is lost (the
 * receiver's FEC covers it); it is never re-sealed.
 *
 * Datagrams are sealed here, as they are handed out, not when their AU
 * is submitted: with a small |max_count| the first datagrams of an AU
 * can be on the wire (and the receiver working on them) while the rest
 * are still being sealed.  The bytes are the same either way.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL pointer), or
 * PF_ERR_CRYPTO_STATE: the crypto backend failed to seal; nothing is
 * handed out, now or later, and the sender refuses further AUs.
 * PF_ERR_INTERNAL: pf_sender_submit_frame() met a bug earlier; nothing
 *   more is handed out.
 */
PF_EXTERN int pf_sender_next_batch(pf_sender *sender, pf_dgram_batch *out,
                                   size_t max_count, uint64_t now_ns);

/**
 * @function pf_sender_discard
 *
 * Drops every queued datagram (a backlog flush).  Their seqs stay used.
 * Returns the number dropped (>= 0) or PF_ERR_INVALID_ARGUMENT.
 */
PF_EXTERN ptrdiff_t pf_sender_discard(pf_sender *sender);

/**
 * @function pf_sender_set_fec_percent
 *
 * Changes the parity share from the next AU on; values above
 * PF_FEC_PERCENT_MAX are clamped to it.  Per block, M is further clamped
 * so that K + M fits the code (255 shards for GF8).  Receivers need no
 * notice: every packet carries K and M.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (|sender| NULL, or GF16 with a
 * share that would give some block a shape reed-solomon-simd cannot
 * decode, see pf_sender_config.max_data_per_block; the share is then
 * unchanged).
 */
PF_EXTERN int pf_sender_set_fec_percent(pf_sender *sender,
                                        uint32_t fec_percent);

/**
 * @struct pf_sender_stats
 *
 * Counters since pf_sender_new().  Set struct_size to sizeof(pf_sender_stats)
 * before calling pf_sender_get_stats().
 */
typedef struct pf_sender_stats {
  size_t struct_size;
  /** AUs accepted by pf_sender_submit_frame(). */
  uint64_t frames_submitted;
  /** Datagrams made: data shards and parity shards. */
  uint64_t data_packets;
  uint64_t parity_packets;
  /** Datagrams handed out by pf_sender_next_batch(), and their bytes. */
  uint64_t packets_sent;
  uint64_t bytes_sent;
  /** Datagrams dropped by pf_sender_discard(). */
  uint64_t packets_discarded;
  /** Datagrams queued now. */
  uint64_t packets_queued;
  /** The seq the next datagram will get. */
  uint64_t next_seq;
  /** The current parity share in percent. */
  uint32_t fec_percent;
} pf_sender_stats;

/**
 * @function pf_sender_get_stats
 *
 * Copies the counters into |*stats|, of which the caller's struct_size
 * bytes are written (fields a newer library has are left out).
 *
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: NULL pointer.
 * PF_ERR_ABI: stats->struct_size is smaller than the first layout.
 */
PF_EXTERN int pf_sender_get_stats(const pf_sender *sender,
                                  pf_sender_stats *stats);

/**
 * @struct pf_geometry
 *
 * How the sender cuts one AU into FEC blocks and datagrams
 * (doc/wire-format.md sections 5.2 and 5.3).  Every block but the
 * last has k_full data and m_full parity shards; the last has k_last and
 * m_last.  In wire order the data shards of all blocks come first, then
 * the parity of all blocks: data shard i of block b is datagram
 * b * k_full + i, parity shard j of block b is datagram
 * total_data + b * m_full + j.  Set struct_size to sizeof(pf_geometry)
 * before calling pf_geometry_for().
 */
typedef struct pf_geometry {
  size_t struct_size;
  /** Data shards of the AU, >= 1 (an empty AU is one zero shard). */
  size_t total_data;
  /** FEC blocks of the AU, 1..65535. */
  size_t blocks;
  /** K and M of every block but the last. */
  uint32_t k_full;
  uint32_t m_full;
  /** K and M of the last block (m_last is 0 for an empty AU). */
  uint32_t k_last;
  uint32_t m_last;
  /** Datagrams of the AU: total_data plus every block's parity. */
  size_t total;
  /** The parity the share asks for a block of k_full data shards,
   *  max(ceil(k_full * pct / 100), 2) or 0 at 0 %, before the clamp to
   *  the code's limit: m_full < m_asked means the code cannot carry the
   *  share at this K (pf_sender_new() refuses such a configuration; a
   *  share raised later by pf_sender_set_fec_percent() is clamped). */
  uint32_t m_asked;
} pf_geometry;

/**
 * @function pf_geometry_for
 *
 * The geometry of an AU of |frame_bytes| bytes, cut into |shard_payload|
 * byte shards in blocks of at most |max_data_per_block| (K_max) data
 * shards with |fec_percent| parity under |code| (PF_FEC_GF8 or
 * PF_FEC_GF16), exactly as pf_sender_submit_frame() cuts it (the sender
 * calls this function).  Per block M = max(ceil(K * pct / 100), 2), 0 at
 * 0 %, clamped so that K + M fits the code (PF_FEC8_MAX_SHARDS or
 * PF_FEC16_MAX_SHARDS); a block of K at or over that limit gets no
 * parity.  The first struct_size bytes of |*geom| are written.
 *
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: |geom| NULL, |shard_payload| 0 or over
 *   PF_PKT_MAX_SHARD_PAYLOAD, |max_data_per_block| 0 or over 65535,
 *   |fec_percent| over PF_FEC_PERCENT_MAX, or an unknown |code|.
 * PF_ERR_ABI: geom->struct_size is smaller than the first layout.
 * PF_ERR_LIMIT: the AU needs more than 65535 blocks.
 */
PF_EXTERN int pf_geometry_for(pf_geometry *geom, size_t frame_bytes,
                              uint32_t shard_payload,
                              uint32_t max_data_per_block,
                              uint32_t fec_percent, uint32_t fec_scheme);

/**
 * @function pf_geometry_position
 *
 * Where datagram |position| (0..geom->total - 1, in the order the
 * sender emits an AU's datagrams: doc/wire-format.md section 5.3) sits
 * in the AU described by |*geom| (from pf_geometry_for()): its block in
 * |*block| and its shard index in that block in |*shard_index| (0..K-1
 * data, K..K+M-1 parity), as the datagram's header carries them.
 *
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: a NULL pointer, |position| >= geom->total, or
 *   a geometry that does not add up (not made by pf_geometry_for()).
 * PF_ERR_ABI: geom->struct_size is smaller than the first layout.
 */
PF_EXTERN int pf_geometry_position(const pf_geometry *geom, size_t position,
                                   size_t *block, uint32_t *shard_index);

/* --- end of data plane: sender ------------------------------------ */

/* ------------------------------------------------------------------ */
/* UDP I/O (lib/io/pf_udp*.c; doc/internals/udp-io.md)                */
/* ------------------------------------------------------------------ */

/*
 * The only part of the library that touches sockets and io_uring (its
 * layer, lib/io, also holds the clock: see "Clocks" below).  The
 * sans-I/O sender and receiver produce and consume datagrams; this
 * layer moves them over one UDP socket:
 *
 * - send: uniform datagrams in one buffer go out with UDP GSO
 *   (UDP_SEGMENT, super-packets of at most 64 KiB), batched through
 *   io_uring (linked SQEs, one submit) or sendmmsg();
 * - receive: io_uring multishot recvmsg over a provided-buffer ring, or
 *   recvmmsg(); with UDP_GRO the kernel may hand over coalesced
 *   super-packets, which are split back into datagrams here.
 *
 * Threads: one thread may send (pf_udp_send*, pf_udp_wait_writable)
 * while another receives (pf_udp_recv); calls of the same kind must not
 * run concurrently, and pf_udp_connect*() and pf_udp_del() must not
 * run concurrently with anything.  Stats read from a third thread may be
 * torn.
 *
 * Errors: every function passes -errno of the failing system call
 * through (see pf_strerror()); -EAGAIN from a send means "socket buffer
 * full, nothing of the rest was sent, try again".
 */

/* Backends.  There is no automatic fallback between them. */
/** io_uring: batched sendmsg SQEs; multishot recvmsg + buffer ring. */
#define PF_UDP_IO_URING 1u
/** sendmmsg() / recvmmsg() on a non-blocking socket. */
#define PF_UDP_IO_MMSG 2u

/** pf_udp_config.dscp: mark video (CS5) only towards private peers. */
#define PF_UDP_DSCP_AUTO (-1)
/** DSCP class selector 5 (video), TOS byte 0xA0. */
#define PF_UDP_DSCP_CS5 40
/** Default socket buffer request (both directions): 32 MiB. */
#define PF_UDP_DEFAULT_SOCKBUF (32u * 1024u * 1024u)
/** Below this effective size pf_udp_open() logs a warning. */
#define PF_UDP_MIN_SOCKBUF (8u * 1024u * 1024u)
/** Room for the text form of any address: "[v6%scope]:65535". */
#define PF_UDP_ADDRSTRLEN 80u

typedef struct pf_udp pf_udp;

/**
 * @struct pf_udp_config
 *
 * Parameters of one UDP endpoint.  Fill with pf_udp_config_default().
 */
typedef struct pf_udp_config {
  /** sizeof(pf_udp_config) as the caller was compiled. */
  size_t struct_size;
  /** PF_UDP_IO_URING (default) or PF_UDP_IO_MMSG. */
  uint32_t backend;
  /** 1 (default): send with UDP GSO; 0: one datagram per message. */
  uint32_t gso;
  /** 1 (default): enable UDP_GRO on the socket and split what the
   *  kernel coalesces; 0: the kernel delivers datagram by datagram. */
  uint32_t gro;
  /** DSCP code point for outgoing packets: PF_UDP_DSCP_AUTO (default)
   *  marks PF_UDP_DSCP_CS5 (and SO_PRIORITY 5) only when the peer is
   *  loopback, link-local or private (RFC 1918, fc00::/7) and leaves
   *  others unmarked; 0 leaves the socket unmarked; 1..63 marks always
   *  (SO_PRIORITY dscp >> 3).  In AUTO mode the environment variable
   *  PF_DSCP (a number 0..63, or "off") overrides.  Best effort: a
   *  refused setsockopt() is logged, not fatal. */
  int dscp;
  /** SO_SNDBUF request in bytes, at most INT_MAX (default
   *  PF_UDP_DEFAULT_SOCKBUF; 0 keeps the system default).  SO_SNDBUFFORCE is tried first, then
   *  SO_SNDBUF; the effective size is in pf_udp_stats. */
  size_t sndbuf;
  /** SO_RCVBUF request, as |sndbuf| (SO_RCVBUFFORCE, then SO_RCVBUF). */
  size_t rcvbuf;
  /** Messages (GSO super-packets, or datagrams without GSO) per
   *  sendmmsg() call or io_uring submit, 1..1024.  Default 64.  For
   *  io_uring this is also the send ring's depth. */
  uint32_t send_batch;
  /** Messages per recvmmsg() call (mmsg backend), 1..1024.  Default 64. */
  uint32_t recv_batch;
  /** io_uring: provided receive buffers, a power of two 1..32768;
   *  0 (default) picks 256, or 64 when |gro| is on (each buffer then
   *  holds a 64 KiB super-packet). */
  uint32_t ring_buffers;
  /** GSO segments per super-packet, 1..64; 0 (default): as many as fit
   *  in 64 KiB (44 of 1472 bytes), capped at 64. */
  uint32_t gso_segments;
  /** Largest datagram to receive without GRO, 64..65535 (default
   *  2048).  A longer one is truncated, dropped and counted. */
  uint32_t max_datagram;
} pf_udp_config;

/**
 * @function pf_udp_config_default
 *
 * Fills |cfg| with the defaults documented field by field, including
 * struct_size.
 */
PF_EXTERN void pf_udp_config_default(pf_udp_config *cfg);

/**
 * @struct pf_udp_addr
 *
 * A socket address (IPv4 or IPv6 with port) as the system stores it: a
 * struct sockaddr_in or sockaddr_in6 in |sa|, |len| bytes of it used.
 * Plain data: copy it freely.
 */
typedef struct pf_udp_addr {
  uint32_t len;
  uint8_t sa[28];
} pf_udp_addr;

/**
 * @struct pf_udp_datagram
 *
 * One received datagram.  |data| is borrowed: valid until the next call
 * to pf_udp_recv() or pf_udp_del() on the same pf_udp.
 */
typedef struct pf_udp_datagram {
  const uint8_t *data;
  size_t len;
  /** Source address. */
  pf_udp_addr from;
} pf_udp_datagram;

/**
 * @struct pf_udp_stats
 *
 * Counters of one pf_udp.  The caller sets struct_size; pf_udp_get_stats()
 * fills that many bytes.
 */
typedef struct pf_udp_stats {
  size_t struct_size;
  /** "io_uring" or "mmsg"; static storage. */
  const char *backend;
  /** Effective socket buffer sizes as the kernel reports them (Linux
   *  doubles the request for bookkeeping overhead). */
  size_t sndbuf;
  size_t rcvbuf;
  /** 1 when GSO / GRO is in use. */
  uint32_t gso;
  uint32_t gro;
  /** DSCP in effect, or -1 when packets are not marked. */
  int dscp;
  /** Datagrams and payload bytes handed to the kernel. */
  uint64_t tx_datagrams;
  uint64_t tx_bytes;
  /** Kernel crossings to send: sendmmsg() calls, io_uring submits or
   *  send() calls. */
  uint64_t tx_calls;
  /** Send calls that stopped at a full socket buffer (returned -EAGAIN
   *  or a short count). */
  uint64_t tx_eagain;
  /** Send calls that stopped at any other error. */
  uint64_t tx_errors;
  /** Datagrams and payload bytes delivered by pf_udp_recv(). */
  uint64_t rx_datagrams;
  uint64_t rx_bytes;
  /** Receives that carried more than one datagram (GRO super-packets). */
  uint64_t rx_gro_packets;
  /** Datagrams longer than the buffer: dropped. */
  uint64_t rx_truncated;
  /** Completions that failed validation (bad buffer id, short header,
   *  bad control data): dropped. */
  uint64_t rx_invalid;
  /** io_uring: times the multishot receive was (re)armed, and how often
   *  the buffer ring ran dry (-ENOBUFS; the data waits in the socket). */
  uint64_t rx_arms;
  uint64_t rx_enobufs;
} pf_udp_stats;

/**
 * @function pf_udp_open
 *
 * Creates a non-blocking UDP socket bound to |local| and, if |peer| is
 * not NULL, connected to it (the kernel then drops datagrams from other
 * sources), and sets it up for cfg->backend.  The config is copied.
 * |mem| may be NULL; every buffer is allocated here, none per packet.
 *
 * |local| is "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (any address: IPv4,
 * or IPv6 if |peer| is IPv6); PORT 0 picks a free port
 * (pf_udp_local_port()).  |peer| is "HOST:PORT" or "[V6ADDR]:PORT" where
 * HOST is a numeric address or "localhost" (127.0.0.1 or ::1 to match
 * |local|); PORT 1..65535.  Names are never resolved through DNS.
 * Ports are decimal digits only.
 *
 * Logs (pf_log) the effective buffer sizes, a warning naming the sysctl
 * net.core.rmem_max / wmem_max when either is below PF_UDP_MIN_SOCKBUF,
 * and, when io_uring cannot be used, the reason and that the mmsg
 * backend (--io=mmsg in the tools) exists.
 *
 * Returns 0 and stores the object in |*pu|, or (with |*pu| untouched):
 * PF_ERR_ABI: cfg->struct_size is smaller than the first layout.
 * PF_ERR_INVALID_ARGUMENT: NULL |pu|, |cfg| or |local|; an address that
 *   does not parse, a port out of range, a host name other than
 *   "localhost", |local| and |peer| of different families, or a config
 *   field out of its documented range.
 * PF_ERR_NOMEM
 * -ENOSYS: the kernel has no io_uring (io_uring backend).
 * -EPERM: io_uring is forbidden (kernel.io_uring_disabled, seccomp,
 *   container policy) (io_uring backend).
 * -EINVAL: the kernel lacks a needed io_uring feature (provided buffer
 *   rings, Linux 5.19; multishot recvmsg, Linux 6.0).
 * -ENOPROTOOPT: the kernel lacks UDP GSO or GRO (set gso/gro to 0).
 * -EADDRINUSE, -EADDRNOTAVAIL, -EACCES: bind() failed.
 * -ENETUNREACH and other -errno of socket(), bind(), connect(),
 *   io_uring_queue_init() or mmap().
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_open(pf_udp **pu,
                                         const pf_udp_config *cfg,
                                         const char *local, const char *peer,
                                         const pf_mem *mem);

/** Closes the socket and rings and releases |u|; NULL is a no-op.
 *  Datagram views from pf_udp_recv() become invalid. */
PF_EXTERN void pf_udp_del(pf_udp *u);

/**
 * @function pf_udp_connect
 *
 * Connects the socket to |peer| ("HOST:PORT" as in pf_udp_open()), e.g.
 * once the receiver knows its sender.  A connected socket only receives
 * from |peer|; datagrams from others already queued are still
 * delivered.  Applies the DSCP policy for |peer|.  May be called again
 * to change the peer.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL, a parse error, a family
 * other than the socket's) or -errno of connect().
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_connect(pf_udp *u, const char *peer);

/**
 * @function pf_udp_connect_addr
 *
 * As pf_udp_connect() with an address taken from a received datagram
 * (pf_udp_datagram.from), e.g. to lock onto the first sender seen.
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_connect_addr(pf_udp *u,
                                                 const pf_udp_addr *peer);

/** Returns the bound local port (useful after binding port 0), or 0 if
 *  |u| is NULL. */
PF_EXTERN uint16_t pf_udp_local_port(const pf_udp *u);

/**
 * @function pf_udp_fd
 *
 * Returns the descriptor to poll() for POLLIN: it is readable when
 * pf_udp_recv() has data.  That is the socket for the mmsg backend and
 * the receive ring's descriptor for io_uring (which consumes the socket
 * itself).  pf_udp_recv() may hold datagrams it already took from the
 * kernel, so call it with timeout 0 until it returns 0 before polling.
 * Returns -1 for NULL.  The descriptor stays owned by |u|.
 */
PF_EXTERN int pf_udp_fd(const pf_udp *u);

/** Returns the UDP socket itself (owned by |u|; for getsockopt, POLLOUT),
 *  or -1 for NULL.  Do not read from it. */
PF_EXTERN int pf_udp_socket_fd(const pf_udp *u);

/**
 * @function pf_udp_send_segments
 *
 * Sends |count| datagrams of |seg_size| bytes each, stored back to back
 * at |base| (what the sender produces), in order, to the connected peer.
 * With GSO they go as super-packets of up to 64 KiB; otherwise one
 * message per datagram; either way batched into as few kernel crossings
 * as cfg->send_batch allows.  |base| is only read during the call.
 *
 * Returns the number of datagrams sent, |count| unless the socket buffer
 * filled or an error stopped the send part way: then the datagrams
 * [returned, count) were NOT sent (none is dropped silently); call again
 * with the rest.  Returns (nothing sent):
 * -EAGAIN: the socket buffer is full; wait (pf_udp_wait_writable()) and
 *   retry.
 * PF_ERR_INVALID_ARGUMENT: NULL |u| or |base| with |count| > 0,
 *   |seg_size| 0 or over 65487 (the largest UDP payload that fits one
 *   IPv6 datagram), or |count| > INT_MAX.
 * -EDESTADDRREQ: the socket is not connected.
 * -EMSGSIZE: a datagram or super-packet is larger than the path allows.
 * -ECONNREFUSED: an ICMP error from the peer was pending (transient).
 * -ENOBUFS, -ENETUNREACH, -EHOSTUNREACH (transient) and any other
 *   -errno of sendmsg()/sendmmsg()/io_uring.
 * PF_ERR_INTERNAL: the send ring had no free entry (a bug).
 * Returns 0 for |count| 0.
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_send_segments(pf_udp *u,
                                                  const uint8_t *base,
                                                  size_t seg_size,
                                                  size_t count);

/**
 * @function pf_udp_send
 *
 * Sends one datagram of |len| bytes (an end-of-stream marker, a punch
 * packet) to the connected peer with one send() call on either backend.
 * |buf| is only read during the call.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL), or -errno as
 * pf_udp_send_segments() (-EAGAIN: not sent, retry).
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_send(pf_udp *u, const uint8_t *buf,
                                         size_t len);

/**
 * @function pf_udp_wait_writable
 *
 * Waits up to |timeout_ms| (< 0: no limit) until the socket has send
 * buffer space again, e.g. after -EAGAIN.
 *
 * Returns 1 when writable, 0 on timeout, PF_ERR_INVALID_ARGUMENT for
 * NULL or -errno of poll() (-EINTR).
 */
PF_EXTERN int pf_udp_wait_writable(pf_udp *u, int timeout_ms);

/**
 * @function pf_udp_recv
 *
 * Fills |out[0..cap-1]| with received datagrams, oldest first, splitting
 * GRO super-packets back into the datagrams that were sent.  Waits up to
 * |timeout_ms| for the first one (0: do not wait; < 0: no limit), never
 * for more.  The views are borrowed: valid until the next pf_udp_recv()
 * or pf_udp_del() on |u|, when their buffers are recycled.  Nothing is
 * allocated.
 *
 * Returns the number of datagrams (1..cap), 0 on timeout, or:
 * PF_ERR_INVALID_ARGUMENT: NULL |u| or |out|, or |cap| 0.
 * -ECONNREFUSED: an ICMP error for the connected peer (transient; call
 *   again).
 * -EINTR: a signal interrupted the wait.
 * Any other -errno of recvmmsg(), poll() or io_uring.
 * An error met after some datagrams were filled in is returned by the
 * next call instead.  Truncated or invalid datagrams are dropped and
 * counted (pf_udp_stats), not returned as errors.
 */
PF_EXTERN PF_WARN_UNUSED int pf_udp_recv(pf_udp *u, pf_udp_datagram *out,
                                         size_t cap, int timeout_ms);

/**
 * @function pf_udp_get_stats
 *
 * Copies the counters of |u| into |st|, whose struct_size the caller
 * sets (the first layout ends at rx_enobufs).
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL) or PF_ERR_ABI
 * (st->struct_size smaller than the first layout).
 */
PF_EXTERN int pf_udp_get_stats(const pf_udp *u, pf_udp_stats *st);

/**
 * @function pf_udp_addr_format
 *
 * Writes |a| as "ADDR:PORT" or "[V6ADDR]:PORT" into |buf| (|len| bytes,
 * PF_UDP_ADDRSTRLEN always suffice), NUL-terminated.
 *
 * Returns the string length or PF_ERR_INVALID_ARGUMENT (NULL, or not an
 * IPv4/IPv6 address) or PF_ERR_NOBUF (|len| too small; |buf| then holds
 * an empty string if |len| > 0).
 */
PF_EXTERN int pf_udp_addr_format(const pf_udp_addr *a, char *buf,
                                 size_t len);

/* --- end of UDP I/O ----------------------------------------------- */

/* ------------------------------------------------------------------ */
/* Clocks (lib/io/pf_clock.c; doc/internals/udp-io.md)                */
/* ------------------------------------------------------------------ */

/*
 * The library's one time base and the pacing sleep.  The sans-I/O core
 * reads no clock: the caller passes it pf_clock_now_ns() values.  Both
 * functions are thread safe.
 */

/**
 * @function pf_clock_now_ns
 *
 * Returns CLOCK_MONOTONIC in nanoseconds: the time base of every send
 * time and timestamp the sans-I/O core is given.
 */
PF_EXTERN uint64_t pf_clock_now_ns(void);

/** pf_clock_sleep_until() spins only for the last 50 us (the default
 *  timer slack), and sleeps before that. */
#define PF_CLOCK_SPIN_NS 50000u

/**
 * @function pf_clock_sleep_until
 *
 * Returns at CLOCK_MONOTONIC time |due_ns| (at once if it has passed),
 * e.g. the send time of the next paced chunk.  Gaps longer than
 * PF_CLOCK_SPIN_NS are slept with clock_nanosleep() up to PF_CLOCK_SPIN_NS
 * before |due_ns| (timer slack), and only that tail is spun, so pacing
 * does not hold a core.  Signals do not cut the wait short.
 *
 * Returns how late it returned in ns (0 if on time; large values mean
 * the thread was descheduled).
 */
PF_EXTERN uint64_t pf_clock_sleep_until(uint64_t due_ns);

/* --- end of clocks ------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Data plane: receiver (lib/dataplane)                                */
/* ------------------------------------------------------------------ */

/*
 * A pf_receiver turns punktfunk/1 datagrams back into access units.  Per
 * datagram: (sealed mode) AEAD open, then the anti-replay window
 * (131072 sequences); then the header firewall, the reassembly windows
 * and FEC recovery.  It does no I/O and reads no clock: the caller
 * passes each datagram with its own receive timestamp (ns, any base).
 *
 * Dropping is not failing: every bad, late, duplicate, replayed or
 * forged datagram makes pf_receiver_read_datagram() return PF_ERR_DROP
 * and increments exactly one drop_* counter in pf_receiver_stats.
 *
 * Memory is bounded for any input: everything whose size does not
 * depend on the traffic is allocated by pf_receiver_new() from the
 * config; frame buffers and held parity are allocated only within
 * inflight_budget_bytes (checked before allocating) and are kept for
 * reuse, so a steady stream allocates nothing once warm.  FEC coders
 * come from a small cache (one per block shape in use).
 * doc/internals/reassembly.md has the full bound.
 *
 * Frames are handed out as borrowed views into the receiver's buffers
 * (pf_receiver_next_frame()) and given back with
 * pf_receiver_frame_done().  Frames that were given up are reported with
 * pf_receiver_next_loss() so the application can ask for a keyframe.
 *
 * One pf_receiver serves one stream.  It is not thread safe.
 */

typedef struct pf_receiver pf_receiver;

/**
 * @struct pf_receiver_config
 *
 * Parameters of one receiver.  Fill with pf_receiver_config_default(),
 * then change what you need.  pf_receiver_new() copies it (and wipes its
 * copy of the key once the cipher is set up).  shard_payload,
 * max_data_per_block and fec_scheme must equal the sender's.
 */
typedef struct pf_receiver_config {
  /** sizeof(pf_receiver_config) as the caller was compiled. */
  size_t struct_size;
  /** PF_FEC_GF8 or PF_FEC_GF16: the code used to rebuild lost shards.
   *  (The header's fec_scheme byte is not checked, as in the original.)
   *  Default GF8. */
  uint32_t fec_scheme;
  /** Bytes of every shard, even, 2..PF_PKT_MAX_SHARD_PAYLOAD.  A packet
   *  with another shard_bytes is dropped.  Default 1024. */
  uint32_t shard_payload;
  /** K_max: data shards per block, 1..65535 (255 for GF8).  Used for the
   *  derived-geometry check and shard offsets, so it must equal the
   *  sender's.  Default 200. */
  uint32_t max_data_per_block;
  /** Largest parity share a sender may use, percent, 0..1000; limits
   *  K + M per block to min(K_max + M(K_max), code maximum) with
   *  M(K) = max(ceil(K * pct / 100), 2) (0 when pct is 0), and the M of
   *  every block of K data shards to M(K): a block with more parity than
   *  a sender at this share makes is dropped (drop_geometry), so a
   *  datagram cannot buy a decode far larger than its own block.  The
   *  sender computes M with the same rule.  Default PF_FEC_PERCENT_MAX. */
  uint32_t max_fec_percent;
  /** Largest AU accepted, 1..UINT32_MAX, with
   *  ceil(ceil(max_frame_bytes / shard_payload) / K_max) <= 65535.
   *  Default 64 MiB. */
  uint64_t max_frame_bytes;
  /** Bytes that frame buffers and held parity shards may occupy
   *  together; at least max_frame_bytes rounded up to a whole shard.
   *  0 (the default) means 4 x that. */
  uint64_t inflight_budget_bytes;
  /** Frames that may be assembling, waiting or borrowed at once,
   *  1..4096.  Default 32. */
  uint32_t max_inflight_frames;
  /** Index window: a frame more than this many indices behind the newest
   *  is given up, and finished frames are remembered this far back so
   *  their stragglers are dropped, 1..1024.  Default 64. */
  uint32_t loss_window_frames;
  /** Capture-time window: a frame whose pts is more than this behind the
   *  newest frame's pts is given up, ns, >= 1.  Default 120 ms. */
  uint64_t loss_window_ns;
  /** PF_AEAD_NONE (unsealed datagrams; the default), PF_AEAD_AES128GCM or
   *  PF_AEAD_CHACHA20POLY1305. */
  uint32_t aead;
  /** The session key: key_len (16 for AES-128-GCM, 32 for ChaCha20) bytes
   *  of |key|; must not be all zero when aead is set.  Default empty. */
  uint8_t key[PF_AEAD_MAX_KEYBYTES];
  uint32_t key_len;
  /** The session's 4-byte nonce salt, as the sender's.  Default zero. */
  uint8_t salt[PF_AEAD_SALTBYTES];
  /** Direction of the PEER that sends the datagrams: PF_DIR_HOST (the
   *  default; a client receiving video) or PF_DIR_CLIENT. */
  uint32_t peer_direction;
  /** 0 (the default): a frame stays valid until pf_receiver_frame_done().
   *  1: as the original C ABI, each pf_receiver_next_frame() call also
   *  releases the frame the previous call returned. */
  uint32_t release_on_next;
  /** PF_FEC_IMPL_* kernel for the coders.  Default PF_FEC_IMPL_AUTO. */
  uint32_t fec_impl;
  /** In-order delivery.  0 (the default): pf_receiver_next_frame() hands
   *  frames out in the order they finish.  N (1..1024, below
   *  max_inflight_frames; not with release_on_next): video frames come
   *  out in frame_index order.  A frame that finishes while an earlier
   *  index is missing is held (it stays borrowed from the receiver's
   *  buffers) until the missing frames finish or are given up
   *  (pf_receiver_next_loss()), or N frames are held, or the oldest held
   *  one has waited order_hold_ns; then the missing indices are skipped
   *  (order_skipped_frames); a frame that finishes after its index was
   *  skipped, or whose index is below order_first_index, is not handed
   *  out but released at once and counted (order_late_frames).  Probe
   *  frames are never held.
   *  Use N > loss_window_frames: a smaller hold fills while the missing
   *  frame is still inside the index window and gives up frames that
   *  are merely reordered (doc/internals/reassembly.md). */
  uint32_t order_hold_frames;
  /** In-order delivery: the frame_index of the first video frame.
   *  Default 0. */
  uint32_t order_first_index;
  /** In-order delivery: the longest a finished frame waits for earlier
   *  ones, ns, >= 1, measured on the |now_ns| the caller passes
   *  (pf_receiver_read_datagram(), pf_receiver_tick()).  Default 200 ms. */
  uint64_t order_hold_ns;
  /** Sealed mode: 1 if the caller will lock onto one run of the sender
   *  with pf_receiver_lock_run() (e.g. when a stream descriptor announces
   *  its first seq).  Until then a datagram too old for the replay window
   *  restarts the window instead of being dropped, so a datagram of
   *  another run (a recording replayed with the same key) that arrives
   *  first cannot shut the real run out.  0 (the default): one strict
   *  window for every datagram. */
  uint32_t run_lock;
} pf_receiver_config;

/**
 * @function pf_receiver_config_default
 *
 * Fills |cfg| with the defaults documented field by field, including
 * struct_size.
 */
PF_EXTERN void pf_receiver_config_default(pf_receiver_config *cfg);

/**
 * @function pf_receiver_new
 *
 * Creates a receiver for |cfg| (copied) and stores it in |*preceiver|.
 * |mem| may be NULL.  Every structure whose size follows from the config
 * is allocated here.
 *
 * Returns 0 or:
 * PF_ERR_ABI: cfg->struct_size is smaller than the first layout.
 * PF_ERR_INVALID_ARGUMENT: NULL pointer, or a field outside the ranges
 *   documented in pf_receiver_config.
 * PF_ERR_UNSUPPORTED: the FEC code, a forced fec_impl or the AEAD is
 *   not available in this build or on this CPU.
 * PF_ERR_CRYPTO_STATE: the crypto backend refused the key.
 * PF_ERR_NOMEM
 */
PF_EXTERN PF_WARN_UNUSED int pf_receiver_new(pf_receiver **preceiver,
                                             const pf_receiver_config *cfg,
                                             const pf_mem *mem);

/** Releases |receiver|, every frame it handed out, and wipes its key;
 *  NULL is a no-op. */
PF_EXTERN void pf_receiver_del(pf_receiver *receiver);

/**
 * @function pf_receiver_read_datagram
 *
 * Feeds one received datagram of |len| bytes at |dg| (read during the
 * call only).  |now_ns| is the caller's receive time; it only stamps
 * pf_frame.received_ns (windows run on capture time, the pts).
 *
 * Returns 0 (the datagram was used; a frame may now be ready) or:
 * PF_ERR_DROP: not used; one drop_* counter says why.  Not an error.
 * PF_ERR_NOMEM: the allocator failed (counted in drop_nomem, not in
 *   another drop_* counter): the datagram was not used, and if it
 *   completed a block whose FEC coder could not be made, that frame was
 *   given up (reported by pf_receiver_next_loss()).  The receiver stays
 *   usable.
 * PF_ERR_INVALID_ARGUMENT: |receiver| NULL, or |dg| NULL with |len| > 0.
 */
PF_EXTERN int pf_receiver_read_datagram(pf_receiver *receiver,
                                        const uint8_t *dg, size_t len,
                                        uint64_t now_ns);

/**
 * @struct pf_frame
 *
 * One reassembled AU.  The caller sets struct_size; the receiver fills
 * the rest.
 */
typedef struct pf_frame {
  /** sizeof(pf_frame) as the caller was compiled. */
  size_t struct_size;
  /** The AU bytes: borrowed; valid until pf_receiver_frame_done() with
   *  this frame (or, with release_on_next, the next
   *  pf_receiver_next_frame()), pf_receiver_del().  NULL iff len is 0. */
  const uint8_t *data;
  size_t len;
  /** The sender's frame number and capture timestamp. */
  uint32_t frame_index;
  /** The header's user_flags (PF_USER_FLAG_*); PF_USER_FLAG_PROBE marks
   *  a bandwidth-probe AU. */
  uint32_t flags;
  uint64_t pts_ns;
  /** |now_ns| of the datagram that completed the frame. */
  uint64_t received_ns;
  /** Data shards of this frame rebuilt by FEC. */
  uint32_t recovered_shards;
  /** Private: identifies the frame to pf_receiver_frame_done(). */
  uint32_t handle_;
} pf_frame;

/**
 * @function pf_receiver_next_frame
 *
 * Hands out the oldest finished frame as |*frame| (frames come in the
 * order they were finished, which under reordering need not be index
 * order).  frame->struct_size must be set.
 *
 * Returns 0, or:
 * PF_ERR_NOFRAME: no frame is ready.
 * PF_ERR_INVALID_ARGUMENT: NULL pointer.
 * PF_ERR_ABI: frame->struct_size is smaller than the first layout.
 */
PF_EXTERN int pf_receiver_next_frame(pf_receiver *receiver, pf_frame *frame);

/**
 * @function pf_receiver_frame_done
 *
 * Gives |frame| (from pf_receiver_next_frame()) back; its data must not
 * be used afterwards.  Until then it counts against max_inflight_frames
 * and the byte budget.
 *
 * Returns 0 or PF_ERR_INVALID_ARGUMENT (NULL, or not a frame currently
 * handed out by this receiver, e.g. given back twice).
 */
PF_EXTERN int pf_receiver_frame_done(pf_receiver *receiver,
                                     const pf_frame *frame);

/** pf_frame_loss.reason: more than loss_window_frames indices behind. */
#define PF_LOSS_INDEX_WINDOW 1u
/** pf_frame_loss.reason: more than loss_window_ns of capture time behind. */
#define PF_LOSS_TIME_WINDOW 2u
/** pf_frame_loss.reason: FEC failed on a block that had K shards. */
#define PF_LOSS_FEC 3u

/**
 * @struct pf_frame_loss
 *
 * A video frame that was being assembled and has been given up (probe
 * frames are only counted).  Frames of which no datagram arrived at all
 * are not reported here: watch for gaps in frame_index.  The caller sets
 * struct_size.
 */
typedef struct pf_frame_loss {
  /** sizeof(pf_frame_loss) as the caller was compiled. */
  size_t struct_size;
  uint32_t frame_index;
  /** PF_LOSS_*. */
  uint32_t reason;
  uint64_t pts_ns;
  /** The frame's user_flags. */
  uint32_t flags;
} pf_frame_loss;

/**
 * @function pf_receiver_next_loss
 *
 * Pops the oldest loss report into |*loss|.  The receiver keeps the 64
 * newest reports; older ones are counted in losses_overflowed.
 *
 * Returns 0, or PF_ERR_NOFRAME (none pending), PF_ERR_INVALID_ARGUMENT
 * (NULL) or PF_ERR_ABI (struct_size too small).
 */
PF_EXTERN int pf_receiver_next_loss(pf_receiver *receiver, pf_frame_loss *loss);

/**
 * @struct pf_receiver_stats
 *
 * Counters since pf_receiver_new().  Set struct_size to
 * sizeof(pf_receiver_stats) before calling pf_receiver_get_stats().
 * packets_dropped is the sum of the drop_* counters.
 */
typedef struct pf_receiver_stats {
  size_t struct_size;
  /** Video frames finished (queued for pf_receiver_next_frame()) and
   *  given up (the latter drives keyframe requests). */
  uint64_t frames_completed;
  uint64_t frames_dropped;
  /** Datagrams that passed authentication and the replay window (all of
   *  them when unsealed), and their plaintext bytes.  They may still be
   *  dropped by the reassembler. */
  uint64_t packets_received;
  uint64_t bytes_received;
  /** Datagrams not used, for any reason (sum of drop_*). */
  uint64_t packets_dropped;
  /** Data shards rebuilt by FEC, and those of them that arrived after
   *  all: fec_recovered_shards - fec_late_shards were really lost. */
  uint64_t fec_recovered_shards;
  uint64_t fec_late_shards;
  /** Probe frames (PF_USER_FLAG_PROBE) finished / given up. */
  uint64_t probe_frames_completed;
  uint64_t probe_frames_dropped;
  /** Drops by reason. */
  uint64_t drop_too_short; /* shorter than header + shard (+ 24 sealed) */
  uint64_t drop_too_long;  /* longer than PF_PKT_MAX_DATAGRAM */
  uint64_t drop_bad_magic; /* header magic is not 0xC9 */
  uint64_t drop_geometry;  /* fields inconsistent (with each other, the
                              derived geometry, or the frame/block), or
                              M above M(K, max_fec_percent) */
  uint64_t drop_limits;    /* K, K+M, blocks or frame size over limits */
  uint64_t drop_stale;     /* frame behind the loss windows */
  uint64_t drop_duplicate; /* shard already held */
  uint64_t drop_late;      /* frame/block already finished or given up
                              (includes parity that was not needed).
                              Sealed mode: a datagram whose seq lies in
                              the AU of a finished frame is dropped here
                              without being opened, so a replay or
                              forgery of one counts here, not below */
  uint64_t drop_replay;    /* seq repeated or older than the window */
  uint64_t drop_auth;      /* AEAD authentication failed */
  uint64_t drop_budget;    /* max_inflight_frames or byte budget full */
  uint64_t drop_fec;       /* FEC failed on the block this completed */
  uint64_t drop_nomem;     /* allocator failure */
  /** Loss reports discarded because 64 were pending. */
  uint64_t losses_overflowed;
  /** Frames assembling, waiting or borrowed now. */
  uint64_t inflight_frames;
  /** Bytes now / at most allocated for frames and parity (<= budget). */
  uint64_t inflight_bytes;
  uint64_t peak_inflight_bytes;
  /** In-order delivery (order_hold_frames): frames held now waiting for
   *  an earlier index; indices given up without their frame; frames that
   *  finished after their index was given up (given back, not handed
   *  out). */
  uint64_t order_held_frames;
  uint64_t order_skipped_frames;
  uint64_t order_late_frames;
  /** After pf_receiver_lock_run(): authenticated datagrams of another
   *  run (seq before the run's first, or more than 2^32 ahead of the
   *  newest), dropped before the replay window.  Also in
   *  packets_dropped. */
  uint64_t drop_other_run;
  /** Drops: frame index more than loss_window_frames ahead of the newest
   *  frame, not (yet) confirmed by sustained traffic (also in
   *  packets_dropped).  Appended after the first layout. */
  uint64_t drop_far_ahead;
  /** Times a window jumped far ahead on sustained evidence (16 such
   *  datagrams near one index with none of the current window between
   *  them, as after an outage longer than the window). */
  uint64_t window_resyncs;
} pf_receiver_stats;

/**
 * @function pf_receiver_get_stats
 *
 * Copies the counters into |*stats|, of which the caller's struct_size
 * bytes are written (fields a newer library has are left out).
 *
 * Returns 0 or:
 * PF_ERR_INVALID_ARGUMENT: NULL pointer.
 * PF_ERR_ABI: stats->struct_size is smaller than the first layout.
 */
PF_EXTERN int pf_receiver_get_stats(const pf_receiver *receiver,
                                    pf_receiver_stats *stats);

/**
 * @function pf_receiver_reset
 *
 * Flushes the backlog: every frame being assembled or waiting to be
 * handed out is discarded (not counted as dropped) and both windows
 * start afresh.  Frames already handed out stay valid until given back.
 * The replay window and the counters are kept.  NULL is a no-op.
 */
PF_EXTERN void pf_receiver_reset(pf_receiver *receiver);

/**
 * @function pf_receiver_tick
 *
 * In-order delivery: tells the receiver the time is |now_ns| (the same
 * clock as pf_receiver_read_datagram()'s), so held frames whose wait is
 * over become ready for pf_receiver_next_frame().  Call it when a wait
 * for datagrams times out.  A no-op without order_hold_frames or for
 * NULL.
 */
PF_EXTERN void pf_receiver_tick(pf_receiver *receiver, uint64_t now_ns);

/**
 * @function pf_receiver_next_deadline
 *
 * In-order delivery: the |now_ns| at which the oldest held frame stops
 * waiting (call pf_receiver_tick() then), or PF_TIME_NONE when no frame
 * is held (or for NULL).
 */
PF_EXTERN uint64_t pf_receiver_next_deadline(const pf_receiver *receiver);

/**
 * @function pf_receiver_release_held
 *
 * In-order delivery at the end of a stream: every held frame becomes
 * ready (in index order, the gaps skipped), and so does every frame
 * that finishes later.  A no-op without order_hold_frames or for NULL.
 */
PF_EXTERN void pf_receiver_release_held(pf_receiver *receiver);

/**
 * @function pf_receiver_lock_run
 *
 * Sealed mode: from now on only datagrams of the run whose first seq is
 * |first_seq| are used: an authenticated datagram with a seq below it,
 * or more than 2^32 above the newest seq of the run, is dropped
 * (drop_other_run) before it can move the replay window.  If the window
 * was moved outside the run before the call, it starts afresh.  (A
 * sender draws its first seq at random, so two runs with one key do not
 * overlap; doc/wire-format.md section 11.4.)
 *
 * Returns 0 (also when the same run is locked again), or
 * PF_ERR_INVALID_ARGUMENT (NULL, or another run is locked already) or
 * PF_ERR_UNSUPPORTED (unsealed receiver: datagrams carry no seq).
 */
PF_EXTERN int pf_receiver_lock_run(pf_receiver *receiver, uint64_t first_seq);

/* --- end of data plane: receiver ---------------------------------- */

/* ------------------------------------------------------------------ */
/* Data plane: START / END descriptors (lib/dataplane)                 */
/* ------------------------------------------------------------------ */

/*
 * punktfunk/1 has no end-of-stream signal; a one-way stream without a
 * control plane (pf-send | pf-recv) carries its own: a START descriptor
 * before the first frame and an END descriptor after the last, each a
 * whole AU submitted through the sender with user_flags
 * PF_USER_FLAG_PROBE | PF_USER_FLAG_STREAM_DESC, so it is sealed, FEC
 * protected and replay protected like any frame, and receivers that do
 * not know it treat it as bandwidth-probe filler.  doc/wire-format.md
 * section 11 is the specification; these functions are its codec.
 */

/** user_flags bit that marks a probe AU as a stream descriptor. */
#define PF_USER_FLAG_STREAM_DESC 0x10000u
/** Encoded size of a descriptor (version 2). */
#define PF_STREAM_DESC_BYTES 88u
/** The descriptor version this library writes and reads. */
#define PF_STREAM_DESC_VERSION 2u
/** pf_stream_desc.type */
#define PF_STREAM_DESC_START 1u
#define PF_STREAM_DESC_END 2u
/** pf_stream_desc.fec: no FEC (any code matches it). */
#define PF_STREAM_DESC_FEC_NONE 0xffu
/** START copies a sender submits before its first data frame, as AUs
 *  0 .. PF_STREAM_DESC_START_COPIES - 1: the first data frame is AU
 *  number PF_STREAM_DESC_START_COPIES.  Sender and receiver must agree. */
#define PF_STREAM_DESC_START_COPIES 2u
/** END copies a sender submits after its last data frame. */
#define PF_STREAM_DESC_END_COPIES 3u

/**
 * @struct pf_stream_desc
 *
 * A decoded descriptor.  Fixed layout (no struct_size): it changes only
 * with PF_STREAM_DESC_VERSION and the ABI version.
 */
typedef struct pf_stream_desc {
  /** PF_STREAM_DESC_START or PF_STREAM_DESC_END. */
  uint32_t type;
  /** PF_FEC_GF8, PF_FEC_GF16 or PF_STREAM_DESC_FEC_NONE (one byte). */
  uint32_t fec;
  /** The application's framing and its argument (one byte / four). */
  uint32_t framing;
  uint32_t framing_arg;
  /** The sender's geometry and parity share. */
  uint32_t shard_payload;
  uint32_t max_data_per_block;
  uint32_t fec_percent;
  /** Random per run: descriptors with another id belong to another run. */
  uint64_t stream_id;
  /** END: data frames sent and their payload bytes; START: 0. */
  uint64_t frames;
  uint64_t bytes;
  /** Opaque 32 bytes for the application (pf-send: the IVF header). */
  uint8_t app[32];
  /** Sealed streams: the seq of the run's first datagram (the sender's
   *  next_seq before its first START), so a receiver can lock onto the
   *  run (pf_receiver_lock_run()).  Unsealed: 0. */
  uint64_t first_seq;
} pf_stream_desc;

/**
 * @function pf_stream_desc_encode
 *
 * Writes |desc| as PF_STREAM_DESC_BYTES big-endian bytes to |out|.
 *
 * Returns PF_STREAM_DESC_BYTES, or PF_ERR_INVALID_ARGUMENT (NULL, a type
 * that is not START or END, fec or framing over 255) or PF_ERR_NOBUF
 * (|out_len| < PF_STREAM_DESC_BYTES).
 */
PF_EXTERN int pf_stream_desc_encode(uint8_t *out, size_t out_len,
                                    const pf_stream_desc *desc);

/**
 * @function pf_stream_desc_decode
 *
 * Parses the AU payload |buf| of |len| bytes into |*desc|.  Bytes after
 * the first PF_STREAM_DESC_BYTES are ignored (a later version may append
 * fields).
 *
 * Returns 0, or PF_ERR_MALFORMED (shorter than PF_STREAM_DESC_BYTES, or
 * another magic, version or type; |*desc| is zeroed) or
 * PF_ERR_INVALID_ARGUMENT (NULL).
 */
PF_EXTERN int pf_stream_desc_decode(pf_stream_desc *desc, const uint8_t *buf,
                                    size_t len);

/* --- end of data plane: stream descriptors ------------------------ */

/* ------------------------------------------------------------------ */
/* Control plane: close codes, test frames (lib/ctl)                   */
/* ------------------------------------------------------------------ */

/*
 * The QUIC control plane (ALPN "pkf1", doc/wire-format.md chapter 13)
 * ends a connection with an application close code.  These are the
 * codes the original punktfunk/1 peers use, and names for them that
 * tools print and that scripts can match (stable, kebab-case, never
 * changed).  The message codecs themselves are internal to the library
 * (their layouts grow with every version of the original); these names
 * and the synthetic test frame below are what a tool needs directly.
 */

/** Bare close: the session is over, nothing more to say ("done"). */
#define PF_CTL_CLOSE_NONE 0x00u
/** The host is busy: admission refused, the reason text says why. */
#define PF_CTL_CLOSE_BUSY 0x42u
/** Deliberate quit by the client: the host tears down at once. */
#define PF_CTL_CLOSE_QUIT 0x51u
/** The host's application (dedicated session) exited. */
#define PF_CTL_CLOSE_APP_EXITED 0x52u
/** Rejections of later original versions (0x60..0x6F). */
#define PF_CTL_CLOSE_PAIR_NOT_ARMED 0x60u
#define PF_CTL_CLOSE_PAIR_BOUND_OTHER 0x61u
#define PF_CTL_CLOSE_PAIR_RATE_LIMITED 0x62u
#define PF_CTL_CLOSE_PAIR_NO_IDENTITY 0x63u
#define PF_CTL_CLOSE_PAIR_DENIED 0x64u
#define PF_CTL_CLOSE_PAIR_APPROVAL_TIMEOUT 0x65u
#define PF_CTL_CLOSE_PAIR_SUPERSEDED 0x66u
#define PF_CTL_CLOSE_WIRE_VERSION 0x67u
#define PF_CTL_CLOSE_SETUP_FAILED 0x68u
#define PF_CTL_CLOSE_ACCESS_EXPIRED 0x69u
#define PF_CTL_CLOSE_LAUNCH_NOT_PERMITTED 0x6Au
#define PF_CTL_CLOSE_HOST_POWER 0x6Bu
#define PF_CTL_CLOSE_PROFILE_UNKNOWN 0x6Cu
#define PF_CTL_CLOSE_NO_SEAT 0x6Du
#define PF_CTL_CLOSE_SEAT_OCCUPIED 0x6Eu
#define PF_CTL_CLOSE_SEAT_UNAVAILABLE 0x6Fu

/**
 * @function pf_ctl_close_token
 *
 * Returns a stable kebab-case token for an application close code:
 * "closed" (0), "busy", "quit", "app-exited", the rejection tokens
 * ("not-armed", "bound-other", "rate-limited", "identity-required",
 * "denied", "approval-timeout", "superseded", "wire-version",
 * "setup-failed", "access-expired", "launch-not-permitted",
 * "host-power", "profile-unknown", "no-seat", "seat-occupied",
 * "seat-unavailable"), or "unknown".  Static strings.
 */
PF_EXTERN const char *pf_ctl_close_token(uint64_t code);

/**
 * @function pf_ctl_close_describe
 *
 * Returns a short English description of an application close code
 * (static string; "unknown close code" for codes not listed above).
 */
PF_EXTERN const char *pf_ctl_close_describe(uint64_t code);

/**
 * @function pf_ctl_close_is_rejection
 *
 * Returns 1 if |code| means the host refused the session (BUSY or
 * 0x60..0x6F), else 0.  A quit, an exited application, a bare close and
 * unknown codes are not rejections.
 */
PF_EXTERN int pf_ctl_close_is_rejection(uint64_t code);

/**
 * @function pf_ctl_test_frame_fill
 *
 * Writes the original host's synthetic test frame number |idx| of
 * |len| bytes: bytes 0..3 are idx as u32 little-endian (as many of them
 * as fit), byte i >= 4 is (uint8_t)(idx + i).  A source of frames a
 * receiver can verify byte for byte (pf-send --source test, pf-probe).
 */
PF_EXTERN void pf_ctl_test_frame_fill(uint8_t *buf, size_t len,
                                      uint32_t idx);

/**
 * @function pf_ctl_test_frame_check
 *
 * Returns 1 if |buf| is exactly test frame |idx| of |len| bytes, else 0
 * and, when |bad_off| is not NULL, the offset of the first wrong byte
 * in *bad_off.  NULL |buf| with |len| > 0 returns 0 (offset 0).
 */
PF_EXTERN int pf_ctl_test_frame_check(const uint8_t *buf, size_t len,
                                      uint32_t idx, size_t *bad_off);

/* --- end of control plane: close codes and test frames ------------ */

/* ------------------------------------------------------------------ */
/* Control plane: identities and trust (lib/ctl)                       */
/* ------------------------------------------------------------------ */

/*
 * The control plane's peers prove who they are with long-lived
 * self-signed certificates and are recognised by their fingerprint: the
 * SHA-256 of the leaf certificate's DER, written as 64 lowercase hex
 * digits.  A client remembers hosts in a known-hosts file (ssh's model:
 * trust on first use, then pinned); a host admits the clients listed in
 * its authorized-clients file.  doc/internals/identity.md describes the
 * files, their formats and what an attacker can and cannot do.
 *
 * Functions that touch files take |errmsg| / |errmsglen| (NULL / 0 when
 * not wanted): on failure a one-line message naming the file and what to
 * do is written there.  Files are never followed through a symlink; a key
 * file open to group or others (any of mode 077) or a trust file writable
 * by them (mode 022), or either not owned by the effective user, is
 * refused with -EPERM and a message naming `chmod 600`.
 */

/** Bytes of a fingerprint (SHA-256). */
#define PF_FINGERPRINT_BYTES 32u
/** Characters of a fingerprint in hex, without the terminating NUL. */
#define PF_FINGERPRINT_HEX_LEN 64u
/** A buffer holding a fingerprint string with its NUL. */
#define PF_FINGERPRINT_BUFLEN 65u
/** A buffer large enough for any |errmsg| these functions write. */
#define PF_ERRMSG_BUFLEN 512u

/** File names inside the configuration directory. */
#define PF_KNOWN_HOSTS_FILE "known_hosts"
#define PF_AUTHORIZED_CLIENTS_FILE "authorized_clients"

/**
 * @function pf_config_dir
 *
 * Writes the configuration directory to |buf|: $PUNKTFUNK_CONFIG_DIR if
 * set and not empty, else $XDG_CONFIG_HOME/punktfunk if that is an
 * absolute path, else $HOME/.config/punktfunk.  Nothing is created.
 *
 * Returns 0, or PF_ERR_NOBUF (|buflen| too small), PF_ERR_INVALID_ARGUMENT
 * (NULL) or -ENOENT (none of the three variables is usable).
 */
PF_EXTERN int pf_config_dir(char *buf, size_t buflen);

/**
 * @function pf_config_path
 *
 * Writes |dir|/|name| to |buf|; |dir| NULL means pf_config_dir().  Use it
 * with PF_KNOWN_HOSTS_FILE or PF_AUTHORIZED_CLIENTS_FILE.
 *
 * Returns 0 or an error of pf_config_dir().
 */
PF_EXTERN int pf_config_path(char *buf, size_t buflen, const char *dir,
                             const char *name);

/**
 * @function pf_fingerprint_from_der
 *
 * Writes the fingerprint of the certificate |der| (|derlen| bytes, not
 * parsed) to |out| as 64 lowercase hex digits and a NUL.
 *
 * Returns 0, PF_ERR_INVALID_ARGUMENT (NULL or empty) or
 * PF_ERR_CRYPTO_STATE (the hash failed).
 */
PF_EXTERN int pf_fingerprint_from_der(char out[PF_FINGERPRINT_BUFLEN],
                                      const uint8_t *der, size_t derlen);

/**
 * @function pf_fingerprint_from_pem
 *
 * Like pf_fingerprint_from_der() for the first CERTIFICATE block of the
 * PEM text |pem| (|pemlen| bytes), which must be an X.509 certificate.
 *
 * Returns 0, PF_ERR_MALFORMED (no CERTIFICATE block, bad base64, or not a
 * certificate), PF_ERR_LIMIT (longer than 1 MiB), PF_ERR_INVALID_ARGUMENT
 * or PF_ERR_CRYPTO_STATE.
 */
PF_EXTERN int pf_fingerprint_from_pem(char out[PF_FINGERPRINT_BUFLEN],
                                      const char *pem, size_t pemlen);

/**
 * @function pf_fingerprint_normalize
 *
 * Checks that |in| is exactly 64 hex digits (either case; what a user
 * types after --pin) and writes it in lowercase to |out|.
 *
 * Returns 0 or PF_ERR_MALFORMED (also for NULL).
 */
PF_EXTERN int pf_fingerprint_normalize(char out[PF_FINGERPRINT_BUFLEN],
                                       const char *in);

/**
 * @function pf_fingerprint_equal
 *
 * Compares two fingerprints (64 hex digits each, either case) in time
 * that does not depend on where they differ.
 *
 * Returns 1 if equal, 0 if not, PF_ERR_MALFORMED if either is not a
 * fingerprint.
 */
PF_EXTERN int pf_fingerprint_equal(const char *a, const char *b);

/** pf_identity_load_or_create() role: the host (cert.pem, key.pem). */
#define PF_IDENTITY_HOST 0u
/** The client (client-cert.pem, client-key.pem). */
#define PF_IDENTITY_CLIENT 1u

/**
 * @struct pf_identity
 *
 * One side's certificate and private key, loaded or made by
 * pf_identity_load_or_create().
 */
typedef struct pf_identity pf_identity;

/**
 * @function pf_identity_load_or_create
 *
 * Loads the |role|'s identity from directory |dir| (NULL: pf_config_dir()),
 * or, when neither of its two files exists, creates the directory (0700)
 * and a new identity: an ECDSA P-256 key (PKCS#8 PEM, file mode 0600,
 * created with O_EXCL|O_NOFOLLOW and moved into place atomically) and a
 * self-signed certificate for it (CN and SAN "punktfunk" for the host,
 * "punktfunk-client" for the client; valid until 9999-12-31).  An
 * existing key may be any type GnuTLS reads (the original host's RSA-2048
 * key.pem works); it must match the certificate.  When two processes
 * create at once, one identity wins and both load it.
 *
 * The private key is kept in memory only as long as the object lives,
 * and wiped when it is freed.
 *
 * Returns 0 and |*pidentity|, or (with |*pidentity| NULL and a message):
 * -ELOOP: a file is a symbolic link.
 * -EPERM: the key file is open to group/others or a file is not owned by
 *  the effective user (the message says `chmod 600`).
 * PF_ERR_MALFORMED: a file is not valid PEM, the key and certificate do
 *  not belong together, or only one of the two files exists.
 * PF_ERR_LIMIT: a file is larger than 64 KiB.
 * PF_ERR_INVALID_ARGUMENT, PF_ERR_NOMEM, PF_ERR_CRYPTO_STATE, -errno.
 */
PF_EXTERN int pf_identity_load_or_create(pf_identity **pidentity,
                                         uint32_t role, const char *dir,
                                         const pf_mem *mem, char *errmsg,
                                         size_t errmsglen);

/**
 * @function pf_identity_del
 *
 * Wipes and frees |identity|.  NULL is a no-op.
 */
PF_EXTERN void pf_identity_del(pf_identity *identity);

/**
 * @function pf_identity_fingerprint
 *
 * Returns the certificate's fingerprint (64 lowercase hex digits), valid
 * as long as |identity|.
 */
PF_EXTERN const char *pf_identity_fingerprint(const pf_identity *identity);

/**
 * @function pf_identity_cert_pem
 *
 * Returns the certificate as PEM text (NUL-terminated; its length in
 * |*plen| if not NULL), valid as long as |identity|.  The certificate is
 * public; the private key has no accessor here.
 */
PF_EXTERN const char *pf_identity_cert_pem(const pf_identity *identity,
                                           size_t *plen);

/** pf_known_host.status: no entry for this HOST:PORT. */
#define PF_KNOWN_HOST_UNKNOWN 0u
/** An entry for HOST:PORT has this fingerprint. */
#define PF_KNOWN_HOST_MATCH 1u
/** HOST:PORT is known with another fingerprint: abort the connection. */
#define PF_KNOWN_HOST_MISMATCH 2u

/**
 * @struct pf_known_host
 *
 * The result of pf_known_hosts_lookup().  The caller sets struct_size.
 */
typedef struct pf_known_host {
  /** sizeof(pf_known_host) as the caller was compiled. */
  size_t struct_size;
  /** PF_KNOWN_HOST_*. */
  uint32_t status;
  /** MATCH: the line that matched.  MISMATCH: the first line for
   *  HOST:PORT (the one to delete when the host's key really changed).
   *  UNKNOWN: 0. */
  size_t line;
  /** MISMATCH: the fingerprint stored on |line|; MATCH: the same as
   *  asked; UNKNOWN: empty. */
  char stored_fingerprint[PF_FINGERPRINT_BUFLEN];
  /** The entry as written in the file: "HOST:PORT" ("[v6]:PORT"). */
  char entry[300];
  /** Lines that could not be read (each is logged at PF_LOG_WARN with
   *  its number) and the first of them (0: none). */
  size_t malformed_lines;
  size_t first_malformed_line;
} pf_known_host;

/**
 * @function pf_known_hosts_lookup
 *
 * Looks |host| (a name, an IPv4 address, or an IPv6 address with or
 * without brackets; names compare case-insensitively, addresses in their
 * canonical form) and |port| up in the known-hosts file |path| and
 * compares |fingerprint|.  A missing file is an empty one.  Malformed
 * lines are skipped, counted and logged, never fatal.
 *
 * Returns 0 with |*result| filled, or PF_ERR_MALFORMED (|host| or
 * |fingerprint| is not valid), PF_ERR_ABI, PF_ERR_INVALID_ARGUMENT, or a
 * file error (-ELOOP, -EPERM, PF_ERR_LIMIT over 1 MiB, PF_ERR_NOMEM,
 * -errno) with a message.
 */
PF_EXTERN int pf_known_hosts_lookup(const char *path, const char *host,
                                    uint16_t port, const char *fingerprint,
                                    pf_known_host *result, const pf_mem *mem,
                                    char *errmsg, size_t errmsglen);

/**
 * @function pf_known_hosts_add
 *
 * Records |host|:|port| with |fingerprint| (trust on first use): appends
 * one line to |path|, creating it (mode 0600, and its directory 0700) if
 * needed.  The file is rewritten atomically under a lock on its
 * directory, so concurrent writers lose no line.  Recording an entry
 * that is already there does nothing.
 *
 * Returns 0, -EEXIST if |host|:|port| is recorded with a different
 * fingerprint (the message names the line), or an error as
 * pf_known_hosts_lookup().
 */
PF_EXTERN int pf_known_hosts_add(const char *path, const char *host,
                                 uint16_t port, const char *fingerprint,
                                 const pf_mem *mem, char *errmsg,
                                 size_t errmsglen);

/** Longest client name in the authorized-clients file, in bytes. */
#define PF_CLIENT_NAME_MAX 64u

/**
 * @struct pf_authorized_client
 *
 * One entry of the authorized-clients file.  The caller sets struct_size
 * for pf_authorized_clients_lookup().
 */
typedef struct pf_authorized_client {
  size_t struct_size;
  char fingerprint[PF_FINGERPRINT_BUFLEN];
  /** The client's name (may be empty), NUL-terminated. */
  char name[PF_CLIENT_NAME_MAX + 1];
  /** The line it is on. */
  size_t line;
} pf_authorized_client;

/**
 * @function pf_authorized_clients_lookup
 *
 * Looks |fingerprint| up in the authorized-clients file |path| (a
 * missing file admits nobody).
 *
 * Returns 1 (found; |*client| filled if not NULL), 0 (not found), or
 * PF_ERR_MALFORMED (not a fingerprint), PF_ERR_ABI, or a file error as
 * pf_known_hosts_lookup().
 */
PF_EXTERN int pf_authorized_clients_lookup(const char *path,
                                           const char *fingerprint,
                                           pf_authorized_client *client,
                                           const pf_mem *mem, char *errmsg,
                                           size_t errmsglen);

/**
 * @function pf_authorized_clients_add
 *
 * Adds |fingerprint| with |name| (NULL or "" for none; at most
 * PF_CLIENT_NAME_MAX bytes, no control characters, not starting with
 * '+') to |path|, creating it 0600 if needed, atomically and under a
 * directory lock.
 *
 * Returns 0, -EEXIST (already there; nothing changed), PF_ERR_MALFORMED
 * (bad fingerprint or name), or a file error.
 */
PF_EXTERN int pf_authorized_clients_add(const char *path,
                                        const char *fingerprint,
                                        const char *name, const pf_mem *mem,
                                        char *errmsg, size_t errmsglen);

/**
 * @function pf_authorized_clients_remove
 *
 * Removes every line for |fingerprint| from |path|; comments and all
 * other lines (malformed ones too) are kept as they were.
 *
 * Returns the number of lines removed (>= 1), -ENOENT (not there),
 * PF_ERR_MALFORMED, or a file error.
 */
PF_EXTERN int pf_authorized_clients_remove(const char *path,
                                           const char *fingerprint,
                                           const pf_mem *mem, char *errmsg,
                                           size_t errmsglen);

/**
 * @functypedef pf_authorized_client_cb
 *
 * Receives one entry; |client| is valid only during the call.  Return 0
 * to go on, non-zero to stop the listing.
 */
typedef int (*pf_authorized_client_cb)(const pf_authorized_client *client,
                                       void *user_data);

/**
 * @function pf_authorized_clients_list
 *
 * Calls |cb| for every entry of |path| in file order (malformed lines are
 * skipped and logged).  A missing file has no entries.
 *
 * Returns the number of entries passed to |cb|, PF_ERR_CALLBACK_FAILURE
 * if |cb| stopped the listing, or a file error.
 */
PF_EXTERN int pf_authorized_clients_list(const char *path,
                                         pf_authorized_client_cb cb,
                                         void *user_data, const pf_mem *mem,
                                         char *errmsg, size_t errmsglen);

/* --- end of identities and trust ---------------------------------- */

#ifdef __cplusplus
}
#endif

#endif /* PUNKTFUNK_PUNKTFUNK_H */

/*
 * punktfunk_core.h -- the original punktfunk C ABI (data plane), for
 * existing embedders.
 *
 * This header reproduces the data-plane surface of the Rust
 * punktfunk-core crate's C ABI (its cbindgen header, punktfunk_core.h):
 * the same type names, struct layouts, status numbers and function
 * signatures, so a C program written against the original compiles and
 * runs against libpunktfunk unchanged.  New code should use the native
 * API in <punktfunk/punktfunk.h> (pf_sender, pf_receiver, pf_udp), which
 * this layer is built on; doc/compat-abi.md lists what is covered and
 * how it differs.
 *
 * The header is self-contained: it includes neither punktfunk.h nor any
 * dependency's header.
 *
 * Conventions of this ABI (not those of punktfunk.h):
 *
 * - Functions return a PunktfunkStatus: 0 (PUNKTFUNK_STATUS_OK) or a
 *   negative PUNKTFUNK_STATUS_* code.  Codes are never renumbered.
 * - PunktfunkConfig starts with a uint32_t struct_size, which must be at
 *   least sizeof(PunktfunkConfig) (64 bytes); it is read before anything
 *   else.
 * - Handles are opaque.  Every PunktfunkSession reaches
 *   punktfunk_session_free() exactly once; free(NULL) does nothing.
 * - PunktfunkFrame.data is borrowed: valid until the next
 *   punktfunk_client_poll_frame() or punktfunk_session_free() on the
 *   session that returned it.
 * - A session is not thread safe: do not call into one session from two
 *   threads at once.  The two sessions of a loopback pair may be used
 *   from two threads (one each).
 */
#ifndef PUNKTFUNK_PUNKTFUNK_CORE_H
#define PUNKTFUNK_PUNKTFUNK_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BUILDING_PUNKTFUNK) && defined(__GNUC__)
#define PUNKTFUNK_EXTERN __attribute__((visibility("default")))
#else
#define PUNKTFUNK_EXTERN
#endif

/**
 * @macro PUNKTFUNK_ABI_VERSION
 *
 * The generation of this compatibility ABI, as returned by
 * punktfunk_abi_version().  Raised on any incompatible change to this
 * header; adding symbols or appending to struct_size-guarded structs does
 * not.  (The Rust crate's own numbering is not continued: its values
 * describe other feature sets.)
 */
#define PUNKTFUNK_ABI_VERSION 1u

/** PunktfunkConfig.role */
#define PUNKTFUNK_ROLE_HOST 0u
#define PUNKTFUNK_ROLE_CLIENT 1u

/** PunktfunkConfig.phase: the header version byte stamped on the wire. */
#define PUNKTFUNK_PHASE_P1 1u
#define PUNKTFUNK_PHASE_P2 2u

/** PunktfunkConfig.fec_scheme (the wire's fec_scheme byte). */
#define PUNKTFUNK_FEC_GF8 0u
#define PUNKTFUNK_FEC_GF16 1u

/*
 * Status codes.  0 is success, errors are negative.  -11..-19 are
 * reserved; -20..-36 are the host's typed rejections of the connection
 * API (not returned by the data-plane functions here, listed so that
 * programs switching over them compile).  Never renumbered.
 */
#ifdef __cplusplus
enum PunktfunkStatus : int32_t {
#else
enum PunktfunkStatus {
#endif
  /** Success. */
  PUNKTFUNK_STATUS_OK = 0,
  /** A config field or argument is out of range. */
  PUNKTFUNK_STATUS_INVALID_ARG = -1,
  /** FEC failed (a block could not be rebuilt). */
  PUNKTFUNK_STATUS_FEC = -2,
  /** Sealing or opening failed; the cipher is unusable or exhausted. */
  PUNKTFUNK_STATUS_CRYPTO = -3,
  /** A malformed packet. */
  PUNKTFUNK_STATUS_BAD_PACKET = -4,
  /** Nothing is ready yet (not an error: poll again later). */
  PUNKTFUNK_STATUS_NO_FRAME = -5,
  /** Not supported by this build or this session's role. */
  PUNKTFUNK_STATUS_UNSUPPORTED = -6,
  /** A socket error. */
  PUNKTFUNK_STATUS_IO = -7,
  /** A required pointer was NULL. */
  PUNKTFUNK_STATUS_NULL_POINTER = -8,
  /** A wait ran out of time. */
  PUNKTFUNK_STATUS_TIMEOUT = -9,
  /** The peer or the session has closed. */
  PUNKTFUNK_STATUS_CLOSED = -10,
  PUNKTFUNK_STATUS_REJECTED_NOT_ARMED = -20,
  PUNKTFUNK_STATUS_REJECTED_BOUND_OTHER = -21,
  PUNKTFUNK_STATUS_REJECTED_RATE_LIMITED = -22,
  PUNKTFUNK_STATUS_REJECTED_IDENTITY_REQUIRED = -23,
  PUNKTFUNK_STATUS_REJECTED_DENIED = -24,
  PUNKTFUNK_STATUS_REJECTED_APPROVAL_TIMEOUT = -25,
  PUNKTFUNK_STATUS_REJECTED_SUPERSEDED = -26,
  PUNKTFUNK_STATUS_REJECTED_WIRE_VERSION = -27,
  PUNKTFUNK_STATUS_REJECTED_BUSY = -28,
  PUNKTFUNK_STATUS_REJECTED_SETUP_FAILED = -29,
  PUNKTFUNK_STATUS_REJECTED_ACCESS_EXPIRED = -30,
  PUNKTFUNK_STATUS_REJECTED_LAUNCH_NOT_PERMITTED = -31,
  PUNKTFUNK_STATUS_REJECTED_HOST_POWER = -32,
  PUNKTFUNK_STATUS_REJECTED_PROFILE_UNKNOWN = -33,
  PUNKTFUNK_STATUS_REJECTED_NO_SEAT = -34,
  PUNKTFUNK_STATUS_REJECTED_SEAT_OCCUPIED = -35,
  PUNKTFUNK_STATUS_REJECTED_SEAT_UNAVAILABLE = -36,
  /** An internal failure (the original's caught panic; here also out of
   *  memory).  The session should be freed. */
  PUNKTFUNK_STATUS_PANIC = -99
};
#ifndef __cplusplus
/* As cbindgen spells it: the enum gives the names, the type is int32_t.
 * (In C++ the enum itself has that underlying type.) */
typedef int32_t PunktfunkStatus;
#endif

/**
 * @struct PunktfunkConfig
 *
 * One side of a session.  Layout (LP64 and ILP32 alike, no padding,
 * 64 bytes): struct_size@0 role@4 phase@8 fec_scheme@12 fec_percent@16
 * max_data_per_block@20 shard_payload@24 encrypt@28 key@32 salt@48
 * loopback_drop_period@52 max_frame_bytes@56.  Zero it, then set every
 * field; the host's and the client's fec_scheme, max_data_per_block,
 * shard_payload, encrypt, key and salt must agree.
 *
 * Rules (else PUNKTFUNK_STATUS_INVALID_ARG): struct_size >=
 * sizeof(PunktfunkConfig); role 0 or 1; phase 1 or 2; fec_scheme 0 or 1;
 * fec_percent <= 255; max_data_per_block 1..65535; shard_payload even,
 * 2..9152 (a client needs >= 512); K + M(K) fits the code (255 shards
 * for GF8) with M(K) = max(ceil(K * pct / 100), 2), 0 for pct 0;
 * max_frame_bytes 1..UINT32_MAX with
 * ceil(ceil(max_frame_bytes / shard_payload) / K) <= 65535; encrypt
 * non-zero needs a key that is not all zero.
 */
typedef struct PunktfunkConfig {
  /** sizeof(PunktfunkConfig) as the caller was compiled. */
  uint32_t struct_size;
  /** PUNKTFUNK_ROLE_HOST (sends video) or PUNKTFUNK_ROLE_CLIENT. */
  uint32_t role;
  /** Protocol phase, stamped as the header's version byte: 1 (P1,
   *  GameStream-compatible) or 2. */
  uint32_t phase;
  /** PUNKTFUNK_FEC_GF8 (Cauchy RS, nanors) or PUNKTFUNK_FEC_GF16
   *  (Leopard). */
  uint32_t fec_scheme;
  /** Parity per block in percent of its data shards (above 90 the
   *  sender uses 90). */
  uint32_t fec_percent;
  /** K: data shards per FEC block. */
  uint32_t max_data_per_block;
  /** Bytes of every shard (the datagram is 40 bytes more, 64 sealed). */
  uint32_t shard_payload;
  /** Non-zero: seal every datagram with AES-128-GCM. */
  uint32_t encrypt;
  /** The AES-128 session key. */
  uint8_t key[16];
  /** The 4-byte nonce salt. */
  uint8_t salt[4];
  /** Loopback pairs only: drop every datagram n (counted from 0 over
   *  the session's life) this side sends with n % period == 0.  0 = no
   *  loss.  Ignored by punktfunk_session_new(). */
  uint32_t loopback_drop_period;
  /** Largest access unit, bytes. */
  uint64_t max_frame_bytes;
} PunktfunkConfig;

/**
 * @struct PunktfunkFrame
 *
 * One reassembled access unit.  |data| is borrowed (see above); NULL
 * when |len| is 0.  |flags| are the sender's user flags.
 */
typedef struct PunktfunkFrame {
  const uint8_t *data;
  size_t len;
  uint32_t frame_index;
  uint64_t pts_ns;
  uint32_t flags;
} PunktfunkFrame;

/**
 * @struct PunktfunkStats
 *
 * Counters of one session since it was made (a host fills the send
 * side, a client the receive side; the rest stays 0).  Fixed layout.
 */
typedef struct PunktfunkStats {
  /** Host: access units accepted by punktfunk_host_submit_frame(). */
  uint64_t frames_submitted;
  /** Client: access units handed out / given up as lost. */
  uint64_t frames_completed;
  uint64_t frames_dropped;
  /** Host: datagrams sent (loopback: including those the drop period
   *  discarded, which a real network would also have lost silently). */
  uint64_t packets_sent;
  /** Client: datagrams that passed authentication and replay checks. */
  uint64_t packets_received;
  /** Client: datagrams not used (damaged, forged, replayed, late,
   *  duplicate, surplus parity). */
  uint64_t packets_dropped;
  /** Host: datagrams the socket refused (buffer full, errors). */
  uint64_t packets_send_dropped;
  /** Client: data shards rebuilt by FEC. */
  uint64_t fec_recovered_shards;
  /** Host: datagram bytes sent.  Client: plaintext bytes received. */
  uint64_t bytes_sent;
  uint64_t bytes_received;
} PunktfunkStats;

/** An opaque session: the host (sending) or client (receiving) end. */
typedef struct PunktfunkSession PunktfunkSession;

/**
 * @function punktfunk_abi_version
 *
 * Returns PUNKTFUNK_ABI_VERSION of the running library.
 */
PUNKTFUNK_EXTERN uint32_t punktfunk_abi_version(void);

/**
 * @function punktfunk_session_new
 *
 * Creates a session over UDP for |cfg| (copied): a socket bound to
 * |local| ("ADDR:PORT", "[V6ADDR]:PORT" or ":PORT"; port 0 picks a free
 * one) and connected to |peer| ("HOST:PORT"; HOST numeric or
 * "localhost"; no DNS).  A host sends each submitted frame to |peer|; a
 * client receives from |peer| only.
 *
 * Returns the session, or NULL on any error (NULL argument, invalid
 * config, address that does not parse, socket error).
 */
PUNKTFUNK_EXTERN PunktfunkSession *
punktfunk_session_new(const PunktfunkConfig *cfg, const char *local,
                      const char *peer);

/**
 * @function punktfunk_test_loopback_pair
 *
 * Creates a connected host and client in this process, without sockets:
 * every datagram the host sends is handed straight to the client, except
 * those that host_cfg->loopback_drop_period discards (deterministic loss
 * for tests).  host_cfg->role must be host and client_cfg->role client.
 * On success stores both sessions (free each one); on error stores NULL
 * in both.
 *
 * Returns PUNKTFUNK_STATUS_OK, PUNKTFUNK_STATUS_NULL_POINTER,
 * PUNKTFUNK_STATUS_INVALID_ARG (a config breaks the rules above),
 * PUNKTFUNK_STATUS_UNSUPPORTED (a scheme or cipher this build lacks) or
 * PUNKTFUNK_STATUS_PANIC (out of memory).
 */
PUNKTFUNK_EXTERN PunktfunkStatus punktfunk_test_loopback_pair(
    const PunktfunkConfig *host_cfg, const PunktfunkConfig *client_cfg,
    PunktfunkSession **out_host, PunktfunkSession **out_client);

/**
 * @function punktfunk_session_free
 *
 * Releases |s| (wiping its key); NULL does nothing.  A frame it handed
 * out becomes invalid.  Freeing one side of a loopback pair leaves the
 * other usable: a host then reports PUNKTFUNK_STATUS_CLOSED.
 */
PUNKTFUNK_EXTERN void punktfunk_session_free(PunktfunkSession *s);

/**
 * @function punktfunk_host_submit_frame
 *
 * Packetizes one access unit of |len| bytes at |data| (read during the
 * call only; NULL allowed iff |len| is 0), adds FEC, seals and sends all
 * its datagrams before returning.  |flags| travel as the frame's user
 * flags.  Frames are numbered 0, 1, 2, ... in submit order.
 *
 * Returns PUNKTFUNK_STATUS_OK or:
 * PUNKTFUNK_STATUS_NULL_POINTER: |s| NULL, or |data| NULL with |len| > 0.
 * PUNKTFUNK_STATUS_INVALID_ARG: |s| is a client, or |len| >
 *   max_frame_bytes.
 * PUNKTFUNK_STATUS_CRYPTO: the sequence space is used up or the cipher
 *   failed.
 * PUNKTFUNK_STATUS_IO: the socket failed (datagrams not sent are
 *   counted in packets_send_dropped).
 * PUNKTFUNK_STATUS_CLOSED: the loopback client has been freed.
 * PUNKTFUNK_STATUS_PANIC: out of memory or an internal error.
 */
PUNKTFUNK_EXTERN PunktfunkStatus
punktfunk_host_submit_frame(PunktfunkSession *s, const uint8_t *data,
                            size_t len, uint64_t pts_ns, uint32_t flags);

/**
 * @function punktfunk_client_poll_frame
 *
 * Non-blocking: takes what has arrived (UDP sessions read their socket
 * without waiting) and hands out the oldest finished access unit as
 * |*out|.  The previous frame of |s| is given back first.
 *
 * Returns PUNKTFUNK_STATUS_OK (|*out| filled; data borrowed until the
 * next poll or free of |s|) or:
 * PUNKTFUNK_STATUS_NO_FRAME: nothing ready (|*out| untouched).
 * PUNKTFUNK_STATUS_NULL_POINTER: |s| or |out| NULL.
 * PUNKTFUNK_STATUS_INVALID_ARG: |s| is a host.
 * PUNKTFUNK_STATUS_IO: the socket failed.
 */
PUNKTFUNK_EXTERN PunktfunkStatus
punktfunk_client_poll_frame(PunktfunkSession *s, PunktfunkFrame *out);

/**
 * @function punktfunk_get_stats
 *
 * Copies the counters of |s| into |*out|.
 *
 * Returns PUNKTFUNK_STATUS_OK or PUNKTFUNK_STATUS_NULL_POINTER.
 */
PUNKTFUNK_EXTERN PunktfunkStatus punktfunk_get_stats(PunktfunkSession *s,
                                                     PunktfunkStats *out);

#ifdef __cplusplus
}
#endif

#endif /* PUNKTFUNK_PUNKTFUNK_CORE_H */

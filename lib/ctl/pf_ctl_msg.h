/*
 * pf_ctl_msg.h -- codecs of the punktfunk/1 QUIC control plane, as pure
 * functions: the handshake messages Hello / Welcome / Start, the typed
 * "PKFc" messages, and the headers of the QUIC-datagram planes (audio,
 * rumble).  No QUIC, no sockets, no allocation: the connection object
 * (lib/ctl) calls these on bytes it already has.  doc/wire-format.md,
 * chapter 13 "Control plane (QUIC, ALPN pkf1)", is the specification.
 *
 * Internal, not public API: the layouts follow the original byte for
 * byte and grow with every version of it (Hello and Welcome gained a
 * field in almost every release), so publishing these structs would
 * freeze them.  Tools never need them -- they talk to the connection
 * object, which hands out its own versioned structs -- and the compat
 * layer is inside lib and includes this header directly.  What tools do
 * need (close-code names, the synthetic test frame) is public, in
 * punktfunk.h, section "Control plane: close codes and test frames".
 *
 * Conventions: encoders write into |out| of |cap| bytes and return the
 * byte count, PF_ERR_NOBUF when |cap| is too small (nothing useful
 * written) or PF_ERR_INVALID_ARGUMENT for a NULL pointer or a field out
 * of range.  Decoders return 0, or PF_ERR_MALFORMED when the magic,
 * the type or the length is wrong; they never read past |len| and never
 * keep a pointer into |buf| except where a field says so.
 */
#ifndef PF_CTL_MSG_H
#define PF_CTL_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Handshake magic and the wire version Hello.abi must carry. */
#define PF_CTL_MAGIC "PKF1"
#define PF_CTL_WIRE_VERSION 2u

/* ------------------------------------------------------------ Hello */

#define PF_CTL_HELLO_BASE_BYTES 20u
#define PF_CTL_HELLO_NAME_MAX 64u
#define PF_CTL_HELLO_LAUNCH_MAX 128u
/* Base + compositor + gamepad + bitrate + (1 + name) + (1 + launch). */
#define PF_CTL_HELLO_MAX_BYTES                                                \
  (PF_CTL_HELLO_BASE_BYTES + 1u + 1u + 4u + 1u + PF_CTL_HELLO_NAME_MAX + 1u + \
   PF_CTL_HELLO_LAUNCH_MAX)

/* Optional Hello fields, in wire order; n_tail counts how many of them
 * are present (each one needs all before it). */
#define PF_CTL_HELLO_TAIL_COMPOSITOR 1u
#define PF_CTL_HELLO_TAIL_GAMEPAD 2u
#define PF_CTL_HELLO_TAIL_BITRATE 3u
#define PF_CTL_HELLO_TAIL_NAME 4u
#define PF_CTL_HELLO_TAIL_LAUNCH 5u

typedef struct pf_ctl_hello {
  uint32_t abi; /* PF_CTL_WIRE_VERSION; the host judges it, not the codec */
  uint32_t width;
  uint32_t height;
  uint32_t refresh_hz;
  uint8_t n_tail;       /* optional fields present, 0..5 */
  uint8_t compositor;   /* 0 auto, 1 kwin, 2 wlroots, 3 mutter, 4 gamescope */
  uint8_t gamepad;      /* 0 auto */
  uint32_t bitrate_kbps; /* 0 = host default */
  uint8_t name_len;     /* <= PF_CTL_HELLO_NAME_MAX */
  uint8_t launch_len;   /* <= PF_CTL_HELLO_LAUNCH_MAX */
  char name[PF_CTL_HELLO_NAME_MAX + 1];     /* NUL-terminated copy */
  char launch[PF_CTL_HELLO_LAUNCH_MAX + 1]; /* NUL-terminated copy */
} pf_ctl_hello;

/* Base plus the first n_tail optional fields.  Returns the length (20 to
 * PF_CTL_HELLO_MAX_BYTES).  PF_ERR_INVALID_ARGUMENT: n_tail > 5, or a
 * name / launch length over its maximum. */
int pf_ctl_hello_encode(uint8_t *out, size_t cap, const pf_ctl_hello *h);

/* len >= 20 and magic "PKF1".  Optional fields are read while they fit
 * whole; a field cut short ends the tail (n_tail says how far it got),
 * and whatever follows the launch field is skipped.  A name or launch
 * length byte over its maximum is PF_ERR_MALFORMED.  Absent fields are
 * 0 / empty. */
int pf_ctl_hello_decode(pf_ctl_hello *h, const uint8_t *buf, size_t len);

/* ---------------------------------------------------------- Welcome */

#define PF_CTL_WELCOME_BASE_BYTES 53u
#define PF_CTL_WELCOME_KEY_BYTES 16u
#define PF_CTL_WELCOME_SALT_BYTES 4u
/* Base + compositor, gamepad, bitrate, bit_depth, colour (4), chroma,
 * audio_channels, codec: the trailing fields this codec can name. */
#define PF_CTL_WELCOME_MAX_BYTES 67u

#define PF_CTL_WELCOME_TAIL_COMPOSITOR 1u
#define PF_CTL_WELCOME_TAIL_GAMEPAD 2u
#define PF_CTL_WELCOME_TAIL_BITRATE 3u
#define PF_CTL_WELCOME_TAIL_BIT_DEPTH 4u
#define PF_CTL_WELCOME_TAIL_COLOR 5u
#define PF_CTL_WELCOME_TAIL_CHROMA 6u
#define PF_CTL_WELCOME_TAIL_AUDIO_CHANNELS 7u
#define PF_CTL_WELCOME_TAIL_CODEC 8u

#define PF_CTL_FEC_GF8 0u
#define PF_CTL_FEC_GF16 1u

/* Holds the session key: the caller wipes it (pf_mem's wipe) when done. */
typedef struct pf_ctl_welcome {
  uint32_t abi;
  uint16_t udp_port; /* the host's data-plane port */
  uint32_t width;
  uint32_t height;
  uint32_t refresh_hz;
  uint8_t fec_scheme;  /* PF_CTL_FEC_GF8 / PF_CTL_FEC_GF16 */
  uint8_t fec_percent; /* 0..100 */
  uint16_t max_data_per_block;
  uint16_t shard_payload;
  uint8_t encrypt; /* 0 or 1 (decoder: any non-zero byte is 1) */
  uint8_t key[PF_CTL_WELCOME_KEY_BYTES];
  uint8_t salt[PF_CTL_WELCOME_SALT_BYTES];
  uint32_t frames; /* frames the host will send, 0 = unbounded */
  uint8_t n_tail;  /* trailing fields present, 0..8 */
  uint8_t compositor;
  uint8_t gamepad;
  uint32_t bitrate_kbps;
  uint8_t bit_depth;      /* original's default when absent: 8 */
  uint8_t color[4];       /* CICP: primaries, transfer, matrix, range */
  uint8_t chroma_format;  /* HEVC chroma_format_idc */
  uint8_t audio_channels; /* original's default when absent: 2 */
  uint8_t codec;          /* codec bit the host emits */
} pf_ctl_welcome;

/* Base plus the first n_tail trailing fields (53..67 bytes).
 * PF_ERR_INVALID_ARGUMENT: n_tail > 8, fec_scheme not 0/1,
 * fec_percent > 100. */
int pf_ctl_welcome_encode(uint8_t *out, size_t cap, const pf_ctl_welcome *w);

/* len >= 53, magic "PKF1", fec_scheme 0 or 1, fec_percent <= 100
 * (else PF_ERR_MALFORMED).  Trailing fields are read while they fit
 * whole; bytes past the last one this codec knows are skipped. */
int pf_ctl_welcome_decode(pf_ctl_welcome *w, const uint8_t *buf, size_t len);

/* ------------------------------------------------------------ Start */

#define PF_CTL_START_BYTES 6u

/* "PKF1" client_udp_port.  Returns 6. */
int pf_ctl_start_encode(uint8_t *out, size_t cap, uint16_t client_udp_port);
/* len >= 6 and magic "PKF1"; trailing bytes are skipped. */
int pf_ctl_start_decode(uint16_t *client_udp_port, const uint8_t *buf,
                        size_t len);

/* ---------------------------------------------- typed "PKFc" messages */

#define PF_CTL_TYPED_MAGIC "PKFc"
#define PF_CTL_TYPED_HEADER_BYTES 5u /* magic + type */
#define PF_CTL_TYPED_MAX_BYTES 29u   /* the longest we know */

#define PF_CTL_RECONFIGURE 0x01u
#define PF_CTL_RECONFIGURED 0x02u
#define PF_CTL_REQUEST_KEYFRAME 0x03u
#define PF_CTL_LOSS_REPORT 0x04u
#define PF_CTL_SET_BITRATE 0x05u
#define PF_CTL_BITRATE_CHANGED 0x06u
#define PF_CTL_RFI_REQUEST 0x07u
/* 0x10 PairRequest, 0x11 PairChallenge, 0x12 PairProof, 0x13 PairResult:
 * the SPAKE2 pairing messages.  Their codecs belong to lib/pair (the
 * pairing issue); pf_ctl_typed_decode() reports them as
 * PF_CTL_TYPED_PAIRING so the connection can hand the bytes on. */
#define PF_CTL_PAIR_FIRST 0x10u
#define PF_CTL_PAIR_LAST 0x13u
#define PF_CTL_PROBE_REQUEST 0x20u
#define PF_CTL_PROBE_RESULT 0x21u
#define PF_CTL_CLOCK_PROBE 0x30u
#define PF_CTL_CLOCK_ECHO 0x31u

/* Non-error results of pf_ctl_typed_decode(). */
#define PF_CTL_TYPED_UNKNOWN 1 /* well-formed "PKFc" + a type we do not
                                  know: ignore it, as the original does */
#define PF_CTL_TYPED_PAIRING 2 /* 0x10..0x13: for lib/pair */

#define PF_CTL_PROBE_RESULT_BYTES 21u
#define PF_CTL_PROBE_RESULT_WIRE_BYTES 29u

typedef struct pf_ctl_typed {
  uint8_t type; /* PF_CTL_RECONFIGURE ... */
  union {
    struct { /* RECONFIGURE, and RECONFIGURED with |accepted| */
      uint8_t accepted;
      uint32_t width, height, refresh_hz;
    } mode;
    uint32_t loss_ppm;     /* LOSS_REPORT, 0..1000000 by convention */
    uint32_t bitrate_kbps; /* SET_BITRATE, BITRATE_CHANGED */
    struct {
      uint32_t first_frame, last_frame;
    } rfi;
    struct {
      uint32_t target_kbps, duration_ms;
    } probe_request;
    struct {
      uint64_t bytes_sent;
      uint32_t packets_sent, duration_ms;
      uint8_t has_wire; /* the two fields below are present (29 B) */
      uint32_t wire_packets_sent, send_dropped;
    } probe_result;
    struct {
      uint64_t t1_ns, t2_ns, t3_ns; /* CLOCK_PROBE: t1 only */
    } clock;
  } u;
} pf_ctl_typed;

/* Wire length of a known type (ProbeResult: with has_wire as given), or
 * 0 for a type this codec does not encode. */
size_t pf_ctl_typed_len(const pf_ctl_typed *m);

/* Returns the length, PF_ERR_NOBUF, or PF_ERR_INVALID_ARGUMENT for a
 * type this codec does not encode (including pairing). */
int pf_ctl_typed_encode(uint8_t *out, size_t cap, const pf_ctl_typed *m);

/*
 * Returns 0 with *m filled for a known type of exactly its length
 * (ProbeResult: 21 bytes, or >= 29 with the wire counters; 22..28 read
 * as 21 with the rest skipped), PF_CTL_TYPED_UNKNOWN or
 * PF_CTL_TYPED_PAIRING (m->type set, nothing else) for the magic and a
 * type byte we leave alone, PF_ERR_MALFORMED for anything else (not
 * "PKFc", shorter than 5 bytes, wrong length for the type).
 */
int pf_ctl_typed_decode(pf_ctl_typed *m, const uint8_t *buf, size_t len);

/* ------------------------------------------- QUIC-datagram planes */

#define PF_CTL_DGRAM_INPUT 0xC8u
#define PF_CTL_DGRAM_AUDIO 0xC9u
#define PF_CTL_DGRAM_RUMBLE 0xCAu
#define PF_CTL_AUDIO_HEADER_BYTES 13u
#define PF_CTL_RUMBLE_BYTES 7u
/* A QUIC datagram frame cannot carry more than this. */
#define PF_CTL_DGRAM_MAX 65535u
#define PF_CTL_AUDIO_MAX_PAYLOAD (PF_CTL_DGRAM_MAX - PF_CTL_AUDIO_HEADER_BYTES)

/* The plane of a datagram: its first byte, or PF_ERR_MALFORMED when it
 * is empty.  The caller ignores planes it does not serve. */
int pf_ctl_dgram_kind(const uint8_t *buf, size_t len);

typedef struct pf_ctl_audio {
  uint32_t seq;
  uint64_t pts_ns;
  const uint8_t *payload; /* decode: points into the buffer decoded */
  size_t payload_len;     /* 0 is legal (DTX) */
} pf_ctl_audio;

/* 0xC9 || seq u32 LE || pts_ns u64 LE || payload.  Returns 13 +
 * payload_len.  PF_ERR_INVALID_ARGUMENT: payload_len over
 * PF_CTL_AUDIO_MAX_PAYLOAD. */
int pf_ctl_audio_encode(uint8_t *out, size_t cap, const pf_ctl_audio *a);
/* len >= 13 and first byte 0xC9; a->payload points into |buf|. */
int pf_ctl_audio_decode(pf_ctl_audio *a, const uint8_t *buf, size_t len);

typedef struct pf_ctl_rumble {
  uint16_t pad; /* gamepad index */
  uint16_t low; /* low-frequency motor strength */
  uint16_t high;
} pf_ctl_rumble;

/* 0xCA || pad u16 || low u16 || high u16: 7 bytes.  The decoder needs
 * >= 7 and skips bytes after them (a later version may append). */
int pf_ctl_rumble_encode(uint8_t *out, size_t cap, const pf_ctl_rumble *r);
int pf_ctl_rumble_decode(pf_ctl_rumble *r, const uint8_t *buf, size_t len);

#endif /* PF_CTL_MSG_H */

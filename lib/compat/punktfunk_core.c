/*
 * punktfunk_core.c -- the original punktfunk C ABI (punktfunk_core.h) as a
 * thin layer over pf_sender, pf_receiver and pf_udp.
 *
 * A host session owns a pf_sender; a client session a pf_receiver.  The
 * transport is either a pf_udp socket (punktfunk_session_new) or, for a
 * loopback pair, a direct call from the host's submit into the client's
 * receiver, guarded by a mutex the two sessions share so that each may
 * live on its own thread.  doc/compat-abi.md describes the mapping.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>
#include <punktfunk/punktfunk_core.h>

#include "compat/pf_core.h"
#include "dataplane/pf_sender.h"
#include "dataplane/pf_wire.h"

/* Largest sealed datagram: the receive buffer size of a client socket. */
#define CORE_MAX_DGRAM PF_PKT_MAX_DATAGRAM
/* Datagrams a client takes from its socket per poll, at most (bounds the
 * time one poll can take under a flood). */
#define CORE_POLL_MAX_DGRAMS 65536u
/* Datagrams per pf_udp_recv() call. */
#define CORE_RECV_BATCH 64u
/* How long a host waits for socket buffer space per attempt, and how many
 * attempts before the rest of an AU is counted as send-dropped. */
#define CORE_SEND_WAIT_MS 20
#define CORE_SEND_WAIT_TRIES 50

/* State two loopback sessions share.  |client| is NULL once the client is
 * freed; the struct goes when both are. */
typedef struct core_link {
  pthread_mutex_t lock;
  PunktfunkSession *client;
  int refs;
} core_link;

struct PunktfunkSession {
  uint32_t role;
  PunktfunkConfig cfg;
  pf_sender *sender;     /* host */
  pf_receiver *receiver; /* client */
  pf_udp *udp;           /* session_new */
  core_link *link;       /* loopback pair */
  uint64_t drop_counter; /* loopback: datagrams this side sent */
  int have_frame;        /* |frame| is handed out */
  pf_frame frame;
  PunktfunkStats st; /* the host-side counters */
};

uint32_t punktfunk_abi_version(void) {
  return PUNKTFUNK_ABI_VERSION;
}

/* PF_ERR_* / -errno to the original's status numbers. */
static PunktfunkStatus core_status(int rv) {
  if (rv >= 0)
    return PUNKTFUNK_STATUS_OK;
  switch (rv) {
  case PF_ERR_INVALID_ARGUMENT:
  case PF_ERR_ABI:
  case PF_ERR_NOBUF:
  case PF_ERR_LIMIT:
    return PUNKTFUNK_STATUS_INVALID_ARG;
  case PF_ERR_UNSUPPORTED:
    return PUNKTFUNK_STATUS_UNSUPPORTED;
  case PF_ERR_FEC_UNRECOVERABLE:
    return PUNKTFUNK_STATUS_FEC;
  case PF_ERR_MALFORMED:
  case PF_ERR_DROP:
  case PF_ERR_CHECKSUM:
    return PUNKTFUNK_STATUS_BAD_PACKET;
  case PF_ERR_CRYPTO:
  case PF_ERR_CRYPTO_STATE:
  case PF_ERR_SEQ_EXHAUSTED:
    return PUNKTFUNK_STATUS_CRYPTO;
  case PF_ERR_NOFRAME:
    return PUNKTFUNK_STATUS_NO_FRAME;
  case PF_ERR_CLOSED:
    return PUNKTFUNK_STATUS_CLOSED;
  case PF_ERR_TIMEOUT:
  case -ETIMEDOUT:
    return PUNKTFUNK_STATUS_TIMEOUT;
  default:
    break;
  }
  if (rv >= -4095)
    return PUNKTFUNK_STATUS_IO;
  /* NOMEM, CALLBACK_FAILURE, INTERNAL and anything unknown. */
  return PUNKTFUNK_STATUS_PANIC;
}

/* The original's Config::validate (doc/wire-format.md 5.1, 5.2, 12.3). */
static PunktfunkStatus core_validate(const PunktfunkConfig *c) {
  uint32_t ceiling, m, i;
  uint64_t shards, blocks;
  int nonzero = 0;

  if (c == NULL)
    return PUNKTFUNK_STATUS_NULL_POINTER;
  /* struct_size first: nothing past it may be read if it is short. */
  if (c->struct_size < sizeof(PunktfunkConfig))
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->role > PUNKTFUNK_ROLE_CLIENT)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->phase != PUNKTFUNK_PHASE_P1 && c->phase != PUNKTFUNK_PHASE_P2)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->fec_scheme > PUNKTFUNK_FEC_GF16 || c->fec_percent > 255)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->max_data_per_block == 0 || c->max_data_per_block > 65535)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->shard_payload == 0 || (c->shard_payload & 1u) != 0 ||
      c->shard_payload > PF_PKT_MAX_SHARD_PAYLOAD)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->role == PUNKTFUNK_ROLE_CLIENT &&
      c->shard_payload < PF_PKT_MIN_SHARD_PAYLOAD)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  ceiling = c->fec_scheme == PUNKTFUNK_FEC_GF8 ? PF_FEC8_MAX_SHARDS
                                               : PF_FEC16_MAX_SHARDS;
  m = pf_wire_recovery_for(c->max_data_per_block, c->fec_percent);
  if ((uint64_t)c->max_data_per_block + m > ceiling)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->max_frame_bytes == 0 || c->max_frame_bytes > UINT32_MAX)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  shards = (c->max_frame_bytes + c->shard_payload - 1) / c->shard_payload;
  blocks = (shards + c->max_data_per_block - 1) / c->max_data_per_block;
  if (blocks > 65535)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  if (c->encrypt != 0) {
    for (i = 0; i < sizeof(c->key); i++)
      nonzero |= c->key[i];
    if (!nonzero)
      return PUNKTFUNK_STATUS_INVALID_ARG;
  }
  return PUNKTFUNK_STATUS_OK;
}

static void core_wipe(void *p, size_t n) {
  volatile uint8_t *v = p;

  while (n--)
    *v++ = 0;
}

/* Makes the sender or receiver of a validated config. */
static PunktfunkStatus core_session_make(PunktfunkSession **ps,
                                         const PunktfunkConfig *c) {
  PunktfunkSession *s;
  int rv;

  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return PUNKTFUNK_STATUS_PANIC;
  s->role = c->role;
  /* Only the first 64 bytes are ours: a newer caller's tail is ignored. */
  memcpy(&s->cfg, c, sizeof(s->cfg));
  s->cfg.struct_size = (uint32_t)sizeof(s->cfg);

  if (c->role == PUNKTFUNK_ROLE_HOST) {
    pf_sender_config sc;

    pf_sender_config_default(&sc);
    sc.fec_scheme = c->fec_scheme;
    /* The original lets pct go to 255 in the config; its packetizer, like
     * pf_sender, never sends more than 90 %. */
    sc.fec_percent = c->fec_percent > PF_FEC_PERCENT_MAX ? PF_FEC_PERCENT_MAX
                                                         : c->fec_percent;
    sc.max_data_per_block = c->max_data_per_block;
    sc.shard_payload = c->shard_payload;
    sc.version = c->phase;
    sc.direction = PF_DIR_HOST;
    sc.max_frame_bytes = c->max_frame_bytes;
    if (c->encrypt != 0) {
      sc.aead = PF_AEAD_AES128GCM;
      memcpy(sc.key, c->key, sizeof(c->key));
      sc.key_len = PF_AEAD_AES128GCM_KEYBYTES;
      memcpy(sc.salt, c->salt, sizeof(c->salt));
    }
    rv = pf_sender_new(&s->sender, &sc, NULL);
    core_wipe(&sc, sizeof(sc));
  } else {
    pf_receiver_config rc;

    pf_receiver_config_default(&rc);
    rc.fec_scheme = c->fec_scheme;
    rc.shard_payload = c->shard_payload;
    rc.max_data_per_block = c->max_data_per_block;
    /* A host never sends more than 90 % parity (the original packetizer
     * and pf_sender clamp to PF_FEC_PERCENT_MAX, whatever fec_percent
     * says), so blocks with more parity than M(K, 90 %) are no host's:
     * the receiver drops them instead of decoding them. */
    rc.max_fec_percent = PF_FEC_PERCENT_MAX;
    rc.max_frame_bytes = c->max_frame_bytes;
    rc.peer_direction = PF_DIR_HOST;
    if (c->encrypt != 0) {
      rc.aead = PF_AEAD_AES128GCM;
      memcpy(rc.key, c->key, sizeof(c->key));
      rc.key_len = PF_AEAD_AES128GCM_KEYBYTES;
      memcpy(rc.salt, c->salt, sizeof(c->salt));
    }
    rv = pf_receiver_new(&s->receiver, &rc, NULL);
    core_wipe(&rc, sizeof(rc));
  }
  /* The cipher holds its own key schedule: our copy of the key is not
   * needed past set-up (as pf_sender and pf_receiver wipe theirs). */
  core_wipe(s->cfg.key, sizeof(s->cfg.key));
  if (rv != 0) {
    core_wipe(s, sizeof(*s));
    free(s);
    return core_status(rv);
  }
  *ps = s;
  return PUNKTFUNK_STATUS_OK;
}

const uint8_t *pf_core_session_key(const PunktfunkSession *s) {
  return s->cfg.key;
}

void punktfunk_session_free(PunktfunkSession *s) {
  if (s == NULL)
    return;
  if (s->link != NULL) {
    core_link *l = s->link;
    int last;

    pthread_mutex_lock(&l->lock);
    if (l->client == s)
      l->client = NULL;
    last = --l->refs == 0;
    pthread_mutex_unlock(&l->lock);
    /* The host may be inside a submit that feeds this client's receiver;
     * it holds the lock for that, so past the unlock above nobody can
     * reach |s| any more. */
    if (last) {
      pthread_mutex_destroy(&l->lock);
      free(l);
    }
  }
  pf_udp_del(s->udp);
  pf_sender_del(s->sender);
  pf_receiver_del(s->receiver);
  core_wipe(s, sizeof(*s));
  free(s);
}

/* The pf_udp backends to try, best first: a container may forbid
 * io_uring and an old kernel lack GSO/GRO. */
static int core_udp_open(pf_udp **pu, const char *local, const char *peer) {
  static const struct {
    uint32_t backend, offload;
  } tries[] = {{PF_UDP_IO_URING, 1}, {PF_UDP_IO_MMSG, 1}, {PF_UDP_IO_MMSG, 0}};
  size_t i;
  int rv = PF_ERR_INVALID_ARGUMENT;

  for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    pf_udp_config uc;

    pf_udp_config_default(&uc);
    uc.backend = tries[i].backend;
    uc.gso = tries[i].offload;
    uc.gro = tries[i].offload;
    uc.max_datagram = CORE_MAX_DGRAM;
    rv = pf_udp_open(pu, &uc, local, peer, NULL);
    if (rv == 0 || rv == PF_ERR_INVALID_ARGUMENT || rv == PF_ERR_NOMEM ||
        rv == -EADDRINUSE || rv == -EADDRNOTAVAIL || rv == -EACCES)
      break;
  }
  return rv;
}

PunktfunkSession *punktfunk_session_new(const PunktfunkConfig *cfg,
                                        const char *local, const char *peer) {
  PunktfunkSession *s = NULL;

  if (cfg == NULL || local == NULL || peer == NULL)
    return NULL;
  if (core_validate(cfg) != PUNKTFUNK_STATUS_OK)
    return NULL;
  if (core_session_make(&s, cfg) != PUNKTFUNK_STATUS_OK)
    return NULL;
  if (core_udp_open(&s->udp, local, peer) != 0) {
    punktfunk_session_free(s);
    return NULL;
  }
  return s;
}

PunktfunkStatus punktfunk_test_loopback_pair(const PunktfunkConfig *host_cfg,
                                             const PunktfunkConfig *client_cfg,
                                             PunktfunkSession **out_host,
                                             PunktfunkSession **out_client) {
  PunktfunkSession *h = NULL, *c = NULL;
  core_link *l;
  PunktfunkStatus st;

  if (out_host != NULL)
    *out_host = NULL;
  if (out_client != NULL)
    *out_client = NULL;
  if (host_cfg == NULL || client_cfg == NULL || out_host == NULL ||
      out_client == NULL)
    return PUNKTFUNK_STATUS_NULL_POINTER;
  st = core_validate(host_cfg);
  if (st == PUNKTFUNK_STATUS_OK)
    st = core_validate(client_cfg);
  if (st != PUNKTFUNK_STATUS_OK)
    return st;
  if (host_cfg->role != PUNKTFUNK_ROLE_HOST ||
      client_cfg->role != PUNKTFUNK_ROLE_CLIENT)
    return PUNKTFUNK_STATUS_INVALID_ARG;

  l = calloc(1, sizeof(*l));
  if (l == NULL)
    return PUNKTFUNK_STATUS_PANIC;
  if (pthread_mutex_init(&l->lock, NULL) != 0) {
    free(l);
    return PUNKTFUNK_STATUS_PANIC;
  }
  st = core_session_make(&h, host_cfg);
  if (st == PUNKTFUNK_STATUS_OK)
    st = core_session_make(&c, client_cfg);
  if (st != PUNKTFUNK_STATUS_OK) {
    punktfunk_session_free(h);
    pthread_mutex_destroy(&l->lock);
    free(l);
    return st;
  }
  l->client = c;
  l->refs = 2;
  h->link = l;
  c->link = l;
  *out_host = h;
  *out_client = c;
  return PUNKTFUNK_STATUS_OK;
}

/* Loopback: hands the batch to the client, minus the drop period's
 * victims.  Called with the link locked and l->client set. */
static void core_loop_deliver(PunktfunkSession *s, const pf_dgram_batch *b) {
  pf_receiver *rx = s->link->client->receiver;
  uint32_t period = s->cfg.loopback_drop_period;
  uint64_t now = pf_clock_now_ns();
  size_t i;

  for (i = 0; i < b->count; i++) {
    uint64_t n = s->drop_counter++;

    if (period != 0 && n % period == 0)
      continue;
    /* PF_ERR_DROP is counted by the receiver; nothing else can fail for
     * a well-formed datagram but NOMEM, which it also counts. */
    (void)pf_receiver_read_datagram(rx, b->data + i * b->stride, b->dgram_bytes,
                                    now);
  }
}

/* UDP: sends the batch, waiting (bounded) for buffer space, and counts
 * what went and what did not.  Returns 0, or a socket error that is not
 * transient. */
static int core_udp_send(PunktfunkSession *s, const pf_dgram_batch *b) {
  size_t done = 0;
  int tries = 0, rv = 0;

  while (done < b->count) {
    if (b->stride == b->dgram_bytes) {
      rv = pf_udp_send_segments(s->udp, b->data + done * b->stride,
                                b->dgram_bytes, b->count - done);
    } else {
      rv = pf_udp_send(s->udp, b->data + done * b->stride, b->dgram_bytes);
      if (rv == 0)
        rv = 1;
    }
    if (rv > 0) {
      done += (size_t)rv;
      tries = 0;
      rv = 0;
      continue;
    }
    if (rv == 0)
      rv = -EAGAIN;
    if (rv == -EAGAIN && tries++ < CORE_SEND_WAIT_TRIES) {
      (void)pf_udp_wait_writable(s->udp, CORE_SEND_WAIT_MS);
      continue;
    }
    break;
  }
  s->st.packets_sent += done;
  s->st.bytes_sent += (uint64_t)done * b->dgram_bytes;
  /* The rest is lost, as on any UDP path: FEC covers a few, the count
   * tells. */
  s->st.packets_send_dropped += b->count - done;
  if (rv == -EAGAIN || rv == -ECONNREFUSED || rv == -ENOBUFS ||
      rv == -EHOSTUNREACH || rv == -ENETUNREACH)
    return 0; /* transient: the session goes on */
  return rv;
}

PunktfunkStatus punktfunk_host_submit_frame(PunktfunkSession *s,
                                            const uint8_t *data, size_t len,
                                            uint64_t pts_ns, uint32_t flags) {
  core_link *l;
  pf_dgram_batch b;
  int rv, err = 0;

  if (s == NULL || (data == NULL && len > 0))
    return PUNKTFUNK_STATUS_NULL_POINTER;
  if (s->role != PUNKTFUNK_ROLE_HOST)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  l = s->link;
  if (l != NULL) {
    pthread_mutex_lock(&l->lock);
    if (l->client == NULL) {
      pthread_mutex_unlock(&l->lock);
      return PUNKTFUNK_STATUS_CLOSED;
    }
  }
  rv = pf_sender_submit_frame(s->sender, data, len, pts_ns, flags,
                              pf_clock_now_ns());
  if (rv == 0) {
    s->st.frames_submitted++;
    /* Everything at once: the original sends the whole AU unpaced. */
    while (pf_sender_next_batch(s->sender, &b, 0, PF_TIME_NONE) == 0 &&
           b.count > 0) {
      if (l != NULL) {
        s->st.packets_sent += b.count;
        s->st.bytes_sent += (uint64_t)b.count * b.dgram_bytes;
        core_loop_deliver(s, &b);
      } else if (err == 0) {
        err = core_udp_send(s, &b);
      } else {
        s->st.packets_send_dropped += b.count;
      }
    }
  }
  if (l != NULL)
    pthread_mutex_unlock(&l->lock);
  if (rv != 0)
    return core_status(rv);
  return core_status(err);
}

/* UDP client: feeds what the socket holds to the receiver, without
 * waiting.  Returns 0 or a socket error. */
static int core_udp_pump(PunktfunkSession *s) {
  pf_udp_datagram dg[CORE_RECV_BATCH];
  size_t total = 0, transient = 0;

  while (total < CORE_POLL_MAX_DGRAMS) {
    uint64_t now;
    int n, i;

    n = pf_udp_recv(s->udp, dg, CORE_RECV_BATCH, 0);
    if ((n == -ECONNREFUSED || n == -EINTR) && transient++ < 16)
      continue; /* an ICMP error or a signal: try again (bounded) */
    if (n < 0)
      return n;
    if (n == 0)
      break;
    now = pf_clock_now_ns();
    for (i = 0; i < n; i++)
      (void)pf_receiver_read_datagram(s->receiver, dg[i].data, dg[i].len, now);
    total += (size_t)n;
  }
  return 0;
}

PunktfunkStatus punktfunk_client_poll_frame(PunktfunkSession *s,
                                            PunktfunkFrame *out) {
  core_link *l;
  int rv = 0;

  if (s == NULL || out == NULL)
    return PUNKTFUNK_STATUS_NULL_POINTER;
  if (s->role != PUNKTFUNK_ROLE_CLIENT)
    return PUNKTFUNK_STATUS_INVALID_ARG;
  l = s->link;
  if (l != NULL)
    pthread_mutex_lock(&l->lock);
  if (s->have_frame) {
    (void)pf_receiver_frame_done(s->receiver, &s->frame);
    s->have_frame = 0;
  }
  if (s->udp != NULL)
    rv = core_udp_pump(s);
  memset(&s->frame, 0, sizeof(s->frame));
  s->frame.struct_size = sizeof(s->frame);
  if (pf_receiver_next_frame(s->receiver, &s->frame) == 0) {
    s->have_frame = 1;
    rv = 0;
  } else if (rv == 0) {
    rv = PF_ERR_NOFRAME;
  }
  if (l != NULL)
    pthread_mutex_unlock(&l->lock);
  if (rv != 0)
    return core_status(rv);
  out->data = s->frame.data;
  out->len = s->frame.len;
  out->frame_index = s->frame.frame_index;
  out->pts_ns = s->frame.pts_ns;
  out->flags = s->frame.flags;
  return PUNKTFUNK_STATUS_OK;
}

PunktfunkStatus punktfunk_get_stats(PunktfunkSession *s, PunktfunkStats *out) {
  pf_receiver_stats rs;

  if (s == NULL || out == NULL)
    return PUNKTFUNK_STATUS_NULL_POINTER;
  *out = s->st;
  if (s->receiver != NULL) {
    memset(&rs, 0, sizeof(rs));
    rs.struct_size = sizeof(rs);
    if (s->link != NULL)
      pthread_mutex_lock(&s->link->lock);
    if (pf_receiver_get_stats(s->receiver, &rs) == 0) {
      out->frames_completed = rs.frames_completed;
      out->frames_dropped = rs.frames_dropped;
      out->packets_received = rs.packets_received;
      out->packets_dropped = rs.packets_dropped;
      out->fec_recovered_shards = rs.fec_recovered_shards;
      out->bytes_received = rs.bytes_received;
    }
    if (s->link != NULL)
      pthread_mutex_unlock(&s->link->lock);
  }
  return PUNKTFUNK_STATUS_OK;
}

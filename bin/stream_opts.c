/*
 * stream_opts.c -- the stream options pf-send and pf-recv share, and the
 * helpers both need around them (see stream_opts.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream_opts.h"


void cli_stream_opts_default(struct cli_stream_opts *o, uint32_t fec_percent) {
  memset(o, 0, sizeof(*o));
  o->framing.mode = FR_LENGTH;
  o->fec = PF_FEC_GF8;
  o->fec_percent = fec_percent;
  o->k = CLI_STREAM_DEFAULT_K;
  o->shard = CLI_STREAM_DEFAULT_SHARD;
  o->backend = PF_UDP_IO_URING;
  o->aead = PF_AEAD_AES128GCM;
  o->stats_interval_ns = 1000000000u;
  o->max_frame = CLI_STREAM_DEFAULT_MAX_FRAME;
}

static int parse_fec(const char *s, uint32_t *fec) {
  if (strcmp(s, "none") == 0)
    *fec = PF_STREAM_DESC_FEC_NONE;
  else if (cli_fec_scheme_parse(s, fec) != 0) {
    cli_error("invalid fec '%s': expected gf8, gf16 or none", s);
    return -1;
  }
  return 0;
}

static int parse_io(const char *s, uint32_t *backend) {
  int r = cli_udp_backend_parse(s);

  if (r < 0) {
    cli_error("invalid io backend '%s': expected uring or mmsg", s);
    return -1;
  }
  *backend = (uint32_t)r;
  return 0;
}

int cli_stream_opt(int c, const char *arg, struct cli_stream_opts *o) {
  int r = 0;
  uint64_t v = 0;

  switch (c) {
  case CLI_SO_FRAMING:
    r = fr_parse(arg, &o->framing);
    break;
  case CLI_SO_CODEC:
    r = fr_parse_codec(arg, &o->framing.codec);
    break;
  case CLI_SO_FEC:
    r = parse_fec(arg, &o->fec);
    break;
  case CLI_SO_FEC_PERCENT:
    r = cli_parse_u32(arg, 0, PF_FEC_PERCENT_MAX, "fec percent",
                      &o->fec_percent);
    o->fec_percent_given = 1;
    break;
  case CLI_SO_MAX_K:
    r = cli_parse_u32(arg, 1, PF_PKT_MAX_DATA_PER_BLOCK, "max data per block",
                      &o->k);
    break;
  case CLI_SO_SHARD:
    r = cli_parse_u32(arg, 2, PF_PKT_MAX_SHARD_PAYLOAD, "shard size",
                      &o->shard);
    if (r == 0 && (o->shard & 1)) {
      cli_error("invalid shard size '%s': must be even", arg);
      r = -1;
    }
    break;
  case CLI_SO_MTU:
    r = cli_parse_u32(arg, 576, 65535, "mtu", &o->mtu);
    break;
  case CLI_SO_MAX_FRAME:
    r = cli_parse_size(arg, 1, UINT32_MAX, "max frame size", &v);
    o->max_frame = v;
    o->max_frame_given = 1;
    break;
  case CLI_SO_KEY_FILE:
    o->key_file = arg;
    break;
  case CLI_SO_NO_ENCRYPT:
    o->no_encrypt = 1;
    break;
  case CLI_SO_INSECURE:
    o->insecure = 1;
    break;
  case CLI_SO_AEAD:
    r = cli_parse_aead(arg, &o->aead);
    o->aead_given = 1;
    break;
  case CLI_SO_IO:
    r = parse_io(arg, &o->backend);
    break;
  case CLI_SO_STATS_JSON:
    o->stats_json = arg;
    break;
  case CLI_SO_STATS_INTERVAL:
    r = cli_parse_seconds(arg, 0, 3600, "stats interval",
                          &o->stats_interval_ns);
    if (r == 0 && o->stats_interval_ns < 10000000u) {
      cli_error("invalid stats interval '%s': at least 0.01 s", arg);
      r = -1;
    }
    break;
  case CLI_SO_QUIET:
    o->quiet = 1;
    break;
  case CLI_SO_VERBOSE:
    o->verbose = 1;
    break;
  default:
    return 0;
  }
  return r != 0 ? -1 : 1;
}

int cli_stream_getopt(const struct cli_opts *set, int argc, char **argv,
                      struct cli_stream_opts *o, void (*usage)(FILE *),
                      int *exit_status) {
  int id, r, status;

  *exit_status = -1;
  while ((id = cli_opts_next_tool(set, argc, argv, usage, &status)) >= 0) {
    r = cli_stream_opt(id, optarg, o);
    if (r == 0)
      return id;
    if (r < 0) {
      usage(stderr);
      *exit_status = CLI_EXIT_USAGE;
      return -1;
    }
  }
  if (id == CLI_OPT_STOP) {
    *exit_status = status;
    return -1;
  }
  o->addr = optind < argc ? argv[optind] : NULL;
  return -1;
}

int cli_stream_opts_finish(struct cli_stream_opts *o) {
  if (o->mtu) {
    o->shard = pf_shard_payload_for_mtu(o->mtu, 1);
    if (o->shard < 2) {
      cli_error("invalid mtu %u: no room for a shard", o->mtu);
      return -1;
    }
  }
  /* A frame may span at most PF_PKT_MAX_BLOCKS blocks: with small blocks
   * the default largest frame shrinks to fit (the same on both sides). */
  if (!o->max_frame_given &&
      (uint64_t)PF_PKT_MAX_BLOCKS * o->k * o->shard < o->max_frame)
    o->max_frame = (uint64_t)PF_PKT_MAX_BLOCKS * o->k * o->shard;
  cli_log_to_stderr(o->verbose ? PF_LOG_INFO : PF_LOG_WARN);
  return 0;
}

int cli_stream_check_unsealed(const struct cli_stream_opts *o) {
  const char *bad = NULL;

  if (!o->no_encrypt) {
    if (o->insecure) {
      cli_error("--insecure goes only with --no-encrypt");
      return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
  }
  if (o->insecure)
    return CLI_EXIT_OK;
  if (!cli_addr_is_loopback(o->addr))
    bad = o->addr ? o->addr : "(none)";
  else if (o->peer && !cli_addr_is_loopback(o->peer))
    bad = o->peer;
  if (!bad)
    return CLI_EXIT_OK;
  cli_error("--no-encrypt refused: '%s' is not a loopback address%s, and "
            "without a key anyone on the path can forge, replay or end the "
            "stream; use --key-file, or add --insecure to run unsealed "
            "anyway",
            bad,
            bad == o->addr && (bad[0] == ':' || strchr(bad, ':') == NULL)
                ? " (a bare port listens on every address)"
                : "");
  return CLI_EXIT_USAGE;
}

int cli_stream_load_key(const struct cli_stream_opts *o, struct cli_key *key,
                        const char *no_key_hint, void (*usage)(FILE *),
                        int usage_on_conflict) {
  const char *kf = o->key_file;
  int rv;

  memset(key, 0, sizeof(*key));
  if (o->no_encrypt) {
    if (o->key_file) {
      cli_error("--no-encrypt and --key-file exclude each other");
      if (usage_on_conflict)
        usage(stderr);
      return CLI_EXIT_USAGE;
    }
    return cli_stream_check_unsealed(o);
  }
  rv = cli_stream_check_unsealed(o);
  if (rv != CLI_EXIT_OK)
    return rv;
  if (!kf) {
    const char *env = getenv("PF_KEY_FILE");
    if (env && *env)
      kf = env;
  }
  if (!kf) {
    cli_error("no key: give --key-file FILE (or set PF_KEY_FILE), or "
              "--no-encrypt to %s",
              no_key_hint);
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_key_read(kf, key) != 0)
    return CLI_EXIT_FAIL;
  if (o->aead_given && o->aead != key->aead) {
    cli_error("--aead %s does not match the key file's %s",
              cli_aead_name(o->aead), cli_aead_name(key->aead));
    cli_wipe(key, sizeof(*key));
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

void cli_stream_key_copy(const struct cli_key *k, uint32_t *aead, uint8_t *key,
                         uint32_t *key_len, uint8_t *salt) {
  *aead = k->aead;
  memcpy(key, k->key, k->key_len);
  *key_len = k->key_len;
  memcpy(salt, k->salt, sizeof(k->salt));
}

uint32_t cli_stream_fec_scheme(const struct cli_stream_opts *o) {
  return o->fec == PF_FEC_GF16 ? PF_FEC_GF16 : PF_FEC_GF8;
}

const char *cli_stream_fec_name(uint32_t fec) {
  return fec == PF_FEC_GF16 || fec == PF_FEC_GF8 ? cli_fec_scheme_name(fec)
                                                 : "none";
}

uint32_t cli_stream_framing_arg(const struct cli_stream_opts *o) {
  return o->framing.mode == FR_FIXED    ? o->framing.fixed
         : o->framing.mode == FR_ANNEXB ? (uint32_t)o->framing.codec
                                        : 0;
}

uint64_t cli_stream_max_frame_bytes(const struct cli_stream_opts *o) {
  return o->max_frame < PF_STREAM_DESC_BYTES ? PF_STREAM_DESC_BYTES
                                              : o->max_frame;
}

int cli_stream_udp_open(pf_udp **u, pf_udp_config *uc,
                        const struct cli_stream_opts *o, uint32_t max_datagram,
                        const char *local, const char *peer,
                        const char *no_offload_warning) {
  int rv;

  pf_udp_config_default(uc);
  uc->backend = o->backend;
  if (max_datagram)
    uc->max_datagram = max_datagram;
  rv = pf_udp_open(u, uc, local, peer, NULL);
  if (rv == -ENOPROTOOPT) {
    cli_error("%s", no_offload_warning);
    uc->gso = uc->gro = 0;
    rv = pf_udp_open(u, uc, local, peer, NULL);
  }
  return rv;
}

int cli_meter_open(struct cli_meter *m, const struct cli_stream_opts *o) {
  if (o->stats_json) {
    if (strcmp(o->stats_json, "-") == 0)
      m->json = stdout;
    else if (!(m->json = fopen(o->stats_json, "we"))) {
      cli_error("cannot open '%s': %s", o->stats_json, strerror(errno));
      return -1;
    }
  }
  m->quiet = o->quiet;
  m->tty = !o->quiet && isatty(STDERR_FILENO);
  return 0;
}

void cli_meter_rates(struct cli_meter *m, uint64_t now, uint64_t bytes,
                     double *elapsed, double *rate, double *inst) {
  double el = (double)(now - m->t0) / 1e9;

  *elapsed = el;
  *rate = el > 0 ? (double)bytes * 8 / el : 0;
  *inst = now > m->last_ns ? (double)(bytes - m->last_bytes) * 8 /
                                 ((double)(now - m->last_ns) / 1e9)
                           : 0;
  m->last_ns = now;
  m->last_bytes = bytes;
}

void cli_meter_close(struct cli_meter *m) {
  if (m->json && m->json != stdout)
    fclose(m->json);
  m->json = NULL;
}

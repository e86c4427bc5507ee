/*
 * cli_parse.c -- strict parsers for the tools' option values: integers,
 * sizes, lists, decimals, bit rates, durations, AEAD and socket backend
 * names (see cli.h).  Each prints "pf-x: invalid WHAT 'value': expected
 * ..." on failure.
 */
#include "cli.h"

#include <string.h>

#include <punktfunk/punktfunk.h>

static int parse_digits(const char *str, uint64_t *out, const char **end) {
  uint64_t v = 0;
  const char *p = str;

  if (!p || *p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  *end = p;
  return 0;
}

int cli_parse_u64(const char *str, uint64_t min, uint64_t max,
                  const char *what, uint64_t *out) {
  uint64_t v;
  const char *end;

  if (parse_digits(str, &v, &end) != 0 || *end != '\0' || v < min ||
      v > max) {
    cli_error("invalid %s '%s': expected an integer in %llu..%llu", what,
              str ? str : "", (unsigned long long)min,
              (unsigned long long)max);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_u32(const char *str, uint32_t min, uint32_t max,
                  const char *what, uint32_t *out) {
  uint64_t v;

  if (cli_parse_u64(str, min, max, what, &v) != 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

int cli_parse_size(const char *str, uint64_t min, uint64_t max,
                   const char *what, uint64_t *out) {
  uint64_t v, mul = 1;
  const char *end;

  if (parse_digits(str, &v, &end) != 0)
    goto bad;
  switch (*end) {
  case '\0':
    break;
  case 'K':
  case 'k':
    mul = 1024;
    end++;
    break;
  case 'M':
    mul = 1024 * 1024;
    end++;
    break;
  case 'G':
    mul = 1024ull * 1024 * 1024;
    end++;
    break;
  default:
    goto bad;
  }
  if (*end != '\0' || v > UINT64_MAX / mul)
    goto bad;
  v *= mul;
  if (v < min || v > max)
    goto bad;
  *out = v;
  return 0;
bad:
  cli_error("invalid %s '%s': expected a size in %llu..%llu (suffix K, M, G "
            "allowed)",
            what, str ? str : "", (unsigned long long)min,
            (unsigned long long)max);
  return -1;
}

int cli_parse_list(const char *str, uint32_t max, const char *what,
                   uint32_t *out, size_t cap) {
  size_t n = 0;
  const char *p = str;
  uint64_t v;
  const char *end;

  if (!p || !*p)
    goto bad;
  for (;;) {
    if (parse_digits(p, &v, &end) != 0 || v > max || n >= cap)
      goto bad;
    out[n++] = (uint32_t)v;
    if (*end == '\0')
      break;
    if (*end != ',')
      goto bad;
    p = end + 1;
  }
  return (int)n;
bad:
  cli_error("invalid %s '%s': expected a comma-separated list of integers "
            "in 0..%u",
            what, str ? str : "", max);
  return -1;
}

int cli_parse_decimal(const char *p, double *out, const char **end) {
  double v = 0, scale = 0.1;
  int digits = 0;

  if (!p || *p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++, digits++) {
    v = v * 10 + (*p - '0');
    if (digits > 15)
      return -1;
  }
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return -1;
    for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
      v += (*p - '0') * scale;
  }
  *out = v;
  *end = p;
  return 0;
}

int cli_parse_rate(const char *str, const char *what, uint64_t *bps) {
  const char *end;
  double v, mul = 1;

  if (cli_parse_decimal(str, &v, &end) != 0)
    goto bad;
  switch (*end) {
  case '\0':
    break;
  case 'k':
  case 'K':
    mul = 1e3;
    end++;
    break;
  case 'M':
  case 'm':
    mul = 1e6;
    end++;
    break;
  case 'G':
  case 'g':
    mul = 1e9;
    end++;
    break;
  default:
    goto bad;
  }
  if (*end != '\0' || v * mul > 1e12)
    goto bad;
  *bps = (uint64_t)(v * mul + 0.5);
  return 0;
bad:
  cli_error("invalid %s '%s': expected bits per second up to 1000G (suffix "
            "k, M, G allowed; 0 = unlimited)",
            what, str ? str : "");
  return -1;
}

int cli_parse_seconds(const char *str, double min_s, double max_s,
                      const char *what, uint64_t *ns) {
  const char *p;
  double v;

  if (cli_parse_decimal(str, &v, &p) != 0)
    goto bad;
  if (*p != '\0' || v < min_s || v > max_s)
    goto bad;
  *ns = (uint64_t)(v * 1e9 + 0.5);
  return 0;
bad:
  cli_error("invalid %s '%s': expected seconds in %g..%g", what,
            str ? str : "", min_s, max_s);
  return -1;
}

int cli_parse_aead(const char *str, uint32_t *aead) {
  if (strcmp(str, "aes128gcm") == 0 || strcmp(str, "aes-128-gcm") == 0) {
    *aead = PF_AEAD_AES128GCM;
    return 0;
  }
  if (strcmp(str, "chacha20poly1305") == 0) {
    *aead = PF_AEAD_CHACHA20POLY1305;
    return 0;
  }
  cli_error("invalid aead '%s': expected aes128gcm or chacha20poly1305", str);
  return -1;
}

const char *cli_aead_name(uint32_t aead) {
  switch (aead) {
  case PF_AEAD_AES128GCM:
    return "aes128gcm";
  case PF_AEAD_CHACHA20POLY1305:
    return "chacha20poly1305";
  default:
    return "none";
  }
}

int cli_udp_backend_parse(const char *name) {
  if (!name)
    return -1;
  if (strcmp(name, "io_uring") == 0 || strcmp(name, "uring") == 0)
    return (int)PF_UDP_IO_URING;
  if (strcmp(name, "mmsg") == 0)
    return (int)PF_UDP_IO_MMSG;
  return -1;
}


int cli_fec_scheme_parse(const char *str, uint32_t *fec_scheme) {
  if (strcmp(str, "gf8") == 0)
    *fec_scheme = PF_FEC_GF8;
  else if (strcmp(str, "gf16") == 0)
    *fec_scheme = PF_FEC_GF16;
  else
    return -1;
  return 0;
}

const char *cli_fec_scheme_name(uint32_t fec_scheme) {
  return fec_scheme == PF_FEC_GF16 ? "gf16" : "gf8";
}

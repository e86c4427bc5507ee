/*
 * pf_ctl_close.c -- names of the control plane's application close codes
 * (doc/wire-format.md, chapter 13, "Close codes").  Public API: tools
 * print and log these, scripts match the tokens.
 */
#include <punktfunk/punktfunk.h>

struct close_name {
  const char *token;
  const char *text;
};

/* 0x60..0x6F, in code order. */
static const struct close_name rejections[16] = {
    {"not-armed", "pairing is not armed on the host"},
    {"bound-other", "the pairing window is bound to another client"},
    {"rate-limited", "pairing attempts are rate-limited"},
    {"identity-required", "the client presented no certificate"},
    {"denied", "refused on the host"},
    {"approval-timeout", "nobody approved the client in time"},
    {"superseded", "a newer request from this client replaced this one"},
    {"wire-version", "client and host protocol versions do not match"},
    {"setup-failed", "the host could not set the session up"},
    {"access-expired", "the client's access has expired"},
    {"launch-not-permitted", "the requested launch is not permitted"},
    {"host-power", "the host is going to sleep or rebooting"},
    {"profile-unknown", "unknown profile"},
    {"no-seat", "no seat for this client"},
    {"seat-occupied", "the seat is occupied"},
    {"seat-unavailable", "the seat is unavailable"},
};

static struct close_name lookup(uint64_t code) {
  static const struct close_name unknown = {"unknown", "unknown close code"};

  if (code >= PF_CTL_CLOSE_PAIR_NOT_ARMED &&
      code <= PF_CTL_CLOSE_SEAT_UNAVAILABLE)
    return rejections[code - PF_CTL_CLOSE_PAIR_NOT_ARMED];
  switch (code) {
  case PF_CTL_CLOSE_NONE: {
    static const struct close_name n = {"closed", "closed"};
    return n;
  }
  case PF_CTL_CLOSE_BUSY: {
    static const struct close_name n = {"busy", "the host is busy"};
    return n;
  }
  case PF_CTL_CLOSE_QUIT: {
    static const struct close_name n = {"quit", "the client quit"};
    return n;
  }
  case PF_CTL_CLOSE_APP_EXITED: {
    static const struct close_name n = {"app-exited",
                                        "the host's application exited"};
    return n;
  }
  default:
    return unknown;
  }
}

const char *pf_ctl_close_token(uint64_t code) { return lookup(code).token; }

const char *pf_ctl_close_describe(uint64_t code) { return lookup(code).text; }

int pf_ctl_close_is_rejection(uint64_t code) {
  return code == PF_CTL_CLOSE_BUSY ||
         (code >= PF_CTL_CLOSE_PAIR_NOT_ARMED &&
          code <= PF_CTL_CLOSE_SEAT_UNAVAILABLE);
}

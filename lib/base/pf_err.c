/*
 * pf_err.c -- error descriptions and classification.
 *
 * One switch covers every PF_ERR_* code; the unit test walks the whole
 * code space and checks each message is distinct.  -errno goes to the C
 * library's table.
 */
#include <errno.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

const char *pf_strerror(int rv) {
  switch (rv) {
  case 0:
    return "success";
  case PF_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case PF_ERR_ABI:
    return "struct_size is smaller than the oldest supported layout (ABI mismatch)";
  case PF_ERR_NOBUF:
    return "output buffer too small";
  case PF_ERR_UNSUPPORTED:
    return "not supported by this build or CPU";
  case PF_ERR_FEC_UNRECOVERABLE:
    return "too few shards to recover the block";
  case PF_ERR_MALFORMED:
    return "malformed input";
  case PF_ERR_DROP:
    return "packet dropped";
  case PF_ERR_CRYPTO:
    return "authentication failed";
  case PF_ERR_NOFRAME:
    return "no frame ready";
  case PF_ERR_SEQ_EXHAUSTED:
    return "packet sequence space exhausted; rekey required";
  case PF_ERR_CHECKSUM:
    return "checksum mismatch";
  case PF_ERR_LIMIT:
    return "configured limit exceeded";
  case PF_ERR_CLOSED:
    return "closed";
  case PF_ERR_TIMEOUT:
    return "timed out";
  case PF_ERR_NOMEM:
    return "out of memory";
  case PF_ERR_OBSOLETE_5501:
    return "retired error code (out of memory, ABI 1)";
  case PF_ERR_CALLBACK_FAILURE:
    return "callback failed";
  case PF_ERR_CRYPTO_STATE:
    return "crypto backend failure";
  case PF_ERR_INTERNAL:
    return "internal error";
  }
  if (rv < 0 && rv >= -4095) {
    /* strerror() is not thread-safe in general, but glibc's returns
     * static strings for known codes; unknown ones say "Unknown error". */
    return strerror(-rv);
  }
  return "unknown error code";
}

/* The rule is stated once, in punktfunk.h's Errors section: only codes at
 * or below PF_ERR_FATAL end an object; running out of memory does not. */
int pf_err_is_fatal(int rv) { return rv <= PF_ERR_FATAL; }

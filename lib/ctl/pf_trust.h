/*
 * pf_trust.h -- internal limits of the trust files (the functions are
 * public: punktfunk.h, "Identities and trust"; the formats are in
 * doc/internals/identity.md).
 */
#ifndef PF_TRUST_H
#define PF_TRUST_H

#include <punktfunk/punktfunk.h>

/* Longest line, without its newline; a longer one is malformed. */
#define PF_TRUST_MAX_LINE 1024u
/* Largest trust file. */
#define PF_TRUST_MAX_FILE_BYTES (1024u * 1024u)
/* Longest host name (RFC 1035's 253 characters). */
#define PF_TRUST_MAX_HOST 253u

/*
 * Writes the canonical form of |host| (a name, IPv4, or IPv6 with or
 * without brackets) and |port| as it appears in a known-hosts file:
 * "name:port" (lowercase), "1.2.3.4:port" or "[v6]:port".  Returns 0 or
 * PF_ERR_MALFORMED.
 */
int pf_trust_host_key(char *out, size_t outlen, const char *host,
                      uint16_t port);

#endif /* PF_TRUST_H */

/*
 * pf_core.h -- internals of the compatibility ABI (punktfunk_core.c),
 * exposed for the unit tests only.
 */
#ifndef PF_CORE_H
#define PF_CORE_H

#include <stdint.h>

#include <punktfunk/punktfunk_core.h>

/* The session's own copy of the config key (16 bytes), which set-up
 * wipes once the sender or receiver holds the cipher. */
const uint8_t *pf_core_session_key(const PunktfunkSession *s);

#endif /* PF_CORE_H */

/*
 * pf_log.h -- internal logging through the optional user callback.
 */
#ifndef PF_LOG_H
#define PF_LOG_H

#include <punktfunk/punktfunk.h>

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
void pf_log(int level, const char *fmt, ...);

#endif /* PF_LOG_H */

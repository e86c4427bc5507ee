/*
 * pf_cfgfile.h -- the files of the configuration directory: where it is,
 * creating it 0700, reading a file that must not be a symlink, must be
 * ours and must not be open to others, and replacing a file atomically.
 * Used by pf_identity (key and certificate) and pf_trust (known hosts,
 * authorized clients).  doc/internals/identity.md has the rules.
 */
#ifndef PF_CFGFILE_H
#define PF_CFGFILE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <punktfunk/punktfunk.h>

/* Largest file read from the configuration directory. */
#define PF_CFG_MAX_FILE_BYTES (1024u * 1024u)

/* Formats a message into |err| (|errlen| bytes; both may be NULL/0). */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
void pf_cfg_errf(char *err, size_t errlen, const char *fmt, ...);

/* Creates |dir| and its missing parents with mode 0700.  An existing
 * directory is left as it is.  Returns 0 or -errno (message in |err|). */
int pf_cfg_mkdirs(const char *dir, char *err, size_t errlen);

/* Copies the directory part of |path| ("." if none) into |buf|. */
int pf_cfg_dirname(const char *path, char *buf, size_t buflen);

/*
 * Reads |path| into a NUL-terminated buffer from |mem| (*buf, *len
 * without the NUL).  The file is opened with O_NOFOLLOW and must be a
 * regular file owned by the effective user with no bit of |forbid| in
 * its mode (e.g. 0077 for a private key, 0022 for a trust file); it must
 * not exceed |max| bytes.  Returns 0; -ENOENT (no message) when the file
 * does not exist; -ELOOP (a symlink), -EPERM (owner or mode; the message
 * names `chmod 600`), PF_ERR_LIMIT (too large), PF_ERR_NOMEM, or
 * another -errno, each with a message naming the file.
 */
int pf_cfg_read(const pf_mem *mem, const char *path, mode_t forbid,
                size_t max, char **buf, size_t *len, char *err,
                size_t errlen);

/*
 * Writes |data| to |path| atomically: a fresh temporary file in the same
 * directory (O_CREAT|O_EXCL|O_NOFOLLOW, |mode|), written and fsync'ed,
 * then moved into place and the directory fsync'ed.  |exclusive| = 1
 * places it with link(2), so an existing |path| is never replaced
 * (-EEXIST); 0 replaces it with rename(2).  Returns 0 or -errno with a
 * message; the temporary file never stays behind.
 */
int pf_cfg_write_atomic(const char *path, const void *data, size_t len,
                        mode_t mode, int exclusive, char *err,
                        size_t errlen);

/* Takes an exclusive flock(2) on the directory holding |path|, which
 * serializes read-modify-write cycles of the files in it between
 * processes.  Returns the descriptor (>= 0) or -errno with a message. */
int pf_cfg_lock_dir(const char *path, char *err, size_t errlen);
void pf_cfg_unlock_dir(int fd);

/* Overwrites |n| bytes at |p| with zeros in a way the compiler keeps. */
void pf_cfg_wipe(void *p, size_t n);

#endif /* PF_CFGFILE_H */

/*
 * secret.h: reading the password and key passphrase files, and keeping
 * what they hold out of core dumps.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* The MQTT password is binary data with a two-byte length prefix. */
#define SECRET_MAX 65535

/*
 * Read the first line of path (the newline is not part of the secret)
 * into buf[0..bufsize), NUL-terminated, with read(2) straight into buf:
 * no stdio buffer keeps a copy.  Bytes read past the first line are
 * wiped.  Returns the secret's length, or -1 with a message in err that
 * names opt and path: unreadable, empty first line, or longer than
 * bufsize - 1 bytes.  *exposed_mode gets the file's permission bits when
 * group or others may read it (the caller warns), else 0.  A secret read
 * makes the process non-dumpable (secret_protect_process).
 */
long secret_read_file(const char *opt, const char *path, char *buf,
    size_t bufsize, unsigned *exposed_mode, char *err, size_t errlen);

/*
 * Once a secret is in memory: no core dump may hold it, and no other
 * process of the same user may attach to read it (PR_SET_DUMPABLE 0).
 * Returns false if the kernel refused.
 */
bool secret_protect_process(void);

#endif

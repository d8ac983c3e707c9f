/*
 * psk_key.h: the TLS pre-shared key of --psk-file and MQTTS_PROBE_PSK,
 * written in hex, turned into the bytes the TLS layer is given.
 *
 * The key is a secret: it is read with secret.c (no stdio copy), every
 * buffer that held it is wiped, and no message ever quotes it (a bad
 * digit is named by its position, never shown).
 */
#ifndef PSK_KEY_H
#define PSK_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The longest key: TLS 1.2 puts the key's length in a two-byte field of
 * the premaster secret (RFC 4279, section 2), and GnuTLS builds it so.
 */
#define PSK_KEY_MAX 65535
/* Hex digits of the longest key, with room for whitespace around it. */
#define PSK_KEY_HEX_MAX (2 * PSK_KEY_MAX + 256)
/* The longest identity GnuTLS keeps (its MAX_USERNAME_SIZE). */
#define PSK_IDENTITY_MAX 128

/* The key as bytes: what the TLS layer's config points at. */
struct psk_key {
	uint8_t bytes[PSK_KEY_MAX];
	size_t len;
};

/*
 * Parse len bytes of text: hex digits (either case), with leading and
 * trailing whitespace (space, tab, CR, LF) trimmed.  Returns 0 with the
 * key in *key, or -1 with why in words ("an odd number of hex digits",
 * "not a hex digit at position 7", "empty", "longer than ... bytes");
 * *key is then wiped.
 */
int psk_key_parse(const char *text, size_t len, struct psk_key *key,
    char *why, size_t whylen);

/*
 * Read --psk-file path (the key on its first line) into *key.  Returns
 * 0, or EXIT_NOINPUT (unreadable, or no usable key in it) with a
 * message naming the option and the file.  *exposed_mode as for
 * secret_read_file: the file's mode when others may read it, else 0.
 */
int psk_key_read_file(const char *path, struct psk_key *key,
    unsigned *exposed_mode, char *err, size_t errlen);

/* The same for MQTTS_PROBE_PSK's value; 0 or EXIT_USAGE. */
int psk_key_from_env(const char *value, struct psk_key *key, char *err,
    size_t errlen);

/*
 * An identity the probe can send: 1 to PSK_IDENTITY_MAX bytes of UTF-8
 * without control characters.  Returns NULL, or what is wrong in words.
 */
const char *psk_key_identity_problem(const char *id);

#endif

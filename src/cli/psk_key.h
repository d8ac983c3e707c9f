/*
 * psk_key.h: the TLS pre-shared key of --psk-file and MQTTS_PROBE_PSK,
 * written in hex, turned into the bytes the TLS layer is given.
 *
 * A pure parser (no I/O, no GnuTLS), so the fuzzers and the unit tests
 * reach it; main.c reads the file (with secret.c: no stdio copy) and
 * the environment, and wipes every buffer that held the key.  No
 * message ever quotes the key: a bad digit is named by its position.
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
 * key->len is then 0 and nothing of the text was copied into *key.
 */
int psk_key_parse(const char *text, size_t len, struct psk_key *key,
    char *why, size_t whylen);

#endif

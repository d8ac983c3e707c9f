/*
 * psk_key.c: the hex key of --psk-file and MQTTS_PROBE_PSK (psk_key.h).
 *
 * The checks are ours, not GnuTLS's: gnutls_psk_set_client_credentials
 * would take a key in hex too, but it says only "invalid request" for
 * an odd length or a bad digit, and names neither the file nor where.
 * Here the bytes are decoded once and handed over raw.  Nothing is
 * written to *key before the whole text is found good, so a refused key
 * leaves no partial copy to wipe.
 */
#include "psk_key.h"

#include <stdbool.h>
#include <stdio.h>

static bool
psk_key_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
psk_key_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
psk_key_parse(const char *text, size_t len, struct psk_key *key,
    char *why, size_t whylen)
{
	size_t start = 0, end = len, digits;

	key->len = 0;
	while (start < end && psk_key_space(text[start]))
		start++;
	while (end > start && psk_key_space(text[end - 1]))
		end--;
	digits = end - start;
	if (digits == 0) {
		snprintf(why, whylen, "the key is empty");
		return -1;
	}
	/* a bad character first: "odd length" would hide a typo */
	for (size_t i = start; i < end; i++)
		if (psk_key_nibble(text[i]) < 0) {
			/* its position only: the key is never quoted */
			snprintf(why, whylen, "not a hex digit at position %zu "
			    "of the key%s", i - start + 1,
			    psk_key_space(text[i]) ? " (whitespace inside the "
			    "key)" : "");
			return -1;
		}
	if (digits % 2 != 0) {
		snprintf(why, whylen, "an odd number of hex digits (%zu): each "
		    "byte of the key takes two", digits);
		return -1;
	}
	if (digits / 2 > PSK_KEY_MAX) {
		snprintf(why, whylen, "the key is longer than %d bytes, the "
		    "most TLS carries", PSK_KEY_MAX);
		return -1;
	}
	for (size_t i = 0; i < digits / 2; i++)
		key->bytes[i] = (uint8_t)(psk_key_nibble(text[start + 2 * i]) <<
		    4 | psk_key_nibble(text[start + 2 * i + 1]));
	key->len = digits / 2;
	return 0;
}

/*
 * fuzz_entries.h -- what the fuzzers feed their input to.
 *
 * The same entry points serve the libFuzzer harnesses (fuzz/fuzz_*.c,
 * built with clang by `make fuzz`) and the regression suite that replays
 * fuzz/regress/ and the seed corpus under `make check`
 * (tests/check_fuzz_regress.c), so a crash found once is checked forever.
 * Each returns normally on any input; a broken invariant abort()s.
 */
#ifndef FUZZ_ENTRIES_H
#define FUZZ_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

/* First byte: bit 0 picks MQTT 5.0 (1) or 3.1.1 (0); the rest is the
 * byte stream from a broker, framed and decoded packet by packet. */
void fuzz_mqtt_one(const uint8_t *data, size_t size);

/* The input, up to its first NUL, as a TARGET operand. */
void fuzz_target_one(const uint8_t *data, size_t size);

/* The input split at NUL bytes into argv[1..], after "mqtts-probe". */
void fuzz_options_one(const uint8_t *data, size_t size);

/* The input as an exporter module file (--config): parsed, then each
 * module's options through options_parse. */
void fuzz_serve_config_one(const uint8_t *data, size_t size);

/* The input as the head of an HTTP response (a WebSocket upgrade's or
 * an HTTP proxy's answer). */
void fuzz_http_one(const uint8_t *data, size_t size);

/* The input, up to its first NUL, as a proxy URL (--proxy, ALL_PROXY);
 * what follows the NUL as a NO_PROXY list matched against its host. */
void fuzz_proxy_url_one(const uint8_t *data, size_t size);

/* The input as a stream of WebSocket frames from a server. */
void fuzz_ws_one(const uint8_t *data, size_t size);

/* First byte: n, the length of the serial (n % 21); the next n bytes:
 * the serial; the rest: a DER CRL, searched for the serial's reason. */
void fuzz_crl_reason_one(const uint8_t *data, size_t size);

/* The input as the hex text of a pre-shared key (--psk-file). */
void fuzz_psk_key_one(const uint8_t *data, size_t size);

#endif

/*
 * target.h: parse the TARGET operand.
 *
 *   HOST  HOST:PORT  [IPv6]  [IPv6]:PORT  IPv4:PORT
 *   mqtts://[USER@]HOST[:PORT][/]   (also mqtts://[IPv6]:PORT)
 *   wss://[USER@]HOST[:PORT][/PATH]  MQTT over secure WebSocket
 *   mqtt://... and ws://...          the same without TLS (UNENCRYPTED)
 *
 * Default ports 8883 (mqtts), 1883 (mqtt), 443 (wss), 80 (ws); the
 * WebSocket path defaults to /mqtt.  A bare IPv6 literal without brackets ("::1") is
 * accepted as a host with the default port, since it cannot be
 * confused with HOST:PORT once it has two colons.
 */
#ifndef TARGET_H
#define TARGET_H

#include <stdbool.h>
#include <stddef.h>

#define TARGET_DEFAULT_PORT 8883
#define TARGET_HOST_MAX 256
#define TARGET_USER_MAX 256
#define TARGET_PATH_MAX 1024

enum target_scheme { TARGET_MQTTS, TARGET_MQTT, TARGET_WSS, TARGET_WS };

struct target {
	enum target_scheme scheme;
	char path[TARGET_PATH_MAX];	/* WebSocket request target, or "" */
	char host[TARGET_HOST_MAX];	/* without brackets */
	unsigned port;			/* 1..65535 */
	char user[TARGET_USER_MAX];	/* from mqtts://USER@, or "" */
	bool is_ip;			/* host is an IPv4 or IPv6 literal */
	bool is_ipv6;
};

/*
 * Parse s into *t.  Returns 0, or -1 with a static message in *err
 * saying what is wrong ("port must be 1-65535", "missing ']'" ...).
 */
int target_parse(const char *s, struct target *t, const char **err);

/*
 * The [USER@]HOST[:PORT] part of another URL (a proxy's), read as a
 * target URL's is: the user percent-decoded (no password), IPv6 in
 * brackets; port is default_port when absent.  0, or -1 with *err.
 */
int target_parse_authority(const char *s, size_t len, unsigned default_port,
    struct target *t, const char **err);

/* TLS in the stack?  WebSocket framing? */
bool target_has_tls(const struct target *t);
bool target_is_ws(const struct target *t);
/* "mqtts", "mqtt", "wss", "ws" */
const char *target_scheme_name(enum target_scheme s);

#endif

/*
 * proxy_url.h: the proxy URL (--proxy, ALL_PROXY) and the NO_PROXY
 * list, as curl reads them.
 *
 *   http://[USER@]HOST[:PORT][/]     HTTP CONNECT
 *   socks5://[USER@]HOST[:PORT][/]   SOCKS5, the target resolved here
 *   socks5h://[USER@]HOST[:PORT][/]  SOCKS5, resolved by the proxy
 *   HOST[:PORT]                      http://, as curl takes it
 *
 * The port defaults to 1080 for every kind, as curl's does.  A password
 * in the URL is refused (it would show in ps): it comes from
 * --proxy-password-file or MQTTS_PROBE_PROXY_PASSWORD.  Pure: no I/O.
 */
#ifndef PROXY_URL_H
#define PROXY_URL_H

#include <stdbool.h>

#include "proxy.h"
#include "target.h"

struct proxy_url {
	enum proxy_kind kind;
	char host[TARGET_HOST_MAX];	/* without brackets */
	unsigned port;
	char user[TARGET_USER_MAX];	/* "" when none */
	/* kind://[USER@]HOST:PORT, the user %-escaped as needed: what
	 * reports show, never a secret */
	char shown[TARGET_HOST_MAX + 3 * TARGET_USER_MAX + 32];
};

/* Parse s into *u: 0, or -1 with a static message in *err. */
int proxy_url_parse(const char *s, struct proxy_url *u, const char **err);

/*
 * Whether no_proxy (NO_PROXY's value: names, domains or addresses,
 * separated by commas or blanks; "*" for every host; a leading dot
 * optional) says host goes without the proxy.  A name matches an
 * entry equal to it or to one of its parent domains, ignoring case
 * and a trailing dot; an address matches only itself.
 */
bool proxy_url_bypass(const char *no_proxy, const char *host);

#endif

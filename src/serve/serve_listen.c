/*
 * serve_listen.c: the --serve address, "[ADDR:]PORT".
 *
 * Pure (no socket is opened), so the option parser checks the value
 * with the same code that later binds it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_listen.h"

int
serve_listen_parse(const char *listen, struct sockaddr_storage *ss,
    char *err, size_t errlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(listen, ':'), *ps;
	char addr[INET6_ADDRSTRLEN + 2];
	char *end;
	unsigned long port;
	size_t alen;

	memset(ss, 0, sizeof(*ss));
	ps = colon != NULL ? colon + 1 : listen;
	errno = 0;
	port = strtoul(ps, &end, 10);
	if (*ps < '0' || *ps > '9' || *end != '\0' || errno != 0 ||
	    port > 65535) {
		snprintf(err, errlen, "--serve '%.64s': the port must be 0 to "
		    "65535 ([ADDR:]PORT)", listen);
		return -1;
	}
	alen = colon != NULL ? (size_t)(colon - listen) : 0;
	if (alen >= 2 && listen[0] == '[' && listen[alen - 1] == ']') {
		listen++;
		alen -= 2;
	}
	if (alen >= sizeof(addr)) {
		snprintf(err, errlen, "--serve '%.64s': not an IP address",
		    listen);
		return -1;
	}
	memcpy(addr, listen, alen);
	addr[alen] = '\0';
	if (alen == 0) {
		/* loopback unless asked: /probe connects where it is told */
		v4->sin_family = AF_INET;
		v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
	} else {
		snprintf(err, errlen, "--serve '%.64s': '%s' is not an IPv4 or "
		    "[IPv6] address", listen, addr);
		return -1;
	}
	return 0;
}


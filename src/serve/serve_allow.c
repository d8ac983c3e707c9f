/*
 * serve_allow.c: --allow-target.  An open /probe lets whoever reaches
 * it make the exporter connect anywhere; the patterns say where it may.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>

#include "serve_int.h"

/*
 * A pattern is a shell glob (fnmatch(3)) over the host alone or over
* HOST:PORT ([IPv6]:PORT), case aside as in DNS: "*.example.net", "10.1.2.*:8883",
 * "broker.example.net:*".  No pattern: every target is allowed.
 */
bool
serve_allow(const struct serve_settings *s, const struct target *t)
{
	char hostport[TARGET_HOST_MAX + 16];

	if (s->nallow == 0)
		return true;
	snprintf(hostport, sizeof(hostport), t->is_ipv6 ? "[%s]:%u" : "%s:%u",
	    t->host, t->port);
	for (size_t i = 0; i < s->nallow; i++)
		if (fnmatch(s->allow[i], t->host, FNM_CASEFOLD) == 0 ||
		    fnmatch(s->allow[i], hostport, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

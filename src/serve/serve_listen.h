/*
 * serve_listen.h: parse the --serve address.
 */
#ifndef SERVE_LISTEN_H
#define SERVE_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * "PORT", "ADDR:PORT" or "[IPv6]:PORT"; ADDR is an IP address (no name
 * lookup), 127.0.0.1 when left out; PORT 0 to 65535 (0: any free
 * port).  Returns 0, or -1 with a message naming --serve in err.
 */
int serve_listen_parse(const char *listen, struct sockaddr_storage *ss,
    char *err, size_t errlen);

#endif

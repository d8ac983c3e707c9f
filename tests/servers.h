/*
 * servers.h: start a test server that prints its port, and stop it.
 *
 * The WebSocket brokers (Node) and the proxies (tinyproxy, microsocks,
 * dante) listen on 127.0.0.1 on a port picked for them; each runs in
 * its own process group under timeout(1), so a test that dies still
 * leaves nothing behind for long, and stopping it stops all of it.
 */
#ifndef SERVERS_H
#define SERVERS_H

#include <stddef.h>
#include <sys/types.h>

struct server {
	pid_t pid;		/* leader of its process group, 0: none */
	int port;
	char log[4096];		/* what it printed besides the port */
};

/*
 * Run argv (under `timeout 90`) and wait, at most limit seconds scaled
 * by itest_slowdown(), for its first line of output, a port number.
 * Returns 0, or -1 with s->log saying what happened instead.
 */
int server_start(struct server *s, const char *const *argv, int limit);
/* The same under `timeout LIFETIME`: a server a whole suite shares. */
int server_start_for(struct server *s, const char *const *argv, int limit,
    int lifetime);
void server_stop(struct server *s);

/* Wait until 127.0.0.1:port accepts a connection; 0 or -1. */
int server_wait_port(int port, int limit);

/*
 * tinyproxy (HTTP CONNECT) on a free loopback port, its config and its
 * log (one line per request; the path in log) in dir, allowing CONNECT
 * to the nports ports listed only; Basic authentication when user is
 * not NULL.  0 when it listens, or -1 with s->log saying why.
 */
int server_tinyproxy(struct server *s, const char *dir, const int *ports,
    size_t nports, const char *user, const char *password, char *log,
    size_t loglen);
/* microsocks (SOCKS5) on a free loopback port, with a user and
 * password when user is not NULL.  0 or -1 as above. */
int server_microsocks(struct server *s, const char *user,
    const char *password);

#endif

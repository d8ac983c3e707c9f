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

#endif

/*
 * delayproxy.c: a loopback TCP proxy that holds every chunk it reads for
 * a fixed one-way delay before passing it on, in both directions, so a
 * benchmark gets a link with a known round-trip time (2 x delay) without
 * touching the machine's network (netem needs root and a kernel module).
 *
 *   delayproxy -t TARGET_PORT -d DELAY_MS [-l LISTEN_PORT] [-T SECONDS] [-v]
 *   delayproxy -e -d DELAY_MS ...
 *
 * Listens on 127.0.0.1 (port 0: any free one), prints "port N" on
 * standard output once it accepts, and forwards each connection to
 * 127.0.0.1:TARGET_PORT; with -e there is no target and what the client
 * sends comes back to it after two delays, to measure the link itself.
 * One thread, one ppoll loop: each direction of
 * each connection is a FIFO of chunks with the time they become due;
 * the delay is the same for all, so FIFO order is due order and the
 * heads of the queues are the whole timer queue.  It exits after
 * -T seconds (default 600) whatever happens, so it cannot outlive a
 * benchmark that forgot it.
 *
 * What it cannot delay: the TCP handshake.  The kernel answers the
 * client's SYN before accept() returns, so connect() completes at once;
 * the round trips it adds are those of data (TLS and MQTT).  Its own
 * sockets ACK at once (TCP_QUICKACK, TCP_NODELAY): it models a link,
 * not a slow peer.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DELAYPROXY_MAX_CONNS 64
#define DELAYPROXY_CHUNK 65536

struct delayproxy_chunk {
	struct delayproxy_chunk *next;
	uint64_t due_us;
	bool eof;		/* the sender shut down its side here */
	size_t len, off;
	uint8_t data[];
};

/* One direction of a connection: from fd[i] to fd[1 - i]. */
struct delayproxy_dir {
	struct delayproxy_chunk *head, *tail;
	bool read_eof;		/* nothing more will be read */
	bool shut;		/* the eof was passed on */
	bool blocked;		/* the head is due but the socket is full */
	size_t chunks, bytes;
};

struct delayproxy_conn {
	bool used;
	unsigned id;
	int fd[2];		/* 0: the client, 1: the target */
	struct delayproxy_dir dir[2];	/* 0: client to target */
};

static struct delayproxy_conn delayproxy_conns[DELAYPROXY_MAX_CONNS];
static uint64_t delayproxy_delay_us;
static bool delayproxy_verbose;
static bool delayproxy_echo;

static uint64_t
delayproxy_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void __attribute__((noreturn))
delayproxy_die(const char *what)
{
	fprintf(stderr, "delayproxy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
delayproxy_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* No Nagle and immediate ACKs: the proxy must add only the delay. */
static void
delayproxy_tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static void
delayproxy_close(struct delayproxy_conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct delayproxy_chunk *ch = c->dir[i].head, *next;

		for (; ch != NULL; ch = next) {
			next = ch->next;
			free(ch);
		}
		if (c->fd[i] != -1)
			close(c->fd[i]);
	}
	if (delayproxy_verbose)
		fprintf(stderr, "delayproxy: conn %u: client->target %zu "
		    "chunks %zu bytes, target->client %zu chunks %zu bytes\n",
		    c->id, c->dir[0].chunks, c->dir[0].bytes,
		    c->dir[1].chunks, c->dir[1].bytes);
	memset(c, 0, sizeof(*c));
}

static void
delayproxy_accept(int lfd, unsigned short target, unsigned *ids)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(target) };
	struct delayproxy_conn *c = NULL;
	int cfd, tfd;

	cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1)
		return;
	for (int i = 0; i < DELAYPROXY_MAX_CONNS; i++)
		if (!delayproxy_conns[i].used) {
			c = &delayproxy_conns[i];
			break;
		}
	if (c != NULL && delayproxy_echo) {
		delayproxy_tune(cfd);
		c->used = true;
		c->id = ++*ids;
		c->fd[0] = cfd;
		c->fd[1] = -1;
		return;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* a blocking connect on loopback takes microseconds; a refused
	 * target closes the client's connection, as a dead link would */
	if (c == NULL || tfd == -1 ||
	    connect(tfd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (tfd != -1)
			close(tfd);
		close(cfd);
		return;
	}
	if (delayproxy_nonblock(tfd) == -1) {
		close(tfd);
		close(cfd);
		return;
	}
	delayproxy_tune(cfd);
	delayproxy_tune(tfd);
	c->used = true;
	c->id = ++*ids;
	c->fd[0] = cfd;
	c->fd[1] = tfd;
}

/* Read what fd[i] has and queue it, due one delay from now. */
static void
delayproxy_read(struct delayproxy_conn *c, int i, uint64_t now)
{
	struct delayproxy_dir *d = &c->dir[i];
	struct delayproxy_chunk *ch;
	uint8_t buf[DELAYPROXY_CHUNK];
	ssize_t n = recv(c->fd[i], buf, sizeof(buf), 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		/* a reset: pass on an end, after the delay like the rest */
		n = 0;
	}
	/* ACK what came at once, every time (quick ACK mode is not sticky) */
	setsockopt(c->fd[i], IPPROTO_TCP, TCP_QUICKACK, &(int){ 1 },
	    sizeof(int));
	ch = malloc(sizeof(*ch) + (size_t)n);
	if (ch == NULL) {
		delayproxy_close(c);
		return;
	}
	ch->next = NULL;
	ch->due_us = now + delayproxy_delay_us;
	ch->eof = n == 0;
	ch->len = (size_t)n;
	ch->off = 0;
	memcpy(ch->data, buf, (size_t)n);
	if (d->tail != NULL)
		d->tail->next = ch;
	else
		d->head = ch;
	d->tail = ch;
	if (n == 0)
		d->read_eof = true;
	else {
		d->chunks++;
		d->bytes += (size_t)n;
	}
}

/* Pass on every chunk of direction i that is due. */
static void
delayproxy_deliver(struct delayproxy_conn *c, int i, uint64_t now)
{
	struct delayproxy_dir *d = &c->dir[i];
	int to = c->fd[1 - i];

	d->blocked = false;
	while (d->head != NULL && d->head->due_us <= now) {
		struct delayproxy_chunk *ch = d->head;

		if (to == -1) {
			/* echo: the far end sends it straight back, and it
			 * travels the link once more */
			struct delayproxy_dir *back = &c->dir[1];

			d->head = ch->next;
			if (d->head == NULL)
				d->tail = NULL;
			if (ch->eof)
				d->shut = true;
			ch->next = NULL;
			ch->due_us += delayproxy_delay_us;
			if (back->tail != NULL)
				back->tail->next = ch;
			else
				back->head = ch;
			back->tail = ch;
			continue;
		}
		if (ch->eof) {
			shutdown(to, SHUT_WR);
			d->shut = true;
		} else {
			ssize_t n = send(to, ch->data + ch->off,
			    ch->len - ch->off, MSG_NOSIGNAL);

			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				d->blocked = true;
				return;
			}
			if (n == -1) {
				/* the receiver is gone: drop the rest */
				d->shut = true;
				d->read_eof = true;
			} else if ((size_t)n < ch->len - ch->off) {
				ch->off += (size_t)n;
				d->blocked = true;
				return;
			}
		}
		d->head = ch->next;
		if (d->head == NULL)
			d->tail = NULL;
		free(ch);
	}
}

int
main(int argc, char **argv)
{
	unsigned short target = 0, listen_port = 0;
	unsigned seconds = 600, ids = 0;
	double delay_ms = -1;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	uint64_t end;
	int lfd, opt, one = 1;

	while ((opt = getopt(argc, argv, "et:d:l:T:v")) != -1) {
		switch (opt) {
		case 'e':
			delayproxy_echo = true;
			break;
		case 't':
			target = (unsigned short)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			delay_ms = strtod(optarg, NULL);
			break;
		case 'l':
			listen_port = (unsigned short)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			delayproxy_verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if ((target == 0) != delayproxy_echo || delay_ms < 0 || delay_ms > 10000 || seconds == 0)
		goto usage;
	delayproxy_delay_us = (uint64_t)(delay_ms * 1000.0 + 0.5);
	signal(SIGPIPE, SIG_IGN);
	/* wake up on time: the default slack lets the kernel fire ppoll's
	 * timeout up to 50 us late, on every chunk */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		delayproxy_die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(listen_port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		delayproxy_die("bind");
	if (listen(lfd, 64) == -1)
		delayproxy_die("listen");
	if (getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		delayproxy_die("getsockname");
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);

	end = delayproxy_now() + (uint64_t)seconds * 1000000u;
	for (;;) {
		struct pollfd pfd[1 + 2 * DELAYPROXY_MAX_CONNS];
		struct delayproxy_conn *who[1 + 2 * DELAYPROXY_MAX_CONNS];
		int side[1 + 2 * DELAYPROXY_MAX_CONNS];
		uint64_t now = delayproxy_now(), next = end;
		struct timespec ts;
		nfds_t n = 0;

		if (now >= end)
			break;
		for (int k = 0; k < DELAYPROXY_MAX_CONNS; k++) {
			struct delayproxy_conn *c = &delayproxy_conns[k];

			if (!c->used)
				continue;
			for (int i = 0; i < 2; i++)
				delayproxy_deliver(c, i, now);
			/* both ends passed on: nothing more can happen */
			if (c->dir[0].shut && c->dir[1].shut) {
				delayproxy_close(c);
				continue;
			}
			for (int i = 0; i < 2; i++) {
				struct delayproxy_dir *d = &c->dir[i];
				short ev = 0;

				if (c->fd[i] == -1) {
					if (d->head != NULL &&
					    d->head->due_us < next)
						next = d->head->due_us;
					continue;
				}
				if (d->head != NULL && !d->blocked &&
				    d->head->due_us < next)
					next = d->head->due_us;
				if (!d->read_eof)
					ev |= POLLIN;
				/* a full socket of the other direction is
				 * written through this fd too */
				if (c->dir[1 - i].blocked)
					ev |= POLLOUT;
				if (ev == 0)
					continue;
				pfd[n].fd = c->fd[i];
				pfd[n].events = ev;
				who[n] = c;
				side[n++] = i;
			}
		}
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		who[n] = NULL;
		side[n++] = 0;
		ts.tv_sec = (time_t)((next - now) / 1000000u);
		ts.tv_nsec = (long)((next - now) % 1000000u) * 1000;
		if (ppoll(pfd, n, &ts, NULL) == -1) {
			if (errno == EINTR)
				continue;
			delayproxy_die("ppoll");
		}
		now = delayproxy_now();
		for (nfds_t k = 0; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (who[k] == NULL) {
				delayproxy_accept(lfd, target, &ids);
				continue;
			}
			if (who[k]->used && (pfd[k].revents &
			    (POLLIN | POLLHUP | POLLERR)) &&
			    !who[k]->dir[side[k]].read_eof)
				delayproxy_read(who[k], side[k], now);
		}
	}
	for (int k = 0; k < DELAYPROXY_MAX_CONNS; k++)
		if (delayproxy_conns[k].used)
			delayproxy_close(&delayproxy_conns[k]);
	close(lfd);
	return 0;
usage:
	fprintf(stderr, "usage: delayproxy -t TARGET_PORT | -e, -d DELAY_MS "
	    "[-l LISTEN_PORT] [-T SECONDS] [-v]\n");
	return 64;
}

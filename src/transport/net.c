/*
 * net.c: resolve and connect, every address in turn, within a deadline.
 *
 * Name resolution uses getaddrinfo_a so that a slow resolver cannot hold
 * the probe past its deadline; connects are non-blocking with poll, so
 * each attempt's errno can be reported on its own line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe_io.h"

static uint64_t
net_now(void)
{
	return clock_monotonic.now_us(clock_monotonic.ctx);
}

/* "127.0.0.1 port 8883" / "::1 port 8883" */
static void
net_describe(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%s port %u", host, port);
}

/*
 * One getaddrinfo_a request and everything glibc's resolver thread reads
 * or writes for it: the control block, the hints, the host and service
 * strings.  gai_cancel cannot stop a lookup that has started, and the
 * thread writes its result into the control block when it ends, however
 * late; so the request lives on the heap and is freed only once
 * gai_error stops saying EAI_INPROGRESS, never while glibc owns it.
 */
struct net_lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char service[8];
	struct net_lookup *next;	/* on net_abandoned */
	char host[];
};

/*
 * Lookups given up on (deadline, Ctrl-C) while still running.  Every
 * resolve sweeps the list and frees the ones glibc has finished.  It
 * stays short: a lookup still queued is cancelled outright, and glibc
 * runs only a bounded number of lookups at once (its thread pool); the
 * last few, reachable from here, go when the process ends.  The lock:
 * with --parallel, probes resolve on several threads.
 */
static pthread_mutex_t net_abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_lookup *net_abandoned;

static void
net_lookup_free(struct net_lookup *l)
{
	if (gai_error(&l->cb) == 0 && l->cb.ar_result != NULL)
		freeaddrinfo(l->cb.ar_result);
	free(l);
}

/* Free what glibc has finished with; park l (if any) until it has. */
static void
net_lookup_reap(struct net_lookup *l)
{
	struct net_lookup **pp, *done = NULL;

	pthread_mutex_lock(&net_abandoned_lock);
	if (l != NULL) {
		l->next = net_abandoned;
		net_abandoned = l;
	}
	for (pp = &net_abandoned; *pp != NULL;) {
		struct net_lookup *cur = *pp;

		if (gai_error(&cur->cb) == EAI_INPROGRESS) {
			pp = &cur->next;
			continue;
		}
		*pp = cur->next;
		cur->next = done;
		done = cur;
	}
	pthread_mutex_unlock(&net_abandoned_lock);
	while (done != NULL) {
		struct net_lookup *next = done->next;

		net_lookup_free(done);
		done = next;
	}
}

static struct net_lookup *
net_lookup_new(const char *host, unsigned port)
{
	size_t hlen = strlen(host) + 1;
	struct net_lookup *l = calloc(1, sizeof(*l) + hlen);

	if (l == NULL)
		return NULL;
	memcpy(l->host, host, hlen);
	snprintf(l->service, sizeof(l->service), "%u", port);
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	l->cb.ar_name = l->host;
	l->cb.ar_service = l->service;
	l->cb.ar_request = &l->hints;
	return l;
}

/*
 * Resolve host within the deadline.  Numeric addresses never touch the
 * resolver.  Returns 0, or -1 with err filled.
 */
static int
net_resolve(const char *host, unsigned port, uint64_t deadline_us,
    struct addrinfo **res, struct io_error *err)
{
	struct net_lookup *l;
	struct gaicb *list[1];
	int rc;

	net_lookup_reap(NULL);
	if ((l = net_lookup_new(host, port)) == NULL) {
		err->cause = CAUSE_RESOLVE;
		snprintf(err->text, sizeof(err->text), "cannot resolve '%s': "
		    "out of memory", host);
		return -1;
	}
	list[0] = &l->cb;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	while (rc == 0 && gai_error(&l->cb) == EAI_INPROGRESS) {
		uint64_t now = net_now();
		struct timespec ts;

		if (now >= deadline_us || iowait_interrupted) {
			/* a queued lookup is cancelled; a running one is
			 * parked until glibc is done writing into it */
			gai_cancel(&l->cb);
			if (gai_error(&l->cb) == EAI_INPROGRESS)
				net_lookup_reap(l);
			else
				net_lookup_free(l);
			err->cause = iowait_interrupted ? CAUSE_INTERRUPTED :
			    CAUSE_TIMEOUT;
			snprintf(err->text, sizeof(err->text), "%s resolving "
			    "'%s'", iowait_interrupted ? "interrupted" :
			    "timed out", host);
			return -1;
		}
		ts.tv_sec = (time_t)((deadline_us - now) / 1000000u);
		ts.tv_nsec = (long)((deadline_us - now) % 1000000u) * 1000;
		gai_suspend((const struct gaicb *const *)list, 1, &ts);
	}
	if (rc == 0)
		rc = gai_error(&l->cb);
	if (rc != 0) {
		err->cause = CAUSE_RESOLVE;
		snprintf(err->text, sizeof(err->text), "cannot resolve '%s': %s",
		    host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		/* getaddrinfo_a refused it: glibc never took it */
		net_lookup_free(l);
		return -1;
	}
	*res = l->cb.ar_result;
	free(l);
	return 0;
}

/* One non-blocking connect attempt; 0 and *fdp, or an errno value. */
static int
net_try(const struct addrinfo *ai, uint64_t deadline_us, int *fdp)
{
	int fd, one = 1, soerr = 0, rc;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return errno;
	/* small MQTT packets must not wait for Nagle (see the latency note
	 * in gnutls-notes.md) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		*fdp = fd;
		return 0;
	}
	if (errno != EINPROGRESS) {
		rc = errno;
		close(fd);
		return rc;
	}
	rc = iowait(fd, POLLOUT, deadline_us);
	if (rc != IOWAIT_READY) {
		int why = rc == IOWAIT_DEADLINE ? ETIMEDOUT :
		    rc == IOWAIT_INTERRUPTED ? EINTR : errno;

		close(fd);
		return why;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		close(fd);
		return soerr;
	}
	*fdp = fd;
	return 0;
}

static int
net_system_connect(void *ctx, const char *host, unsigned port,
    uint64_t deadline_us, const struct io_observer *obs, char *peer,
    size_t peerlen, struct io_error *err)
{
	struct addrinfo *res = NULL, *ai;
	size_t n = 0, i = 0;
	int fd = -1, last = 0;
	char addr[INET6_ADDRSTRLEN + 16];
	char tried[REPORT_TEXT_MAX] = "";

	(void)ctx;
	if (net_resolve(host, port, deadline_us, &res, err) == -1)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	io_say(obs, 0, EVK_NET, DIR_NONE, 0, "%s resolves to %zu address%s", host, n,
	    n == 1 ? "" : "es");

	for (ai = res; ai != NULL; ai = ai->ai_next, i++) {
		uint64_t now = net_now(), until = deadline_us, t0 = now;

		/* share what is left among the addresses still to try, so
		 * one black hole does not eat the others' chance */
		if (now < deadline_us && n - i > 1)
			until = now + (deadline_us - now) / (n - i);
		net_describe(ai->ai_addr, addr, sizeof(addr));
		last = net_try(ai, until, &fd);
		if (last == 0) {
			io_say(obs, 0, EVK_NET, DIR_NONE, 0, "connected to %s in %.2f ms", addr,
			    (double)(net_now() - t0) / 1000.0);
			snprintf(peer, peerlen, "%s", addr);
			break;
		}
		io_say(obs, 0, EVK_NET, DIR_NONE, 0, "%s: %s", addr, last == ETIMEDOUT ?
		    "no answer (timed out)" : strerror(last));
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
		    "%s%s: %s", tried[0] != '\0' ? "; " : "", addr,
		    last == ETIMEDOUT ? "timed out" : strerror(last));
		if (net_now() >= deadline_us || last == EINTR)
			break;
	}
	freeaddrinfo(res);
	if (fd != -1)
		return fd;
	err->sys_errno = last;
	err->cause = last == ETIMEDOUT ? CAUSE_TIMEOUT : last == EINTR ?
	    CAUSE_INTERRUPTED : CAUSE_NETWORK;
	snprintf(err->text, sizeof(err->text), "%s", tried[0] != '\0' ? tried :
	    "no address to connect to");
	return -1;
}

static void
net_system_close(void *ctx, int fd)
{
	(void)ctx;
	if (fd != -1)
		close(fd);
}

static int
net_system_resolve(void *ctx, const char *host, uint64_t deadline_us,
    uint8_t addr[16], size_t *addrlen, struct io_error *err)
{
	struct addrinfo *res = NULL;

	(void)ctx;
	if (net_resolve(host, 0, deadline_us, &res, err) == -1)
		return -1;
	/* the first address, as connect would try first */
	if (res->ai_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)(const void *)
		    res->ai_addr)->sin_addr, 4);
		*addrlen = 4;
	} else {
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)
		    res->ai_addr)->sin6_addr, 16);
		*addrlen = 16;
	}
	freeaddrinfo(res);
	return 0;
}

const struct net_ops net_system = {
	.connect = net_system_connect,
	.close = net_system_close,
	.send = net_io_send,
	.recv = net_io_recv,
	.resolve = net_system_resolve,
};

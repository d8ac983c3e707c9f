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
#include <stdio.h>
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
 * Resolve host within the deadline.  Numeric addresses never touch the
 * resolver.  Returns 0, or -1 with err filled.
 */
static int
net_resolve(const char *host, unsigned port, uint64_t deadline_us,
    struct addrinfo **res, struct io_error *err)
{
	char service[8];
	struct addrinfo hints;
	struct gaicb req, *list[1] = { &req };
	int rc;

	snprintf(service, sizeof(service), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;

	memset(&req, 0, sizeof(req));
	req.ar_name = host;
	req.ar_service = service;
	req.ar_request = &hints;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	while (rc == 0 && gai_error(&req) == EAI_INPROGRESS) {
		uint64_t now = net_now();
		struct timespec ts;

		if (now >= deadline_us || iowait_interrupted) {
			gai_cancel(&req);
			/* the request may still be running: it owns req until
			 * it ends, so wait for it briefly rather than leak */
			ts.tv_sec = 0;
			ts.tv_nsec = 100 * 1000000L;
			gai_suspend((const struct gaicb *const *)list, 1, &ts);
			if (gai_error(&req) == 0)
				freeaddrinfo(req.ar_result);
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
		rc = gai_error(&req);
	if (rc != 0) {
		err->cause = CAUSE_RESOLVE;
		snprintf(err->text, sizeof(err->text), "cannot resolve '%s': %s",
		    host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	*res = req.ar_result;
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

const struct net_ops net_system = {
	.connect = net_system_connect,
	.close = net_system_close,
	.send = net_io_send,
	.recv = net_io_recv,
};

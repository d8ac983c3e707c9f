/*
 * net_io.c: plain bytes on a connected socket, within a deadline.
 *
 * mqtt:// and ws:// send MQTT (or WebSocket frames) straight over TCP,
 * and a proxy's handshake happens on the socket before TLS starts; both
 * need send and receive that never wait past the deadline and that say
 * why they failed in words.  Every pass of each loop checks the clock.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_io.h"

/* Wait for fd, or fill err with why not; 0 when ready. */
static int
net_io_wait(int fd, short events, uint64_t deadline_us, const char *what,
    struct io_error *err)
{
	int w;

	if (clock_monotonic.now_us(clock_monotonic.ctx) >= deadline_us)
		w = IOWAIT_DEADLINE;
	else
		w = iowait(fd, events, deadline_us);
	if (w == IOWAIT_READY)
		return 0;
	err->sys_errno = w == IOWAIT_ERROR ? errno : 0;
	err->cause = w == IOWAIT_DEADLINE ? CAUSE_TIMEOUT :
	    w == IOWAIT_INTERRUPTED ? CAUSE_INTERRUPTED : CAUSE_NETWORK;
	snprintf(err->text, sizeof(err->text), "%s", w == IOWAIT_DEADLINE ?
	    "timed out" : w == IOWAIT_INTERRUPTED ? "interrupted" : what);
	return -1;
}

static void
net_io_errno(struct io_error *err, int e, const char *what)
{
	err->sys_errno = e;
	err->cause = e == EPIPE || e == ECONNRESET ? CAUSE_CLOSED :
	    CAUSE_NETWORK;
	snprintf(err->text, sizeof(err->text), "%s: %s", what, strerror(e));
}

int
net_io_send(void *ctx, int fd, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct io_error *err)
{
	(void)ctx;
	while (len > 0) {
		ssize_t n;

		if (net_io_wait(fd, POLLOUT, deadline_us, "send", err) != 0)
			return -1;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			net_io_errno(err, errno, "send");
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

long
net_io_recv(void *ctx, int fd, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err)
{
	(void)ctx;
	for (;;) {
		ssize_t n;

		if (net_io_wait(fd, POLLIN, deadline_us, "receive", err) != 0)
			return -1;
		n = recv(fd, buf, cap, 0);
		if (n >= 0)
			return (long)n;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			continue;
		net_io_errno(err, errno, "receive");
		return -1;
	}
}

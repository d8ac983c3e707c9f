/*
 * iowait.c: the one way the probe waits for the network.
 *
 * Every wait is bounded by the probe's absolute deadline and ends early
 * when a signal asked the probe to stop, so no path can hang past
 * --timeout or ignore Ctrl-C.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>

#include "probe_io.h"

volatile sig_atomic_t iowait_interrupted;

int
iowait(int fd, short events, uint64_t deadline_us)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		uint64_t now = clock_monotonic.now_us(NULL);
		int rc;

		if (iowait_interrupted)
			return IOWAIT_INTERRUPTED;
		if (now >= deadline_us)
			return IOWAIT_DEADLINE;
		/* round up, so poll never wakes just before the deadline */
		rc = poll(&pfd, 1, (int)((deadline_us - now + 999) / 1000));
		if (rc > 0)
			return IOWAIT_READY;
		if (rc == -1 && errno != EINTR)
			return IOWAIT_ERROR;
	}
}

void
io_say(const struct io_observer *obs, int level, enum report_event_kind kind,
    enum report_dir dir, size_t size, const char *fmt, ...)
{
	char text[REPORT_TEXT_MAX];
	struct io_event ev = { level, kind, dir, size, text };
	va_list ap;

	if (obs == NULL || obs->event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	obs->event(obs->ctx, &ev);
}

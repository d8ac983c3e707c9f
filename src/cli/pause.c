/*
 * pause.c: hold before each step so a trainer can talk it through.
 *
 * The prompt is meant to be read from the back of a room: a blank line
 * sets it apart from the step before, and it names the step that comes
 * next, so the trainer can say what to expect before pressing Enter.
 *
 * Keys: Enter goes on; q (or Q) typed first on a line stops the walk,
 * at once on a raw terminal and with Enter on a cooked one, which both
 * deliver the q before the end of the line; anything else typed before
 * Enter is not a command.  The end of input (Ctrl-D) stops the walk as
 * q does, and says so: going on without holding would surprise a class
 * that expects each step to wait.
 *
 * While the MQTT session is open the engine asks for a keep-alive ping
 * every so often (engine_hold): the wait is cut into slices that long,
 * so a trainer may talk for as long as the lesson needs.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "pause.h"
#include "probe_io.h"
#include "report.h"

#define PAUSE_COLOR "\033[1;36m"
#define PAUSE_RESET "\033[0m"
/* Ctrl-D as a raw terminal delivers it */
#define PAUSE_EOT 0x04

static void
pause_prompt(const struct pause_ctx *p, int step)
{
	fprintf(p->out, "%s>> Next: step %d of %d, %s. Press Enter (q: stop)%s ",
	    p->color ? PAUSE_COLOR : "", step, REPORT_STEPS,
	    report_step_name(step), p->color ? PAUSE_RESET : "");
	fflush(p->out);
}

static uint64_t
pause_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Milliseconds until the next keep-alive ping, -1: no ping to wait for. */
static int
pause_wait_ms(const struct engine_hold *hold, bool pinging, uint64_t next)
{
	uint64_t now = pause_now_us();

	if (!pinging || hold->every_us == 0 || hold->keepalive == NULL)
		return -1;
	if (now >= next)
		return 0;
	return (int)((next - now + 999) / 1000);
}

/* The rest of a line already typed (cooked: the Enter after q), so it
 * reaches neither the next prompt nor the shell. */
static void
pause_drain_line(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	while (poll(&pfd, 1, 0) == 1 && read(fd, &c, 1) == 1 && c != '\n' &&
	    c != '\r')
		;
}

enum engine_hold_answer
pause_before_step(void *ctx, int step, const struct engine_hold *hold)
{
	struct pause_ctx *p = ctx;
	bool line_start = true, pinging = true;
	uint64_t next = pause_now_us() + hold->every_us;

	fputc('\n', p->out);
	pause_prompt(p, step);
	for (;;) {
		struct pollfd pfd = { .fd = p->in, .events = POLLIN };
		int rc = poll(&pfd, 1, pause_wait_ms(hold, pinging, next));
		char c;
		ssize_t got;

		if (rc < 0 && errno == EINTR) {
			/* Ctrl-C: the step that starts reports it */
			if (iowait_interrupted)
				break;
			continue;
		}
		if (rc == 0) {
			/* the trace prints the ping: on a line of its own,
			 * then the prompt again */
			if (p->trace)
				fputc('\n', p->out);
			pinging = hold->keepalive(hold->ctx);
			next = pause_now_us() + hold->every_us;
			if (p->trace)
				pause_prompt(p, step);
			continue;
		}
		got = rc < 0 ? -1 : read(p->in, &c, 1);
		if (got < 0 && errno == EINTR) {
			if (iowait_interrupted)
				break;
			continue;
		}
		if (got <= 0 || c == PAUSE_EOT) {
			fprintf(p->out, "\n(end of input: stopping the walk, as "
			    "q does)\n");
			fflush(p->out);
			return HOLD_STOP;
		}
		if (line_start && (c == 'q' || c == 'Q')) {
			pause_drain_line(p->in);
			fprintf(p->out, "\n(stopped by the user)\n");
			fflush(p->out);
			return HOLD_STOP;
		}
		if (c == '\n' || c == '\r')
			break;
		line_start = false;
	}
	fflush(p->out);
	return HOLD_GO;
}

/*
 * pause.c: hold before each step so a trainer can talk it through.
 *
 * The prompt is meant to be read from the back of a room: a blank line
 * sets it apart from the step before, and it names the step that comes
 * next, so the trainer can say what to expect before pressing Enter.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pause.h"
#include "report.h"

#define PAUSE_COLOR "\033[1;36m"
#define PAUSE_RESET "\033[0m"

void
pause_before_step(void *ctx, int step)
{
	struct pause_ctx *p = ctx;
	char line[256];

	if (p->off)
		return;
	fprintf(p->out, "\n%s>> Next: step %d of %d, %s. Press Enter%s ",
	    p->color ? PAUSE_COLOR : "", step, REPORT_STEPS,
	    report_step_name(step), p->color ? PAUSE_RESET : "");
	fflush(p->out);
	/* whatever was typed before Enter is not a command: read the whole
	 * line, however long, so it cannot answer the next prompts too */
	for (;;) {
		if (fgets(line, sizeof(line), p->in) == NULL) {
			/* end of input (or Ctrl-C, which the walk reports
			 * itself): do not hold again, but finish the walk */
			p->off = 1;
			fputc('\n', p->out);
			break;
		}
		if (strchr(line, '\n') != NULL)
			break;
	}
	fflush(p->out);
}

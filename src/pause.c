/*
 * pause.c: hold before each step so a trainer can talk it through.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pause.h"
#include "report.h"

void
pause_before_step(void *ctx, int step)
{
	struct pause_ctx *p = ctx;
	char line[256];

	if (p->off)
		return;
	fprintf(p->out, "-- press Enter for step %d/%d, %s --", step,
	    REPORT_STEPS, report_step_name(step));
	fflush(p->out);
	if (fgets(line, sizeof(line), p->in) == NULL) {
		/* end of input: do not hold again, but finish the walk */
		p->off = 1;
		fputc('\n', p->out);
	}
	fflush(p->out);
}

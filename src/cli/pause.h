/*
 * pause.h: --pause, hold before each step until the user presses Enter.
 */
#ifndef PAUSE_H
#define PAUSE_H

#include <stdbool.h>
#include <stdio.h>

struct pause_ctx {
	FILE *in;		/* where Enter comes from (a terminal) */
	FILE *out;		/* where the prompt goes */
	int off;		/* input ended: go on without holding */
	bool color;		/* highlight the prompt (as the renderer does) */
};

/* engine_io.before_step for --pause. */
void pause_before_step(void *ctx, int step);

#endif

/*
 * pause.h: --pause, hold before each step until the user presses Enter
 * (go on) or q (stop the walk), keeping the MQTT session alive meanwhile.
 */
#ifndef PAUSE_H
#define PAUSE_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

struct pause_ctx {
	int in;			/* where the keys come from (a terminal) */
	FILE *out;		/* where the prompt goes */
	bool color;		/* highlight the prompt (as the renderer does) */
	bool trace;		/* --trace prints the keep-alive pings: they
				 * get a line of their own */
};

/* engine_io.before_step for --pause. */
enum engine_hold_answer pause_before_step(void *ctx, int step,
    const struct engine_hold *hold);

#endif

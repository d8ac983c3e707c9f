/*
 * clock.c: the monotonic clock behind struct probe_clock.
 */
#include "config.h"

#include <time.h>

#include "probe_io.h"

static uint64_t
clock_monotonic_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	/* CLOCK_MONOTONIC: step timings must not jump with NTP or the user */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t
clock_wall_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const struct probe_clock clock_monotonic = {
	clock_monotonic_now, NULL, clock_wall_now,
};

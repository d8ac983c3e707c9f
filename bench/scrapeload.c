/*
 * scrapeload.c -- scripts/bench's load for the exporter: CONC scrapers
 * at once, each a thread that asks GET PATH over a fresh loopback
 * connection, as Prometheus does, until TOTAL requests have been made.
 *
 *   scrapeload -p PORT -c CONC -n TOTAL -u PATH [-P PID] [-t SECONDS]
 *
 * Prints one line of key=value figures: requests answered 200 (and how
 * many of those said probe_success 1), 503 and anything else, the wall
 * time, the rate of 200 answers, the median and 99th percentile latency
 * and, with -P, the exporter's resident set sampled every 20 ms (peak)
 * and at the end (VmRSS), from /proc/PID/status.  Each request is
 * bounded by -t (default 30 s); loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int port, timeout_s = 30;
static long total;
static const char *path;
static atomic_long next_req, n200, nsuccess, n503, nother;
static double *lat;		/* seconds, one per request */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request; its HTTP status, 0 on a transport error. */
static int
request(int *success)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = timeout_s };
	char req[2048], buf[16384];
	size_t have = 0;
	int fd, n, status = 0;

	*success = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return 0;
	}
	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return 0;
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);

		if (r <= 0)
			break;
		have += (size_t)r;
		/* keep the head and the start of the body, drop the rest */
		if (have > sizeof buf - 1024)
			have = sizeof buf - 1024;
	}
	close(fd);
	buf[have] = '\0';
	if (have > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = atoi(buf + 9);
	*success = strstr(buf, "\nprobe_success 1\n") != NULL;
	return status;
}

static void *
scraper(void *arg)
{
	(void)arg;
	for (;;) {
		long i = atomic_fetch_add(&next_req, 1);
		double t0;
		int status, success;

		if (i >= total)
			return NULL;
		t0 = now();
		status = request(&success);
		lat[i] = now() - t0;
		if (status == 200) {
			atomic_fetch_add(&n200, 1);
			if (success)
				atomic_fetch_add(&nsuccess, 1);
		} else if (status == 503)
			atomic_fetch_add(&n503, 1);
		else
			atomic_fetch_add(&nother, 1);
	}
}

/* VmRSS (or VmHWM) of pid in kB, 0 when unknown. */
static long
rss_kb(int pid, const char *field)
{
	char file[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(file, sizeof file, "/proc/%d/status", pid);
	f = fopen(file, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			kb = atol(line + strlen(field) + 1);
	fclose(f);
	return kb;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	int conc = 1, pid = 0, opt;
	long peak = 0;
	pthread_t *th;
	double t0, wall;

	while ((opt = getopt(argc, argv, "p:c:n:u:P:t:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'c': conc = atoi(optarg); break;
		case 'n': total = atol(optarg); break;
		case 'u': path = optarg; break;
		case 'P': pid = atoi(optarg); break;
		case 't': timeout_s = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (port <= 0 || conc <= 0 || conc > 4096 || total <= 0 ||
	    path == NULL || timeout_s <= 0) {
usage:
		fprintf(stderr, "usage: scrapeload -p PORT -c CONC -n TOTAL "
		    "-u PATH [-P PID] [-t SECONDS]\n");
		return 64;
	}
	lat = calloc((size_t)total, sizeof *lat);
	th = calloc((size_t)conc, sizeof *th);
	if (lat == NULL || th == NULL)
		return 70;
	t0 = now();
	for (int i = 0; i < conc; i++)
		if (pthread_create(&th[i], NULL, scraper, NULL) != 0) {
			fprintf(stderr, "scrapeload: thread %d: %s\n", i,
			    strerror(errno));
			return 70;
		}
	/* the exporter's resident set while the load runs */
	while (pid > 0 && atomic_load(&next_req) < total + conc) {
		long kb = rss_kb(pid, "VmRSS:");

		if (kb > peak)
			peak = kb;
		/* each scraper takes one number past total as it leaves */
		usleep(20000);
	}
	for (int i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	wall = now() - t0;
	qsort(lat, (size_t)total, sizeof *lat, cmp);
	if (pid > 0) {
		long kb = rss_kb(pid, "VmRSS:");

		if (kb > peak)
			peak = kb;
	}
	printf("conc=%d requests=%ld ok=%ld success=%ld busy=%ld other=%ld "
	    "seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f peak_rss_kb=%ld "
	    "rss_kb=%ld\n", conc, total, (long)n200, (long)nsuccess,
	    (long)n503, (long)nother, wall, (double)n200 / wall,
	    lat[total / 2] * 1e3, lat[(long)((double)total * 0.99)] * 1e3,
	    peak, pid > 0 ? rss_kb(pid, "VmRSS:") : 0L);
	free(lat);
	free(th);
	return 0;
}

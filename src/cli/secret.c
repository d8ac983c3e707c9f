/*
 * secret.c: read a secret from a file without leaving copies behind.
 *
 * stdio would read the file through a buffer of its own and free it
 * unwiped; read(2) into the caller's buffer leaves one copy, which the
 * caller wipes with explicit_bzero when done.
 */
#include "config.h"

#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Up to the first newline, or bufsize - 1 bytes; -1 with errno. */
static long
secret_read_line(int fd, char *buf, size_t bufsize, bool *too_long)
{
	size_t n = 0;
	char *nl = NULL;

	*too_long = false;
	while (n + 1 < bufsize) {
		ssize_t got = read(fd, buf + n, bufsize - 1 - n);

		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if (got == 0)
			break;
		nl = memchr(buf + n, '\n', (size_t)got);
		n += (size_t)got;
		if (nl != NULL)
			break;
	}
	if (nl == NULL && n + 1 == bufsize) {
		/* full: a longer first line, unless the newline is next */
		char c = '\n';
		ssize_t got;

		while ((got = read(fd, &c, 1)) == -1 && errno == EINTR)
			;
		*too_long = got == 1 && c != '\n' && c != '\r';
		explicit_bzero(&c, sizeof(c));
	}
	buf[n] = '\0';
	return (long)n;
}

long
secret_read_file(const char *opt, const char *path, char *buf,
    size_t bufsize, unsigned *exposed_mode, char *err, size_t errlen)
{
	struct stat st;
	bool too_long;
	long n;
	size_t len;
	int fd;

	*exposed_mode = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		*exposed_mode = (unsigned)(st.st_mode & 0777);
	n = secret_read_line(fd, buf, bufsize, &too_long);
	if (n == -1) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		close(fd);
		explicit_bzero(buf, bufsize);
		return -1;
	}
	close(fd);
	len = strcspn(buf, "\r\n");
	/* what followed the first line is not ours to keep */
	explicit_bzero(buf + len, (size_t)n - len + 1);
	if (too_long) {
		explicit_bzero(buf, bufsize);
		snprintf(err, errlen, "%s %s: the secret on the first line is "
		    "longer than %zu bytes", opt, path, bufsize - 1);
		return -1;
	}
	if (len == 0) {
		snprintf(err, errlen, "%s %s: the file holds no secret (the "
		    "first line is empty)", opt, path);
		return -1;
	}
	/* every reader (the command line, --serve's modules) is covered;
	 * main.c calls it again to warn if the kernel refuses */
	secret_protect_process();
	return (long)len;
}

bool
secret_protect_process(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

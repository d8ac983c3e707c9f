/*
 * html_file.c: the report file, replaced in one step.
 *
 * The page is written to a temporary file beside FILE and renamed over
 * it when complete, so a reader (a browser left open, a CI job picking
 * up artifacts) never sees half a page, and a failed run leaves the
 * previous report as it was.  The temporary file is made at the start,
 * so that a directory we cannot write to is named before any probe.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"

int
html_file_open(struct html_file *hf, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	mode_t mask;
	int fd;

	memset(hf, 0, sizeof(*hf));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--report %s: is a directory", path);
		return -1;
	}
	hf->path = strdup(path);
	hf->tmp = malloc(strlen(path) + sizeof(".tmp-XXXXXX"));
	if (hf->path == NULL || hf->tmp == NULL) {
		snprintf(err, errlen, "--report %s: out of memory", path);
		html_file_abort(hf);
		return -1;
	}
	sprintf(hf->tmp, "%s.tmp-XXXXXX", path);
	fd = mkstemp(hf->tmp);
	if (fd == -1) {
		snprintf(err, errlen, "--report %s: cannot create a file "
		    "there: %s", path, strerror(errno));
		free(hf->tmp);
		hf->tmp = NULL;
		html_file_abort(hf);
		return -1;
	}
	/* mkstemp makes it 0600; the page holds no secret, so it gets the
	 * mode any new file of the user gets */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	hf->out = fdopen(fd, "w");
	if (hf->out == NULL) {
		snprintf(err, errlen, "--report %s: %s", path, strerror(errno));
		close(fd);
		html_file_abort(hf);
		return -1;
	}
	return 0;
}

int
html_file_commit(struct html_file *hf, char *err, size_t errlen)
{
	int rc = 0;

	if (hf->out == NULL)
		return 0;
	if (fflush(hf->out) != 0 || ferror(hf->out) ||
	    fsync(fileno(hf->out)) != 0) {
		snprintf(err, errlen, "--report %s: cannot write: %s", hf->path,
		    strerror(errno != 0 ? errno : EIO));
		rc = -1;
	}
	if (fclose(hf->out) != 0 && rc == 0) {
		snprintf(err, errlen, "--report %s: cannot write: %s", hf->path,
		    strerror(errno));
		rc = -1;
	}
	hf->out = NULL;
	if (rc == 0 && rename(hf->tmp, hf->path) != 0) {
		snprintf(err, errlen, "--report %s: cannot replace it: %s",
		    hf->path, strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		free(hf->tmp);
		hf->tmp = NULL;
	}
	html_file_abort(hf);
	return rc;
}

void
html_file_abort(struct html_file *hf)
{
	if (hf->out != NULL)
		fclose(hf->out);
	if (hf->tmp != NULL)
		unlink(hf->tmp);
	free(hf->tmp);
	free(hf->path);
	memset(hf, 0, sizeof(*hf));
}

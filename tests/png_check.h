/*
 * png_check.h: just enough of a PNG reader to tell a blank screenshot
 * from a page: the size and how many distinct colours it holds.
 */
#ifndef PNG_CHECK_H
#define PNG_CHECK_H

#include <stddef.h>

struct png_facts {
	unsigned width, height;
	unsigned long colors;		/* distinct, counted up to a cap */
	double top_share;		/* share of the commonest colour */
};

/* 0, or -1 with the reason in err. */
int png_check(const char *path, struct png_facts *f, char *err,
    size_t errlen);

#endif

/*
 * png_check.c: read a PNG as Chromium writes its screenshots (8 bits per
 * channel, RGB or RGBA, not interlaced) with zlib, undo the row filters
 * (RFC 2083, 6) and count the distinct colours.  A test asks whether the
 * screenshot is blank, nothing more; anything else is refused by name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "png_check.h"

#define PNG_MAX_BYTES (64u << 20)
#define PNG_COLOR_CAP 4096u		/* enough to tell a page from blank */
#define PNG_HASH 8192u

static uint32_t
png_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *
png_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    (unsigned long)n <= PNG_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static int
png_paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the filter of each row, in place; -1 on an unknown filter. */
static int
png_unfilter(unsigned char *raw, unsigned w, unsigned h, unsigned bpp)
{
	size_t stride = (size_t)w * bpp;

	for (unsigned y = 0; y < h; y++) {
		unsigned char *row = raw + y * (stride + 1);
		unsigned char ft = row[0], *cur = row + 1;
		const unsigned char *up = y > 0 ? row - stride : NULL;

		for (size_t x = 0; x < stride; x++) {
			int a = x >= bpp ? cur[x - bpp] : 0;
			int b = up != NULL ? up[x] : 0;
			int c = up != NULL && x >= bpp ? up[x - bpp] : 0;

			switch (ft) {
			case 0:
				break;
			case 1:
				cur[x] = (unsigned char)(cur[x] + a);
				break;
			case 2:
				cur[x] = (unsigned char)(cur[x] + b);
				break;
			case 3:
				cur[x] = (unsigned char)(cur[x] + (a + b) / 2);
				break;
			case 4:
				cur[x] = (unsigned char)(cur[x] +
				    png_paeth(a, b, c));
				break;
			default:
				return -1;
			}
		}
	}
	return 0;
}

/* Distinct colours (up to the cap) and the commonest one's count. */
static void
png_count(const unsigned char *raw, unsigned w, unsigned h, unsigned bpp,
    struct png_facts *f)
{
	static uint32_t keys[PNG_HASH];
	static unsigned long counts[PNG_HASH];
	size_t stride = (size_t)w * bpp;
	unsigned long top = 0, total = (unsigned long)w * h;

	memset(keys, 0, sizeof(keys));
	memset(counts, 0, sizeof(counts));
	f->colors = 0;
	for (unsigned y = 0; y < h; y++) {
		const unsigned char *px = raw + y * (stride + 1) + 1;

		for (unsigned x = 0; x < w; x++, px += bpp) {
			/* +1: no colour hashes to the empty key 0 */
			uint32_t k = ((uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 |
			    px[2]) + 1, i = (k * 2654435761u) % PNG_HASH;

			while (keys[i] != 0 && keys[i] != k)
				i = (i + 1) % PNG_HASH;
			if (keys[i] == 0) {
				if (f->colors >= PNG_COLOR_CAP)
					continue;
				keys[i] = k;
				f->colors++;
			}
			if (++counts[i] > top)
				top = counts[i];
		}
	}
	f->top_share = total > 0 ? (double)top / (double)total : 1;
}

int
png_check(const char *path, struct png_facts *f, char *err, size_t errlen)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	size_t len = 0, off = 8, zlen = 0, rawlen;
	unsigned char *buf = png_slurp(path, &len), *z = NULL, *raw = NULL;
	unsigned bpp = 0;
	uLongf got;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (buf == NULL) {
		snprintf(err, errlen, "%s: cannot read it", path);
		return -1;
	}
	if (len < 8 + 25 || memcmp(buf, sig, 8) != 0) {
		snprintf(err, errlen, "%s: not a PNG", path);
		goto out;
	}
	z = malloc(len);
	if (z == NULL)
		goto out;
	while (off + 12 <= len) {
		uint32_t n = png_be32(buf + off);
		const unsigned char *type = buf + off + 4, *data = buf + off + 8;

		if (n > len - off - 12) {
			snprintf(err, errlen, "%s: a chunk runs past the end",
			    path);
			goto out;
		}
		if (memcmp(type, "IHDR", 4) == 0 && n >= 13) {
			f->width = png_be32(data);
			f->height = png_be32(data + 4);
			if (data[8] != 8 || (data[9] != 2 && data[9] != 6) ||
			    data[12] != 0) {
				snprintf(err, errlen, "%s: depth %u colour type %u "
				    "interlace %u: not what this reader reads",
				    path, data[8], data[9], data[12]);
				goto out;
			}
			bpp = data[9] == 6 ? 4 : 3;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			memcpy(z + zlen, data, n);
			zlen += n;
		} else if (memcmp(type, "IEND", 4) == 0) {
			break;
		}
		off += 12 + n;
	}
	if (bpp == 0 || f->width == 0 || f->height == 0 ||
	    f->width > 20000 || f->height > 40000) {
		snprintf(err, errlen, "%s: no usable IHDR", path);
		goto out;
	}
	rawlen = (size_t)f->height * ((size_t)f->width * bpp + 1);
	raw = malloc(rawlen);
	got = (uLongf)rawlen;
	if (raw == NULL || uncompress(raw, &got, z, (uLong)zlen) != Z_OK ||
	    got != rawlen) {
		snprintf(err, errlen, "%s: the image data does not inflate to "
		    "%ux%u pixels", path, f->width, f->height);
		goto out;
	}
	if (png_unfilter(raw, f->width, f->height, bpp) != 0) {
		snprintf(err, errlen, "%s: unknown row filter", path);
		goto out;
	}
	png_count(raw, f->width, f->height, bpp, f);
	rc = 0;
out:
	free(buf);
	free(z);
	free(raw);
	return rc;
}

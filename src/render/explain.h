/*
 * explain.h: --explain, a plain-language paragraph after each step.
 *
 * The texts live in one table in explain.c, chosen by what the report
 * says about the step: its outcome, the failure cause, the TLS version
 * that was negotiated, step 4's problem keywords and a few details.
 * Renderers only lay the result out; they never pick texts themselves.
 */
#ifndef EXPLAIN_H
#define EXPLAIN_H

#include <stddef.h>

#include "report.h"

/* Separates paragraphs in what explain_step writes. */
#define EXPLAIN_PARAGRAPH '\n'

/*
 * The explanation of step as it stands in r, as paragraphs separated by
 * EXPLAIN_PARAGRAPH, into buf (always a string when len > 0).  Returns
 * the number of paragraphs; 0 for a step that did not run.
 */
int explain_step(const struct report *r, int step, char *buf, size_t len);

/* The TLS version the server chose: 12, 13, or 0 when not known yet. */
int explain_tls_version(const struct report *r);

#endif

/*
 * html_parts.h: the pieces of the HTML report, shared by its files.
 *
 * render_html.c builds the page and the series summary, html_probe.c
 * one probe's walk, and the pictures each have their own file:
 * html_waterfall.c (the steps on a time axis), html_ladder.c (the
 * messages between client and broker), html_tracker.c (the layer
 * states and the certificate cards), html_chart.c (percentiles of a
 * series).  All of them write through html_text for anything that is
 * not a literal of ours.
 */
#ifndef HTML_PARTS_H
#define HTML_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "html.h"
#include "report.h"

/* Width of the SVG pictures' coordinate system (they scale to fit). */
#define HTML_SVG_WIDTH 1180

/* s as HTML text or attribute value: markup escaped, controls and
 * direction overrides shown as \xNN / \uNNNN, bad UTF-8 as U+FFFD. */
void html_text(FILE *out, const char *s);
void html_textn(FILE *out, const char *s, size_t n);
/* Microseconds as "1.23 ms" (or "12.3 s" from ten seconds on). */
void html_ms(FILE *out, uint64_t us);
/* A number with few enough digits for an axis ("0.5", "12", "1.25"). */
void html_num(FILE *out, double v);

/* "CLIENT HELLO" (GnuTLS's name) as the RFC writes it, "ClientHello";
 * "CONNACK session_present=0" as its packet name, "CONNACK". */
const char *html_msg_name(const struct report_event *e, char *buf,
    size_t len);
/* Whether an event is a message the pictures draw as an arrow. */
bool html_is_message(const struct report_event *e);
/* A TLS record that carries an alert. */
bool html_is_alert(const struct report_event *e);

/* The time the pictures span: from 0 to the last thing that happened. */
uint64_t html_span_us(const struct report *r);

void html_waterfall(FILE *out, const struct report *r);
void html_ladder(FILE *out, const struct report *r);
void html_tracker(FILE *out, const struct report *r);
void html_chain(FILE *out, const struct report *r);
/* The diagnosis after a failure and --capabilities, when there are. */
void html_diagnosis(FILE *out, const struct report *r);
void html_capabilities(FILE *out, const struct report *r);

/* One probe's walk: verdict, settings, pictures, steps, chain. */
void html_probe(FILE *out, const struct html_settings *s,
    const struct html_where *w, unsigned number, const struct report *r,
    const struct stats_facts *f);

/* The percentiles of each target's series, as one picture. */
void html_chart(FILE *out, const struct html_page_target *t, size_t n);

#endif

/*
 * html_more.c: what some runs add beyond the walk, as tables: the
 * follow-up experiments after a failure (the diagnosis) and the broker's
 * capabilities (--capabilities).
 */
#include "config.h"

#include <stdio.h>

#include "html_parts.h"

void
html_diagnosis(FILE *out, const struct report *r)
{
	if (r->ndiagnoses == 0)
		return;
	fputs("<h3>Diagnosis</h3>\n<table class=\"more\"><thead><tr>"
	    "<th>tried</th><th>verdict</th><th>what it shows</th></tr></thead>"
	    "<tbody>", out);
	for (size_t i = 0; i < r->ndiagnoses; i++) {
		const struct report_diagnosis *d = &r->diagnoses[i];

		fputs("<tr><td>", out);
		html_text(out, d->tried);
		fprintf(out, "</td><td class=\"v-%s\">%s</td><td>",
		    report_diag_verdict_name(d->verdict),
		    report_diag_verdict_name(d->verdict));
		html_text(out, d->text);
		fputs("</td></tr>", out);
	}
	fputs("</tbody></table>\n", out);
}

void
html_capabilities(FILE *out, const struct report *r)
{
	if (!r->caps_ran || r->ncaps == 0)
		return;
	fputs("<h3>Capabilities</h3>\n<table class=\"more\"><thead><tr>"
	    "<th>capability</th><th>seen</th><th>value</th><th>advertised</th>"
	    "<th>evidence</th></tr></thead><tbody>", out);
	for (size_t i = 0; i < r->ncaps; i++) {
		const struct report_capability *c = &r->caps[i];

		fputs("<tr><td>", out);
		html_text(out, c->name);
		fprintf(out, "%s</td><td class=\"v-%s\">%s</td><td>",
		    c->required ? " <small>required</small>" : "",
		    report_cap_result_name(c->result),
		    report_cap_result_name(c->result));
		if (c->has_value)
			fprintf(out, "%lld", c->value);
		fprintf(out, "</td><td%s>", c->mismatch ? " class=\"bad\"" : "");
		html_text(out, c->advertised);
		fputs("</td><td>", out);
		html_text(out, c->evidence);
		fputs("</td></tr>", out);
	}
	fputs("</tbody></table>\n", out);
}

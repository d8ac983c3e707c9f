/*
 * check_parsers.c: the parsers of what transports' peers send, on their
 * own: the HTTP response head (WebSocket upgrade, HTTP proxy answer) and
 * WebSocket frames, plus the accept key against RFC 6455's own example;
 * the CRL entry reason reader, over the fuzzer's seed CRLs
 * (FUZZ_DIR/corpus/crl_reason: one byte n, an n-byte serial, the DER),
 * and its generated ASN.1 table against its module (SRC_DIR/transport);
 * and the proxy URL and the NO_PROXY list, which the user writes.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtasn1.h>

#include "http_head.h"
#include "proxy_url.h"
#include "tls_crl_reason.h"
#include "ws.h"

#ifndef FUZZ_DIR
#error "FUZZ_DIR must name the fuzz/ directory"
#endif
#ifndef SRC_DIR
#error "SRC_DIR must name the src/ directory"
#endif

#define B(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

START_TEST(test_http_ok)
{
	static const char in[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
	    "X-Empty:\r\nSec-WebSocket-Protocol:   mqtt  \r\n\r\n\x82\x00";
	struct http_head h;
	const char *why = NULL;
	const struct http_field *f;

	ck_assert_int_eq(http_head_parse(B(in), &h, &why), HTTP_HEAD_OK);
	ck_assert_int_eq(h.status, 101);
	ck_assert_int_eq(h.minor, 1);
	ck_assert_int_eq((int)h.reason_len, 19);
	ck_assert_int_eq(strncmp(h.reason, "Switching Protocols", 19), 0);
	ck_assert_uint_eq(h.head_len, sizeof(in) - 1 - 2);
	ck_assert_uint_eq(h.nfields, 4);
	f = http_head_field(&h, "sec-websocket-protocol");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->value_len, 4);
	ck_assert_int_eq(strncmp(f->value, "mqtt", 4), 0);
	ck_assert(http_field_has_token(http_head_field(&h, "Connection"),
	    "upgrade"));
	ck_assert(!http_field_has_token(http_head_field(&h, "Connection"),
	    "keep"));
	ck_assert_uint_eq(http_head_field(&h, "X-Empty")->value_len, 0);
	ck_assert_ptr_null(http_head_field(&h, "Missing"));
	ck_assert(!http_field_has_token(NULL, "x"));
}
END_TEST

START_TEST(test_http_lf_and_short)
{
	struct http_head h;
	const char *why = NULL;

	/* bare LF line ends, a status without a reason phrase */
	ck_assert_int_eq(http_head_parse(B("HTTP/1.0 200\nA: b\n\n"), &h,
	    &why), HTTP_HEAD_OK);
	ck_assert_int_eq(h.status, 200);
	ck_assert_uint_eq(h.reason_len, 0);
	ck_assert_int_eq(http_head_parse(B("HTTP/1.1 407 Proxy Auth"), &h,
	    &why), HTTP_HEAD_MORE);
	ck_assert_int_eq(http_head_parse(B("HTTP/1.1 200 OK\r\nA: b\r\n"),
	    &h, &why), HTTP_HEAD_MORE);
	ck_assert_int_eq(http_head_parse(B("HTT"), &h, &why), HTTP_HEAD_MORE);
	ck_assert_int_eq(http_head_parse((const uint8_t *)"", 0, &h, &why),
	    HTTP_HEAD_MORE);
}
END_TEST

static const struct {
	const char *in;
	const char *why;
} http_bad[] = {
	{ "SSH-2.0-OpenSSH_9.2\r\n", "not HTTP" },
	{ "\x20\x02\x00\x00", "not HTTP" },
	{ "HTTP/1.1 2000 OK\r\n\r\n", "malformed" },
	{ "HTTP/1.1 20x OK\r\n\r\n", "malformed" },
	{ "HTTP/1.1 099 Low\r\n\r\n", "below 100" },
	{ "HTTP/1.1 200 O\x01K\r\n\r\n", "reason" },
	{ "HTTP/1.1 200 OK\r\n folded\r\n\r\n", "folded" },
	{ "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "without a name" },
	{ "HTTP/1.1 200 OK\r\n: x\r\n\r\n", "without a name" },
	{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "header name" },
	{ "HTTP/1.1 200 OK\r\nA: x\x01y\r\n\r\n", "header value" },
};

START_TEST(test_http_bad)
{
	struct http_head h;
	const char *why = NULL;

	ck_assert_int_eq(http_head_parse((const uint8_t *)http_bad[_i].in,
	    strlen(http_bad[_i].in), &h, &why), HTTP_HEAD_BAD);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, http_bad[_i].why) != NULL, "'%s' for %d",
	    why, _i);
}
END_TEST

/* A head that never ends is refused at 16 KiB, whatever comes after. */
START_TEST(test_http_too_long)
{
	size_t n = HTTP_HEAD_MAX + 100;
	uint8_t *buf = malloc(n);
	struct http_head h;
	const char *why = NULL;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "HTTP/1.1 200 OK\r\n", 17);
	for (size_t i = 17; i < n; i += 8)
		memcpy(buf + i, "X: yyy\r\n", n - i < 8 ? n - i : 8);
	ck_assert_int_eq(http_head_parse(buf, n, &h, &why), HTTP_HEAD_BAD);
	ck_assert_ptr_nonnull(strstr(why, "16 KiB"));
	/* more fields than the table: all checked, the first ones kept */
	memcpy(buf + 17 + 8 * 100, "\r\n", 2);
	ck_assert_int_eq(http_head_parse(buf, n, &h, &why), HTTP_HEAD_OK);
	ck_assert_uint_eq(h.nfields, HTTP_HEAD_FIELDS);
	ck_assert_uint_eq(h.head_len, 17 + 8 * 100 + 2);
	free(buf);
}
END_TEST

START_TEST(test_ws_accept_rfc)
{
	char out[29];

	/* RFC 6455 section 1.3 */
	ck_assert_int_eq(ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(test_ws_frames)
{
	struct ws_frame f;
	const char *why = NULL;
	static const uint8_t big[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0 };

	ck_assert_int_eq(ws_frame_parse(B("\x82"), 100, &f, &why), WS_MORE);
	ck_assert_int_eq(ws_frame_parse(B("\x82\x7d"), 200, &f, &why), WS_OK);
	ck_assert(f.fin);
	ck_assert_int_eq(f.opcode, WS_BINARY);
	ck_assert_uint_eq(f.len, 125);
	ck_assert_uint_eq(f.header_len, 2);
	ck_assert_int_eq(ws_frame_parse(B("\x02\x7e\x01"), 1000, &f, &why),
	    WS_MORE);
	ck_assert_int_eq(ws_frame_parse(B("\x02\x7e\x01\x00"), 1000, &f, &why),
	    WS_OK);
	ck_assert(!f.fin);
	ck_assert_uint_eq(f.len, 256);
	ck_assert_uint_eq(f.header_len, 4);
	ck_assert_int_eq(ws_frame_parse(big, 9, 1u << 20, &f, &why), WS_MORE);
	ck_assert_int_eq(ws_frame_parse(big, sizeof(big), 1u << 20, &f, &why),
	    WS_OK);
	ck_assert_uint_eq(f.len, 65536);
	ck_assert_uint_eq(f.header_len, 10);
	ck_assert_int_eq(ws_frame_parse(big, sizeof(big), 65535, &f, &why),
	    WS_BAD);
	ck_assert_ptr_nonnull(strstr(why, "larger"));
	ck_assert_int_eq(ws_frame_parse(B("\x88\x02\x03\xe8"), 10, &f, &why),
	    WS_OK);
	ck_assert_int_eq(f.opcode, WS_CLOSE);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *why;
} ws_bad[] = {
	{ "\xc2\x00", 2, "reserved bits" },
	{ "\x83\x00", 2, "unknown opcode" },
	{ "\x8b\x00", 2, "unknown opcode" },
	{ "\x82\x81\x01\x02\x03\x04\x00", 7, "masked" },
	{ "\x09\x00", 2, "fragmented" },
	{ "\x89\x7e\x00\x7e", 4, "over 125" },
	{ "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10, "top bit" },
};

START_TEST(test_ws_bad)
{
	struct ws_frame f;
	const char *why = NULL;

	ck_assert_int_eq(ws_frame_parse((const uint8_t *)ws_bad[_i].in,
	    ws_bad[_i].len, 1u << 20, &f, &why), WS_BAD);
	ck_assert_msg(strstr(why, ws_bad[_i].why) != NULL, "'%s'", why);
}
END_TEST

/* What we write, a server reads back (after unmasking). */
START_TEST(test_ws_write)
{
	static const size_t lens[] = { 0, 1, 125, 126, 65535, 65536 };
	static const uint8_t mask[4] = { 0xde, 0xad, 0xbe, 0xef };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t head[14];
		size_t hl = ws_frame_header(head, WS_BINARY, lens[i], mask);
		uint64_t n = head[1] & 0x7f;

		ck_assert_uint_eq(hl, ws_frame_header_size(lens[i]));
		ck_assert_int_eq(head[0], 0x82);
		ck_assert_int_eq(head[1] & 0x80, 0x80);
		if (n == 126)
			n = (uint64_t)head[2] << 8 | head[3];
		else if (n == 127)
			n = (uint64_t)head[6] << 24 | (uint64_t)head[7] << 16 |
			    (uint64_t)head[8] << 8 | head[9];
		ck_assert_uint_eq(n, lens[i]);
		ck_assert_int_eq(memcmp(head + hl - 4, mask, 4), 0);
	}
	{
		uint8_t p[6] = "abcdef";

		ws_mask(p, 6, mask, 0);
		ck_assert_int_eq(p[0], 'a' ^ 0xde);
		ck_assert_int_eq(p[4], 'e' ^ 0xde);
		ws_mask(p + 2, 4, mask, 2);
		ws_mask(p, 2, mask, 0);
		ck_assert_int_eq(memcmp(p, "abcdef", 6), 0);
	}
}
END_TEST

START_TEST(test_ws_close_names)
{
	ck_assert_str_eq(ws_close_name(1000), "normal closure");
	ck_assert_str_eq(ws_close_name(1008), "policy violation");
	ck_assert_str_eq(ws_close_name(1011), "internal server error");
	ck_assert_str_eq(ws_close_name(4003), "private to the application");
	ck_assert_str_eq(ws_close_name(3999),
	    "registered by a library or framework");
	ck_assert_str_eq(ws_close_name(7), "not a defined close code");
}
END_TEST

/* A whole file, in a buffer of exactly its size (one byte for none). */
static char *
slurp(const char *path, size_t *len)
{
	char *buf;
	FILE *f;
	long n;

	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A seed of fuzz/corpus/crl_reason, in a buffer of exactly its size. */
static unsigned char *
crl_seed(const char *name, size_t *len)
{
	char path[4096];
	unsigned char *buf;

	snprintf(path, sizeof path, "%s/corpus/crl_reason/%s", FUZZ_DIR, name);
	buf = (unsigned char *)slurp(path, len);
	ck_assert_uint_gt(*len, 2);
	return buf;
}

/* What each seed must give: openssl's CRL of three entries (serials 0A
 * keyCompromise, 0B superseded, 14 cessationOfOperation) asked for each
 * and for one it lacks; certtool's, whose entries carry no reason, and
 * its empty one; openssl's with the first reason changed to 7 (a number
 * RFC 5280 leaves unused) and to 0x80 (negative in DER). */
static const struct {
	const char *seed;
	int reason;
	const char *name;
} crl_seeds[] = {
	{ "c00", 1, "keyCompromise" },
	{ "c01", 4, "superseded" },
	{ "c02", 5, "cessationOfOperation" },
	{ "c03", TLS_CRL_REASON_UNREAD, "unknown" },
	{ "c04", 0, "unspecified" },
	{ "c05", TLS_CRL_REASON_UNREAD, "unknown" },
	{ "c06", 7, "unknown" },
	{ "c07", TLS_CRL_REASON_UNREAD, "unknown" },
};

START_TEST(test_crl_reason_seeds)
{
	size_t len;
	unsigned char *b = crl_seed(crl_seeds[_i].seed, &len);
	size_t slen = b[0];
	int got = tls_crl_reason(b + 1 + slen, len - 1 - slen, b + 1, slen);

	ck_assert_msg(got == crl_seeds[_i].reason, "%s: reason %d, expected "
	    "%d", crl_seeds[_i].seed, got, crl_seeds[_i].reason);
	ck_assert_str_eq(tls_crl_reason_name(got), crl_seeds[_i].name);
	free(b);
}
END_TEST

/* Cut anywhere, the CRL is no CRL: never a reason, never a read past
 * the end (ASan builds see that); nor a serial of another length. */
START_TEST(test_crl_reason_truncated)
{
	size_t len;
	unsigned char *b = crl_seed("c00", &len);
	unsigned char longer[2] = { 0x00, 0x0a };
	const unsigned char *der = b + 2;
	size_t dlen = len - 2;

	for (size_t cut = 0; cut < dlen; cut++) {
		unsigned char *part = malloc(cut > 0 ? cut : 1);

		ck_assert_ptr_nonnull(part);
		memcpy(part, der, cut);
		ck_assert_int_eq(tls_crl_reason(part, cut, b + 1, 1),
		    TLS_CRL_REASON_UNREAD);
		free(part);
	}
	ck_assert_int_eq(tls_crl_reason(der, dlen, longer, 2),
	    TLS_CRL_REASON_UNREAD);
	ck_assert_int_eq(tls_crl_reason(der, dlen, b + 1, 0),
	    TLS_CRL_REASON_UNREAD);
	/* over the bound, not even looked at */
	ck_assert_int_eq(tls_crl_reason(der, TLS_CRL_REASON_MAX_DER + 1u,
	    b + 1, 1), TLS_CRL_REASON_UNREAD);
	free(b);
}
END_TEST

START_TEST(test_crl_reason_names)
{
	ck_assert_str_eq(tls_crl_reason_name(0), "unspecified");
	ck_assert_str_eq(tls_crl_reason_name(6), "certificateHold");
	ck_assert_str_eq(tls_crl_reason_name(8), "removeFromCRL");
	ck_assert_str_eq(tls_crl_reason_name(10), "aACompromise");
	ck_assert_str_eq(tls_crl_reason_name(11), "unknown");
	ck_assert_str_eq(tls_crl_reason_name(-1), "unknown");
}
END_TEST

/*
 * The committed tls_crl_reason_asn1.c is what libtasn1 makes of
 * tls_crl_reason.asn today (the library call behind asn1Parser): a change
 * to the module without regenerating the table fails here, not in the
 * field.
 */
START_TEST(test_crl_reason_table_current)
{
	char dir[] = "/tmp/check_parsers.XXXXXX", out[64];
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	char *made, *kept;
	size_t made_len, kept_len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(out, sizeof out, "%s/asn1.c", dir);
	ck_assert_msg(asn1_parser2array(SRC_DIR "/transport/tls_crl_reason.asn",
	    out, "tls_crl_reason_asn1_tab", err) == ASN1_SUCCESS, "%s", err);
	made = slurp(out, &made_len);
	kept = slurp(SRC_DIR "/transport/tls_crl_reason_asn1.c", &kept_len);
	unlink(out);
	rmdir(dir);
	ck_assert_msg(made_len == kept_len && memcmp(made, kept, made_len) == 0,
	    "src/transport/tls_crl_reason_asn1.c is out of date: regenerate it "
	    "with asn1Parser, as tls_crl_reason.asn says");
	free(made);
	free(kept);
}
END_TEST

/* ---- proxy URL and NO_PROXY ------------------------------------------ */

static const struct url_good {
	const char *in;
	enum proxy_kind kind;
	const char *host, *user;
	unsigned port;
	const char *shown;
} url_good[] = {
	{ "http://proxy:3128", PROXY_HTTP, "proxy", "", 3128,
	    "http://proxy:3128" },
	{ "proxy.corp", PROXY_HTTP, "proxy.corp", "", 1080,
	    "http://proxy.corp:1080" },
	{ "HTTP://alice@10.0.0.1/", PROXY_HTTP, "10.0.0.1", "alice", 1080,
	    "http://alice@10.0.0.1:1080" },
	{ "socks5://[::1]:1081", PROXY_SOCKS5, "::1", "", 1081,
	    "socks5://[::1]:1081" },
	{ "socks5h://a%40b@px", PROXY_SOCKS5H, "px", "a@b", 1080,
	    "socks5h://a%40b@px:1080" },
	{ "socks5h://us%3Aer@px:9", PROXY_SOCKS5H, "px", "us:er", 9,
	    "socks5h://us%3Aer@px:9" },
};

START_TEST(test_proxy_url_good)
{
	const struct url_good *g = &url_good[_i];
	struct proxy_url u;
	const char *err = NULL;

	ck_assert_msg(proxy_url_parse(g->in, &u, &err) == 0, "%s: %s", g->in,
	    err);
	ck_assert_int_eq(u.kind, g->kind);
	ck_assert_str_eq(u.host, g->host);
	ck_assert_str_eq(u.user, g->user);
	ck_assert_uint_eq(u.port, g->port);
	ck_assert_str_eq(u.shown, g->shown);
}
END_TEST

static const struct url_bad {
	const char *in, *words;
} url_bad[] = {
	{ "", "empty proxy URL" },
	{ "https://px:443", "unsupported proxy scheme" },
	{ "socks4://px", "unsupported proxy scheme" },
	{ "http://alice:Secret@px:3128", "a password in the URL would be "
	    "visible in ps; use --proxy-password-file or "
	    "MQTTS_PROBE_PROXY_PASSWORD" },
	{ "http://:pw@px", "a password in the URL" },
	{ "http://px:3128/path", "no path, query or fragment" },
	{ "http://px:3128?x", "no path, query or fragment" },
	{ "http://px:0", "port must be" },
	{ "http://px:99999", "port must be" },
	{ "http://px:", "missing port" },
	{ "http://::1:3128", "needs brackets" },
	{ "http://[px]:1", "not a valid IPv6" },
	{ "http://@px", "empty user name" },
	{ "http://a%zz@px", "bad %-escape" },
	{ "http://", "no host name" },
	{ "http://p x", "space or control" },
};

START_TEST(test_proxy_url_bad)
{
	const struct url_bad *b = &url_bad[_i];
	struct proxy_url u;
	const char *err = NULL;

	ck_assert_int_eq(proxy_url_parse(b->in, &u, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, b->words) != NULL, "'%s': '%s' lacks '%s'",
	    b->in, err, b->words);
	/* no message may repeat what was typed: it may hold a password */
	ck_assert_ptr_null(strstr(err, "Secret"));
}
END_TEST

START_TEST(test_no_proxy)
{
	ck_assert(!proxy_url_bypass(NULL, "broker.example.com"));
	ck_assert(!proxy_url_bypass("", "broker.example.com"));
	ck_assert(proxy_url_bypass("*", "anything"));
	ck_assert(proxy_url_bypass("a.org, *", "anything"));
	ck_assert(proxy_url_bypass("example.com", "broker.example.com"));
	ck_assert(proxy_url_bypass(".example.com", "broker.example.com"));
	ck_assert(proxy_url_bypass(".example.com", "example.com"));
	ck_assert(proxy_url_bypass("EXAMPLE.com.", "Broker.example.COM."));
	ck_assert(proxy_url_bypass("x.org,example.com", "example.com"));
	ck_assert(proxy_url_bypass("x.org example.com", "example.com"));
	/* whole labels only */
	ck_assert(!proxy_url_bypass("ample.com", "example.com"));
	ck_assert(!proxy_url_bypass("example.com", "example.com.evil"));
	ck_assert(!proxy_url_bypass("broker.example.com", "example.com"));
	/* addresses match only themselves */
	ck_assert(proxy_url_bypass("localhost,127.0.0.1", "127.0.0.1"));
	ck_assert(!proxy_url_bypass("0.0.1", "127.0.0.1"));
	ck_assert(proxy_url_bypass("[::1]", "::1"));
	ck_assert(proxy_url_bypass("::1", "::1"));
	ck_assert(!proxy_url_bypass("1", "::1"));
	ck_assert(!proxy_url_bypass(",,  ,", "example.com"));
}
END_TEST

/* The HTTP answer's verdict: the status decides, in words. */
START_TEST(test_proxy_http_verdict)
{
	struct proxy_config pc = { .kind = PROXY_HTTP };
	struct proxy_info info = { .socks_reply = -1 };
	struct io_error err = { 0 };
	static const char noauth[] = "HTTP/1.0 407 Proxy Authentication "
	    "Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n";

	ck_assert_int_eq(proxy_http_verdict(&pc, B("HTTP/1.1 200 OK\r\n\r\n"),
	    &info, &err), 0);
	ck_assert_str_eq(info.answer, "HTTP/1.1 200 OK");
	ck_assert_int_eq(proxy_http_verdict(&pc, B(noauth), &info, &err), -1);
	ck_assert_int_eq(info.error, PROXY_E_AUTH_REQUIRED);
	ck_assert_int_eq(info.http_status, 407);
	ck_assert_ptr_nonnull(strstr(err.text, "it offers Basic realm=\"corp\""));
	ck_assert_int_eq(proxy_http_verdict(&pc, B("HTTP/1.1 504 Gateway "
	    "Time-out\r\n\r\n"), &info, &err), -1);
	ck_assert_int_eq(info.error, PROXY_E_GATEWAY);
	ck_assert_ptr_nonnull(strstr(err.text, "504 Gateway Time-out"));
	ck_assert_int_eq(proxy_http_verdict(&pc, B("HTTP/1.1 418 Teapot\r\n"
	    "\r\n"), &info, &err), -1);
	ck_assert_int_eq(info.error, PROXY_E_HTTP);
	ck_assert_int_eq(proxy_http_verdict(&pc, B("SSH-2.0-x\r\n\r\n"), &info,
	    &err), -1);
	ck_assert_int_eq(info.error, PROXY_E_PROTOCOL);
	ck_assert_int_eq(proxy_http_verdict(&pc, B("HTTP/1.1 200 OK\r\n"),
	    &info, &err), -1);
	ck_assert_int_eq(info.error, PROXY_E_PROTOCOL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parsers");
	TCase *tc = tcase_create("http and websocket");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_http_ok);
	tcase_add_test(tc, test_http_lf_and_short);
	tcase_add_loop_test(tc, test_http_bad, 0,
	    (int)(sizeof(http_bad) / sizeof(http_bad[0])));
	tcase_add_test(tc, test_http_too_long);
	tcase_add_test(tc, test_ws_accept_rfc);
	tcase_add_test(tc, test_ws_frames);
	tcase_add_loop_test(tc, test_ws_bad, 0,
	    (int)(sizeof(ws_bad) / sizeof(ws_bad[0])));
	tcase_add_test(tc, test_ws_write);
	tcase_add_test(tc, test_ws_close_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("crl reason");
	tcase_add_loop_test(tc, test_crl_reason_seeds, 0,
	    (int)(sizeof(crl_seeds) / sizeof(crl_seeds[0])));
	tcase_add_test(tc, test_crl_reason_truncated);
	tcase_add_test(tc, test_crl_reason_names);
	tcase_add_test(tc, test_crl_reason_table_current);
	suite_add_tcase(s, tc);
	tc = tcase_create("proxy");
	tcase_add_loop_test(tc, test_proxy_url_good, 0,
	    (int)(sizeof(url_good) / sizeof(url_good[0])));
	tcase_add_loop_test(tc, test_proxy_url_bad, 0,
	    (int)(sizeof(url_bad) / sizeof(url_bad[0])));
	tcase_add_test(tc, test_no_proxy);
	tcase_add_test(tc, test_proxy_http_verdict);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

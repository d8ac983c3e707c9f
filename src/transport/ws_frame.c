/*
 * ws_frame.c: WebSocket frames (RFC 6455 section 5), read and written
 * over caller buffers.  Pure, no GnuTLS and no I/O, so that the parser
 * of what a server sends can be unit-tested and fuzzed on its own
 * (fuzz/fuzz_ws.c).  Every length is checked before a byte is read.
 */
#include <string.h>

#include "ws.h"

int
ws_frame_parse(const uint8_t *buf, size_t len, uint64_t max_payload,
    struct ws_frame *f, const char **why)
{
	uint8_t op;
	uint64_t n;
	size_t hl = 2;

	memset(f, 0, sizeof(*f));
	if (len < 2)
		return WS_MORE;
	if (buf[0] & 0x70) {
		*why = "a WebSocket frame with reserved bits set (no extension "
		    "was agreed)";
		return WS_BAD;
	}
	op = buf[0] & 0x0f;
	if (op != WS_CONT && op != WS_TEXT && op != WS_BINARY &&
	    op != WS_CLOSE && op != WS_PING && op != WS_PONG) {
		*why = "a WebSocket frame with an unknown opcode";
		return WS_BAD;
	}
	if (buf[1] & 0x80) {
		*why = "a masked WebSocket frame (a server must never mask)";
		return WS_BAD;
	}
	n = buf[1] & 0x7f;
	if (n == 126) {
		if (len < 4)
			return WS_MORE;
		n = (uint64_t)buf[2] << 8 | buf[3];
		hl = 4;
	} else if (n == 127) {
		if (len < 10)
			return WS_MORE;
		n = 0;
		for (int i = 2; i < 10; i++)
			n = n << 8 | buf[i];
		if (n >> 63) {
			*why = "a WebSocket frame length with its top bit set";
			return WS_BAD;
		}
		hl = 10;
	}
	f->fin = (buf[0] & 0x80) != 0;
	f->opcode = op;
	f->len = n;
	f->header_len = hl;
	if (op & 0x8) {
		if (!f->fin) {
			*why = "a fragmented WebSocket control frame";
			return WS_BAD;
		}
		if (n > 125) {
			*why = "a WebSocket control frame over 125 bytes";
			return WS_BAD;
		}
	} else if (n > max_payload) {
		*why = "a WebSocket frame larger than a probe accepts (16 MiB)";
		return WS_BAD;
	}
	return WS_OK;
}

size_t
ws_frame_header_size(uint64_t len)
{
	return (len < 126 ? 2 : len <= 0xffff ? 4 : 10) + 4;
}

size_t
ws_frame_header(uint8_t *out, uint8_t opcode, uint64_t len,
    const uint8_t mask[4])
{
	size_t n = 0;

	out[n++] = (uint8_t)(0x80 | opcode);
	if (len < 126)
		out[n++] = (uint8_t)(0x80 | len);
	else if (len <= 0xffff) {
		out[n++] = 0x80 | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[n++] = (uint8_t)(len >> (8 * i));
	}
	memcpy(out + n, mask, 4);
	return n + 4;
}

void
ws_mask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] ^= mask[(off + i) & 3];
}

const char *
ws_close_name(unsigned code)
{
	static const struct {
		unsigned code;
		const char *name;
	} names[] = {
		{ 1000, "normal closure" },
		{ 1001, "going away" },
		{ 1002, "protocol error" },
		{ 1003, "unsupported data" },
		{ 1005, "no status code" },
		{ 1006, "abnormal closure" },
		{ 1007, "invalid payload data" },
		{ 1008, "policy violation" },
		{ 1009, "message too big" },
		{ 1010, "mandatory extension missing" },
		{ 1011, "internal server error" },
		{ 1012, "service restart" },
		{ 1013, "try again later" },
		{ 1014, "bad gateway" },
		{ 1015, "TLS handshake failure" },
		{ 3000, "unauthorized" },
		{ 3003, "forbidden" },
		{ 3008, "timeout" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	if (code >= 4000 && code <= 4999)
		return "private to the application";
	if (code >= 3000 && code <= 3999)
		return "registered by a library or framework";
	return "not a defined close code";
}


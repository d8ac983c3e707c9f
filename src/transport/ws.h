/*
 * ws.h: MQTT over WebSocket (RFC 6455), as one layer of the stack.
 *
 * The upgrade is an HTTP exchange over the stream below (TCP or TLS);
 * after it, the layer is a probe_stream whose bytes travel in masked
 * binary frames.  The frame parser and the accept-key check are pure
 * functions so they can be tested and fuzzed on their own.
 */
#ifndef WS_H
#define WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_io.h"

#define WS_MAX_HEADERS 32

/* What the upgrade request says: plain data, no options struct. */
struct ws_config {
	const char *host;		/* the Host header: "name[:port]" */
	const char *path;		/* request target, "/mqtt" */
	const char *subprotocol;	/* offered, "mqtt" */
	const char *origin;		/* NULL: no Origin header */
	const char *const *headers;	/* "Name: value", as given */
	size_t nheaders;
};

/* What the upgrade found, for the report. */
struct ws_upgrade_info {
	int status;			/* 0: no answer */
	char status_line[160];		/* "101 Switching Protocols" */
	bool accept_ok;			/* Sec-WebSocket-Accept matches */
	char subprotocol[64];		/* the server's choice, "" if none */
	char server[96];		/* its Server header, "" if none */
	size_t request_bytes, response_bytes;
};

/* --- pure parts ------------------------------------------------------- */

enum { WS_OK = 0, WS_MORE = 1, WS_BAD = -1 };

enum ws_opcode {
	WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2,
	WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xA,
};

struct ws_frame {
	bool fin;
	uint8_t opcode;
	uint64_t len;			/* payload length */
	size_t header_len;		/* bytes before the payload */
};

/*
 * The header of a frame a server sent, at buf[0..len).  WS_OK fills *f
 * (the payload may still be arriving), WS_MORE wants more bytes, WS_BAD
 * sets *why: reserved bits, an unknown opcode, a masked frame (servers
 * must not mask), a fragmented or long control frame, a data frame
 * larger than max_payload.
 */
int ws_frame_parse(const uint8_t *buf, size_t len, uint64_t max_payload,
    struct ws_frame *f, const char **why);

/* Size of the header of a client frame of payload len (masked). */
size_t ws_frame_header_size(uint64_t len);
/* Write a client frame header (FIN set) with mask into out, which has
 * ws_frame_header_size(len) bytes; returns that size. */
size_t ws_frame_header(uint8_t *out, uint8_t opcode, uint64_t len,
    const uint8_t mask[4]);
/* XOR payload with the mask, from offset off within the payload. */
void ws_mask(uint8_t *buf, size_t len, const uint8_t mask[4], size_t off);

/* The Sec-WebSocket-Accept a server must answer key with (28 chars). */
int ws_accept_for(const char *key, char out[29]);

/* The close code in words: "1008 (policy violation)". */
const char *ws_close_name(unsigned code);

/* --- the layer ------------------------------------------------------ */

struct ws_session;

/* A layer over below; obs hears of the upgrade and of each frame;
 * deadlines are read on clock (the engine's, so tests can drive it). */
struct ws_session *ws_new(const struct probe_stream *below,
    const struct io_observer *obs, const struct probe_clock *clock);
/*
 * Send the upgrade request and read the answer.  0 when the server
 * switched protocols with the right accept key and subprotocol; else -1
 * with err (cause CAUSE_PROTOCOL, the text naming what was wrong).
 * info is filled as far as the exchange got, either way.
 */
int ws_upgrade(struct ws_session *w, const struct ws_config *c,
    uint64_t deadline_us, struct ws_upgrade_info *info,
    struct io_error *err);
/* The layer as a byte stream; its close sends a close frame and frees
 * the session. */
struct probe_stream ws_stream(struct ws_session *w);
/* Free a session whose upgrade failed (never on the stack). */
void ws_free(struct ws_session *w);

#endif

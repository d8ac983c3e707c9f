/*
 * explain.c: the words behind --explain.
 *
 * One table holds every paragraph.  explain_step() walks it in order and
 * keeps each entry whose conditions hold for the step at hand, so the
 * table reads from the specific to the general: a paragraph for "step 7
 * refused because of the password" comes before the one for "step 7
 * failed", which comes before "some step failed".  Two flags shape the
 * walk: EXF_LAST ends it after a match (one answer is enough), and
 * EXF_FALLBACK skips an entry when something already matched.
 *
 * Texts are written for a class watching a projector: short sentences,
 * no jargon without a word on what it means, and when TLS 1.2 and 1.3
 * behave differently, only the version that was negotiated is described
 * (a learner reading about the other one would be misled).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain.h"

/* When an entry applies: a mask, so one text may serve several cases. */
enum explain_when {
	EXW_OK = 1,		/* the step succeeded */
	EXW_UNVERIFIED = 2,	/* step 4 went on only because of --insecure */
	EXW_FAIL = 4,		/* the step failed */
};

#define EXF_LAST 1u		/* stop after this entry matches */
#define EXF_FALLBACK 2u		/* only when no earlier entry matched */
#define EXF_CERT 4u		/* only when a certificate authenticates */
#define EXF_PSK 8u		/* only under TLS-PSK (--psk-identity) */

struct explain_entry {
	int step;		/* 1-8; 0 for any step */
	unsigned when;		/* enum explain_when mask */
	int tls;		/* 12 or 13: only that version; 0: any */
	enum report_cause cause; /* failures: this cause; CAUSE_NONE: any */
	const char *problem;	/* a keyword in step 4's "problems" list */
	const char *key;	/* a detail of the step that must contain */
	const char *has;	/* this (with key NULL: the failure reason) */
	unsigned flags;
	const char *text;
};

static const struct explain_entry explain_table[] = {
	/* ---- any step: the user stopped it ----------------------------- */
	{ .step = 0, .when = EXW_FAIL, .cause = CAUSE_INTERRUPTED,
	  .flags = EXF_LAST, .text =
	  "The probe was stopped from this machine (Ctrl-C or a signal) "
	  "while this step was running. Nothing is known about the broker "
	  "from this step: it was cut short, not refused." },

	/* ---- 1: TCP connect ------------------------------------------- */
	{ .step = STEP_TCP, .when = EXW_OK, .text =
	  "A plain TCP connection now links this machine to the broker's "
	  "port: a reliable, ordered pipe of bytes, set up by the three-way "
	  "handshake (SYN, SYN-ACK, ACK). Nothing on it is secret or "
	  "protected yet; anyone on the path could read or change what "
	  "goes through. Port 8883 is the usual port for MQTT over TLS, "
	  "1883 for MQTT without it." },

	/* ---- 2: ClientHello ------------------------------------------- */
	{ .step = STEP_CLIENT_HELLO, .when = EXW_OK, .text =
	  "The client has spoken first. Its ClientHello lists what it can "
	  "do: the TLS versions, the cipher suites, the key exchange "
	  "groups and signature algorithms. It also names the broker it "
	  "wants (SNI), so that a server with several names can pick the "
	  "right certificate. This message travels in the clear: an "
	  "observer can read it, the SNI included." },
	{ .step = STEP_CLIENT_HELLO, .when = EXW_OK,
	  .key = "versions_offered", .has = "TLS1.3", .text =
	  "Because TLS 1.3 is on offer, the ClientHello already carries a "
	  "key share, the client's half of a key exchange, for the group "
	  "it guesses the server will like. If the guess is right, keys "
	  "can exist one message later; if not, the server asks for "
	  "another share (HelloRetryRequest) and a second ClientHello "
	  "follows." },

	/* ---- 3: ServerHello and certificate --------------------------- */
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .flags = EXF_PSK, .text =
	  "The server answered, and took the pre-shared key offered under "
	  "the identity shown. There is no certificate in this handshake: "
	  "both sides were given the same secret key beforehand (on the "
	  "broker, mosquitto's psk_file), and that shared key, not a "
	  "certificate, is what authenticates the server. The identity "
	  "crossed the network in the clear; the key itself never does." },
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .tls = 13,
	  .flags = EXF_PSK, .text =
	  "With TLS 1.3 the ClientHello carried a binder, a checksum made "
	  "with the key, and the server found it right before answering: "
	  "it knows the client holds the key. The client learns the same "
	  "of the server only from its Finished message (step 5)." },
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .tls = 12,
	  .flags = EXF_PSK, .text =
	  "With TLS 1.2 neither side has proved anything yet: the identity "
	  "hint, if any, only tells the client which key to use. The proof "
	  "comes with the Finished messages of step 5, which only a holder "
	  "of the key can compute." },
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .flags = EXF_CERT, .text =
	  "The server answered. Its ServerHello settles the TLS version and "
	  "the cipher suite for this connection, and its Certificate "
	  "message carries the chain: the broker's own certificate, often "
	  "followed by the intermediate CAs that signed it. A certificate "
	  "ties a public key to names. So far the client has only "
	  "received it; it believes none of it yet." },
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .tls = 13,
	  .flags = EXF_CERT, .text =
	  "TLS 1.3 was chosen, so the two hellos were enough to compute "
	  "handshake keys, and everything after the ServerHello, the "
	  "certificate included, came encrypted: someone watching the "
	  "network cannot read which certificate the broker showed. Right "
	  "after its certificate the server also sent CertificateVerify, "
	  "a signature over the handshake made with the certificate's "
	  "private key: proof that it owns the certificate, not just a "
	  "copy of it." },
	{ .step = STEP_SERVER_CERT, .when = EXW_OK, .tls = 12,
	  .flags = EXF_CERT, .text =
	  "TLS 1.2 was chosen, and in TLS 1.2 no keys exist at this point: "
	  "the certificate crossed the network in the clear, for anyone "
	  "watching to read. And the server has not proved anything yet: "
	  "a certificate is public, anybody can send a copy of it. The "
	  "proof that the server holds the matching private key comes "
	  "later, with its signed key exchange (step 5)." },

	/* ---- 4: certificate verification ------------------------------ */
	{ .step = STEP_VERIFY, .when = EXW_OK, .text =
	  "The client checked the certificate before trusting anything "
	  "the server says. It followed the chain, signature by signature, "
	  "to a trust anchor it already had (its CA file or the system's "
	  "store); it checked that today lies inside every certificate's "
	  "validity dates; that the broker's certificate names the host "
	  "the client asked for; and that the certificate is meant for a "
	  "TLS server. This comes before any MQTT byte is sent because "
	  "the next thing the client sends may be a password: it has to "
	  "know who will read it." },
	{ .step = STEP_VERIFY, .when = EXW_OK, .tls = 13, .text =
	  "With TLS 1.3 the server had already signed the handshake with "
	  "the certificate's key (CertificateVerify, step 3), so once the "
	  "certificate checks out the client knows both facts it needs: "
	  "the certificate is genuine, and the peer owns it." },
	{ .step = STEP_VERIFY, .when = EXW_OK, .tls = 12, .text =
	  "With TLS 1.2 this check happens before the server has proved "
	  "it owns the certificate's private key. A stolen copy of a good "
	  "certificate would pass here; it would only fail in step 5, "
	  "when the server has to sign its key exchange." },
	{ .step = STEP_VERIFY, .when = EXW_UNVERIFIED, .text =
	  "UNVERIFIED. The certificate did NOT pass the client's checks, "
	  "and the probe carries on only because --insecure told it to. "
	  "The connection will still be encrypted, but encryption to an "
	  "unknown party protects nothing: whoever answered, perhaps an "
	  "impostor in the middle, can read everything sent from now on, "
	  "a password included. --insecure is for looking at a broker "
	  "that is being fixed, never for real traffic." },

	/* step 4's problems: one paragraph each, however many there are */
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "expired", .text =
	  "Expired: a certificate in the chain is past its \"not after\" "
	  "date. Certificates are short-lived on purpose, so that a key "
	  "that leaked stops being useful; an expired one usually means a "
	  "renewal was forgotten. Check this machine's clock too: a clock "
	  "far in the future makes good certificates look expired." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "not-yet-valid", .text =
	  "Not yet valid: the certificate's \"not before\" date is still "
	  "in the future. Either it was issued with a wrong start date, or "
	  "this machine's clock is behind; small devices without a "
	  "battery-backed clock often wake up in 1970 until NTP has run." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "name-mismatch", .text =
	  "Wrong name: the certificate may be perfectly valid, but it was "
	  "issued for other names than the one the client connected to. "
	  "This check is what stops a server holding a real certificate "
	  "for some other site from posing as your broker. Connect with a "
	  "name the certificate lists (see \"leaf names\" in step 3), "
	  "reissue the certificate, or use --verify-hostname when the "
	  "name differs on purpose." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "unknown-issuer", .text =
	  "Unknown issuer: the chain does not end at any CA this client "
	  "trusts. Most often the broker uses a private CA that was not "
	  "given with --cafile, or the broker sends its certificate "
	  "without the intermediate CA in between; it can also mean that "
	  "someone else's certificate is being shown." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "incomplete-chain", .text =
	  "Incomplete chain: a broker's certificate is usually issued by "
	  "an intermediate CA, which the root the client trusts issued in "
	  "turn. The client holds only the root, so the broker must send "
	  "the intermediate right after its own certificate. This broker "
	  "sent its certificate alone." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "self-signed", .text =
	  "Self-signed: the certificate vouches for itself; no CA signed "
	  "it. Anybody can make such a certificate with any name in it, "
	  "so it can only be trusted when the client was given exactly "
	  "this certificate in advance (for example with --cafile)." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "revoked", .text =
	  "Revoked: the CA withdrew this certificate before its expiry "
	  "date, usually because its private key leaked or the broker "
	  "was retired." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "purpose-mismatch", .text =
	  "Wrong purpose: the certificate's key usage does not include "
	  "\"TLS server\". It was made for something else, for example "
	  "to identify a client, and a server may not present it." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "insecure-algorithm", .text =
	  "Weak signature: a certificate in the chain is signed with an "
	  "algorithm that is no longer safe (such as SHA-1 or MD5), with "
	  "which a forger could produce a certificate that matches." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "bad-signature", .text =
	  "Broken signature: a signature in the chain does not check out, "
	  "so the chain is not what it claims to be." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "signer-not-ca", .text =
	  "Not a CA: a certificate in the chain was signed by one that is "
	  "not allowed to sign certificates." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "signer-constraints", .text =
	  "Constraints: a CA in the chain is limited (for example to some "
	  "names) and this certificate falls outside its limits." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .problem = "missing-ocsp", .text =
	  "No OCSP staple: the certificate demands that the server attach "
	  "fresh proof that it is not revoked, and the server did not." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL | EXW_UNVERIFIED,
	  .cause = CAUSE_VERIFY, .flags = EXF_FALLBACK, .text =
	  "The certificate did not pass one of the client's checks: a "
	  "chain up to a trusted CA, validity dates, the host name and the "
	  "key's purpose. The problem list above names the check." },
	{ .step = STEP_VERIFY, .when = EXW_FAIL, .cause = CAUSE_VERIFY,
	  .flags = EXF_LAST, .text =
	  "Because of this the client ended the handshake here, on "
	  "purpose: no MQTT byte, and no password, goes to a server whose "
	  "identity is not established. That is the point of checking "
	  "before connecting. --insecure shows the rest of the walk "
	  "anyway, marked UNVERIFIED, for diagnosis only." },

	/* ---- 5: keys established -------------------------------------- */
	{ .step = STEP_KEYS, .when = EXW_OK, .flags = EXF_PSK, .text =
	  "Both sides now hold the same session keys, computed from the "
	  "pre-shared key; with ECDHE-PSK or DHE-PSK (see \"key exchange\") "
	  "an ephemeral Diffie-Hellman exchange went into them too, so a "
	  "recording of this traffic stays unreadable even if the "
	  "pre-shared key leaks later, which PSK alone does not give. Each "
	  "side sent Finished, a checksum of the handshake under keys only "
	  "a holder of the pre-shared key could compute: the server's "
	  "Finished is its proof of identity here, where a certificate "
	  "would otherwise be. From here on every byte is encrypted and "
	  "protected against tampering." },
	{ .step = STEP_KEYS, .when = EXW_OK, .flags = EXF_CERT, .text =
	  "Both sides now hold the same session keys, and neither ever "
	  "sent them: each side combined its own secret value with the "
	  "other's public share (an elliptic-curve Diffie-Hellman "
	  "exchange). The values are thrown away after the connection, so "
	  "a recording of this traffic stays unreadable even if the "
	  "server's private key is stolen later. Each side also sent "
	  "Finished, a checksum of the whole handshake under the new keys: "
	  "had anyone altered an earlier message, it would not match. From "
	  "here on every byte is encrypted and protected against "
	  "tampering." },
	{ .step = STEP_KEYS, .when = EXW_OK, .tls = 13, .flags = EXF_CERT,
	  .text =
	  "In TLS 1.3 the keys that hid the certificate (step 3) were only "
	  "for the handshake; the MQTT traffic gets a fresh pair, derived "
	  "once both Finished messages are in." },
	{ .step = STEP_KEYS, .when = EXW_OK, .tls = 12, .flags = EXF_CERT,
	  .text =
	  "In TLS 1.2 this is also where the server proved it owns the "
	  "certificate checked in step 4: it signed its key exchange "
	  "values with the certificate's private key, and the client "
	  "checked that signature." },

	/* ---- 6: MQTT CONNECT ------------------------------------------ */
	{ .step = STEP_CONNECT, .when = EXW_OK, .text =
	  "The first MQTT packet, CONNECT, went out inside the encrypted "
	  "channel. It carries the client identifier, the keep-alive "
	  "interval, whether to start a clean session, and the user name "
	  "and password when there are any. Sending it only now, after "
	  "the certificate passed and the keys were agreed, is the whole "
	  "idea of MQTT over TLS: the credentials can be read by the "
	  "verified broker only. Sent does not mean accepted: the answer "
	  "is the next step." },

	/* ---- 7: CONNACK ----------------------------------------------- */
	{ .step = STEP_CONNACK, .when = EXW_OK, .text =
	  "The broker answered CONNECT with CONNACK, code 0: it accepted "
	  "this client, credentials and all. Any other code would have "
	  "named a reason for refusing. \"Session present\" says whether "
	  "the broker kept state (subscriptions, queued messages) from an "
	  "earlier connection with the same client identifier. The client "
	  "is now logged in; the TLS channel beneath is unchanged." },
	{ .step = STEP_CONNACK, .when = EXW_OK, .tls = 13, .text =
	  "With TLS 1.3 the broker may also send NewSessionTicket messages "
	  "around now, tickets the client could use to resume the session "
	  "faster next time (--trace shows them)." },

	/* ---- 8: publish/subscribe round trip -------------------------- */
	{ .step = STEP_PUBSUB, .when = EXW_OK, .text =
	  "The client subscribed to a topic of its own, published a random "
	  "value to that topic, and the broker delivered the value back. "
	  "Getting the same bytes back proves more than a login: the "
	  "broker accepted the publication, matched it against its "
	  "subscriptions and routed it to a subscriber, acknowledging at "
	  "the QoS asked for. The round trip time is the delivery delay "
	  "as this client sees it." },

	/* ---- failures, step by step ----------------------------------- */
	{ .step = STEP_TCP, .when = EXW_FAIL, .cause = CAUSE_RESOLVE,
	  .flags = EXF_LAST, .text =
	  "The host name could not be turned into an address, so no "
	  "connection was even tried. Usual causes: a typo, a name that "
	  "only exists in another network's DNS (a company or home "
	  "network), or no working DNS server on this machine." },
	{ .step = STEP_TCP, .when = EXW_FAIL, .has = "refused",
	  .flags = EXF_LAST, .text =
	  "The machine answered at once, but with a refusal: nothing "
	  "listens on this port there. The broker is not running, listens "
	  "on another port (8883 for TLS, 1883 without), or only on "
	  "another address, such as 127.0.0.1 of its own machine." },
	{ .step = STEP_TCP, .when = EXW_FAIL, .cause = CAUSE_TIMEOUT,
	  .flags = EXF_LAST, .text =
	  "No answer at all came back before the deadline. A refusal "
	  "would have been immediate; silence points at the network: a "
	  "firewall that drops packets without a word, a wrong address, "
	  "or a machine that is down." },
	{ .step = STEP_TCP, .when = EXW_FAIL, .cause = CAUSE_NETWORK,
	  .flags = EXF_LAST, .text =
	  "The network itself could not reach the broker (no route, or "
	  "the network is unreachable). Check the address, and this "
	  "machine's own connection." },

	{ .step = STEP_CLIENT_HELLO, .when = EXW_FAIL, .cause = CAUSE_LOCAL,
	  .flags = EXF_LAST, .text =
	  "The client could not even build its ClientHello: the local TLS "
	  "settings leave nothing to offer, for example a --priority "
	  "string that GnuTLS rejects." },

	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .has = "plaintext",
	  .flags = EXF_LAST, .text =
	  "This port does not speak TLS. The client sent a ClientHello and "
	  "got back something that is not a TLS record, or a reset: that "
	  "is how a plain MQTT listener, or some other service, reacts to "
	  "TLS. Use the broker's TLS port, or turn TLS on for this "
	  "listener." },
	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .cause = CAUSE_PROTOCOL,
	  .flags = EXF_LAST, .text =
	  "The answer to the ClientHello was not TLS: another protocol "
	  "listens on this port. Check the port number." },
	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .has = "protocol_version",
	  .flags = EXF_LAST, .text =
	  "The two sides have no TLS version in common: the server turned "
	  "down every version in the ClientHello (step 2 lists them). The "
	  "classic case is a broker set to TLS 1.3 only and a client that "
	  "can only do 1.2, or an old broker facing a client that no "
	  "longer accepts 1.0 and 1.1." },
	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .cause = CAUSE_TLS,
	  .flags = EXF_LAST, .text =
	  "The server ended the handshake with an alert before showing a "
	  "certificate: it found nothing it accepts in the ClientHello, "
	  "such as a cipher suite or key exchange group in common, or it "
	  "did not recognise the name sent as SNI. Compare step 2's offer "
	  "with the broker's TLS settings." },
	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .cause = CAUSE_TIMEOUT,
	  .flags = EXF_LAST, .text =
	  "TCP works, but the server never answered the ClientHello. It is "
	  "probably not a TLS server and is waiting for the client to "
	  "speak its own protocol first (a plain MQTT listener waits for "
	  "CONNECT), or something in between swallows the handshake." },
	{ .step = STEP_SERVER_CERT, .when = EXW_FAIL, .cause = CAUSE_CLOSED,
	  .flags = EXF_LAST, .text =
	  "The server hung up instead of answering the ClientHello. A "
	  "listener without TLS does this, and so does a TLS server that "
	  "rejects the offer without explaining, for instance one that "
	  "does not know the name sent as SNI." },

	{ .step = STEP_KEYS, .when = EXW_FAIL, .has = "client certificate",
	  .tls = 13, .flags = EXF_LAST, .text =
	  "The broker wants to know who the client is, too (mutual TLS), "
	  "and was not satisfied: no client certificate was sent, or the "
	  "one sent is not signed by a CA it trusts. In TLS 1.3 the "
	  "client's side of the handshake is complete before the server "
	  "has judged the client's certificate, so the client moved on to "
	  "MQTT, and the server's verdict, a TLS alert, came back only then "
	  "(the events say where). The TLS layer never became usable, so "
	  "this is step 5's failure, as in TLS 1.2. Give --cert and --key "
	  "with a certificate issued by a CA the broker trusts." },
	{ .step = STEP_KEYS, .when = EXW_FAIL, .has = "client certificate",
	  .flags = EXF_LAST, .text =
	  "The broker wants to know who the client is, too (mutual TLS): "
	  "it asked for a client certificate during the handshake and "
	  "either got none or got one that no CA it trusts has signed. In "
	  "TLS 1.2 the server checks the "
	  "client's certificate before its own Finished, so the handshake "
	  "fails right here. Give --cert and --key with a certificate "
	  "issued by a CA the broker trusts." },
	{ .step = STEP_KEYS, .when = EXW_FAIL, .cause = CAUSE_TLS,
	  .flags = EXF_LAST, .text =
	  "The last part of the handshake failed: the server ended it with "
	  "an alert, or the Finished checksums did not match, which would "
	  "mean that a handshake message was altered on the way." },

	{ .step = STEP_CONNECT, .when = EXW_FAIL, .has = "certificate",
	  .cause = CAUSE_TLS, .tls = 13, .flags = EXF_LAST, .text =
	  "The broker wants to know who the client is, too (mutual TLS), "
	  "and was not satisfied: no client certificate was sent, or the "
	  "one sent is not signed by a CA it trusts. In TLS 1.3 the "
	  "client's side of the handshake is complete before the server "
	  "has judged the client's certificate, so the client moved on to "
	  "MQTT; the server's verdict, a TLS alert, came back while "
	  "CONNECT was on its way. Give --cert and --key with a "
	  "certificate issued by a CA the broker trusts." },
	{ .step = STEP_CONNECT, .when = EXW_FAIL, .cause = CAUSE_LOCAL,
	  .flags = EXF_LAST, .text =
	  "The CONNECT packet could not be built from the options given: "
	  "a value is too long or not allowed in MQTT." },

	{ .step = STEP_CONNACK, .when = EXW_FAIL, .has = "certificate",
	  .cause = CAUSE_TLS, .tls = 13, .flags = EXF_LAST, .text =
	  "The broker wants to know who the client is, too (mutual TLS), "
	  "and was not satisfied: no client certificate was sent, or the "
	  "one sent is not signed by a CA it trusts. In TLS 1.3 the "
	  "client's side of "
	  "the handshake is complete before the server has judged the "
	  "client's certificate, so the client moves on and sends CONNECT; "
	  "the server's verdict only arrives now, as a TLS alert where the "
	  "CONNACK should be. Give --cert and --key with a certificate "
	  "issued by a CA the broker trusts." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_TLS,
	  .flags = EXF_LAST, .text =
	  "A TLS alert arrived where the CONNACK should be: the TLS layer, "
	  "not MQTT, ended the connection. With mutual TLS this is how a "
	  "rejected (or missing) client certificate shows up." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .key = "connack_reason", .has = "password", .flags = EXF_LAST,
	  .text =
	  "TLS did its job; the refusal is MQTT's: the broker read the "
	  "CONNECT and rejected the user name or the password. Check -u "
	  "and the password given (--password-file or "
	  "MQTTS_PROBE_PASSWORD)." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .key = "connack_reason", .has = "not authorized",
	  .flags = EXF_LAST, .text =
	  "TLS did its job; the refusal is MQTT's: the broker does not let "
	  "this client in. Mosquitto answers this way when a listener "
	  "requires a login and none, or a wrong one, was given, and when "
	  "its access rules exclude the client." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .key = "connack_reason", .has = "identifier", .flags = EXF_LAST,
	  .text =
	  "The broker rejected the client identifier: too long, characters "
	  "it does not accept, or a naming policy. Try another with -i." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .key = "connack_reason", .has = "version", .flags = EXF_LAST,
	  .text =
	  "The broker does not speak the MQTT version the client used. "
	  "Try the other one with -V (3.1.1 or 5)." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .flags = EXF_LAST, .text =
	  "The broker answered with a CONNACK that refuses the connection; "
	  "its code says why. The TLS part worked: what needs fixing is "
	  "on the MQTT side, the credentials or the broker's rules for "
	  "this client." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_CLOSED,
	  .flags = EXF_LAST, .text =
	  "The broker hung up after CONNECT without a word. Brokers do "
	  "this with a client identifier they reject, a client their "
	  "access policy forbids, or a CONNECT they cannot parse; MQTT "
	  "3.1.1 cannot always say why, so the broker's log is the place "
	  "to look." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_TIMEOUT,
	  .flags = EXF_LAST, .text =
	  "CONNECT went out but no CONNACK came back in time. An "
	  "overloaded broker, or a TLS port that expects some other "
	  "protocol inside TLS (see --alpn), behaves like this." },
	{ .step = STEP_CONNACK, .when = EXW_FAIL, .cause = CAUSE_PROTOCOL,
	  .flags = EXF_LAST, .text =
	  "The broker answered with something other than CONNACK, which "
	  "MQTT does not allow: CONNACK must come first." },

	{ .step = STEP_PUBSUB, .when = EXW_FAIL, .cause = CAUSE_REFUSED,
	  .flags = EXF_LAST, .text =
	  "The login worked, but the broker refused the subscription or "
	  "the publication: an access control list (ACL) keeps this "
	  "client away from this topic. Choose a topic it may use with "
	  "--topic." },
	{ .step = STEP_PUBSUB, .when = EXW_FAIL, .cause = CAUSE_TIMEOUT,
	  .flags = EXF_LAST, .text =
	  "The broker accepted the subscription, but the published value "
	  "never came back before the deadline. The client is connected, "
	  "yet routing does not reach it: brokers often drop a "
	  "publication silently when an ACL forbids it." },

	/* ---- failures, any step: by cause ----------------------------- */
	{ .step = 0, .when = EXW_FAIL, .cause = CAUSE_TIMEOUT,
	  .flags = EXF_LAST, .text =
	  "The deadline (--timeout) ran out during this step: the peer did "
	  "not answer in time. The step tells where the time went." },
	{ .step = 0, .when = EXW_FAIL, .cause = CAUSE_CLOSED,
	  .flags = EXF_LAST, .text =
	  "The other side closed the connection during this step, without "
	  "an explanation the client could read." },
	{ .step = 0, .when = EXW_FAIL, .cause = CAUSE_LOCAL,
	  .flags = EXF_LAST, .text =
	  "The problem is on this machine, not the broker's: a local file "
	  "or setting the step needed was missing or not usable." },
	{ .step = 0, .when = EXW_FAIL, .cause = CAUSE_NETWORK,
	  .flags = EXF_LAST, .text =
	  "The connection broke underneath: the operating system reported "
	  "a network error, such as a reset from the other side." },
	{ .step = 0, .when = EXW_FAIL, .flags = EXF_FALLBACK | EXF_LAST,
	  .text =
	  "This step did not complete. The reason above comes from the "
	  "layer that failed; the steps after it were not tried, because "
	  "each one depends on the one before." },
};

/* The detail of step named key, or "" when there is none. */
static const char *
explain_detail(const struct report *r, int step, const char *key)
{
	const char *v = report_find_detail(r, step, key);

	return v != NULL ? v : "";
}

int
explain_tls_version(const struct report *r)
{
	const char *v = report_find_detail(r, STEP_SERVER_CERT, "tls_version");

	if (v == NULL)
		v = report_find_detail(r, STEP_KEYS, "tls_version");
	if (v == NULL)
		return 0;
	if (strcmp(v, "TLS1.3") == 0)
		return 13;
	if (strcmp(v, "TLS1.2") == 0)
		return 12;
	return 0;
}

/* Is word one of the comma-separated items of list? */
static bool
explain_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p != '\0';) {
		size_t len;

		while (*p == ',' || *p == ' ')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static bool
explain_matches(const struct explain_entry *e, const struct report *r,
    int step, unsigned when, int tls)
{
	const struct report_step_rec *s = &r->steps[step];

	if (e->step != 0 && e->step != step)
		return false;
	if ((e->when & when) == 0)
		return false;
	if (e->tls != 0 && e->tls != tls)
		return false;
	if (((e->flags & EXF_CERT) != 0 && r->psk) ||
	    ((e->flags & EXF_PSK) != 0 && !r->psk))
		return false;
	if (when == EXW_FAIL && e->cause != CAUSE_NONE && e->cause != s->cause)
		return false;
	if (e->problem != NULL && !explain_has_word(explain_detail(r, step,
	    "problems"), e->problem))
		return false;
	if (e->has != NULL && strcasestr(e->key != NULL ?
	    explain_detail(r, step, e->key) : s->reason, e->has) == NULL)
		return false;
	return true;
}

int
explain_step(const struct report *r, int step, char *buf, size_t len)
{
	static const char sep[] = { EXPLAIN_PARAGRAPH, '\0' };
	const struct report_step_rec *s;
	unsigned when;
	int tls, n = 0;
	size_t used = 0;

	if (len > 0)
		buf[0] = '\0';
	if (step < 1 || step > REPORT_STEPS)
		return 0;
	s = &r->steps[step];
	if (s->status == STEP_OK)
		/* --insecure: step 4 "passed" without the certificate being
		 * trusted, which needs saying loudly, not the usual text */
		when = step == STEP_VERIFY && r->unverified ? EXW_UNVERIFIED :
		    EXW_OK;
	else if (s->status == STEP_FAILED)
		when = EXW_FAIL;
	else
		return 0;
	tls = explain_tls_version(r);
	for (size_t i = 0; i < sizeof(explain_table) / sizeof(explain_table[0]);
	    i++) {
		const struct explain_entry *e = &explain_table[i];

		if ((e->flags & EXF_FALLBACK) != 0 && n > 0)
			continue;
		if (!explain_matches(e, r, step, when, tls))
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    n > 0 ? sep : "", e->text);
		n++;
		if ((e->flags & EXF_LAST) != 0)
			break;
	}
	return n;
}

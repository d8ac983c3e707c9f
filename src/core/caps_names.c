/*
 * caps_names.c: the names of the capabilities --capabilities decides,
 * on their own so that the option parser (and its fuzzer) can check
 * --require without the experiments.
 */
#include <string.h>

#include "caps.h"

/* The names, in the order the runner decides them: one list, written
 * out twice by the preprocessor, so that the table and the joined text
 * cannot drift and nothing is built at run time (probes run in
 * threads). */
#define CAPS_LIST(X) \
	X(mqtt_3_1) X(mqtt_3_1_1) X(mqtt_5) \
	X(max_qos) X(qos0) X(qos1) X(qos2) X(receive_maximum) \
	X(retain) \
	X(wildcard_plus) X(wildcard_hash) X(shared) \
	X(subscription_ids) X(topic_alias) \
	X(max_packet_size) X(max_topic_length) \
	X(client_id_max_length) X(client_id_chars) \
	X(empty_client_id_clean) X(empty_client_id_persistent) \
	X(persistent_session) X(will) X(keepalive_enforced)
#define CAPS_STRING(n) #n,
#define CAPS_JOINED(n) "," #n

static const char *const caps_all[] = { CAPS_LIST(CAPS_STRING) };
static const char caps_joined[] = CAPS_LIST(CAPS_JOINED);

#define CAPS_N (sizeof(caps_all) / sizeof(caps_all[0]))

bool
caps_known(const char *name)
{
	for (size_t i = 0; i < CAPS_N; i++)
		if (strcmp(caps_all[i], name) == 0)
			return true;
	return false;
}

const char *
caps_names(void)
{
	return caps_joined + 1;		/* without the first comma */
}

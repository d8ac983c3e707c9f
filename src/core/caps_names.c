/*
 * caps_names.c: the names of the capabilities --capabilities decides,
 * on their own so that the option parser (and its fuzzer) can check
 * --require without the experiments.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"

/* The names, in the order the runner decides them. */
static const char *const caps_all[] = {
	"mqtt_3_1", "mqtt_3_1_1", "mqtt_5",
	"max_qos", "qos0", "qos1", "qos2",
	"retain",
	"wildcard_plus", "wildcard_hash", "shared",
	"subscription_ids", "topic_alias",
	"max_packet_size", "max_topic_length",
	"client_id_max_length", "client_id_chars",
	"empty_client_id_clean", "empty_client_id_persistent",
	"persistent_session", "will", "keepalive_enforced",
};

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
	static char list[512];

	if (list[0] == '\0')
		for (size_t i = 0; i < CAPS_N; i++) {
			size_t o = strlen(list);

			snprintf(list + o, sizeof(list) - o, "%s%s",
			    i > 0 ? "," : "", caps_all[i]);
		}
	return list;
}


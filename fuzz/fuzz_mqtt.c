/* fuzz_mqtt.c -- libFuzzer harness: the MQTT framer and decoder. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_mqtt_one(data, size);
	return 0;
}

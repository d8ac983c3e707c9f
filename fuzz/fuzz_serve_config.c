/* fuzz_serve_config.c -- libFuzzer harness: the exporter's module file. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_serve_config_one(data, size);
	return 0;
}

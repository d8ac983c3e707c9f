/* fuzz_options.c -- libFuzzer harness: the command-line parser. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_options_one(data, size);
	return 0;
}

/* fuzz_target.c -- libFuzzer harness: the TARGET parser. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_target_one(data, size);
	return 0;
}

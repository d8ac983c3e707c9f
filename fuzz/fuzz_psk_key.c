/* fuzz_psk_key.c -- libFuzzer harness: the pre-shared key's hex parser. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_psk_key_one(data, size);
	return 0;
}

/* fuzz_http.c -- libFuzzer harness: the HTTP response head parser. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_http_one(data, size);
	return 0;
}

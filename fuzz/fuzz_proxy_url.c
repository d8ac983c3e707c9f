/* fuzz_proxy_url.c -- libFuzzer harness: the proxy URL and NO_PROXY. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proxy_url_one(data, size);
	return 0;
}

/* fuzz_ws.c -- libFuzzer harness: the WebSocket frame parser. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ws_one(data, size);
	return 0;
}

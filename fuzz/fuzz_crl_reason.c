/* fuzz_crl_reason.c -- libFuzzer harness: a CRL entry's reason code. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_crl_reason_one(data, size);
	return 0;
}

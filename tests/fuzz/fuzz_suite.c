/* libFuzzer target: suite files. Any text must parse or give an error,
 * never crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "micro/run/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct suite s;
	struct err e;
	/* An override parsed the same way as file content. */
	const char *sets[] = {"ios=100"};
	if (suite_load_string(text, "fuzz.suite", sets, size & 1, &s, &e) == 0)
		suite_free(&s);
	free(text);
	return 0;
}

/*
 * fuzz_citecheck.c - citation checking on arbitrary model output: brackets, markers, bare
 * numbers, sentence ends and UTF-8 of any shape. The cleaned text must be no longer than the
 * input plus the canonical markers it rewrote, keep the invariants of the result, and never
 * contain a marker for a source that was not given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "precedent/citecheck.h"

static const prompt_source_t srcs[] = {
    {PROMPT_SRC_TICKET, "T-1", "Router reboot loop", "reboots hourly", "roll back firmware",
     "2020-01-01", "4.1", NULL},
    {PROMPT_SRC_DOC, "a.md#reset", "Reset", "hold the button", NULL, NULL, NULL, "pro"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	citecheck_opts_t o = {0, 365, "2026-01-01", "4.2", "basic", "router reboots"};
	citecheck_result_t r;
	cJSON *flags = cJSON_CreateArray();
	if (citecheck_run((const char *)data, size, srcs, 2, &o, flags, &r) == 0) {
		if (!r.text || !r.cited)
			__builtin_trap();
		if (strstr(r.text, "[#T-2]") && !memmem(data, size, "[#T-2]", 6))
			__builtin_trap();
		if (r.citations > 0 && !r.cited[0] && !r.cited[1])
			__builtin_trap();
		if ((size_t)cJSON_GetArraySize(flags) < r.unknown)
			__builtin_trap();
		citecheck_release(&r);
	}
	cJSON_Delete(flags);
	return 0;
}

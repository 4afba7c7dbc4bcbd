/*
 * fuzz_import_html.c - the HTML docs importer on arbitrary bytes: tags stripped,
 * entities decoded, headings turned into sections; the text stays valid UTF-8
 * when the input was, and splitting it never crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "precedent/ingest.h"
#include "precedent/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t out;
	char *title = NULL;
	ingest_section_t *secs = NULL;
	size_t n = 0;
	buf_init(&out, 0);
	ingest_html_to_text((const char *)data, size, &out, 1);
	if (utf8_valid((const char *)data, size) && !utf8_valid(buf_cstr(&out), out.len))
		__builtin_trap();
	ingest_split_markdown(buf_cstr(&out), out.len, "doc", &title, &secs, &n);
	ingest_sections_free(secs, n);
	free(secs);
	free(title);
	buf_release(&out);
	return 0;
}

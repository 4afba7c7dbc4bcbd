/*
 * error.c - strings for the PRECEDENT_E* codes: a sentence for people and the
 * snake_case code of the native messaging contract.
 */
#include "precedent/error.h"

struct errinfo {
	const char *code;
	const char *text;
};

static const struct errinfo errs[] = {
	[0] = {"ok", "success"},
	[1] = {"out_of_memory", "out of memory"},
	[2] = {"invalid_request", "invalid argument or input"},
	[3] = {"io_error", "read or write failed"},
	[4] = {"too_large", "input larger than the allowed maximum"},
	[5] = {"invalid_utf8", "input is not valid UTF-8"},
	[6] = {"invalid_json", "input is not valid JSON"},
	[7] = {"not_an_object", "JSON value is not an object"},
	[8] = {"unknown_type", "unknown message type"},
	[9] = {"missing_field", "a required field is missing or has the wrong type"},
	[10] = {"database_error", "database error"},
	[11] = {"not_found", "no such object"},
	[12] = {"eof", "end of input"},
	[13] = {"truncated_frame", "input ended in the middle of a frame"},
	[14] = {"schema_too_new", "database was written by a newer version of precedent-host"},
	[15] = {"bad_pattern", "invalid regular expression"},
	[16] = {"bad_config", "invalid configuration"},
	[17] = {"network_error", "network failure"},
	[18] = {"upstream_error", "the provider returned an error"},
	[19] = {"cancelled", "cancelled"},
	[20] = {"busy", "resource limit reached"},
	[21] = {"auth_failed", "authentication refused"},
	[22] = {"timeout", "timed out"},
	[23] = {"database_corrupt", "database file is corrupt or not a database"},
	[24] = {"read_only", "database or directory is read-only"},
	[25] = {"disk_full", "disk full"},
};

static const struct errinfo *lookup(int code)
{
	int i = -code;
	if (i < 0 || i >= (int)(sizeof errs / sizeof errs[0]))
		return &errs[2];
	return &errs[i];
}

const char *precedent_strerror(int code) { return lookup(code)->text; }
const char *precedent_errcode(int code) { return lookup(code)->code; }

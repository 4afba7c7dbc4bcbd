/*
 * config.h - settings from $XDG_CONFIG_HOME/precedent/config.json with environment
 * overrides, and the default paths of the data directory.
 *
 * Ownership: config_t owns the parsed JSON; strings returned by the getters are
 * borrowed from it (or from the environment) and live until config_free().
 * API keys are read by config_api_key() into a caller buffer and never logged.
 */
#ifndef PRECEDENT_CONFIG_H
#define PRECEDENT_CONFIG_H

#include <stddef.h>

#include <cJSON.h>

typedef struct config config_t;

/* Loads path (NULL: the default path). A missing file is an empty config, not an
 * error. Returns 0, or PRECEDENT_ECONFIG with a message in err (bad JSON, not an object). */
int config_load(const char *path, config_t **out /* OUT */, char *err, size_t errlen);
/* An empty config (no file), for tests and tools. */
config_t *config_new_empty(void);
void config_free(config_t *c);

/* The value at a dotted key ("llm.provider"), overridden by env_name when that
 * variable is set and non-empty (env_name may be NULL). Returns def when absent. */
const char *config_str(const config_t *c, const char *key, const char *env_name, const char *def);
double config_num(const config_t *c, const char *key, const char *env_name, double def);
/* The JSON node at a dotted key, borrowed, or NULL. */
const cJSON *config_node(const config_t *c, const char *key);
/* Sets a string at a dotted key (creating objects on the way) and writes the file
 * atomically with mode 0600. Returns 0 or a negative code. */
int config_set_str(config_t *c, const char *key, const char *value, char *err, size_t errlen);
/* The file this config was loaded from (or will be written to). */
const char *config_path(const config_t *c);

/* The LLM API key: PRECEDENT_LLM_API_KEY, else the env var named by llm.api_key_env,
 * else the file llm.api_key_file (refused unless mode is 0600 or stricter). Writes
 * at most outlen-1 bytes. Returns 0 when a key was found, PRECEDENT_ENOTFOUND when
 * none is configured, PRECEDENT_ECONFIG when the key file is unsafe or unreadable. */
int config_api_key(const config_t *c, char *out /* OUT */, size_t outlen, char *err, size_t errlen);

/* $XDG_DATA_HOME/precedent (or ~/.local/share/precedent); malloc'd. */
char *config_data_dir(void);
/* $XDG_CONFIG_HOME/precedent/config.json (or ~/.config/...); malloc'd. */
char *config_default_path(void);
/* The database path: explicit (non-NULL), else PRECEDENT_DB, else <data dir>/precedent.db. malloc'd. */
char *config_db_path(const char *explicit_path);
/* The events file: config "signals.events_path", else <data dir>/events.jsonl. malloc'd. */
char *config_events_path(const config_t *c);

#endif

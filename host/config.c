/*
 * config.c - config.json, environment overrides and default paths (XDG).
 */
#include "precedent/config.h"
#include "precedent/error.h"
#include "precedent/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_FILE_CAP (1024u * 1024u)

struct config {
	cJSON *root;
	char *path;
};

static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	buf_t b;
	buf_init(&b, 0);
	if (v && *v == '/') {
		buf_printf(&b, "%s/precedent", v);
	} else {
		const char *home = getenv("HOME");
		buf_printf(&b, "%s/%s/precedent", home && *home ? home : "/tmp", fallback);
	}
	return buf_steal(&b);
}

char *config_data_dir(void) { return xdg_dir("XDG_DATA_HOME", ".local/share"); }

char *config_default_path(void)
{
	char *dir = xdg_dir("XDG_CONFIG_HOME", ".config");
	buf_t b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/config.json", dir);
	free(dir);
	return buf_steal(&b);
}

char *config_db_path(const char *explicit_path)
{
	const char *env = getenv("PRECEDENT_DB");
	if (explicit_path && *explicit_path)
		return xstrdup(explicit_path);
	if (env && *env)
		return xstrdup(env);
	char *dir = config_data_dir();
	buf_t b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/precedent.db", dir);
	free(dir);
	return buf_steal(&b);
}

config_t *config_new_empty(void)
{
	config_t *c = xcalloc(1, sizeof *c);
	c->root = cJSON_CreateObject();
	c->path = config_default_path();
	return c;
}

int config_load(const char *path, config_t **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	config_t *c = xcalloc(1, sizeof *c);
	int rc = 0;
	*out = NULL;
	c->path = path ? xstrdup(path) : config_default_path();
	rc = read_file(c->path, CONFIG_FILE_CAP, &text, &len);
	if (rc == PRECEDENT_EIO && errno == ENOENT) {
		c->root = cJSON_CreateObject();
		*out = c;
		return 0;
	}
	if (rc) {
		snprintf(err, errlen, "%s: %s", c->path,
			 rc == PRECEDENT_ETOOBIG ? "config file too large" : strerror(errno));
		rc = PRECEDENT_ECONFIG;
		goto out;
	}
	c->root = cJSON_ParseWithLength(text, len);
	if (!c->root || !cJSON_IsObject(c->root)) {
		snprintf(err, errlen, "%s: not a JSON object (check the syntax near: %.40s)", c->path,
			 cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
		rc = PRECEDENT_ECONFIG;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	free(text);
	config_free(c);
	return rc;
}

void config_free(config_t *c)
{
	if (!c)
		return;
	cJSON_Delete(c->root);
	free(c->path);
	free(c);
}

const char *config_path(const config_t *c) { return c->path; }

const cJSON *config_node(const config_t *c, const char *key)
{
	char part[128];
	const cJSON *n = c ? c->root : NULL;
	const char *p = key;
	while (n && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l >= sizeof part)
			return NULL;
		memcpy(part, p, l);
		part[l] = '\0';
		n = cJSON_IsObject(n) ? cJSON_GetObjectItemCaseSensitive(n, part) : NULL;
		p += l + (dot ? 1 : 0);
	}
	return n;
}

const char *config_str(const config_t *c, const char *key, const char *env_name, const char *def)
{
	const char *v = env_name ? getenv(env_name) : NULL;
	if (v && *v)
		return v;
	const cJSON *n = config_node(c, key);
	if (cJSON_IsString(n) && n->valuestring)
		return n->valuestring;
	return def;
}

double config_num(const config_t *c, const char *key, const char *env_name, double def)
{
	const char *v = env_name ? getenv(env_name) : NULL;
	if (v && *v) {
		char *end;
		double d = strtod(v, &end);
		if (end != v && *end == '\0')
			return d;
	}
	const cJSON *n = config_node(c, key);
	if (cJSON_IsNumber(n))
		return n->valuedouble;
	return def;
}

static int write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	buf_t tmp;
	int rc = 0, fd = -1;
	buf_init(&tmp, 0);
	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir);
	}
	free(dir);
	fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", buf_cstr(&tmp), strerror(errno));
		rc = PRECEDENT_EIO;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(buf_cstr(&tmp), path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = PRECEDENT_EIO;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(buf_cstr(&tmp));
	buf_release(&tmp);
	return rc;
}

int config_set_str(config_t *c, const char *key, const char *value, char *err, size_t errlen)
{
	char part[128];
	cJSON *n = c->root;
	const char *p = key;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l >= sizeof part) {
			snprintf(err, errlen, "bad config key: %s", key);
			return PRECEDENT_EINVAL;
		}
		memcpy(part, p, l);
		part[l] = '\0';
		if (!dot) {
			cJSON_DeleteItemFromObjectCaseSensitive(n, part);
			cJSON_AddItemToObject(n, part, cJSON_CreateString(value));
			break;
		}
		cJSON *next = cJSON_GetObjectItemCaseSensitive(n, part);
		if (!cJSON_IsObject(next)) {
			cJSON_DeleteItemFromObjectCaseSensitive(n, part);
			next = cJSON_AddObjectToObject(n, part);
		}
		n = next;
		p = dot + 1;
	}
	char *text = cJSON_Print(c->root);
	int rc = write_atomic(c->path, text, strlen(text), err, errlen);
	cJSON_free(text);
	return rc;
}

int config_api_key(const config_t *c, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *v = getenv("PRECEDENT_LLM_API_KEY");
	const char *envname = config_str(c, "llm.api_key_env", NULL, NULL);
	const char *file = config_str(c, "llm.api_key_file", NULL, NULL);
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	if (!(v && *v) && envname)
		v = getenv(envname);
	if (v && *v) {
		snprintf(out, outlen, "%s", v);
		return 0;
	}
	if (!file)
		return PRECEDENT_ENOTFOUND;
	if (stat(file, &st) != 0 || read_file(file, 64 * 1024, &text, &len) != 0) {
		snprintf(err, errlen, "API key file %s: %s", file, strerror(errno));
		return PRECEDENT_ECONFIG;
	}
	if (st.st_mode & 077) {
		free(text);
		snprintf(err, errlen, "API key file %s is readable by others: run chmod 600 %s", file,
			 file);
		return PRECEDENT_ECONFIG;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	snprintf(out, outlen, "%s", text);
	free(text);
	return 0;
}

char *config_events_path(const config_t *c)
{
	const char *p = config_str(c, "signals.events_path", "PRECEDENT_EVENTS", NULL);
	if (p)
		return xstrdup(p);
	char *dir = config_data_dir();
	buf_t b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/events.jsonl", dir);
	free(dir);
	return buf_steal(&b);
}

/*
 * signals.c - durable JSONL emission of draft_quality_signal and
 * knowledge_gap_signal events (see signals.h).
 */
#include "precedent/signals.h"
#include "precedent/error.h"
#include "precedent/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct signals {
	char *events_path;
	char *webhook_url;
	int fd;
};

int signals_open(const signals_config_t *cfg, signals_t **out, char *err, size_t errlen)
{
	signals_t *s = xcalloc(1, sizeof *s);
	s->events_path = xstrdup(cfg->events_path);
	s->webhook_url = cfg->webhook_url ? xstrdup(cfg->webhook_url) : NULL;
	s->fd = -1;
	*out = s;
	(void)err;
	(void)errlen;
	return 0;
}

void signals_close(signals_t *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->events_path);
	free(s->webhook_url);
	free(s);
}

/* The file is opened on first use so a host that emits nothing creates nothing. */
static int ensure_open(signals_t *s)
{
	if (s->fd >= 0)
		return 0;
	char *dir = xstrdup(s->events_path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir);
	}
	free(dir);
	s->fd = open(s->events_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return s->fd >= 0 ? 0 : PRECEDENT_EIO;
}

int signals_emit(signals_t *s, const char *type, const cJSON *payload)
{
	char ts[40], schema[96];
	int rc;
	if ((rc = ensure_open(s)))
		return rc;
	cJSON *ev = cJSON_CreateObject();
	snprintf(schema, sizeof schema, "precedent.%s/%d", type, SIGNALS_SCHEMA_VERSION);
	now_iso8601(ts, sizeof ts);
	cJSON_AddStringToObject(ev, "schema", schema);
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "ts", ts);
	const cJSON *f;
	cJSON_ArrayForEach(f, payload) cJSON_AddItemToObject(ev, f->string, cJSON_Duplicate(f, 1));
	char *line = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	size_t n = strlen(line);
	line[n] = '\n'; /* cJSON's terminator becomes the line end */
	const char *p = line;
	size_t left = n + 1;
	while (left > 0) {
		ssize_t w = write(s->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = PRECEDENT_EIO;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	cJSON_free(line);
	if (!rc && fdatasync(s->fd) != 0)
		rc = PRECEDENT_EIO;
	return rc;
}

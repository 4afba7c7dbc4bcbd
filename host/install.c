/*
 * install.c - `precedent-host install | uninstall | doctor`.
 *
 * A browser finds a native messaging host through a small JSON manifest in a
 * per-user directory that differs by browser and OS. install writes one per
 * browser (atomically: a temporary file in the same directory, fsync, rename)
 * and a receipt that lists each file and each directory it had to create, so
 * that uninstall can remove exactly that and nothing else: a manifest that no
 * longer points to the binary we recorded (someone re-registered another copy)
 * is left alone, and directories go only when empty. doctor reads what the
 * browsers would read and says, per problem, what to run to fix it.
 */
#include "precedent/install.h"
#include "precedent/config.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/store.h"
#include "precedent/util.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lws_config.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

/* A manifest or receipt is tiny; anything bigger is not ours. */
#define INSTALL_FILE_CAP (256u * 1024u)
/* config.json read by doctor. */
#define INSTALL_CONFIG_CAP (1024u * 1024u)
#define INSTALL_PROBE_TIMEOUT_MS 2000L

struct browser_info {
	const char *name;
	const char *label;
	int firefox;
	const char *linux_root; /* under $XDG_CONFIG_HOME, or NULL: ~/.mozilla */
	const char *mac_root;	/* under ~/Library/Application Support */
};

static const struct browser_info browsers[INSTALL_BROWSER_COUNT] = {
    [INSTALL_CHROME] = {"chrome", "Google Chrome", 0, "google-chrome", "Google/Chrome"},
    [INSTALL_CHROMIUM] = {"chromium", "Chromium", 0, "chromium", "Chromium"},
    [INSTALL_EDGE] = {"edge", "Microsoft Edge", 0, "microsoft-edge", "Microsoft Edge"},
    [INSTALL_BRAVE] = {"brave", "Brave", 0, "BraveSoftware/Brave-Browser",
		       "BraveSoftware/Brave-Browser"},
    [INSTALL_FIREFOX] = {"firefox", "Firefox", 1, NULL, "Mozilla"},
};

struct opts {
	const char *cmd;
	unsigned mask;	    /* browsers asked for; 0 = the default choice */
	const char *ext_id; /* one id, or several separated by commas */
	char ext_ids[INSTALL_EXTENSION_IDS_MAX * 33 + 1];
	const char *firefox_id;
	const char *host_path;
	const char *db_path;
	int dry_run;
	int json;
	install_os_t os;
};

const char *install_browser_name(install_browser_t b)
{
	if ((int)b < 0 || b >= INSTALL_BROWSER_COUNT)
		return NULL;
	return browsers[b].name;
}

int install_browser_from_name(const char *name)
{
	for (int i = 0; i < INSTALL_BROWSER_COUNT; i++)
		if (strcmp(name, browsers[i].name) == 0)
			return i;
	if (strcmp(name, "google-chrome") == 0)
		return INSTALL_CHROME;
	if (strcmp(name, "msedge") == 0 || strcmp(name, "microsoft-edge") == 0)
		return INSTALL_EDGE;
	return -1;
}

int install_valid_extension_id(const char *id)
{
	size_t n = 0;

	if (!id)
		return 0;
	for (; id[n]; n++)
		if (id[n] < 'a' || id[n] > 'p')
			return 0;
	return n == 32;
}

/* Calls fn(id, ctx) for each id of a comma-separated list; 1 if every one is a
 * Chromium extension id and there are 1..INSTALL_EXTENSION_IDS_MAX of them. */
static int each_extension_id(const char *list, void (*fn)(const char *id, void *ctx), void *ctx)
{
	char id[33];
	int n = 0;

	if (!list || !*list)
		return 0;
	for (const char *p = list;; p++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len != 32 || ++n > INSTALL_EXTENSION_IDS_MAX)
			return 0;
		memcpy(id, p, 32);
		id[32] = '\0';
		if (!install_valid_extension_id(id))
			return 0;
		if (fn)
			fn(id, ctx);
		if (!end)
			return 1;
		p = end;
	}
}

static void add_origin(const char *id, void *ctx)
{
	char origin[64];
	snprintf(origin, sizeof origin, "chrome-extension://%s/", id);
	cJSON_AddItemToArray((cJSON *)ctx, cJSON_CreateString(origin));
}

int install_valid_firefox_id(const char *id)
{
	size_t n;

	if (!id)
		return 0;
	n = strlen(id);
	if (n < 3 || n > 255)
		return 0;
	if (id[0] == '{') {
		/* {8-4-4-4-12 hex} */
		static const int dash[] = {9, 14, 19, 24};
		size_t d = 0;
		if (n != 38 || id[37] != '}')
			return 0;
		for (size_t i = 1; i < 37; i++) {
			if (d < 4 && i == (size_t)dash[d]) {
				if (id[i] != '-')
					return 0;
				d++;
				continue;
			}
			if (!strchr("0123456789abcdefABCDEF", id[i]))
				return 0;
		}
		return 1;
	}
	const char *at = strchr(id, '@');
	if (!at || at == id || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("@.-_+", c))
			return 0;
	}
	return 1;
}

/* ---- paths -------------------------------------------------------------------- */

/* $HOME, or the password database's entry; NULL when neither gives an absolute path. */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return h;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}

/* $var when absolute (the XDG rule: relative values are ignored), else ~/fallback. */
static int xdg_dir(const char *var, const char *fallback, char **out /* OUT */)
{
	const char *v = getenv(var);
	const char *home;

	if (v && v[0] == '/') {
		*out = xstrdup(v);
		return 0;
	}
	home = home_dir();
	if (!home)
		return PRECEDENT_ECONFIG;
	buf_t b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/%s", home, fallback);
	*out = buf_steal(&b);
	return 0;
}

/* The browser's own directory (detects that it is installed). */
static int browser_root(install_browser_t b, install_os_t os, char **out /* OUT */)
{
	const struct browser_info *bi = &browsers[b];
	const char *home = home_dir();
	char *cfg = NULL;
	buf_t p;
	int rc;

	if (!home)
		return PRECEDENT_ECONFIG;
	buf_init(&p, 0);
	if (os == INSTALL_OS_MACOS) {
		buf_printf(&p, "%s/Library/Application Support/%s", home, bi->mac_root);
	} else if (bi->firefox) {
		buf_printf(&p, "%s/.mozilla", home);
	} else {
		rc = xdg_dir("XDG_CONFIG_HOME", ".config", &cfg);
		if (rc < 0) {
			buf_release(&p);
			return rc;
		}
		buf_printf(&p, "%s/%s", cfg, bi->linux_root);
		free(cfg);
	}
	*out = buf_steal(&p);
	return 0;
}

int install_manifest_dir(install_browser_t b, install_os_t os, char **out /* OUT */)
{
	char *root = NULL;
	int rc;

	if ((int)b < 0 || b >= INSTALL_BROWSER_COUNT)
		return PRECEDENT_EINVAL;
	rc = browser_root(b, os, &root);
	if (rc < 0)
		return rc;
	buf_t p;
	buf_init(&p, 0);
	if (browsers[b].firefox && os == INSTALL_OS_LINUX)
		buf_printf(&p, "%s/native-messaging-hosts", root);
	else
		buf_printf(&p, "%s/NativeMessagingHosts", root);
	free(root);
	*out = buf_steal(&p);
	return 0;
}

static int manifest_path(install_browser_t b, install_os_t os, char **out /* OUT */)
{
	char *dir = NULL;
	int rc = install_manifest_dir(b, os, &dir);
	if (rc < 0)
		return rc;
	buf_t p;
	buf_init(&p, 0);
	buf_printf(&p, "%s/%s.json", dir, INSTALL_HOST_NAME);
	free(dir);
	*out = buf_steal(&p);
	return 0;
}

static int data_dir(char **out /* OUT */)
{
	char *d = NULL;
	int rc = xdg_dir("XDG_DATA_HOME", ".local/share", &d);
	if (rc < 0)
		return rc;
	buf_t p;
	buf_init(&p, 0);
	buf_printf(&p, "%s/precedent", d);
	free(d);
	*out = buf_steal(&p);
	return 0;
}

int install_receipt_path(char **out /* OUT */)
{
	char *d = NULL;
	int rc = data_dir(&d);
	if (rc < 0)
		return rc;
	buf_t p;
	buf_init(&p, 0);
	buf_printf(&p, "%s/%s", d, INSTALL_RECEIPT_NAME);
	free(d);
	*out = buf_steal(&p);
	return 0;
}

/* Absolute, symlink-free path of the running binary; NULL if it cannot be found. */
static char *self_path(void)
{
	char raw[PATH_MAX];
	char *real;

#ifdef __APPLE__
	uint32_t n = sizeof raw;
	if (_NSGetExecutablePath(raw, &n) != 0)
		return NULL;
#else
	ssize_t n = readlink("/proc/self/exe", raw, sizeof raw - 1);
	if (n <= 0)
		return NULL;
	raw[n] = '\0';
#endif
	real = realpath(raw, NULL);
	if (!real)
		return NULL;
	char *copy = xstrdup(real);
	free(real);
	return copy;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_exec_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* ---- manifests ----------------------------------------------------------------- */

int install_manifest_json(install_browser_t b, const char *host_path, const char *ext_id,
			  const char *firefox_id, char **out /* OUT */)
{
	cJSON *m = NULL, *list;
	char *txt = NULL;
	int rc = PRECEDENT_EINVAL;

	if ((int)b < 0 || b >= INSTALL_BROWSER_COUNT || !host_path || host_path[0] != '/')
		goto out;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", INSTALL_HOST_NAME);
	cJSON_AddStringToObject(m, "description", INSTALL_DESCRIPTION);
	cJSON_AddStringToObject(m, "path", host_path);
	cJSON_AddStringToObject(m, "type", "stdio");
	if (browsers[b].firefox) {
		if (!install_valid_firefox_id(firefox_id))
			goto out;
		list = cJSON_AddArrayToObject(m, "allowed_extensions");
		cJSON_AddItemToArray(list, cJSON_CreateString(firefox_id));
	} else {
		if (!each_extension_id(ext_id, NULL, NULL))
			goto out;
		list = cJSON_AddArrayToObject(m, "allowed_origins");
		each_extension_id(ext_id, add_origin, list);
	}
	txt = cJSON_Print(m);
	if (!txt) {
		rc = PRECEDENT_ENOMEM;
		goto out;
	}
	buf_t t;
	buf_init(&t, 0);
	buf_puts(&t, txt);
	buf_putc(&t, '\n');
	*out = buf_steal(&t);
	rc = 0;
out:
	if (txt)
		cJSON_free(txt);
	cJSON_Delete(m);
	return rc;
}

/*
 * Writes data to path atomically: a temporary sibling, fsync, rename, fsync of the
 * directory. On error nothing is left behind and a sentence is printed.
 */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	buf_t tmp;
	int fd = -1, rc = PRECEDENT_EIO;
	size_t off = 0;

	buf_init(&tmp, 0);
	buf_printf(&tmp, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		fprintf(stderr, "precedent-host: cannot create a file next to %s: %s\n", path,
			strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "precedent-host: cannot write %s: %s\n", tmp.data,
				strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "precedent-host: cannot write %s: %s\n", tmp.data, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		fprintf(stderr, "precedent-host: cannot write %s: %s\n", tmp.data, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path) != 0) {
		fprintf(stderr, "precedent-host: cannot replace %s: %s\n", path, strerror(errno));
		goto out;
	}
	/* Make the rename itself durable. */
	char *slash = strrchr(tmp.data, '/');
	if (slash && slash != tmp.data) {
		*slash = '\0';
		int dfd = open(tmp.data, O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp.data)
		unlink(tmp.data);
	buf_release(&tmp);
	return rc;
}

/* 1 if array holds the string s. */
static int array_has(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return 1;
	}
	return 0;
}

/*
 * Creates dir and its missing parents (0700), appending each directory actually
 * created to created (parents first) unless it is listed already.
 */
static int make_dirs(const char *dir, cJSON *created)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char save = *s;
		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			if (created && !array_has(created, p))
				cJSON_AddItemToArray(created, cJSON_CreateString(p));
		} else if (errno != EEXIST || !is_dir(p)) {
			fprintf(stderr, "precedent-host: cannot create directory %s: %s\n", p,
				errno == EEXIST ? "a file is in the way" : strerror(errno));
			rc = PRECEDENT_EIO;
			*s = save;
			break;
		}
		*s = save;
		if (save == '\0')
			break;
	}
	free(p);
	return rc;
}

/* Parses a small JSON file. 0 with *out; ENOTFOUND when absent; EIO/ETOOBIG; EJSON. */
static int load_json(const char *path, size_t cap, cJSON **out /* OUT */)
{
	char *txt = NULL;
	size_t len = 0;
	int rc = read_file(path, cap, &txt, &len);

	if (rc < 0)
		return (rc == PRECEDENT_EIO && errno == ENOENT) ? PRECEDENT_ENOTFOUND : rc;
	*out = cJSON_ParseWithLength(txt, len);
	free(txt);
	return *out ? 0 : PRECEDENT_EJSON;
}

/* 1 if the manifest at path is ours and points to host_path. */
static int manifest_points_to(const char *path, const char *host_path)
{
	cJSON *m = NULL;
	int yes = 0;

	if (load_json(path, INSTALL_FILE_CAP, &m) < 0)
		return 0;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "path");
	yes = cJSON_IsString(name) && strcmp(name->valuestring, INSTALL_HOST_NAME) == 0 &&
	      cJSON_IsString(p) && host_path && strcmp(p->valuestring, host_path) == 0;
	cJSON_Delete(m);
	return yes;
}

/* ---- the receipt ------------------------------------------------------------------ */

/*
 * Loads the receipt into *out, or a fresh empty one when there is none.
 * EJSON/EIO when it exists but cannot be used (a sentence is printed).
 */
static int receipt_load(const char *path, cJSON **out /* OUT */)
{
	cJSON *r = NULL;
	int rc = load_json(path, INSTALL_FILE_CAP, &r);

	if (rc == PRECEDENT_ENOTFOUND) {
		r = cJSON_CreateObject();
		rc = 0;
	} else if (rc < 0) {
		fprintf(stderr,
			"precedent-host: the install receipt %s cannot be read (%s); remove it and "
			"check the browsers' NativeMessagingHosts directories by hand\n",
			path, precedent_strerror(rc));
		return rc;
	}
	if (!cJSON_IsObject(r)) {
		cJSON_Delete(r);
		fprintf(stderr, "precedent-host: the install receipt %s is not a JSON object\n",
			path);
		return PRECEDENT_EJSON;
	}
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "files"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "files");
		cJSON_AddArrayToObject(r, "files");
	}
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "dirs"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "dirs");
		cJSON_AddArrayToObject(r, "dirs");
	}
	*out = r;
	return 0;
}

static int receipt_save(const char *path, cJSON *r)
{
	char ts[40];
	char *txt;
	int rc;

	now_iso8601(ts, sizeof ts);
	cJSON_DeleteItemFromObjectCaseSensitive(r, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "version");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "updated_at");
	cJSON_AddStringToObject(r, "name", INSTALL_HOST_NAME);
	cJSON_AddStringToObject(r, "version", PRECEDENT_VERSION);
	cJSON_AddStringToObject(r, "updated_at", ts);
	txt = cJSON_Print(r);
	if (!txt)
		return PRECEDENT_ENOMEM;
	buf_t t;
	buf_init(&t, 0);
	buf_puts(&t, txt);
	buf_putc(&t, '\n');
	cJSON_free(txt);
	rc = write_atomic(path, t.data, t.len, 0600);
	buf_release(&t);
	return rc;
}

/* The receipt's entry for path, or NULL. */
static cJSON *receipt_entry(cJSON *r, const char *path)
{
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "files"))
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "path");
		if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)
			return it;
	}
	return NULL;
}

static void receipt_record(cJSON *r, install_browser_t b, const char *path, const char *host_path)
{
	cJSON *e = receipt_entry(r, path);

	/* Replace a whole entry rather than patching it. */
	if (e) {
		cJSON *files = cJSON_GetObjectItemCaseSensitive(r, "files");
		cJSON_DetachItemViaPointer(files, e);
		cJSON_Delete(e);
	}
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "browser", browsers[b].name);
	cJSON_AddStringToObject(e, "path", path);
	cJSON_AddStringToObject(e, "host_path", host_path);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "files"), e);
}

/* ---- options -------------------------------------------------------------------- */

static int usage(const char *cmd)
{
	fprintf(stderr,
		"usage: precedent-host %s [--browser chrome|chromium|edge|brave|firefox|all]...\n"
		"         [--extension-id ID] [--firefox-id ID] [--host-path PATH] [--dry-run]\n"
		"       precedent-host doctor [--json] [--db PATH] [--browser B]...\n",
		cmd ? cmd : "install|uninstall");
	return 2;
}

/* Parses argv[1..]; returns 0, or 2 after printing usage. */
static int parse_opts(int argc, char **argv, struct opts *o /* OUT */)
{
	memset(o, 0, sizeof *o);
	o->cmd = argv[0];
	o->ext_id = INSTALL_EXTENSION_ID;
	o->firefox_id = INSTALL_FIREFOX_ID;
#ifdef __APPLE__
	o->os = INSTALL_OS_MACOS;
#else
	o->os = INSTALL_OS_LINUX;
#endif
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		const char *eq = NULL;
		size_t klen = strlen(a);

		if (strncmp(a, "--", 2) == 0 && (eq = strchr(a, '=')) != NULL) {
			klen = (size_t)(eq - a);
			val = eq + 1;
		}
#define OPT(s) (klen == strlen(s) && strncmp(a, s, klen) == 0)
#define NEEDVAL()                                                                                  \
	do {                                                                                       \
		if (!val) {                                                                        \
			if (i + 1 >= argc) {                                                       \
				fprintf(stderr, "precedent-host %s: %s needs a value\n", o->cmd,   \
					a);                                                        \
				return usage(o->cmd);                                              \
			}                                                                          \
			val = argv[++i];                                                           \
		}                                                                                  \
	} while (0)
		if (OPT("--browser")) {
			NEEDVAL();
			char *list = xstrdup(val), *save = NULL;
			for (char *tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (strcmp(tok, "all") == 0) {
					o->mask = (1u << INSTALL_BROWSER_COUNT) - 1;
					continue;
				}
				int b = install_browser_from_name(tok);
				if (b < 0) {
					fprintf(stderr,
						"precedent-host %s: unknown browser '%s' (chrome, "
						"chromium, edge, brave, firefox or all)\n",
						o->cmd, tok);
					free(list);
					return usage(o->cmd);
				}
				o->mask |= 1u << b;
			}
			free(list);
		} else if (OPT("--extension-id")) {
			NEEDVAL();
			/* Repeatable: a store id beside the fixed development id, say. */
			size_t used = strlen(o->ext_ids);
			snprintf(o->ext_ids + used, sizeof o->ext_ids - used, "%s%s",
				 used ? "," : "", val);
			o->ext_id = o->ext_ids;
		} else if (OPT("--firefox-id")) {
			NEEDVAL();
			o->firefox_id = val;
		} else if (OPT("--host-path")) {
			NEEDVAL();
			o->host_path = val;
		} else if (OPT("--db")) {
			NEEDVAL();
			o->db_path = val;
		} else if (OPT("--os")) {
			NEEDVAL();
			if (strcmp(val, "linux") == 0)
				o->os = INSTALL_OS_LINUX;
			else if (strcmp(val, "macos") == 0)
				o->os = INSTALL_OS_MACOS;
			else {
				fprintf(stderr, "precedent-host %s: --os is linux or macos\n",
					o->cmd);
				return usage(o->cmd);
			}
		} else if (OPT("--dry-run") && !val) {
			o->dry_run = 1;
		} else if (OPT("--json") && !val) {
			o->json = 1;
		} else if (OPT("--help") || OPT("-h")) {
			usage(o->cmd);
			return 2;
		} else {
			fprintf(stderr, "precedent-host %s: unknown option '%s'\n", o->cmd, a);
			return usage(o->cmd);
		}
#undef OPT
#undef NEEDVAL
	}
	return 0;
}

/* Browsers whose own directory exists; all of them when none does. */
static unsigned default_mask(install_os_t os)
{
	unsigned m = 0;
	for (int b = 0; b < INSTALL_BROWSER_COUNT; b++) {
		char *root = NULL;
		if (browser_root((install_browser_t)b, os, &root) == 0 && is_dir(root))
			m |= 1u << b;
		free(root);
	}
	return m ? m : (1u << INSTALL_BROWSER_COUNT) - 1;
}

/* ---- install ----------------------------------------------------------------------- */

static int cmd_install(struct opts *o)
{
	char *host = NULL, *rpath = NULL, *ddir = NULL;
	cJSON *r = NULL;
	int rc = 1, wrote = 0;

	if (!each_extension_id(o->ext_id, NULL, NULL)) {
		fprintf(stderr,
			"precedent-host install: '%s' is not a Chromium extension id (32 letters "
			"a-p, shown on chrome://extensions; at most %d, comma-separated)\n",
			o->ext_id, INSTALL_EXTENSION_IDS_MAX);
		goto out;
	}
	if (!install_valid_firefox_id(o->firefox_id)) {
		fprintf(stderr,
			"precedent-host install: '%s' is not a Firefox add-on id (name@domain or "
			"{uuid})\n",
			o->firefox_id);
		goto out;
	}
	if (o->host_path) {
		char *real = realpath(o->host_path, NULL);
		if (!real) {
			fprintf(stderr, "precedent-host install: --host-path %s: %s\n",
				o->host_path, strerror(errno));
			goto out;
		}
		host = xstrdup(real);
		free(real);
	} else {
		host = self_path();
		if (!host) {
			fprintf(stderr,
				"precedent-host install: cannot find the path of this binary; "
				"pass --host-path PATH\n");
			goto out;
		}
	}
	if (!is_exec_file(host)) {
		fprintf(stderr, "precedent-host install: %s is not an executable file\n", host);
		goto out;
	}
	if (install_receipt_path(&rpath) < 0 || data_dir(&ddir) < 0) {
		fprintf(stderr, "precedent-host install: HOME is not set\n");
		goto out;
	}
	if (receipt_load(rpath, &r) < 0)
		goto out;
	if (!o->mask)
		o->mask = default_mask(o->os);
	int dirs_before = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "dirs"));

	for (int b = 0; b < INSTALL_BROWSER_COUNT; b++) {
		char *dir = NULL, *path = NULL, *json = NULL;
		int brc = -1;

		if (!(o->mask & (1u << b)))
			continue;
		if (install_manifest_dir((install_browser_t)b, o->os, &dir) < 0 ||
		    manifest_path((install_browser_t)b, o->os, &path) < 0 ||
		    install_manifest_json((install_browser_t)b, host, o->ext_id, o->firefox_id,
					  &json) < 0) {
			fprintf(stderr, "precedent-host install: %s: cannot build the manifest\n",
				browsers[b].name);
			goto next;
		}
		if (o->dry_run) {
			printf("%s: would write %s\n%s", browsers[b].name, path, json);
			brc = 0;
			goto next;
		}
		if (make_dirs(dir, cJSON_GetObjectItemCaseSensitive(r, "dirs")) < 0 ||
		    write_atomic(path, json, strlen(json), 0644) < 0)
			goto next;
		receipt_record(r, (install_browser_t)b, path, host);
		printf("%s: registered %s\n", browsers[b].name, path);
		wrote++;
		brc = 0;
	next:
		free(dir);
		free(path);
		free(json);
		if (brc < 0)
			rc = 2; /* remember a failure; the others still get their manifest */
	}
	if (o->dry_run) {
		printf("receipt: would write %s\n", rpath);
		rc = rc == 2 ? 1 : 0;
		goto out;
	}
	/* Directories created for a manifest that then failed are recorded too, so that
	 * uninstall can take them away. */
	if (wrote ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "dirs")) > dirs_before) {
		if (make_dirs(ddir, cJSON_GetObjectItemCaseSensitive(r, "dirs")) < 0 ||
		    receipt_save(rpath, r) < 0) {
			rc = 1;
			goto out;
		}
		if (wrote)
			printf("receipt: %s\nhost: %s\n", rpath, host);
	}
	if (rc == 2) {
		fprintf(stderr, "precedent-host install: some browsers were not registered (see "
				"above)\n");
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(r);
	free(host);
	free(rpath);
	free(ddir);
	return rc;
}

/* ---- uninstall ---------------------------------------------------------------------- */

static int cmd_uninstall(struct opts *o)
{
	char *rpath = NULL;
	cJSON *r = NULL, *files, *dirs, *it, *next;
	int rc = 1, kept = 0, problems = 0;
	struct stat st;

	if (install_receipt_path(&rpath) < 0) {
		fprintf(stderr, "precedent-host uninstall: HOME is not set\n");
		goto out;
	}
	if (stat(rpath, &st) != 0 && errno == ENOENT) {
		printf("nothing to uninstall: no receipt at %s\n", rpath);
		rc = 0;
		goto out;
	}
	if (receipt_load(rpath, &r) < 0)
		goto out;
	files = cJSON_GetObjectItemCaseSensitive(r, "files");
	dirs = cJSON_GetObjectItemCaseSensitive(r, "dirs");

	for (it = files ? files->child : NULL; it; it = next) {
		next = it->next;
		const cJSON *br = cJSON_GetObjectItemCaseSensitive(it, "browser");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "path");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(it, "host_path");
		int b = cJSON_IsString(br) ? install_browser_from_name(br->valuestring) : -1;

		if (o->mask && (b < 0 || !(o->mask & (1u << b)))) {
			kept++;
			continue;
		}
		if (!cJSON_IsString(p) || p->valuestring[0] != '/') {
			cJSON_DetachItemViaPointer(files, it);
			cJSON_Delete(it);
			continue;
		}
		if (lstat(p->valuestring, &st) != 0 && errno == ENOENT) {
			printf("%s: already gone %s\n", b >= 0 ? browsers[b].name : "?",
			       p->valuestring);
		} else if (!manifest_points_to(p->valuestring,
					       cJSON_IsString(h) ? h->valuestring : NULL)) {
			fprintf(stderr,
				"precedent-host uninstall: %s was changed since install (it no "
				"longer points to %s); left in place\n",
				p->valuestring, cJSON_IsString(h) ? h->valuestring : "this host");
			problems++;
		} else if (o->dry_run) {
			printf("%s: would remove %s\n", b >= 0 ? browsers[b].name : "?",
			       p->valuestring);
		} else if (unlink(p->valuestring) != 0) {
			fprintf(stderr, "precedent-host uninstall: cannot remove %s: %s\n",
				p->valuestring, strerror(errno));
			problems++;
			kept++;
			continue;
		} else {
			printf("%s: removed %s\n", b >= 0 ? browsers[b].name : "?", p->valuestring);
		}
		if (!o->dry_run) {
			cJSON_DetachItemViaPointer(files, it);
			cJSON_Delete(it);
		}
	}
	if (o->dry_run) {
		rc = 0;
		goto out;
	}
	/* Directories we created, deepest first, and only when empty; the receipt's own
	 * directory is among them, so the receipt goes before. */
	if (!kept) {
		if (unlink(rpath) != 0 && errno != ENOENT) {
			fprintf(stderr, "precedent-host uninstall: cannot remove %s: %s\n", rpath,
				strerror(errno));
			goto out;
		}
		printf("receipt removed: %s\n", rpath);
		int n = cJSON_GetArraySize(dirs);
		for (int i = n - 1; i >= 0; i--) {
			const cJSON *d = cJSON_GetArrayItem(dirs, i);
			if (cJSON_IsString(d) && d->valuestring[0] == '/' &&
			    rmdir(d->valuestring) == 0)
				printf("removed empty directory %s\n", d->valuestring);
		}
	} else if (receipt_save(rpath, r) < 0) {
		goto out;
	}
	rc = problems ? 1 : 0;
out:
	cJSON_Delete(r);
	free(rpath);
	return rc;
}

/* ---- doctor ----------------------------------------------------------------------- */

struct report {
	cJSON *checks;
	int fails, warns;
	int registered; /* browsers with a usable manifest */
	int json;
};

static void report_add(struct report *rep, const char *check, const char *status, const char *fix,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report_add(struct report *rep, const char *check, const char *status, const char *fix,
		       const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	if (strcmp(status, "fail") == 0)
		rep->fails++;
	else if (strcmp(status, "warn") == 0)
		rep->warns++;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "check", check);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "message", msg);
	if (fix)
		cJSON_AddStringToObject(c, "fix", fix);
	else
		cJSON_AddNullToObject(c, "fix");
	cJSON_AddItemToArray(rep->checks, c);
	if (!rep->json) {
		const char *tag = strcmp(status, "ok") == 0	? "[ok]  "
				  : strcmp(status, "warn") == 0 ? "[warn]"
				  : strcmp(status, "fail") == 0 ? "[FAIL]"
								: "[skip]";
		printf("%s %-10s %s\n", tag, check, msg);
		if (fix)
			printf("       fix: %s\n", fix);
	}
}

static void check_browser(struct report *rep, const struct opts *o, install_browser_t b,
			  const char *self)
{
	const struct browser_info *bi = &browsers[b];
	char *path = NULL, *root = NULL, fix[512];
	cJSON *m = NULL;
	int rc;

	snprintf(fix, sizeof fix, "precedent-host install --browser %s", bi->name);
	if (manifest_path(b, o->os, &path) < 0 || browser_root(b, o->os, &root) < 0) {
		report_add(rep, bi->name, "fail", "set HOME",
			   "cannot determine the home directory");
		goto out;
	}
	rc = load_json(path, INSTALL_FILE_CAP, &m);
	if (rc == PRECEDENT_ENOTFOUND) {
		if (is_dir(root))
			report_add(rep, bi->name, "warn", fix,
				   "%s is installed but not registered (%s missing)", bi->label,
				   path);
		else
			report_add(rep, bi->name, "skip", NULL, "%s not found (%s)", bi->label,
				   root);
		goto out;
	}
	if (rc < 0) {
		report_add(rep, bi->name, "fail", fix, "%s: %s", path,
			   rc == PRECEDENT_EJSON ? "not valid JSON" : precedent_strerror(rc));
		goto out;
	}
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
	const cJSON *hp = cJSON_GetObjectItemCaseSensitive(m, "path");
	const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(
	    m, bi->firefox ? "allowed_extensions" : "allowed_origins");
	if (!cJSON_IsObject(m) || !cJSON_IsString(name) ||
	    strcmp(name->valuestring, INSTALL_HOST_NAME) != 0 || !cJSON_IsString(type) ||
	    strcmp(type->valuestring, "stdio") != 0) {
		report_add(rep, bi->name, "fail", fix, "%s: name must be \"%s\" and type \"stdio\"",
			   path, INSTALL_HOST_NAME);
		goto out;
	}
	if (!cJSON_IsString(hp) || hp->valuestring[0] != '/') {
		report_add(rep, bi->name, "fail", fix, "%s: \"path\" must be absolute", path);
		goto out;
	}
	if (!is_exec_file(hp->valuestring)) {
		report_add(rep, bi->name, "fail", fix, "%s points to %s, which is %s", path,
			   hp->valuestring,
			   access(hp->valuestring, F_OK) == 0 ? "not executable" : "missing");
		goto out;
	}
	cJSON *want = cJSON_CreateArray();
	if (bi->firefox)
		cJSON_AddItemToArray(want, cJSON_CreateString(o->firefox_id));
	else
		each_extension_id(o->ext_id, add_origin, want);
	const cJSON *w;
	const char *missing = NULL;
	cJSON_ArrayForEach(w, want)
	{
		if (!missing && (!cJSON_IsArray(allowed) || !array_has(allowed, w->valuestring)))
			missing = w->valuestring;
	}
	if (missing || !cJSON_GetArraySize(want)) {
		report_add(rep, bi->name, "fail", fix, "%s: %s does not allow %s", path,
			   bi->firefox ? "allowed_extensions" : "allowed_origins",
			   missing ? missing : o->ext_id);
		cJSON_Delete(want);
		goto out;
	}
	cJSON_Delete(want);
	rep->registered++;
	if (self && strcmp(self, hp->valuestring) != 0) {
		report_add(rep, bi->name, "warn", fix, "registered, but for %s (this binary is %s)",
			   hp->valuestring, self);
		goto out;
	}
	report_add(rep, bi->name, "ok", NULL, "registered: %s", path);
out:
	cJSON_Delete(m);
	free(path);
	free(root);
}

/* Line number of the first JSON syntax error in text (1 when unknown). */
static int json_error_line(const char *text, size_t len)
{
	const char *end = NULL;
	int line = 1;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (j) {
		cJSON_Delete(j);
		return 1;
	}
	const char *at = cJSON_GetErrorPtr();
	if (at && at >= text && at <= text + len)
		for (const char *s = text; s < at; s++)
			line += *s == '\n';
	return line;
}

/* Loads the configuration the host would load (config_load) and reports on it;
 * *cfg is an empty config when the file is unusable, so later checks still run. */
static void check_config(struct report *rep, config_t **cfg /* OUT */)
{
	char err[512] = "";
	char *txt = NULL;
	size_t len = 0;

	if (config_load(NULL, cfg, err, sizeof err) < 0) {
		char *path = config_default_path();
		int line = 1;
		if (read_file(path, INSTALL_CONFIG_CAP, &txt, &len) == 0)
			line = json_error_line(txt, len);
		report_add(rep, "config", "fail",
			   "correct the JSON (or remove the file to use the defaults)",
			   "%s (line %d)", err, line);
		free(path);
		*cfg = config_new_empty();
		goto out;
	}
	const char *path = config_path(*cfg);
	struct stat st;
	if (stat(path, &st) != 0) {
		report_add(rep, "config", "ok", NULL, "no %s: defaults apply", path);
		goto out;
	}
	if ((st.st_mode & 0077) && read_file(path, INSTALL_CONFIG_CAP, &txt, &len) == 0 &&
	    strstr(txt, "api_key\"") != NULL) {
		report_add(rep, "config", "warn", "chmod 600 the file",
			   "%s holds an API key and is readable by others", path);
		goto out;
	}
	report_add(rep, "config", "ok", NULL, "%s parses", path);
out:
	free(txt);
}

/* The database the host would open: read-only through store_open (never created or
 * migrated here), then integrity and writability. */
static void check_database(struct report *rep, const struct opts *o)
{
	char *path = config_db_path(o->db_path);
	char err[1024] = "";
	store_t *s = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	if (access(path, F_OK) != 0) {
		report_add(rep, "database", "warn",
			   "precedent-host index tickets FILE (and index docs DIR)",
			   "no database yet at %s", path);
		goto out;
	}
	rc = store_open(path, STORE_READONLY, &s, err, sizeof err);
	if (rc == PRECEDENT_EREADONLY && strstr(err, "migration")) {
		report_add(rep, "database", "warn", NULL,
			   "%s (it is upgraded the next time precedent-host opens it)", err);
		goto out;
	}
	if (rc == PRECEDENT_ESCHEMA) {
		report_add(rep, "database", "fail", "upgrade precedent-host (make install)", "%s",
			   err);
		goto out;
	}
	if (rc < 0) {
		report_add(rep, "database", "fail",
			   rc == PRECEDENT_ECORRUPT
			       ? "move the file aside and re-index (precedent-host index ...)"
			       : "check the file and its directory's permissions",
			   "%s", err[0] ? err : precedent_strerror(rc));
		goto out;
	}
	int src = sqlite3_prepare_v2(store_db(s), "PRAGMA quick_check", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	const char *qc = src == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (!qc || strcmp(qc, "ok") != 0) {
		report_add(rep, "database", "fail",
			   "move the file aside and re-index (precedent-host index ...)",
			   "%s is damaged: %s", path, qc ? qc : store_errmsg(s));
		goto out;
	}
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int writable = access(slash ? dir : ".", W_OK) == 0 && access(path, W_OK) == 0;
	free(dir);
	if (!writable) {
		report_add(rep, "database", "warn",
			   "make the database and its directory writable (drafts and feedback are "
			   "written there)",
			   "%s opens (schema %d) but is read-only", path, store_schema_version(s));
		goto out;
	}
	report_add(rep, "database", "ok", NULL, "%s opens, integrity ok, schema version %d", path,
		   store_schema_version(s));
out:
	sqlite3_finalize(st);
	store_close(s);
	free(path);
}

/* Where draft_quality_signal / knowledge_gap_signal events go: writable, or creatable. */
static void check_signals(struct report *rep, const config_t *cfg)
{
	char *path = config_events_path(cfg);
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(path, F_OK) == 0 ? access(path, W_OK) != 0
				    : (is_dir(dir) && access(dir, W_OK) != 0))
		report_add(rep, "signals", "warn", "make the file (or its directory) writable",
			   "%s cannot be written: quality and knowledge-gap events are lost", path);
	else
		report_add(rep, "signals", "ok", NULL, "events go to %s", path);
	free(dir);
	free(path);
}

/* Copies url without any user:password@ part into out. */
static void url_for_display(const char *url, char *out, size_t outlen)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = NULL;
	for (const char *s = host; s < end; s++)
		if (*s == '@')
			at = s;
	if (at)
		snprintf(out, outlen, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, outlen, "%s", url);
}

/* Clears a secret so that it does not linger on the stack (portable explicit_bzero). */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * n;
}

/* The LLM provider: only when one is configured; any HTTP answer means reachable. */
static void check_provider(struct report *rep, const config_t *cfg)
{
	const char *prov = config_str(cfg, "llm.provider", "PRECEDENT_LLM_PROVIDER", NULL);
	const char *base = config_str(cfg, "llm.base_url", "PRECEDENT_LLM_BASE_URL", NULL);
	char shown[512], key[512], err[512] = "";
	CURL *c = NULL;

	if (!prov || strcmp(prov, "offline") == 0 || strcmp(prov, "none") == 0) {
		report_add(rep, "provider", "ok", NULL,
			   "no LLM provider configured: drafts are extractive (offline)");
		return;
	}
	if (!base)
		base = strcmp(prov, "anthropic") == 0 ? "https://api.anthropic.com/v1"
						      : "https://api.openai.com/v1";
	url_for_display(base, shown, sizeof shown);
	int local =
	    strstr(shown, "://127.") || strstr(shown, "://localhost") || strstr(shown, "://[::1]");
	int krc = config_api_key(cfg, key, sizeof key, err, sizeof err);
	wipe(key, sizeof key);
	if (krc == PRECEDENT_ECONFIG)
		report_add(rep, "provider", "fail",
			   "chmod 600 the key file, or fix llm.api_key_file", "%s", err);
	else if (krc < 0 && !local)
		report_add(rep, "provider", "warn",
			   "set PRECEDENT_LLM_API_KEY, or llm.api_key_file in config.json",
			   "%s (%s) needs an API key and none is configured", shown, prov);

	c = curl_easy_init();
	if (!c) {
		report_add(rep, "provider", "fail", NULL, "libcurl could not start");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, base);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, INSTALL_PROBE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, INSTALL_PROBE_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (local)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	double t0 = now_ms();
	CURLcode cc = curl_easy_perform(c);
	double took = now_ms() - t0;
	if (cc != CURLE_OK) {
		/* libcurl's message may repeat the URL: print ours (without credentials). */
		report_add(rep, "provider", "fail",
			   local ? "start the local model server, or fix llm.base_url"
				 : "check the network or proxy, or fix llm.base_url",
			   "%s (%s) is not reachable: %s", shown, prov, curl_easy_strerror(cc));
	} else {
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		report_add(rep, "provider", "ok", NULL, "%s (%s) answered HTTP %ld in %.0f ms",
			   shown, prov, code, took);
	}
	curl_easy_cleanup(c);
}

/* The WebSocket server runs libwebsockets on the libuv loop; a libwebsockets built with
 * event-library plugins (Debian's) needs the plugin package or the host cannot serve. */
static void check_websocket(struct report *rep)
{
#if defined(LWS_WITH_EVLIB_PLUGINS) && !defined(__APPLE__)
	void *h = dlopen("libwebsockets-evlib_uv.so", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		report_add(rep, "websocket", "fail",
			   "install the plugin: sudo apt-get install libwebsockets-evlib-uv",
			   "the libwebsockets libuv plugin (libwebsockets-evlib_uv.so) cannot be "
			   "loaded: %s",
			   dlerror());
		return;
	}
	dlclose(h);
	report_add(rep, "websocket", "ok", NULL, "libwebsockets libuv plugin present");
#else
	report_add(rep, "websocket", "ok", NULL, "libwebsockets with libuv built in");
#endif
}

static int cmd_doctor(struct opts *o)
{
	struct report rep = {.checks = cJSON_CreateArray(), .json = o->json};
	config_t *cfg = NULL;
	char *self = self_path();

	if (!o->json)
		printf("precedent-host %s doctor\n", PRECEDENT_VERSION);
	if (self && is_exec_file(self))
		report_add(&rep, "binary", "ok", NULL, "%s (version %s)", self, PRECEDENT_VERSION);
	else
		report_add(&rep, "binary", "fail", "reinstall: make install",
			   "cannot find this binary's own path");
	for (int b = 0; b < INSTALL_BROWSER_COUNT; b++)
		if (!o->mask || (o->mask & (1u << b)))
			check_browser(&rep, o, (install_browser_t)b, self);
	/* No browser registered at all is a failure even if each was only a warning. */
	if (!rep.registered)
		report_add(&rep, "browsers", "fail", "precedent-host install",
			   "no browser is registered to start precedent-host");
	check_websocket(&rep);
	check_config(&rep, &cfg);
	check_database(&rep, o);
	check_signals(&rep, cfg);
	check_provider(&rep, cfg);

	if (o->json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddBoolToObject(root, "ok", rep.fails == 0);
		cJSON_AddStringToObject(root, "version", PRECEDENT_VERSION);
		cJSON_AddNumberToObject(root, "failures", rep.fails);
		cJSON_AddNumberToObject(root, "warnings", rep.warns);
		cJSON_AddItemToObject(root, "checks", rep.checks);
		rep.checks = NULL;
		char *txt = cJSON_Print(root);
		if (txt) {
			printf("%s\n", txt);
			cJSON_free(txt);
		}
		cJSON_Delete(root);
	} else if (rep.fails) {
		printf("doctor: %d problem%s to fix, %d warning%s\n", rep.fails,
		       rep.fails == 1 ? "" : "s", rep.warns, rep.warns == 1 ? "" : "s");
	} else {
		printf("doctor: all good (%d warning%s)\n", rep.warns, rep.warns == 1 ? "" : "s");
	}
	cJSON_Delete(rep.checks);
	config_free(cfg);
	free(self);
	return rep.fails ? 1 : 0;
}

int install_command(int argc, char **argv)
{
	struct opts o;
	int rc;

	if (argc < 1 || !argv[0])
		return usage(NULL);
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (strcmp(argv[0], "install") == 0)
		rc = cmd_install(&o);
	else if (strcmp(argv[0], "uninstall") == 0)
		rc = cmd_uninstall(&o);
	else if (strcmp(argv[0], "doctor") == 0)
		rc = cmd_doctor(&o);
	else
		return usage(NULL);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 1;
	return rc;
}

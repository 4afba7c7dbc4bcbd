/*
 * install.h - per-user registration of precedent-host with the browsers.
 *
 * `install` writes one native messaging host manifest per browser (Chrome,
 * Chromium, Edge, Brave: allowed_origins; Firefox: allowed_extensions) with the
 * absolute path of this binary, atomically, and a receipt listing exactly what
 * it wrote and which directories it created. `uninstall` removes the receipt's
 * files (only those that still point to the recorded binary), the directories it
 * created (only when empty) and the receipt. `doctor` checks the registrations,
 * the binary, the database, the configuration and the provider, and says what to
 * fix.
 *
 * Ownership: nothing global; every string returned is the caller's to free().
 * Paths honour HOME, XDG_CONFIG_HOME and XDG_DATA_HOME.
 */
#ifndef PRECEDENT_INSTALL_H
#define PRECEDENT_INSTALL_H

#define INSTALL_HOST_NAME "io.precedent.host"
#define INSTALL_DESCRIPTION "Precedent: local-first support reply drafting (native host)"
/* The Chromium extension id, fixed by the "key" in extension/manifest.json
 * (manifests/extension-id.txt and extension-key.txt hold the same). */
#define INSTALL_EXTENSION_ID "bobbbohfagmeilponeeemcldbikfkjkh"
/* browser_specific_settings.gecko.id of the Firefox build. */
#define INSTALL_FIREFOX_ID "precedent@precedent.io"
/* Chromium extension ids one manifest may allow (--extension-id is repeatable). */
#define INSTALL_EXTENSION_IDS_MAX 8
/* The receipt's file name under $XDG_DATA_HOME/precedent/. */
#define INSTALL_RECEIPT_NAME "install-receipt.json"

typedef enum install_browser {
	INSTALL_CHROME = 0,
	INSTALL_CHROMIUM,
	INSTALL_EDGE,
	INSTALL_BRAVE,
	INSTALL_FIREFOX,
	INSTALL_BROWSER_COUNT
} install_browser_t;

typedef enum install_os { INSTALL_OS_LINUX = 0, INSTALL_OS_MACOS } install_os_t;

/*
 * Runs `install`, `uninstall` or `doctor`: argv[0] names the command, the rest
 * are its options (--browser B, --extension-id ID, --firefox-id ID, --host-path P,
 * --dry-run, --json, --db PATH, --os linux|macos). Messages for a person go to
 * stderr, reports to stdout. Returns the exit status: 0 success, 1 user error
 * or failed check, 2 usage.
 */
int install_command(int argc, char **argv);

/* "chrome", "chromium", "edge", "brave", "firefox"; NULL when out of range. */
const char *install_browser_name(install_browser_t b);
/* The browser named name, or -1. */
int install_browser_from_name(const char *name);

/*
 * The directory where browser b looks for per-user manifests on os, derived from
 * HOME / XDG_CONFIG_HOME. Returns 0 with *out (caller frees), or
 * PRECEDENT_ECONFIG when HOME cannot be determined.
 */
int install_manifest_dir(install_browser_t b, install_os_t os, char **out /* OUT */);

/*
 * The manifest text for browser b: host_path must be absolute; ext_id is the
 * Chromium extension id (32 letters a-p), or several separated by commas (at most
 * INSTALL_EXTENSION_IDS_MAX); firefox_id the gecko id. Returns 0 with
 * *out (caller frees), or PRECEDENT_EINVAL naming nothing (check the ids first
 * with install_valid_extension_id / install_valid_firefox_id).
 */
int install_manifest_json(install_browser_t b, const char *host_path, const char *ext_id,
			  const char *firefox_id, char **out /* OUT */);

/* 1 if id is a Chromium extension id (exactly 32 characters a..p). */
int install_valid_extension_id(const char *id);
/* 1 if id looks like a gecko id: an email-like "name@domain" or a "{uuid}". */
int install_valid_firefox_id(const char *id);

/* The receipt's path ($XDG_DATA_HOME/precedent/install-receipt.json). 0 or ECONFIG. */
int install_receipt_path(char **out /* OUT */);

#endif

/*
 * test_install.c - host/install.c: ids, manifest text and per-browser directories.
 * (tests/integration/test_install.py drives install/uninstall/doctor end to end.)
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/install.h"

#include <cjson/cJSON.h>

static void test_extension_ids_are_32_letters_a_to_p(void **state)
{
	(void)state;
	assert_true(install_valid_extension_id(INSTALL_EXTENSION_ID));
	assert_true(install_valid_extension_id("pppppppppppppppppppppppppppppppp"));
	assert_false(install_valid_extension_id("qppppppppppppppppppppppppppppppp"));
	assert_false(install_valid_extension_id("ppppppppppppppppppppppppppppppp"));
	assert_false(install_valid_extension_id("Pppppppppppppppppppppppppppppppp"));
	assert_false(install_valid_extension_id(""));
	assert_false(install_valid_extension_id(NULL));
}

static void test_firefox_ids_are_email_like_or_braced_uuids(void **state)
{
	(void)state;
	assert_true(install_valid_firefox_id(INSTALL_FIREFOX_ID));
	assert_true(install_valid_firefox_id("{12345678-abcd-ABCD-1234-123456789abc}"));
	assert_false(install_valid_firefox_id("{12345678-abcd-ABCD-1234-123456789abg}"));
	assert_false(install_valid_firefox_id("{12345678abcd-ABCD-1234-123456789abcd}"));
	assert_false(install_valid_firefox_id("no-at-sign"));
	assert_false(install_valid_firefox_id("a@b@c"));
	assert_false(install_valid_firefox_id("a\"b@c"));
	assert_false(install_valid_firefox_id("@c"));
	assert_false(install_valid_firefox_id("c@"));
}

static cJSON *manifest(install_browser_t b, const char *path)
{
	char *txt = NULL;
	assert_int_equal(
	    install_manifest_json(b, path, INSTALL_EXTENSION_ID, INSTALL_FIREFOX_ID, &txt), 0);
	cJSON *m = cJSON_Parse(txt);
	free(txt);
	assert_non_null(m);
	return m;
}

static void test_chromium_manifest_allows_the_extension_origin(void **state)
{
	(void)state;
	cJSON *m = manifest(INSTALL_BRAVE, "/opt/p/precedent-host");
	assert_string_equal(cJSON_GetObjectItem(m, "name")->valuestring, "io.precedent.host");
	assert_string_equal(cJSON_GetObjectItem(m, "type")->valuestring, "stdio");
	assert_string_equal(cJSON_GetObjectItem(m, "path")->valuestring, "/opt/p/precedent-host");
	cJSON *o = cJSON_GetObjectItem(m, "allowed_origins");
	assert_int_equal(cJSON_GetArraySize(o), 1);
	assert_string_equal(cJSON_GetArrayItem(o, 0)->valuestring,
			    "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/");
	assert_null(cJSON_GetObjectItem(m, "allowed_extensions"));
	cJSON_Delete(m);
}

static void test_firefox_manifest_allows_the_addon_id(void **state)
{
	(void)state;
	cJSON *m = manifest(INSTALL_FIREFOX, "/opt/p/precedent-host");
	cJSON *e = cJSON_GetObjectItem(m, "allowed_extensions");
	assert_int_equal(cJSON_GetArraySize(e), 1);
	assert_string_equal(cJSON_GetArrayItem(e, 0)->valuestring, "precedent@precedent.io");
	assert_null(cJSON_GetObjectItem(m, "allowed_origins"));
	cJSON_Delete(m);
}

static void test_manifest_may_allow_several_extension_ids(void **state)
{
	(void)state;
	char *txt = NULL;
	assert_int_equal(install_manifest_json(INSTALL_CHROME, "/p",
					       INSTALL_EXTENSION_ID
					       ",aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					       INSTALL_FIREFOX_ID, &txt),
			 0);
	cJSON *m = cJSON_Parse(txt);
	free(txt);
	cJSON *o = cJSON_GetObjectItem(m, "allowed_origins");
	assert_int_equal(cJSON_GetArraySize(o), 2);
	assert_string_equal(cJSON_GetArrayItem(o, 1)->valuestring,
			    "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/");
	cJSON_Delete(m);
	txt = NULL;
	assert_int_equal(install_manifest_json(INSTALL_CHROME, "/p", INSTALL_EXTENSION_ID ",",
					       INSTALL_FIREFOX_ID, &txt),
			 PRECEDENT_EINVAL);
	assert_int_equal(install_manifest_json(INSTALL_CHROME, "/p", "," INSTALL_EXTENSION_ID,
					       INSTALL_FIREFOX_ID, &txt),
			 PRECEDENT_EINVAL);
	assert_null(txt);
}

static void test_manifest_refuses_relative_paths_and_bad_ids(void **state)
{
	(void)state;
	char *txt = NULL;
	assert_int_equal(install_manifest_json(INSTALL_CHROME, "precedent-host",
					       INSTALL_EXTENSION_ID, INSTALL_FIREFOX_ID, &txt),
			 PRECEDENT_EINVAL);
	assert_int_equal(install_manifest_json(INSTALL_CHROME, "/p", "x", INSTALL_FIREFOX_ID, &txt),
			 PRECEDENT_EINVAL);
	assert_int_equal(
	    install_manifest_json(INSTALL_FIREFOX, "/p", INSTALL_EXTENSION_ID, "x", &txt),
	    PRECEDENT_EINVAL);
	assert_int_equal(install_manifest_json(INSTALL_BROWSER_COUNT, "/p", INSTALL_EXTENSION_ID,
					       INSTALL_FIREFOX_ID, &txt),
			 PRECEDENT_EINVAL);
	assert_null(txt);
}

static void expect_dir(install_browser_t b, install_os_t os, const char *want)
{
	char *dir = NULL;
	assert_int_equal(install_manifest_dir(b, os, &dir), 0);
	assert_string_equal(dir, want);
	free(dir);
}

static void test_directories_per_browser_and_os(void **state)
{
	(void)state;
	setenv("HOME", "/home/agent", 1);
	unsetenv("XDG_CONFIG_HOME");
	expect_dir(INSTALL_CHROME, INSTALL_OS_LINUX,
		   "/home/agent/.config/google-chrome/NativeMessagingHosts");
	expect_dir(INSTALL_CHROMIUM, INSTALL_OS_LINUX,
		   "/home/agent/.config/chromium/NativeMessagingHosts");
	expect_dir(INSTALL_EDGE, INSTALL_OS_LINUX,
		   "/home/agent/.config/microsoft-edge/NativeMessagingHosts");
	expect_dir(INSTALL_BRAVE, INSTALL_OS_LINUX,
		   "/home/agent/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts");
	expect_dir(INSTALL_FIREFOX, INSTALL_OS_LINUX,
		   "/home/agent/.mozilla/native-messaging-hosts");
	expect_dir(INSTALL_CHROME, INSTALL_OS_MACOS,
		   "/home/agent/Library/Application Support/Google/Chrome/NativeMessagingHosts");
	expect_dir(INSTALL_EDGE, INSTALL_OS_MACOS,
		   "/home/agent/Library/Application Support/Microsoft Edge/NativeMessagingHosts");
	expect_dir(INSTALL_FIREFOX, INSTALL_OS_MACOS,
		   "/home/agent/Library/Application Support/Mozilla/NativeMessagingHosts");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	expect_dir(INSTALL_CHROMIUM, INSTALL_OS_LINUX, "/cfg/chromium/NativeMessagingHosts");
	expect_dir(INSTALL_FIREFOX, INSTALL_OS_LINUX,
		   "/home/agent/.mozilla/native-messaging-hosts");
	setenv("XDG_CONFIG_HOME", "relative", 1);
	expect_dir(INSTALL_CHROMIUM, INSTALL_OS_LINUX,
		   "/home/agent/.config/chromium/NativeMessagingHosts");
	unsetenv("XDG_CONFIG_HOME");

	setenv("XDG_DATA_HOME", "/data", 1);
	char *r = NULL;
	assert_int_equal(install_receipt_path(&r), 0);
	assert_string_equal(r, "/data/precedent/install-receipt.json");
	free(r);
	unsetenv("XDG_DATA_HOME");
}

static void test_browser_names_round_trip(void **state)
{
	(void)state;
	for (int b = 0; b < INSTALL_BROWSER_COUNT; b++)
		assert_int_equal(
		    install_browser_from_name(install_browser_name((install_browser_t)b)), b);
	assert_int_equal(install_browser_from_name("google-chrome"), INSTALL_CHROME);
	assert_int_equal(install_browser_from_name("opera"), -1);
	assert_null(install_browser_name(INSTALL_BROWSER_COUNT));
}

static void test_usage_errors_exit_2(void **state)
{
	(void)state;
	char *a1[] = {"install", "--browser", "opera", NULL};
	char *a2[] = {"install", "--extension-id", NULL};
	char *a3[] = {"reinstall", NULL};
	assert_int_equal(install_command(3, a1), 2);
	assert_int_equal(install_command(2, a2), 2);
	assert_int_equal(install_command(1, a3), 2);
	assert_int_equal(install_command(0, a3), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_extension_ids_are_32_letters_a_to_p),
	    cmocka_unit_test(test_firefox_ids_are_email_like_or_braced_uuids),
	    cmocka_unit_test(test_chromium_manifest_allows_the_extension_origin),
	    cmocka_unit_test(test_firefox_manifest_allows_the_addon_id),
	    cmocka_unit_test(test_manifest_may_allow_several_extension_ids),
	    cmocka_unit_test(test_manifest_refuses_relative_paths_and_bad_ids),
	    cmocka_unit_test(test_directories_per_browser_and_os),
	    cmocka_unit_test(test_browser_names_round_trip),
	    cmocka_unit_test(test_usage_errors_exit_2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_redact.c - host/redact.c: every detector with positives and look-alike
 * negatives, overlap resolution, placeholder stability, rehydration, UTF-8 edges,
 * custom patterns, failing closed, and concurrent use of one redactor.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/redact.h"
#include "precedent/util.h"

#include <pthread.h>

static redactor_t *R;

static int setup(void **state)
{
	char err[256];
	(void)state;
	return redactor_new(NULL, 0, &R, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	redactor_free(R);
	return 0;
}

/* The type of the span that covers value exactly within text, -1 if none covers it at all,
 * -2 if a span covers only part of it or more than it. */
static int span_type_of(const redactor_t *r, const char *text, const char *value,
			const redact_hints_t *h)
{
	redact_span_t *sp;
	size_t n;
	const char *p = strstr(text, value);
	assert_non_null(p);
	size_t s = (size_t)(p - text), e = s + strlen(value);
	assert_int_equal(redact_find(r, text, strlen(text), h, &sp, &n), 0);
	int type = -1;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].end <= s || sp[i].start >= e)
			continue;
		type = (sp[i].start == s && sp[i].end == e) ? (int)sp[i].type : -2;
		break;
	}
	free(sp);
	return type;
}

typedef struct tcase {
	const char *text;
	const char *value;
	int type; /* pii_type_t, or -1: value must not be touched */
} tcase_t;

static void run_cases(const tcase_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = span_type_of(R, c[i].text, c[i].value, NULL);
		if (got != c[i].type)
			fail_msg("%s: \"%s\" in \"%s\": expected %s, got %s",
				 c[i].type >= 0 ? "positive" : "negative", c[i].value, c[i].text,
				 c[i].type >= 0 ? pii_type_name(c[i].type) : "untouched",
				 got >= 0    ? pii_type_name(got)
				 : got == -1 ? "untouched"
					     : "a partial span");
	}
}

#define RUN(arr) run_cases(arr, sizeof arr / sizeof arr[0])

static void test_email_addresses_are_found_and_file_names_kept(void **state)
{
	static const tcase_t c[] = {
	    {"Please reply to noah_b+billing@mail.co.uk instead.", "noah_b+billing@mail.co.uk",
	     PII_EMAIL},
	    {"Contact: oscar@mail.co.uk", "oscar@mail.co.uk", PII_EMAIL},
	    {"<J.Smith@Example.ORG>", "J.Smith@Example.ORG", PII_EMAIL},
	    {"mailto:anna-lena.ops@fjord.no.", "anna-lena.ops@fjord.no", PII_EMAIL},
	    {"écrivez à jürgen@müller.de merci", "jürgen@müller.de", PII_EMAIL},
	    {"see the screenshot logo@2x.png attached", "logo@2x.png", -1},
	    {"ssh root@localhost fails", "root@localhost", -1},
	    {"npm i left-pad@1.3.0", "left-pad@1.3.0", -1},
	};
	(void)state;
	RUN(c);
}

static void test_luhn_valid_cards_are_found_and_invalid_kept(void **state)
{
	static const tcase_t c[] = {
	    {"I updated the card to 4111 1111 1111 1111 yesterday.", "4111 1111 1111 1111",
	     PII_CARD},
	    {"card 5555-5555-5555-4444 failed", "5555-5555-5555-4444", PII_CARD},
	    {"Amex 378282246310005 exp 09/27", "378282246310005", PII_CARD},
	    {"Amex 3782 822463 10005 ok", "3782 822463 10005", PII_CARD},
	    {"card 4111 1111 1111 1111 12/27", "4111 1111 1111 1111", PII_CARD},
	    {"exp 09/27 CVV 123 thanks", "123", PII_CARD},
	    {"the security code: 4321.", "4321", PII_CARD},
	    {"we have 123 open tickets", "123", -1},
	    {"the reference is 4111 1111 1111 1112 on the statement", "4111 1111 1111 1112", -1},
	    {"batch 5596133069303139 in the log", "5596133069303139", -1},
	    {"tracking 9111111111111111 is valid Luhn but no card", "9111111111111111", -1},
	    {"mixed 4111 1111-1111 1111 separators", "4111 1111-1111 1111", -1},
	};
	(void)state;
	RUN(c);
}

static void test_iban_mod97_and_country_length(void **state)
{
	static const tcase_t c[] = {
	    {"Please refund to IBAN DE89 3704 0044 0532 0130 00 as agreed.",
	     "DE89 3704 0044 0532 0130 00", PII_IBAN},
	    {"IBAN: GB82WEST12345698765432", "GB82WEST12345698765432", PII_IBAN},
	    {"iban gb82 west 1234 5698 7654 32.", "gb82 west 1234 5698 7654 32", PII_IBAN},
	    {"Bank: DE89 3704 0044 0532 0130 00 AS AGREED", "DE89 3704 0044 0532 0130 00",
	     PII_IBAN},
	    {"wrong check digit DE88 3704 0044 0532 0130 00 here", "DE88 3704 0044 0532 0130 00",
	     -1},
	    {"wrong length DE89 3704 0044 0532 0130 0 here", "DE89 3704 0044 0532 0130 0", -1},
	    {"unknown country XX89 3704 0044 0532 0130 00 here", "XX89 3704 0044 0532 0130 00", -1},
	};
	(void)state;
	RUN(c);
}

static void test_failed_iban_is_not_split_into_cards_or_phones(void **state)
{
	/* the digit groups of a mistyped IBAN are no separate numbers */
	static const tcase_t c[] = {
	    {"The batch id was DE76 8899 0787 0800 6146 54 in the log.", "0800 6146 54", -1},
	    {"The batch id was IT98 0256 5993 5288 6241 2095 777 in the log.",
	     "5993 5288 6241 2095 777", -1},
	};
	(void)state;
	RUN(c);
}

static void test_ssn_area_group_serial_rules(void **state)
{
	static const tcase_t c[] = {
	    {"For the W-9 the SSN is 549-13-5992.", "549-13-5992", PII_SSN},
	    {"Employee SSN 001-51-8976 shows up", "001-51-8976", PII_SSN},
	    {"ssn 549 13 5992 ok", "549 13 5992", PII_SSN},
	    {"SSN: 549135992", "549135992", PII_SSN},
	    {"social security number is 549135992.", "549135992", PII_SSN},
	    {"Form code 000-12-3456 is printed", "000-12-3456", -1},
	    {"Form code 666-12-3456 is printed", "666-12-3456", -1},
	    {"Form code 912-34-5678 is printed", "912-34-5678", -1},
	    {"Form code 123-00-4567 is printed", "123-00-4567", -1},
	    {"Form code 321-45-0000 is printed", "321-45-0000", -1},
	    {"the ad SSN 078-05-1120 was never issued", "078-05-1120", -1},
	    {"order 549135992 shipped", "549135992", -1},
	    {"range 549-13-5992-01 continues", "549-13-5992-01", -1},
	};
	(void)state;
	RUN(c);
}

static void test_ip_addresses_and_version_look_alikes(void **state)
{
	static const tcase_t c[] = {
	    {"Our egress IP is 216.24.242.70 now.", "216.24.242.70", PII_IP},
	    {"from 10.0.12.7:8443 over TLS", "10.0.12.7", PII_IP},
	    {"Requests from 8e40:461b:dc6d:8e8d:d4a1:b7b0:c2c9:7625 are blocked",
	     "8e40:461b:dc6d:8e8d:d4a1:b7b0:c2c9:7625", PII_IP},
	    {"fe80::1ff:fe23:4567:890a%eth0 is the link", "fe80::1ff:fe23:4567:890a%eth0", PII_IP},
	    {"peer 2001:db8::8a2e:370:7334 dropped", "2001:db8::8a2e:370:7334", PII_IP},
	    {"mapped ::ffff:192.0.2.128 seen", "::ffff:192.0.2.128", PII_IP},
	    {"We are on build v1.14.11.172 of the agent.", "1.14.11.172", -1},
	    {"after upgrading to version 10.2.3.4 it broke", "10.2.3.4", -1},
	    {"see section 1.2.3.4 of the manual", "1.2.3.4", -1},
	    {"running ver. 4.3.2.1 since May", "4.3.2.1", -1},
	    {"release 2.18.5 fixed it", "2.18.5", -1},
	    {"OID 1.3.6.1.4.1 in the MIB", "1.3.6.1", -1},
	    {"bad octet 256.1.1.1 here", "256.1.1.1", -1},
	    {"localhost 127.0.0.1 and 0.0.0.0 and 255.255.255.0", "127.0.0.1", -1},
	    {"The error appears at 13:52:58.999 in the trace.", "13:52:58", -1},
	    {"loopback ::1 only", "::1", -1},
	    {"MAC 00:1a:2b:3c:4d:5e on the card", "00:1a:2b:3c:4d:5e", -1},
	};
	(void)state;
	RUN(c);
}

static void test_phone_numbers_and_number_look_alikes(void **state)
{
	static const tcase_t c[] = {
	    {"Tel. +49 30 479146", "+49 30 479146", PII_PHONE},
	    {"You can call me on +1 (227) 743-9803 after 3pm.", "+1 (227) 743-9803", PII_PHONE},
	    {"Tel. +44 20 8637 2683", "+44 20 8637 2683", PII_PHONE},
	    {"+33 6 72 22 12 35 if the sync fails", "+33 6 72 22 12 35", PII_PHONE},
	    {"+4930479146 works", "+4930479146", PII_PHONE},
	    {"+49 (0)30 479146 works", "+49 (0)30 479146", PII_PHONE},
	    {"0049 30 479146 works", "0049 30 479146", PII_PHONE},
	    {"Our on-call number is 852.540.2421 if", "852.540.2421", PII_PHONE},
	    {"ring (816) 201-1171 today", "(816) 201-1171", PII_PHONE},
	    {"ring 1-800-555-0199 today", "1-800-555-0199", PII_PHONE},
	    {"UK office 020 7946 0958 or", "020 7946 0958", PII_PHONE},
	    {"Büro 030 1234567 bitte", "030 1234567", PII_PHONE},
	    {"mobile: 5551234567", "5551234567", PII_PHONE},
	    {"call me at 555 1234 please", "555 1234", PII_PHONE},
	    {"It started on 2024-03-06 after the upgrade.", "2024-03-06", -1},
	    {"on 05-05-2019 14:30 it failed", "05-05-2019", -1},
	    {"The error appears at 13:52:58.999 in the trace.", "13:52:58.999", -1},
	    {"We were billed $37,833.59 instead", "$37,833.59", -1},
	    {"Order ORD-51554798 never arrived.", "ORD-51554798", -1},
	    {"Container 7aaeb26c57d2 restarted.", "7aaeb26c57d2", -1},
	    {"example 123-456-7890 is no real number", "123-456-7890", -1},
	    /* the tail of a longer row of numbers (a card failing Luhn) is no phone */
	    {"ref 4338 0141 2690 6046 on the slip", "0141 2690 6046", -1},
	    {"ref 4338 415 555 2671 on the slip", "415 555 2671", -1},
	    {"invoice 4155552671 is overdue", "4155552671", -1},
	    {"+1 555 0100 is too short", "+1 555 0100", -1},
	    {"up +12.5% since", "+12.5", -1},
	    {"mobile: 2024-03-06", "2024-03-06", -1},
	};
	(void)state;
	RUN(c);
}

static void test_urls_with_credentials_or_tokens(void **state)
{
	static const tcase_t c[] = {
	    {"clone https://deploy:s3cr3tPass@git.example.com/repo.git now", "deploy:s3cr3tPass",
	     PII_URL},
	    {"callback https://api.example.com/cb?user=7&access_token=ab12cd34ef56 fails",
	     "ab12cd34ef56", PII_URL},
	    {"signed "
	     "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=f00dbabe1234&X-Amz-Expires=60",
	     "f00dbabe1234", PII_URL},
	    {"docs https://docs.example.com/guide?page=2#setup are fine",
	     "https://docs.example.com/guide?page=2#setup", -1},
	    {"ssh://git@github.com/acme/repo.git is public", "git", -1},
	};
	(void)state;
	RUN(c);
}

static void test_secrets_keys_and_tokens(void **state)
{
	static const tcase_t c[] = {
	    {"Here is the key we use: AKIAE2ANENHPHSGMARD3 (please don't share)",
	     "AKIAE2ANENHPHSGMARD3", PII_SECRET},
	    {"Authorization: Bearer "
	     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	     PII_SECRET},
	    {"Authorization: Bearer 9f8e7d6c5b4a39281706f5e4", "9f8e7d6c5b4a39281706f5e4",
	     PII_SECRET},
	    {"OPENAI key sk-proj-abcDEF1234567890ghijKLMN in env",
	     "sk-proj-abcDEF1234567890ghijKLMN", PII_SECRET},
	    {"token ghp_16C7e42F292c6912E7710c838347Ae178B4a here",
	     "ghp_16C7e42F292c6912E7710c838347Ae178B4a", PII_SECRET},
	    {"slack xoxb-1234567890-abcdefghij ok", "xoxb-1234567890-abcdefghij", PII_SECRET},
	    {"config password=hunter22 in the file", "hunter22", PII_SECRET},
	    {"\"api_key\": \"8f3a9c2b7d1e4f60a5b3\"", "8f3a9c2b7d1e4f60a5b3", PII_SECRET},
	    {"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", PII_SECRET},
	    {"my password is Winter2024! thanks", "Winter2024!", PII_SECRET},
	    {"blob Zx9KpQ2mW7vR4tY8uB3nC6dF1gH5jL0sA2 in the log",
	     "Zx9KpQ2mW7vR4tY8uB3nC6dF1gH5jL0sA2", PII_SECRET},
	    {"the token expired yesterday", "expired", -1},
	    {"Bearer authentication is failing", "authentication", -1},
	    {"password=**** (masked)", "****", -1},
	    {"max_tokens=4096 in the request", "4096", -1},
	    {"commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
	     "3f786850e387550fdab836ed7e6dc881de23001b", -1},
	    {"author: Jane", "Jane", -1},
	};
	(void)state;
	RUN(c);
}

static void test_log_lines_and_identifiers_survive(void **state)
{
	/* numbers that fill real tickets: none is personal data */
	const char *t =
	    "Error 0x80070005 at 2024-03-06T13:52:58.123Z in module auth (pid 4242).\n"
	    "Took 1234 ms, 56.7 MB, p99 250ms, 12,345 requests, 99.95% uptime.\n"
	    "Invoice INV-2024-000123, PO 4500012345, case 00123456, SR#7654321.\n"
	    "Windows 10.0.19045.3803, Chrome 120.0.6099.130, build 6.1.7601.24545, kernel "
	    "5.15.0.91.\n"
	    "SQLSTATE 23505, HTTP 503, port 8080, listening on 127.0.0.1:8080 and 0.0.0.0:443.\n"
	    "ISBN 978-3-16-148410-0, GUID 123e4567-e89b-12d3-a456-426614174000.\n"
	    "Dates: 03/06/2024, 06.03.2024, 2024/03/06, 6 March 2024, Q3 2024, FY2024.\n"
	    "Times: 10:30:00, T10:30:00+02:00, UTC+5, 09:00-17:30 CET.\n"
	    "Amount: 1,234,567.89 EUR, -0.5%, +12.5%, 3 x 250 units.\n"
	    "Coordinates 52.5200, 13.4050; resolution 1920x1080; ratio 16:9.\n"
	    "Stack: at com.acme.Foo.bar(Foo.java:123) at line 1234, column 56.\n"
	    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.\n"
	    "Commit 3f786850e387550fdab836ed7e6dc881de23001b, image acme/web:1.14.2.\n"
	    "Heap 2048m, Xss 512k, timeout=30s, retries: 3, max_connections = 100.\n"
	    "Token limit: 4096 tokens; session_timeout=3600; secret_santa: Bob.\n"
	    "See section 4.2.1.3 and RFC 7231 section 6.5.1; table 2.1.1.1.\n"
	    "The key to success is patience. Password reset link expired. token: invalid\n"
	    "Phone field is empty. Call us today. Text me later.\n";
	redact_span_t *sp;
	size_t n;
	(void)state;
	assert_int_equal(redact_find(R, t, strlen(t), NULL, &sp, &n), 0);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "unexpected %s span: %.*s\n", pii_type_name(sp[i].type),
			(int)(sp[i].end - sp[i].start), t + sp[i].start);
	assert_int_equal(n, 0);
	free(sp);
}

static void test_international_formats_are_found(void **state)
{
	static const tcase_t c[] = {
	    {"email JOHN.DOE@ACME-CORP.COM now", "JOHN.DOE@ACME-CORP.COM", PII_EMAIL},
	    {"or john.doe+support@sub.mail.example.co.uk.",
	     "john.doe+support@sub.mail.example.co.uk", PII_EMAIL},
	    {"Phone: +1-415-555-2671,", "+1-415-555-2671", PII_PHONE},
	    {"UK mobile 07700 900123, ok", "07700 900123", PII_PHONE},
	    {"DE 030/12345678. ok", "030/12345678", PII_PHONE},
	    {"FR: 01 23 45 67 89, ok", "01 23 45 67 89", PII_PHONE},
	    {"IN +91 98765 43210, ok", "+91 98765 43210", PII_PHONE},
	    {"JP +81 3-1234-5678. ok", "+81 3-1234-5678", PII_PHONE},
	    {"JCB 3530111333300000 ok", "3530111333300000", PII_CARD},
	    {"Diners 30569309025904 ok", "30569309025904", PII_CARD},
	    {"MC 2223003122003222 ok", "2223003122003222", PII_CARD},
	    {"IBAN FR1420041010050500013M02606 ok", "FR1420041010050500013M02606", PII_IBAN},
	    {"IBAN CH9300762011623852957 ok", "CH9300762011623852957", PII_IBAN},
	    {"IP 2a00:1450:4001:81a::200e ok", "2a00:1450:4001:81a::200e", PII_IP},
	    {"stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc ok", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	     PII_SECRET},
	    {"google AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe ok",
	     "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", PII_SECRET},
	    {"DATABASE_URL=postgres://admin:hunter2@db.internal:5432/app", "admin:hunter2",
	     PII_URL},
	    {"curl -H \"X-Api-Key: 3f8a9c2b7d1e4f60a5b3c8d9\" https://api.acme.com",
	     "3f8a9c2b7d1e4f60a5b3c8d9", PII_SECRET},
	    {"{\"password\": \"correct horse\"}", "correct horse", PII_SECRET},
	    {"db_password: sunshine", "sunshine", PII_SECRET},
	    {"userPwd=Sup3rS3cret!", "Sup3rS3cret!", PII_SECRET},
	    {"Samsung Pass: Access your accounts", "Access", -1},
	    {"Compass: Identify compass directions.", "Identify", -1},
	    {"Basic Requirement Both you and the", "Requirement", -1},
	    {"any basic Apache+PHP capable computer", "Apache+PHP", -1},
	    {"https://script.google.com/macros/s/"
	     "AKfycby6G32K-vKCiLmoKvMtG64cYPHEREEx1PY5IoYrEYaR6WAfbXs/exec",
	     "macros", -1},
	};
	(void)state;
	RUN(c);
}

/* ---- generated values: valid ones must all go, look-alikes must all stay ---- */

static uint64_t prng = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n)
{
	prng ^= prng << 13;
	prng ^= prng >> 7;
	prng ^= prng << 17;
	return (unsigned)(prng % n);
}

/* Fills d[0..n) starting with prefix, last digit making the Luhn sum 0 (or not, if bad). */
static void gen_card(char *d, size_t n, const char *prefix, int bad)
{
	size_t pl = strlen(prefix);
	int sum = 0;
	memcpy(d, prefix, pl);
	for (size_t i = pl; i + 1 < n; i++)
		d[i] = (char)('0' + rnd(10));
	for (size_t i = 0; i + 1 < n; i++) {
		int v = d[n - 2 - i] - '0';
		if (!(i & 1)) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	d[n - 1] = (char)('0' + ((10 - sum % 10) % 10 + (bad ? 1 : 0)) % 10);
	d[n] = 0;
}

/* A numeric-BBAN IBAN of total length n for cc with correct (or wrong) check digits. */
static void gen_iban(char *out, const char *cc, size_t n, int bad)
{
	char bban[40];
	unsigned r = 0;
	for (size_t i = 0; i + 4 < n; i++)
		bban[i] = (char)('0' + rnd(10));
	bban[n - 4] = 0;
	for (size_t i = 0; bban[i]; i++)
		r = (r * 10 + (unsigned)(bban[i] - '0')) % 97;
	for (int i = 0; i < 2; i++)
		r = (r * 100 + (unsigned)(cc[i] - 'A' + 10)) % 97;
	r = (r * 100) % 97;
	unsigned chk = 98 - r;
	if (bad)
		chk = chk == 98 ? 2 : chk + 1;
	snprintf(out, 48, "%s%02u%s", cc, chk, bban);
}

/* Spaces every 4 characters. */
static void group4(char *out, const char *in)
{
	size_t o = 0;
	for (size_t i = 0; in[i]; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = in[i];
	}
	out[o] = 0;
}

static void check_generated(const char *value, int type)
{
	char text[160];
	snprintf(text, sizeof text, "Please check %s today.", value);
	int got = span_type_of(R, text, value, NULL);
	if (got != type)
		fail_msg("generated %s \"%s\": got %s",
			 type >= 0 ? pii_type_name(type) : "look-alike", value,
			 got >= 0    ? pii_type_name(got)
			 : got == -1 ? "untouched"
				     : "partial");
}

static void test_generated_values_and_look_alikes(void **state)
{
	static const char *const card_prefixes[] = {"4", "51", "55", "2221", "6011", "65", "3530"};
	static const struct {
		const char *cc;
		size_t n;
	} ibans[] = {{"DE", 22}, {"FR", 27}, {"GB", 22}, {"NL", 18}, {"ES", 24}, {"IT", 27},
		     {"BE", 16}, {"AT", 20}, {"CH", 21}, {"PL", 28}, {"SE", 24}, {"NO", 15}};
	char v[64], g[80];
	(void)state;
	for (int i = 0; i < 150; i++) {
		int bad = i & 1;
		gen_card(v, 16, card_prefixes[rnd(7)], bad);
		check_generated(v, bad ? -1 : PII_CARD);
		group4(g, v);
		check_generated(g, bad ? -1 : PII_CARD);
		gen_iban(v, ibans[i % 12].cc, ibans[i % 12].n, bad);
		check_generated(v, bad ? -1 : PII_IBAN);
		group4(g, v);
		check_generated(g, bad ? -1 : PII_IBAN);
		unsigned area = 1 + rnd(899);
		snprintf(v, sizeof v, "%03u-%02u-%04u", area == 666 ? 667 : area, 1 + rnd(99),
			 1 + rnd(9999));
		check_generated(v, PII_SSN);
		snprintf(v, sizeof v, "%s-%02u-%04u", bad ? "000" : "666", 1 + rnd(99),
			 1 + rnd(9999));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%u.%u.%u.%u", 1 + rnd(126), rnd(256), rnd(256), rnd(256));
		check_generated(v, PII_IP);
		snprintf(v, sizeof v, "%x:%x:%x:%x:%x:%x:%x:%x", 0x2000 + rnd(0x1000), rnd(0x10000),
			 rnd(0x10000), rnd(0x10000), rnd(0x10000), rnd(0x10000), rnd(0x10000),
			 rnd(0x10000));
		check_generated(v, PII_IP);
		snprintf(v, sizeof v, "+1 (%u) %u-%04u", 201 + rnd(98), 200 + rnd(800), rnd(10000));
		check_generated(v, PII_PHONE);
		snprintf(v, sizeof v, "+44 20 %04u %04u", rnd(10000), rnd(10000));
		check_generated(v, PII_PHONE);
		/* look-alikes */
		snprintf(v, sizeof v, "%04u-%02u-%02u", 1990 + rnd(40), 1 + rnd(12), 1 + rnd(28));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%02u/%02u/%04u", 1 + rnd(12), 1 + rnd(28), 1990 + rnd(40));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%02u:%02u:%02u.%03u", rnd(24), rnd(60), rnd(60), rnd(1000));
		check_generated(v, -1);
		snprintf(v, sizeof v, "v%u.%u.%u.%u", rnd(20), rnd(20), rnd(20), rnd(1000));
		check_generated(v, -1);
		snprintf(v, sizeof v, "ORD-%08u", rnd(100000000));
		check_generated(v, -1);
		snprintf(v, sizeof v, "$%u,%03u.%02u", 1 + rnd(99), rnd(1000), rnd(100));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%08x%04x", rnd(0x7fffffff), rnd(0x10000));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%08x-%04x-%04x-%04x-%08x%04x", rnd(0x7fffffff), rnd(0x10000),
			 rnd(0x10000), rnd(0x10000), rnd(0x7fffffff), rnd(0x10000));
		check_generated(v, -1);
		snprintf(v, sizeof v, "%u", 1000000000u + rnd(2000000000u));
		check_generated(v, -1);
	}
}

static void test_private_key_block_is_redacted_whole(void **state)
{
	const char *t = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END "
			"RSA PRIVATE KEY-----\nthanks";
	const char *v =
	    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----";
	(void)state;
	assert_int_equal(span_type_of(R, t, v, NULL), PII_SECRET);
	/* an unterminated block is redacted to the end: fail closed */
	const char *u = "key:\n-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc";
	assert_int_equal(
	    span_type_of(R, u, "-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc", NULL),
	    PII_SECRET);
}

static void test_postal_codes_and_street_addresses(void **state)
{
	static const tcase_t c[] = {
	    {"ship to 221B Baker Street, London NW1 6XE please", "221B Baker Street", PII_ADDRESS},
	    {"ship to 221B Baker Street, London NW1 6XE please", "NW1 6XE", PII_POSTAL},
	    {"office: 1600 Pennsylvania Avenue NW", "1600 Pennsylvania Avenue", PII_ADDRESS},
	    {"42 Main St. Apt 5, Springfield, IL 62704", "42 Main St. Apt 5", PII_ADDRESS},
	    {"42 Main St. Apt 5, Springfield, IL 62704", "62704", PII_POSTAL},
	    {"zip code: 94103", "94103", PII_POSTAL},
	    {"Lieferung an Hauptstraße 5, 10115 Berlin bitte", "Hauptstraße 5, 10115 Berlin",
	     PII_ADDRESS},
	    {"Adresse: Berliner Straße 12a", "Berliner Straße 12a", PII_ADDRESS},
	    {"D-80331 München", "D-80331", PII_POSTAL},
	    {"During 2020 we grew", "During 2020", -1},
	    {"we shipped 3 units to CA yesterday", "3 units", -1},
	    {"the 2 main issues are", "2 main issues", -1},
	};
	(void)state;
	RUN(c);
}

static void test_customer_name_and_email_from_hints(void **state)
{
	redact_hints_t h = {"María Okafor", "m.okafor@bigcorp.example"};
	const char *t = "Hi María, Mrs Okafor (maría okafor) wrote from M.Okafor@BigCorp.example; "
			"okafor is lower.";
	redact_map_t *m = redact_map_new();
	char *out;
	size_t ol;
	(void)state;
	assert_int_equal(span_type_of(R, t, "María", &h), PII_NAME);
	assert_int_equal(span_type_of(R, t, "maría okafor", &h), PII_NAME);
	assert_int_equal(span_type_of(R, t, "M.Okafor@BigCorp.example", &h), PII_EMAIL);
	assert_int_equal(redact_text(R, m, t, strlen(t), &h, &out, &ol), 0);
	assert_null(strstr(out, "María"));
	assert_null(strstr(out, "Okafor"));
	/* single parts match as capitalised; the lower-case word is left */
	assert_non_null(strstr(out, "okafor is lower"));
	free(out);
	redact_map_free(m);
}

static void test_overlaps_longest_wins_and_partial_overlaps_merge(void **state)
{
	/* the custom pattern takes "order 42 bob", the e-mail detector "bob@example.org": they
	 * overlap in part; the longer (EMAIL) wins and grows to the union, so nothing leaks */
	redact_custom_t cu[] = {{"ORDER", "order \\d+ [a-z]+"}};
	const char *t = "see order 42 bob@example.org now";
	redactor_t *r;
	redact_span_t *sp;
	size_t n;
	char err[128];
	(void)state;
	assert_int_equal(redactor_new(cu, 1, &r, err, sizeof err), 0);
	assert_int_equal(redact_find(r, t, strlen(t), NULL, &sp, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sp[0].type, PII_EMAIL);
	assert_int_equal(sp[0].start, (size_t)(strstr(t, "order") - t));
	assert_int_equal(sp[0].end, (size_t)(strstr(t, " now") - t));
	free(sp);
	/* in a URL, the password is no e-mail local part: only the userinfo goes */
	assert_int_equal(span_type_of(R, "use https://alice:s3cret@mail.example.com/x now",
				      "alice:s3cret", NULL),
			 PII_URL);
	redactor_free(r);
}

static void test_overlaps_equal_length_go_to_higher_priority_type(void **state)
{
	/* a custom pattern matching exactly what the e-mail detector finds: EMAIL ranks higher */
	redact_custom_t cu[] = {{"CONTACT", "[a-z]+@example\\.org"}};
	redactor_t *r;
	char err[128];
	(void)state;
	assert_int_equal(redactor_new(cu, 1, &r, err, sizeof err), 0);
	assert_int_equal(span_type_of(r, "write to bob@example.org today", "bob@example.org", NULL),
			 PII_EMAIL);
	/* a longer custom span wins over a shorter built-in one */
	redact_custom_t cu2[] = {{"TICKETREF", "REF: [a-z]+@example\\.org"}};
	redactor_t *r2;
	assert_int_equal(redactor_new(cu2, 1, &r2, err, sizeof err), 0);
	assert_int_equal(span_type_of(r2, "see REF: bob@example.org", "REF: bob@example.org", NULL),
			 PII_CUSTOM);
	redactor_free(r);
	redactor_free(r2);
}

static void test_spans_are_sorted_disjoint_and_on_code_points(void **state)
{
	const char *t =
	    "📞 +44 20 7946 0958 ✉️ jürgen@müller.de 中文4111 1111 1111 1111 عربي "
	    "e\xcc\x81 192.0.2.55";
	redact_span_t *sp;
	size_t n, len = strlen(t);
	(void)state;
	assert_int_equal(redact_find(R, t, len, NULL, &sp, &n), 0);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		assert_true(sp[i].start < sp[i].end);
		if (i)
			assert_true(sp[i - 1].end <= sp[i].start);
		assert_true(utf8_valid(t + sp[i].start, sp[i].end - sp[i].start));
		assert_true(sp[i].start == 0 || (t[sp[i].start] & 0xC0) != 0x80);
		assert_true(sp[i].end == len || (t[sp[i].end] & 0xC0) != 0x80);
	}
	free(sp);
}

static void test_utf8_text_around_pii_survives_intact(void **state)
{
	const char *t = "Привет! 你好 👩🏽‍💻 שלום maria42@fjord.no نص "
			"e\xcc\x81t\xc3\xa9 "
			"IP "
			"203.0.113.9.";
	redact_map_t *m = redact_map_new();
	char *out;
	size_t ol;
	(void)state;
	assert_int_equal(redact_text(R, m, t, strlen(t), NULL, &out, &ol), 0);
	assert_true(utf8_valid(out, ol));
	assert_string_equal(
	    out,
	    "Привет! 你好 👩🏽‍💻 שלום [EMAIL_1] نص e\xcc\x81t\xc3\xa9 IP "
	    "[IP_1].");
	free(out);
	redact_map_free(m);
}

static void test_invalid_utf8_input_is_scanned_without_harm(void **state)
{
	const char t[] = "\xff\xfe maria42@fjord.no \xc3 \xe2\x82 4111 1111 1111 1111\x80";
	redact_map_t *m = redact_map_new();
	char *out;
	size_t ol;
	(void)state;
	assert_int_equal(redact_text(R, m, t, sizeof t - 1, NULL, &out, &ol), 0);
	assert_null(strstr(out, "maria42"));
	assert_null(strstr(out, "4111"));
	free(out);
	redact_map_free(m);
}

static void test_placeholders_are_typed_stable_and_numbered_per_type(void **state)
{
	const char *t = "a@x.org b@x.org a@x.org +44 20 7946 0958 a@x.org";
	redact_map_t *m = redact_map_new();
	char *out;
	size_t ol;
	(void)state;
	assert_int_equal(redact_text(R, m, t, strlen(t), NULL, &out, &ol), 0);
	assert_string_equal(out, "[EMAIL_1] [EMAIL_2] [EMAIL_1] [PHONE_1] [EMAIL_1]");
	assert_int_equal(ol, strlen(out));
	free(out);
	/* the same map keeps them for the next message of the ticket */
	const char *t2 = "b@x.org wrote, c@x.org too";
	assert_int_equal(redact_text(R, m, t2, strlen(t2), NULL, &out, &ol), 0);
	assert_string_equal(out, "[EMAIL_2] wrote, [EMAIL_3] too");
	free(out);
	assert_int_equal(redact_map_count(m), 4);
	redact_map_free(m);
}

static void test_map_loaded_from_vault_continues_numbering(void **state)
{
	redact_map_t *m = redact_map_new();
	const char *ph, *orig;
	char *out;
	size_t ol;
	(void)state;
	redact_map_add(m, "[EMAIL_3]", "old@x.org");
	redact_map_add(m, "[EMAIL_3]", "dup@x.org"); /* ignored: placeholder taken */
	assert_int_equal(redact_map_count(m), 1);
	redact_map_entry(m, 0, &ph, &orig);
	assert_string_equal(ph, "[EMAIL_3]");
	assert_string_equal(orig, "old@x.org");
	const char *t = "new@x.org and old@x.org";
	assert_int_equal(redact_text(R, m, t, strlen(t), NULL, &out, &ol), 0);
	assert_string_equal(out, "[EMAIL_4] and [EMAIL_3]");
	free(out);
	redact_map_free(m);
}

static void test_rehydration_round_trip(void **state)
{
	const char *t =
	    "Card 4111 1111 1111 1111, mail maria42@fjord.no, IBAN DE89 3704 0044 0532 0130 00, "
	    "call +44 20 7946 0958, key AKIAE2ANENHPHSGMARD3, again maria42@fjord.no. 🙂";
	redact_map_t *m = redact_map_new();
	char *red, *back;
	size_t rl, bl;
	(void)state;
	assert_int_equal(redact_text(R, m, t, strlen(t), NULL, &red, &rl), 0);
	assert_null(strstr(red, "maria42"));
	assert_null(strstr(red, "4111"));
	assert_int_equal(redact_rehydrate(m, red, rl, &back, &bl), 0);
	assert_string_equal(back, t);
	assert_int_equal(bl, strlen(t));
	free(back);
	/* a draft that moves placeholders around and invents an unknown one */
	const char *draft = "Dear [EMAIL_1], your card [CARD_1] is fine; [EMAIL_9] and [X] stay.";
	assert_int_equal(redact_rehydrate(m, draft, strlen(draft), &back, &bl), 0);
	assert_string_equal(back, "Dear maria42@fjord.no, your card 4111 1111 1111 1111 is fine; "
				  "[EMAIL_9] and [X] stay.");
	free(back);
	free(red);
	redact_map_free(m);
}

static void test_custom_patterns_use_their_label(void **state)
{
	redact_custom_t cu[] = {{"ACCOUNT", "\\bACC-\\d{6}\\b"},
				{"CASE_ID", "(?i)case[ -]?\\d{4}"}};
	redactor_t *r;
	redact_map_t *m = redact_map_new();
	char err[128], *out;
	size_t ol;
	const char *t = "account ACC-123456 and Case 4242, again ACC-123456";
	(void)state;
	assert_int_equal(redactor_new(cu, 2, &r, err, sizeof err), 0);
	assert_int_equal(redact_text(r, m, t, strlen(t), NULL, &out, &ol), 0);
	assert_string_equal(out, "account [ACCOUNT_1] and [CASE_ID_1], again [ACCOUNT_1]");
	free(out);
	redact_map_free(m);
	redactor_free(r);
}

static void test_bad_custom_pattern_is_refused_with_its_name(void **state)
{
	redact_custom_t bad[] = {{"GOOD", "x\\d+"}, {"BROKEN", "(unclosed[a-"}};
	redact_custom_t badlabel[] = {{"lower case", "x"}};
	redact_custom_t empty[] = {{"EMPTY", ""}};
	redactor_t *r = (redactor_t *)1;
	char err[256];
	(void)state;
	assert_int_equal(redactor_new(bad, 2, &r, err, sizeof err), PRECEDENT_EPATTERN);
	assert_null(r);
	assert_non_null(strstr(err, "BROKEN"));
	assert_non_null(strstr(err, "custom pattern 2"));
	assert_int_equal(redactor_new(badlabel, 1, &r, err, sizeof err), PRECEDENT_EPATTERN);
	assert_non_null(strstr(err, "lower case"));
	assert_int_equal(redactor_new(empty, 1, &r, err, sizeof err), PRECEDENT_EPATTERN);
	assert_non_null(strstr(err, "EMPTY"));
}

static void test_runaway_custom_pattern_fails_closed(void **state)
{
	redact_custom_t cu[] = {{"SLOW", "(a+)+$"}};
	redactor_t *r;
	redact_span_t *sp;
	size_t n;
	char err[128], t[4096];
	(void)state;
	memset(t, 'a', sizeof t);
	t[sizeof t - 1] = 'b';
	assert_int_equal(redactor_new(cu, 1, &r, err, sizeof err), 0);
	assert_int_equal(redact_find(r, t, sizeof t, NULL, &sp, &n), PRECEDENT_EBUSY);
	assert_null(sp);
	assert_int_equal(n, 0);
	redactor_free(r);
}

static void test_adversarial_inputs_stay_linear(void **state)
{
	/* each was quadratic in some design: repeated '@' with a required '.' searched to the
	 * end, a URL matched again from inside itself, digit rows tried as card layouts */
	static const char *const units[] = {"a@",
					    "1 ",
					    "1.",
					    "a=",
					    "ab:",
					    "+1 ",
					    "token=",
					    "Bearer ",
					    "http://a:b@",
					    "eyJaaaaaaaaaa ",
					    "4111 ",
					    "0 ",
					    "password: \"",
					    "fe80::",
					    "AB12 ",
					    "api_key=\"",
					    "-----BEGIN PRIVATE KEY-----"};
	const size_t size = 256 * 1024;
	char *t = malloc(size);
	double t0 = now_ms();
	(void)state;
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		size_t ul = strlen(units[u]), n = 0;
		while (n + ul <= size) {
			memcpy(t + n, units[u], ul);
			n += ul;
		}
		redact_map_t *m = redact_map_new();
		char *out;
		size_t ol;
		assert_int_equal(redact_text(R, m, t, n, NULL, &out, &ol), 0);
		free(out);
		redact_map_free(m);
	}
	free(t);
	/* linear work is well under a second per unit even with sanitizers; quadratic is minutes */
	assert_true(now_ms() - t0 < 60000.0);
}

static void test_empty_and_pii_free_text(void **state)
{
	redact_span_t *sp = (redact_span_t *)1;
	size_t n = 7;
	redact_map_t *m = redact_map_new();
	char *out;
	size_t ol;
	const char *t = "Nothing personal here, only build 2.18.5 and ticket #692554.";
	(void)state;
	assert_int_equal(redact_find(R, "", 0, NULL, &sp, &n), 0);
	assert_null(sp);
	assert_int_equal(n, 0);
	assert_int_equal(redact_text(R, m, t, strlen(t), NULL, &out, &ol), 0);
	assert_string_equal(out, t);
	free(out);
	assert_int_equal(redact_map_count(m), 0);
	redact_map_free(m);
}

#define THREADS 4
static const char *thread_text = "maria42@fjord.no 4111 1111 1111 1111 DE89 3704 0044 0532 0130 00 "
				 "549-13-5992 216.24.242.70 +44 20 7946 0958";

static void *thread_main(void *arg)
{
	size_t *out = arg;
	for (int i = 0; i < 200; i++) {
		redact_span_t *sp;
		size_t n;
		if (redact_find(R, thread_text, strlen(thread_text), NULL, &sp, &n) != 0)
			return NULL;
		*out = n;
		free(sp);
	}
	return NULL;
}

static void test_one_redactor_serves_threads_concurrently(void **state)
{
	pthread_t th[THREADS];
	size_t got[THREADS] = {0};
	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &got[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(got[i], 6);
	}
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(pii_type_name(PII_EMAIL), "EMAIL");
	assert_string_equal(pii_type_name(PII_IBAN), "IBAN");
	assert_string_equal(pii_type_name(PII_CUSTOM), "CUSTOM");
	assert_string_equal(pii_type_name(PII_TYPE_COUNT), "PII");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_email_addresses_are_found_and_file_names_kept),
	    cmocka_unit_test(test_luhn_valid_cards_are_found_and_invalid_kept),
	    cmocka_unit_test(test_iban_mod97_and_country_length),
	    cmocka_unit_test(test_failed_iban_is_not_split_into_cards_or_phones),
	    cmocka_unit_test(test_ssn_area_group_serial_rules),
	    cmocka_unit_test(test_ip_addresses_and_version_look_alikes),
	    cmocka_unit_test(test_phone_numbers_and_number_look_alikes),
	    cmocka_unit_test(test_urls_with_credentials_or_tokens),
	    cmocka_unit_test(test_secrets_keys_and_tokens),
	    cmocka_unit_test(test_log_lines_and_identifiers_survive),
	    cmocka_unit_test(test_international_formats_are_found),
	    cmocka_unit_test(test_generated_values_and_look_alikes),
	    cmocka_unit_test(test_private_key_block_is_redacted_whole),
	    cmocka_unit_test(test_postal_codes_and_street_addresses),
	    cmocka_unit_test(test_customer_name_and_email_from_hints),
	    cmocka_unit_test(test_overlaps_longest_wins_and_partial_overlaps_merge),
	    cmocka_unit_test(test_overlaps_equal_length_go_to_higher_priority_type),
	    cmocka_unit_test(test_spans_are_sorted_disjoint_and_on_code_points),
	    cmocka_unit_test(test_utf8_text_around_pii_survives_intact),
	    cmocka_unit_test(test_invalid_utf8_input_is_scanned_without_harm),
	    cmocka_unit_test(test_placeholders_are_typed_stable_and_numbered_per_type),
	    cmocka_unit_test(test_map_loaded_from_vault_continues_numbering),
	    cmocka_unit_test(test_rehydration_round_trip),
	    cmocka_unit_test(test_custom_patterns_use_their_label),
	    cmocka_unit_test(test_bad_custom_pattern_is_refused_with_its_name),
	    cmocka_unit_test(test_runaway_custom_pattern_fails_closed),
	    cmocka_unit_test(test_adversarial_inputs_stay_linear),
	    cmocka_unit_test(test_empty_and_pii_free_text),
	    cmocka_unit_test(test_one_redactor_serves_threads_concurrently),
	    cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

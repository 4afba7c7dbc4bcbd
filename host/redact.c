/*
 * redact.c - PII detection (PCRE2, JIT) with validators, deterministic overlap
 * resolution and typed, stable placeholders.
 *
 * Each built-in detector is one PCRE2 pattern that finds candidates cheaply and a
 * C validator that decides (Luhn, IBAN mod-97, SSN rules, octet ranges,
 * inet_pton for IPv6, phone numbering plans, entropy for secrets). Patterns run
 * in byte mode (no UTF check, so invalid UTF-8 input is scanned too); spans are
 * widened to whole code points afterwards. Custom patterns are compiled in UTF
 * mode with PCRE2_MATCH_INVALID_UTF. Built-in patterns do not scan the text: one
 * C pass indexes where a value can start (see gate_t) and each pattern is tried,
 * anchored, only there, which keeps the full set fast and every input linear.
 * The redactor is read-only after redactor_new(): every call allocates its own
 * match data, so one redactor serves many threads.
 *
 * Ownership: redactor_t owns its compiled patterns and custom labels;
 * redact_map_t owns copies of every placeholder and original it holds.
 */
#include "precedent/redact.h"
#include "precedent/error.h"
#include "precedent/util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the work one pattern may do on one subject (catastrophic custom patterns). */
#define REDACT_MATCH_LIMIT 5000000u
#define REDACT_DEPTH_LIMIT 100000u
#define REDACT_LABEL_MAX 32

static const char *const type_names[PII_TYPE_COUNT] = {
    "EMAIL", "PHONE",  "CARD",	 "IBAN",    "SSN",  "IP",
    "URL",   "SECRET", "POSTAL", "ADDRESS", "NAME", "CUSTOM",
};

/* Tie-break for spans of equal length: lower rank wins. */
static const int type_rank[PII_TYPE_COUNT] = {
    [PII_URL] = 0,    [PII_SECRET] = 1,	 [PII_CARD] = 2,    [PII_IBAN] = 3,
    [PII_SSN] = 4,    [PII_EMAIL] = 5,	 [PII_IP] = 6,	    [PII_PHONE] = 7,
    [PII_CUSTOM] = 8, [PII_ADDRESS] = 9, [PII_POSTAL] = 10, [PII_NAME] = 11,
};

const char *pii_type_name(pii_type_t t)
{
	if ((int)t < 0 || t >= PII_TYPE_COUNT)
		return "PII";
	return type_names[t];
}

/* ------------------------------------------------------------------------- */
/* Small byte helpers                                                          */

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
static int is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static int is_alnum(unsigned char c)
{
	return is_digit(c) || is_alpha(c);
}
/* Letters, digits, '_' and any non-ASCII byte (part of a word in any script). */
static int is_word(unsigned char c)
{
	return is_alnum(c) || c == '_' || c >= 0x80;
}
static int is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}
static int is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}
static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static int ci_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* 1 if the word ending right before pos (after skipping spaces and ':'/'#') is one of words. */
static int preceded_by_word(const char *t, size_t pos, const char *const *words)
{
	size_t e = pos;
	while (e > 0 && pos - e < 8 && strchr(" \t:#", t[e - 1]) && t[e - 1])
		e--;
	if (e > 0 && t[e - 1] == '.') /* "ver. 1.2.3.4" */
		e--;
	size_t s = e;
	while (s > 0 && is_alpha((unsigned char)t[s - 1]))
		s--;
	if (s == e || e - s > 16 || (s > 0 && is_word((unsigned char)t[s - 1])))
		return 0;
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == e - s && ci_equal(t + s, words[i], e - s))
			return 1;
	return 0;
}

/* Shannon entropy in bits per byte. */
static double entropy(const char *s, size_t n)
{
	unsigned cnt[256] = {0};
	double h = 0;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	for (int i = 0; i < 256; i++) {
		if (!cnt[i])
			continue;
		double p = (double)cnt[i] / (double)n;
		h -= p * log2(p);
	}
	return h;
}

/* Character classes present in s: bit 0 lower, 1 upper, 2 digit, 3 other. */
static int char_classes(const char *s, size_t n)
{
	int m = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			m |= 1;
		else if (c >= 'A' && c <= 'Z')
			m |= 2;
		else if (is_digit(c))
			m |= 4;
		else
			m |= 8;
	}
	return m;
}

static int popcount4(int m)
{
	return (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1);
}

/* A value that reads like a generated key rather than a word: long enough, mixed, varied. */
static int looks_secret(const char *s, size_t n, size_t minlen)
{
	if (n < minlen)
		return 0;
	int cls = char_classes(s, n);
	if (popcount4(cls) < 2)
		return 0;
	/* letters and digits mixed, or case changing inside the value ("AbCdEf"), not just a
	 * capitalised word ("Requirement") or a name with symbols ("Apache+PHP") */
	int camel = 0;
	for (size_t i = 1; i < n && !camel; i++)
		camel = s[i - 1] >= 'a' && s[i - 1] <= 'z' && s[i] >= 'A' && s[i] <= 'Z';
	if (!((cls & 4) && (cls & 3)) && !camel)
		return 0;
	return entropy(s, n) >= (n >= 16 ? 3.0 : 2.5);
}

/* ------------------------------------------------------------------------- */
/* Scan state and candidate spans                                             */

typedef struct cand {
	size_t start, end;
	pii_type_t type;
	const char *label;
	size_t order; /* emission order: final tie-break */
} cand_t;

typedef struct scan {
	const char *t;
	size_t len;
	cand_t *c;
	size_t n, alloc;
	/* Regions holding a structured identifier that failed its own check (an IBAN with a
	 * wrong check digit): number-shaped candidates inside are parts of it, not values. */
	size_t (*veto)[2];
	size_t nveto, valloc;
} scan_t;

static void add_veto(scan_t *sc, size_t s, size_t e)
{
	if (sc->nveto == sc->valloc) {
		sc->valloc = sc->valloc ? sc->valloc * 2 : 4;
		sc->veto = xrealloc(sc->veto, sc->valloc * sizeof *sc->veto);
	}
	sc->veto[sc->nveto][0] = s;
	sc->veto[sc->nveto][1] = e;
	sc->nveto++;
}

/* Drops number-shaped candidates that lie inside a vetoed region. */
static void apply_vetoes(scan_t *sc)
{
	if (!sc->nveto)
		return;
	size_t out = 0;
	for (size_t i = 0; i < sc->n; i++) {
		cand_t *c = &sc->c[i];
		int drop = 0;
		if (c->type == PII_CARD || c->type == PII_PHONE || c->type == PII_SSN ||
		    c->type == PII_IP || c->type == PII_POSTAL)
			for (size_t v = 0; v < sc->nveto && !drop; v++)
				drop = sc->veto[v][0] <= c->start && c->end <= sc->veto[v][1];
		if (!drop)
			sc->c[out++] = *c;
	}
	sc->n = out;
}

static void emit(scan_t *sc, pii_type_t type, const char *label, size_t s, size_t e)
{
	/* Never cut a code point: widen to whole UTF-8 sequences. */
	for (int i = 0; i < 3 && s > 0 && s < sc->len && is_cont((unsigned char)sc->t[s]); i++)
		s--;
	for (int i = 0; i < 3 && e < sc->len && is_cont((unsigned char)sc->t[e]); i++)
		e++;
	if (e <= s)
		return;
	if (sc->n == sc->alloc) {
		sc->alloc = sc->alloc ? sc->alloc * 2 : 32;
		sc->c = xrealloc(sc->c, sc->alloc * sizeof *sc->c);
	}
	sc->c[sc->n] = (cand_t){s, e, type, label ? label : type_names[type], sc->n};
	sc->n++;
}

/* ------------------------------------------------------------------------- */
/* Validators. Each gets the match [ms, me) (ms after any \K) and emits zero or more
 * spans. Returning 0 means "rejected": the scan resumes one character after the
 * match start so a valid value inside a rejected candidate is still found. */

typedef int (*validate_fn)(scan_t *sc, size_t ms, size_t me);

static int luhn_ok(const char *d, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = d[n - 1 - i] - '0';
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* Issuer prefix plausible for a payment card of n digits (ISO/IEC 7812 major industries 1-6). */
static int card_prefix_ok(const char *d, size_t n)
{
	int two = (d[0] - '0') * 10 + (d[1] - '0');
	switch (d[0]) {
	case '1':
		return n == 15; /* UATP */
	case '2':
		return two >= 22 && two <= 27; /* Mir 2200-2204, Mastercard 2221-2720 */
	case '3':
		return two == 30 || (two >= 34 && two <= 39); /* Diners, Amex, JCB */
	case '4':
	case '5':
	case '6':
		return 1;
	default:
		return 0;
	}
}

static int v_card(scan_t *sc, size_t ms, size_t me)
{
	char digits[40];
	size_t glen[24], gend[24], ng = 0, nd = 0;
	char sep = 0;
	int mixed = 0;
	for (size_t i = ms; i < me; i++) {
		unsigned char c = (unsigned char)sc->t[i];
		if (is_digit(c)) {
			if (nd >= sizeof digits || ng >= 24)
				return 0;
			if (i == ms || !is_digit((unsigned char)sc->t[i - 1]))
				glen[ng++] = 0;
			glen[ng - 1]++;
			gend[ng - 1] = i + 1;
			digits[nd++] = (char)c;
		} else {
			if (sep && c != sep)
				mixed = 1;
			sep = (char)c;
		}
	}
	/* Longest group prefix that is a well-formed card number: one group, or groups of
	 * four with a shorter last one, or Amex/Diners 4-6-5 / 4-6-4. */
	size_t cum[25] = {0}, first_non4 = ng;
	for (size_t g = 0; g < ng; g++) {
		cum[g + 1] = cum[g] + glen[g];
		if (glen[g] != 4 && first_non4 == ng)
			first_non4 = g;
	}
	for (size_t k = ng; k >= 1; k--) {
		size_t n = cum[k];
		if (n < 13)
			break;
		if (n > 19)
			continue;
		int layout =
		    k == 1 || (k - 1 <= first_non4 && glen[k - 1] <= 4) ||
		    (k == 3 && glen[0] == 4 && glen[1] == 6 && (glen[2] == 5 || glen[2] == 4));
		if (layout && k > 1 && mixed) {
			/* the separators of the prefix must agree */
			char s0 = 0;
			for (size_t i = ms; i < gend[k - 1]; i++) {
				char c = sc->t[i];
				if (!is_digit((unsigned char)c)) {
					if (s0 && c != s0)
						layout = 0;
					s0 = c;
				}
			}
		}
		if (layout && card_prefix_ok(digits, n) && luhn_ok(digits, n)) {
			emit(sc, PII_CARD, NULL, ms, gend[k - 1]);
			return 1;
		}
	}
	return 0;
}

static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

static int iban_length(const char *cc)
{
	for (size_t i = 0; i < sizeof iban_lengths / sizeof iban_lengths[0]; i++)
		if (iban_lengths[i].cc[0] == cc[0] && iban_lengths[i].cc[1] == cc[1])
			return iban_lengths[i].len;
	return 0;
}

/* ISO 13616 check: move the first four characters to the end, letters to 10..35, mod 97 == 1. */
static int iban_mod97_ok(const char *s, size_t n)
{
	unsigned r = 0;
	for (size_t k = 0; k < n; k++) {
		char c = s[(k + 4) % n];
		if (is_digit((unsigned char)c))
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return r == 1;
}

static int v_iban(scan_t *sc, size_t ms, size_t me)
{
	char s[48];
	size_t pos[48], n = 0;
	for (size_t i = ms; i < me && n < sizeof s; i++) {
		unsigned char c = (unsigned char)sc->t[i];
		if (c == ' ')
			continue;
		s[n] = (char)toupper(c);
		pos[n++] = i;
	}
	if (n < 4)
		return 0;
	size_t want = (size_t)iban_length(s);
	if (want && n >= want) {
		size_t end = pos[want - 1] + 1;
		/* the value must end where a group ends, not inside a longer run */
		if (!(end < sc->len && is_alnum((unsigned char)sc->t[end])) &&
		    iban_mod97_ok(s, want)) {
			emit(sc, PII_IBAN, NULL, ms, end);
			return 1;
		}
	}
	/* Shaped like an IBAN but not one (wrong check digits, unknown country): its digit
	 * groups are parts of one identifier, not cards or phone numbers of their own. */
	size_t vn = (want && n >= want) ? want : (n < 34 ? n : 34);
	if (vn >= 15)
		add_veto(sc, ms, pos[vn - 1] + 1);
	return 0;
}

/* Numbers printed as SSN examples by the SSA and advertisers: never issued. */
static const char *const ssn_never_issued[] = {"078051120", "219099999", NULL};

static int ssn_ok(const char *d)
{
	int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	if (area == 0 || area == 666 || area >= 900)
		return 0;
	if (d[3] == '0' && d[4] == '0')
		return 0;
	if (!memcmp(d + 5, "0000", 4))
		return 0;
	for (size_t i = 0; ssn_never_issued[i]; i++)
		if (!memcmp(d, ssn_never_issued[i], 9))
			return 0;
	return 1;
}

static int v_ssn(scan_t *sc, size_t ms, size_t me)
{
	char d[9];
	size_t n = 0;
	for (size_t i = ms; i < me; i++)
		if (is_digit((unsigned char)sc->t[i])) {
			if (n == 9)
				return 0;
			d[n++] = sc->t[i];
		}
	if (n != 9 || !ssn_ok(d))
		return 0;
	/* "123 45 6789" with spaces: not when it continues a longer row of numbers */
	if (me - ms == 11 && sc->t[ms + 3] == ' ') {
		if (ms >= 2 && sc->t[ms - 1] == ' ' && is_digit((unsigned char)sc->t[ms - 2]))
			return 0;
		if (me + 1 < sc->len && sc->t[me] == ' ' && is_digit((unsigned char)sc->t[me + 1]))
			return 0;
	}
	emit(sc, PII_SSN, NULL, ms, me);
	return 1;
}

/* Words after which a dotted quad is a version or an outline number, not an address. */
static const char *const version_words[] = {
    "v",      "ver",	   "version",  "versions", "build",  "release", "rel", "firmware",
    "fw",     "rev",	   "revision", "update",   "patch",  "section", "sec", "chapter",
    "clause", "paragraph", "step",     "rule",	   "item",   "figure",	"fig", "table",
    "tag",    "sdk",	   "app",      "agent",	   "kernel", NULL,
};

static int v_ipv4(scan_t *sc, size_t ms, size_t me)
{
	unsigned oct[4];
	size_t i = ms;
	for (int k = 0; k < 4; k++) {
		size_t st = i;
		unsigned v = 0;
		while (i < me && is_digit((unsigned char)sc->t[i]))
			v = v * 10 + (unsigned)(sc->t[i++] - '0');
		if (i == st || i - st > 3 || v > 255 || (i - st > 1 && sc->t[st] == '0'))
			return 0;
		oct[k] = v;
		if (k < 3)
			i++; /* '.' */
	}
	/* Not personal: unspecified, loopback, broadcast and netmasks. */
	if (oct[0] == 0 || oct[0] == 127 || oct[0] == 255)
		return 0;
	if (preceded_by_word(sc->t, ms, version_words))
		return 0;
	/* "1.2.3.4-beta" is a version */
	if (me + 1 < sc->len && sc->t[me] == '-' && is_alpha((unsigned char)sc->t[me + 1]))
		return 0;
	emit(sc, PII_IP, NULL, ms, me);
	return 1;
}

static int v_ipv6(scan_t *sc, size_t ms, size_t me)
{
	char buf[64];
	unsigned char addr[16];
	size_t n = me - ms, hex = 0;
	const char *pct = memchr(sc->t + ms, '%', n);
	size_t alen = pct ? (size_t)(pct - (sc->t + ms)) : n;
	if (alen < 3 || alen >= sizeof buf)
		return 0;
	memcpy(buf, sc->t + ms, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return 0;
	for (size_t i = 0; i < alen; i++)
		hex += isxdigit((unsigned char)buf[i]) != 0;
	/* "::", "::1" and other near-empty forms identify nobody. */
	static const unsigned char zero[16];
	if (!memcmp(addr, zero, 15) && addr[15] <= 1)
		return 0;
	if (hex < 3)
		return 0;
	emit(sc, PII_IP, NULL, ms, me);
	return 1;
}

static int email_tld_ok(const char *t, size_t s, size_t e)
{
	/* The last label: letters (or non-ASCII for IDN), at least two. */
	size_t d = e;
	while (d > s && t[d - 1] != '.')
		d--;
	if (e - d < 2)
		return 0;
	for (size_t i = d; i < e; i++) {
		unsigned char c = (unsigned char)t[i];
		if (!is_alpha(c) && c < 0x80 && !(i > d + 3 && (is_digit(c) || c == '-')))
			return 0;
	}
	/* image@2x.png and the like are file names */
	static const char *const ext[] = {"png", "jpg", "jpeg", "gif",	"svg", "webp",
					  "bmp", "ico", "tif",	"tiff", NULL};
	for (size_t k = 0; ext[k]; k++)
		if (strlen(ext[k]) == e - d && ci_equal(t + d, ext[k], e - d))
			return 0;
	return 1;
}

static int v_email(scan_t *sc, size_t ms, size_t me)
{
	const char *t = sc->t;
	while (ms < me && t[ms] == '.')
		ms++;
	while (me > ms && (t[me - 1] == '-' || t[me - 1] == '.'))
		me--;
	const char *at = memchr(t + ms, '@', me - ms);
	if (!at || at == t + ms || (size_t)(at - t) + 1 >= me)
		return 0;
	/* "scheme://user@host" and "scheme://user:password@host" are URL userinfo, no mailbox:
	 * the URL detector decides on them */
	if (ms >= 3 && !memcmp(t + ms - 3, "://", 3))
		return 0;
	if (ms > 0 && t[ms - 1] == ':') {
		size_t u = ms - 1;
		while (u > 0 && ms - u < 256 && !strchr(" \t\r\n/@", t[u - 1]))
			u--;
		if (u >= 3 && !memcmp(t + u - 3, "://", 3))
			return 0;
	}
	if (!email_tld_ok(t, (size_t)(at - t) + 1, me))
		return 0;
	emit(sc, PII_EMAIL, NULL, ms, me);
	return 1;
}

/* ITU country codes: length of the national significant number (min, max) for common codes. */
static const struct {
	unsigned short cc;
	unsigned char min, max;
} phone_plans[] = {
    {1, 10, 10},  {7, 10, 10},	{20, 8, 10},  {27, 9, 9},   {30, 10, 10}, {31, 9, 9},  {32, 8, 9},
    {33, 9, 9},	  {34, 9, 9},	{36, 8, 9},   {39, 6, 11},  {40, 9, 9},	  {41, 9, 9},  {43, 4, 13},
    {44, 9, 10},  {45, 8, 8},	{46, 7, 13},  {47, 8, 8},   {48, 9, 9},	  {49, 6, 13}, {51, 8, 11},
    {52, 10, 10}, {54, 10, 11}, {55, 10, 11}, {56, 9, 9},   {57, 10, 10}, {60, 7, 10}, {61, 9, 9},
    {62, 7, 12},  {63, 8, 10},	{64, 8, 10},  {65, 8, 8},   {66, 8, 9},	  {81, 9, 10}, {82, 8, 11},
    {84, 9, 10},  {86, 10, 11}, {90, 10, 10}, {91, 10, 10}, {92, 9, 10},  {351, 9, 9}, {352, 6, 11},
    {353, 7, 9},  {354, 7, 9},	{358, 5, 12}, {380, 9, 9},  {420, 9, 9},  {421, 9, 9}, {971, 8, 9},
    {972, 8, 9},  {966, 9, 9},
};

/* Country codes are prefix-free: 1 and 7 have one digit, these zones two, the rest three. */
static int phone_cc_len(const char *d)
{
	if (d[0] == '1' || d[0] == '7')
		return 1;
	static const char *const two[] = {"20", "27", "30", "31", "32", "33", "34", "36", "39",
					  "40", "41", "43", "44", "45", "46", "47", "48", "49",
					  "51", "52", "53", "54", "55", "56", "57", "58", "60",
					  "61", "62", "63", "64", "65", "66", "81", "82", "84",
					  "86", "90", "91", "92", "93", "94", "95", "98", NULL};
	for (size_t i = 0; two[i]; i++)
		if (d[0] == two[i][0] && d[1] == two[i][1])
			return 2;
	return 3;
}

static int phone_intl_ok(const char *d, size_t n)
{
	if (n < 8 || n > 15 || d[0] == '0')
		return 0;
	int cl = phone_cc_len(d);
	unsigned cc = 0;
	for (int i = 0; i < cl; i++)
		cc = cc * 10 + (unsigned)(d[i] - '0');
	size_t nsn = n - (size_t)cl;
	for (size_t i = 0; i < sizeof phone_plans / sizeof phone_plans[0]; i++)
		if (phone_plans[i].cc == cc) {
			if (nsn < phone_plans[i].min || nsn > phone_plans[i].max)
				return 0;
			if (cc == 1 && (d[1] < '2' || d[4] < '2'))
				return 0; /* NANP: area and exchange start with 2-9 */
			return 1;
		}
	return nsn >= 6;
}

/* Splits [ms, me) into digit groups; a "(0)" trunk marker is dropped. Returns the group count. */
static size_t phone_groups(const char *t, size_t ms, size_t me, char *d, size_t *nd, size_t *gend,
			   size_t *gdig, size_t maxg)
{
	size_t ng = 0;
	*nd = 0;
	for (size_t i = ms; i < me; i++) {
		if (t[i] == '(' && i + 2 < me && t[i + 1] == '0' && t[i + 2] == ')' && ng > 0) {
			i += 2;
			continue;
		}
		if (!is_digit((unsigned char)t[i]))
			continue;
		if (*nd >= 24)
			break; /* before opening a group: every group counted has its end set */
		if (i == ms || !is_digit((unsigned char)t[i - 1]) || ng == 0) {
			if (ng == maxg)
				break;
			ng++;
		}
		d[(*nd)++] = t[i];
		gend[ng - 1] = i + 1;
		gdig[ng - 1] = *nd;
	}
	return ng;
}

/* +CC ...: the longest group prefix that fits the country's numbering plan. */
static int v_phone_intl(scan_t *sc, size_t ms, size_t me)
{
	char d[24];
	size_t nd, gend[8], gdig[8];
	size_t ng = phone_groups(sc->t, ms, me, d, &nd, gend, gdig, 8);
	size_t skip = (nd > 2 && d[0] == '0' && d[1] == '0') ? 2 : 0; /* 00 international prefix */
	for (size_t k = ng; k >= 1; k--)
		if (gdig[k - 1] > skip && phone_intl_ok(d + skip, gdig[k - 1] - skip)) {
			emit(sc, PII_PHONE, NULL, ms, gend[k - 1]);
			return 1;
		}
	return 0;
}

static int nanp_ok(const char *d)
{
	/* area and exchange 2-9xx; area not N11 (service codes) */
	if (d[0] < '2' || d[3] < '2')
		return 0;
	if (d[1] == '1' && d[2] == '1')
		return 0;
	return 1;
}

static int v_phone_nanp(scan_t *sc, size_t ms, size_t me)
{
	char d[24];
	size_t nd = 0;
	for (size_t i = ms; i < me; i++)
		if (is_digit((unsigned char)sc->t[i]) && nd < sizeof d)
			d[nd++] = sc->t[i];
	const char *p = d;
	if (nd == 11 && d[0] == '1')
		p++, nd--;
	if (nd != 10 || !nanp_ok(p))
		return 0;
	emit(sc, PII_PHONE, NULL, ms, me);
	return 1;
}

/* 0AA BBBB...: national form with a trunk 0 (UK, DE, FR, NL, ...). */
static int v_phone_national(scan_t *sc, size_t ms, size_t me)
{
	char d[24];
	size_t nd, gend[8], gdig[8];
	size_t ng = phone_groups(sc->t, ms, me, d, &nd, gend, gdig, 8);
	if (ng < 2 || nd < 9 || nd > 12)
		return 0;
	if (d[1] == '0')
		return 0; /* 00 is the international prefix; 000-.. is no number */
	/* ddd-dd-dddd is the SSN layout, dd-dd-dddd a date */
	if (ng == 3 && gdig[0] == 3 && gdig[1] == 5 && gdig[2] == 9)
		return 0;
	if (ng >= 3 && gdig[0] == 2 && gdig[1] == 4 && gdig[2] == 8)
		return 0;
	emit(sc, PII_PHONE, NULL, ms, me);
	return 1;
}

/* A number after "phone:", "call me on", ...: any common layout of 7-15 digits. */
static int v_phone_context(scan_t *sc, size_t ms, size_t me)
{
	char d[24];
	size_t nd, gend[8], gdig[8];
	size_t ng = phone_groups(sc->t, ms, me, d, &nd, gend, gdig, 8);
	(void)ng;
	if (nd < 7 || nd > 15)
		return 0;
	/* dates and times are not phone numbers */
	for (size_t i = ms; i < me; i++)
		if (sc->t[i] == '/' || sc->t[i] == ':')
			return 0;
	if (ng == 3 && gdig[0] == 4 && gdig[1] == 6 && gdig[2] == 8)
		return 0; /* yyyy-mm-dd */
	emit(sc, PII_PHONE, NULL, ms, me);
	return 1;
}

/* Query parameter names whose values are credentials. */
static const char *const secret_params[] = {
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "secret",
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "auth",
    "authorization",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "code",
    "jwt",
    "private_token",
    "access_key",
    "secret_key",
    "credential",
    "credentials",
    "sas",
    "otp",
    NULL,
};

static int is_secret_param(const char *s, size_t n)
{
	for (size_t i = 0; secret_params[i]; i++)
		if (strlen(secret_params[i]) == n && ci_equal(s, secret_params[i], n))
			return 1;
	return 0;
}

static int v_url(scan_t *sc, size_t ms, size_t me)
{
	const char *t = sc->t;
	int found = 0;
	/* Trailing sentence punctuation is not part of the URL. */
	while (me > ms && strchr(".,;:!?)]}'\"", t[me - 1]))
		me--;
	const char *sl = memmem(t + ms, me - ms, "://", 3);
	if (!sl)
		return 0;
	size_t a = (size_t)(sl - t) + 3, auth_end = a;
	while (auth_end < me && !strchr("/?#", t[auth_end]))
		auth_end++;
	/* userinfo: everything before the last '@' of the authority */
	size_t at = auth_end;
	while (at > a && t[at - 1] != '@')
		at--;
	if (at > a) {
		size_t ui_end = at - 1;
		const char *colon = memchr(t + a, ':', ui_end - a);
		if ((colon && (size_t)(colon - t) + 1 < ui_end) ||
		    looks_secret(t + a, ui_end - a, 16)) {
			emit(sc, PII_URL, NULL, a, ui_end);
			found = 1;
		}
	}
	/* query and fragment parameters */
	for (size_t i = auth_end; i < me; i++) {
		if (t[i] != '?' && t[i] != '&' && t[i] != '#' && t[i] != ';')
			continue;
		size_t ns = i + 1, ne = ns;
		while (ne < me && t[ne] != '=' && t[ne] != '&' && t[ne] != '#')
			ne++;
		if (ne >= me || t[ne] != '=')
			continue;
		size_t vs = ne + 1, ve = vs;
		while (ve < me && t[ve] != '&' && t[ve] != '#' && t[ve] != ';')
			ve++;
		if (ve - vs >= 4 && is_secret_param(t + ns, ne - ns)) {
			emit(sc, PII_URL, NULL, vs, ve);
			found = 1;
		}
		i = ve - 1;
	}
	return found;
}

/* After "Bearer"/"Basic"/"token": a credential, not an English word. */
static int v_auth_value(scan_t *sc, size_t ms, size_t me)
{
	while (me > ms && strchr(".,;:", sc->t[me - 1]))
		me--;
	if (!looks_secret(sc->t + ms, me - ms, 8))
		return 0;
	emit(sc, PII_SECRET, NULL, ms, me);
	return 1;
}

/* 1 if one part of the key ("db_password", "userPwd", "PASS") names a password. */
static int key_is_password(const char *k, size_t n)
{
	static const char *const parts[] = {"pass",	  "password", "passwd", "pwd",
					    "passphrase", "passcode", "pw",	NULL};
	for (size_t i = 0; i < n;) {
		while (i < n && !is_alnum((unsigned char)k[i]))
			i++;
		size_t s = i++;
		while (i < n && is_alnum((unsigned char)k[i]) &&
		       !(k[i - 1] >= 'a' && k[i - 1] <= 'z' && is_upper((unsigned char)k[i])))
			i++;
		for (size_t p = 0; parts[p] && i > s; p++)
			if (strlen(parts[p]) == i - s && ci_equal(k + s, parts[p], i - s))
				return 1;
	}
	return 0;
}

static const char *const password_placeholders[] = {
    "null",	"none",	  "nil",       "true",	   "false",	"empty",
    "redacted", "hidden", "undefined", "required", "incorrect", "invalid",
    "expired",	"reset",  "changed",   "wrong",	   NULL,
};

/* key=value: the value of a credential-named key. */
static int v_keyvalue(scan_t *sc, size_t ms, size_t me)
{
	const char *t = sc->t;
	/* Find the key: the word before the separator that precedes the value. */
	size_t k = ms;
	while (k > 0 && !is_word((unsigned char)t[k - 1]))
		k--;
	size_t ks = k;
	while (ks > 0 &&
	       (is_word((unsigned char)t[ks - 1]) || t[ks - 1] == '-' || t[ks - 1] == '.'))
		ks--;
	int is_pw = key_is_password(t + ks, k - ks);
	/* "Samsung Pass: Access": a capitalised word after a label is prose, not a password */
	if (is_pw && memchr(t + k, ':', ms - k)) {
		int word = is_upper((unsigned char)t[ms]);
		for (size_t i = ms + 1; i < me && word; i++)
			word = t[i] >= 'a' && t[i] <= 'z';
		if (word)
			return 0;
	}
	/* sentence punctuation after a token; a password keeps every character */
	while (!is_pw && me > ms && strchr(".,;:)]}", t[me - 1]))
		me--;
	size_t n = me - ms;
	if (n == 0)
		return 0;
	/* a run of '*' or 'x' is a mask, not a password */
	size_t masked = 0;
	for (size_t i = ms; i < me; i++)
		masked += t[i] == '*' || t[i] == 'x' || t[i] == 'X' || t[i] == '.';
	if (masked == n)
		return 0;
	if (t[ms] == '<' || t[ms] == '$' || t[ms] == '{' || t[ms] == '%')
		return 0; /* <password>, $ENV, {{var}}, %s */
	if (is_pw) {
		if (n < 4)
			return 0;
		for (size_t i = 0; password_placeholders[i]; i++)
			if (strlen(password_placeholders[i]) == n &&
			    ci_equal(t + ms, password_placeholders[i], n))
				return 0;
	} else if (!looks_secret(t + ms, n, 8)) {
		return 0;
	}
	emit(sc, PII_SECRET, NULL, ms, me);
	return 1;
}

/* "my password is hunter2": only values that are not plain words. */
static int v_password_is(scan_t *sc, size_t ms, size_t me)
{
	size_t n = me - ms; /* no trimming: a trailing '!' or '.' may belong to the password */
	int cls = char_classes(sc->t + ms, n);
	if (n < 6 || !(cls & 0xC || (cls & 3) == 3))
		return 0;
	emit(sc, PII_SECRET, NULL, ms, me);
	return 1;
}

/* Long random-looking tokens with no context (AWS secret keys, API keys). */
static int v_entropy(scan_t *sc, size_t ms, size_t me)
{
	const char *s = sc->t + ms;
	size_t n = me - ms, digits = 0;
	if (char_classes(s, n) != 7 && char_classes(s, n) != 15)
		return 0;
	for (size_t i = 0; i < n; i++)
		digits += is_digit((unsigned char)s[i]);
	if (digits < 2 || entropy(s, n) < 4.3)
		return 0;
	emit(sc, PII_SECRET, NULL, ms, me);
	return 1;
}

/* The 3-4 digit verification code after "CVV", "CVC", "security code": card data. */
static int v_card_code(scan_t *sc, size_t ms, size_t me)
{
	emit(sc, PII_CARD, NULL, ms, me);
	return 1;
}

static int v_secret(scan_t *sc, size_t ms, size_t me)
{
	emit(sc, PII_SECRET, NULL, ms, me);
	return 1;
}

static int v_postal(scan_t *sc, size_t ms, size_t me)
{
	emit(sc, PII_POSTAL, NULL, ms, me);
	return 1;
}

static int v_address(scan_t *sc, size_t ms, size_t me)
{
	while (me > ms && (sc->t[me - 1] == ',' || sc->t[me - 1] == ' '))
		me--;
	emit(sc, PII_ADDRESS, NULL, ms, me);
	return 1;
}

/* ------------------------------------------------------------------------- */
/* The built-in detectors                                                     */

#define DE_UPPER "(?:[A-Z]|\xc3[\x84\x96\x9c])"
#define DE_WORDCH "(?:[A-Za-z]|\xc3[\xa4\xb6\xbc\x9f\x84\x96\x9c])"
#define US_STATES                                                                                  \
	"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"  \
	"NH|NJ|NM|NY|"                                                                             \
	"NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"

/*
 * Where a detector's pattern is tried. A full PCRE2 scan of every pattern over the
 * text costs one pass each; instead one C pass indexes the few places a value can
 * start (digit runs, '@', ':' and '=', long token runs, context keywords) and the
 * pattern, compiled anchored, is tried only there. Each gate is exact: it lists
 * every position at which the pattern could match, so gating changes speed only.
 */
typedef enum {
	GATE_SCAN = 0, /* unanchored scan of the whole text (custom patterns) */
	GATE_DIGITS,   /* starts of digit runs, through pre() */
	GATE_AT,       /* '@', through pre() */
	GATE_KV,       /* ':' and '=', through pre() */
	GATE_RUN,      /* runs of token bytes at least minrun long (unanchored inside the run) */
	GATE_KEYWORD,  /* context words found by the anchor pass */
	GATE_LIT,      /* occurrences of a literal (memmem), through pre() */
} gate_t;

#define NOPE SIZE_MAX
/* Start positions (at most 2) to try the anchored pattern at, for an anchor at pos. */
typedef size_t (*pre_fn)(const char *t, size_t len, size_t pos, size_t rl, size_t out[2]);

static size_t pre_email(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t s = pos;
	/* ASCII local parts, and letters of two-byte UTF-8 (Latin, Greek, Cyrillic, ...);
	 * three-byte sequences (CJK text, full-width punctuation) end the address */
	while (s > 0 && pos - s <= 64) {
		unsigned char c = (unsigned char)t[s - 1];
		if (c && (is_alnum(c) || strchr("._%+-", c))) {
			s--;
		} else if (is_cont(c) && s >= 2 && (unsigned char)t[s - 2] >= 0xC3 &&
			   (unsigned char)t[s - 2] <= 0xDF) {
			s -= 2;
		} else {
			break;
		}
	}
	if (s == pos || pos - s > 64)
		return 0;
	out[0] = s;
	return 1;
}

/* key = value: the key word before the separator. */
static size_t pre_kv(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t e = pos;
	while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '\t'))
		e--;
	if (e > 0 && (t[e - 1] == '"' || t[e - 1] == '\''))
		e--;
	size_t s = e;
	while (s > 0 && e - s < 48 &&
	       (is_alnum((unsigned char)t[s - 1]) || strchr("_.-", t[s - 1])) && t[s - 1])
		s--;
	if (s == e || (s > 0 && is_alnum((unsigned char)t[s - 1])))
		return 0;
	out[0] = s;
	return 1;
}

/* An IPv6 address has seven colons, or fewer with "::" (compressed). */
static size_t pre_ipv6(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t s = pos, e = pos, colons = 0;
	int dbl = 0;
	if (t[pos] != ':' || (pos > 0 && t[pos - 1] == ':'))
		return 0; /* only the first colon of a run of groups */
	while (s > 0 && pos - s < 5 && isxdigit((unsigned char)t[s - 1]))
		s--;
	if (s > 0 && t[s - 1] == ':')
		return 0;
	for (;
	     e < len && e - s < 46 && (isxdigit((unsigned char)t[e]) || t[e] == ':' || t[e] == '.');
	     e++)
		if (t[e] == ':') {
			colons++;
			if (e > 0 && t[e - 1] == ':')
				dbl = 1;
		}
	if (!(colons == 7 || (dbl && colons >= 2) || (colons == 6 && memchr(t + s, '.', e - s))))
		return 0;
	out[0] = s;
	return 1;
}

/* Digit-led detectors: pos starts a run of rl digits (t[pos-1] is not a digit). */
static size_t pre_card(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (pos > 0 && (is_alnum((unsigned char)t[pos - 1]) || strchr("_.-", t[pos - 1])))
		return 0;
	/* every layout starts with a group of four, or is one run of 13-19 digits */
	if (rl != 4 && (rl < 13 || rl > 19))
		return 0;
	size_t nd = 0;
	for (size_t i = pos; i < len && nd < 13; i++) {
		if (is_digit((unsigned char)t[i]))
			nd++;
		else if (!((t[i] == ' ' || t[i] == '-') && i + 1 < len &&
			   is_digit((unsigned char)t[i + 1])))
			break;
	}
	if (nd < 13)
		return 0;
	out[0] = pos;
	return 1;
}

static size_t pre_ssn(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (rl != 3 || pos + 11 > len || (t[pos + 3] != '-' && t[pos + 3] != ' '))
		return 0;
	out[0] = pos;
	return 1;
}

/* Four groups of 1-3 digits joined by dots. */
static size_t pre_ipv4(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t i = pos + rl;
	if (rl > 3)
		return 0;
	for (int g = 0; g < 3; g++) {
		if (i + 1 >= len || t[i] != '.' || !is_digit((unsigned char)t[i + 1]))
			return 0;
		size_t d = ++i;
		while (i < len && is_digit((unsigned char)t[i]))
			i++;
		if (i - d > 3)
			return 0;
	}
	out[0] = pos;
	return 1;
}

static size_t pre_nanp(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (rl == 3 && pos > 0 && t[pos - 1] == '(' && pos + 3 < len && t[pos + 3] == ')') {
		out[0] = pos - 1;
		return 1;
	}
	if (pos + rl >= len)
		return 0;
	char n = t[pos + rl];
	if (rl == 3 && (n == '.' || n == '-' || n == ' '))
		goto yes;
	if (rl == 1 && t[pos] == '1' && (n == '.' || n == '-' || n == ' ' || n == '('))
		goto yes;
	return 0;
yes:
	out[0] = pos;
	return 1;
}

static size_t pre_national(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (t[pos] != '0' || rl < 2 || rl > 5 || pos + rl + 2 >= len || !strchr(" /-", t[pos + rl]))
		return 0;
	out[0] = pos;
	return 1;
}

static size_t pre_us_street(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t i = pos + rl;
	if (rl > 6 || (pos > 0 && is_word((unsigned char)t[pos - 1])))
		return 0;
	if (i < len && is_upper((unsigned char)t[i]))
		i++;
	if (i + 1 >= len || !(t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
		return 0;
	if (!is_upper((unsigned char)t[i + 1]) && !is_digit((unsigned char)t[i + 1]))
		return 0;
	out[0] = pos;
	return 1;
}

static size_t pre_iban(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (pos < 2 || rl < 2 || !is_alpha((unsigned char)t[pos - 1]) ||
	    !is_alpha((unsigned char)t[pos - 2]))
		return 0;
	if (pos > 2 && is_alnum((unsigned char)t[pos - 3]))
		return 0;
	out[0] = pos - 2;
	return 1;
}

static size_t pre_uk_postcode(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (pos < 1 || rl > 2 || !is_upper((unsigned char)t[pos - 1]))
		return 0;
	size_t s = pos - 1;
	if (s > 0 && is_upper((unsigned char)t[s - 1]))
		s--;
	out[0] = s;
	return 1;
}

static size_t pre_us_zip(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t e = pos;
	if (rl != 5)
		return 0;
	while (e > 0 && pos - e < 2 && t[e - 1] == ' ')
		e--;
	if (e == pos)
		return 0;
	if (e > 0 && t[e - 1] == ',')
		e--;
	if (e > 0 && t[e - 1] == '.')
		e--;
	if (e < 2 || !is_upper((unsigned char)t[e - 1]) || !is_upper((unsigned char)t[e - 2]))
		return 0;
	out[0] = e - 2;
	return 1;
}

/* "Hauptstraße 5", "Berliner Straße 5": the word before the number, and the one before that. */
static size_t pre_de_street(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t n = 0, e = pos;
	if (rl > 4 || pos < 4 || t[pos - 1] != ' ')
		return 0;
	e = pos - 1;
	for (int w = 0; w < 2; w++) {
		size_t s = e;
		while (s > 0 && e - s < 48 &&
		       (is_alpha((unsigned char)t[s - 1]) || (unsigned char)t[s - 1] >= 0x80 ||
			t[s - 1] == '.'))
			s--;
		if (s == e)
			break;
		out[n++] = s;
		if (s == 0 || (t[s - 1] != ' ' && t[s - 1] != '-'))
			break;
		e = s - 1;
	}
	if (n == 2) { /* longer start first */
		size_t x = out[0];
		out[0] = out[1];
		out[1] = x;
	}
	return n;
}

static size_t pre_plus(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (pos == 0 || t[pos - 1] != '+')
		return 0;
	out[0] = pos - 1;
	return 1;
}

static size_t pre_00(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (rl < 3 || t[pos] != '0' || t[pos + 1] != '0')
		return 0;
	out[0] = pos;
	return 1;
}

static size_t pre_de_plz(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	if (rl != 5 || pos < 2 || t[pos - 1] != '-' || t[pos - 2] != 'D')
		return 0;
	out[0] = pos - 2;
	return 1;
}

/* "://": back to the start of the scheme. */
static size_t pre_url(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	size_t s = pos;
	while (s > 0 && pos - s < 16 &&
	       (is_alnum((unsigned char)t[s - 1]) || strchr("+.-", t[s - 1])) && t[s - 1])
		s--;
	while (s < pos && !is_alpha((unsigned char)t[s]))
		s++;
	if (pos - s < 2)
		return 0;
	out[0] = s;
	return 1;
}

static size_t pre_here(const char *t, size_t len, size_t pos, size_t rl, size_t out[2])
{
	out[0] = pos;
	return 1;
}

typedef struct det_def {
	const char *name;
	const char *pattern;
	validate_fn validate;
	gate_t gate;
	pre_fn pre;
	size_t minrun;	 /* GATE_RUN */
	const char *lit; /* GATE_LIT */
} det_def_t;

/* One detector per entry; patterns are split where a reader expects, so: */
/* clang-format off */
static const det_def_t builtin[] = {
	{"email",
	 "(?<![A-Za-z0-9._%+-])(?:[A-Za-z0-9._%+-]|[\\xc3-\\xdf][\\x80-\\xbf]){1,64}+@"
	 "(?:[A-Za-z0-9-]|[\\xc3-\\xdf][\\x80-\\xbf]){1,63}+"
	 "(?:\\.(?:[A-Za-z0-9-]|[\\xc3-\\xdf][\\x80-\\xbf]){1,63}+)++",
	 v_email, GATE_AT, pre_email, 0, NULL},
	{"card", "(?<![\\w.-])\\d(?:[ -]?\\d){12,22}(?![\\w])",
	 v_card, GATE_DIGITS, pre_card, 0, NULL},
	{"iban", "(?<![A-Za-z0-9])[A-Za-z]{2}\\d{2}(?: ?[A-Za-z0-9]){11,36}",
	 v_iban, GATE_DIGITS, pre_iban, 0, NULL},
	{"ssn", "(?<![\\w-])\\d{3}([- ])\\d{2}\\1\\d{4}(?![\\w-])",
	 v_ssn, GATE_DIGITS, pre_ssn, 0, NULL},
	{"ipv4", "(?<![\\w.])\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(?![\\w]|\\.\\d)",
	 v_ipv4, GATE_DIGITS, pre_ipv4, 0, NULL},
	{"ipv6",
	 "(?<![\\w:.])(?:[0-9A-Fa-f]{1,4}|(?=::))(?::[0-9A-Fa-f]{0,4}){2,7}"
	 "(?:(?<=:)\\d{1,3}(?:\\.\\d{1,3}){3})?(?:%[A-Za-z0-9]{1,16})?(?![\\w:])",
	 v_ipv6, GATE_KV, pre_ipv6, 0, NULL},
	{"phone-intl",
	 "(?<![\\w+])\\+[1-9]\\d{0,2}(?:[ .\\-]?(?:\\(\\d{1,4}\\)|\\d{1,5})){1,7}"
	 "(?![\\w])(?!\\.\\d)",
	 v_phone_intl, GATE_DIGITS, pre_plus, 0, NULL},
	{"phone-00",
	 "(?<![\\w+])(?<!\\d )00[1-9]\\d{0,2}(?:[ .\\-]?(?:\\(\\d{1,4}\\)|\\d{1,5})){1,7}(?![\\w])",
	 v_phone_intl, GATE_DIGITS, pre_00, 0, NULL},
	{"phone-nanp",
	 "(?<![\\w+.\\-])(?<!\\d )(?:1[ .\\-]?)?(?:\\(\\d{3}\\) ?|\\d{3}([.\\- ]))"
	 "\\d{3}(?(1)\\1|[.\\-])\\d{4}(?![\\w]|[.\\-]\\d)",
	 v_phone_nanp, GATE_DIGITS, pre_nanp, 0, NULL},
	{"phone-national",
	 "(?<![\\w+.,/\\-])(?<!\\d )0\\d{1,4}([ /\\-])\\d{2,8}(?:\\1\\d{2,8}){0,3}"
	 "(?![\\w]|[.,/\\-]\\d)",
	 v_phone_national, GATE_DIGITS, pre_national, 0, NULL},
	{"phone-context",
	 "(?i)\\b(?:phone|tel|telephone|mobile|mob|cell|cellphone|fax|whatsapp|sms"
	 "|call\\s+me(?:\\s+(?:on|at))?|text\\s+me(?:\\s+(?:on|at))?|reach\\s+me\\s+(?:on|at))"
	 "\\b[\\s.:#\\-]{0,4}(?:no\\.?\\s*|number\\s*)?(?:is\\s+)?"
	 "\\K\\+?\\(?\\d[\\d ().\\-]{5,20}\\d(?![\\w])",
	 v_phone_context, GATE_KEYWORD, NULL, 0, NULL},
	{"url", "(?i)\\b[a-z][a-z0-9+.\\-]{1,15}://[^\\s<>\"'`\\x00]{3,8192}",
	 v_url, GATE_LIT, pre_url, 0, "://"},
	{"aws-key",
	 "(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])",
	 v_secret, GATE_RUN, NULL, 20, NULL},
	{"jwt",
	 "(?<![\\w-])eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*"
	 "(?:\\.[A-Za-z0-9_-]+){0,2}",
	 v_secret, GATE_LIT, pre_here, 0, "eyJ"},
	{"token-prefix",
	 "(?<![\\w-])(?:sk-(?:proj-|ant-|live-|svcacct-)?[A-Za-z0-9_\\-]{20,}"
	 "|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
	 "|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_\\-]{20,}"
	 "|xox[abposre]-[A-Za-z0-9\\-]{10,}|xapp-[A-Za-z0-9\\-]{10,}|AIza[0-9A-Za-z_\\-]{35}"
	 "|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}|SG\\.[A-Za-z0-9_\\-]{16,}\\.[A-Za-z0-9_\\-]{16,}"
	 "|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|whsec_[A-Za-z0-9+/=]{20,}|pypi-[A-Za-z0-9_\\-]{50,}"
	 "|dop_v1_[a-f0-9]{64}|sq0(?:atp|csp)-[A-Za-z0-9_\\-]{22,})",
	 v_secret, GATE_RUN, NULL, 15, NULL},
	{"private-key",
	 "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?"
	 "(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\\z)",
	 v_secret, GATE_LIT, pre_here, 0, "-----BEGIN "},
	{"auth-header", "(?i)\\b(?:bearer|basic|token)[ \\t]+\\K[A-Za-z0-9._~+/=\\-]{8,}",
	 v_auth_value, GATE_KEYWORD, NULL, 0, NULL},
	{"key-value",
	 "(?i)(?<![A-Za-z0-9])[A-Za-z0-9_.\\-]{0,40}?"
	 "(?:api[_\\-]?key|apikey|secret|token|passw(?:or)?d|pwd|pass|access[_\\-]?key|auth"
	 "|credentials?|private[_\\-]?key|session[_\\-]?id|signature)"
	 "[A-Za-z0-9_.\\-]{0,24}[\"']?[ \\t]*(?:=>|:=|[:=])[ \\t]*"
	 "(?:\"\\K[^\"\\x00\\r\\n]{1,256}(?=\")"
	 "|'\\K[^'\\x00\\r\\n]{1,256}(?=')"
	 "|\\K[^\\s\"',;&<>\\x00]{1,256})",
	 v_keyvalue, GATE_KV, pre_kv, 0, NULL},
	{"card-code",
	 "(?i)\\b(?:cvv2?|cvc2?|csc|security code)\\b[\\s:#=]{0,4}(?:is\\s+)?\\K\\d{3,4}(?![\\w])",
	 v_card_code, GATE_KEYWORD, NULL, 0, NULL},
	{"password-is",
	 "(?i)\\b(?:password|passcode|passphrase|pin)\\s+(?:is|was)\\s+\\K[^\\s\"'<>\\x00]{1,128}",
	 v_password_is, GATE_KEYWORD, NULL, 0, NULL},
	{"entropy", "(?<![A-Za-z0-9+/_.\\-])[A-Za-z0-9+/_\\-]{32,128}={0,2}(?![A-Za-z0-9+/_\\-])",
	 v_entropy, GATE_RUN, NULL, 32, NULL},
	{"ssn-context",
	 "(?i)\\b(?:ssn|ss#|social security(?: number| no\\.?)?)[\\s:#.]{0,4}(?:is\\s+)?"
	 "\\K\\d{9}(?![\\w])",
	 v_ssn, GATE_KEYWORD, NULL, 0, NULL},
	{"uk-postcode",
	 "(?<![\\w])(?:[A-PR-UWYZ][A-HK-Y]?\\d[A-HJKPSTUW\\d]?|GIR)"
	 " ?\\d[ABD-HJLNP-UW-Z]{2}(?![\\w])",
	 v_postal, GATE_DIGITS, pre_uk_postcode, 0, NULL},
	{"us-zip", "(?<![A-Za-z])(?:" US_STATES ")\\.?,?[ ]{1,2}\\K\\d{5}(?:-\\d{4})?(?![\\w-])",
	 v_postal, GATE_DIGITS, pre_us_zip, 0, NULL},
	{"zip-context",
	 "(?i)\\b(?:zip|zip code|zipcode|postcode|postal code|plz)[\\s:#]{1,4}"
	 "\\K\\d{4,5}(?:-\\d{4})?\\b",
	 v_postal, GATE_KEYWORD, NULL, 0, NULL},
	{"de-plz", "(?<![\\w])D-\\d{5}(?=\\s+" DE_UPPER ")",
	 v_postal, GATE_DIGITS, pre_de_plz, 0, NULL},
	{"us-street",
	 "(?<![\\w])\\d{1,6}[A-Z]?\\s+(?:(?:[NSEW]\\.?|North|South|East|West)\\s+)?"
	 "(?:[A-Z][a-z]+|\\d{1,3}(?:st|nd|rd|th))(?:\\s+[A-Z][a-z]+){0,3}\\s+"
	 "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
	 "|Terrace|Circle|Highway|Hwy|Parkway|Pkwy|Square|Sq|Close|Crescent|Gardens|Row|Mews)"
	 "\\b\\.?"
	 "(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|#)\\.?\\s*#?[A-Za-z0-9\\-]{1,6}\\b)?",
	 v_address, GATE_DIGITS, pre_us_street, 0, NULL},
	{"de-street",
	 "(?<![\\w\\x80-\\xff])"
	 "(?:" DE_UPPER DE_WORDCH "*(?:stra\xc3\x9f" "e|strasse|str\\.|weg|allee|platz|gasse"
	 "|damm|ufer|chaussee|steig|pfad)"
	 "|(?:" DE_UPPER DE_WORDCH "*[ \\-])?(?:Stra\xc3\x9f" "e|Strasse|Str\\."
	 "|Weg|Allee|Platz|Gasse|Damm|Ufer|Chaussee))"
	 "[ ]\\d{1,4}[ ]?[a-z]?(?![\\w])"
	 "(?:,?\\s{1,3}(?:D-)?\\d{5}\\s" DE_UPPER "(?:" DE_WORDCH "|-)+)?",
	 v_address, GATE_DIGITS, pre_de_street, 0, NULL},
};
/* clang-format on */

#define NBUILTIN (sizeof builtin / sizeof builtin[0])

typedef struct det {
	pcre2_code *code;
	validate_fn validate; /* NULL for custom patterns */
	gate_t gate;
	pre_fn pre;
	size_t minrun;
	const char *lit;
	char *label; /* custom only, owned */
} det_t;

struct redactor {
	det_t *d;
	size_t n;
	pcre2_match_context *mctx;
	uint32_t max_pairs;
	int jit;
};

static int compile_one(redactor_t *r, pcre2_code **code, const char *pattern, uint32_t flags,
		       char *err, size_t errlen, const char *what)
{
	int ec;
	PCRE2_SIZE eo;
	*code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags, &ec, &eo, NULL);
	if (!*code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		if (err && errlen)
			snprintf(err, errlen, "%s: %s at offset %zu", what, (const char *)msg,
				 (size_t)eo);
		return PRECEDENT_EPATTERN;
	}
	if (pcre2_jit_compile(*code, PCRE2_JIT_COMPLETE) != 0)
		r->jit = 0; /* the interpreter still works, only slower */
	uint32_t pairs = 0;
	pcre2_pattern_info(*code, PCRE2_INFO_CAPTURECOUNT, &pairs);
	if (pairs + 1 > r->max_pairs)
		r->max_pairs = pairs + 1;
	return 0;
}

static int label_ok(const char *l)
{
	size_t n = l ? strlen(l) : 0;
	if (n == 0 || n > REDACT_LABEL_MAX || !(l[0] >= 'A' && l[0] <= 'Z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((l[i] >= 'A' && l[i] <= 'Z') || is_digit((unsigned char)l[i]) || l[i] == '_'))
			return 0;
	return 1;
}

int redactor_new(const redact_custom_t *custom, size_t ncustom, redactor_t **out, char *err,
		 size_t errlen)
{
	int rc = 0;
	redactor_t *r = xcalloc(1, sizeof *r);
	uint32_t jit_ok = 0;
	pcre2_config(PCRE2_CONFIG_JIT, &jit_ok);
	r->jit = jit_ok != 0;
	if (err && errlen)
		err[0] = 0;
	*out = NULL;
	if (ncustom && !custom) {
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	r->d = xcalloc(NBUILTIN + ncustom, sizeof *r->d);
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->mctx) {
		rc = PRECEDENT_ENOMEM;
		goto out;
	}
	pcre2_set_match_limit(r->mctx, REDACT_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, REDACT_DEPTH_LIMIT);
	for (size_t i = 0; i < NBUILTIN; i++) {
		det_t *d = &r->d[r->n];
		const det_def_t *b = &builtin[i];
		char what[64];
		/* Gated patterns run anchored at given places: PCRE2's start-up optimisations
		 * (first and required code unit searches) only cost there, and they made some
		 * inputs quadratic (a required '.' searched for to the end at every '@'). */
		uint32_t flags = PCRE2_NO_START_OPTIMIZE;
		if (b->gate != GATE_RUN && b->gate != GATE_SCAN)
			flags |= PCRE2_ANCHORED;
		snprintf(what, sizeof what, "built-in detector '%s'", b->name);
		rc = compile_one(r, &d->code, b->pattern, flags, err, errlen, what);
		if (rc)
			goto out;
		d->validate = b->validate;
		d->gate = b->gate;
		d->pre = b->pre;
		d->minrun = b->minrun;
		d->lit = b->lit;
		r->n++;
	}
	for (size_t i = 0; i < ncustom; i++) {
		det_t *d = &r->d[r->n];
		const char *label = custom[i].label ? custom[i].label : "";
		char what[96];
		snprintf(what, sizeof what, "custom pattern %zu ('%.40s')", i + 1, label);
		if (!label_ok(custom[i].label)) {
			if (err && errlen)
				snprintf(err, errlen,
					 "%s: label must be 1-%d upper-case letters, digits or '_'",
					 what, REDACT_LABEL_MAX);
			rc = PRECEDENT_EPATTERN;
			goto out;
		}
		if (!custom[i].pattern || !custom[i].pattern[0]) {
			if (err && errlen)
				snprintf(err, errlen, "%s: empty pattern", what);
			rc = PRECEDENT_EPATTERN;
			goto out;
		}
		rc = compile_one(r, &d->code, custom[i].pattern,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, err, errlen, what);
		if (rc)
			goto out;
		d->gate = GATE_SCAN;
		d->label = xstrdup(custom[i].label);
		r->n++;
	}
	*out = r;
	r = NULL;
out:
	redactor_free(r);
	return rc;
}

void redactor_free(redactor_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		pcre2_code_free(r->d[i].code);
		free(r->d[i].label);
	}
	free(r->d);
	pcre2_match_context_free(r->mctx);
	free(r);
}

int redactor_jit(const redactor_t *r)
{
	return r && r->jit;
}

/* ------------------------------------------------------------------------- */
/* Running the detectors                                                      */

/* Growable list of positions (pairs for runs). */
typedef struct poslist {
	size_t *v;
	size_t n, alloc;
} poslist_t;

static void pl_push(poslist_t *p, size_t a)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 64;
		p->v = xrealloc(p->v, p->alloc * sizeof *p->v);
	}
	p->v[p->n++] = a;
}

/* The anchors of one text, built in one pass. */
typedef struct anchors {
	poslist_t digits; /* pairs: start of a digit run, its length */
	poslist_t at;	  /* '@' */
	poslist_t kv;	  /* ':' and '=' */
	poslist_t runs;	  /* pairs: start, end of runs of token bytes (length >= 15) */
	poslist_t kw;	  /* keyword gate hits */
} anchors_t;

/* Context words that start a GATE_KEYWORD detector (prefixes, case-insensitive). */
#define KW(s)                                                                                      \
	{                                                                                          \
		s, sizeof s - 1                                                                    \
	}
static const struct {
	const char *w;
	size_t n;
} keywords[] = {
    KW("ssn"),	 KW("ss#"),   KW("social"), KW("phone"),    KW("tel"),	    KW("mobile"),
    KW("mob"),	 KW("cell"),  KW("fax"),    KW("whatsapp"), KW("sms"),	    KW("call"),
    KW("text"),	 KW("reach"), KW("bearer"), KW("basic"),    KW("token"),    KW("passw"),
    KW("passc"), KW("passp"), KW("pin"),    KW("zip"),	    KW("postcode"), KW("postal"),
    KW("plz"),	 KW("cvv"),   KW("cvc"),    KW("csc"),	    KW("security"),
};

_Static_assert(sizeof keywords / sizeof keywords[0] <= 32, "keyword masks are 32 bits");

/* Keywords by first letter, then by their first two: bit k is keywords[k]. */
static uint32_t kw_first[26], kw_two[26][27];

/* Second byte as a table index: a-z, or 26 for anything else ("ss#" has 's'). */
static int kw_second(unsigned char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z' ? c - 'a' : 26;
}

static int keyword_at(const char *t, size_t len, size_t i)
{
	if (i + 1 >= len)
		return 0;
	uint32_t m = kw_two[lower((unsigned char)t[i]) - 'a'][kw_second((unsigned char)t[i + 1])];
	while (m) {
		int k = __builtin_ctz(m);
		m &= m - 1;
		if (i + keywords[k].n <= len && ci_equal(t + i, keywords[k].w, keywords[k].n))
			return 1;
	}
	return 0;
}

#define RUN_MIN 15
enum { C_DIGIT = 1, C_TOKEN = 2, C_AT = 4, C_KV = 8, C_ALPHA = 16 };
static unsigned char byte_class[256];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void init_classes(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;
		if (is_digit((unsigned char)c))
			k |= C_DIGIT;
		if (is_alpha((unsigned char)c))
			k |= C_ALPHA;
		if (is_alnum((unsigned char)c) || (c && strchr("+/_=.-", c)))
			k |= C_TOKEN;
		if (c == '@')
			k |= C_AT;
		if (c == ':' || c == '=')
			k |= C_KV;
		byte_class[c] = k;
	}
	for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
		kw_first[keywords[k].w[0] - 'a'] |= 1u << k;
		kw_two[keywords[k].w[0] - 'a'][kw_second((unsigned char)keywords[k].w[1])] |= 1u
											      << k;
	}
}

/* Index of the first byte at or after i that is not an ASCII letter; eight at a time. */
static size_t skip_letters(const char *t, size_t len, size_t i)
{
	const uint64_t hi = 0x8080808080808080ULL;
	while (i + 8 <= len) {
		uint64_t x, y;
		memcpy(&x, t + i, 8);
		y = x | 0x2020202020202020ULL; /* fold case: letters become 0x61..0x7a */
		/* per byte: high bit of (y + 0x1f) means y >= 0x61, of (y + 0x05) means y >= 0x7b;
		 * bytes of x under 0x80 keep every sum under 0x100, so no carry crosses bytes */
		uint64_t letter =
		    (y + 0x1f1f1f1f1f1f1f1fULL) & ~(y + 0x0505050505050505ULL) & ~x & hi;
		if (letter != hi) {
			uint64_t other = ~letter & hi;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return i + (size_t)(__builtin_ctzll(other) / 8);
#else
			return i + (size_t)(__builtin_clzll(other) / 8);
#endif
		}
		i += 8;
	}
	while (i < len && is_alpha((unsigned char)t[i]))
		i++;
	return i;
}

static void build_anchors(const char *t, size_t len, anchors_t *a)
{
	size_t run_start = 0, i = 0;
	int in_run = 0;
	while (i < len) {
		unsigned char c = (unsigned char)t[i], k = byte_class[c];
		if (k & C_ALPHA) {
			if (!in_run) {
				in_run = 1;
				run_start = i;
			}
			/* a word starts here unless a digit or '_' is glued before it */
			if (kw_first[lower(c) - 'a'] &&
			    (i == 0 || !((byte_class[(unsigned char)t[i - 1]] & C_DIGIT) ||
					 t[i - 1] == '_')) &&
			    keyword_at(t, len, i))
				pl_push(&a->kw, i);
			i = skip_letters(t, len, i + 1);
			continue;
		}
		if (k & C_DIGIT) {
			size_t e = i + 1;
			while (e < len && is_digit((unsigned char)t[e]))
				e++;
			pl_push(&a->digits, i);
			pl_push(&a->digits, e - i);
			if (!in_run) {
				in_run = 1;
				run_start = i;
			}
			i = e;
			continue;
		}
		if (k & C_TOKEN) { /* + / _ = . - inside a token run */
			if (!in_run) {
				in_run = 1;
				run_start = i;
			}
		} else if (in_run) {
			in_run = 0;
			if (i - run_start >= RUN_MIN) {
				pl_push(&a->runs, run_start);
				pl_push(&a->runs, i);
			}
		}
		if (k & C_AT)
			pl_push(&a->at, i);
		else if (k & C_KV)
			pl_push(&a->kv, i);
		i++;
	}
	if (in_run && len - run_start >= RUN_MIN) {
		pl_push(&a->runs, run_start);
		pl_push(&a->runs, len);
	}
}

static void anchors_release(anchors_t *a)
{
	free(a->digits.v);
	free(a->at.v);
	free(a->kv.v);
	free(a->runs.v);
	free(a->kw.v);
}

static int match_err(int m)
{
	if (m == PCRE2_ERROR_MATCHLIMIT || m == PCRE2_ERROR_DEPTHLIMIT ||
	    m == PCRE2_ERROR_HEAPLIMIT || m == PCRE2_ERROR_JIT_STACKLIMIT)
		return PRECEDENT_EBUSY; /* fail closed: the caller must not keep the text */
	return PRECEDENT_EINVAL;
}

static int do_match(const redactor_t *r, const pcre2_code *code, const char *t, size_t len,
		    size_t off, pcre2_match_data *md)
{
	int m = pcre2_match(code, (PCRE2_SPTR)t, len, off, 0, md, r->mctx);
	if (m == PCRE2_ERROR_JIT_STACKLIMIT)
		m = pcre2_match(code, (PCRE2_SPTR)t, len, off, PCRE2_NO_JIT, md, r->mctx);
	return m;
}

/*
 * Validates the match in md and emits its spans. Returns where the scan goes on: past
 * the spans emitted, or one code point after the match start when nothing was.
 */
static size_t take_match(const det_t *d, scan_t *sc, pcre2_match_data *md)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t ms = ov[0], me = ov[1], st = pcre2_get_startchar(md), next = 0;
	size_t before = sc->n;
	if (ms > me) /* \K inside a lookaround: use the whole match */
		ms = st;
	if (me > ms) {
		if (d->validate)
			d->validate(sc, ms, me);
		else
			emit(sc, PII_CUSTOM, d->label, ms, me);
	}
	for (size_t i = before; i < sc->n; i++)
		if (sc->c[i].end > next)
			next = sc->c[i].end;
	/* a URL's spans lie inside it: go on after the whole URL, not into it again */
	if (d->validate == v_url && sc->n > before && me > next)
		next = me;
	if (next <= st)
		next = st + 1;
	while (next < sc->len && is_cont((unsigned char)sc->t[next]))
		next++;
	return next;
}

/* Unanchored scan of [from, to): 'to' is the subject end the pattern sees. */
static int scan_range(const redactor_t *r, const det_t *d, scan_t *sc, pcre2_match_data *md,
		      size_t from, size_t to)
{
	size_t off = from;
	while (off <= to) {
		int m = do_match(r, d->code, sc->t, to, off, md);
		if (m == PCRE2_ERROR_NOMATCH)
			return 0;
		if (m < 0)
			return match_err(m);
		off = take_match(d, sc, md);
	}
	return 0;
}

/* Tries d anchored at the start(s) pre() gives for an anchor at pos. Returns 0 or an error;
 * *off moves past what was emitted. */
static int try_anchor(const redactor_t *r, const det_t *d, scan_t *sc, pcre2_match_data *md,
		      size_t pos, size_t rl, size_t *off, size_t *last)
{
	size_t st[2], ns = d->pre(sc->t, sc->len, pos, rl, st);
	for (size_t k = 0; k < ns; k++) {
		if (st[k] < *off || st[k] == *last)
			continue;
		*last = st[k];
		int m = do_match(r, d->code, sc->t, sc->len, st[k], md);
		if (m == PCRE2_ERROR_NOMATCH)
			continue;
		if (m < 0)
			return match_err(m);
		size_t before = sc->n, next = take_match(d, sc, md);
		if (sc->n > before) {
			*off = next;
			break;
		}
	}
	return 0;
}

/* Index of the byte of lit least likely in prose: upper case, then punctuation, digits,
 * lower case, blanks (the last of equals). */
static size_t lit_key(const char *lit, size_t n)
{
	size_t best = 0;
	int best_rank = 9;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)lit[i];
		int rank = is_upper(c)	      ? 0
			   : is_digit(c)      ? 2
			   : is_alpha(c)      ? 3
			   : strchr(" .,", c) ? 4
					      : 1;
		if (rank <= best_rank) {
			best_rank = rank;
			best = i;
		}
	}
	return best;
}

static int run_detector(const redactor_t *r, const det_t *d, scan_t *sc, const anchors_t *a,
			pcre2_match_data *md)
{
	const poslist_t *pl;
	size_t step = 1, off = 0, last = NOPE;
	int rc = 0;
	switch (d->gate) {
	case GATE_SCAN:
		return scan_range(r, d, sc, md, 0, sc->len);
	case GATE_RUN:
		for (size_t i = 0; i < a->runs.n && !rc; i += 2)
			if (a->runs.v[i + 1] - a->runs.v[i] >= d->minrun)
				rc = scan_range(r, d, sc, md, a->runs.v[i], a->runs.v[i + 1]);
		return rc;
	case GATE_LIT: {
		size_t ll = strlen(d->lit), key = lit_key(d->lit, ll);
		for (size_t from = 0; from + ll <= sc->len && !rc;) {
			/* memchr for the literal's rarest byte, then compare: faster than memmem
			 * for these short needles */
			const char *p =
			    memchr(sc->t + from + key, d->lit[key], sc->len - from - key);
			if (!p)
				break;
			size_t pos = (size_t)(p - sc->t) - key;
			if (pos + ll > sc->len || memcmp(sc->t + pos, d->lit, ll) != 0) {
				from = pos + 1;
				continue;
			}
			rc = try_anchor(r, d, sc, md, pos, 0, &off, &last);
			from = pos + 1 > off ? pos + 1 : off;
		}
		return rc;
	}
	case GATE_DIGITS:
		pl = &a->digits;
		step = 2;
		break;
	case GATE_AT:
		pl = &a->at;
		break;
	case GATE_KV:
		pl = &a->kv;
		break;
	default:
		return 0; /* GATE_KEYWORD: run_keywords() */
	}
	for (size_t i = 0; i < pl->n && !rc; i += step)
		rc = try_anchor(r, d, sc, md, pl->v[i], step == 2 ? pl->v[i + 1] : 0, &off, &last);
	return rc;
}

/* Every GATE_KEYWORD detector, anchored at each context word. */
static int run_keywords(const redactor_t *r, scan_t *sc, const anchors_t *a, pcre2_match_data *md)
{
	for (size_t j = 0; j < a->kw.n; j++) {
		size_t p = a->kw.v[j];
		for (size_t i = 0; i < r->n; i++) {
			const det_t *d = &r->d[i];
			if (d->gate != GATE_KEYWORD)
				continue;
			int m = do_match(r, d->code, sc->t, sc->len, p, md);
			if (m == PCRE2_ERROR_NOMATCH)
				continue;
			if (m < 0)
				return match_err(m);
			take_match(d, sc, md);
		}
	}
	return 0;
}

/* Case-insensitive search of a literal (the customer's e-mail or full name). */
static void find_literal(scan_t *sc, const char *lit, size_t n, pii_type_t type, int whole_word,
			 int fold)
{
	if (n == 0 || n > sc->len)
		return;
	for (size_t i = 0; i + n <= sc->len; i++) {
		if (lower((unsigned char)sc->t[i]) != lower((unsigned char)lit[0]))
			continue;
		if (fold ? !ci_equal(sc->t + i, lit, n) : memcmp(sc->t + i, lit, n) != 0)
			continue;
		if (whole_word && ((i > 0 && is_word((unsigned char)sc->t[i - 1])) ||
				   (i + n < sc->len && is_word((unsigned char)sc->t[i + n]))))
			continue;
		emit(sc, type, NULL, i, i + n);
		i += n - 1;
	}
}

static void find_hints(scan_t *sc, const redact_hints_t *h)
{
	if (!h)
		return;
	if (h->customer_email && strchr(h->customer_email, '@'))
		find_literal(sc, h->customer_email, strlen(h->customer_email), PII_EMAIL, 1, 1);
	const char *name = h->customer_name;
	if (!name)
		return;
	while (*name == ' ')
		name++;
	size_t nl = strlen(name);
	while (nl > 0 && name[nl - 1] == ' ')
		nl--;
	if (nl < 2)
		return;
	find_literal(sc, name, nl, PII_NAME, 1, 1);
	/* Each part of the name alone, capitalised as written ("Hi Maria", "Mr. Okafor"). */
	for (size_t i = 0; i < nl;) {
		while (i < nl && (name[i] == ' ' || name[i] == ','))
			i++;
		size_t s = i;
		while (i < nl && name[i] != ' ' && name[i] != ',')
			i++;
		size_t wl = i - s;
		while (wl > 0 && name[s + wl - 1] == '.')
			wl--; /* "J." */
		if (wl >= 2 && utf8_count(name + s, wl) >= 2)
			find_literal(sc, name + s, wl, PII_NAME, 1, 0);
	}
}

static int cand_rank_cmp(const void *a, const void *b)
{
	const cand_t *x = a, *y = b;
	size_t lx = x->end - x->start, ly = y->end - y->start;
	if (lx != ly)
		return lx > ly ? -1 : 1;
	if (type_rank[x->type] != type_rank[y->type])
		return type_rank[x->type] < type_rank[y->type] ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int cand_start_cmp(const void *a, const void *b)
{
	const cand_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/* Index of the first accepted span (sorted by start) whose end is after pos. */
static size_t first_ending_after(const cand_t *acc, size_t n, size_t pos)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (acc[mid].end <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Overlaps: candidates are taken longest first, then by type rank; a candidate that
 * overlaps an accepted span is dropped when it lies inside it. One that overlaps only
 * partly is not dropped (that would leave part of a value in the text): the accepted
 * span grows to cover it, keeping the winner's type. Result: sorted, disjoint spans.
 */
static size_t resolve(cand_t *c, size_t n)
{
	if (n == 0)
		return 0;
	qsort(c, n, sizeof *c, cand_rank_cmp);
	cand_t *acc = xmalloc(n * sizeof *acc);
	size_t na = 0;
	int *partial = xcalloc(n, sizeof *partial);
	for (size_t i = 0; i < n; i++) {
		size_t k = first_ending_after(acc, na, c[i].start);
		if (k < na && acc[k].start < c[i].end) {
			if (!(acc[k].start <= c[i].start && c[i].end <= acc[k].end))
				partial[i] = 1;
			continue;
		}
		memmove(acc + k + 1, acc + k, (na - k) * sizeof *acc);
		acc[k] = c[i];
		acc[k].order = i; /* rank position: decides the type of a merged group */
		na++;
	}
	/* Merge partial overlaps into the accepted spans they touch. */
	size_t np = 0;
	for (size_t i = 0; i < n; i++)
		if (partial[i]) {
			c[np] = c[i];
			c[np].order = SIZE_MAX;
			np++;
		}
	free(partial);
	if (np) {
		acc = xrealloc(acc, (na + np) * sizeof *acc);
		memcpy(acc + na, c, np * sizeof *acc);
		na += np;
		qsort(acc, na, sizeof *acc, cand_start_cmp);
		size_t out = 0;
		for (size_t i = 0; i < na; i++) {
			if (out > 0 && acc[i].start < acc[out - 1].end) {
				cand_t *g = &acc[out - 1];
				if (acc[i].end > g->end)
					g->end = acc[i].end;
				if (acc[i].order < g->order) {
					g->type = acc[i].type;
					g->label = acc[i].label;
					g->order = acc[i].order;
				}
				continue;
			}
			acc[out++] = acc[i];
		}
		na = out;
	}
	memcpy(c, acc, na * sizeof *acc);
	free(acc);
	return na;
}

int redact_find(const redactor_t *r, const char *text, size_t len, const redact_hints_t *hints,
		redact_span_t **spans, size_t *nspans)
{
	int rc = 0;
	scan_t sc = {text, len, NULL, 0, 0, NULL, 0, 0};
	pcre2_match_data *md = NULL;
	anchors_t a = {0};
	*spans = NULL;
	*nspans = 0;
	if (!r || (!text && len))
		return PRECEDENT_EINVAL;
	if (len == 0)
		return 0;
	md = pcre2_match_data_create(r->max_pairs, NULL);
	if (!md)
		return PRECEDENT_ENOMEM;
	pthread_once(&classes_once, init_classes);
	build_anchors(text, len, &a);
	for (size_t i = 0; i < r->n; i++) {
		rc = run_detector(r, &r->d[i], &sc, &a, md);
		if (rc)
			goto out;
	}
	rc = run_keywords(r, &sc, &a, md);
	if (rc)
		goto out;
	apply_vetoes(&sc);
	find_hints(&sc, hints);
	size_t n = resolve(sc.c, sc.n);
	if (n) {
		redact_span_t *s = xmalloc(n * sizeof *s);
		for (size_t i = 0; i < n; i++)
			s[i] = (redact_span_t){sc.c[i].type, sc.c[i].start, sc.c[i].end,
					       sc.c[i].label};
		*spans = s;
		*nspans = n;
	}
out:
	pcre2_match_data_free(md);
	free(sc.c);
	free(sc.veto);
	anchors_release(&a);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* The map: original <-> placeholder, per ticket                               */

typedef struct map_entry {
	char *ph, *orig;
	size_t phlen, olen;
} map_entry_t;

typedef struct map_counter {
	char *label;
	unsigned long next;
} map_counter_t;

struct redact_map {
	map_entry_t *e;
	size_t n, alloc;
	size_t *by_orig, *by_ph; /* open addressing, index + 1, 0 = empty */
	size_t cap;		 /* slots, power of two */
	map_counter_t *ctr;
	size_t nctr;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void map_index(redact_map_t *m, size_t idx)
{
	size_t mask = m->cap - 1;
	size_t h = (size_t)hash_bytes(m->e[idx].orig, m->e[idx].olen) & mask;
	while (m->by_orig[h])
		h = (h + 1) & mask;
	m->by_orig[h] = idx + 1;
	h = (size_t)hash_bytes(m->e[idx].ph, m->e[idx].phlen) & mask;
	while (m->by_ph[h])
		h = (h + 1) & mask;
	m->by_ph[h] = idx + 1;
}

static void map_grow(redact_map_t *m)
{
	if (m->cap && (m->n + 1) * 2 <= m->cap)
		return;
	free(m->by_orig);
	free(m->by_ph);
	m->cap = m->cap ? m->cap * 2 : 64;
	m->by_orig = xcalloc(m->cap, sizeof *m->by_orig);
	m->by_ph = xcalloc(m->cap, sizeof *m->by_ph);
	for (size_t i = 0; i < m->n; i++)
		map_index(m, i);
}

static const map_entry_t *map_find_orig(const redact_map_t *m, const char *s, size_t n)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t h = (size_t)hash_bytes(s, n) & mask; m->by_orig[h]; h = (h + 1) & mask) {
		const map_entry_t *e = &m->e[m->by_orig[h] - 1];
		if (e->olen == n && !memcmp(e->orig, s, n))
			return e;
	}
	return NULL;
}

static const map_entry_t *map_find_ph(const redact_map_t *m, const char *s, size_t n)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t h = (size_t)hash_bytes(s, n) & mask; m->by_ph[h]; h = (h + 1) & mask) {
		const map_entry_t *e = &m->e[m->by_ph[h] - 1];
		if (e->phlen == n && !memcmp(e->ph, s, n))
			return e;
	}
	return NULL;
}

/* Parses "[LABEL_N]" into its label length and number; 0 if s is not a placeholder. */
static int parse_placeholder(const char *s, size_t n, size_t *label_len, unsigned long *num)
{
	if (n < 4 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	size_t u = n - 2;
	while (u > 1 && is_digit((unsigned char)s[u]))
		u--;
	if (u == n - 2 || s[u] != '_' || u < 2 || s[u + 1] == '0' || n - 2 - u > 9)
		return 0;
	for (size_t i = 1; i < u; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || is_digit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	*label_len = u - 1;
	*num = strtoul(s + u + 1, NULL, 10);
	return 1;
}

static map_counter_t *map_counter(redact_map_t *m, const char *label, size_t n)
{
	for (size_t i = 0; i < m->nctr; i++)
		if (strlen(m->ctr[i].label) == n && !memcmp(m->ctr[i].label, label, n))
			return &m->ctr[i];
	m->ctr = xrealloc(m->ctr, (m->nctr + 1) * sizeof *m->ctr);
	m->ctr[m->nctr] = (map_counter_t){xstrndup(label, n), 1};
	return &m->ctr[m->nctr++];
}

static const map_entry_t *map_put(redact_map_t *m, const char *ph, size_t phlen, const char *orig,
				  size_t olen)
{
	map_grow(m);
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 16;
		m->e = xrealloc(m->e, m->alloc * sizeof *m->e);
	}
	m->e[m->n] = (map_entry_t){xstrndup(ph, phlen), xstrndup(orig, olen), phlen, olen};
	map_index(m, m->n);
	return &m->e[m->n++];
}

redact_map_t *redact_map_new(void)
{
	return xcalloc(1, sizeof(redact_map_t));
}

void redact_map_free(redact_map_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].ph);
		free(m->e[i].orig);
	}
	for (size_t i = 0; i < m->nctr; i++)
		free(m->ctr[i].label);
	free(m->e);
	free(m->by_orig);
	free(m->by_ph);
	free(m->ctr);
	free(m);
}

void redact_map_add(redact_map_t *m, const char *placeholder, const char *original)
{
	if (!m || !placeholder || !original)
		return;
	size_t pl = strlen(placeholder), ol = strlen(original), ll;
	unsigned long num;
	if (map_find_ph(m, placeholder, pl) || map_find_orig(m, original, ol))
		return; /* first pair wins: a vault never maps one side twice */
	if (parse_placeholder(placeholder, pl, &ll, &num)) {
		map_counter_t *c = map_counter(m, placeholder + 1, ll);
		if (num >= c->next)
			c->next = num + 1;
	}
	map_put(m, placeholder, pl, original, ol);
}

size_t redact_map_count(const redact_map_t *m)
{
	return m ? m->n : 0;
}

void redact_map_entry(const redact_map_t *m, size_t i, const char **placeholder,
		      const char **original)
{
	*placeholder = m->e[i].ph;
	*original = m->e[i].orig;
}

/* The placeholder for text[s..e), created (next number of its label) if new. */
static const map_entry_t *map_placeholder(redact_map_t *m, const char *label, const char *v,
					  size_t n)
{
	const map_entry_t *e = map_find_orig(m, v, n);
	if (e)
		return e;
	map_counter_t *c = map_counter(m, label, strlen(label));
	char ph[REDACT_LABEL_MAX + 32];
	for (;;) {
		int pl = snprintf(ph, sizeof ph, "[%s_%lu]", label, c->next++);
		if (!map_find_ph(m, ph, (size_t)pl))
			return map_put(m, ph, (size_t)pl, v, n);
	}
}

int redact_text(const redactor_t *r, redact_map_t *m, const char *text, size_t len,
		const redact_hints_t *hints, char **out, size_t *outlen)
{
	redact_span_t *sp = NULL;
	size_t ns = 0, pos = 0;
	buf_t b;
	*out = NULL;
	*outlen = 0;
	if (!m)
		return PRECEDENT_EINVAL;
	int rc = redact_find(r, text, len, hints, &sp, &ns);
	if (rc)
		return rc;
	buf_init(&b, 0);
	for (size_t i = 0; i < ns; i++) {
		const map_entry_t *e =
		    map_placeholder(m, sp[i].label, text + sp[i].start, sp[i].end - sp[i].start);
		buf_append(&b, text + pos, sp[i].start - pos);
		buf_append(&b, e->ph, e->phlen);
		pos = sp[i].end;
	}
	buf_append(&b, text + pos, len - pos);
	free(sp);
	if (b.rc) {
		rc = b.rc;
		buf_release(&b);
		return rc;
	}
	*outlen = b.len;
	*out = buf_steal(&b);
	return 0;
}

int redact_rehydrate(const redact_map_t *m, const char *text, size_t len, char **out,
		     size_t *outlen)
{
	buf_t b;
	size_t pos = 0;
	*out = NULL;
	*outlen = 0;
	if (!m || (!text && len))
		return PRECEDENT_EINVAL;
	buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '[')
			continue;
		size_t j = i + 1;
		while (j < len && j - i < REDACT_LABEL_MAX + 16 && text[j] != ']' && text[j] != '[')
			j++;
		if (j >= len || text[j] != ']')
			continue;
		const map_entry_t *e = map_find_ph(m, text + i, j + 1 - i);
		if (!e)
			continue;
		buf_append(&b, text + pos, i - pos);
		buf_append(&b, e->orig, e->olen);
		pos = j + 1;
		i = j;
	}
	buf_append(&b, text + pos, len - pos);
	if (b.rc) {
		int rc = b.rc;
		buf_release(&b);
		return rc;
	}
	*outlen = b.len;
	*out = buf_steal(&b);
	return 0;
}

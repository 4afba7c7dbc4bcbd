#!/usr/bin/env python3
"""Generate Precedent's bundled sample corpus (tickets, open tickets, customers, eval queries).

Everything here is fictional: "Ledgerline" is a made-up billing/invoicing SaaS written for this
project. The Markdown docs in sample/docs/ are written by hand and are not touched by this script.

Python 3, standard library only, deterministic (fixed seed). The generated files are committed,
so the demo needs no generation step. Run from the repository root:

    python3 scripts/gen_sample.py            # writes sample/{tickets.jsonl,open/,customers.csv,
                                             #   queries.jsonl,qrels.tsv}
    python3 scripts/gen_sample.py --check    # validates the committed files, writes nothing

Outputs
  sample/tickets.jsonl   resolved tickets, one JSON object a line (contract ticket shape)
  sample/open/*.json     three open tickets (no resolution)
  sample/customers.csv   external_id,name,email,organization,plan,product_version,region,csm
  sample/queries.jsonl   held-out query tickets (paraphrases), ticket shape
  sample/qrels.tsv       query_id<TAB>ticket_id<TAB>1
  sample/qrels-docs.tsv  query_id<TAB>doc path under sample/docs/<TAB>1
"""
import csv
import datetime as dt
import io
import json
import os
import random
import re
import sys

SEED = 20260214
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLE = os.path.join(ROOT, "sample")


# ---------------------------------------------------------------- PII helpers (valid by design)


def luhn_check_digit(digits):
    """Check digit that makes digits+check pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number):
    digits = re.sub(r"\D", "", number)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 13 and total % 10 == 0


def make_card(rng):
    kind = rng.choice(["visa", "visa", "mc", "mc", "amex"])
    if kind == "visa":
        body = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    elif kind == "mc":
        body = rng.choice(["51", "52", "53", "54", "55"]) + "".join(
            rng.choice("0123456789") for _ in range(13))
    else:
        body = rng.choice(["34", "37"]) + "".join(rng.choice("0123456789") for _ in range(12))
    num = body + luhn_check_digit(body)
    style = rng.choice(["plain", "space", "dash"])
    if kind == "amex":
        groups = [num[:4], num[4:10], num[10:]]
    else:
        groups = [num[i:i + 4] for i in range(0, 16, 4)]
    if style == "space":
        return " ".join(groups)
    if style == "dash":
        return "-".join(groups)
    return num


IBAN_SHAPES = {
    # country: list of (kind, length) for the BBAN; n = digits, a = upper letters
    "DE": [("n", 8), ("n", 10)],
    "FR": [("n", 5), ("n", 5), ("n", 11), ("n", 2)],
    "NL": [("a", 4), ("n", 10)],
    "ES": [("n", 4), ("n", 4), ("n", 2), ("n", 10)],
    "BE": [("n", 3), ("n", 7), ("n", 2)],
    "AT": [("n", 5), ("n", 11)],
    "IE": [("a", 4), ("n", 6), ("n", 8)],
    "IT": [("a", 1), ("n", 5), ("n", 5), ("n", 12)],
}


def iban_check(country, bban):
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return "%02d" % (98 - int(numeric) % 97)


def iban_ok(iban):
    s = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    r = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


def make_iban(rng, country=None):
    country = country or rng.choice(list(IBAN_SHAPES))
    bban = ""
    for kind, n in IBAN_SHAPES[country]:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if kind == "a" else "0123456789"
        bban += "".join(rng.choice(alphabet) for _ in range(n))
    iban = country + iban_check(country, bban) + bban
    if rng.random() < 0.6:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def make_ip(rng):
    kind = rng.random()
    if kind < 0.75:
        first = rng.choice([31, 34, 52, 62, 81, 85, 91, 104, 141, 146, 176, 185, 193, 203, 213])
        return "%d.%d.%d.%d" % (first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    return "2a02:%x:%x:%x::%x" % (rng.randint(0x100, 0xffff), rng.randint(0, 0xffff),
                       rng.randint(0, 0xffff), rng.randint(1, 0xfff))


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def make_ssn(r):
    """A US SSN that follows the issuance rules (area not 000/666/9xx, group and serial non-zero)."""
    area = r.choice([a for a in range(1, 900) if a != 666])
    return "%03d-%02d-%04d" % (area, r.randint(1, 99), r.randint(1, 9999))


def ssn_ok(ssn):
    m = re.fullmatch(r"(\d{3})-(\d{2})-(\d{4})", ssn)
    if not m:
        return False
    a, g, n = (int(x) for x in m.groups())
    return 0 < a < 900 and a != 666 and g > 0 and n > 0


def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(r, sub, ws):
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(('{"sub":"%s","ws":"%s","scope":"portal","exp":%d}' %
                   (sub, ws, 1700000000 + r.randint(0, 90000000))).encode())
    sig = "".join(r.choice(ALNUM + "-_") for _ in range(43))
    return "%s.%s.%s" % (head, body, sig)


def make_api_key(rng, prefix="sk_live_"):
    return prefix + "".join(rng.choice(ALNUM) for _ in range(28))


COUNTRY_BY_TLD = {"de": "DE", "fr": "FR", "nl": "NL", "es": "ES", "it": "IT", "se": "SE", "at": "AT",
                  "be": "BE", "pl": "PL", "ie": "IE", "uk": "GB", "pt": "PT", "in": "IN", "sg": "SG",
                  "au": "AU", "ca": "CA", "br": "BR"}


def country_of(domain, region):
    tld = domain.rsplit(".", 1)[1]
    if tld in COUNTRY_BY_TLD:
        return COUNTRY_BY_TLD[tld]
    return "US"


def make_phone(rng, country):
    """A phone number in that country's E.164 or national format (fictional ranges where they exist)."""
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))
    if country in ("US", "CA"):
        area = rng.choice(["415", "646", "312", "512", "617", "206", "303", "720"] if country == "US"
                          else ["416", "604", "514", "403"])
        line = "01%02d" % rng.randint(0, 99)
        return rng.choice(["+1%s555%s" % (area, line), "+1 %s 555 %s" % (area, line),
                           "(%s) 555-%s" % (area, line), "%s-555-%s" % (area, line)])
    if country == "GB":
        tail = "%04d" % rng.randint(0, 999)
        return rng.choice(["+44 20 7946 %s" % tail, "020 7946 %s" % tail, "+44207946%s" % tail])
    formats = {
        "DE": ["+49 30 %s" % d(7), "030 %s" % d(7), "+49 89 %s %s" % (d(3), d(4)), "+4940%s" % d(7)],
        "AT": ["+43 1 %s" % d(7), "01 %s" % d(7)],
        "FR": ["+33 1 %s %s %s %s" % (d(2), d(2), d(2), d(2)), "01 %s %s %s %s" % (d(2), d(2), d(2), d(2))],
        "NL": ["+31 20 %s %s" % (d(3), d(4)), "020 %s %s" % (d(3), d(4)), "+3120%s" % d(7)],
        "BE": ["+32 2 %s %s %s" % (d(3), d(2), d(2)), "02 %s %s %s" % (d(3), d(2), d(2))],
        "ES": ["+34 91 %s %s %s" % (d(3), d(2), d(2)), "+34 93 %s %s" % (d(3), d(4))],
        "IT": ["+39 02 %s %s" % (d(4), d(4)), "02 %s %s" % (d(4), d(4))],
        "SE": ["+46 8 %s %s" % (d(3), d(3)), "08-%s %s" % (d(3), d(3))],
        "PL": ["+48 22 %s %s %s" % (d(3), d(2), d(2)), "22 %s %s %s" % (d(3), d(2), d(2))],
        "IE": ["+353 1 555 %s" % d(4), "01 555 %s" % d(4)],
        "PT": ["+351 21 %s %s" % (d(3), d(4))],
        "IN": ["+91 22 %s %s" % (d(4), d(4)), "+91 98%s %s" % (d(3), d(5))],
        "SG": ["+65 %s %s" % (rng.randint(6000, 6999), d(4))],
        "AU": ["+61 2 %s %s" % (d(4), d(4)), "(02) %s %s" % (d(4), d(4))],
        "BR": ["+55 11 %s-%s" % (d(4), d(4))],
    }
    return rng.choice(formats[country])


# ---------------------------------------------------------------- customers

CUSTOMERS = [
    # external_id, name, email, organization, plan, version, region, csm
    ("C-10231", "Maria Keller", "maria.keller@brightwave-analytics.de", "Brightwave Analytics GmbH", "Enterprise", "5.3.0", "eu-central", "Jonas Lindqvist"),
    ("C-10244", "Daniel Okafor", "d.okafor@harborlinefreight.com", "Harborline Freight", "Growth", "5.2.3", "us-east", "Priya Raman"),
    ("C-10257", "Sophie Laurent", "sophie.laurent@atelier-nova.fr", "Atelier Nova SAS", "Growth", "5.2.1", "eu-central", "Jonas Lindqvist"),
    ("C-10263", "Ethan Brooks", "ethan@quillstack.io", "Quillstack", "Starter", "5.3.0", "us-west", "Priya Raman"),
    ("C-10270", "Aisha Rahman", "aisha.rahman@meridianhealth.co.uk", "Meridian Health Partners", "Enterprise", "5.2.3", "eu-west", "Oliver Grant"),
    ("C-10282", "Lukas Vogel", "lukas.vogel@kettlebyte.de", "Kettlebyte AG", "Enterprise", "5.1.4", "eu-central", "Jonas Lindqvist"),
    ("C-10291", "Hannah Cho", "hannah.cho@northpeakrobotics.com", "Northpeak Robotics", "Growth", "5.3.0", "us-west", "Priya Raman"),
    ("C-10305", "Tomás Herrera", "tomas.herrera@solvia-energia.es", "Solvia Energía S.L.", "Growth", "5.2.1", "eu-central", "Jonas Lindqvist"),
    ("C-10312", "Grace Mbeki", "grace@fernhollowstudios.com", "Fernhollow Studios", "Starter", "5.2.3", "us-east", "Marcus Bell"),
    ("C-10328", "Pieter de Vries", "p.devries@canalwise.nl", "Canalwise B.V.", "Enterprise", "5.3.0", "eu-central", "Oliver Grant"),
    ("C-10334", "Olivia Bennett", "olivia.bennett@tidewatersupply.com", "Tidewater Supply Co.", "Growth", "4.9.7", "us-east", "Marcus Bell"),
    ("C-10347", "Rajesh Iyer", "rajesh.iyer@cobaltmetrics.com", "Cobalt Metrics Inc.", "Enterprise", "5.3.0", "us-east", "Priya Raman"),
    ("C-10359", "Emma Lindgren", "emma.lindgren@nordlys-software.se", "Nordlys Software AB", "Growth", "5.2.3", "eu-central", "Jonas Lindqvist"),
    ("C-10366", "Liam O'Sullivan", "liam.osullivan@greenferrylogistics.ie", "Greenferry Logistics", "Growth", "5.1.4", "eu-west", "Oliver Grant"),
    ("C-10372", "Chloe Nguyen", "chloe@pixelharbor.co", "Pixel Harbor", "Starter", "5.3.0", "us-west", "Marcus Bell"),
    ("C-10381", "Giulia Romano", "giulia.romano@vetrolab.it", "Vetrolab S.r.l.", "Growth", "5.2.1", "eu-central", "Jonas Lindqvist"),
    ("C-10395", "Marcus Feld", "marcus.feld@alpenwerk-ag.at", "Alpenwerk AG", "Enterprise", "5.2.3", "eu-central", "Oliver Grant"),
    ("C-10402", "Samantha Reyes", "sreyes@lumenpath.com", "Lumenpath Learning", "Growth", "5.3.0", "us-east", "Priya Raman"),
    ("C-10418", "Noah Whitaker", "noah.whitaker@ironbarkcapital.com.au", "Ironbark Capital", "Enterprise", "5.3.0", "ap-southeast", "Mei Tanaka"),
    ("C-10425", "Yuki Sato", "yuki.sato@kaizen-cloud.sg", "Kaizen Cloud Pte. Ltd.", "Growth", "5.2.3", "ap-southeast", "Mei Tanaka"),
    ("C-10433", "Fatima Zahra", "fatima.zahra@oasismarkets.be", "Oasis Markets BV", "Starter", "5.1.4", "eu-central", "Oliver Grant"),
    ("C-10440", "Ben Carter", "ben.carter@redwoodclinics.com", "Redwood Clinics", "Enterprise", "5.2.3", "us-west", "Marcus Bell"),
    ("C-10457", "Isabel Costa", "isabel.costa@marebrava.pt", "Mare Brava Lda", "Starter", "5.3.0", "eu-west", "Oliver Grant"),
    ("C-10461", "Kevin Park", "kevin.park@stratusgrid.com", "StratusGrid Systems", "Growth", "5.2.1", "us-east", "Priya Raman"),
    ("C-10476", "Anna Kowalski", "anna.kowalski@vistula-media.pl", "Vistula Media Sp. z o.o.", "Growth", "5.3.0", "eu-central", "Jonas Lindqvist"),
    ("C-10488", "Jamal Wright", "jamal.wright@copperleafhq.com", "Copperleaf Hospitality", "Enterprise", "5.1.4", "us-east", "Marcus Bell"),
    ("C-10493", "Charlotte Dubois", "c.dubois@lysandre-conseil.fr", "Lysandre Conseil", "Starter", "5.2.3", "eu-central", "Oliver Grant"),
    ("C-10507", "Oscar Nilsson", "oscar.nilsson@frostbyte-games.se", "Frostbyte Games", "Growth", "4.9.7", "eu-central", "Jonas Lindqvist"),
    ("C-10512", "Priyanka Shah", "priyanka.shah@orbitalpay.in", "Orbital Pay Solutions", "Enterprise", "5.3.0", "ap-southeast", "Mei Tanaka"),
    ("C-10526", "Henry Adeyemi", "henry.adeyemi@bluequarry.ca", "Blue Quarry Mining", "Growth", "5.2.3", "us-east", "Priya Raman"),
    ("C-10534", "Lena Hoffmann", "lena.hoffmann@stadtwerk-digital.de", "Stadtwerk Digital GmbH", "Enterprise", "5.3.0", "eu-central", "Oliver Grant"),
    ("C-10541", "Victor Almeida", "victor@tropicalfruits-export.com.br", "Tropical Fruits Export", "Starter", "5.2.1", "us-east", "Marcus Bell"),
]

TITLES = ["Finance Operations Lead", "Billing Manager", "Head of RevOps", "Senior Accountant",
      "IT Administrator", "Platform Engineer", "Controller", "CTO", "Backend Developer",
      "Accounts Receivable Specialist", "Operations Manager", "Systems Engineer"]

AGENTS = ["Nadia Petrova", "Sam Whitfield", "Carlos Mendes", "Hiro Takahashi", "Elif Demir",
      "Tom Ashby", "Rosa Lindahl", "Kwame Asante"]
TIER2 = ["Ingrid Solberg", "Dev Malhotra", "Paula Moreau"]

IDPS = ["Okta", "Microsoft Entra ID", "OneLogin", "Google Workspace", "JumpCloud", "Ping Identity"]
WAREHOUSES = ["Snowflake", "BigQuery", "Redshift"]
EVENTS = ["invoice.paid", "invoice.finalized", "payment.failed", "subscription.updated",
      "customer.created", "credit_note.issued", "invoice.payment_action_required"]
VERSIONS = ["5.1.4", "5.2.0", "5.2.1", "5.2.3", "5.3.0", "5.3.1"]
OLD_VERSIONS = ["4.8.2", "4.9.3", "4.9.7"]
MOBILE = ["5.1.2", "5.2.0", "5.2.1", "5.2.2"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"]
CURRENCIES = [("USD", "$"), ("EUR", "€"), ("GBP", "£")]


def money(rng, sym=None):
    sym = sym or rng.choice(["$", "€", "£", "$"])
    value = rng.randint(1900, 4890000) / 100.0
    s = "{:,.2f}".format(value)
    if sym == "€" and rng.random() < 0.5:
        s = s.replace(",", "X").replace(".", ",").replace("X", ".")
        return s + " €"
    return sym + s


def slots_for(rng, cust, created):
    """Every template slot, drawn fresh for one ticket."""
    first = cust["name"].split()[0]
    domain = cust["email"].split("@")[1]
    country = country_of(domain, cust["region"])
    cur = "£" if country == "GB" else "€" if country in IBAN_SHAPES or country in ("SE", "PL", "PT") else "$"
    if country in ("SE", "PL") or rng.random() < 0.15:
        cur = None  # SEK/PLN businesses often bill in EUR or USD; some tickets quote other currencies
    year = created.year
    other = rng.choice(["finance", "ap", "billing", "accounts", "ops", "it-admin"])
    orgshort = cust["organization"].split()[0]
    return {
        "first": first,
        "name": cust["name"],
        "org": cust["organization"],
        "orgshort": orgshort,
        "domain": domain,
        "email": cust["email"],
        "email2": "%s@%s" % (other, domain),
        "email3": "%s.%s@%s" % (rng.choice(["j", "m", "k", "t", "a"]),
                       rng.choice(["schmidt", "morgan", "lee", "patel", "rossi", "jensen"]), domain),
        "plan": cust["plan"],
        "version": rng.choice(VERSIONS) if rng.random() < 0.5 else cust["product_version"],
        "old_version": rng.choice(OLD_VERSIONS),
        "mobile": rng.choice(MOBILE),
        "inv": "INV-%d-%05d" % (year, rng.randint(10, 48000)),
        "inv2": "INV-%d-%05d" % (year, rng.randint(10, 48000)),
        "cn": "CN-%d-%04d" % (year, rng.randint(1, 3000)),
        "order": "ORD-%d" % rng.randint(1000000, 9999999),
        "po": "PO %d" % rng.randint(40000, 99999),
        "amount": money(rng, cur),
        "amount2": money(rng, cur),
        "n": rng.randint(2, 9),
        "count": rng.choice([12, 37, 58, 140, 212, 365, 1200, 4800]),
        "rows": "{:,}".format(rng.choice([1840, 7200, 12950, 23410, 48200, 61000, 88500])),
        "pct": rng.choice([3, 5, 8, 12, 20, 35]),
        "day": "%s %d" % (rng.choice(MONTHS), rng.randint(1, 28)),
        "time": "%02d:%02d UTC" % (rng.randint(0, 23), rng.randint(0, 59)),
        "ip": make_ip(rng),
        "ip2": make_ip(rng),
        "card": make_card(rng),
        "last4": "%04d" % rng.randint(0, 9999),
        "iban": make_iban(rng, country if country in IBAN_SHAPES and rng.random() < 0.7 else None),
        "iban_lc": make_iban(rng).lower(),
        "api_key": make_api_key(rng),
        "test_key": make_api_key(rng, "sk_test_"),
        "whsec": "whsec_" + "".join(rng.choice(ALNUM) for _ in range(32)),
        "idp": rng.choice(IDPS),
        "skew": rng.choice([214, 241, 297, 312, 368, 420, 505]),
        "wh": rng.choice(WAREHOUSES),
        "event": rng.choice(EVENTS),
        "evt": "evt_" + "".join(rng.choice(ALNUM) for _ in range(14)),
        "cus": "cus_" + "".join(rng.choice(ALNUM) for _ in range(14)),
        "sub": "sub_" + "".join(rng.choice(ALNUM) for _ in range(14)),
        "req": "req_" + "".join(rng.choice("0123456789abcdef") for _ in range(16)),
        "url": "https://%s.%s/webhooks/ledgerline" % (rng.choice(["hooks", "api", "billing", "events"]), domain),
        "entity": rng.choice(["%s Ltd", "%s GmbH", "%s Inc.", "%s B.V.", "%s Pty Ltd", "%s SAS"]) % orgshort,
        "entity2": rng.choice(["%s UK Ltd", "%s US Inc.", "%s Nordics AB", "%s Iberia S.L."]) % orgshort,
        "vat": rng.choice(["DE%09d", "FR%011d", "NL%09dB01", "ES B%08d", "IT%011d", "BE0%09d"]) %
               rng.randint(10 ** 7, 10 ** 8 - 1),
        "zip": "%05d" % rng.randint(10000, 99999),
        "city": rng.choice(["Austin, TX", "Denver, CO", "Columbus, OH", "Tacoma, WA", "Raleigh, NC",
                   "Boise, ID", "Scottsdale, AZ"]),
        "seconds": rng.choice([30, 45, 60, 90, 120]),
        "hours": rng.choice([2, 3, 6, 9, 14, 20]),
        "prev": "#%d" % rng.randint(30000, 39999),
        "tz": rng.choice(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Singapore",
                 "America/Los_Angeles", "Europe/London"]),
        "bank": rng.choice(["Deutsche Kreditbank", "ING", "ABN AMRO", "BNP Paribas", "Santander",
                   "Rabobank", "Erste Bank", "AIB"]),
        "csv": rng.choice(["customers_%d.csv", "subs_export_%d.csv", "legacy_plans_%d.csv",
                  "import_%d_final.csv", "migration_batch_%d.csv"]) % rng.randint(1, 40),
        "line": rng.randint(2, 9000),
        "phone": make_phone(rng, country),
        **extra_slots(cust),
    }


def extra_slots(cust):
    domain = cust["email"].split("@")[1]
    ws = "ws_%d" % ART.randint(100000, 999999)
    cus = "cus_" + "".join(ART.choice(ALNUM) for _ in range(14))
    password = ART.choice(["Winter", "Harbor", "Falcon", "Quartz"]) + str(ART.randint(2019, 2026)) + ART.choice("!#%$")
    return {
        "ssn": make_ssn(ART),
        "jwt": make_jwt(ART, cus, ws),
        "portal_link": "https://portal.ledgerline.io/s/%s?token=%s" % (ws, make_jwt(ART, cus, ws)),
        "cred_url": "https://ledgerline:%s@hooks.%s/events" % (password, domain),
        "iban_local": make_iban(ART, COUNTRY_BY_TLD.get(domain.rsplit(".", 1)[1])
                                if COUNTRY_BY_TLD.get(domain.rsplit(".", 1)[1]) in IBAN_SHAPES else None),
    }


# ---------------------------------------------------------------- ticket assembly
# (ART, the artifacts stream, is defined below; slots drawn from it keep the main stream stable.)

GREETINGS = ["Hi,", "Hello,", "Hi team,", "Hello Ledgerline support,", "Hey there,", "Good morning,",
         "Hi support,", "Dear Ledgerline team,", ""]
CLOSINGS = ["Thanks,", "Thanks in advance,", "Best,", "Regards,", "Kind regards,", "Cheers,",
        "Thank you,", "Best regards,"]
THANKS = [
    "That did it, thank you! You can close this.",
    "Confirmed, it works now. Thanks for the quick help.",
    "Perfect, all good on our side now. Much appreciated.",
    "Thanks {agentfirst}, that solved it.",
    "Works. Thanks a lot for the clear explanation.",
    "Great, we're back in business. Feel free to close the ticket.",
    "All sorted now, thanks again!",
]
AGENT_OPEN = ["Hi {first},", "Hello {first},", "Hi {first}, thanks for reaching out.",
          "Hi {first}, thanks for the detailed report.", "Hello {first}, thanks for getting in touch."]
AGENT_SIGN = ["Best,\n{agent}\nLedgerline Support", "Kind regards,\n{agent}\nLedgerline Customer Support",
          "Thanks,\n{agent}\nLedgerline Support", "Cheers,\n{agent} | Ledgerline Support"]
GENERIC_INTERNAL = [
    "Checked the workspace in the admin console, nothing unusual besides the errors described. Plan {plan}, release {version}.",
    "Customer is on {plan}; CSM {csm} cc'd. No open incident on status page at the time of the report.",
    "Looked at request logs for {req}; matches the customer's description.",
    "Known pattern, see macro in the support wiki. Sending the standard steps.",
]
PII_ASIDES = [
    "If you need to call me: {phone}.",
    "You can also reach me on {phone} today.",
    "(Mobile: {phone})",
    "Please cc {email2} on replies.",
    "Our billing inbox is {email2} if you need it.",
    "Our office IP is {ip} in case you need to check logs.",
    "In case you need to verify the account: the card on our Ledgerline subscription is {card}.",
    "Requests come from {ip} and {ip2} on our side.",
]
LOOKALIKE_ASIDES = [
    "For reference this concerns invoice {inv} ({amount}).",
    "Related order: {order}, amount {amount}.",
    "We're on release v{version} according to the About page (API version header 2025-09-01).",
    "This is blocking month-end close; about {amount} is waiting to be invoiced.",
    "Our PO reference is {po}, in case that matters.",
    "Possibly related to ticket {prev} from last quarter.",
]


def fmt(template, s):
    return template.format_map(s)


def signature(rng, cust, s):
    title = rng.choice(TITLES)
    lines = [cust["name"]]
    r = rng.random()
    if r < 0.5:
        lines.append("%s | %s" % (title, cust["organization"]))
    elif r < 0.8:
        lines.append(cust["organization"])
    if rng.random() < 0.45:
        lines.append(rng.choice(["T: ", "Tel. ", "Phone: ", "M: ", "Direct: "]) + s["phone"])
    if rng.random() < 0.15:
        lines.append(cust["email"])
    return "\n".join(lines)


def quoted(text, who, when):
    head = "On %s, %s wrote:" % (when.strftime("%a, %b %d, %Y at %H:%M"), who)
    body = "\n".join("> " + ln if ln else ">" for ln in text.splitlines()[:6])
    return head + "\n" + body


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# Mail artifacts real tickets carry; drawn from their own stream so adding them changes nothing else.
ART = random.Random(SEED + 7)
MOBILE_SIGS = ["Sent from my iPhone", "Sent from Outlook for Android", "Get Outlook for iOS",
               "Sent from my Galaxy"]
DISCLAIMERS = [
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for "
    "the addressee. If you have received it in error, please notify the sender and delete it.",
    "This message may contain privileged information. Any unauthorised use, disclosure or copying is "
    "prohibited. {org} is registered in its country of incorporation; registered office on our website.",
    "Please consider the environment before printing this e-mail.",
]


def artifacts(body, s):
    r = ART.random()
    if r < 0.08:
        body = body + "\n\n" + ART.choice(MOBILE_SIGS)
    elif r < 0.16:
        body = body + "\n\n" + fmt(ART.choice(DISCLAIMERS), s)
    elif r < 0.22:
        body = body + "\n\n[cid:image00%d.png@01DA%X.%X]" % (ART.randint(1, 4), ART.randint(0x1000, 0xFFFF),
                                                            ART.randint(0x10000000, 0xFFFFFFFF))
    return body


OPENERS = [
    "Quick question.", "Not sure if this is a bug or something on our side.",
    "Apologies if this has been asked before.", "We need some help with the following.",
    "Reaching out on behalf of our finance team.", "Following our call with {csm} last week:",
]
CONTEXT = [
    "This started right after our workspace was moved to v{version}.",
    "It affects about {n} of our users.",
    "Screenshot attached.",
    "Our month-end close is tomorrow, so this is fairly urgent for us.",
    "Nothing changed on our side as far as we know.",
    "Our CSM {csm} suggested we open a ticket.",
    "We tried it in Chrome and Firefox, same result.",
    "We checked status.ledgerline.io and there's no incident listed.",
]
REGIONAL_CLOSINGS = {
    "eu-central": ["Mit freundlichen Grüßen,", "Viele Grüße,", "Cordialement,", "Met vriendelijke groet,",
                   "Saludos,", "Cordiali saluti,", "Med vänliga hälsningar,"],
    "eu-west": ["Many thanks,", "Cheers,", "All the best,"],
}


def customer_message(rng, fam, cust, s, body_tpl):
    parts = []
    g = rng.choice(GREETINGS)
    if g:
        parts.append(g)
    body = fmt(body_tpl, s)
    if ART.random() < 0.15:
        body = fmt(ART.choice(OPENERS), s) + " " + body
    parts.append(body)
    if ART.random() < 0.25:
        parts.append(fmt(ART.choice(CONTEXT), s))
    if rng.random() < 0.35:
        parts.append(fmt(rng.choice(LOOKALIKE_ASIDES), s))
    if rng.random() < 0.2:
        parts.append(fmt(rng.choice(PII_ASIDES), s))
    closing = rng.choice(CLOSINGS)
    if cust["region"] in REGIONAL_CLOSINGS and ART.random() < 0.35:
        closing = ART.choice(REGIONAL_CLOSINGS[cust["region"]])
    parts.append(closing + "\n" + signature(rng, cust, s))
    return artifacts("\n\n".join(parts), s)


def agent_message(rng, s, agent, text):
    return "\n\n".join([fmt(rng.choice(AGENT_OPEN), s), fmt(text, s),
                rng.choice(AGENT_SIGN).format(agent=agent)])


def build_ticket(rng, fam, cust, created, variant):
    """variant: index used to rotate templates so a family's tickets differ in wording."""
    s = slots_for(rng, cust, created)
    s["csm"] = cust["csm"]
    agent = rng.choice(AGENTS)
    s["agent"] = agent
    s["agentfirst"] = agent.split()[0]
    s["csm"] = cust["csm"]
    b = (variant + rng.randint(0, 1)) % len(fam["bodies"])
    body_tpl = fam["bodies"][b]
    pairs = SUBJECT_FOR_BODY.get(fam["key"])
    if pairs:
        subject = fmt(fam["subjects"][rng.choice(pairs[b])], s)
    else:
        subject = fmt(fam["subjects"][(variant + rng.randint(0, 3)) % len(fam["subjects"])], s)
    msgs = []
    t = created

    def add(role, author, body, gap_hours):
        nonlocal t
        t = t + dt.timedelta(minutes=rng.randint(int(gap_hours[0] * 60), int(gap_hours[1] * 60)))
        msgs.append({"role": role, "author": author, "created_at": iso(t), "body": body})

    first_body = customer_message(rng, fam, cust, s, body_tpl)
    msgs.append({"role": "customer", "author": cust["name"], "created_at": iso(t), "body": first_body})
    shape = rng.random()
    sol_idx = rng.randrange(len(fam["solutions"]))
    solution = fam["solutions"][sol_idx]
    if fam.get("asks") and shape < 0.55 and b in fam.get("ask_for", range(len(fam["bodies"]))):
        ask = rng.choice(fam["asks"])
        add("agent", agent, agent_message(rng, s, agent, ask), (0.3, 6))
        info = fmt(rng.choice(fam["infos"]), s)
        if rng.random() < 0.35:
            info = info + "\n\n" + quoted(fmt(ask, s), agent + " (Ledgerline Support)",
                            dt.datetime.strptime(msgs[-1]["created_at"], "%Y-%m-%dT%H:%M:%SZ"))
        info += "\n\n" + cust["name"].split()[0]
        add("customer", cust["name"], info, (0.5, 20))
        if rng.random() < 0.5:
            note = fam.get("internal") or rng.choice(GENERIC_INTERNAL)
            add("internal", rng.choice(TIER2 + [agent]), fmt(note, s), (0.2, 4))
        add("agent", agent, agent_message(rng, s, agent, solution), (0.3, 8))
    else:
        if rng.random() < 0.35:
            note = fam.get("internal") or rng.choice(GENERIC_INTERNAL)
            add("internal", agent, fmt(note, s), (0.2, 3))
        add("agent", agent, agent_message(rng, s, agent, solution), (0.3, 10))
    first = msgs[0]["body"]
    if len(msgs) < 6 and ("sk_live_" in first or s["card"] in first) and ART.random() < 0.7:
        what = "a live secret key" if "sk_live_" in first else "a full card number"
        note = ART.choice([
            "Customer pasted %s in the first message. Flagged the message for redaction per policy; "
            "don't quote it in replies." % what,
            "Heads-up: %s in the customer's message. Do not copy it into macros, Slack or Jira; "
            "redaction requested." % what,
        ])
        t0 = dt.datetime.strptime(msgs[0]["created_at"], "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(minutes=ART.randint(5, 50))
        msgs.insert(1, {"role": "internal", "author": agent, "created_at": iso(t0), "body": note})
        msgs.sort(key=lambda m: m["created_at"])
    if rng.random() < 0.6 and len(msgs) < 6:
        add("customer", cust["name"], fmt(rng.choice(THANKS), s), (1, 30))
    closed = t + dt.timedelta(hours=rng.randint(2, 96))
    res = fmt(fam["resolutions"][sol_idx % len(fam["resolutions"])], s)
    prio = rng.choices(["low", "normal", "high", "urgent"], weights=fam.get("prio", [2, 5, 3, 1]))[0]
    tags = list(fam["tags"])
    if rng.random() < 0.3:
        tags.append(cust["plan"].lower())
    if rng.random() < 0.2:
        tags.append("v" + s["version"].rsplit(".", 1)[0])
    return {
        "id": None,
        "subject": subject,
        "status": "closed" if closed < dt.datetime(2026, 9, 1) else "solved",
        "priority": prio,
        "tags": tags,
        "helpdesk": "zendesk",
        "customer": {"name": cust["name"], "email": cust["email"],
                 "organization": cust["organization"], "external_id": cust["external_id"]},
        "messages": msgs,
        "resolution": res,
        "resolution_code": fam["code"] if rng.random() < 0.85 else fam.get("code2", fam["code"]),
        "created_at": msgs[0]["created_at"],
        "closed_at": iso(closed),
        "_family": fam["key"],
    }


def random_time(rng, start, end):
    span = int((end - start).total_seconds())
    t = start + dt.timedelta(seconds=rng.randrange(span))
    # business-ish hours, weekdays more likely
    if t.weekday() >= 5 and rng.random() < 0.7:
        t += dt.timedelta(days=7 - t.weekday())
    return t.replace(hour=rng.choice(range(6, 21)), second=0, microsecond=0)


def customers_table():
    keys = ["external_id", "name", "email", "organization", "plan", "product_version", "region", "csm"]
    return [dict(zip(keys, row)) for row in CUSTOMERS]


def generate():
    rng = random.Random(SEED)
    custs = customers_table()
    tickets = []
    start, end = dt.datetime(2024, 1, 8), dt.datetime(2026, 10, 30)
    for fam in FAMILIES:
        n = fam.get("n", 8)
        pool = [c for c in custs if c["plan"] in fam.get("plans", ["Starter", "Growth", "Enterprise"])]
        for v in range(n):
            cust = rng.choice(pool)
            lo = fam.get("since")
            st = dt.datetime.strptime(lo, "%Y-%m-%d") if lo else start
            created = random_time(rng, st, end)
            tickets.append(build_ticket(rng, fam, cust, created, v))
    tickets.sort(key=lambda t: t["created_at"])
    tid = 40117
    for t in tickets:
        tid += rng.randint(3, 140)
        t["id"] = str(tid)
    dups = []
    for orig in rng.sample(tickets, 9):
        t0 = dt.datetime.strptime(orig["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        t1 = t0 + dt.timedelta(minutes=rng.randint(20, 300))
        agent = [m["author"] for m in orig["messages"] if m["role"] == "agent"][0]
        first = orig["customer"]["name"].split()[0]
        body = orig["messages"][0]["body"]
        msgs = [
            {"role": "customer", "author": orig["customer"]["name"], "created_at": iso(t1),
             "body": rng.choice(["Sending this again in case the first one got lost.\n\n",
                                 "Following up - is anyone looking at this?\n\n",
                                 "Re-sending from the web form.\n\n"]) + body},
            {"role": "agent", "author": agent, "created_at": iso(t1 + dt.timedelta(minutes=rng.randint(10, 120))),
             "body": "Hi %s,\n\nThanks for following up. We're already working on this in ticket #%s, so I'm "
                     "merging this one into it to keep everything in one thread. You'll get our answer "
                     "there.\n\nBest,\n%s\nLedgerline Support" % (first, orig["id"], agent)},
        ]
        dup = dict(orig, subject="Fwd: " + orig["subject"] if rng.random() < 0.5 else orig["subject"],
                   messages=msgs, status="closed", priority=orig["priority"],
                   resolution="Duplicate of #%s; merged and answered there." % orig["id"],
                   resolution_code="duplicate", created_at=iso(t1),
                   closed_at=msgs[1]["created_at"], _family="dup:" + orig["_family"], id=None)
        dups.append(dup)
    for d in dups:
        tickets.append(d)
    tickets.sort(key=lambda t: t["created_at"])
    for d in dups:
        d["id"] = str(int(d["resolution"].split("#")[1].split(";")[0]) + rng.randint(1, 2))
    for i, t in enumerate(tickets):
        t = dict(t)
        ordered = {}
        for k, v in t.items():
            ordered[k] = v
            if k == "tags":
                ordered["url"] = "https://ledgerline.zendesk.com/agent/tickets/%s" % t["id"]
        tickets[i] = ordered
    by_family = {}
    for t in tickets:
        by_family.setdefault(t.pop("_family"), []).append(t["id"])

    queries, qrels, doc_qrels = [], [], []
    qrng = random.Random(SEED + 1)
    for i, q in enumerate(QUERIES, 1):
        cust = dict(zip(["external_id", "name", "email", "organization", "plan", "product_version",
                 "region", "csm"], CUSTOMERS[(i * 7) % len(CUSTOMERS)]))
        created = random_time(qrng, dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 24))
        s = slots_for(qrng, cust, created)
        qid = "Q-%03d" % i
        body = "\n\n".join([qrng.choice(GREETINGS[:-1]), fmt(q["body"], s),
                    qrng.choice(CLOSINGS) + "\n" + signature(qrng, cust, s)])
        queries.append({
            "id": qid, "subject": fmt(q["subject"], s), "status": "open", "priority": "normal",
            "tags": [], "helpdesk": "zendesk",
            "customer": {"name": cust["name"], "email": cust["email"],
                     "organization": cust["organization"], "external_id": cust["external_id"]},
            "messages": [{"role": "customer", "author": cust["name"], "created_at": iso(created),
                      "body": body}],
            "created_at": iso(created),
        })
        for tid_ in by_family[q["family"]]:
            qrels.append((qid, tid_))
        doc_qrels.append((qid, [f for f in FAMILIES if f["key"] == q["family"]][0]["doc"]))

    opens = []
    orng = random.Random(SEED + 2)
    for i, o in enumerate(OPEN_TICKETS, 1):
        cust = [c for c in custs if c["external_id"] == o["customer"]][0]
        created = dt.datetime.strptime(o["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        s = slots_for(orng, cust, created)
        msgs = []
        for m in o["messages"]:
            msgs.append({"role": m["role"], "author": fmt(m["author"], s),
                     "created_at": m["created_at"], "body": fmt(m["body"], s)})
        opens.append({
            "id": o["id"], "subject": fmt(o["subject"], s), "status": "open",
            "priority": o["priority"], "tags": o["tags"],
            "url": "https://ledgerline.zendesk.com/agent/tickets/%s" % o["id"],
            "helpdesk": "zendesk",
            "customer": {"name": cust["name"], "email": cust["email"],
                     "organization": cust["organization"], "external_id": cust["external_id"]},
            "messages": msgs, "created_at": msgs[0]["created_at"],
        })
    return custs, tickets, opens, queries, qrels, doc_qrels, by_family


# ---------------------------------------------------------------- output and validation

CARD_RE = re.compile(r"(?<![\w-])(?:\d[ -]?){13,19}(?![\w-])")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"
                     r"|\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?\b")


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def write_all():
    custs, tickets, opens, queries, qrels, doc_qrels, by_family = generate()
    os.makedirs(os.path.join(SAMPLE, "open"), exist_ok=True)
    with open(os.path.join(SAMPLE, "tickets.jsonl"), "w", encoding="utf-8") as f:
        for t in tickets:
            f.write(dumps(t) + "\n")
    for i, o in enumerate(opens, 1):
        with open(os.path.join(SAMPLE, "open", "open-%d.json" % i), "w", encoding="utf-8") as f:
            f.write(json.dumps(o, ensure_ascii=False, indent=2) + "\n")
    with open(os.path.join(SAMPLE, "customers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["external_id", "name", "email", "organization", "plan", "product_version",
                "region", "csm"])
        for c in custs:
            w.writerow([c[k] for k in ["external_id", "name", "email", "organization", "plan",
                           "product_version", "region", "csm"]])
    with open(os.path.join(SAMPLE, "queries.jsonl"), "w", encoding="utf-8") as f:
        for q in queries:
            f.write(dumps(q) + "\n")
    with open(os.path.join(SAMPLE, "qrels.tsv"), "w", encoding="utf-8") as f:
        for qid, tid in qrels:
            f.write("%s\t%s\t1\n" % (qid, tid))
    with open(os.path.join(SAMPLE, "qrels-docs.tsv"), "w", encoding="utf-8") as f:
        for qid, path in doc_qrels:
            f.write("%s\t%s\t1\n" % (qid, path))
    print("wrote %d tickets (%d families), %d open, %d customers, %d queries, %d qrels" %
          (len(tickets), len([k for k in by_family if not k.startswith("dup:")]), len(opens),
           len(custs), len(queries), len(qrels)))


def check():
    """Validate the committed files. Returns a list of problems (empty when all is well)."""
    errs = []
    ids = set()
    cards = ibans = keys = ssns = tokens = creds = 0
    need = ["id", "subject", "status", "priority", "tags", "helpdesk", "customer", "messages",
        "resolution", "resolution_code", "created_at", "closed_at"]
    custs = {}
    with open(os.path.join(SAMPLE, "customers.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            custs[row["external_id"]] = row

    def check_ticket(t, where, resolved):
        nonlocal cards, ibans, keys, ssns, tokens, creds
        fields = need if resolved else ["id", "subject", "status", "priority", "tags", "helpdesk",
                        "customer", "messages", "created_at"]
        for k in fields:
            if k not in t:
                errs.append("%s: missing %s" % (where, k))
        if not isinstance(t.get("id"), str) or not t["id"]:
            errs.append("%s: id must be a non-empty string" % where)
        msgs = t.get("messages") or []
        if not msgs or msgs[0].get("role") != "customer":
            errs.append("%s: first message must be the customer's" % where)
        for m in msgs:
            for k in ["role", "author", "created_at", "body"]:
                if not m.get(k):
                    errs.append("%s: message missing %s" % (where, k))
            if m.get("role") not in ("customer", "agent", "internal"):
                errs.append("%s: bad role %r" % (where, m.get("role")))
        if resolved:
            if not 2 <= len(msgs) <= 6:
                errs.append("%s: %d messages" % (where, len(msgs)))
            if t.get("status") not in ("solved", "closed"):
                errs.append("%s: status %r" % (where, t.get("status")))
            if not (t.get("created_at", "") < t.get("closed_at", "")):
                errs.append("%s: closed_at not after created_at" % where)
            if not ("2024" <= t.get("created_at", "")[:4] <= "2026"):
                errs.append("%s: created_at out of range" % where)
        else:
            if t.get("status") != "open" or "resolution" in t:
                errs.append("%s: open tickets have status open and no resolution" % where)
        c = t.get("customer") or {}
        for k in ["name", "email", "organization", "external_id"]:
            if not c.get(k):
                errs.append("%s: customer.%s missing" % (where, k))
        if c.get("external_id") not in custs:
            errs.append("%s: customer %s not in customers.csv" % (where, c.get("external_id")))
        for m in msgs:
            text = m["body"]
            for cand in IBAN_RE.findall(text):
                if len(cand.replace(" ", "")) < 15:
                    continue  # VAT numbers and the like: look-alikes, not IBANs
                if not iban_ok(cand):
                    errs.append("%s: IBAN-like %r fails mod-97" % (where, cand))
                else:
                    ibans += 1
                text = text.replace(cand, " ")
            for cand in CARD_RE.findall(text):
                d = re.sub(r"\D", "", cand)
                if 15 <= len(d) <= 16 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", cand):
                    if not luhn_ok(d):
                        errs.append("%s: card-like %r fails Luhn" % (where, cand))
                    else:
                        cards += 1
            keys += len(re.findall(r"\bsk_live_[A-Za-z0-9]{20,}", m["body"]))
            for cand in re.findall(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])", m["body"]):
                if not ssn_ok(cand):
                    errs.append("%s: SSN-like %r breaks the issuance rules" % (where, cand))
                else:
                    ssns += 1
            tokens += len(re.findall(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", m["body"]))
            creds += len(re.findall(r"https://[^/\s:@]+:[^/\s@]+@", m["body"]))

    with open(os.path.join(SAMPLE, "tickets.jsonl"), encoding="utf-8") as f:
        n = 0
        for lineno, line in enumerate(f, 1):
            try:
                t = json.loads(line)
            except ValueError as e:
                errs.append("tickets.jsonl:%d: %s" % (lineno, e))
                continue
            n += 1
            if t.get("id") in ids:
                errs.append("tickets.jsonl:%d: duplicate id %s" % (lineno, t.get("id")))
            ids.add(t.get("id"))
            check_ticket(t, "tickets.jsonl:%d" % lineno, True)
    if n < 320:
        errs.append("only %d tickets" % n)
    opendir = os.path.join(SAMPLE, "open")
    for name in sorted(os.listdir(opendir)):
        with open(os.path.join(opendir, name), encoding="utf-8") as f:
            t = json.load(f)
        check_ticket(t, "open/" + name, False)
        if t["id"] in ids:
            errs.append("open/%s: id collides with a resolved ticket" % name)
    qids = set()
    with open(os.path.join(SAMPLE, "queries.jsonl"), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            q = json.loads(line)
            qids.add(q["id"])
            check_ticket(q, "queries.jsonl:%d" % lineno, False)
    with open(os.path.join(SAMPLE, "qrels.tsv"), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0] not in qids or parts[1] not in ids or parts[2] != "1":
                errs.append("qrels.tsv:%d: bad line %r" % (lineno, line))
    with open(os.path.join(SAMPLE, "qrels-docs.tsv"), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if (len(parts) != 3 or parts[0] not in qids or parts[2] != "1" or
                    not os.path.isfile(os.path.join(SAMPLE, "docs", parts[1]))):
                errs.append("qrels-docs.tsv:%d: bad line %r" % (lineno, line))
    docs = 0
    for dirpath, _, files in os.walk(os.path.join(SAMPLE, "docs")):
        for fn in files:
            if not fn.endswith(".md"):
                continue
            docs += 1
            p = os.path.join(dirpath, fn)
            text = open(p, encoding="utf-8").read()
            if not text.startswith("# "):
                errs.append("%s: no # title" % os.path.relpath(p, SAMPLE))
            words = len(text.split())
            if not 150 <= words <= 900:
                errs.append("%s: %d words" % (os.path.relpath(p, SAMPLE), words))
    if docs < 40:
        errs.append("only %d doc pages" % docs)
    for fam in FAMILIES:
        if not os.path.isfile(os.path.join(SAMPLE, "docs", fam["doc"])):
            errs.append("family %s: doc %s missing" % (fam["key"], fam["doc"]))
    gap = re.compile(r"peppol|\bubl\b|\be-invoic", re.I)
    for dirpath, _, files in os.walk(os.path.join(SAMPLE, "docs")):
        for fn in files:
            if gap.search(open(os.path.join(dirpath, fn), encoding="utf-8").read()):
                errs.append("docs/%s mentions the open-3 knowledge gap" % fn)
    if gap.search(open(os.path.join(SAMPLE, "tickets.jsonl"), encoding="utf-8").read()):
        errs.append("tickets.jsonl mentions the open-3 knowledge gap")
    print("checked %d tickets, %d doc pages, %d queries; PII: %d Luhn-valid cards, %d mod-97 IBANs, "
          "%d sk_live keys, %d SSNs, %d JWTs, %d URLs with credentials" %
          (n, docs, len(qids), cards, ibans, keys, ssns, tokens, creds))
    return errs


# ---------------------------------------------------------------- problem families
# Each family is one recurring problem, tied to a doc page. Templates use the slots of slots_for().

FAMILIES = [
{
    "key": "saml_expired", "doc": "sso/saml-troubleshooting.md", "tags": ["sso", "saml", "login"],
    "code": "config_change", "code2": "fixed", "plans": ["Growth", "Enterprise"], "prio": [1, 3, 5, 2], "n": 9,
    "subjects": [
        "SSO login fails with SAML_RESPONSE_EXPIRED",
        "Users can't sign in via {idp}: \"SAML response expired\"",
        "SAML_RESPONSE_EXPIRED for half of our team since this morning",
        "Single sign-on broken - error says response expired",
    ],
    "bodies": [
        "Since about {time} several of our users get the error SAML_RESPONSE_EXPIRED when they sign in through {idp}. Others can log in fine. Nothing changed on our side as far as I know. Can you check what is going on? It's blocking our finance team.",
        "When I click the Ledgerline tile in {idp} I land on an error page: \"Sign-in failed (SAML_RESPONSE_EXPIRED). The identity provider's response is no longer valid.\" Retrying does not help. We have {count} users on SSO and SSO is enforced, so nobody can use password login as a fallback.",
        "Our SAML login started failing today with SAML_RESPONSE_EXPIRED. We run our own ADFS-style proxy in front of {idp} on a VM we restored from backup last night, if that matters. Password login is disabled (sso.enforce = true).",
        "Login through our identity provider has been failing for everyone in our EMEA office since {time}. The error page mentions an expired SAML response. US colleagues on the same {idp} tenant are fine. The EMEA IdP node was patched and rebooted last night.",
    ],
    "asks": [
        "Could you send us a SAML trace (the SAMLResponse from your browser's network tab, or from the SAML-tracer extension) from a failed attempt, and the exact time of the attempt including time zone? The IssueInstant and NotOnOrAfter values in the assertion will tell us whether this is a clock problem.",
        "To narrow this down, can you capture one failed login with SAML-tracer and tell us the time on the machine that issues the assertions? Please don't send passwords; the assertion itself is fine to share.",
    ],
    "infos": [
        "Here is what the tracer shows: IssueInstant is {time} but our laptops were showing a few minutes later. NotOnOrAfter is IssueInstant + 60 s. Our IdP proxy VM seems to be behind by about {skew} seconds.",
        "The assertion's NotOnOrAfter is earlier than the time Ledgerline received it, by roughly {skew} s. We checked and NTP was disabled on the restored IdP server.",
    ],
    "internal": "Assertion timestamps show the IdP clock ~{skew}s behind. Our allowed skew is sso.allowed_clock_skew_seconds (default 180). Classic clock drift; not a Ledgerline incident.",
    "solutions": [
        "The error means the assertion arrived after its NotOnOrAfter time as seen by Ledgerline. We accept a skew of up to sso.allowed_clock_skew_seconds (180 s by default, 300 s maximum), and your IdP's clock is about {skew} s behind.\n\n1. Re-enable time sync (NTP) on the server that signs the assertions and confirm it is within a second or two of UTC.\n2. If your IdP lets you, set the assertion validity to at least 5 minutes.\n3. Optionally, an Owner can raise Settings > Security > SSO > Allowed clock skew to 300 seconds as a safety margin.\n\nOnce the clock is corrected, logins work immediately; there is no cache to clear on our side.",
        "This one is a clock issue rather than a configuration error: Ledgerline rejects assertions whose NotOnOrAfter is in the past, with a tolerance of sso.allowed_clock_skew_seconds (default 180 s). Your identity provider is signing responses with a timestamp about {skew} s off.\n\nPlease fix NTP on the IdP host (or its proxy), then try again. If you need breathing room while you do, an Owner can temporarily sign in with a break-glass account (Settings > Security > SSO > Break-glass users) and raise the allowed skew to 300 s. See the SAML troubleshooting guide for the full checklist.",
    ],
    "resolutions": [
        "IdP host clock was ~{skew}s behind UTC, beyond sso.allowed_clock_skew_seconds (180 s default), so assertions arrived after NotOnOrAfter. Customer re-enabled NTP on the IdP host and raised Settings > Security > SSO > Allowed clock skew to 300 s. SSO logins working again.",
        "SAML_RESPONSE_EXPIRED caused by clock drift on the customer's IdP proxy (VM restored without NTP). Fixing time sync on the signing server resolved it immediately; no change needed on the Ledgerline side.",
    ],
},
{
    "key": "saml_signature", "since": "2025-05-26", "doc": "sso/saml-troubleshooting.md", "tags": ["sso", "saml", "certificate"],
    "code": "config_change", "plans": ["Growth", "Enterprise"], "prio": [1, 3, 5, 2],
    "subjects": [
        "SAML_SIGNATURE_INVALID after certificate rotation",
        "SSO stopped working: signature invalid",
        "After renewing our {idp} signing cert nobody can log in",
    ],
    "bodies": [
        "Our IT team rotated the SAML signing certificate in {idp} this morning and since then every login to Ledgerline fails with SAML_SIGNATURE_INVALID. How do we update the certificate on your side?",
        "Getting \"Sign-in failed (SAML_SIGNATURE_INVALID)\" for every user. I believe {idp} switched to a new signing certificate automatically because the old one expired on {day}.",
        "SSO is down for us. Error code SAML_SIGNATURE_INVALID. We did not touch the Ledgerline side at all; the only change was a new X.509 certificate in our identity provider.",
    ],
    "solutions": [
        "Ledgerline validates each assertion against the certificate stored in your SSO connection, so when {idp} starts signing with a new certificate the stored one no longer matches.\n\n1. Sign in with a break-glass user (Settings > Security > SSO > Break-glass users), since SSO is enforced.\n2. Go to Settings > Security > SSO > Connection and upload the new certificate (PEM or the IdP metadata XML), or click \"Refresh from metadata URL\" if you configured one.\n3. Click Test connection, then Save.\n\nTip: from 5.2 you can store two certificates at once, so next time you can add the new one before the IdP switches and avoid downtime.",
        "This happens when the IdP signs with a certificate we don't have yet. Please upload the new signing certificate under Settings > Security > SSO > Connection (an Owner or Admin can do this with a break-glass login), or switch the connection to use your IdP metadata URL so we pick up rotations automatically every 12 hours. After saving, logins work right away.",
    ],
    "resolutions": [
        "IdP signing certificate was rotated, so assertions no longer matched the stored certificate (SAML_SIGNATURE_INVALID). Customer signed in with a break-glass user and uploaded the new certificate under Settings > Security > SSO > Connection. Recommended configuring the metadata URL for automatic refresh.",
        "SAML_SIGNATURE_INVALID after cert rotation. Switched the SSO connection to the IdP metadata URL (refreshed every 12 h) so new certificates are picked up automatically; logins restored.",
    ],
},
{
    "key": "saml_audience", "doc": "sso/saml-setup.md", "tags": ["sso", "saml", "setup"],
    "code": "user_error", "code2": "config_change", "plans": ["Growth", "Enterprise"], "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "Setting up SAML: SAML_AUDIENCE_MISMATCH",
        "Audience mismatch error while configuring {idp} SSO",
        "Can't finish SSO setup, test connection says audience is wrong",
    ],
    "bodies": [
        "We're setting up SAML SSO with {idp} for the first time. The test connection step fails with SAML_AUDIENCE_MISMATCH. I copied the values from your setup guide, I think. Which Entity ID should we use?",
        "Test connection gives: \"SAML_AUDIENCE_MISMATCH: expected audience https://app.ledgerline.io/saml/ws_... got https://app.ledgerline.io\". What should the audience URI be in {idp}?",
        "Our new SSO setup doesn't work. The error mentions audience mismatch. We also have a sandbox workspace, could that be related?",
    ],
    "solutions": [
        "The audience (Entity ID / SP Entity ID) in {idp} must be the workspace-specific value shown in Settings > Security > SSO > Service provider details, which looks like https://app.ledgerline.io/saml/ws_<your workspace id>. The bare app URL is not accepted. Each workspace (including sandboxes) has its own Entity ID and ACS URL, so an app configured for the sandbox will fail against production.\n\nPlease update the Audience URI in {idp} to the exact value from that page, then run Test connection again.",
        "SAML_AUDIENCE_MISMATCH means the Audience element in the assertion doesn't equal your workspace's SP Entity ID. Copy both the ACS URL and the Entity ID from Settings > Security > SSO > Service provider details into {idp} (they are different per workspace, so sandbox and production need two separate apps), save, and test again.",
    ],
    "resolutions": [
        "Audience URI in the IdP was set to the generic app URL. Changed it to the workspace-specific SP Entity ID (https://app.ledgerline.io/saml/ws_...) from Settings > Security > SSO > Service provider details; Test connection passes.",
        "Customer had configured the sandbox workspace's Entity ID for production (SAML_AUDIENCE_MISMATCH). Created a separate IdP app with the production ACS URL and Entity ID.",
    ],
},
{
    "key": "scim_conflict", "since": "2025-05-26", "doc": "sso/scim-provisioning.md", "tags": ["scim", "provisioning", "sso"],
    "code": "fixed", "code2": "workaround", "plans": ["Enterprise"], "prio": [1, 5, 3, 0],
    "subjects": [
        "SCIM push fails with 409 conflict for some users",
        "{idp} provisioning errors: userName already exists",
        "SCIM: HTTP 409 when assigning existing users to the Ledgerline app",
    ],
    "bodies": [
        "We enabled SCIM provisioning from {idp}. New hires are created fine but {n} existing users fail with \"409 Conflict: userName already exists\". They already had Ledgerline accounts from before SSO.",
        "Provisioning log in {idp} shows: POST /scim/v2/Users -> 409, detail \"uniqueness\". These are people who were invited manually months ago. How do we link them instead of creating duplicates?",
        "Our SCIM sync keeps failing for a handful of accounts with a 409. One example is {email3}. Is there a way to merge?",
    ],
    "solutions": [
        "A 409 with uniqueness means a Ledgerline user with that email already exists but isn't linked to your IdP yet. SCIM creates users with POST, and we refuse to silently take over an existing account.\n\nTo link them: in {idp}, use \"match existing users\" (Okta: Import users and confirm matches; Entra ID: set matching attribute to userName = email). The IdP then issues a PATCH/PUT against the existing id instead of a POST. Alternatively, an Owner can enable Settings > Security > SCIM > Link existing users by email, which makes our POST link the existing account instead of returning 409. Re-run provisioning for the failed users afterwards.",
        "These users were invited by email before SCIM was turned on, so the POST from your IdP collides with their existing account. Turn on Settings > Security > SCIM > \"Link existing users by email\" (Enterprise, 5.2+) and retry the failed assignments in {idp}: the existing accounts will be linked and keep their roles and history.",
    ],
    "resolutions": [
        "409 uniqueness errors came from users invited by email before SCIM was enabled. Enabled Settings > Security > SCIM > Link existing users by email and retried provisioning; all {n} users linked with roles and history kept.",
        "Configured IdP user matching on email (userName) so SCIM updates existing users with PUT/PATCH instead of POSTing new ones. Conflicts resolved.",
    ],
},
{
    "key": "scim_token", "doc": "sso/scim-provisioning.md", "tags": ["scim", "provisioning", "token"],
    "code": "config_change", "plans": ["Enterprise"], "prio": [1, 4, 4, 1], "n": 7,
    "subjects": [
        "SCIM provisioning stopped: 401 Unauthorized",
        "Deprovisioned users still have access - SCIM errors",
        "SCIM_TOKEN_EXPIRED in our {idp} logs",
    ],
    "bodies": [
        "We noticed that people who left the company still have active Ledgerline accounts. The {idp} provisioning log shows 401 errors with SCIM_TOKEN_EXPIRED for the last few weeks.",
        "All SCIM calls from {idp} return 401 since {day}. We didn't change anything. Did the token expire?",
        "Our SCIM integration broke, every request fails with 401 and the body says SCIM_TOKEN_EXPIRED. Where do we get a new one?",
    ],
    "solutions": [
        "SCIM bearer tokens are valid for 365 days; yours reached its expiry on {day}, so every request from {idp} is rejected with 401 SCIM_TOKEN_EXPIRED. Owners receive a reminder 30 and 7 days before expiry, which may have gone to a former admin.\n\n1. Settings > Security > SCIM > Generate new token (it's shown once).\n2. Paste it into the provisioning settings in {idp} and test the API credentials.\n3. Trigger a full push / \"Provision on demand\" so the changes queued during the outage (including deactivations) are applied.\n\nUntil the push runs, you can deactivate leavers manually under Settings > Users.",
        "Your SCIM token expired (tokens last 365 days). Generate a new one in Settings > Security > SCIM, update it in {idp}, and run a full sync so deactivations that failed in the meantime go through. Consider adding a second Owner so the expiry reminders reach someone.",
    ],
    "resolutions": [
        "SCIM bearer token expired after 365 days (401 SCIM_TOKEN_EXPIRED). Customer generated a new token in Settings > Security > SCIM, updated it in the IdP and ran a full push so pending deactivations were applied.",
        "401 SCIM_TOKEN_EXPIRED: new token generated and IdP reconfigured; leavers deactivated by the full sync. Advised adding a second Owner so expiry reminders are received.",
    ],
},
{
    "key": "api_key_invalid", "doc": "api/authentication.md", "tags": ["api", "authentication"],
    "code": "user_error", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "API returns LL-4012 with our new key",
        "401 invalid API key after going live",
        "LL-4012: key not valid for this environment",
        "Authentication error calling the invoices endpoint",
    ],
    "bodies": [
        "Our integration worked in the sandbox, but after switching to production every call returns 401 with code LL-4012. Here's the header we send: Authorization: Bearer {test_key}. What are we doing wrong?",
        "Calls to POST https://api.ledgerline.io/v2/invoices fail with {{\"error\": {{\"code\": \"LL-4012\", \"message\": \"API key is not valid for this environment\"}}}}. We are using the key from the dashboard. Request id {req}.",
        "We keep getting 401 errors from the API since the deploy. I'm pasting the config line in case it helps: LEDGERLINE_API_KEY={api_key} and base URL https://sandbox.api.ledgerline.io/v2. Is the key wrong?",
    ],
    "solutions": [
        "LL-4012 means the key is valid but belongs to the other environment: sk_test_ keys only work against https://sandbox.api.ledgerline.io and sk_live_ keys only against https://api.ledgerline.io. Make sure the base URL and the key prefix match.\n\nAlso, if a live secret key was ever pasted into an email, chat or ticket, roll it now: Settings > Developers > API keys > Roll key. The old key keeps working for the grace period you choose (up to 24 hours) so you can deploy the new one without downtime.",
        "The code tells us the key and the environment don't match: test keys (sk_test_) go to the sandbox host, live keys (sk_live_) to api.ledgerline.io. Your request went to the wrong host for the key you used. Point the integration at the right base URL and it will authenticate. If the error were LL-4010 instead, the key itself would be unknown (mistyped or deleted), and LL-4011 means it was revoked.",
    ],
    "resolutions": [
        "Customer used a sandbox key against the production host (LL-4012). Switched the integration to the sk_live_ key with base URL https://api.ledgerline.io/v2; the live key pasted in the ticket was rolled.",
        "Environment/key mismatch: live key pointed at sandbox.api.ledgerline.io (LL-4012). Fixed the base URL; advised rolling the exposed key via Settings > Developers > API keys > Roll key.",
    ],
},
{
    "key": "api_scope", "doc": "api/authentication.md", "tags": ["api", "permissions", "scopes"],
    "code": "config_change", "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "403 LL-4031 insufficient scope when creating credit notes",
        "Restricted API key can't read subscriptions",
        "LL-4031 on some endpoints but not others",
    ],
    "bodies": [
        "We created a restricted key for our ERP integration. Reading invoices works but POST /v2/credit_notes returns 403 LL-4031 \"insufficient_scope\". Which scope is needed?",
        "Our reporting job gets 403 with LL-4031 on GET /v2/subscriptions while GET /v2/customers works. Key was made by a teammate who has since left.",
        "Getting LL-4031 errors. I thought restricted keys had read access to everything by default?",
    ],
    "solutions": [
        "Restricted keys only carry the scopes ticked when they were created; nothing is implied. LL-4031 lists the missing scope in error.required_scope. For credit notes that's credit_notes:write; for subscriptions it's subscriptions:read.\n\nScopes of an existing key can't be edited. Create a new restricted key under Settings > Developers > API keys with the scopes you need (a Developer or Admin role is required to do that), deploy it, then revoke the old key.",
        "LL-4031 means the key lacks a scope for that endpoint; the response body's required_scope field names it. Keys are immutable, so please create a replacement restricted key with the additional scope in Settings > Developers > API keys and revoke the old one. Full scope list is in the API authentication guide.",
    ],
    "resolutions": [
        "Restricted key lacked credit_notes:write (403 LL-4031, required_scope in the error body). Keys can't be edited, so the customer created a new restricted key with the needed scopes and revoked the old one.",
        "Restricted-key scopes are explicit; nothing is implied. New key with subscriptions:read created under Settings > Developers > API keys and the old key revoked.",
    ],
},
{
    "key": "api_ip_allowlist", "doc": "api/authentication.md", "tags": ["api", "security", "ip-allowlist"],
    "code": "config_change", "plans": ["Enterprise"], "prio": [0, 3, 5, 2], "n": 8,
    "subjects": [
        "API calls rejected with LL-4033 after moving to new servers",
        "403 IP not allowed (LL-4033)",
        "Integration broken after cloud migration - LL-4033",
    ],
    "bodies": [
        "We migrated our billing service to a new cloud region last night and now every API call returns 403 LL-4033 \"request IP not in allowlist\". Our new egress IP is {ip}. Can you add it?",
        "Since this morning our nightly sync fails with LL-4033. The calls come from {ip} and {ip2}. I don't have access to the security settings myself.",
        "API requests fail with HTTP 403 and error LL-4033. We use a NAT gateway with address {ip}. Did something change with IP allowlisting?",
    ],
    "solutions": [
        "LL-4033 is returned when an Enterprise workspace has an API IP allowlist and the request comes from an address that isn't on it; the response includes the source IP we saw. Support can't edit the allowlist for you (it's a security control), but an Owner or Admin can:\n\n1. Settings > Security > API IP allowlist > Add range.\n2. Add the new egress address(es) or CIDR ranges (up to 50 entries, IPv4 and IPv6).\n3. Save; changes apply within a minute.\n\nIf your cloud provider rotates NAT addresses, allowlist the whole published range or use a static egress IP.",
        "Your workspace restricts API access by source IP, and the new addresses aren't on the list, hence 403 LL-4033. Please ask an Owner/Admin to add {ip} under Settings > Security > API IP allowlist; it takes effect within about a minute. We can't add entries on your behalf.",
    ],
    "resolutions": [
        "New egress IP was not on the Enterprise API IP allowlist (403 LL-4033). The customer's Owner added the NAT gateway address under Settings > Security > API IP allowlist; calls succeed within a minute.",
        "New server addresses added to the allowlist by the customer admin. Explained that support cannot change allowlists and that addresses should be added before infrastructure moves.",
    ],
},
{
    "key": "rate_limit", "ask_for": [0, 1, 2, 4], "doc": "api/rate-limits.md", "tags": ["api", "rate-limit", "429"],
    "code": "workaround", "code2": "config_change", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "Getting HTTP 429 Too Many Requests during nightly sync",
        "LL-4290 rate limit errors when importing usage",
        "API throttling us - 429s",
        "What are the API rate limits for our plan?",
    ],
    "bodies": [
        "Our nightly job pushes usage records for about {count} subscriptions and since last week a good part of the calls come back with 429 and LL-4290. We retry immediately but it only gets worse. What are the limits?",
        "We see HTTP 429 responses with code LL-4290 whenever our batch job runs ({rows} usage events). Can you raise our rate limit? We're on {plan}.",
        "Our integration hits 429 Too Many Requests around {time} every day. Is there a header that tells us when to retry?",
        "We get HTTP 429 (LL-4290) from the usage endpoint. This is the call our job makes, a few thousand times a minute:\n\ncurl https://api.ledgerline.io/v2/usage_records -H \"Authorization: Bearer {api_key}\" -d subscription_item=si_{line} -d quantity={n}\n\nWhat is the allowed rate?",
        "Since we onboarded a large customer our sync job processes {rows} usage events each night, one API request per event, and roughly a third fail with 429. We're on {plan}.",
    ],
    "asks": [
        "Could you share roughly how many requests per second your job sends at peak and which endpoints it calls? A request id from a 429 response would help too.",
    ],
    "infos": [
        "The job runs {n} workers in parallel, each firing requests as fast as possible, mostly POST /v2/usage_records. One request id: {req}.",
        "Peak is probably 150-200 requests per second, all to the usage endpoint. Example request id {req}.",
    ],
    "solutions": [
        "Limits are per workspace and per environment: Starter 25 requests/s, Growth 100 requests/s, Enterprise 400 requests/s, with a short burst allowance, plus 5 requests/s on bulk endpoints. Each response carries X-RateLimit-Limit and X-RateLimit-Remaining, and a 429 carries Retry-After (seconds).\n\nFor your job:\n1. Honour Retry-After and back off exponentially with jitter instead of retrying immediately.\n2. Cap concurrency so you stay under the limit.\n3. Send usage in batches with POST /v2/usage_records/batch (up to 500 records per call), which cuts the request count by two orders of magnitude.\n\nWith batching your {rows} events fit easily under the limit.",
        "The 429s (LL-4290) are the per-workspace limit of your {plan} plan. Immediate retries make it worse because they count too. Please read Retry-After from the 429, add exponential backoff with jitter, and switch to the batch endpoint (POST /v2/usage_records/batch, 500 records per request). If you still need more after that, Enterprise workspaces can request a higher limit through their CSM.",
    ],
    "resolutions": [
        "Job exceeded the plan rate limit (HTTP 429, LL-4290) by retrying immediately from {n} workers. Customer switched to POST /v2/usage_records/batch (500 records per call) and added Retry-After based exponential backoff; no more 429s.",
        "Explained per-plan limits (Starter 25, Growth 100, Enterprise 400 req/s) and the Retry-After header. Customer reduced worker concurrency and batched usage records.",
    ],
},
{
    "key": "pagination_cursor", "doc": "api/pagination.md", "tags": ["api", "pagination"],
    "code": "user_error", "code2": "workaround", "prio": [2, 5, 2, 0], "n": 7,
    "subjects": [
        "LL-4002 invalid cursor when paging through invoices",
        "Pagination breaks halfway: starting_after cursor expired",
        "List endpoint returns 400 LL-4002 on page {n}",
    ],
    "bodies": [
        "Our export script pages through GET /v2/invoices with the next_cursor value. After several hours (it's slow because we download PDFs in between) we get 400 LL-4002 \"cursor is invalid or expired\".",
        "We store the next_cursor between runs of our ETL so we can resume the next day. The next morning the cursor is rejected with LL-4002. How long are cursors valid?",
        "When listing customers with limit=100 we get LL-4002 on page {n}. We are URL-encoding the cursor ourselves, could that be it?",
    ],
    "solutions": [
        "Cursors are opaque and valid for 24 hours; they also must be sent back exactly as received (they're already URL-safe, so don't encode or modify them). LL-4002 means the cursor is expired or altered.\n\nFor resumable or incremental exports, don't persist cursors between runs. Filter by time instead: GET /v2/invoices?created[gte]=<last seen timestamp>&limit=100 and keep the last created timestamp you processed. Downloading PDFs in a separate pass after listing also keeps the listing well inside the 24 h window.",
        "A cursor expires 24 hours after it was issued and can't be modified. Store the created timestamp (or updated timestamp) of the last object you processed and start the next run with the created[gte] / updated[gte] filter instead of an old cursor.",
    ],
    "resolutions": [
        "Cursor was reused after its 24-hour validity (400 LL-4002). Customer switched the ETL to created[gte]/updated[gte] filters with the last processed timestamp and stopped persisting cursors between runs.",
        "Script URL-encoded the opaque cursor a second time, which invalidates it (LL-4002). Sending next_cursor back unchanged fixed it.",
    ],
},
{
    "key": "idempotency", "doc": "api/idempotency.md", "tags": ["api", "idempotency"],
    "code": "user_error", "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "LL-4091 idempotency key reused with different parameters",
        "409 Conflict when retrying invoice creation",
        "Duplicate invoices created when our worker retried",
    ],
    "bodies": [
        "Our service retries POST /v2/invoices on timeouts. Sometimes the retry fails with 409 LL-4091 \"Idempotency-Key already used with different request parameters\". We use the customer id as the key.",
        "We ended up with two identical invoices ({inv} and {inv2}) for the same order {order} after a network timeout. Shouldn't the API prevent that?",
        "Getting a 409 with LL-4091 on charges. We generate the Idempotency-Key from the date plus customer id. Here is our client setup (Python): client = Ledgerline(api_key=\"{api_key}\", max_retries=3).",
    ],
    "solutions": [
        "Idempotency-Key must identify one logical operation, not one customer: generate a UUID v4 per operation (e.g. per order), store it with the operation and reuse exactly that key, with exactly the same body, for every retry. Keys are remembered for 24 hours. If the same key arrives with a different body we return 409 LL-4091; if no key is sent at all a retry after a timeout can create a duplicate, which is what produced the second invoice.\n\nThe duplicate can be voided from the invoice page (More > Void) as long as it is not paid.",
        "LL-4091 is returned when a key is reused for a different request. Using customer id or date as the key makes unrelated requests share it. Use one random key per operation and reuse it only for retries of that same request; keys expire after 24 hours. For the duplicate invoice, void it (More > Void) if unpaid.",
    ],
    "resolutions": [
        "Customer used the customer id as Idempotency-Key, so unrelated requests collided (409 LL-4091). Switched to one UUID per operation reused only for retries; the duplicate invoice was voided.",
        "Retries without an Idempotency-Key created a duplicate invoice after a timeout. Explained per-operation keys kept for 24 h; customer added keys and voided the unpaid duplicate.",
    ],
},
{
    "key": "webhook_signature", "ask_for": [0, 1], "doc": "webhooks/signature-verification.md", "tags": ["webhooks", "signature"],
    "code": "user_error", "code2": "fixed", "prio": [1, 4, 4, 1], "n": 10,
    "subjects": [
        "Webhook signature verification fails for every event",
        "Ledgerline-Signature doesn't match our HMAC",
        "Webhook signatures invalid after we rotated the signing secret",
        "Can't verify webhooks in our Express app",
    ],
    "bodies": [
        "We're implementing webhook verification. We compute HMAC-SHA256 of the request body with our endpoint secret and compare to the v1 value in the Ledgerline-Signature header but it never matches. Our endpoint is {url}.",
        "Since we rotated the webhook signing secret yesterday, all deliveries to {url} fail our signature check and we return 400, so now events are piling up. The new secret starts with whsec_ like before.",
        "Our Node service parses JSON with express.json() and then verifies the signature with JSON.stringify(req.body). Verification fails about 100% of the time for {event} events. Secret is {whsec} (test endpoint only).",
        "We're on Go and verify with hmac.New(sha256.New, secret) over the body from io.ReadAll, then compare with the whole Ledgerline-Signature header value. It never matches. Is the header format documented somewhere?",
    ],
    "asks": [
        "Could you tell us which framework you use to receive the webhook and how you get hold of the body before hashing? Also, are you signing the body alone or the timestamp plus body?",
    ],
    "infos": [
        "We use Express and read req.body after the JSON middleware, then JSON.stringify it. We sign just the body.",
        "It's a Django view; we use request.body but only the body, not the timestamp. Also our servers are in UTC.",
    ],
    "solutions": [
        "Two things are needed for the signature to match:\n\n1. Sign the raw bytes of the request body exactly as received, before any JSON parsing. Re-serialising (JSON.stringify) changes whitespace and key order. In Express use express.raw(type: 'application/json') on the webhook route.\n2. The signed payload is the timestamp, a dot, and the raw body: \"<t>.<raw body>\", where t is the t= value from the Ledgerline-Signature header. Compute HMAC-SHA256 with the endpoint's signing secret and compare (constant-time) with each v1= value.\n\nReject events whose timestamp is more than 300 seconds old. During a secret rotation the header carries two v1 signatures (old and new secret) for 24 hours, so accept either.",
        "The usual cause is hashing a re-serialised body or leaving out the timestamp. Ledgerline signs \"t.rawbody\" (timestamp from the header, a dot, then the untouched raw body) with HMAC-SHA256 and the endpoint secret. Use the raw body your framework gives you before parsing, include the timestamp, and compare in constant time against every v1= entry in the header (there are two during the 24-hour overlap after a rotation). Our official SDKs do this in one call: ledgerline.webhooks.constructEvent(rawBody, header, secret).",
    ],
    "resolutions": [
        "Customer was hashing JSON.stringify(req.body) without the timestamp. Switched to the raw request body (express.raw) and the signed payload '<t>.<raw body>' with HMAC-SHA256 and the whsec_ secret; signatures verify.",
        "After the secret rotation the endpoint only checked the first v1 signature, which is the new-secret one, with the old secret. Verifier now accepts any matching v1 value and uses the new secret; deliveries succeed.",
    ],
},
{
    "key": "webhook_disabled", "doc": "webhooks/retries-and-disabling.md", "tags": ["webhooks", "delivery"],
    "code": "fixed", "code2": "config_change", "prio": [0, 3, 5, 2], "n": 9,
    "subjects": [
        "Webhook endpoint was disabled (LL-5031)",
        "We stopped receiving webhooks - endpoint shows Disabled",
        "Missed {count} webhook events during our outage, how to replay?",
    ],
    "bodies": [
        "We haven't received any webhooks since {day}. In the dashboard the endpoint {url} shows status Disabled with LL-5031. Our service had an outage of a couple of days. How do we get the missed events?",
        "Our order fulfilment relies on {event} webhooks. The endpoint got auto-disabled while our load balancer certificate was expired. We fixed the cert. Can you re-enable and resend?",
        "Dashboard says \"Endpoint disabled after repeated failures (LL-5031)\". What are the rules for this and how do I turn it back on?",
        "Our endpoint {cred_url} was disabled with LL-5031 after our auth proxy rejected your requests for three days (it expected basic auth in the URL, which we had changed). Proxy is fixed. How do we switch it back on and get the missed events?",
    ],
    "solutions": [
        "Each event is retried 8 times over about 3 days (1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h, 24 h). When every delivery to an endpoint has failed for 3 consecutive days, the endpoint is disabled with LL-5031 and the Owners are emailed. A delivery counts as failed if you don't answer 2xx within 10 seconds.\n\nTo recover:\n1. Settings > Developers > Webhooks > select the endpoint > Enable.\n2. Click Replay events, choose the time range of the outage (up to 30 days back) and start the replay. Events are re-sent in order with their original ids, so make sure your handler de-duplicates on event id.",
        "The endpoint was disabled after 3 days of failed deliveries (LL-5031). Fix the cause, then re-enable it under Settings > Developers > Webhooks and use Replay events for the outage window (events are kept 30 days). Alternatively list them with GET /v2/events?created[gte]=... and process them from the API.",
    ],
    "resolutions": [
        "Endpoint was auto-disabled after 3 days of failed deliveries (LL-5031). Customer fixed their service, re-enabled the endpoint under Settings > Developers > Webhooks and used Replay events for the outage window.",
        "Re-enabled the webhook endpoint after the customer renewed the expired TLS certificate; replayed {count} missed events via Replay events (handler de-duplicates on event id).",
    ],
},
{
    "key": "webhook_duplicates", "doc": "webhooks/overview.md", "tags": ["webhooks", "duplicates"],
    "code": "user_error", "code2": "known_issue", "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "Receiving the same webhook twice",
        "Duplicate invoice.paid events caused double fulfilment",
        "Webhook events arrive out of order",
    ],
    "bodies": [
        "We got two {event} events with the same evt id ({evt}) about {seconds} seconds apart. Our system processed both and sent the customer two confirmation emails. Is this a bug?",
        "Sometimes subscription.updated arrives before subscription.created. Our handler crashes because the subscription isn't in our DB yet.",
        "Same webhook delivered twice for {order}. Our handler takes about 15 seconds to respond because it generates a PDF first.",
    ],
    "solutions": [
        "Webhooks are delivered at least once and not guaranteed in order. A duplicate happens when we don't get a 2xx within 10 seconds (your handler took ~15 s), so we retry even though you eventually processed it.\n\nRecommended handler pattern:\n1. Verify the signature, store the event id, return 2xx immediately.\n2. Do the slow work (PDFs, emails) asynchronously from a queue.\n3. Skip events whose id you've already processed.\n4. For ordering, use the object's updated timestamp in the payload, or fetch the current object from the API instead of trusting event order.",
        "This is expected behaviour: delivery is at-least-once and unordered. De-duplicate on the event id (evt_...), acknowledge within 10 seconds and process asynchronously, and when order matters re-fetch the object via the API. See the webhooks overview for the handler checklist.",
    ],
    "resolutions": [
        "Duplicate deliveries happened because the handler took longer than the 10 s timeout, so the event was retried. Customer now returns 2xx immediately, processes from a queue and de-duplicates on event id.",
        "Explained that delivery is at-least-once and unordered. Customer added idempotent processing keyed on evt id and re-fetches objects from the API when order matters.",
    ],
},
{
    "key": "dunning_not_retrying", "ask_for": [0, 1, 2, 3], "doc": "billing/dunning.md", "tags": ["dunning", "payments", "retries"],
    "code": "config_change", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "Failed payments are not being retried",
        "Dunning didn't retry the card, subscription cancelled immediately",
        "How does the retry schedule work? Invoice {inv} marked uncollectible",
    ],
    "bodies": [
        "A customer's card failed on {day} for invoice {inv} ({amount}) and we expected Ledgerline to retry a few times, but the subscription was cancelled the same day. Where is the retry schedule configured?",
        "We have lots of failed payments sitting there with no retry attempts. I thought dunning was automatic?",
        "Invoice {inv} went straight to uncollectible after a single failed attempt. Our old settings had retries on days 3, 5 and 7.",
        "Our customer's card ({card}) was declined once for {inv} and Ledgerline never tried again. The customer says the card has funds now. Shouldn't dunning retry automatically?",
    ],
    "asks": [
        "Can you confirm whether these invoices are charged automatically or sent for manual payment (collection method), and whether anyone changed Settings > Billing > Dunning recently?",
    ],
    "infos": [
        "They are auto-charged. A colleague changed some dunning settings during our migration from {old_version}, I don't know what exactly.",
        "Collection method is charge_automatically. Audit log shows a change to dunning by {email3} on {day}.",
    ],
    "internal": "Workspace has dunning.max_attempts = 1 and dunning.final_action = cancel. That's why. Changed during migration by a customer admin per audit log.",
    "solutions": [
        "Retries are driven by the dunning settings, and your workspace currently has dunning.max_attempts set to 1 with dunning.final_action = cancel, so after the first failure the subscription is cancelled right away.\n\n1. Settings > Billing > Dunning: set Retry schedule (dunning.retry_schedule) back to 3, 5, 7 days and Maximum attempts to 4.\n2. Choose the final action: cancel, mark_unpaid or pause.\n3. For invoices already affected, open each one and click Retry payment; for cancelled subscriptions use Reactivate (the next period is billed normally).\n\nNote that retries only apply to invoices with collection method charge_automatically; send_invoice invoices get reminder emails instead.",
        "The retry schedule lives in Settings > Billing > Dunning. It was set to a single attempt with the cancel final action, so nothing was retried. Restore the schedule (default 3, 5 and 7 days after the first failure, 4 attempts in total), and re-run the affected invoices with Retry payment. Smart Retries (Enterprise) can pick optimal retry times instead of fixed days.",
    ],
    "resolutions": [
        "dunning.max_attempts had been set to 1 with final_action=cancel during a migration. Reset the schedule to 3/5/7 days with 4 attempts under Settings > Billing > Dunning and retried the failed invoices manually.",
        "Dunning misconfigured after a settings change (audit log). Restored the default retry schedule and reactivated the subscriptions that dunning had cancelled.",
    ],
},
{
    "key": "dunning_emails_contact", "doc": "billing/dunning.md", "tags": ["dunning", "emails", "contacts"],
    "code": "config_change", "prio": [2, 5, 2, 0], "n": 7,
    "subjects": [
        "Payment reminder emails go to the wrong person",
        "Dunning emails sent to old billing contact",
        "How do we cc our AP team on failed payment notices?",
    ],
    "bodies": [
        "One of our customers complains that payment failure emails are sent to {email3}, who left their company. Their new billing contact is {email2}. Where do we change this?",
        "Our own customers want failed-payment reminders to go to their finance team as well as the account owner. Is there a cc option?",
        "The dunning email for invoice {inv} went to the signup email, not the billing email we entered later.",
    ],
    "solutions": [
        "Dunning and invoice emails go to the customer's billing contacts, not the signup/login email. On the customer page, open Contacts > Billing contacts and add or replace addresses (up to 5 per customer); tick \"Receives payment reminders\". Via the API, set billing_contacts on the customer object. Changes apply to the next email sent, and you can resend the last reminder from the invoice page (More > Resend reminder).",
        "Add the new address under the customer's Billing contacts and remove the old one. Every billing contact with \"Receives payment reminders\" enabled gets dunning emails; there's no separate cc field.",
    ],
    "resolutions": [
        "Reminders went to the customer's primary email because no billing contacts were set. Added billing contacts with 'Receives payment reminders' on the customer and resent the reminder for {inv}.",
        "Replaced the departed contact with the new billing contact on the customer (Contacts > Billing contacts); dunning emails now go to AP. There is no cc field; every recipient is a billing contact.",
    ],
},
{
    "key": "proration", "doc": "billing/proration.md", "tags": ["proration", "subscriptions", "invoices"],
    "code": "user_error", "code2": "config_change", "prio": [1, 5, 3, 0], "n": 9,
    "subjects": [
        "Unexpected proration charge after upgrade",
        "Customer charged twice when changing plans mid-month?",
        "Why is there a negative line item on the invoice after a downgrade",
        "Proration amounts look wrong",
        "How to apply plan changes at renewal without proration",
    ],
    "bodies": [
        "A customer upgraded from Basic to Pro on {day} and got an immediate invoice {inv} for {amount} with two lines \"Unused time on Basic\" and \"Remaining time on Pro\". They thought they were charged twice. Can you explain?",
        "We want plan changes to take effect at the next renewal without any proration. Right now every change creates prorated items. Is there a setting?",
        "After a downgrade, the next invoice has a credit line of {amount2}. Our finance team wants to understand how that was computed.",
        "We added {n} seats to a subscription halfway through the annual term and the customer was charged {amount} immediately. They expected to pay for the extra seats at renewal.",
    ],
    "solutions": [
        "That's proration: on a mid-cycle change we credit the unused time of the old price and charge the remaining time on the new price, to the second, based on the billing period. The two lines net to the difference. Whether it's invoiced immediately depends on billing.proration_behavior:\n\n- create_prorations (default): items are added to the next invoice.\n- always_invoice: an invoice is created right away (what you saw).\n- none: no proration; the new price applies from the next period.\n\nYou can set the workspace default under Settings > Billing > Subscriptions, or pass proration_behavior per change in the API.",
        "The credit and charge lines are proration for the unused and remaining time in the current period. If you prefer changes to apply at renewal, set billing.proration_behavior to none (Settings > Billing > Subscriptions) or schedule the change for the period end with the \"At next renewal\" option when editing the subscription.",
    ],
    "resolutions": [
        "Immediate invoice came from billing.proration_behavior=always_invoice; the two lines were proration credit and charge netting to the difference. Customer set the default to create_prorations so prorations land on the next invoice.",
        "Customer wanted changes to apply at renewal: set billing.proration_behavior=none and used 'At next renewal' scheduled changes.",
    ],
},
{
    "key": "invoice_number_gap", "doc": "billing/invoices.md", "tags": ["invoices", "numbering", "compliance"],
    "code": "known_issue", "code2": "config_change", "prio": [1, 4, 4, 1], "n": 8,
    "subjects": [
        "Gaps in invoice numbering",
        "Invoice sequence skipped numbers - auditor asking",
        "Invoice prefix reset at new year?",
    ],
    "bodies": [
        "Our auditor found gaps in the invoice sequence: we have {inv} and then the next one is several numbers higher. In our country invoice numbers must be consecutive. What happened to the missing numbers?",
        "We want invoice numbers like INV-2026-00001 to restart every January, but they just continue from last year. Our current format is INV-{{SEQ}}.",
        "Why did invoice numbers jump after we deleted some draft invoices?",
    ],
    "solutions": [
        "Numbers are assigned when an invoice is finalized, not when a draft is created, so deleting drafts never leaves gaps. Gaps do appear in two cases: invoices finalized in another entity (each entity has its own sequence only if Settings > Invoices > Numbering > Sequence scope is set to per entity) and invoices created by API with a custom number. A sequential, per-entity sequence is the compliant setup for most EU countries.\n\nTo reset each year, set invoice.number_format to INV-{{YYYY}}-{{SEQ:5}}: the sequence restarts at 00001 when the year in the number changes. You can export a sequence report (Reports > Invoice numbering) to show the auditor every number and its invoice.",
        "Ledgerline allocates numbers at finalization. Your gaps come from a shared sequence across entities; switch Numbering > Sequence scope to per entity so each legal entity gets consecutive numbers, and use the format INV-{{YYYY}}-{{SEQ:5}} for a yearly reset. The Invoice numbering report lists every allocated number for the auditor.",
    ],
    "resolutions": [
        "Gaps came from a workspace-wide sequence shared across entities. Switched Numbering > Sequence scope to per entity and provided the Invoice numbering report to the auditor.",
        "Set invoice.number_format to INV-{{YYYY}}-{{SEQ:5}} for a yearly reset. Explained that numbers are allocated at finalization, so deleted drafts never leave gaps.",
    ],
},
{
    "key": "period_locked", "doc": "runbooks/close-accounting-period.md", "tags": ["accounting", "period-close", "invoices"],
    "code": "user_error", "prio": [1, 4, 4, 1], "n": 8,
    "subjects": [
        "LL-4093 accounting period locked when voiding invoice",
        "Can't create a backdated invoice: period is locked",
        "Error \"period locked\" when issuing a credit note",
    ],
    "bodies": [
        "I'm trying to void invoice {inv} from last quarter and get LL-4093 \"The accounting period is locked\". Our controller closed the books but we found an error. How do we fix this?",
        "We need to issue an invoice dated {day} for a service delivered last month and Ledgerline refuses with LL-4093. I am an Admin.",
        "Issuing a credit note for {inv} fails with period locked. Customer is waiting on the refund of {amount}.",
    ],
    "solutions": [
        "LL-4093 means the document date falls on or before accounting.period_lock_date. Locked periods can't receive new, voided or changed documents, which keeps your exported books consistent.\n\nOptions:\n1. Preferred: issue the correction in the current open period (a credit note dated today against {inv}, then a new invoice if needed). This doesn't touch the closed period.\n2. If you must change the closed period, a user with the Accountant or Owner role can move the lock date back under Settings > Accounting > Period close, make the change, and lock again. The change is recorded in the audit log, and synced accounting tools will receive the correction.\n\nAdmins can't unlock periods by default; that's deliberate.",
        "The document date is in a locked period (LL-4093). Either create the correction dated in the current period (credit note today), or ask your Accountant/Owner to temporarily move the period lock date in Settings > Accounting > Period close and re-lock afterwards.",
    ],
    "resolutions": [
        "Document date fell in a locked accounting period (LL-4093). Customer issued a credit note dated in the current open period instead of reopening the closed one.",
        "An Owner temporarily moved accounting.period_lock_date back (Settings > Accounting > Period close), voided {inv}, then re-locked the period; change recorded in the audit log.",
    ],
},
{
    "key": "credit_note_exceeds", "doc": "billing/credit-notes.md", "tags": ["credit-notes", "refunds"],
    "code": "user_error", "prio": [1, 6, 2, 0], "n": 7,
    "subjects": [
        "LL-4095 credit note amount exceeds invoice",
        "Can't credit the full invoice amount",
        "Refund via credit note fails",
    ],
    "bodies": [
        "I want to credit {amount} on invoice {inv} but I get LL-4095 \"credit amount exceeds the invoice's creditable amount\". The invoice total is higher than that.",
        "We already refunded part of {inv} and now I need to credit the rest, but the credit note editor won't let me enter the amount.",
        "Trying to issue credit note for {inv} with a goodwill credit on top of the full amount. Getting an error code LL-4095.",
    ],
    "solutions": [
        "A credit note can't exceed the invoice's creditable amount: the total minus credit notes already issued against it (including the one created by an earlier partial refund). The invoice page shows \"Creditable amount\" in the summary.\n\nFor amounts beyond that (a goodwill gesture, for example), add a customer balance adjustment instead: customer page > Balance > Adjust, which is applied to the next invoice, or refund the payment directly without a credit note.",
        "LL-4095 is the creditable-amount check: earlier credit notes on {inv} already reduced what can be credited. Credit up to the remaining amount shown on the invoice and put anything extra on the customer's balance (Balance > Adjust).",
    ],
    "resolutions": [
        "An earlier partial credit reduced the creditable amount (LL-4095). Issued a credit note for the remainder and a customer balance adjustment for the goodwill part.",
        "Explained the creditable amount rule (total minus existing credit notes); customer credited the remaining amount only.",
    ],
},
]


FAMILIES += [
{
    "key": "card_3ds", "doc": "billing/payment-methods.md", "tags": ["payments", "cards", "3ds"],
    "code": "workaround", "code2": "config_change", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "Card payments failing with authentication_required",
        "European customers' renewals fail: 3D Secure",
        "Payment failed: requires_action on recurring charge",
    ],
    "bodies": [
        "Several renewals from EU customers failed this month with decline code authentication_required. One customer insists their card is fine: {card}, exp 08/27. They paid manually before without problems.",
        "Our customer tried to pay invoice {inv} and the charge failed with \"requires_action\". The card they used ends in {last4}. They say the bank app never asked them to confirm anything.",
        "A customer sent me their full card number by email so we could \"run it manually\": {card}. Obviously I won't do that, but their automatic payment keeps failing with authentication_required. What is the right way to handle this?",
        "A customer in Ireland says their bank app asked them to approve a payment of {amount}, but the request had expired by the time they saw it. Now {inv} shows the payment failed with authentication_required. Can they still pay it?",
    ],
    "solutions": [
        "Under PSD2/SCA the issuing bank can demand 3D Secure authentication even for a recurring charge; the charge then fails with authentication_required. Ledgerline automatically emails the customer a secure payment link (invoice.payment_action_required event) where they complete 3DS, and later charges on that card are usually exempt.\n\n1. Check Settings > Billing > Payment emails > \"Authentication required\" email is enabled.\n2. You can resend the link from the invoice: More > Send payment link.\n3. Never take card numbers by email or phone. If a customer sends one, delete the message and point them to the payment link or the customer portal.",
        "authentication_required means the bank wants 3D Secure confirmation. Send the customer the hosted payment link for {inv} (invoice page > More > Send payment link); once they authenticate, the payment succeeds and future off-session charges normally go through. Make sure the \"Authentication required\" customer email is switched on so this happens automatically. Card numbers must never be sent by email; if one arrives, delete it.",
    ],
    "resolutions": [
        "Declines were SCA authentication_required. Enabled the 'Authentication required' payment email and sent hosted payment links; customers paid after completing 3D Secure.",
        "Customer completed 3DS via the payment link for {inv} (invoice > More > Send payment link). Advised deleting the emailed card number; ticket redacted.",
    ],
},
{
    "key": "card_updated_old_charged", "since": "2025-05-26", "doc": "billing/payment-methods.md", "tags": ["payments", "cards", "portal"],
    "code": "user_error", "code2": "fixed", "prio": [1, 4, 4, 1], "n": 8,
    "subjects": [
        "Customer updated card but old card was charged",
        "New payment method not used for renewal",
        "Card on file not updated after portal change",
    ],
    "bodies": [
        "Our customer updated their card in the portal last week (new card {card}) but the renewal on {day} was attempted on the old card ending {last4} and failed. Why?",
        "A customer added a new card via the customer portal ({card}, they emailed it to us as well, unfortunately), but invoice {inv} still tried the old one ending {last4}. Do they need to do something else?",
        "We updated the card for {org} over the phone with the customer ({phone}) and entered it in the dashboard, but the subscription still charges the expired card.",
    ],
    "solutions": [
        "Adding a card doesn't automatically make it the one used for subscriptions. A subscription uses its own default payment method if it has one, otherwise the customer's default. In your case the subscription had the old card pinned.\n\nFix: customer page > Payment methods > ... > Set as default, and on the subscription choose Payment method > Use customer default. In the portal, customers should tick \"Use for all subscriptions\" when adding a card (on by default since 5.2). Then click Retry payment on the failed invoice. Card updater (Growth and Enterprise) refreshes expiring cards automatically for Visa and Mastercard.",
        "The subscription had the old card set as its own payment method, which takes precedence over the customer default. Set the new card as default for the customer and set the subscription to use the customer default, then retry the invoice. Please don't take card numbers over the phone; send the customer a portal link to add the card themselves.",
    ],
    "resolutions": [
        "Subscription had the old card pinned as its own payment method, which overrides the customer default. Switched the subscription to 'Use customer default' and retried {inv}; paid.",
        "New card had been added but not set as default. Set it as default payment method, set the subscription to use it, and retried the payment successfully.",
    ],
},
{
    "key": "sepa_iban_invalid", "ask_for": [0, 1, 2], "doc": "billing/sepa-direct-debit.md", "tags": ["sepa", "iban", "payments"],
    "code": "user_error", "prio": [1, 5, 3, 0], "n": 9, "since": "2024-03-01",
    "subjects": [
        "LL-4221 IBAN invalid when adding SEPA mandate",
        "Customer can't set up direct debit: IBAN rejected",
        "SEPA mandate creation fails although the IBAN is correct",
    ],
    "bodies": [
        "One of our customers tries to set up SEPA Direct Debit and gets LL-4221 \"IBAN is invalid\". They sent me their IBAN: {iban}. It looks correct to me?",
        "We're importing SEPA mandates via the API and some fail with LL-4221. Example: {iban} for {entity}. Bank is {bank}.",
        "Customer says their IBAN is right but the portal won't accept it. They typed it with spaces and lowercase letters like this: {iban_lc}. Is that the problem?",
    ],
    "asks": [
        "Could you check whether the customer's currency is EUR and which Ledgerline entity they belong to? SEPA mandates can only be created for EUR customers of an entity with a SEPA creditor identifier.",
    ],
    "infos": [
        "The customer is billed in GBP actually, they are in the UK but have a euro account at {bank}.",
        "Customer currency is EUR, entity {entity}. We never entered a creditor identifier I think.",
    ],
    "solutions": [
        "LL-4221 is returned for three different reasons, and the message's reason field tells which:\n\n1. checksum: the IBAN fails the mod-97 check (a typo). Spaces and lowercase are fine; we normalise them.\n2. country: the bank country isn't in the SEPA zone.\n3. currency: the customer isn't billed in EUR, or the entity has no SEPA creditor identifier (Settings > Entities > Payment settings > SEPA creditor ID).\n\nHere the IBAN itself passes the check, so it's the currency/creditor setup: set the creditor ID on the entity, and note that SEPA debits are EUR only; a GBP customer needs Bacs or card instead.",
        "The IBAN checksum is valid, so LL-4221 comes from the setup, not the number: SEPA mandates require a EUR customer and a creditor identifier on the billing entity. Add the SEPA creditor ID under Settings > Entities > Payment settings, make sure the customer's currency is EUR, and the mandate will be accepted. If the reason field says checksum, the customer has a typo in the IBAN.",
    ],
    "resolutions": [
        "LL-4221 with reason=currency: the customer is billed in GBP and SEPA is EUR-only. The IBAN itself was valid; customer switched to card payments.",
        "The billing entity had no SEPA creditor identifier (LL-4221 reason=currency). Added it under Settings > Entities > Payment settings and the mandate was created.",
    ],
},
{
    "key": "sepa_return", "doc": "billing/sepa-direct-debit.md", "tags": ["sepa", "returns", "payments"],
    "code": "workaround", "prio": [1, 4, 4, 1], "n": 8, "since": "2024-03-01",
    "subjects": [
        "SEPA payment returned with MD01",
        "Direct debit failed days after showing as paid",
        "AM04 return on SEPA debit, invoice back to open",
    ],
    "bodies": [
        "Invoice {inv} was marked paid via SEPA and {n} days later it went back to open with reason MD01. The customer's account is {iban}. What does MD01 mean and what should we do?",
        "We got a return with code AM04 for {amount}. Ledgerline reopened the invoice and charged a fee. Can we retry the debit?",
        "Why do SEPA payments show as succeeded and then fail a week later? Our customer {org} says they never saw a debit.",
        "The direct debit for {inv} came back with return code AC04. The customer says they moved to a new bank last month. What should we do now?",
    ],
    "solutions": [
        "SEPA debits can be returned by the debtor's bank for up to 8 weeks (13 months for unauthorised debits), so an invoice can go from paid back to open. Common codes: AM04 insufficient funds, MD01 no valid mandate, AC04 account closed, MS02 refused by debtor.\n\n- AM04: safe to retry; dunning retries it automatically, or use Retry payment.\n- MD01/MS02: don't retry on the same mandate. Ask the customer to sign a new mandate via the portal link (customer page > Payment methods > Request mandate).\n- AC04: the account is closed; collect new bank details.\n\nThe return fee your bank charges is shown as a separate fee line; whether to pass it on is your choice.",
        "That's a SEPA return: the debtor's bank can reverse the debit after it appears successful. The reason code tells you what to do: retry AM04 (insufficient funds), request a fresh mandate for MD01 (no mandate) or MS02, and collect new details for AC04 (closed account). Mandate requests are sent from the customer page.",
    ],
    "resolutions": [
        "Debit returned with MD01 (no valid mandate). Sent the customer a new mandate request from the customer page; payment collected after signing.",
        "Return reason AM04 (insufficient funds); retried through dunning and paid on the second attempt. Bank return fee shown as a separate fee line.",
    ],
},
{
    "key": "vat_vies", "doc": "tax/tax-calculation.md", "tags": ["tax", "vat", "vies"],
    "code": "known_issue", "code2": "config_change", "prio": [1, 4, 4, 1], "n": 8,
    "subjects": [
        "LL-4230 VAT number validation failed",
        "Reverse charge not applied, VAT ID rejected",
        "VIES validation errors for all customers in one country",
    ],
    "bodies": [
        "We can't save the VAT ID {vat} on a customer: LL-4230 \"tax ID could not be validated\". It's a valid number; we checked on the EU website.",
        "A B2B customer in another EU country was charged VAT instead of reverse charge. Their VAT number {vat} shows as \"pending\" in Ledgerline.",
        "Getting LL-4230 for several customers this afternoon, all in the same country. Is VIES down?",
        "Reverse charge disappeared from our invoices to {entity}: their VAT number {vat} now shows 'could not be validated' (LL-4230), although nothing changed on their side.",
    ],
    "solutions": [
        "We validate EU VAT numbers against VIES, the EU Commission's service, which relies on each member state's system; national systems are regularly unavailable for hours. When VIES can't answer we return LL-4230 (or, with the fallback enabled, mark the ID as pending).\n\n1. Set Settings > Tax > VAT validation > When VIES is unavailable to \"Accept and re-check\" (tax.vies_fallback = accept_pending). IDs are saved as pending, reverse charge is applied, and we re-check every 6 hours for up to 7 days.\n2. For the invoice already issued with VAT, issue a credit note and re-invoice once the ID is verified.\n\nIf the result is \"invalid\" rather than unavailable, the number itself isn't registered for intra-EU trade.",
        "LL-4230 here means VIES (the EU's VAT validation service) didn't answer, not that the number is wrong. Turn on tax.vies_fallback = accept_pending under Settings > Tax so IDs are stored as pending and re-checked automatically, then retry. Pending IDs get reverse charge; if a re-check later finds them invalid we notify you.",
    ],
    "resolutions": [
        "VIES outage for one member state caused LL-4230. Enabled tax.vies_fallback=accept_pending so IDs are saved as pending with reverse charge; all IDs validated on re-check.",
        "Invoice had been issued with VAT while the VAT ID could not be validated. Once VIES confirmed the ID, issued a credit note and re-invoiced with reverse charge.",
    ],
},
{
    "key": "us_sales_tax_address", "doc": "tax/us-sales-tax.md", "tags": ["tax", "sales-tax", "address"],
    "code": "user_error", "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "LL-4231 address could not be validated",
        "Sales tax not calculated for US customer",
        "Invoice finalization blocked: tax address invalid",
    ],
    "bodies": [
        "We can't finalize invoice {inv} for a customer in {city} {zip}: LL-4231 \"billing address could not be validated for tax calculation\".",
        "US sales tax shows 0% on invoices for a new customer in {city}. We have nexus there and registered in Settings > Tax.",
        "Our import created customers with only ZIP codes and now invoices fail with LL-4231.",
        "We're trying to finalize {inv} for a sole proprietor in {city}. We only have a ZIP code ({zip}) from their W-9 (SSN {ssn}, I know we shouldn't keep that) and finalizing fails with LL-4231 \"billing address could not be validated\".",
    ],
    "solutions": [
        "For US sales tax we need a deliverable address to find the exact jurisdiction (city/county/district rates can differ within one ZIP code). LL-4231 means the address didn't resolve: usually a missing street line, a ZIP that doesn't match the city, or a PO box in a state that taxes by ship-to location.\n\n1. Edit the customer's billing address (line1, city, state, postal code; ZIP+4 helps) and click Validate.\n2. Then finalize the invoice again.\n\nA 0% rate with a valid address means no registration is configured for that state: Settings > Tax > US registrations > Add state.",
        "Tax calculation needs a full, validated billing address. Add the street line and check the ZIP against the city, validate, then finalize. If tax still shows 0%, add the state under Settings > Tax > US registrations.",
    ],
    "resolutions": [
        "Customers imported with ZIP only could not be resolved to a tax jurisdiction (LL-4231). Customer completed the street addresses, validated them and invoices finalized with correct tax.",
        "No state registration was configured, so tax was 0%. Added the state under Settings > Tax > US registrations; sales tax now calculated.",
    ],
},
{
    "key": "currency_mismatch", "doc": "billing/currencies.md", "tags": ["currency", "subscriptions"],
    "code": "workaround", "prio": [1, 6, 2, 0], "n": 7,
    "subjects": [
        "LL-4096 currency mismatch when adding subscription",
        "Can't change a customer's currency from USD to EUR",
        "Customer moved to Europe, need to bill in euros",
    ],
    "bodies": [
        "Adding a EUR price to an existing customer gives LL-4096 \"customer currency is USD\". The customer relocated to {entity} and wants to pay in euros.",
        "How can we change the currency of a customer? There's no field in the edit form.",
        "Our API call to create a subscription fails with LL-4096 for customer {cus}.",
    ],
    "solutions": [
        "A customer's currency is fixed once they have a finalized invoice, a balance or an active subscription, so their ledger stays in one currency; mixing returns LL-4096.\n\nWorkaround: create a new customer record for the EUR billing relationship (you can copy metadata and link both via the parent account field), end the USD subscription at period end, and start the EUR one on the new customer. Any remaining USD balance can be refunded or applied first. If the customer has no invoices yet, you can change the currency directly in the edit form.",
        "Currency is locked after the first finalized invoice (LL-4096). Create a second customer in EUR, link it to the original as a child account, and move the subscription at renewal.",
    ],
    "resolutions": [
        "Customer currency is locked after the first finalized invoice (LL-4096). Created a EUR customer linked to the original via parent account and moved the subscription at renewal.",
        "Explained LL-4096; a new customer record in the target currency was used and the remaining USD balance refunded.",
    ],
},
{
    "key": "csv_encoding", "since": "2024-04-01", "doc": "imports/csv-import-errors.md", "tags": ["import", "csv", "encoding"],
    "code": "user_error", "code2": "fixed", "prio": [1, 5, 3, 0], "n": 9,
    "subjects": [
        "CSV import fails with LL-4220 invalid encoding",
        "Customer import shows garbled characters (Ã© etc.)",
        "Import error on row 1: unexpected character",
    ],
    "bodies": [
        "I exported our customer list from Excel and the import fails with LL-4220 \"file is not valid UTF-8\" at line {line}. File is {csv}, {rows} rows.",
        "The import succeeded but names like \"Société Générale\" show up as \"SociÃ©tÃ© GÃ©nÃ©rale\". How do we fix the records already imported?",
        "Import of {csv} fails right on row 1 with an error about the header. We're on {old_version}. Excel saved it as CSV UTF-8.",
    ],
    "solutions": [
        "Imports must be UTF-8. Excel's plain \"CSV\" option writes Windows-1252, which fails with LL-4220 at the first non-ASCII character (line {line} here).\n\n1. In Excel use File > Save As > \"CSV UTF-8 (Comma delimited)\"; in Google Sheets, File > Download > CSV is already UTF-8.\n2. Re-run the import.\n\n\"CSV UTF-8\" from Excel adds a byte-order mark; workspaces on 5.1 or later accept it, but older 4.x releases report the header as unknown on row 1. If you're still on 4.9, remove the BOM or upgrade. For records already imported with mojibake, re-import the corrected file with Mode = Update matched records (matched on external_id).",
        "LL-4220 means the file isn't UTF-8; save it as \"CSV UTF-8\" and import again. To fix the garbled names already imported, run the import again in Update mode keyed on external_id with the corrected file.",
    ],
    "resolutions": [
        "File was Windows-1252 from Excel's plain CSV option (LL-4220). Re-saved as 'CSV UTF-8' and re-imported; garbled names fixed with an Update-matched-records import keyed on external_id.",
        "Byte-order mark from Excel's CSV UTF-8 was rejected on 4.9 (header unknown on row 1). Customer removed the BOM; 5.1 and later accept it.",
    ],
},
{
    "key": "csv_date_format", "doc": "imports/csv-import-errors.md", "tags": ["import", "csv", "dates"],
    "code": "config_change", "prio": [1, 5, 3, 0], "n": 8,
    "subjects": [
        "LL-4222 unrecognised date in subscription import",
        "Import swapped day and month on start dates",
        "Dates like 03/04/2025 imported wrong",
        "Which date format does the CSV importer accept?",
    ],
    "bodies": [
        "Our subscriptions import fails with LL-4222 \"unrecognised date '13/02/2025' in column start_date\" at line {line}.",
        "We imported {rows} subscriptions and the start dates are wrong: 03/04/2025 became March 4 instead of April 3. Renewals are now scheduled on the wrong day.",
        "What date format does the importer expect? Our legacy system exports dd.mm.yyyy.",
    ],
    "solutions": [
        "By default the importer expects ISO 8601 (2025-04-03 or 2025-04-03T10:00:00Z). Ambiguous slash dates are read as US month/day, so 13/02/2025 fails with LL-4222 and 03/04/2025 becomes March 4.\n\nSet the format in the import wizard (step 2, Date format) or workspace-wide with import.date_format, e.g. DD/MM/YYYY or DD.MM.YYYY. For subscriptions already imported with swapped dates: filter by the import batch id in Subscriptions, export, correct the start dates, and re-import in Update mode; billing anchors are recomputed, and no invoices are created for dates in the past unless you tick Backfill.",
        "Use ISO dates or set the date format explicitly (import.date_format, e.g. DD/MM/YYYY) before importing. To fix the swapped ones, re-import the corrected file in Update mode using the batch id filter.",
    ],
    "resolutions": [
        "Dates were DD/MM/YYYY but imported as US format. Set import.date_format=DD/MM/YYYY and re-imported in Update mode filtered by batch id to correct the swapped start dates.",
        "Converted the date columns to ISO 8601 (YYYY-MM-DD); LL-4222 resolved and the import completed.",
    ],
},
{
    "key": "csv_limits_duplicates", "doc": "imports/csv-import.md", "tags": ["import", "csv", "limits"],
    "code": "workaround", "prio": [1, 5, 3, 0], "n": 8,
    "subjects": [
        "Import rejected: file too large",
        "LL-4223 duplicate external_id in import",
        "Bulk import of {rows} customers, best way?",
        "Re-running a failed import: will it duplicate customers?",
    ],
    "bodies": [
        "We're migrating from our old billing system and have {rows} customers. The upload fails saying the file exceeds the limit.",
        "Import fails with LL-4223 \"duplicate external_id\" on line {line}. Our legacy system reuses ids across regions.",
        "Import stopped halfway and half the customers are created. If we re-run it, will we get duplicates?",
    ],
    "solutions": [
        "Limits per import file: 50,000 rows and 25 MB. Split larger files (each chunk with the header row). Every row needs a unique external_id within the workspace; duplicates inside the file or against existing customers in Create mode return LL-4223.\n\n- If ids repeat across regions, prefix them (e.g. EU-1042, US-1042).\n- Re-running a partially completed import is safe in \"Create or update\" mode: rows are matched on external_id, so existing customers are updated, not duplicated.\n- For very large migrations, the API bulk endpoint (POST /v2/customers/batch, 500 per call) is faster.",
        "Split the file into chunks of at most 50,000 rows / 25 MB, make external_id unique (prefix by region), and use \"Create or update\" mode so re-runs don't duplicate.",
    ],
    "resolutions": [
        "Split the file into chunks under 50,000 rows / 25 MB and made external_id unique with a region prefix (LL-4223). Import completed.",
        "Re-ran the partially completed import in Create or update mode, which matches on external_id; no duplicates were created.",
    ],
},
{
    "key": "qbo_auth", "doc": "integrations/quickbooks-online.md", "tags": ["integrations", "quickbooks", "sync"],
    "code": "config_change", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "QuickBooks sync stopped: QBO_AUTH_EXPIRED",
        "Invoices not syncing to QuickBooks Online",
        "QuickBooks connection shows \"Reconnect required\"",
    ],
    "bodies": [
        "Our invoices stopped appearing in QuickBooks Online around {day}. The integration page shows QBO_AUTH_EXPIRED. Nobody changed anything.",
        "Accounting noticed {count} invoices missing in QuickBooks. The last one synced was {inv}. Is there an outage?",
        "QuickBooks integration status: error, \"Reconnect required (QBO_AUTH_EXPIRED)\". If we reconnect, will it create duplicates?",
        "Our QuickBooks admin changed her Intuit password and chose 'sign out of all devices'. Since then Ledgerline shows QuickBooks as disconnected and {count} invoices are waiting to sync.",
    ],
    "solutions": [
        "QuickBooks issues tokens that must be refreshed, and Intuit revokes the connection after 100 days without a successful refresh, or when the QuickBooks user who connected it loses admin rights or changes their password. Then every sync fails with QBO_AUTH_EXPIRED.\n\n1. Settings > Integrations > QuickBooks Online > Reconnect, and sign in as a QuickBooks admin.\n2. Pick the same company. Mappings are kept.\n3. Click Sync now > Backfill since last success. Records are matched on the Ledgerline id stored in QuickBooks, so nothing is duplicated.\n\nConnecting with a shared admin account rather than a personal one avoids this when people leave.",
        "The QuickBooks authorization expired (QBO_AUTH_EXPIRED), typically because the connecting user lost admin rights or the token wasn't refreshed for 100 days. Reconnect under Settings > Integrations > QuickBooks Online with a QuickBooks admin, then run Backfill since last success. Reconnecting to the same company doesn't create duplicates.",
    ],
    "resolutions": [
        "QBO_AUTH_EXPIRED after the QuickBooks user who connected the integration left. Reconnected with a shared QuickBooks admin account to the same company and ran Backfill since last success; {count} invoices synced without duplicates.",
        "Reconnected QuickBooks Online (Settings > Integrations > QuickBooks Online > Reconnect) and ran the backfill; records matched on the Ledgerline id, no duplicates created.",
    ],
},
{
    "key": "qbo_mapping", "doc": "integrations/quickbooks-online.md", "tags": ["integrations", "quickbooks", "mapping"],
    "code": "config_change", "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "QBO_ACCOUNT_MAPPING_MISSING for new product",
        "Some invoices fail to sync to QuickBooks: mapping missing",
        "QuickBooks sync error on invoices with the new add-on",
    ],
    "bodies": [
        "Since we launched a new add-on, invoices containing it fail to sync with QBO_ACCOUNT_MAPPING_MISSING. Other invoices are fine.",
        "Sync error for {inv}: QBO_ACCOUNT_MAPPING_MISSING (item: Premium Support). What do we need to map?",
        "Half of this month's invoices are stuck in the QuickBooks sync queue with a mapping error.",
    ],
    "solutions": [
        "Each Ledgerline product must map to a QuickBooks item (and through it an income account). New products aren't mapped automatically unless a default is set, so invoices containing them fail with QBO_ACCOUNT_MAPPING_MISSING.\n\n1. Settings > Integrations > QuickBooks Online > Mappings > Products: map the new product to an item.\n2. Optionally set a Default item for unmapped products.\n3. Click Retry failed syncs; the queued invoices go through.",
        "Map the new product under Mappings > Products (or set a default item for unmapped products), then Retry failed syncs.",
    ],
    "resolutions": [
        "New add-on product had no QuickBooks item mapping (QBO_ACCOUNT_MAPPING_MISSING). Mapped it under Mappings > Products and clicked Retry failed syncs.",
        "Set a default item for unmapped products so new products no longer block syncing; the failed queue drained.",
    ],
},
{
    "key": "xero_tax_rate", "doc": "integrations/xero.md", "tags": ["integrations", "xero", "tax"],
    "code": "config_change", "prio": [1, 5, 3, 0], "n": 8,
    "subjects": [
        "Xero sync fails: XERO_TAX_RATE_INACTIVE",
        "Invoices not pushed to Xero after VAT change",
        "Xero integration error about tax rate",
        "Xero sync broken, one organisation disconnected",
    ],
    "bodies": [
        "Since the start of the month, invoices fail to sync to Xero with XERO_TAX_RATE_INACTIVE. Our accountant archived some old tax rates in Xero.",
        "Getting \"Tax rate is archived in Xero\" for {inv} and others. Which mapping needs updating?",
        "Our Xero sync broke. Also, it shows XERO_TENANT_DISCONNECTED on one of our two organisations.",
    ],
    "solutions": [
        "Ledgerline tax rates map to Xero tax rates. When a mapped rate is archived in Xero, Xero rejects the invoice (XERO_TAX_RATE_INACTIVE).\n\n1. Settings > Integrations > Xero > Mappings > Tax rates: map each Ledgerline rate to an active Xero rate.\n2. Click Retry failed syncs.\n\nXERO_TENANT_DISCONNECTED is separate: that organisation was disconnected in Xero (Settings > Connected apps). Reconnect it under Settings > Integrations > Xero > Organisations > Reconnect; each Ledgerline entity maps to one Xero organisation.",
        "Update the tax rate mapping to active Xero rates (Mappings > Tax rates) and retry the failed syncs. If an organisation shows XERO_TENANT_DISCONNECTED, reconnect it from the Organisations tab.",
    ],
    "resolutions": [
        "Accountant archived Xero tax rates still mapped in Ledgerline (XERO_TAX_RATE_INACTIVE). Remapped to active rates under Mappings > Tax rates and retried failed syncs.",
        "Remapped tax rates to active Xero rates and reconnected the organisation that showed XERO_TENANT_DISCONNECTED; backfill completed.",
    ],
},
{
    "key": "netsuite_subsidiary", "doc": "integrations/netsuite.md", "tags": ["integrations", "netsuite", "multi-entity"],
    "code": "config_change", "plans": ["Enterprise"], "prio": [1, 4, 4, 1], "n": 7,
    "subjects": [
        "NetSuite sync: NETSUITE_SUBSIDIARY_MISMATCH",
        "Invoices for our second entity fail to sync to NetSuite",
        "NETSUITE_TBA_INVALID after role change",
    ],
    "bodies": [
        "Invoices from {entity2} fail to sync with NETSUITE_SUBSIDIARY_MISMATCH. The US entity works fine.",
        "Our NetSuite sync started failing with NETSUITE_TBA_INVALID after IT tightened the integration role.",
        "We added a new entity {entity2} in Ledgerline and mapped it in NetSuite, but customer records go to the parent subsidiary.",
    ],
    "solutions": [
        "Each Ledgerline entity maps to one NetSuite subsidiary, and NetSuite requires the customer record to belong to the same subsidiary as the invoice. NETSUITE_SUBSIDIARY_MISMATCH appears when a customer was first synced under another entity.\n\n1. Settings > Integrations > NetSuite > Entity mapping: check {entity2} points to the right subsidiary.\n2. In NetSuite, add the subsidiary to the customer (multi-subsidiary customers) or let Ledgerline create a separate customer per subsidiary (option \"One customer per subsidiary\").\n3. Retry failed syncs.\n\nNETSUITE_TBA_INVALID means the token-based auth credentials no longer work: the role needs the permissions listed in the NetSuite guide (Customers, Invoices, Credit Memos: Full; Items: View). Issue a new token for the updated role and paste it under Credentials.",
        "Map the entity to its subsidiary and enable multi-subsidiary customers (or one customer per subsidiary), then retry. For NETSUITE_TBA_INVALID, restore the role permissions and regenerate the token.",
    ],
    "resolutions": [
        "Customer record belonged to the parent subsidiary (NETSUITE_SUBSIDIARY_MISMATCH). Enabled 'One customer per subsidiary' and retried the failed syncs.",
        "Integration role had lost Invoice permissions (NETSUITE_TBA_INVALID). Restored the role permissions, issued a new token and updated Credentials.",
    ],
},
{
    "key": "warehouse_sync", "doc": "exports/warehouse-sync.md", "tags": ["warehouse", "data", "sync"],
    "code": "config_change", "plans": ["Growth", "Enterprise"], "prio": [1, 5, 3, 0], "n": 9,
    "subjects": [
        "{wh} sync failing: WH_SYNC_PERMISSION_DENIED",
        "Data warehouse sync stuck since schema change",
        "WH_SYNC_SCHEMA_DRIFT error on invoices table",
        "How fresh is the warehouse sync data?",
    ],
    "bodies": [
        "Our {wh} sync has failed every hour since {day} with WH_SYNC_PERMISSION_DENIED. We rotated the service account credentials recently.",
        "The warehouse sync to {wh} shows WH_SYNC_SCHEMA_DRIFT on the invoices table. One of our analysts added a column to that table.",
        "How often does the warehouse sync run? Our {wh} data is about {hours} hours behind the dashboard.",
    ],
    "solutions": [
        "The sync writes into a dedicated schema (default ledgerline) and needs the service account to own it: USAGE on the database, and CREATE TABLE plus write privileges on the schema. WH_SYNC_PERMISSION_DENIED appears after credentials or roles change. Re-grant the privileges listed in the warehouse sync guide and click Test connection.\n\nWH_SYNC_SCHEMA_DRIFT means someone changed a table the sync manages. Don't modify tables in the ledgerline schema; build views or copies in another schema. To recover, click Resync table, which rebuilds the table from scratch.\n\nFrequency: hourly on Growth, every 15 minutes on Enterprise; a full run can take longer for large tables.",
        "Re-grant the sync role its privileges (USAGE, CREATE TABLE on the ledgerline schema) and test the connection; for schema drift, revert the manual change or use Resync table. Sync runs hourly on Growth and every 15 minutes on Enterprise.",
    ],
    "resolutions": [
        "Rotated {wh} service account lacked USAGE/CREATE TABLE on the ledgerline schema (WH_SYNC_PERMISSION_DENIED). Re-granted the privileges, tested the connection and the sync resumed.",
        "Analyst altered a managed table (WH_SYNC_SCHEMA_DRIFT). Ran Resync table and moved their changes to a view in another schema.",
    ],
},
{
    "key": "export_link", "doc": "exports/data-exports.md", "tags": ["exports", "reports"],
    "code": "user_error", "prio": [2, 6, 1, 0], "n": 7,
    "subjects": [
        "Export download link says expired",
        "Scheduled export email link doesn't work",
        "Export of all invoices times out / never arrives",
    ],
    "bodies": [
        "Our scheduled monthly invoice export arrives by email, but when our accountant clicks the link a week or so later it says the link expired.",
        "I requested an export of all invoices since 2023 ({rows} rows) and it's been \"processing\" for hours.",
        "The export link from the email gives \"403 link expired or not permitted\" to my colleague {email3}.",
    ],
    "solutions": [
        "Export files are kept for 7 days and the download link only works for signed-in users of your workspace with export permission (Owner, Admin, Accountant, Billing Manager). A forwarded link won't work for someone outside the workspace.\n\nOptions: add the recipients to the schedule so they get their own email (Reports > Scheduled exports > Recipients), deliver to SFTP or an S3 bucket instead (Destination), or use the warehouse sync. Very large exports (over 1 million rows) are split into parts of 1 million rows; they usually finish within an hour.",
        "Links expire after 7 days and require a signed-in user with export permission. Add your accountant as a recipient or send scheduled exports to SFTP/S3.",
    ],
    "resolutions": [
        "Export links expire after 7 days and need a signed-in user with export permission. Configured an S3 destination for the scheduled export instead of email links.",
        "Colleague lacked export permission, so the forwarded link returned 403. Assigned the Accountant role and added them as a recipient of the schedule.",
    ],
},
]


FAMILIES += [
{
    "key": "email_deliverability", "ask_for": [0, 1, 3], "doc": "troubleshooting/email-deliverability.md", "tags": ["email", "deliverability", "invoices"],
    "code": "config_change", "prio": [1, 4, 4, 1], "n": 9,
    "subjects": [
        "Invoice emails landing in spam",
        "Customers not receiving invoice emails",
        "Custom sending domain not verified (DKIM)",
    ],
    "bodies": [
        "Several customers tell us our invoice emails go to spam, and one ({email3}) says they never got {inv} at all. We send from billing@{domain}.",
        "We set up our custom sending domain {domain} two days ago but it still shows \"DKIM pending\". We added the records at our DNS provider.",
        "A customer never receives our invoices. In the email log the status for their address is \"Suppressed\". What does that mean?",
        "Since we moved our DNS to a new provider last week, invoice emails from billing@{domain} bounce or go to spam at several customers, and the Ledgerline email settings page shows DKIM as failing.",
    ],
    "asks": [
        "Could you send us the output of a DNS lookup for ll1._domainkey.{domain} and ll2._domainkey.{domain} (CNAME records), and your SPF TXT record?",
    ],
    "infos": [
        "The two CNAMEs resolve to something like ll1.dkim.ledgerline-mail.net. Our SPF is v=spf1 include:_spf.google.com ~all.",
        "Lookup returns NXDOMAIN for ll1._domainkey.{domain}.{domain}; looks like our DNS provider appended the domain twice.",
    ],
    "solutions": [
        "To send from your own domain, three DNS records are needed (Settings > Email > Sending domain shows the exact values):\n\n1. CNAME ll1._domainkey -> ll1.dkim.ledgerline-mail.net and CNAME ll2._domainkey -> ll2.dkim.ledgerline-mail.net (DKIM).\n2. include:spf.ledgerline-mail.net in your existing SPF record (one SPF record only; merge, don't add a second).\n3. A DMARC record is recommended (p=none to start).\n\nMany DNS providers append the zone automatically, so enter ll1._domainkey, not ll1._domainkey.{domain}. Verification re-checks every 15 minutes.\n\n\"Suppressed\" means that address hard-bounced or marked a message as spam; we stop sending to protect your domain. After the recipient confirms the address works, remove it from Settings > Email > Suppression list and resend the invoice.",
        "Your DKIM records were created with the domain appended twice, so they don't resolve. Enter only the host part (ll1._domainkey, ll2._domainkey), add include:spf.ledgerline-mail.net to your SPF record, and wait for the next verification (every 15 minutes). For the suppressed address, remove it from the suppression list and resend.",
    ],
    "resolutions": [
        "DKIM CNAMEs had the zone appended twice by the DNS provider. Fixed ll1/ll2._domainkey records and added include:spf.ledgerline-mail.net to the SPF record; domain verified and spam placement improved.",
        "Recipient address was on the suppression list after a hard bounce. Removed it under Settings > Email > Suppression list and resent {inv}.",
    ],
},
{
    "key": "portal_magic_link", "doc": "troubleshooting/customer-portal.md", "tags": ["portal", "login"],
    "code": "config_change", "code2": "user_error", "prio": [1, 6, 2, 0], "n": 8,
    "subjects": [
        "Customer portal login link expired",
        "Our customers say the portal link doesn't work",
        "Magic link opens \"This link has expired\"",
    ],
    "bodies": [
        "Our customers receive the portal sign-in email but when they click the link they get \"This link has expired or was already used\". Some click within a few minutes.",
        "One customer, {email3}, says every portal link is expired immediately. They use Outlook with Microsoft Defender Safe Links.",
        "Can we make portal links valid longer? Our customers often open the email the next day.",
        "A customer forwarded me their sign-in email. The link is {portal_link} and it says \"This link has expired or was already used\" for both of us, although the email is only an hour old.",
    ],
    "solutions": [
        "Portal sign-in links are single-use and valid for 30 minutes by default (portal.link_ttl_minutes, adjustable from 10 to 1440 under Settings > Customer portal > Security). Email security scanners such as Microsoft Defender Safe Links or Mimecast open links to check them, which uses up the single use before the customer clicks.\n\nFix for scanners: enable \"Require confirmation click\" (portal.link_confirm_click = true). The link then opens a page with a Continue button, which scanners don't press. For customers who open the email later, raise the TTL or send them a fresh link from the customer page (Portal > Send sign-in link).",
        "The link is single-use; an email scanner is consuming it. Turn on Settings > Customer portal > Security > Require confirmation click, and raise portal.link_ttl_minutes if people open the email much later.",
    ],
    "resolutions": [
        "Microsoft Defender Safe Links scanner consumed the single-use portal links. Enabled portal.link_confirm_click (Require confirmation click); customers sign in normally.",
        "Customers opened the email the next day. Increased portal.link_ttl_minutes to 1440.",
    ],
},
{
    "key": "portal_custom_domain", "doc": "troubleshooting/customer-portal.md", "tags": ["portal", "custom-domain", "tls"],
    "code": "config_change", "plans": ["Growth", "Enterprise"], "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "Custom portal domain stuck on \"Certificate pending\"",
        "billing.{domain} shows certificate error",
        "TLS certificate not issued for our portal domain",
    ],
    "bodies": [
        "We configured billing.{domain} as our portal domain and added the CNAME. After {hours} hours it still says \"Certificate pending\" and browsers show a certificate warning.",
        "Our custom portal domain was working but now shows NET::ERR_CERT_DATE_INVALID. Did the certificate not renew?",
        "Portal custom domain setup: the CNAME is in place but verification fails. Our DNS has a CAA record for our corporate CA.",
    ],
    "solutions": [
        "Certificates for custom portal domains are issued and renewed automatically through Let's Encrypt once the CNAME (billing.{domain} -> portal.ledgerline.io) resolves. Issuance normally takes under an hour. Common blockers:\n\n1. A CAA record that doesn't allow letsencrypt.org: add 0 issue \"letsencrypt.org\".\n2. A proxy (e.g. CDN orange-cloud) in front of the CNAME: set it to DNS-only.\n3. An AAAA record left on the name alongside the CNAME.\n\nRenewal uses the same path, so a CAA or proxy change after the first issuance makes renewal fail 30 days before expiry; we email the Owners when that happens. After fixing DNS, click Settings > Customer portal > Domain > Retry verification.",
        "Your CAA record only allows your corporate CA, so Let's Encrypt can't issue the certificate. Add a CAA entry for letsencrypt.org, then Retry verification under Settings > Customer portal > Domain.",
    ],
    "resolutions": [
        "CAA record only allowed the corporate CA, so Let's Encrypt could not issue the certificate. Customer added a letsencrypt.org CAA entry, clicked Retry verification and the certificate was issued.",
        "CDN proxy in front of the CNAME prevented certificate renewal. Switched the record to DNS-only and retried verification; portal domain active again.",
    ],
},
{
    "key": "mobile_login_loop", "ask_for": [1, 2], "since": "2025-08-20", "doc": "troubleshooting/mobile-app.md", "tags": ["mobile", "sso", "login"],
    "code": "fixed", "code2": "known_issue", "prio": [1, 5, 3, 0], "n": 8,
    "subjects": [
        "Mobile app stuck in login loop with SSO",
        "iOS app returns to sign-in screen after {idp} login",
        "Android app: SSO login never completes",
    ],
    "bodies": [
        "Our team can't sign in to the Ledgerline mobile app. After authenticating with {idp} the app goes straight back to the sign-in screen. App version {mobile} on iOS.",
        "The Android app loops back to the login page after SSO. Web login works. We enforce SSO for everyone.",
        "Since we enabled SSO enforcement, the mobile app doesn't let anyone in. Is SSO supported on mobile?",
    ],
    "asks": [
        "Which app version do you see under Profile > About (or in the App Store / Play Store), and does the login open in an in-app browser or in Safari/Chrome?",
    ],
    "infos": [
        "Version {mobile}. It opens the system browser, then returns to the app and shows the login again.",
        "It's {mobile} on Android 14, opens Chrome Custom Tab, then bounces back.",
        "Version {mobile} on iOS 17. The device log shows the callback ledgerline://sso/callback?session={jwt} arriving, then the app shows the login screen again.",
    ],
    "solutions": [
        "SSO on mobile needs app 5.2.3 or later. Versions 5.2.0 to 5.2.2 had a bug where the session from the SSO callback was dropped when the identity provider redirected through an extra page (a consent or MFA screen), which produces exactly this loop. Please update the app from the App Store / Google Play (5.2.3+, released for both platforms), then sign in again. If it still loops, use Profile > Sign out everywhere on the web app and retry, which clears the stale session.",
        "This is a known issue in mobile app 5.2.0-5.2.2 with SSO redirects and is fixed in 5.2.3. Update the app and sign in again; mobile apps older than 5.1.0 are no longer supported at all.",
    ],
    "resolutions": [
        "Mobile SSO login loop was the known bug in app 5.2.0-5.2.2. Updating the app from {mobile} to 5.2.3 fixed it.",
        "Known issue in 5.2.0-5.2.2; customer updated the app to 5.2.3 and used Sign out everywhere to clear stale sessions.",
    ],
},
{
    "key": "mobile_push", "doc": "troubleshooting/mobile-app.md", "tags": ["mobile", "notifications"],
    "code": "user_error", "prio": [2, 6, 1, 0], "n": 7,
    "subjects": [
        "No push notifications for payments on mobile",
        "Mobile app notifications stopped",
        "Push alerts for failed payments not arriving",
    ],
    "bodies": [
        "I enabled push notifications for failed payments in the app but never get any. Android, app {mobile}.",
        "Notifications worked until I got a new phone. Now nothing, although the toggles are on in the app.",
        "Our CFO wants push alerts for payments above {amount}. Is that possible, and why do none arrive right now?",
    ],
    "solutions": [
        "Push needs three things: OS-level permission for Ledgerline (iOS Settings > Notifications, Android Settings > Apps > Ledgerline > Notifications), the event toggles in the app (Profile > Notifications), and a registered device. After a new phone or reinstall, the device registers on first sign-in; old devices show under Profile > Devices and can be removed.\n\nOn Android, battery optimisation can delay pushes; set Ledgerline to Unrestricted. Payment alerts can be limited with a threshold (Profile > Notifications > Payments > Only above amount).",
        "Check the OS notification permission, then Profile > Notifications in the app, and remove stale devices under Profile > Devices; sign in again on the new phone to register it. Threshold alerts are available under Payments > Only above amount.",
    ],
    "resolutions": [
        "OS notification permission was off on the new device. Enabled it, removed the old device under Profile > Devices and signed in again to re-register.",
        "Set the payment alert threshold (Only above amount) and removed stale device registrations; notifications arrive.",
    ],
},
{
    "key": "mrr_mismatch", "doc": "troubleshooting/reports-mismatch.md", "tags": ["reports", "mrr", "analytics"],
    "code": "user_error", "prio": [2, 6, 1, 0], "n": 8,
    "subjects": [
        "MRR report doesn't match our revenue numbers",
        "Dashboard MRR differs from exported invoices",
        "Month-end numbers off by a day",
    ],
    "bodies": [
        "The MRR on the dashboard for last month is {amount}, but our finance team's calculation from invoices is {amount2}. Which one is right?",
        "Invoices created late on the last day of the month show up in the next month in the revenue report. We're in {tz}.",
        "Our MRR jumped in the report when we switched annual plans on. Is annual revenue divided by 12?",
    ],
    "solutions": [
        "A few definitions explain most differences:\n\n1. MRR is normalised recurring revenue from active subscriptions: annual plans are divided by 12, one-off charges and usage overages are excluded, discounts are applied, tax is excluded. Invoiced revenue includes all of those.\n2. Reports use the workspace time zone (workspace.timezone, Settings > General). If it's UTC and you're in {tz}, documents near midnight land on a different day or month. Changing the time zone recalculates reports within an hour.\n3. Multi-currency amounts are converted at the daily ECB rate of the invoice date.\n\nThe MRR movements report (Reports > MRR > Movements) breaks changes into new, expansion, contraction and churn, which helps reconcile.",
        "MRR excludes one-off charges, usage and tax and spreads annual plans over 12 months, so it won't equal invoiced revenue. Also set workspace.timezone to {tz}; reports currently cut months at midnight UTC.",
    ],
    "resolutions": [
        "Workspace timezone was UTC, so month boundaries differed from finance's. Changed workspace.timezone to {tz}; reports recalculated and matched.",
        "Explained the MRR definition (excludes one-off charges, usage and tax; annual plans divided by 12) and pointed to Reports > MRR > Movements for reconciliation.",
    ],
},
{
    "key": "restore_customer", "doc": "runbooks/restore-deleted-customer.md", "tags": ["customers", "deletion", "restore"],
    "code": "fixed", "code2": "wont_fix", "prio": [0, 3, 5, 2], "n": 7,
    "subjects": [
        "Accidentally deleted a customer - can we restore?",
        "Customer record deleted by mistake, invoices gone",
        "Restore deleted customer {org} account",
    ],
    "bodies": [
        "A colleague deleted the customer {entity} by mistake this morning, including its subscription. Is there a way to restore it with the invoice history?",
        "We deleted around {n} customers during a cleanup on {day} and realised some were active. Can support restore them?",
        "Please restore customer {cus}. It was deleted {n} weeks ago.",
    ],
    "solutions": [
        "Deleted customers are kept for 30 days and can be restored with their invoices, payment methods and subscriptions: Settings > Data > Recently deleted > select the customer > Restore (Owner or Admin). Subscriptions come back paused; resume them from the subscription page, and choose whether to bill the paused period.\n\nAfter 30 days the data is purged permanently and neither you nor support can restore it; finalized invoices remain in exports you've made and in synced accounting tools. To prevent this, restrict the Delete customers permission to Owners (Settings > Roles).",
        "If it's within 30 days: Settings > Data > Recently deleted > Restore. The subscription returns paused, resume it manually. After 30 days deletion is permanent and we cannot recover it.",
    ],
    "resolutions": [
        "Restored the customer from Settings > Data > Recently deleted within the 30-day window; resumed the paused subscription without billing the gap.",
        "Customer was deleted more than 30 days ago and had been purged; could not restore. Customer re-created it from their accounting export.",
    ],
},
{
    "key": "reset_2fa", "ask_for": [0, 2], "doc": "runbooks/reset-2fa.md", "tags": ["2fa", "security", "account-access"],
    "code": "fixed", "prio": [0, 3, 5, 2], "n": 8,
    "subjects": [
        "Lost phone, locked out by two-factor authentication",
        "Need 2FA reset for our Owner account",
        "Can't log in: authenticator app reset",
    ],
    "bodies": [
        "I lost my phone and can't sign in because of 2FA. I don't have the recovery codes. I'm the only Owner of our workspace. My number is {phone}.",
        "One of our accountants got a new phone and her authenticator app didn't transfer. Can you reset 2FA for {email3}?",
        "Please reset two-factor for my account. I'm travelling and my authenticator is on my old laptop.",
    ],
    "asks": [
        "For security we can only reset two-factor for an Owner after identity verification. Please reply from the account's email address and tell us the workspace id (Settings > General) and the last four digits of the card on your Ledgerline subscription. A second Owner, if you have one, can reset it for you instantly.",
    ],
    "infos": [
        "Replying from my account email. Workspace id ws_{line}, the card on our subscription ends in {last4}.",
        "Workspace id is ws_{line}. We pay by invoice, so no card. I can do a video call if needed.",
        "Workspace id ws_{line}. Our subscription card is {card}, exp 11/28 (sorry, not sure which digits you need).",
    ],
    "internal": "Identity verified per 2FA runbook (email match + workspace id + billing detail). Second approver: {agent}. Resetting 2FA now; audit log entry created.",
    "solutions": [
        "Thanks, identity verified. I've reset two-factor authentication on your account. Next time you sign in you'll be asked to enroll a new authenticator. Please:\n\n1. Save the new recovery codes somewhere safe (password manager).\n2. Add a second Owner under Settings > Users so an account lockout never blocks the workspace.\n\nFor members who aren't Owners, any Owner or Admin can reset 2FA from Settings > Users > ... > Reset 2FA without contacting us.",
        "An Owner or Admin in your workspace can reset 2FA for other members directly: Settings > Users > select the user > Reset 2FA. The user enrolls a new device on next sign-in. Support only resets it for Owners, after identity verification, as we did here.",
    ],
    "resolutions": [
        "Sole Owner lost their authenticator. Identity verified per runbook (account email, workspace id, billing detail) and 2FA reset with second-agent approval. Advised adding a second Owner and storing recovery codes.",
        "Member 2FA can be reset by a workspace Owner/Admin via Settings > Users > Reset 2FA; pointed the customer there.",
    ],
},
{
    "key": "role_permissions", "doc": "admin/roles-and-permissions.md", "tags": ["roles", "permissions", "admin"],
    "code": "config_change", "prio": [1, 6, 2, 0], "n": 8,
    "subjects": [
        "Support role can't issue credit notes",
        "User can't see the Reports menu",
        "Custom role for our collections team",
    ],
    "bodies": [
        "Our support agents have the Support role and get \"You don't have permission to issue credit notes above {amount}\". They need to refund small amounts.",
        "A new colleague with the Viewer role can't see Reports at all. What's the minimum role for reports without edit rights?",
        "We need a role that can manage dunning and payment retries but not delete customers or change settings. Is that possible?",
    ],
    "solutions": [
        "Built-in roles: Owner, Admin, Billing Manager, Accountant, Support, Developer, Viewer. Support can issue credit notes up to roles.support.credit_limit (default 100 in the workspace currency; an Owner can change it under Settings > Roles > Support). Viewer sees customers and invoices but not Reports; Accountant is the read-mostly role with reports, exports and period close.\n\nOn Enterprise you can create custom roles (Settings > Roles > New role) from individual permissions, e.g. payments.retry and dunning.manage without customers.delete or settings.manage.",
        "Raise roles.support.credit_limit under Settings > Roles > Support, or give those users Billing Manager. For Reports without edit rights use Accountant; custom roles (Enterprise) let you pick exact permissions.",
    ],
    "resolutions": [
        "Support role hit roles.support.credit_limit. Owner raised the limit under Settings > Roles > Support so agents can issue small credit notes.",
        "Created a custom role (Enterprise) with dunning.manage and payments.retry for the collections team, without customers.delete or settings.manage.",
    ],
},
{
    "key": "multi_entity", "doc": "admin/multi-entity.md", "tags": ["multi-entity", "entities"],
    "code": "user_error", "plans": ["Enterprise"], "prio": [1, 5, 3, 0], "n": 7,
    "subjects": [
        "LL-4094 customer belongs to another entity",
        "Can't invoice a customer from our second entity",
        "Move customer between legal entities",
    ],
    "bodies": [
        "When I try to create an invoice for {cus} from {entity2} I get LL-4094 \"customer belongs to entity {entity}\". They buy from both of our companies.",
        "We restructured and {entity2} now serves the Nordic customers. How do we move {n} customers over?",
        "API error LL-4094 when creating subscriptions. We pass entity_id in the request.",
    ],
    "solutions": [
        "Each customer belongs to exactly one entity, which determines invoice numbering, tax registration, currency options and the accounting sync target. Billing it from another entity returns LL-4094.\n\n- A customer that buys from two entities needs one customer record per entity; link them through the parent account so reports roll up.\n- To move customers: Customers > select > Move to entity (only for customers without open invoices or active subscriptions; end them at period end first). Moves are recorded in the audit log; past invoices stay with the original entity.\n- In the API, omit entity_id on subscriptions: it's taken from the customer.",
        "Customers are bound to one entity (LL-4094). Create a separate customer under {entity2} linked to the same parent account, or move customers without open invoices via Move to entity.",
    ],
    "resolutions": [
        "Customer buys from two entities (LL-4094). Created a second customer record under the other entity, linked to the first via parent account.",
        "Moved customers without open invoices or active subscriptions using Move to entity; LL-4094 resolved for new subscriptions.",
    ],
},
{
    "key": "api_v1_sunset", "doc": "runbooks/migrate-4x-to-5x.md", "tags": ["api", "migration", "deprecation"],
    "code": "known_issue", "code2": "workaround", "prio": [1, 4, 4, 1], "n": 8, "since": "2025-01-01",
    "subjects": [
        "API v1 deprecation: what changes for us?",
        "Getting Sunset and Deprecation headers on /v1 calls",
        "Migrating from 4.x to 5.x: webhook payload changed",
    ],
    "bodies": [
        "Our integration still calls https://api.ledgerline.io/v1 and we now see Deprecation and Sunset headers. What is the deadline and what breaks?",
        "After our workspace moved from {old_version} to {version} our webhook consumer fails because the payload shape changed (data.object instead of the top-level object).",
        "We're planning the upgrade from 4.9 to 5.x. Is there a checklist? Our customer ids look like 10234 and I heard they change to cus_...",
    ],
    "solutions": [
        "API v1 (the 4.x API) is sunset on 2026-03-31; after that /v1 returns 410 Gone. Main changes in v2:\n\n1. Ids are prefixed strings (cus_, sub_, inv_); numeric v1 ids are still accepted by GET /v2/customers/legacy/<id> for lookup.\n2. Amounts are integers in minor units (1999 = 19.99).\n3. Pagination uses cursors (next_cursor) instead of page numbers.\n4. Webhook payloads are wrapped: the object is under data.object, and each endpoint has an api_version. You can pin an endpoint to the old payload version during migration (Settings > Developers > Webhooks > API version).\n\nThe migration runbook has a step-by-step checklist; test against the sandbox first.",
        "v1 is switched off on 2026-03-31. Move to /v2 (prefixed ids, minor-unit amounts, cursor pagination) and, for webhooks, either read data.object or pin the endpoint's API version to the legacy payload until your consumer is updated.",
    ],
    "resolutions": [
        "Explained the API v1 sunset on 2026-03-31 and v2 changes (prefixed ids, minor-unit amounts, cursors). Pinned the webhook endpoint API version to the legacy payload until the consumer reads data.object.",
        "Customer migrated to v2 following the 4.x to 5.x runbook, using GET /v2/customers/legacy/<id> to map old numeric ids.",
    ],
},
{
    "key": "pdf_rendering_520", "doc": "release-notes/5.2.md", "tags": ["invoices", "pdf", "bug"],
    "code": "known_issue", "code2": "fixed", "prio": [1, 4, 4, 1], "n": 7, "since": "2025-06-10",
    "subjects": [
        "Invoice PDF missing logo and line items cut off",
        "PDF invoices broken since the update",
        "Long line item descriptions overflow the PDF",
    ],
    "bodies": [
        "Since the update to 5.2.0 our invoice PDFs ({inv} for example) don't show our logo and long line descriptions are cut off at the right edge.",
        "Customers complain the PDF invoice is missing the second page when there are more than 20 lines. Started last week.",
        "Invoice PDFs render without our logo (SVG). PNG logos seem fine on a test workspace.",
    ],
    "solutions": [
        "This is a known issue in 5.2.0: the new PDF renderer dropped SVG logos and didn't wrap long line descriptions or page-break after about 20 lines. It's fixed in 5.2.1, which has been rolled out to all workspaces.\n\nPDFs are generated when the invoice is finalized, so affected invoices keep the broken PDF until you regenerate them: invoice page > More > Regenerate PDF, or in bulk from Invoices > filter by finalized date > Actions > Regenerate PDFs. Regenerating doesn't change the invoice number or amounts. If you want to avoid the question entirely, upload the logo as PNG (Settings > Branding).",
        "Known 5.2.0 issue, fixed in 5.2.1. Regenerate the affected PDFs (More > Regenerate PDF, or in bulk) and they'll render correctly; invoice data is unchanged.",
    ],
    "resolutions": [
        "Known 5.2.0 PDF renderer bug (SVG logos, line wrapping, page breaks), fixed in 5.2.1. Customer bulk-regenerated PDFs for invoices finalized on 5.2.0 via Invoices > Actions > Regenerate PDFs.",
        "Regenerated the PDF for {inv} after the 5.2.1 rollout (More > Regenerate PDF); SVG logo now renders, invoice data unchanged.",
    ],
},
{
    "key": "user_invite", "doc": "admin/user-management.md", "tags": ["users", "invites", "admin"],
    "code": "user_error", "prio": [2, 6, 1, 0], "n": 7,
    "subjects": [
        "Invitation email expired / never arrived",
        "New team member can't accept invite",
        "Seat limit reached when inviting users",
    ],
    "bodies": [
        "I invited {email3} last week but they say the link is expired. How long are invites valid?",
        "Trying to invite a new accountant and get \"Seat limit reached for your plan\". We're on {plan}.",
        "Our new hire never got the invite email. It's not in spam either.",
    ],
    "solutions": [
        "Invitations are valid for 7 days; resend from Settings > Users > Pending > Resend, which issues a fresh link. If the email doesn't arrive, check the address for typos and whether your mail gateway blocks no-reply@ledgerline.io; you can also copy the invite link from the Pending list and send it yourself.\n\nSeat limits: Starter includes 3 users, Growth 15, Enterprise unlimited. Viewer seats don't count on Growth. Remove inactive users or change them to Viewer to free a seat, or upgrade the plan.",
        "Invites expire after 7 days; resend from Settings > Users > Pending or copy the link. Starter has 3 seats and Growth 15 (Viewers are free on Growth).",
    ],
    "resolutions": [
        "Invitation had expired after 7 days. Resent it from Settings > Users > Pending, which issues a fresh link.",
        "Seat limit reached on the plan. Customer converted two occasional users to Viewer (free on Growth) to free seats.",
    ],
},
{
    "key": "object_limits", "doc": "getting-started/plans-and-limits.md", "tags": ["limits", "metadata", "feature-request"],
    "code": "wont_fix", "code2": "workaround", "prio": [3, 5, 1, 0], "n": 7,
    "subjects": [
        "Need more than 50 metadata keys on customers",
        "Feature request: raise the 250 lines per invoice limit",
        "LL-4001 metadata value too long",
    ],
    "bodies": [
        "We store CRM attributes in customer metadata and hit the limit: \"metadata can have at most 50 keys\" (LL-4001). Can you raise it for our workspace? We'd need about {count}.",
        "Our usage invoices for large customers have more than 250 lines (one per project) and the API refuses to add more with LL-4001. Could the limit be increased for {org}?",
        "We tried to save a JSON blob of contract terms (about 2 KB) in a metadata value and get LL-4001 param metadata.contract_terms. What is the limit?",
    ],
    "solutions": [
        "These limits are the same on every plan and we can't raise them per workspace: 50 metadata keys per object, keys up to 40 characters, values up to 500 characters, and 250 lines per invoice. They keep list, search and PDF rendering fast for everyone.\n\nWhat works well instead:\n1. Keep extended attributes in your own system (or CRM) keyed by the Ledgerline id, and store only the few keys you need for filtering in metadata.\n2. For invoices with many lines, group usage per product or project category, and attach the detail as a CSV usage report (the invoice can link to it through the portal).\n\nI've logged your use case with our product team as a feature request.",
        "The limits (50 metadata keys, 500 characters per value, 250 invoice lines) are fixed for all plans, so I can't change them for you. Please store larger data outside Ledgerline keyed by the object id, and group invoice lines. I've passed the request on to product.",
    ],
    "resolutions": [
        "Request to raise object limits declined (fixed on all plans). Suggested storing extended data externally keyed by Ledgerline id; feature request logged.",
        "Limits can't be changed per workspace; customer grouped invoice lines by project category. Feature request filed.",
    ],
},
]


# ---------------------------------------------------------------- held-out queries (eval) and open tickets

QUERIES = [
    {"family": "saml_expired", "subject": "Everyone bounced from login since the weekend",
     "body": "Since Monday morning our people are sent back from the company login page with a message that the sign-in is no longer valid. Over the weekend IT moved our directory server to new hardware. Passwords don't work either because we only allow the company login. What can we check?"},
    {"family": "saml_signature", "subject": "Security team swapped a certificate, now nobody gets in",
     "body": "Our security folks replaced the certificate on the identity side yesterday (the old one was about to run out). Since then Ledgerline refuses every single login and says it can't verify the response. Where do we give you the new one?"},
    {"family": "saml_audience", "subject": "{idp} app for Ledgerline: test step fails",
     "body": "I'm connecting Ledgerline to {idp}. When I press the test button it tells me the identifier in the response isn't the one it expected. I put https://app.ledgerline.io in the identifier field, which seemed logical."},
    {"family": "scim_conflict", "subject": "Directory push fails for our existing staff",
     "body": "We switched on automatic user provisioning. Brand new employees show up fine, but for people who already had a Ledgerline login from before, {idp} reports that the user already exists and gives up. How do we connect them without creating second accounts?"},
    {"family": "scim_token", "subject": "Former employees can still sign in",
     "body": "During an access review we found that {n} people who left months ago are still active in Ledgerline. Our identity provider is supposed to switch them off automatically. Its log shows authorization failures on every call since early {day}."},
    {"family": "api_key_invalid", "subject": "Integration works in test but not in production",
     "body": "Our developer finished the integration and it ran fine in testing. In production every request is refused as unauthorized. He says he copied the key from the dashboard. What are we missing?"},
    {"family": "rate_limit", "subject": "Nightly usage upload is being throttled",
     "body": "We push metered usage every night and lately a big part of the requests are refused with a 'slow down' style response. Our code just tries again straight away in a loop. How fast are we allowed to go, and is there a smarter way to send a lot of records?"},
    {"family": "pagination_cursor", "subject": "Resuming our invoice download the next day fails",
     "body": "Our ETL pulls all invoices page by page and saves the position so it can continue the next night. When it continues, the API says the position token is invalid. Do these tokens time out?"},
    {"family": "idempotency", "subject": "Two identical invoices after a network hiccup",
     "body": "Our service had a timeout while creating an invoice, retried, and now the customer has two identical invoices for order {order}. We'd like to make retries safe. Another team reported a conflict error about a reused key, not sure if related."},
    {"family": "webhook_signature", "subject": "Can't get the event verification to pass",
     "body": "We're trying to check that incoming event notifications really come from Ledgerline. We take the parsed JSON, turn it back into a string and hash it with our secret, but the result never equals what's in the header. Python/Flask."},
    {"family": "webhook_disabled", "subject": "No notifications since our server was offline",
     "body": "Our receiving service was down from Friday evening until Monday because of a data centre move. Since it came back we get no events at all from Ledgerline, and the dashboard shows the endpoint as switched off. We need the missed payment events."},
    {"family": "webhook_duplicates", "subject": "We shipped an order twice because of a repeated notification",
     "body": "Our fulfilment got the same payment notification twice, about a minute apart, with the same event id, so the customer received two shipments. Our handler first calls our ERP, which can take a while, and then answers. Why is Ledgerline sending it twice?"},
    {"family": "dunning_not_retrying", "subject": "Subscription ended after one declined charge",
     "body": "A long-standing customer's card was declined once on renewal and the subscription was ended the same day. We always understood there would be a few more attempts over the following week before anything like that happens. Did something change?"},
    {"family": "proration", "subject": "Client thinks we billed them twice for moving up a tier",
     "body": "A client moved to a bigger plan in the middle of the month and immediately got an invoice with one negative and one positive line. They read it as paying twice. Could you explain the math, and is there a way to apply tier changes only when the period renews?"},
    {"family": "invoice_number_gap", "subject": "Invoice numbers not consecutive - tax inspection",
     "body": "A tax inspector noticed that our invoice numbers skip. In our country every legal entity must have an unbroken series. We run two companies in one Ledgerline account."},
    {"family": "period_locked", "subject": "Need to cancel an invoice from a closed quarter",
     "body": "Our controller closed Q3 in Ledgerline. Now we discovered an invoice from August that should never have been sent, and Ledgerline won't let me cancel it because of the closing. What's the right approach?"},
    {"family": "card_3ds", "subject": "Renewals from French and German clients fail, bank wants confirmation",
     "body": "Several renewals from clients in France and Germany failed. The reason shown is that the bank wants the cardholder to confirm the payment. The clients say nobody asked them for anything. How do they confirm it?"},
    {"family": "sepa_iban_invalid", "subject": "Bank account refused for direct debit although it's correct",
     "body": "A British customer who has a euro account wants to pay by direct debit. The form keeps saying the account number is invalid, although we checked it with an online validator and it's fine."},
    {"family": "sepa_return", "subject": "Paid invoice reopened a week later",
     "body": "An invoice paid by bank debit showed as paid, then eight days later it went back to open with a code AM04 and a bank fee. Should we try to collect again, and how?"},
    {"family": "vat_vies", "subject": "Can't add EU customer's tax number, VAT charged by mistake",
     "body": "We tried to store a Dutch customer's VAT registration number this afternoon; Ledgerline says it could not be checked. The invoice went out with VAT added instead of the reverse charge mention. The number is definitely valid."},
    {"family": "csv_encoding", "subject": "Accented names broken after customer upload",
     "body": "We uploaded our customer list saved from Excel. Names with accents and umlauts came out as strange symbols, and a second file was refused completely. How do we fix the names we already loaded?"},
    {"family": "csv_date_format", "subject": "Imported subscriptions renew on the wrong day",
     "body": "Our old system exports day/month/year. After loading our subscriptions, renewals are scheduled on wrong days (e.g. the 3rd of April became the 4th of March), and rows with a day above 12 were refused."},
    {"family": "qbo_auth", "subject": "Bookkeeping stopped receiving our invoices",
     "body": "Our bookkeeper says no invoices from Ledgerline arrived in QuickBooks for about two weeks. The colleague who originally connected the two systems left the company last month. Will reconnecting create duplicates?"},
    {"family": "xero_tax_rate", "subject": "Accounting sync fails after our accountant tidied up",
     "body": "Our accountant cleaned up old VAT rates in Xero last week. Since then Ledgerline invoices don't arrive in Xero and the sync page shows red errors about a tax rate."},
    {"family": "warehouse_sync", "subject": "Analytics tables in Snowflake not updating",
     "body": "Our Ledgerline tables in Snowflake stopped updating after IT rotated the service user's credentials last week. Every run errors with something about not being allowed."},
    {"family": "email_deliverability", "subject": "Our own sending domain never gets verified",
     "body": "We want invoices to come from billing@ our domain. We added the DNS entries from the settings page days ago but it still says pending, and meanwhile some clients find our invoices in junk mail."},
    {"family": "portal_magic_link", "subject": "Billing portal link dead on arrival",
     "body": "Clients using Microsoft 365 tell us the billing portal link from our email says it's expired or already used the moment they click it, even when they click right away."},
    {"family": "mobile_login_loop", "subject": "Phone app keeps showing the login page again",
     "body": "Since we require company login, staff sign in on their phone, pass the MFA prompt, and the app just shows the login screen again. On the laptop it's fine."},
    {"family": "reset_2fa", "subject": "Phone stolen, can't get past the security code",
     "body": "My phone was stolen last night together with the app that gives me the six-digit codes. I have no backup codes and I'm the only owner of our account. How do I get back in?"},
    {"family": "pdf_rendering_520", "subject": "Our logo vanished from invoices after the update",
     "body": "Since Ledgerline's latest update our company logo (an SVG) no longer appears on invoice PDFs, and long item descriptions run off the edge of the page. Do we need to re-send the affected invoices?"},
]

OPEN_TICKETS = [
    {
        "id": "52611", "customer": "C-10328", "priority": "urgent", "tags": ["sso", "saml"],
        "subject": "URGENT: nobody can log in - SAML_RESPONSE_EXPIRED",
        "created_at": "2026-11-23T08:12:00Z",
        "messages": [
            {"role": "customer", "author": "Pieter de Vries", "created_at": "2026-11-23T08:12:00Z",
             "body": "Hi Ledgerline support,\n\nSince about 07:30 this morning nobody in our finance team can sign in. After the {idp} login page we get \"Sign-in failed (SAML_RESPONSE_EXPIRED). The identity provider's response is no longer valid.\" We have SSO enforced, so we are completely locked out and month-end invoicing is due today (roughly {amount} waiting to be invoiced, e.g. draft {inv}).\n\nOver the weekend our infrastructure team migrated the identity server to a new virtual machine. Nothing was changed in Ledgerline.\n\nPlease call me on {phone} or reply to {email} as soon as possible. You can also reach our IT admin at {email2}.\n\nBest regards,\nPieter de Vries\nController | Canalwise B.V.\nT: {phone}"},
        ],
    },
    {
        "id": "52618", "customer": "C-10291", "priority": "high", "tags": ["webhooks", "api"],
        "subject": "Webhook signatures stopped validating after secret rotation",
        "created_at": "2026-11-23T15:40:00Z",
        "messages": [
            {"role": "customer", "author": "Hannah Cho", "created_at": "2026-11-23T15:40:00Z",
             "body": "Hello,\n\nYesterday we rolled the signing secret of our webhook endpoint ({url}) from the dashboard. Since then our receiver rejects every delivery with \"signature mismatch\" and returns 400, so we're not getting invoice.paid events and our provisioning is stuck.\n\nOur verification code (Node/Express) does this: it takes JSON.stringify(req.body), computes HMAC-SHA256 with the secret and compares it to the first v1= value in the Ledgerline-Signature header. It worked for months before the rotation. I've put the new secret in our vault; for reference the endpoint's old test secret was {whsec}.\n\nAlso, while debugging my colleague pasted our live key into Slack ({api_key}), do we need to do anything about that?\n\nServer egress IP is {ip} if you want to check your delivery logs.\n\nThanks,\nHannah Cho\nPlatform Engineer, Northpeak Robotics\n{phone}"},
        ],
    },
    {
        "id": "52624", "customer": "C-10433", "priority": "normal", "tags": ["invoices", "e-invoicing"],
        "subject": "Peppol BIS 3.0 / UBL e-invoices for Belgian public sector customers",
        "created_at": "2026-11-24T10:05:00Z",
        "messages": [
            {"role": "customer", "author": "Fatima Zahra", "created_at": "2026-11-24T10:05:00Z",
             "body": "Hi team,\n\nFrom January 2026 Belgium requires structured e-invoices between companies, and our public-sector customers (e.g. a municipality, order reference {order}) already insist on receiving invoices through the Peppol network in the BIS Billing 3.0 UBL XML format, with their Peppol participant ID 0208:0207384416. Our PDFs are not accepted anymore.\n\nCan Ledgerline send invoices over Peppol, or at least export a UBL 2.1 XML file per invoice that we can upload to an access point? If yes, where do we configure our own Peppol ID and the KBO/BCE number of our entity (BE 0794.312.556)? We also need the buyer reference field to be mandatory.\n\nOur bank account for payments on those invoices is {iban_local}, which should appear in the PaymentMeans block.\n\nKind regards,\nFatima Zahra\nOasis Markets BV\nTel. {phone}"},
        ],
    },
]



# Which subjects fit which body (by index); families not listed pair any subject with any body.
SUBJECT_FOR_BODY = {
    "scim_token": [
        [
            0,
            1,
            2
        ],
        [
            0,
            2
        ],
        [
            0,
            2
        ]
    ],
    "api_scope": [
        [
            0,
            2
        ],
        [
            1,
            2
        ],
        [
            2
        ]
    ],
    "api_ip_allowlist": [
        [
            0,
            1,
            2
        ],
        [
            1
        ],
        [
            1
        ]
    ],
    "pagination_cursor": [
        [
            0,
            1
        ],
        [
            0,
            1
        ],
        [
            2
        ]
    ],
    "idempotency": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "webhook_signature": [[0, 1], [0, 2], [0, 1, 3], [0, 1]],
    "webhook_disabled": [
        [
            0,
            1,
            2
        ],
        [
            0,
            1
        ],
        [
            0
        ],
        [
            0,
            1
        ]
    ],
    "webhook_duplicates": [
        [
            0
        ],
        [
            2
        ],
        [
            0,
            1
        ]
    ],
    "dunning_not_retrying": [
        [
            0,
            1
        ],
        [
            0
        ],
        [
            0,
            2
        ],
        [
            0
        ]
    ],
    "dunning_emails_contact": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "proration": [[0, 1, 3], [4], [2, 3], [0, 3]],
    "invoice_number_gap": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "period_locked": [
        [
            0
        ],
        [
            1
        ],
        [
            2
        ]
    ],
    "credit_note_exceeds": [
        [
            0
        ],
        [
            1
        ],
        [
            0,
            2
        ]
    ],
    "card_3ds": [[0, 1, 2], [2], [0], [0, 2]],
    "sepa_return": [[0, 1], [2], [1], [1]],
    "vat_vies": [[0], [1], [0, 2], [0, 1]],
    "us_sales_tax_address": [
        [
            0,
            2
        ],
        [
            1
        ],
        [
            0,
            2
        ],
        [
            0,
            2
        ]
    ],
    "currency_mismatch": [
        [
            0,
            2
        ],
        [
            1
        ],
        [
            0
        ]
    ],
    "csv_encoding": [
        [
            0
        ],
        [
            1
        ],
        [
            2
        ]
    ],
    "csv_date_format": [
        [
            0
        ],
        [
            1,
            2
        ],
        [
            3
        ]
    ],
    "csv_limits_duplicates": [
        [
            0,
            2
        ],
        [
            1
        ],
        [
            3
        ]
    ],
    "xero_tax_rate": [
        [
            0,
            2
        ],
        [
            0,
            1,
            2
        ],
        [
            3
        ]
    ],
    "netsuite_subsidiary": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0,
            1
        ]
    ],
    "warehouse_sync": [
        [
            0
        ],
        [
            1,
            2
        ],
        [
            3
        ]
    ],
    "export_link": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "email_deliverability": [[0, 1], [2], [1], [0, 2]],
    "portal_custom_domain": [
        [
            0,
            2
        ],
        [
            1
        ],
        [
            0,
            2
        ]
    ],
    "mobile_login_loop": [
        [
            0,
            1
        ],
        [
            0,
            2
        ],
        [
            0
        ]
    ],
    "mobile_push": [
        [
            0,
            2
        ],
        [
            1
        ],
        [
            0
        ]
    ],
    "mrr_mismatch": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "reset_2fa": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            2
        ]
    ],
    "role_permissions": [
        [
            0
        ],
        [
            1
        ],
        [
            2
        ]
    ],
    "multi_entity": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0
        ]
    ],
    "api_v1_sunset": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0,
            2
        ]
    ],
    "pdf_rendering_520": [
        [
            0,
            1
        ],
        [
            1
        ],
        [
            0,
            1
        ]
    ],
    "user_invite": [
        [
            0,
            1
        ],
        [
            2
        ],
        [
            0,
            1
        ]
    ],
    "object_limits": [
        [
            0
        ],
        [
            1
        ],
        [
            2
        ]
    ]
}


def main():
    if "--check" not in sys.argv:
        write_all()
    errs = check()
    for e in errs:
        print("error:", e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())

"""The quality loop through the real binary: feedback.sent metrics on normalized texts
with attribution stored per cited source, the gap loop (an answered knowledge gap
becomes a candidate precedent that later drafts cite as such), stats over native
messaging equal to `stats --json`, --since, and exports of (draft, sent) pairs that
carry no original PII."""
import csv
import io
import json
import os
import sqlite3

from hostlib import Env, load_fixture, run_tests

PII = ["Oscar Berg", "oscar.berg@acme.example", "+1 415 555 0133", "Lena Fischer",
       "lena@fischer.example", "Tom Peeters", "tom@peeters.example"]

SIMILAR = {"id": "9010", "subject": "Peppol UBL e-invoices to a Belgian municipality",
           "customer": {"name": "Tom Peeters", "email": "tom@peeters.example"},
           "messages": [{"role": "customer", "body":
                         "Our customer is a Belgian municipality and wants Peppol BIS 3.0 UBL "
                         "e-invoices via an access point. How do we send e-invoices from "
                         "Ledgerline?"}]}


def test_feedback_attribution_and_gap_loop():
    env = Env()
    try:
        env.index_mini()
        s = env.native()
        # A draft with precedents, sent with one sentence rewritten, a signature and
        # the helpdesk's quote of the customer's mail (which contains PII).
        d = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
        sent = (d["text"].replace("Thanks for reaching out.", "Thanks for the quick report!")
                + "\n-- \nAna, Support\n\nOn Mon, 23 Nov 2026 at 09:12, Oscar Berg "
                "<oscar.berg@acme.example> wrote:\n> Please call +1 415 555 0133")
        f = s.request("feedback.sent", draft_id=d["draft_id"], sent_text=sent)["result"]
        g = s.request("feedback.sent", draft_id=d["draft_id"], sent_text=d["text"])["result"]
        assert g["edit_distance"] == 0 and g["kept_share"] == 1, g
        # The signature and quote do not count: same as without them.
        bare = d["text"].replace("Thanks for reaching out.", "Thanks for the quick report!")
        d2 = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
        assert d2["text"] == d["text"]
        f2 = s.request("feedback.sent", draft_id=d2["draft_id"], sent_text=bare)["result"]
        assert f["edit_distance"] == f2["edit_distance"] > 0, (f, f2)
        assert f["sentences"]["total"] == f["sentences"]["kept"] + 1, f
        db = sqlite3.connect(env.db)
        rows = db.execute("SELECT fate, source_kind, source_id FROM attribution "
                          "WHERE draft_id=?", (d["draft_id"],)).fetchall()
        cited = {(k, i) for _, k, i in rows if k}
        assert ("ticket", "1001") in cited, rows
        assert db.execute("SELECT sum(sentences) FROM source_scores").fetchone()[0] > 0

        # The gap loop: a knowledge gap, answered, becomes a candidate precedent.
        gd = s.request("draft.request", ticket=load_fixture("open-gap.json"))["result"]
        assert gd["knowledge_gap"] is True
        answer = ("Hi Lena Fischer,\nLedgerline sends Peppol BIS 3.0 UBL e-invoices once you "
                  "enable Peppol under Settings > E-invoicing and register with our access "
                  "point partner. Municipalities then receive them automatically.\n-- \nAna\n"
                  "> From January Belgian public sector buyers require Peppol")
        fr = s.request("feedback.sent", draft_id=gd["draft_id"], sent_text=answer)["result"]
        assert fr["candidate_precedent"] is True, fr
        row = db.execute("SELECT source, subject, resolution FROM tickets WHERE id='9002'"
                         ).fetchone()
        assert row[0] == "candidate" and "Peppol" in row[1], row
        assert "Lena" not in row[2] and "Ana" not in row[2] and "From January" not in row[2], row
        # A later similar ticket cites it, marked as a candidate.
        sd = s.request("draft.request", ticket=SIMILAR)["result"]
        cands = [c for c in sd["citations"] if c.get("source") == "candidate"]
        assert cands and cands[0]["id"] == "9002", sd["citations"]
        st = s.request("stats")["result"]
        assert st["candidate_precedents"] == 1 and st["knowledge_gaps"] == 1, st
        assert st["sent"] == 3 and st["drafts"] == 4, st
        s.close()
        # Nothing of the customers' originals at rest.
        db.close()
        blob = b""
        for p in (env.db, env.db + "-wal", env.events):
            if os.path.exists(p):
                blob += open(p, "rb").read()
        for v in PII:
            assert v.encode() not in blob, v
    finally:
        env.close()


def test_stats_over_native_messaging_equals_cli_and_since():
    env = Env()
    try:
        env.index_mini()
        s = env.native()
        for i in range(3):
            d = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
            text = d["text"] if i else "Please restart the identity server and try again."
            s.request("feedback.sent", draft_id=d["draft_id"], sent_text=text)
        s.request("feedback.rating", draft_id=d["draft_id"], rating="up")
        nm = s.request("stats")["result"]
        nm_future = s.request("stats", since="2999-01-01")["result"]
        bad = s.request("stats", since="yesterday")
        s.close()
        cli = json.loads(env.cli("stats", "--json", check=0).stdout)
        assert nm == cli, (nm, cli)
        assert nm["drafts"] == 3 and nm["sent"] == 3 and nm["thumbs"]["up"] == 1, nm
        assert nm["median_edit_ratio"] == 0 and abs(nm["nearly_unedited_share"] - 2 / 3) < 1e-3
        assert sum(nm["edit_ratio_histogram"]) == 3
        assert len(nm["by_week"]) == 1 and nm["by_week"][0]["drafts"] == 3
        assert nm_future["drafts"] == 0 and nm_future["by_week"] == [], nm_future
        assert bad["ok"] is False, bad
        txt = env.cli("stats", check=0).stdout.decode()
        assert "drafts" in txt and "week" in txt, txt
        env.cli("stats", "--since", "not-a-date", check=1)
    finally:
        env.close()


def test_export_pairs_redacted():
    env = Env()
    try:
        env.index_mini()
        s = env.native()
        d = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
        assert "Oscar Berg" in d["text"]
        sent = d["text"] + "\nI will call you at +1 415 555 0133 or mail oscar.berg@acme.example."
        assert s.request("feedback.sent", draft_id=d["draft_id"], sent_text=sent)["ok"]
        d2 = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
        assert s.request("feedback.sent", draft_id=d2["draft_id"], discarded=True)["ok"]
        s.close()
        out = env.cli("export", "pairs", check=0).stdout.decode()
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        assert len(lines) == 1, lines
        p = lines[0]
        assert p["draft_id"] == d["draft_id"] and p["ticket_id"] == "9001"
        assert "[NAME_1]" in p["draft"] and "[#1001]" in p["draft"], p
        assert "[PHONE_" in p["sent"] and "[EMAIL_" in p["sent"], p
        path = os.path.join(env.dir, "pairs.csv")
        r = env.cli("export", "pairs", "--format", "csv", "--out", path, check=0)
        assert b"1 pairs" in r.stderr
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 1 and rows[0]["draft"] == p["draft"] and rows[0]["sent"] == p["sent"]
        none = env.cli("export", "pairs", "--since", "2999-01-01", check=0).stdout
        assert none.strip() == b""
        env.cli("export", "pairs", "--format", "xml", check=2)
        for v in PII:
            assert v not in out and v not in open(path).read(), v
            assert v.replace(" ", "") not in out, v
    finally:
        env.close()


if __name__ == "__main__":
    run_tests([test_feedback_attribution_and_gap_loop,
               test_stats_over_native_messaging_equals_cli_and_since,
               test_export_pairs_redacted])

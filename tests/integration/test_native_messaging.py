"""Native messaging mode of the real binary over pipes: every malformed input gets
an error reply and the host keeps serving while the framing is intact; a broken
frame ends the session cleanly; the vertical slice (hello, draft, feedback, stats)
works and writes its rows and signals."""
import json
import os
import re
import sqlite3
import struct
import time

from hostlib import Env, ORIGIN, load_fixture, run_tests


def with_env(fn):
    def wrapper():
        env = Env()
        try:
            env.index_mini()
            fn(env)
        finally:
            env.close()
    wrapper.__name__ = fn.__name__
    return wrapper


def normalize(text):
    """Whitespace runs to one space, citation markers ([#123], [doc: path#a]) dropped
    with the blank before them: editdist_normalize's default, for these texts."""
    text = re.sub(r"\s*\[(?:#[^\]\s]+|doc:[^\]]*)\]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def assert_error(reply, code, id_=None):
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == code, reply
    assert isinstance(reply["error"]["message"], str) and reply["error"]["message"], reply
    assert reply["id"] == id_, reply


@with_env
def test_hello_reports_version_and_corpus(env):
    s = env.native()
    r = s.request("hello", client="test", origin=ORIGIN)
    assert r["ok"] is True
    res = r["result"]
    assert res["protocol"] == 1
    assert res["version"]
    assert res["corpus"]["tickets"] == 6
    assert res["corpus"]["doc_sections"] >= 5
    assert "llm" in res and "ws" in res
    rc, rest, err = s.close()
    assert rc == 0 and rest == b"", (rc, rest, err)


@with_env
def test_each_malformed_message_gets_an_error_and_the_host_keeps_serving(env):
    s = env.native()
    cases = [
        (b"\xff\xfe{}", "invalid_utf8", None),
        (b"\xc0\xaf", "invalid_utf8", None),
        (b"{not json", "invalid_json", None),
        (b"", "invalid_json", None),
        (b"[1, 2]", "not_an_object", None),
        (b"\"hello\"", "not_an_object", None),
        (b'{"type": "hello"}', "missing_field", None),
        (b'{"id": 7}', "missing_field", 7),
        (b'{"id": "q", "type": "no.such.type"}', "unknown_type", "q"),
        (b'{"id": 8, "type": "draft.request"}', "missing_field", 8),
        (b'{"id": 9, "type": "draft.request", "ticket": {"id": "1"}}', "missing_field", 9),
        (b'{"id": 10, "type": "feedback.sent", "draft_id": "d_x"}', "missing_field", 10),
        (b'{"id": 11, "type": "feedback.sent", "draft_id": "d_nope", "sent_text": "x"}',
         "not_found", 11),
        (b'{"id": 12, "type": "search"}', "missing_field", 12),
        (b'{"id": 13, "type": "feedback.rating", "draft_id": "d_x", "rating": "meh"}',
         "missing_field", 13),
    ]
    for body, code, id_ in cases:
        s.send_frame(body)
        r = s.recv()
        assert r is not None, f"host died after {body!r}"
        assert_error(r, code, id_)
        # The next good message still works.
        ok = s.request("hello", origin=ORIGIN)
        assert ok["ok"] is True, (body, ok)
    rc, rest, err = s.close()
    assert rc == 0 and rest == b"", (rc, rest, err)


@with_env
def test_oversize_frame_is_refused_and_skipped(env):
    env.env["PRECEDENT_NM_MAX_BYTES"] = "4096"
    s = env.native()
    big = json.dumps({"id": 1, "type": "search", "query": "x" * 10000}).encode()
    s.send_frame(big)
    r = s.recv()
    assert_error(r, "too_large", None)
    ok = s.request("search", query="invoice export blank")
    assert ok["ok"] is True and ok["result"]["tickets"][0]["id"] == "1002", ok
    rc, rest, err = s.close()
    assert rc == 0, err


@with_env
def test_truncated_frame_ends_the_session_cleanly(env):
    s = env.native()
    s.send_raw(struct.pack("=I", 500) + b'{"id": 1, "type": "hel')
    s.p.stdin.close()
    r = s.recv()
    assert_error(r, "truncated_frame", None)
    rc, rest, err = s.close()
    assert rc == 1 and rest == b"", (rc, rest)
    assert "middle of a frame" in err and "AddressSanitizer" not in err, err


@with_env
def test_eof_shuts_down_quickly(env):
    s = env.native()
    assert s.request("hello", origin=ORIGIN)["ok"]
    t0 = time.monotonic()
    rc, rest, err = s.close()
    assert rc == 0 and time.monotonic() - t0 < 3.0, (rc, err)


@with_env
def test_draft_feedback_and_stats_slice(env):
    s = env.native()
    ticket = load_fixture("open-saml.json")
    r = s.request("draft.request", ticket=ticket, options={"mode": "offline", "stream": False})
    assert r["ok"] is True, r
    d = r["result"]
    assert d["draft_id"].startswith("d_")
    assert 0 <= d["confidence"] <= 1
    assert "Oscar Berg" in d["text"], d["text"]          # rehydrated for the agent
    assert "[#1001]" in d["text"], d["text"]             # the precedent, cited inline
    assert any(c["ref"] == "[#1001]" and c["kind"] == "ticket" for c in d["citations"])
    assert any(c["kind"] == "doc" and c["ref"] in d["text"] for c in d["citations"]), d
    # Every citation resolves to a stored ticket or doc section.
    db = sqlite3.connect(env.db)
    for c in d["citations"]:
        if c["kind"] == "ticket":
            assert db.execute("SELECT 1 FROM tickets WHERE id=?", (c["id"],)).fetchone(), c
        else:
            path, anchor = c["id"].split("#", 1)
            assert db.execute("SELECT 1 FROM doc_sections WHERE doc_path=? AND anchor=?",
                              (path, anchor)).fetchone(), c
    # The stored draft is redacted: the customer's name and e-mail are not in it.
    stored = db.execute("SELECT text FROM drafts WHERE id=?", (d["draft_id"],)).fetchone()[0]
    assert "Oscar Berg" not in stored and "[NAME_1]" in stored, stored

    sent = d["text"].replace("Thanks for reaching out.", "Thanks for the quick report!")
    f = s.request("feedback.sent", draft_id=d["draft_id"], sent_text=sent)
    assert f["ok"] is True, f
    # Levenshtein over code points between the two texts after the normalization of
    # issue 7 (citation markers out, whitespace collapsed), computed here independently.
    a, b = normalize(d["text"]), normalize(sent)
    assert "[#" not in a and "  " not in a and a != d["text"], a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    assert prev[-1] > 0
    assert f["result"]["edit_distance"] == prev[-1], (f, prev[-1])
    assert abs(f["result"]["edit_ratio"] - prev[-1] / max(len(a), len(b))) < 1e-3
    # Every sentence but the one rewritten is kept; the diff shows the rewrite.
    sen = f["result"]["sentences"]
    assert sen["total"] >= 2 and sen["kept"] == sen["total"] - 1, f["result"]
    assert {"op": "+", "text": "Thanks for the quick report!"} in f["result"]["diff"] or \
        any(o["op"] == "+" and "quick report" in o["text"] for o in f["result"]["diff"])
    row = db.execute("SELECT kind, edit_distance, sent_text FROM feedback WHERE draft_id=?",
                     (d["draft_id"],)).fetchone()
    assert row[0] == "sent" and row[1] == prev[-1], row
    assert "Oscar Berg" not in row[2], row
    ev = [e for e in env.events_lines() if e["type"] == "draft_quality_signal"]
    assert len(ev) == 1 and ev[0]["draft_id"] == d["draft_id"], ev
    assert ev[0]["edit_distance"] == prev[-1] and ev[0]["schema"].startswith("precedent.")
    assert "Oscar" not in json.dumps(ev)

    rt = s.request("feedback.rating", draft_id=d["draft_id"], rating="up", comment="good one")
    assert rt["ok"] is True and rt["result"]["saved"] is True
    st = s.request("stats")
    assert st["ok"] is True
    assert st["result"]["drafts"] == 1 and st["result"]["sent"] == 1, st
    assert st["result"]["thumbs"]["up"] == 1
    s.close()


@with_env
def test_weak_precedent_logs_a_knowledge_gap(env):
    s = env.native()
    r = s.request("draft.request", ticket=load_fixture("open-gap.json"), options={"mode": "offline"})
    assert r["ok"] is True, r
    d = r["result"]
    assert d["knowledge_gap"] is True, d
    assert any(f["kind"] == "weak_precedent" for f in d["flags"]), d
    assert "[#" not in d["text"], d["text"]
    gaps = [e for e in env.events_lines() if e["type"] == "knowledge_gap_signal"]
    assert len(gaps) == 1 and gaps[0]["ticket_id"] == "9002", gaps
    assert "lena" not in json.dumps(gaps).lower()
    g = s.request("gaps")
    assert g["ok"] is True and g["result"]["gaps"][0]["count"] == 1, g
    s.close()


@with_env
def test_discarded_draft_is_logged(env):
    s = env.native()
    d = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
    r = s.request("feedback.sent", draft_id=d["draft_id"], discarded=True)
    assert r["ok"] is True and r["result"]["discarded"] is True, r
    st = s.request("stats")["result"]
    assert st["discarded"] == 1 and st["sent"] == 0, st
    s.close()


@with_env
def test_unusable_database_gives_error_replies_not_a_crash(env):
    bad = os.path.join(env.dir, "bad.db")
    with open(bad, "w") as f:
        f.write("not a database " * 300)
    env.env["PRECEDENT_DB"] = bad
    s = env.native()
    h = s.request("hello", origin=ORIGIN)
    assert h["ok"] is True and "database_error" in h["result"], h
    r = s.request("search", query="invoice")
    assert_error(r, "database_corrupt", r["id"])
    rc, rest, err = s.close()
    assert rc == 0 and "corrupt" in err, err


if __name__ == "__main__":
    run_tests([test_hello_reports_version_and_corpus,
               test_each_malformed_message_gets_an_error_and_the_host_keeps_serving,
               test_oversize_frame_is_refused_and_skipped,
               test_truncated_frame_ends_the_session_cleanly,
               test_eof_shuts_down_quickly,
               test_draft_feedback_and_stats_slice,
               test_weak_precedent_logs_a_knowledge_gap,
               test_discarded_draft_is_logged,
               test_unusable_database_gives_error_replies_not_a_crash])

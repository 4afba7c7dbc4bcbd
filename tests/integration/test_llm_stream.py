#!/usr/bin/env python3
"""LLM drafting end to end: the real host, the fake provider over real HTTP on 127.0.0.1, and a
real WebSocket client. Streams in both wire formats, the final result, citations checked, PII
kept out of the prompt, actions, customer context, and two drafts at once that do not mix."""
import json
import os
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmhost import ORIGIN, FakeLLM, Host, Runner, collect, ticket  # noqa: E402

fake = FakeLLM().__enter__()


def draft(h, t, **opts):
    o = {"mode": "llm", "stream": True}
    o.update(opts)
    return h.request("draft.request", ticket=t, options=o)


def deltas_text(frames, did):
    return "".join(f["text"] for f in frames if f["type"] == "draft.delta" and f["draft_id"] == did)


def stream_case(provider):
    fake.reset()
    h = Host(fake, "ok", provider=provider)
    try:
        hello = h.hello()
        r = hello["result"]
        assert r["ws"]["port"] > 0 and len(r["ws"]["token"]) == 64, r
        assert r["llm"]["provider"] == provider and r["llm"]["model"] == "fake-model", r
        assert "draft.stream" in r["capabilities"] and "draft.llm" in r["capabilities"], r
        ws = h.ws(hello)
        t = ticket("N-1", "Router reboots every hour", "Since firmware 4.2 my router reboots "
                   "every hour. What can I do?")
        rid = draft(h, t, client_ref="tab-7")
        frames = collect(ws)
        rep = h.reply(rid)
        assert rep["ok"], rep
        assert all(f.get("client_ref") == "tab-7" for f in frames), frames[0]
        res = rep["result"]
        did = res["draft_id"]
        kinds = [f["type"] for f in frames]
        assert kinds[-3:] == ["draft.citations", "draft.flags", "draft.done"], kinds
        assert kinds.count("draft.delta") >= 5, kinds
        assert all(f["draft_id"] == did and f["request_id"] == rid for f in frames)
        streamed = deltas_text(frames, did)
        assert "Router reboots every hour" in streamed, streamed
        assert res["mode"] == "llm" and res["text"] == frames[-1]["text"], (res, frames[-1])
        # the fake cites the first source of the prompt: it must be kept and resolved
        assert res["citations"], res
        c = res["citations"][0]
        assert c["kind"] in ("ticket", "doc") and c["ref"] in res["text"], res
        assert res["timing"]["request_sent_ms"] >= 0, res["timing"]
        # the draft was stored: feedback on it counts
        fb = h.reply(h.request("feedback.sent", draft_id=did, sent_text=res["text"] + " Thanks!"))
        assert fb["ok"] and fb["result"]["edit_distance"] == 8, fb
        # what the provider received
        req = [q for q in fake.requests() if q["path"].startswith("/s/")][0]
        body = req["body"]
        assert body["stream"] is True and body["model"] == "fake-model", body
        prompt = json.dumps(body)
        assert "Router reboots every hour" in prompt and "[#T-100]" in prompt, prompt[:3000]
        assert "only facts found in the numbered sources" in prompt
        if provider == "anthropic":
            assert req["headers"].get("x-api-key") == "sk-fake-key", req["headers"]
        else:
            assert req["headers"].get("Authorization") == "Bearer sk-fake-key", req["headers"]
        ws.close()
    finally:
        assert h.close() == 0
    assert h.exit_time < 2.0, "EOF to exit took %.2f s" % h.exit_time


def test_openai_compatible_stream_reaches_the_panel():
    stream_case("openai")


def test_anthropic_stream_reaches_the_panel():
    stream_case("anthropic")


def test_prompt_holds_no_pii_and_the_agent_gets_it_back():
    fake.reset()
    fake.control(reply="We will send the invoice to [EMAIL_1] and call [PHONE_1] [#T-200].")
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        pii = ["jane.doe@example.com", "4111 1111 1111 1111", "+1 415 555 0134", "Jane Doe"]
        t = ticket("N-2", "Invoice shows the wrong VAT rate",
                   "Hi, I am Jane Doe. My invoice has the wrong VAT. Reach me at "
                   "jane.doe@example.com or +1 415 555 0134. Card 4111 1111 1111 1111.",
                   customer={"name": "Jane Doe", "email": "jane.doe@example.com"})
        rid = draft(h, t)
        frames = collect(ws)
        rep = h.reply(rid)
        assert rep["ok"], rep
        prompts = [json.dumps(q["body"]) for q in fake.requests() if q["path"].startswith("/s/")]
        assert prompts
        for p in prompts:
            for v in pii:
                assert v not in p, "PII %r reached the provider" % v
            assert "[EMAIL_1]" in p or "[EMAIL_" in p, p[:2000]
        # rehydrated for the agent: in the stream and in the final text
        text = rep["result"]["text"]
        assert "jane.doe@example.com" in text and "[EMAIL_1]" not in text, text
        assert "jane.doe@example.com" in deltas_text(frames, rep["result"]["draft_id"])
        ws.close()
    finally:
        fake.control(reply=None)
        h.close()


def test_unknown_citations_are_removed_and_flagged():
    fake.reset()
    fake.control(reply="Roll back the firmware to 4.1 [#T-100]. Also we refund everyone "
                 "three months of service immediately [#T-999].")
    h = Host(fake, "ok")
    try:
        rid = draft(h, ticket("N-3", "Router reboots", "Router reboots every hour since 4.2."),
                    stream=False)
        rep = h.reply(rid)
        assert rep["ok"], rep
        res = rep["result"]
        assert "[#T-999]" not in res["text"] and "[#T-100]" in res["text"], res["text"]
        kinds = [f["kind"] for f in res["flags"]]
        assert "unknown_citation" in kinds, kinds
        assert "uncertain" in kinds, kinds  # the refund sentence has no support
    finally:
        fake.control(reply=None)
        h.close()


def test_two_concurrent_drafts_do_not_mix():
    fake.reset()
    fake.control(delay_ms=40)
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        a = draft(h, ticket("N-4", "Alpha printer jams", "The alpha printer jams on page two."))
        b = draft(h, ticket("N-5", "Beta login loops", "The beta login page loops forever."))
        frames = []
        done = set()
        ws.sock.settimeout(20)
        while len(done) < 2:
            f = json.loads(ws.recv())
            frames.append(f)
            if f["type"] == "draft.done":
                done.add(f["draft_id"])
        ra, rb = h.reply(a), h.reply(b)
        da, db = ra["result"]["draft_id"], rb["result"]["draft_id"]
        assert da != db
        ta, tb = deltas_text(frames, da), deltas_text(frames, db)
        assert "Alpha printer jams" in ta and "Beta" not in ta, ta
        assert "Beta login loops" in tb and "Alpha" not in tb, tb
        # interleaved: both streamed at once
        order = [f["draft_id"] for f in frames if f["type"] == "draft.delta"]
        switches = sum(1 for x, y in zip(order, order[1:]) if x != y)
        assert switches >= 2, order
        ws.close()
    finally:
        fake.control(delay_ms=5)
        h.close()


def test_actions_rewrite_the_previous_draft():
    fake.reset()
    h = Host(fake, "ok")
    try:
        rid = draft(h, ticket("N-6", "Router reboots", "Router reboots every hour."),
                    stream=False, action="shorter",
                    previous="Please roll back to 4.1 [#T-100]. Then disable auto-update.")
        rep = h.reply(rid)
        assert rep["ok"] and rep["result"]["action"] == "shorter", rep
        p = json.dumps([q["body"] for q in fake.requests() if q["path"].startswith("/s/")][-1])
        assert "clearly shorter" in p and "Please roll back to 4.1 [#T-100]." in p, p[:3000]
        rid = draft(h, ticket("N-6", "Router reboots", "Router reboots every hour."),
                    stream=False, action="translate", language="German",
                    previous_draft_id=rep["result"]["draft_id"])
        rep2 = h.reply(rid)
        assert rep2["ok"], rep2
        p = json.dumps([q["body"] for q in fake.requests() if q["path"].startswith("/s/")][-1])
        assert "Target language: German" in p and "Current draft" in p, p[:3000]
        rid = draft(h, ticket("N-6", "R", "x"), action="poem")
        assert h.reply(rid)["error"]["code"] == "missing_field"
        rid = draft(h, ticket("N-6", "R", "x"), action="shorter")
        assert h.reply(rid)["error"]["code"] == "missing_field"
    finally:
        h.close()


def test_customer_context_from_table_and_endpoint():
    fake.reset()
    csv = ("external_id,name,email,organization,plan,product_version,region\n"
           "C-9,Jane Doe,jane@example.com,Acme,pro,4.2,us-east\n")
    h = Host(fake, "ok", customers_csv=csv)
    try:
        t = ticket("N-7", "Router reboots", "Router reboots every hour since 4.2.",
                   customer={"name": "Jane Doe", "email": "jane@example.com", "external_id": "C-9"})
        rep = h.reply(draft(h, t, stream=False))
        assert rep["ok"], rep
        p = json.dumps([q["body"] for q in fake.requests() if q["path"].startswith("/s/")][-1])
        assert "plan: pro" in p and "product_version: 4.2" in p, p[:3000]
        assert "jane@example.com" not in p and "Jane Doe" not in p
        kinds = [f["kind"] for f in rep["result"]["flags"]]
        assert "context_missing" not in kinds, kinds
        # the cited T-100 was written for firmware 4.1; this customer runs 4.2
        stale = [f for f in rep["result"]["flags"] if f["kind"] == "stale_source"]
        assert any("4.1" in f["message"] and "4.2" in f["message"] for f in stale), rep["result"]
        # no context at all: noted in the flags
        rep = h.reply(draft(h, ticket("N-8", "Router reboots", "Router reboots."), stream=False))
        assert "context_missing" in [f["kind"] for f in rep["result"]["flags"]], rep
    finally:
        h.close()
    fake.reset()
    url = "http://127.0.0.1:%d/context/{external_id}" % fake.port
    h = Host(fake, "ok", extra_config={"context.url": url, "context.timeout_ms": 800})
    try:
        t = ticket("N-9", "Router reboots", "Router reboots every hour.",
                   customer={"external_id": "C 1/2"})
        rep = h.reply(draft(h, t, stream=False))
        assert rep["ok"], rep
        gets = [q for q in fake.requests() if q["path"].startswith("/context/")]
        assert gets and gets[0]["path"] == "/context/C%201%2F2", gets
        p = json.dumps([q["body"] for q in fake.requests() if q["path"].startswith("/s/")][-1])
        assert "plan: enterprise" in p and "region: eu-west" in p, p[:3000]
    finally:
        h.close()
    fake.reset()
    url = "http://127.0.0.1:%d/context-slow/{external_id}" % fake.port
    h = Host(fake, "ok", extra_config={"context.url": url, "context.timeout_ms": 300})
    try:
        t = ticket("N-10", "Router reboots", "Router reboots.", customer={"external_id": "C-1"})
        rep = h.reply(draft(h, t, stream=False))
        assert rep["ok"], rep
        msgs = [f["message"] for f in rep["result"]["flags"] if f["kind"] == "context_missing"]
        assert msgs and "endpoint" in msgs[0], rep["result"]["flags"]
    finally:
        h.close()


def test_hello_without_provider_reports_no_llm():
    h = Host(None, provider="offline")
    try:
        r = h.hello()["result"]
        assert r["llm"] is None and r["ws"]["port"] > 0, r
        rep = h.reply(h.request("draft.request", ticket=ticket("N-11", "Router", "reboots"),
                                options={"mode": "llm"}))
        assert not rep["ok"] and rep["error"]["code"] == "bad_config", rep
        ws = h.ws()
        rep = h.reply(h.request("draft.request", ticket=ticket("N-11", "Router", "reboots"),
                                options={"mode": "auto", "stream": True}))
        assert rep["ok"] and rep["result"]["mode"] == "offline", rep
        # offline drafts with stream: true reach the panel as one draft.done
        frames = collect(ws)
        assert frames[-1]["type"] == "draft.done" and frames[-1]["text"] == rep["result"]["text"]
        ws.close()
        # the offline path's summary action: extractive
        t = ticket("N-12", "Export fails", "The CSV export fails with error E42. It started "
                   "on Monday. We tried twice.")
        t["messages"].append({"role": "agent", "body": "Which browser do you use? Any add-ons?"})
        t["messages"].append({"role": "customer", "body": "Firefox 128. No add-ons at all."})
        rep = h.reply(h.request("draft.request", ticket=t,
                                options={"mode": "offline", "action": "summary"}))
        assert rep["ok"] and rep["result"]["action"] == "summary", rep
        text = rep["result"]["text"]
        assert "E42" in text and "Which browser" in text and "Firefox 128" in text, text
    finally:
        h.close()


def test_requests_are_answered_while_a_draft_streams():
    """The loop only moves bytes: searches, offline drafts and stats sent while an LLM draft
    streams are all answered before it ends, and the draft's timing carries the host's own
    figures (token -> frame delay, the loop's longest iteration)."""
    fake.reset()
    fake.control(delay_ms=60, chunk_words=1)
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        rid = draft(h, ticket("N-20", "Router reboots every hour",
                              "Since firmware 4.2 my router reboots every hour."))
        ws.sock.settimeout(10)
        first = json.loads(ws.recv())
        assert first["type"] == "draft.delta", first
        others = []
        for i in range(5):
            others.append(h.request("search", query="router reboots firmware"))
            others.append(h.request("draft.request", ticket=ticket(
                "N-3%d" % i, "Router reboots", "The router reboots."),
                options={"mode": "offline"}))
            others.append(h.request("stats"))
        for o in others:
            assert h.reply(o, timeout=10)["ok"], o
        frames = collect(ws)
        assert frames[-1]["type"] == "draft.done", frames[-1]
        rep = h.reply(rid)
        assert rep["ok"], rep
        t = rep["result"]["timing"]
        for k in ("ws_write_delay_p50_ms", "ws_write_delay_p99_ms", "ws_write_delay_max_ms",
                  "loop_busy_p99_ms", "loop_busy_max_ms",
                  "provider_gap_max_ms"):
            assert isinstance(t[k], (int, float)) and t[k] >= 0, (k, t)
        assert t["ws_frames"] >= t["deltas"] >= 5, t
        assert t["ws_write_delay_p50_ms"] <= t["ws_write_delay_p99_ms"] <= \
            t["ws_write_delay_max_ms"], t
        ws.close()
    finally:
        fake.control(delay_ms=5, chunk_words=2)
        h.close()


def test_feedback_sent_just_before_eof_is_stored_in_order():
    """Frames are handled in the order they came: feedback on a draft right after its reply
    finds it, and feedback already sent when the browser goes away is still answered and
    stored before the host exits."""
    fake.reset()
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        rep = h.reply(draft(h, ticket("N-40", "Router reboots", "Router reboots every hour.")))
        assert rep["ok"], rep
        did = rep["result"]["draft_id"]
        a = h.request("feedback.rating", draft_id=did, rating="up", comment="good")
        b = h.request("feedback.sent", draft_id=did, sent_text=rep["result"]["text"] + " Bye.")
        c = h.request("draft.request", ticket=ticket("N-41", "Router reboots", "Reboots."),
                      options={"mode": "offline"})
        ws.close()
        h.p.stdin.close()
        assert h.p.wait(timeout=20) == 0
        for rid in (a, b, c):
            assert h.reply(rid, timeout=5)["ok"], rid
        db = sqlite3.connect(h.db)
        kinds = [k for (k,) in db.execute(
            "SELECT kind FROM feedback WHERE draft_id = ? ORDER BY rowid", (did,))]
        n = db.execute("SELECT count(*) FROM drafts WHERE ticket_id = 'N-41'").fetchone()[0]
        db.close()
        assert len(kinds) == 2 and kinds[0] != kinds[1], kinds
        assert n == 1, n
    finally:
        h.close()


if __name__ == "__main__":
    Runner("test_llm_stream").run([
        test_openai_compatible_stream_reaches_the_panel,
        test_anthropic_stream_reaches_the_panel,
        test_prompt_holds_no_pii_and_the_agent_gets_it_back,
        test_unknown_citations_are_removed_and_flagged,
        test_two_concurrent_drafts_do_not_mix,
        test_actions_rewrite_the_previous_draft,
        test_customer_context_from_table_and_endpoint,
        test_hello_without_provider_reports_no_llm,
        test_requests_are_answered_while_a_draft_streams,
        test_feedback_sent_just_before_eof_is_stored_in_order,
    ])

"""The signals webhook wired into the product: with the endpoint down, events from the
CLI (bounded flush at exit) and from native messaging (background delivery thread)
stay in the outbox; once a local HTTP server on 127.0.0.1 is back, every event is
delivered exactly once, in order, and every event is schema-valid."""
import http.server
import json
import os
import re
import socket
import threading
import time

from hostlib import Env, FIXTURES, ORIGIN, load_fixture, run_tests

HEX32 = re.compile(r"^[0-9a-f]{32}$")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate(ev):
    """The documented schemas (docs/quality.md), version 1: required fields and types."""
    t = ev["type"]
    assert t in ("draft_quality_signal", "knowledge_gap_signal"), ev
    assert ev["schema"] == "precedent.%s/1" % t, ev
    assert HEX32.match(ev["id"]) and TS.match(ev["ts"]), ev
    assert isinstance(ev["ticket_id"], str) and ev["ticket_id"], ev
    if t == "knowledge_gap_signal":
        assert isinstance(ev["key_terms"], list), ev
        assert all(isinstance(k, str) for k in ev["key_terms"]), ev
        assert is_num(ev["best_score"]), ev
        return
    assert isinstance(ev["draft_id"], str) and ev["draft_id"], ev
    assert ev["outcome"] in ("sent", "discarded", "rating"), ev
    assert ev["provider"] is None or isinstance(ev["provider"], str), ev
    assert ev["model"] is None or isinstance(ev["model"], str), ev
    assert is_num(ev["confidence"]) and 0 <= ev["confidence"] <= 1, ev
    assert isinstance(ev["sources"], list), ev
    for s in ev["sources"]:
        assert s["kind"] in ("ticket", "doc") and isinstance(s["id"], str), s
        assert isinstance(s["ref"], str) and s["ref"].startswith("["), s
    for k in ("edit_ratio", "word_edit_ratio"):
        assert ev[k] is None or (is_num(ev[k]) and 0 <= ev[k] <= 1), ev
    if ev["outcome"] == "sent":
        assert isinstance(ev["edit_distance"], int) and ev["edit_distance"] >= 0, ev
        assert is_num(ev["edit_ratio"]) and is_num(ev["word_edit_ratio"]), ev
        s = ev["sentences"]
        assert s["kept"] + s["edited"] + s["deleted"] == s["total"], ev
    else:
        assert ev["edit_distance"] is None, ev
    if ev["outcome"] == "rating":
        assert ev["rating"] in ("up", "down"), ev


class Hook:
    """A webhook receiver on 127.0.0.1:port recording every POST."""

    def __init__(self, port):
        self.got = []
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                hook.got.append((self.headers.get("X-Precedent-Event"),
                                 self.headers.get("X-Precedent-Event-Id"),
                                 self.headers.get("Content-Type"), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout=15):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def outbox_ids(env):
    """Ids still pending: outbox lines past the delivered position."""
    path = env.events + ".outbox"
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    if os.path.exists(path + ".pos"):
        with open(path + ".pos") as f:
            txt = f.read().strip()
            pos = int(txt) if txt else 0
    return [json.loads(l)["id"] for l in data[pos:].split(b"\n") if l.strip()]


def test_down_then_back_all_delivered_once_in_order():
    env = Env()
    hook = None
    try:
        env.index_mini()
        port = free_port()
        env.env["PRECEDENT_WEBHOOK_URL"] = "http://127.0.0.1:%d/hook" % port
        env.env["PRECEDENT_SIGNALS_FLUSH_MS"] = "400"
        # Endpoint down. CLI: a knowledge gap; the bounded flush gives up and says so.
        t0 = time.monotonic()
        r = env.cli("draft", "--json", os.path.join(FIXTURES, "open-gap.json"), check=0)
        assert time.monotonic() - t0 < 20
        assert b"outbox" in r.stderr, r.stderr
        assert len(env.events_lines()) == 1
        # Native messaging: background delivery, the endpoint still down.
        s = env.native()
        d = s.request("draft.request", ticket=load_fixture("open-saml.json"))["result"]
        assert s.request("feedback.sent", draft_id=d["draft_id"],
                         sent_text=d["text"] + "\n-- \nAna")["ok"]
        assert s.request("feedback.rating", draft_id=d["draft_id"], rating="up")["ok"]
        rc, _, err = s.close(timeout=15)
        assert rc == 0, err
        ids = [e["id"] for e in env.events_lines()]
        assert len(ids) == 3, env.events_lines()
        assert outbox_ids(env) == ids, (outbox_ids(env), ids)
        # Endpoint back: a new host delivers what earlier runs left, in order.
        hook = Hook(port)
        s = env.native()
        assert s.request("hello", origin=ORIGIN)["ok"]
        assert wait_for(lambda: len(hook.got) >= 3), hook.got
        # A new event goes out from the background thread without any request.
        assert s.request("feedback.rating", draft_id=d["draft_id"], rating="down",
                         comment="too long")["ok"]
        assert wait_for(lambda: len(hook.got) >= 4), hook.got
        rc, _, err = s.close(timeout=15)
        assert rc == 0, err
        # CLI with the endpoint up: delivered before the command exits.
        env.cli("draft", "--json", os.path.join(FIXTURES, "open-gap.json"), check=0)
        events = env.events_lines()
        assert len(events) == 5 and len(hook.got) == 5, (len(events), len(hook.got))
        assert [g[3]["id"] for g in hook.got] == [e["id"] for e in events]
        assert len({g[3]["id"] for g in hook.got}) == 5
        for typ, eid, ctype, body in hook.got:
            validate(body)
            assert typ == body["type"] and eid == body["id"], (typ, eid, body)
            assert ctype.startswith("application/json"), ctype
        for e in events:
            validate(e)
        assert outbox_ids(env) == []
        blob = json.dumps([g[3] for g in hook.got])
        assert "Oscar" not in blob and "lena@" not in blob.lower()
    finally:
        if hook:
            hook.close()
        env.close()


def test_no_webhook_no_outbox_and_no_delay():
    env = Env()
    try:
        env.index_mini()
        t0 = time.monotonic()
        env.cli("draft", "--json", os.path.join(FIXTURES, "open-gap.json"), check=0)
        assert time.monotonic() - t0 < 20
        assert len(env.events_lines()) == 1
        validate(env.events_lines()[0])
        assert not os.path.exists(env.events + ".outbox")
    finally:
        env.close()


if __name__ == "__main__":
    run_tests([test_down_then_back_all_delivered_once_in_order,
               test_no_webhook_no_outbox_and_no_delay])

#!/usr/bin/env python3
"""LLM faults end in a clear draft.error with the partial draft kept and the offline drafter on
offer (mode "llm"), or the offline draft itself (mode "auto"); 429/5xx are retried with bounded
backoff; cancel (from the panel or native messaging) stops the upstream request at once."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmhost import FakeLLM, Host, Runner, collect, ticket  # noqa: E402

fake = FakeLLM().__enter__()
T = ticket("F-1", "Router reboots every hour", "Since firmware 4.2 my router reboots every hour.")


def llm_draft(h, mode="llm", stream=True):
    return h.request("draft.request", ticket=T, options={"mode": mode, "stream": stream})


def provider_requests():
    return [q for q in fake.requests() if q["path"].startswith("/s/")]


def fault(scenario, code, words, provider="openai", partial=False, extra=None):
    fake.reset()
    h = Host(fake, scenario, provider=provider, extra_config=extra)
    try:
        hello = h.hello()
        ws = h.ws(hello)
        rid = llm_draft(h)
        frames = collect(ws)
        rep = h.reply(rid)
        err = frames[-1]
        assert err["type"] == "draft.error", frames
        assert err["error"]["code"] == code, err
        assert any(w in err["error"]["message"] for w in words), err
        assert err["fallback"] == "offline"
        assert not rep["ok"] and rep["error"]["code"] == code, rep
        assert rep["error"]["draft_id"] == err["draft_id"]
        assert "sk-fake-key" not in json.dumps(rep) and "sk-fake-key" not in h.stderr.decode()
        if partial:
            assert rep["error"]["partial"].startswith("Hello, thanks"), rep
            streamed = "".join(f["text"] for f in frames if f["type"] == "draft.delta")
            assert streamed == err["partial"], (streamed, err["partial"])
        ws.close()
    finally:
        h.close()


def test_bad_key_is_auth_failed():
    fault("401", "auth_failed", ["API key"])
    fault("401", "auth_failed", ["API key"], provider="anthropic")
    assert len(provider_requests()) == 1  # not retried


def test_rate_limit_is_retried_with_bounded_backoff():
    fault("429", "upstream_error", ["rate limiting"])
    assert len(provider_requests()) == 3  # 1 + max_retries
    fake.reset()
    h = Host(fake, "429once")
    try:
        rep = h.reply(llm_draft(h, stream=False))
        assert rep["ok"] and rep["result"]["mode"] == "llm", rep
        assert len(provider_requests()) == 2
    finally:
        h.close()


def test_server_errors_are_retried_then_reported():
    fault("500", "upstream_error", ["HTTP 500"], provider="anthropic")
    assert len(provider_requests()) == 3


def test_stream_cut_midway_keeps_the_partial_draft():
    fault("cut", "upstream_error", ["cut"], partial=True)
    fault("cut", "upstream_error", ["cut"], provider="anthropic", partial=True)


def test_malformed_stream_and_error_events():
    fault("malformed", "upstream_error", ["malformed"], partial=True)
    fault("errorevent", "upstream_error", ["Overloaded"], provider="anthropic", partial=True)


def test_silent_provider_times_out():
    fault("hang", "timeout", ["sent nothing"], extra={"llm.idle_timeout_ms": 500})


def test_connection_refused_is_a_network_error():
    h = Host(None, "ok", env_extra={"PRECEDENT_LLM_BASE_URL": "http://127.0.0.1:1/v1"})
    try:
        rep = h.reply(llm_draft(h, stream=False))
        assert not rep["ok"] and rep["error"]["code"] == "network_error", rep
        assert "refused" in rep["error"]["message"]
    finally:
        h.close()


def test_tls_failure_is_a_network_error():
    # https to the fake's plain HTTP port: the TLS handshake fails
    h = Host(None, "ok", env_extra={"PRECEDENT_LLM_BASE_URL": "https://127.0.0.1:%d/s/ok/v1" % fake.port})
    try:
        rep = h.reply(llm_draft(h, stream=False))
        assert not rep["ok"] and rep["error"]["code"] == "network_error", rep
        assert "TLS" in rep["error"]["message"], rep
    finally:
        h.close()


def test_auto_mode_falls_back_to_the_offline_draft():
    fake.reset()
    h = Host(fake, "500")
    try:
        rep = h.reply(llm_draft(h, mode="auto", stream=False))
        assert rep["ok"] and rep["result"]["mode"] == "offline", rep
        kinds = [f["kind"] for f in rep["result"]["flags"]]
        assert "llm_failed" in kinds, kinds
    finally:
        h.close()


def cancel_case(via_ws):
    fake.reset()
    h = Host(fake, "slow", provider="anthropic")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        rid = llm_draft(h)
        ws.sock.settimeout(10)
        first = json.loads(ws.recv())
        assert first["type"] == "draft.delta", first
        did = first["draft_id"]
        t0 = time.time()
        if via_ws:
            ws.send_text(json.dumps({"type": "draft.cancel", "draft_id": did}))
        else:
            crep = h.reply(h.request("draft.cancel", draft_id=did))
            assert crep["ok"] and crep["result"]["cancelled"] is True, crep
        frames = collect(ws)
        assert frames[-1]["type"] == "draft.error" and frames[-1]["error"]["code"] == "cancelled"
        rep = h.reply(rid)
        assert not rep["ok"] and rep["error"]["code"] == "cancelled", rep
        assert rep["error"]["partial"], rep
        # the provider sees its connection closed at once, not when the stream would end
        while time.time() - t0 < 3:
            reqs = provider_requests()
            if reqs and reqs[0]["disconnected"]:
                break
            time.sleep(0.02)
        assert provider_requests()[0]["disconnected"], provider_requests()
        assert time.time() - t0 < 1.5, "upstream closed after %.2f s" % (time.time() - t0)
        # the host keeps serving
        again = h.reply(h.request("draft.cancel", draft_id=did))
        assert again["ok"] and again["result"]["cancelled"] is False
        ws.close()
    finally:
        h.close()


def test_cancel_from_the_panel_stops_the_upstream_request():
    cancel_case(True)


def test_cancel_over_native_messaging_stops_the_upstream_request():
    cancel_case(False)


def test_cancel_from_the_panel_before_the_stream_starts():
    """The panel cancels a draft (by the draft_id it chose) while the host is still preparing
    it: the provider is asked nothing, or its request is closed at once, and the draft ends in
    cancelled. Repeated, so the cancel lands at different points of the preparation."""
    fake.reset()
    h = Host(fake, "slow")
    try:
        hello = h.hello()
        ws = h.ws(hello)
        for i in range(5):
            did = "d_early%d" % i
            rid = h.request("draft.request", ticket=ticket("E-%d" % i, "Router reboots",
                                                           "Router reboots every hour."),
                            options={"mode": "llm", "stream": True, "draft_id": did})
            ws.send_text(json.dumps({"type": "draft.cancel", "draft_id": did}))
            rep = h.reply(rid, timeout=10)
            assert not rep["ok"] and rep["error"]["code"] == "cancelled", rep
            assert rep["error"]["draft_id"] == did, rep
            frames = collect(ws, draft_id=did, timeout=10)
            assert frames[-1]["type"] == "draft.error", frames
        # no provider request of theirs is left streaming
        deadline = time.time() + 3
        while time.time() < deadline:
            if all(q["disconnected"] or q["finished"] for q in provider_requests()):
                break
            time.sleep(0.02)
        assert all(q["disconnected"] or q["finished"] for q in provider_requests()), \
            provider_requests()
        ws.close()
    finally:
        h.close()


def test_eof_mid_stream_exits_quickly():
    fake.reset()
    h = Host(fake, "slow")
    hello = h.hello()
    ws = h.ws(hello)
    llm_draft(h)
    ws.sock.settimeout(10)
    ws.recv()
    h.close()
    assert h.exit_time < 1.0, "exit took %.2f s" % h.exit_time
    deadline = time.time() + 3
    while time.time() < deadline and not provider_requests()[0]["disconnected"]:
        time.sleep(0.02)
    assert provider_requests()[0]["disconnected"]


if __name__ == "__main__":
    Runner("test_llm_faults").run([
        test_bad_key_is_auth_failed,
        test_rate_limit_is_retried_with_bounded_backoff,
        test_server_errors_are_retried_then_reported,
        test_stream_cut_midway_keeps_the_partial_draft,
        test_malformed_stream_and_error_events,
        test_silent_provider_times_out,
        test_connection_refused_is_a_network_error,
        test_tls_failure_is_a_network_error,
        test_auto_mode_falls_back_to_the_offline_draft,
        test_cancel_from_the_panel_stops_the_upstream_request,
        test_cancel_over_native_messaging_stops_the_upstream_request,
        test_cancel_from_the_panel_before_the_stream_starts,
        test_eof_mid_stream_exits_quickly,
    ])

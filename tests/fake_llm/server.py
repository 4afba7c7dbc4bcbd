#!/usr/bin/env python3
"""A fake LLM provider for tests: real HTTP on 127.0.0.1, replaying each provider's documented
streaming format, and its faults. Python 3 standard library only.

Base URL: http://127.0.0.1:PORT/s/<scenario>[/v1]; the provider comes from the path's end:
  .../chat/completions  OpenAI-compatible (OpenAI, Ollama, llama.cpp, vLLM, LM Studio)
  .../messages          Anthropic Messages
Scenarios (the part before the first "-" picks the behaviour; the whole string keys counters):
  ok         stream the reply (SSE; OpenAI chunks then "data: [DONE]", or Anthropic
             message_start/content_block_*/message_delta/message_stop with pings)
  401        HTTP 401 with the provider's JSON error body
  429once    HTTP 429 (Retry-After: 0) on the first request of this scenario, then ok
  429        HTTP 429 always
  500        HTTP 500 always; 500once: the first time only
  cut        a few chunks, then the connection is closed mid-stream
  malformed  a few chunks, then an event that is not JSON
  errorevent a few chunks, then an error event (Anthropic "event: error"; OpenAI {"error":..})
  slow       one chunk, then a chunk every 2 s (for idle timeouts and cancel)
  hang       headers, then nothing (for idle timeouts)
The reply: set with POST /_control {"reply": TEXT, "delay_ms": N, "chunk_words": N}; by
default it is built from the prompt: it names the ticket's "Subject:" line and cites the first
source reference ([#id] or [doc: path#anchor]) found in the prompt.
GET /context/<id>: a customer context endpoint ({"plan", "product_version", "region"});
GET /context-slow/<id> answers after 3 s, /context-500/<id> fails (timeouts and faults).
GET /_requests: every request received, in order:
  {"n", "path", "headers", "body" (JSON), "status", "finished", "disconnected"}
POST /_reset clears them. Run directly: prints "PORT <n>" and serves until killed.
"""
import json
import re
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.counts = {}
        self.reply = None
        self.delay_ms = 5
        self.chunk_words = 2


def prompt_text(body):
    parts = []
    if isinstance(body.get("system"), str):
        parts.append(body["system"])
    for m in body.get("messages", []):
        c = m.get("content")
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            parts += [b.get("text", "") for b in c if isinstance(b, dict)]
    return "\n".join(parts)


def default_reply(body):
    text = prompt_text(body)
    subj = re.search(r"Subject: *(.*)", text)
    subject = subj.group(1).strip() if subj else "your question"
    # sources are listed as "[1] [#T-1] ..." / "[2] [doc: a.md#b] ..." in the prompt
    ref = re.search(r"\[(#[^\]\s]+|doc: [^\]]+)\]", text.split("Sources", 1)[-1])
    cite = " [%s]" % ref.group(1) if ref else ""
    return ("Hello, thanks for writing about %s. Please follow the documented steps%s. "
            "I do not know when the fix ships." % (subject, cite))


def chunks_of(text, n):
    words = re.findall(r"\S+\s*|\s+", text)
    return ["".join(words[i:i + n]) for i in range(0, len(words), n)] or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"

    def log_message(self, *args):
        pass

    # -- helpers
    def send_json(self, status, obj, extra=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def wait(self, secs):
        """Sleeps, noticing at once when the client closes the connection (cancel)."""
        end = time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if r:
                try:
                    data = self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    data = b""
                if data == b"":
                    raise ConnectionResetError("client closed the connection")

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    # -- control
    def do_GET(self):
        st = self.server.state
        if self.path == "/_requests":
            with st.lock:
                self.send_json(200, st.requests)
            return
        m = re.match(r"^/(context|context-slow|context-500)/([^/?]+)$", self.path)
        if m:
            with st.lock:
                st.requests.append({"n": len(st.requests), "path": self.path, "method": "GET",
                                    "headers": dict(self.headers.items()), "body": None,
                                    "status": 200, "finished": True, "disconnected": False})
            if m.group(1) == "context-500":
                self.send_json(500, {"error": "down"})
                return
            if m.group(1) == "context-slow":
                try:
                    self.wait(3.0)
                except ConnectionResetError:
                    return
            self.send_json(200, {"customer": {"plan": "enterprise", "product_version": "5.1",
                                              "region": "eu-west", "id": m.group(2)}})
            return
        self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/_reset":
            with st.lock:
                st.requests.clear()
                st.counts.clear()
                st.reply, st.delay_ms, st.chunk_words = None, 5, 2
            self.send_json(200, {"ok": True})
            return
        if self.path == "/_control":
            ctl = json.loads(raw or b"{}")
            with st.lock:
                if "reply" in ctl:
                    st.reply = ctl["reply"]
                st.delay_ms = ctl.get("delay_ms", st.delay_ms)
                st.chunk_words = ctl.get("chunk_words", st.chunk_words)
            self.send_json(200, {"ok": True})
            return
        m = re.match(r"^/s/([^/]+)(/.*)$", self.path)
        if not m:
            self.send_json(404, {"error": {"message": "unknown path %s" % self.path}})
            return
        scenario, rest = m.group(1), m.group(2)
        kind = scenario.split("-", 1)[0]
        anthropic = rest.endswith("/messages")
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        rec = {"path": self.path, "headers": dict(self.headers.items()), "body": body,
               "status": 0, "finished": False, "disconnected": False}
        with st.lock:
            rec["n"] = len(st.requests)
            st.requests.append(rec)
            st.counts[scenario] = st.counts.get(scenario, 0) + 1
            count = st.counts[scenario]
            reply = st.reply if st.reply is not None else default_reply(body)
            delay = st.delay_ms / 1000.0
            cw = st.chunk_words
        try:
            self.serve(kind, count, anthropic, body, reply, delay, cw, rec)
            rec["finished"] = True
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            rec["disconnected"] = True
        self.close_connection = True

    def error_body(self, anthropic, etype, msg):
        if anthropic:
            return {"type": "error", "error": {"type": etype, "message": msg}}
        return {"error": {"message": msg, "type": etype, "code": None}}

    def serve(self, kind, count, anthropic, body, reply, delay, cw, rec):
        if kind == "401":
            rec["status"] = 401
            self.send_json(401, self.error_body(anthropic, "authentication_error",
                                                "invalid x-api-key" if anthropic
                                                else "Incorrect API key provided"))
            return
        if kind == "429" or (kind == "429once" and count == 1):
            rec["status"] = 429
            self.send_json(429, self.error_body(anthropic, "rate_limit_error", "Rate limit reached"),
                           extra=[("Retry-After", "0")])
            return
        if kind == "500" or (kind == "500once" and count == 1):
            rec["status"] = 500
            self.send_json(500, self.error_body(anthropic, "api_error", "Internal server error"))
            return
        rec["status"] = 200
        self.start_stream()
        if kind == "hang":
            self.wait(3600)  # headers only; until the client goes away
        pieces = chunks_of(reply, max(1, cw))
        if anthropic:
            self.chunk(sse("message_start", {"type": "message_start", "message": {
                "id": "msg_fake", "type": "message", "role": "assistant", "content": [],
                "model": body.get("model", ""), "stop_reason": None,
                "usage": {"input_tokens": 10, "output_tokens": 1}}}))
            self.chunk(sse("content_block_start", {"type": "content_block_start", "index": 0,
                                                   "content_block": {"type": "text", "text": ""}}))
            self.chunk(sse("ping", {"type": "ping"}))
        for i, p in enumerate(pieces):
            if kind in ("cut", "malformed", "errorevent") and i == 2:
                break
            if anthropic:
                ev = sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                 "delta": {"type": "text_delta", "text": p}})
            else:
                ev = sse(None, {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                                "model": body.get("model", ""),
                                "choices": [{"index": 0, "delta": {"content": p},
                                             "finish_reason": None}]})
            if i % 3 == 1:
                ev = ev.replace("\n", "\r\n")  # providers' line ends vary; the parser copes
            self.chunk(ev)
            if i % 4 == 3:
                self.chunk(": keep-alive\n\n")
            if kind == "slow":
                self.wait(2.0)
            elif delay:
                self.wait(delay)
        if kind == "cut":
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "malformed":
            self.chunk("data: {\"choices\": [{\"delta\": {\"content\": \"x\"\n\n")
            self.chunk(b"0\r\n\r\n")
            return
        if kind == "errorevent":
            self.chunk(sse("error", self.error_body(anthropic, "overloaded_error", "Overloaded")))
            self.chunk(b"0\r\n\r\n")
            return
        if anthropic:
            self.chunk(sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
            self.chunk(sse("message_delta", {"type": "message_delta",
                                             "delta": {"stop_reason": "end_turn"},
                                             "usage": {"output_tokens": len(pieces)}}))
            self.chunk(sse("message_stop", {"type": "message_stop"}))
        else:
            self.chunk(sse(None, {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                                  "choices": [{"index": 0, "delta": {},
                                               "finish_reason": "stop"}]}))
            self.chunk("data: [DONE]\n\n")
        self.chunk(b"")  # the zero-length chunk ends the body


def sse(event, obj):
    head = "event: %s\n" % event if event else ""
    return "%sdata: %s\n\n" % (head, json.dumps(obj))


class FakeLLM:
    """In-process use: with FakeLLM() as f: f.base('ok') ... f.requests()."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = State()
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()

    def base(self, scenario, v1=True):
        return "http://127.0.0.1:%d/s/%s%s" % (self.port, scenario, "/v1" if v1 else "")

    @property
    def state(self):
        return self.httpd.state

    def requests(self):
        with self.state.lock:
            return [dict(r) for r in self.state.requests]

    def control(self, **kw):
        with self.state.lock:
            if "reply" in kw:
                self.state.reply = kw["reply"]
            self.state.delay_ms = kw.get("delay_ms", self.state.delay_ms)
            self.state.chunk_words = kw.get("chunk_words", self.state.chunk_words)

    def reset(self):
        with self.state.lock:
            self.state.requests.clear()
            self.state.counts.clear()
            self.state.reply, self.state.delay_ms, self.state.chunk_words = None, 5, 2


def main():
    f = FakeLLM()
    print("PORT %d" % f.port, flush=True)
    try:
        f.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

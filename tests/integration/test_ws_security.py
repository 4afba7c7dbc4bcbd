#!/usr/bin/env python3
"""The loopback WebSocket admits only the extension that launched the host: the right token
and Origin stream; a wrong token, a wrong Origin, no Origin, a plain web page's Origin, no
token, a foreign Host header and connections before hello are refused or closed; bad frames,
oversized messages and floods close that connection only; it listens on 127.0.0.1 only."""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmhost import ORIGIN, WS, Closed, FakeLLM, Host, Refused, Runner, collect, ticket  # noqa

fake = FakeLLM().__enter__()


def refused(port, origin, host=None):
    try:
        w = WS(port, origin=origin, host=host)
    except (Refused, OSError):
        return True
    w.close()
    return False


def test_right_token_and_origin_stream_and_intruders_do_not():
    fake.reset()
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        port, token = hello["result"]["ws"]["port"], hello["result"]["ws"]["token"]
        assert refused(port, "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh")
        assert refused(port, None)
        assert refused(port, "http://127.0.0.1:%d" % fake.port)  # a plain web page
        assert refused(port, "null")
        assert refused(port, ORIGIN, host="evil.example:%d" % port)  # DNS rebinding
        # wrong token: accepted at the HTTP level, closed at auth
        w = WS(port, origin=ORIGIN)
        w.send_text(json.dumps({"type": "auth", "token": "0" * 64}))
        assert w.expect_closed(3)
        # a message before auth that is not auth
        w = WS(port, origin=ORIGIN)
        w.send_text(json.dumps({"type": "draft.cancel", "draft_id": "x"}))
        assert w.expect_closed(3)
        # the right one streams
        good = WS(port, origin=ORIGIN)
        good.send_text(json.dumps({"type": "auth", "token": token}))
        rid = h.request("draft.request", ticket=ticket("W-1", "Router reboots", "It reboots."),
                        options={"mode": "llm", "stream": True})
        frames = collect(good)
        assert frames[-1]["type"] == "draft.done", frames
        assert h.reply(rid)["ok"]
        good.close()
    finally:
        h.close()


def test_no_token_is_closed_after_the_deadline():
    h = Host(None, provider="offline")
    try:
        hello = h.hello()
        w = WS(hello["result"]["ws"]["port"], origin=ORIGIN)
        t0 = time.time()
        assert w.expect_closed(10)
        assert 3 < time.time() - t0 < 9, time.time() - t0
    finally:
        h.close()


def test_nobody_connects_before_hello_and_hello_must_name_the_caller():
    h = Host(None, provider="offline")
    try:
        # the port is only known from hello; find it by asking with a wrong origin first
        bad = h.hello(origin="chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh")
        assert bad["result"]["ws"] is None and "origin" in bad["result"]["ws_error"], bad
        bad = h.hello(origin="https://example.com")
        assert bad["result"]["ws"] is None
        good = h.hello()
        assert good["result"]["ws"]["port"] > 0
    finally:
        h.close()
    h = Host(None, provider="offline")
    try:
        # another process learns nothing without hello: the listener exists but refuses
        port = listening_port(h.p.pid)
        assert port and refused(port, ORIGIN)
    finally:
        h.close()


def listening_port(pid):
    """The host's listening TCP port from /proc (asserting it is 127.0.0.1, never IPv6)."""
    deadline = time.time() + 5
    while time.time() < deadline:
        inodes = set()
        fd_dir = "/proc/%d/fd" % pid
        for fd in os.listdir(fd_dir):
            try:
                t = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
        for line in open("/proc/net/tcp6").read().splitlines()[1:]:
            parts = line.split()
            assert not (parts[3] == "0A" and parts[9] in inodes), "listening on IPv6"
        for line in open("/proc/net/tcp").read().splitlines()[1:]:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and inode in inodes:
                ip, port = local.split(":")
                assert ip == "0100007F", "listening on %s, not 127.0.0.1" % ip
                return int(port, 16)
        time.sleep(0.05)
    return None


def test_listens_on_loopback_only():
    h = Host(None, provider="offline")
    try:
        hello = h.hello()
        assert listening_port(h.p.pid) == hello["result"]["ws"]["port"]
    finally:
        h.close()


def test_firefox_origin_is_learnt_from_hello():
    moz = "moz-extension://1b2c3d4e-aaaa-bbbb-cccc-123456789abc"
    # Firefox starts the host with its manifest path and the extension id
    h = Host(None, provider="offline",
             caller=["/home/u/.mozilla/native-messaging-hosts/io.precedent.host.json",
                     "precedent@example.org"])
    try:
        hello = h.hello(origin=moz)
        port = hello["result"]["ws"]["port"]
        assert refused(port, ORIGIN)
        w = WS(port, origin=moz)
        w.send_text(json.dumps({"type": "auth", "token": hello["result"]["ws"]["token"]}))
        w.sock.settimeout(0.5)
        try:
            w.recv()
        except socket.timeout:
            pass  # still open: accepted
        w.close()
    finally:
        h.close()


def test_bad_messages_close_only_that_connection():
    fake.reset()
    fake.control(delay_ms=30)
    h = Host(fake, "ok")
    try:
        hello = h.hello()
        good = h.ws(hello)
        bads = []
        for kind in ("big", "flood", "badjson", "binary", "badutf8"):
            b = h.ws(hello)
            if kind == "big":
                b.send_text(json.dumps({"type": "draft.cancel", "draft_id": "x" * 100000}))
            elif kind == "flood":
                try:
                    for _ in range(300):
                        b.send_text(json.dumps({"type": "noop"}))
                except OSError:
                    pass
            elif kind == "badjson":
                b.send_text("{not json")
            elif kind == "binary":
                b.send_frame(0x2, b"\x00\x01\x02")
            else:
                b.send_frame(0x1, b"\xff\xfe")
            bads.append((kind, b))
        for kind, b in bads:
            assert b.expect_closed(5), kind + " was not closed"
        rid = h.request("draft.request", ticket=ticket("W-2", "Router reboots", "It reboots."),
                        options={"mode": "llm", "stream": True})
        frames = collect(good)
        assert frames[-1]["type"] == "draft.done", frames
        assert h.reply(rid)["ok"]
        good.close()
    finally:
        fake.control(delay_ms=5)
        h.close()


def test_plain_http_gets_nothing():
    h = Host(None, provider="offline")
    try:
        port = h.hello()["result"]["ws"]["port"]
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: %s\r\n\r\n" % (port, ORIGIN.encode()))
        data = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
        except (socket.timeout, ConnectionResetError):
            pass
        assert b"token" not in data and b" 200 " not in data[:20], data[:200]
        s.close()
    finally:
        h.close()


if __name__ == "__main__":
    Runner("test_ws_security").run([
        test_right_token_and_origin_stream_and_intruders_do_not,
        test_no_token_is_closed_after_the_deadline,
        test_nobody_connects_before_hello_and_hello_must_name_the_caller,
        test_listens_on_loopback_only,
        test_firefox_origin_is_learnt_from_hello,
        test_bad_messages_close_only_that_connection,
        test_plain_http_gets_nothing,
    ])

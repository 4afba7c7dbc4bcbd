#!/usr/bin/env python3
"""A minimal WebSocket client for tests (RFC 6455, Python stdlib only): the opening handshake
with a chosen Origin and Host, masked client frames, fragmented or oversized messages on demand,
and a reader for text and close frames.

Also a command line for C tests (exit 0 when the expectation holds):
  wsclient.py PORT ORIGIN TOKEN EXPECT [N]
EXPECT: "refused" (handshake fails), "closed" (accepted, then closed after auth),
        "frames" (print N text frames received after auth, one per line, then exit),
        "cancel" (send draft.cancel for draft "d9", then as frames),
        "big", "flood", "badjson", "binary" (send that after auth; the server must close)
"""
import base64
import hashlib
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Refused(Exception):
    pass


class Closed(Exception):
    def __init__(self, code=None, reason=""):
        super().__init__("closed %s %s" % (code, reason))
        self.code, self.reason = code, reason


class WS:
    def __init__(self, port, origin=None, host=None, timeout=5.0, path="/"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s" % (host or "127.0.0.1:%d" % port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: %s" % key, "Sec-WebSocket-Version: 13"]
        if origin is not None:
            lines.append("Origin: %s" % origin)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            head = self._read_until(b"\r\n\r\n")
        except (Closed, OSError) as e:
            raise Refused(str(e))
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise Refused(status.decode("latin-1"))
        want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
        if want not in head:
            raise Refused("bad Sec-WebSocket-Accept")

    def _read_until(self, marker):
        while marker not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise Closed(None, "eof")
            self.buf += d
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _read_n(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise Closed(None, "eof")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload, fin=True, mask=True):
        if isinstance(payload, str):
            payload = payload.encode()
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = struct.pack("!BB", b0, mbit | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, mbit | 126, n)
        else:
            head = struct.pack("!BBQ", b0, mbit | 127, n)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def send_text(self, text):
        self.send_frame(0x1, text)

    def recv(self):
        """The next text message (str); raises Closed on a close frame or EOF."""
        while True:
            b0, b1 = self._read_n(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read_n(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read_n(8))[0]
            if b1 & 0x80:
                key = self._read_n(4)
                data = bytes(b ^ key[i % 4] for i, b in enumerate(self._read_n(n)))
            else:
                data = self._read_n(n)
            op = b0 & 0x0F
            if op == 0x8:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                raise Closed(code, data[2:].decode("utf-8", "replace"))
            if op == 0x9:
                self.send_frame(0xA, data)
                continue
            if op == 0x1:
                return data.decode("utf-8")

    def expect_closed(self, timeout=5.0):
        """True if the server closes the connection (close frame or EOF) within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                self.recv()
        except Closed:
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def main(argv):
    port, origin, token, expect = int(argv[1]), argv[2], argv[3], argv[4]
    n = int(argv[5]) if len(argv) > 5 else 1
    try:
        ws = WS(port, origin=None if origin == "-" else origin)
    except Refused:
        return 0 if expect == "refused" else 1
    if expect == "refused":
        return 1
    import json
    if token != "-":
        ws.send_text(json.dumps({"type": "auth", "token": token}))
    if expect == "closed":
        return 0 if ws.expect_closed(timeout=8.0) else 1
    if expect == "big":
        ws.send_text(json.dumps({"type": "draft.cancel", "draft_id": "x" * 100000}))
        return 0 if ws.expect_closed() else 1
    if expect == "flood":
        try:
            for _ in range(500):
                ws.send_text(json.dumps({"type": "ping"}))
        except OSError:
            return 0
        return 0 if ws.expect_closed() else 1
    if expect == "badjson":
        ws.send_text("{not json")
        return 0 if ws.expect_closed() else 1
    if expect == "binary":
        ws.send_frame(0x2, b"\x00\x01")
        return 0 if ws.expect_closed() else 1
    if expect == "cancel":
        ws.send_text(json.dumps({"type": "draft.cancel", "draft_id": "d9"}))
    for _ in range(n):
        print(ws.recv(), flush=True)
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

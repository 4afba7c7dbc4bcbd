"""Helpers for integration tests: run the real precedent-host binary (CLI and
native messaging over pipes) against a temporary database and data home."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HOST = os.environ.get("PRECEDENT_HOST") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "precedent-host"))
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
ORIGIN = "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh"


class Env:
    """A temporary HOME/XDG tree and database; removed by close()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="precedent-it-")
        self.db = os.path.join(self.dir, "data", "p.db")
        self.events = os.path.join(self.dir, "data", "events.jsonl")
        self.env = dict(os.environ)
        self.env.update({
            "HOME": self.dir,
            "XDG_DATA_HOME": os.path.join(self.dir, "xdg-data"),
            "XDG_CONFIG_HOME": os.path.join(self.dir, "xdg-config"),
            "PRECEDENT_DB": self.db,
            "PRECEDENT_EVENTS": self.events,
        })
        for k in ("PRECEDENT_LLM_PROVIDER", "PRECEDENT_LLM_BASE_URL", "PRECEDENT_LLM_MODEL",
                  "PRECEDENT_LLM_API_KEY", "PRECEDENT_CONFIG"):
            self.env.pop(k, None)

    def cli(self, *args, stdin=None, check=None, timeout=120):
        r = subprocess.run([HOST, *args], input=stdin, capture_output=True, env=self.env,
                           timeout=timeout)
        if check is not None and r.returncode != check:
            raise AssertionError(f"precedent-host {' '.join(args)} exited {r.returncode}, "
                                 f"expected {check}\nstdout: {r.stdout[-2000:]!r}\n"
                                 f"stderr: {r.stderr[-2000:]!r}")
        return r

    def index_mini(self):
        self.cli("index", "tickets", os.path.join(FIXTURES, "mini", "tickets.jsonl"), check=0)
        self.cli("index", "docs", os.path.join(FIXTURES, "mini", "docs"), check=0)

    def native(self, caller=ORIGIN + "/"):
        return Native(self, caller)

    def events_lines(self):
        if not os.path.exists(self.events):
            return []
        with open(self.events) as f:
            return [json.loads(l) for l in f if l.strip()]

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Native:
    """A native messaging session with the real binary, as a browser runs it."""

    def __init__(self, env, caller):
        self.p = subprocess.Popen([HOST, caller], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env.env)
        self.next_id = 1

    def send_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send_frame(self, body):
        self.send_raw(struct.pack("=I", len(body)) + body)

    def recv(self):
        hdr = self._read(4)
        if hdr is None:
            return None
        (n,) = struct.unpack("=I", hdr)
        body = self._read(n)
        assert body is not None and len(body) == n, "short frame from host"
        return json.loads(body.decode("utf-8"))

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.p.stdout.read(n - len(out))
            if not chunk:
                return None if not out else out
            out += chunk
        return out

    def request(self, type_, **fields):
        msg = {"id": self.next_id, "type": type_, **fields}
        self.next_id += 1
        self.send_frame(json.dumps(msg).encode())
        r = self.recv()
        assert r is not None, f"no reply to {type_}"
        assert r.get("id") == msg["id"], f"reply id {r.get('id')} != {msg['id']}"
        return r

    def close(self, timeout=5):
        if self.p.stdin and not self.p.stdin.closed:
            self.p.stdin.close()
        rc = self.p.wait(timeout=timeout)
        rest = self.p.stdout.read()
        err = self.p.stderr.read().decode(errors="replace")
        return rc, rest, err


def load_fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def run_tests(tests):
    failed = 0
    for t in tests:
        try:
            t()
            print(f"ok   {t.__name__}")
        except Exception as e:  # report every failure, then exit non-zero
            failed += 1
            import traceback
            traceback.print_exc()
            print(f"FAIL {t.__name__}: {e}")
    sys.exit(1 if failed else 0)

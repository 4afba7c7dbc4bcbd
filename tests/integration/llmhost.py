"""Shared harness for the LLM and WebSocket integration tests (Python stdlib only).

Starts the fake provider (tests/fake_llm/server.py) in-process, indexes a small corpus into a
temporary database, runs the real host in native messaging mode with the caller origin in argv
and the provider pointed at the fake server, speaks native messaging frames to it, and connects
WebSocket clients (tests/integration/wsclient.py) with a chosen Origin.
"""
import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "fake_llm"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from server import FakeLLM  # noqa: E402
from wsclient import WS, Closed, Refused  # noqa: E402

HOST = os.path.realpath(os.environ.get("PRECEDENT_HOST", os.path.join(ROOT, "build", "precedent-host")))
EXT_ID = "bobbbohfagmeilponeeemcldbikfkjkh"
ORIGIN = "chrome-extension://%s" % EXT_ID
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Segmentation fault")

TICKETS = [
    {"id": "T-100", "subject": "Router reboots every hour after firmware update",
     "status": "solved", "created_at": "2026-01-10T10:00:00Z", "closed_at": "2026-01-12T10:00:00Z",
     "messages": [{"role": "customer", "body": "Since firmware 4.1 the router reboots every hour."},
                  {"role": "agent", "body": "Please install the firmware 4.1 hotfix and disable auto update."}],
     "resolution": "Installed the firmware 4.1 hotfix and disabled automatic updates; reboots stopped."},
    {"id": "T-200", "subject": "Invoice shows the wrong VAT rate",
     "status": "solved", "created_at": "2026-02-01T10:00:00Z", "closed_at": "2026-02-03T10:00:00Z",
     "messages": [{"role": "customer", "body": "My invoice has 19% VAT but I am in Austria."}],
     "resolution": "Updated the billing country to Austria and reissued the invoice."},
]
DOC = """# Router guide

## Factory reset

Hold the reset button for ten seconds until the status light blinks amber.

## Firmware rollback

Open Settings, Firmware, choose the previous version and confirm.
"""


def ticket(tid, subject, body, **kw):
    t = {"id": tid, "subject": subject, "messages": [{"role": "customer", "body": body}]}
    t.update(kw)
    return t


class Host:
    """One host process with its own home, database and fake provider settings."""

    def __init__(self, fake, scenario="ok", provider="openai", extra_config=None, caller=None,
                 env_extra=None, customers_csv=None):
        self.home = tempfile.mkdtemp(prefix="precedent-llm-")
        self.db = os.path.join(self.home, "p.db")
        cfgdir = os.path.join(self.home, "config", "precedent")
        os.makedirs(cfgdir)
        cfg = {"llm": {"idle_timeout_ms": 3000, "backoff_ms": 20, "max_retries": 2}}
        for k, v in (extra_config or {}).items():
            node = cfg
            parts = k.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = v
        with open(os.path.join(cfgdir, "config.json"), "w") as f:
            json.dump(cfg, f)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("XDG_") and not k.startswith("PRECEDENT_")}
        self.env.update({"HOME": self.home, "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
                         "XDG_DATA_HOME": os.path.join(self.home, "data"),
                         "PRECEDENT_DB": self.db, "PRECEDENT_LLM_PROVIDER": provider,
                         "PRECEDENT_LLM_BASE_URL": fake.base(scenario) if fake else "",
                         "PRECEDENT_LLM_MODEL": "fake-model",
                         "PRECEDENT_LLM_API_KEY": "sk-fake-key"})
        self.env.update(env_extra or {})
        self.index(customers_csv)
        argv = caller if isinstance(caller, list) else [caller or (ORIGIN + "/")]
        self.p = subprocess.Popen([HOST] + argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        self.replies = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._err_reader, daemon=True).start()
        self.n = 0

    def index(self, customers_csv):
        tj = os.path.join(self.home, "tickets.jsonl")
        with open(tj, "w") as f:
            for t in TICKETS:
                f.write(json.dumps(t) + "\n")
        docs = os.path.join(self.home, "docs")
        os.makedirs(docs)
        with open(os.path.join(docs, "router.md"), "w") as f:
            f.write(DOC)
        for args in (["index", "tickets", tj], ["index", "docs", docs]):
            r = subprocess.run([HOST, "--db", self.db] + args, env=self.env, capture_output=True,
                               text=True, timeout=120)
            assert r.returncode == 0, r.stderr
        if customers_csv:
            cp = os.path.join(self.home, "customers.csv")
            with open(cp, "w") as f:
                f.write(customers_csv)
            r = subprocess.run([HOST, "--db", self.db, "index", "customers", cp], env=self.env,
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr

    def _reader(self):
        out = self.p.stdout
        while True:
            h = out.read(4)
            if len(h) < 4:
                self.replies.put(None)
                return
            n = struct.unpack("=I", h)[0]
            self.replies.put(json.loads(out.read(n)))

    def _err_reader(self):
        for line in self.p.stderr:
            self.stderr += line

    def send(self, msg):
        b = json.dumps(msg).encode()
        self.p.stdin.write(struct.pack("=I", len(b)) + b)
        self.p.stdin.flush()

    def request(self, typ, **fields):
        self.n += 1
        msg = {"id": self.n, "type": typ}
        msg.update(fields)
        self.send(msg)
        return self.n

    def reply(self, rid, timeout=20):
        """The reply with id rid (other replies are kept for later)."""
        deadline = time.time() + timeout
        kept = []
        try:
            while True:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no reply to %s within %s s" % (rid, timeout))
                r = self.replies.get(timeout=left)
                if r is None:
                    raise AssertionError("host exited: %s" % self.stderr.decode()[-2000:])
                if r.get("id") == rid:
                    return r
                kept.append(r)
        finally:
            for k in kept:
                self.replies.put(k)

    def hello(self, origin=ORIGIN):
        rid = self.request("hello", client="test", origin=origin)
        return self.reply(rid)

    def ws(self, hello=None, origin=ORIGIN, token=None):
        hello = hello or self.hello()
        w = hello["result"]["ws"]
        c = WS(w["port"], origin=origin)
        c.send_text(json.dumps({"type": "auth", "token": token or w["token"]}))
        return c

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        t0 = time.time()
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -9
        self.exit_time = time.time() - t0
        time.sleep(0.05)
        err = self.stderr.decode("utf-8", "replace")
        shutil.rmtree(self.home, ignore_errors=True)
        bad = [s for s in SANITIZER if s in err]
        assert not bad, "sanitizer report in host stderr:\n" + err[-4000:]
        return rc


def collect(ws, draft_id=None, until=("draft.done", "draft.error"), timeout=20):
    """Frames from ws until one of `until` types for draft_id; returns the list of frames."""
    ws.sock.settimeout(timeout)
    frames = []
    while True:
        f = json.loads(ws.recv())
        frames.append(f)
        if f.get("type") in until and (draft_id is None or f.get("draft_id") == draft_id):
            return frames


class Runner:
    def __init__(self, name):
        self.name = name
        self.failures = []

    def run(self, fns):
        for fn in fns:
            t0 = time.time()
            print("--", fn.__name__, flush=True)
            try:
                fn()
            except Exception as e:  # a failed assertion or a crash: report and go on
                import traceback
                traceback.print_exc()
                self.failures.append("%s: %s" % (fn.__name__, e))
            print("   (%.1f s)" % (time.time() - t0), flush=True)
        if self.failures:
            print("%s: %d failure(s)" % (self.name, len(self.failures)))
            for f in self.failures:
                print("  FAIL:", f[:500])
            sys.exit(1)
        print("%s: passed" % self.name)

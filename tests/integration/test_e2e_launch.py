#!/usr/bin/env python3
"""Debian's Chromium starts precedent-host through the manifest that `install` wrote.

A temporary HOME gets `precedent-host install --browser chromium`; Chromium then runs headless
with --user-data-dir=$HOME/.config/chromium (so it reads the per-user manifest exactly where an
agent's Chromium would) and a tiny probe extension carrying the fixed key (so its id is the one
the manifest allows). The probe calls connectNative("io.precedent.host"), sends `hello` and
reports what came back to a loopback HTTP server run by this test.

Passes when the host answered `hello` with ok. Fails when Chromium says the host is not found
or forbidden (the manifest's location, name, path or origin is wrong) or that it exited. Then
uninstall, and the same profile must no longer find the host. Skips (exit 0) without Chromium.
"""
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = os.path.realpath(os.environ.get("PRECEDENT_HOST", os.path.join(ROOT, "build", "precedent-host")))
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
EXT_ID = open(os.path.join(ROOT, "manifests", "extension-id.txt")).read().strip()
KEY = open(os.path.join(ROOT, "manifests", "extension-key.txt")).read().strip()
TIMEOUT = 60

reports = queue.Queue()


class Report(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            reports.put(json.loads(body))
        except ValueError:
            reports.put({"bad": body.decode("utf-8", "replace")})
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def log_message(self, *a):
        pass


PROBE_JS = r"""
const REPORT = "http://127.0.0.1:%d/report";
function report(obj) {
  fetch(REPORT, {method: "POST", body: JSON.stringify(obj)}).catch(() => {});
}
let port;
try {
  port = chrome.runtime.connectNative("io.precedent.host");
  port.onMessage.addListener((m) => report({message: m}));
  port.onDisconnect.addListener(() => {
    const e = chrome.runtime.lastError;
    report({disconnect: e ? e.message : null});
  });
  port.postMessage({id: 1, type: "hello", client: "e2e-probe",
                    origin: "chrome-extension://" + chrome.runtime.id});
  report({started: chrome.runtime.id});
} catch (e) {
  report({exception: String(e)});
}
"""


def launch(env, udd, ext, home):
    """Runs Chromium until the probe reports an outcome; returns (reports, seconds, log)."""
    while not reports.empty():
        reports.get_nowait()
    args = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + udd,
            "--disable-features=DisableLoadExtensionCommandLineSwitch",
            "--load-extension=" + ext, "--disable-extensions-except=" + ext, "about:blank"]
    logpath = os.path.join(home, "chromium.log")
    log = open(logpath, "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    got = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                r = reports.get(timeout=1)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            got.append(r)
            if "message" in r or "disconnect" in r or "exception" in r:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return got, time.monotonic() - t0, open(logpath, errors="replace").read()


def main():
    if not os.path.exists(CHROMIUM):
        print("test_e2e_launch: no Chromium at %s; skipped" % CHROMIUM)
        return 0
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Report)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    failures = []
    with tempfile.TemporaryDirectory(prefix="precedent-e2e-") as home:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("XDG_") and not k.startswith("PRECEDENT_")}
        env["HOME"] = home
        # The host is an ASan build in `make check`: keep its leak report from failing the
        # exit status Chromium sees, and its logs out of the way.
        env["ASAN_OPTIONS"] = "detect_leaks=0"
        env["PRECEDENT_DB"] = os.path.join(home, "e2e.db")
        p = subprocess.run([HOST, "install", "--browser", "chromium"], env=env,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL: install: %s" % p.stderr)
            return 1
        udd = os.path.join(home, ".config", "chromium")
        manifest = os.path.join(udd, "NativeMessagingHosts", "io.precedent.host.json")
        if not os.path.isfile(manifest):
            print("FAIL: no manifest at %s" % manifest)
            return 1

        ext = os.path.join(home, "probe")
        os.makedirs(ext)
        json.dump({"manifest_version": 3, "name": "precedent e2e probe", "version": "1.0",
                   "key": KEY, "permissions": ["nativeMessaging"],
                   "host_permissions": ["http://127.0.0.1/*"],
                   "background": {"service_worker": "sw.js"}},
                  open(os.path.join(ext, "manifest.json"), "w"))
        open(os.path.join(ext, "sw.js"), "w").write(PROBE_JS % srv.server_address[1])

        got, took, log = launch(env, udd, ext, home)
        started = [r["started"] for r in got if "started" in r]
        if started and started[0] != EXT_ID:
            failures.append("probe id %s is not the fixed id %s" % (started[0], EXT_ID))
        msgs = [r["message"] for r in got if "message" in r]
        disc = [r["disconnect"] for r in got if "disconnect" in r]
        if msgs:
            m = msgs[0]
            if m.get("id") != 1 or "ok" not in m:
                failures.append("the reply is not an envelope for id 1: %r" % m)
            elif m.get("ok") is not True:
                failures.append("hello failed: %r" % m)
            else:
                print("  Chromium launched the host; hello answered in %.1f s: %s" %
                      (took, json.dumps(m.get("result"))[:200]))
        elif disc:
            failures.append("Chromium could not start the host: %s" % disc[0])
        else:
            failures.append("no report from the probe extension within %d s: %r\n%s" %
                            (TIMEOUT, got, log[-3000:]))

        # After uninstall the same profile must no longer find the host: this also shows
        # that the check above tells a registered host from a missing one.
        p = subprocess.run([HOST, "uninstall"], env=env, capture_output=True, text=True)
        if p.returncode != 0:
            failures.append("uninstall: %s" % p.stderr)
        got, took, log = launch(env, udd, ext, home)
        disc = [r["disconnect"] for r in got if "disconnect" in r]
        if not disc or "not found" not in disc[0]:
            failures.append("after uninstall Chromium should not find the host: %r" % got)
        else:
            print("  after uninstall: %s" % disc[0])
    srv.shutdown()
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("test_e2e_launch: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

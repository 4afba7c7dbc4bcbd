#!/usr/bin/env python3
"""install / uninstall / doctor on the real binary, each case in a fresh temporary HOME.

Every manifest written is parsed and compared with the templates in manifests/; uninstall must
leave the home exactly as it was before install; doctor must name each problem and exit 1.
"""
import base64
import hashlib
import http.server
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = os.path.realpath(os.environ.get("PRECEDENT_HOST", os.path.join(ROOT, "build", "precedent-host")))
EXT_ID = open(os.path.join(ROOT, "manifests", "extension-id.txt")).read().strip()
FIREFOX_ID = "precedent@precedent.io"
NAME = "io.precedent.host.json"

LINUX_DIRS = {
    "chrome": ".config/google-chrome/NativeMessagingHosts",
    "chromium": ".config/chromium/NativeMessagingHosts",
    "edge": ".config/microsoft-edge/NativeMessagingHosts",
    "brave": ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
    "firefox": ".mozilla/native-messaging-hosts",
}
MAC = "Library/Application Support/"
MAC_DIRS = {
    "chrome": MAC + "Google/Chrome/NativeMessagingHosts",
    "chromium": MAC + "Chromium/NativeMessagingHosts",
    "edge": MAC + "Microsoft Edge/NativeMessagingHosts",
    "brave": MAC + "BraveSoftware/Brave-Browser/NativeMessagingHosts",
    "firefox": MAC + "Mozilla/NativeMessagingHosts",
}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  FAIL:", what)


def env_for(home, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and not k.startswith("PRECEDENT_") or k == "PRECEDENT_HOST"}
    env["HOME"] = home
    env.update(extra)
    return env


def run(home, *args, env=None, timeout=30):
    p = subprocess.run([HOST, *args], env=env or env_for(home), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def tree(root):
    """Every path under root (relative), with type, for before/after comparison."""
    out = set()
    for d, dirs, files in os.walk(root):
        for n in dirs:
            out.add(("d", os.path.relpath(os.path.join(d, n), root)))
        for n in files:
            out.add(("f", os.path.relpath(os.path.join(d, n), root)))
    return out


def template(browser):
    name = "firefox.json.in" if browser == "firefox" else "chromium.json.in"
    t = open(os.path.join(ROOT, "manifests", name)).read()
    t = t.replace("@HOST_PATH@", HOST).replace("@EXTENSION_ID@", EXT_ID)
    return json.loads(t.replace("@FIREFOX_ID@", FIREFOX_ID))


def receipt_path(home, data_home=None):
    return os.path.join(data_home or os.path.join(home, ".local", "share"), "precedent",
                        "install-receipt.json")


def doctor(home, *args, env=None):
    rc, out, err = run(home, "doctor", "--json", *args, env=env)
    try:
        return rc, json.loads(out), err
    except ValueError:
        failures.append("doctor --json prints JSON: %r %r" % (out, err))
        return rc, {"checks": []}, err


def status(report, name):
    for c in report["checks"]:
        if c["check"] == name:
            return c["status"]
    return None


def case(fn):
    print("--", fn.__name__)
    with tempfile.TemporaryDirectory(prefix="precedent-install-") as home:
        try:
            fn(home)
        except Exception as e:  # a crash in one case is a failure, the others still run
            failures.append("%s: %r" % (fn.__name__, e))
            print("  FAIL:", fn.__name__, repr(e))
    return fn


@case
def test_install_without_browsers_writes_every_manifest_and_uninstall_leaves_nothing(home):
    before = tree(home)
    rc, out, err = run(home, "install")
    check(rc == 0, "install exits 0 (%d: %s)" % (rc, err))
    written = []
    for browser, rel in LINUX_DIRS.items():
        path = os.path.join(home, rel, NAME)
        check(os.path.isfile(path), "%s manifest at %s" % (browser, path))
        if not os.path.isfile(path):
            continue
        written.append(path)
        m = json.load(open(path))
        check(m == template(browser), "%s manifest equals the template: %r" % (browser, m))
        check(os.path.isabs(m["path"]) and os.access(m["path"], os.X_OK), "path absolute, executable")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o644, "%s manifest mode 0644 (got %o)" % (browser, mode))
    leftovers = [p for _, p in tree(home) if ".tmp-" in p]
    check(not leftovers, "no temporary files left: %r" % leftovers)
    r = json.load(open(receipt_path(home)))
    check(sorted(f["path"] for f in r["files"]) == sorted(written), "receipt lists exactly the files")
    check(all(f["host_path"] == HOST for f in r["files"]), "receipt records the host path")
    check(stat.S_IMODE(os.stat(receipt_path(home)).st_mode) == 0o600, "receipt is private")
    rc, out, err = run(home, "uninstall")
    check(rc == 0, "uninstall exits 0 (%d: %s)" % (rc, err))
    check(tree(home) == before, "uninstall leaves nothing behind: %r" % (tree(home) ^ before))


@case
def test_default_registers_only_browsers_that_exist_and_keeps_their_dirs(home):
    os.makedirs(os.path.join(home, ".config", "chromium", "Default"))
    os.makedirs(os.path.join(home, ".mozilla", "firefox"))
    before = tree(home)
    rc, out, err = run(home, "install")
    check(rc == 0, "install exits 0")
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["chromium"], NAME)), "chromium registered")
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["firefox"], NAME)), "firefox registered")
    check(not os.path.exists(os.path.join(home, ".config", "google-chrome")), "chrome untouched")
    check(not os.path.exists(os.path.join(home, ".config", "microsoft-edge")), "edge untouched")
    rc, out, err = run(home, "uninstall")
    check(rc == 0, "uninstall exits 0")
    check(tree(home) == before, "browser dirs kept, ours removed: %r" % (tree(home) ^ before))


@case
def test_browser_option_lists_and_all(home):
    rc, out, err = run(home, "install", "--browser", "firefox,edge")
    check(rc == 0, "install --browser firefox,edge exits 0")
    present = {b for b, rel in LINUX_DIRS.items() if os.path.exists(os.path.join(home, rel, NAME))}
    check(present == {"firefox", "edge"}, "only firefox and edge: %r" % present)
    rc, out, err = run(home, "install", "--browser=all")
    present = {b for b, rel in LINUX_DIRS.items() if os.path.exists(os.path.join(home, rel, NAME))}
    check(rc == 0 and present == set(LINUX_DIRS), "--browser=all registers all: %r" % present)
    r = json.load(open(receipt_path(home)))
    check(len(r["files"]) == 5, "reinstall does not duplicate receipt entries (%d)" % len(r["files"]))
    rc, out, err = run(home, "install", "--browser", "netscape")
    check(rc == 2 and "netscape" in err, "unknown browser is a usage error naming it")
    rc, out, err = run(home, "install", "--bogus")
    check(rc == 2 and "--bogus" in err, "unknown option is a usage error")
    rc, out, err = run(home, "uninstall")
    check(rc == 0 and tree(home) == set(), "everything removed: %r" % tree(home))


@case
def test_uninstall_of_one_browser_keeps_the_others(home):
    run(home, "install", "--browser", "all")
    rc, out, err = run(home, "uninstall", "--browser", "chrome")
    check(rc == 0, "uninstall --browser chrome exits 0")
    check(not os.path.exists(os.path.join(home, LINUX_DIRS["chrome"], NAME)), "chrome's removed")
    check(os.path.exists(os.path.join(home, LINUX_DIRS["brave"], NAME)), "brave's kept")
    r = json.load(open(receipt_path(home)))
    check(sorted(f["browser"] for f in r["files"]) == ["brave", "chromium", "edge", "firefox"],
          "receipt keeps the other four")
    run(home, "uninstall")
    check(tree(home) == set(), "then nothing left: %r" % tree(home))


@case
def test_xdg_dirs_are_honoured(home):
    cfg = os.path.join(home, "cfg")
    data = os.path.join(home, "data")
    env = env_for(home, XDG_CONFIG_HOME=cfg, XDG_DATA_HOME=data)
    rc, out, err = run(home, "install", "--browser", "chromium,brave,firefox", env=env)
    check(rc == 0, "install exits 0")
    check(os.path.isfile(os.path.join(cfg, "chromium", "NativeMessagingHosts", NAME)),
          "chromium under XDG_CONFIG_HOME")
    check(os.path.isfile(os.path.join(cfg, "BraveSoftware/Brave-Browser/NativeMessagingHosts", NAME)),
          "brave under XDG_CONFIG_HOME")
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["firefox"], NAME)), "firefox stays in ~/.mozilla")
    check(os.path.isfile(receipt_path(home, data)), "receipt under XDG_DATA_HOME")
    env_rel = env_for(home, XDG_CONFIG_HOME="relative/ignored")
    rc, out, err = run(home, "install", "--browser", "chrome", env=env_rel)
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["chrome"], NAME)),
          "a relative XDG_CONFIG_HOME is ignored (XDG rule)")
    run(home, "uninstall", env=env_rel)
    run(home, "uninstall", env=env)
    check(tree(home) == set(), "both receipts undone: %r" % tree(home))


@case
def test_macos_layout(home):
    rc, out, err = run(home, "install", "--os", "macos", "--browser", "all")
    check(rc == 0, "install --os macos exits 0")
    for browser, rel in MAC_DIRS.items():
        path = os.path.join(home, rel, NAME)
        check(os.path.isfile(path) and json.load(open(path)) == template(browser),
              "macOS %s manifest at %s" % (browser, rel))
    run(home, "uninstall")
    check(tree(home) == set(), "nothing left")


@case
def test_dry_run_writes_nothing(home):
    rc, out, err = run(home, "install", "--dry-run", "--browser", "all")
    check(rc == 0, "dry run exits 0")
    check(tree(home) == set(), "dry run writes nothing")
    check(out.count("would write") == 6, "dry run names 5 manifests and the receipt")
    check(EXT_ID in out and FIREFOX_ID in out, "dry run shows the contents")


@case
def test_custom_ids_and_bad_ids(home):
    other = "a" * 32
    rc, out, err = run(home, "install", "--browser", "chrome,firefox", "--extension-id", other,
                       "--firefox-id", "{12345678-1234-1234-1234-123456789abc}")
    check(rc == 0, "custom ids accepted")
    m = json.load(open(os.path.join(home, LINUX_DIRS["chrome"], NAME)))
    check(m["allowed_origins"] == ["chrome-extension://%s/" % other], "custom extension id")
    f = json.load(open(os.path.join(home, LINUX_DIRS["firefox"], NAME)))
    check(f["allowed_extensions"] == ["{12345678-1234-1234-1234-123456789abc}"], "custom firefox id")
    run(home, "uninstall")
    rc, out, err = run(home, "install", "--browser", "edge", "--extension-id", EXT_ID,
                       "--extension-id", other)
    m = json.load(open(os.path.join(home, LINUX_DIRS["edge"], NAME)))
    check(rc == 0 and m["allowed_origins"] == ["chrome-extension://%s/" % EXT_ID,
                                               "chrome-extension://%s/" % other],
          "--extension-id twice allows both (a store id beside the fixed one): %r" % m)
    rc, rep, err = doctor(home, "--browser", "edge", "--extension-id", EXT_ID, "--extension-id", other)
    check(status(rep, "edge") == "ok", "doctor checks every id asked for")
    rc, rep, err = doctor(home, "--browser", "edge", "--extension-id", "b" * 32)
    check(status(rep, "edge") == "fail", "and fails on an id not allowed")
    run(home, "uninstall")
    rc, out, err = run(home, "install", *sum([["--extension-id", "a" * 32]] * 9, []))
    check(rc == 1, "more than 8 ids refused")
    for bad in ["abc", "A" * 32, "q" * 32, 'a"' + "a" * 30]:
        rc, out, err = run(home, "install", "--extension-id", bad)
        check(rc == 1 and "extension id" in err, "bad extension id %r refused" % bad)
    for bad in ["nobody", "@x", "a@b@c", 'x"@y', "{1234}"]:
        rc, out, err = run(home, "install", "--firefox-id", bad)
        check(rc == 1 and "Firefox" in err, "bad firefox id %r refused" % bad)
    check(tree(home) == set(), "refused installs write nothing")


@case
def test_uninstall_leaves_a_manifest_that_no_longer_points_to_us(home):
    run(home, "install", "--browser", "chrome,chromium")
    changed = os.path.join(home, LINUX_DIRS["chrome"], NAME)
    m = json.load(open(changed))
    m["path"] = "/opt/other/precedent-host"
    json.dump(m, open(changed, "w"))
    rc, out, err = run(home, "uninstall")
    check(rc == 1, "uninstall reports the kept file with exit 1")
    check("left in place" in err and changed in err, "the message names the file")
    check(os.path.isfile(changed), "someone else's manifest is kept")
    check(not os.path.exists(os.path.join(home, LINUX_DIRS["chromium"], NAME)), "ours is removed")
    check(not os.path.exists(receipt_path(home)), "receipt removed")
    rc, out, err = run(home, "uninstall")
    check(rc == 0 and "nothing to uninstall" in out, "second uninstall: nothing to do")


@case
def test_one_browser_failing_still_registers_the_others(home):
    blocked = os.path.join(home, LINUX_DIRS["chromium"], NAME)
    os.makedirs(blocked)  # a directory where the manifest should go
    before = tree(home)
    rc, out, err = run(home, "install", "--browser", "chrome,chromium,firefox")
    check(rc == 1, "a failed browser makes install exit 1 (%d)" % rc)
    check(blocked in err, "the message names the file: %s" % err)
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["chrome"], NAME)), "chrome still registered")
    check(os.path.isfile(os.path.join(home, LINUX_DIRS["firefox"], NAME)), "firefox still registered")
    check(not [p for _, p in tree(home) if ".tmp-" in p], "no temporary file left")
    rc, out, err = run(home, "uninstall")
    check(rc == 0 and tree(home) == before, "uninstall restores the home: %r" % (tree(home) ^ before))


@case
def test_corrupt_receipt_is_a_clear_error(home):
    os.makedirs(os.path.dirname(receipt_path(home)))
    open(receipt_path(home), "w").write("{not json")
    rc, out, err = run(home, "uninstall")
    check(rc == 1 and "receipt" in err and "AddressSanitizer" not in err,
          "corrupt receipt: exit 1 with a message (%d %s)" % (rc, err))


@case
def test_read_only_home_is_a_clear_error(home):
    open(os.path.join(home, ".config"), "w").write("a file where a directory should be")
    rc, out, err = run(home, "install", "--browser", "chrome")
    check(rc == 1 and "cannot create directory" in err and ".config" in err,
          "a file in the way: exit 1 naming it (%d %s)" % (rc, err))
    os.unlink(os.path.join(home, ".config"))
    if os.geteuid() == 0:
        print("  (root ignores permissions; read-only part skipped)")
        return
    os.chmod(home, 0o500)
    try:
        rc, out, err = run(home, "install", "--browser", "chrome")
        check(rc == 1 and "cannot create directory" in err, "read-only home: exit 1 (%d %s)" % (rc, err))
    finally:
        os.chmod(home, 0o700)


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


@case
def test_doctor_passes_after_install_and_names_each_problem(home):
    rc, rep, err = doctor(home)
    check(rc == 1 and status(rep, "browsers") == "fail", "nothing registered: doctor fails")
    run(home, "install", "--browser", "chrome,firefox")
    rc, rep, err = doctor(home)
    check(rc == 0 and rep["ok"] is True, "after install doctor is ok (%d %r)" % (rc, rep))
    check(status(rep, "chrome") == "ok" and status(rep, "firefox") == "ok", "both registered")
    check(status(rep, "edge") == "skip", "absent browsers are skipped")
    check(status(rep, "binary") == "ok", "binary ok")
    check(status(rep, "websocket") == "ok", "the libwebsockets libuv plugin is found")
    rc, out, err = run(home, "doctor")
    check(rc == 0 and "[ok]   chrome" in out and "all good" in out, "text report")

    chrome = os.path.join(home, LINUX_DIRS["chrome"], NAME)
    good = open(chrome).read()
    open(chrome, "w").write("{broken")
    rc, rep, err = doctor(home)
    fix = [c.get("fix") for c in rep["checks"] if c["check"] == "chrome"]
    check(rc == 1 and status(rep, "chrome") == "fail", "broken manifest fails")
    check(fix and "install --browser chrome" in fix[0], "and says how to fix it")

    m = json.loads(good)
    m["path"] = os.path.join(home, "missing-binary")
    open(chrome, "w").write(json.dumps(m))
    rc, rep, err = doctor(home)
    msg = [c["message"] for c in rep["checks"] if c["check"] == "chrome"][0]
    check(rc == 1 and "missing" in msg, "manifest to a missing binary fails: %s" % msg)

    m = json.loads(good)
    m["allowed_origins"] = ["chrome-extension://%s/" % ("b" * 32)]
    open(chrome, "w").write(json.dumps(m))
    rc, rep, err = doctor(home)
    check(rc == 1 and status(rep, "chrome") == "fail", "wrong origin fails")
    rc, rep, err = doctor(home, "--extension-id", "b" * 32, "--browser", "chrome")
    check(rc == 0 and status(rep, "chrome") == "ok", "unless that id is the one asked for")
    open(chrome, "w").write(good)
    run(home, "uninstall")


@case
def test_doctor_config_and_database(home):
    run(home, "install", "--browser", "chromium")
    cfgdir = os.path.join(home, ".config", "precedent")
    os.makedirs(cfgdir)
    open(os.path.join(cfgdir, "config.json"), "w").write('{\n  "llm": {\n    "provider": oops\n}\n')
    rc, rep, err = doctor(home)
    msg = [c["message"] for c in rep["checks"] if c["check"] == "config"][0]
    check(rc == 1 and status(rep, "config") == "fail", "bad config fails")
    check("line 3" in msg, "and names the line: %s" % msg)
    open(os.path.join(cfgdir, "config.json"), "w").write('{"llm": {"provider": "offline"}}')
    rc, rep, err = doctor(home)
    check(status(rep, "config") == "ok" and status(rep, "provider") == "ok", "offline config ok")
    check(status(rep, "database") == "warn", "no database is a warning")
    check(status(rep, "signals") == "ok", "the events file can be written")

    db = os.path.join(home, "p.db")
    open(db, "wb").write(b"this is not a database at all" * 200)
    rc, rep, err = doctor(home, env=env_for(home, PRECEDENT_DB=db))
    check(rc == 1 and status(rep, "database") == "fail", "garbage database fails (env PRECEDENT_DB)")
    os.unlink(db)
    import re
    cur = int(re.search(r"#define STORE_SCHEMA_VERSION (\d+)",
                        open(os.path.join(ROOT, "include", "precedent", "store.h")).read()).group(1))
    for version, want, text in [(cur, "ok", "schema version %d" % cur), (0, "warn", "migration"),
                                (cur + 98, "fail", "newer")]:
        if os.path.exists(db):
            os.unlink(db)
        con = sqlite3.connect(db)
        con.execute("create table t(x)")
        con.execute("pragma user_version=%d" % version)
        con.commit()
        con.close()
        rc, rep, err = doctor(home, "--db", db)
        msg = [c["message"] for c in rep["checks"] if c["check"] == "database"][0]
        check(status(rep, "database") == want and text in msg,
              "schema %d: %s with %r: %s" % (version, want, text, msg))
    check(rc == 1, "a newer schema fails doctor")
    real = os.path.join(home, "real.db")
    src = os.path.join(home, "t.jsonl")
    open(src, "w").write(json.dumps({"id": "T1", "subject": "printer", "messages": [
        {"role": "customer", "body": "printer broken"}]}) + "\n")
    p = subprocess.run([HOST, "--db", real, "index", "tickets", src], env=env_for(home),
                       capture_output=True, text=True)
    if p.returncode == 0:
        rc, rep, err = doctor(home, "--db", real)
        msg = [c["message"] for c in rep["checks"] if c["check"] == "database"][0]
        check(status(rep, "database") == "ok" and "integrity ok" in msg,
              "a database the host made passes: %s" % msg)
    check(tree(home) >= {("f", "p.db")} and not os.path.exists(db + "-wal"), "doctor writes nothing")
    run(home, "uninstall")


@case
def test_doctor_probes_the_provider_quickly(home):
    run(home, "install", "--browser", "chromium")
    srv = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://user:secret@127.0.0.1:%d/v1" % srv.server_address[1]
    env = env_for(home, PRECEDENT_LLM_PROVIDER="openai", PRECEDENT_LLM_BASE_URL=url)
    rc, rep, err = doctor(home, env=env)
    msg = [c["message"] for c in rep["checks"] if c["check"] == "provider"][0]
    check(status(rep, "provider") == "ok" and "HTTP 200" in msg, "reachable provider ok: %s" % msg)
    check("secret" not in json.dumps(rep), "credentials in the URL are never printed")
    srv.shutdown()

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env["PRECEDENT_LLM_BASE_URL"] = "http://127.0.0.1:%d/v1" % port
    rc, rep, err = doctor(home, env=env)
    check(rc == 1 and status(rep, "provider") == "fail", "closed port fails")

    # A server that accepts and never answers: the probe gives up after ~2 s.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    env["PRECEDENT_LLM_BASE_URL"] = "http://127.0.0.1:%d/v1" % hang.getsockname()[1]
    t0 = time.monotonic()
    rc, rep, err = doctor(home, env=env)
    took = time.monotonic() - t0
    hang.close()
    check(rc == 1 and status(rep, "provider") == "fail", "silent server fails")
    check(took < 6, "probe times out in about 2 s (took %.1f s)" % took)
    print("  silent-provider doctor took %.2f s" % took)
    run(home, "uninstall")


@case
def test_make_install_and_uninstall(home):
    prefix = os.path.join(home, "prefix")
    env = env_for(home)
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    p = subprocess.run(["make", "-s", "install", "PREFIX=" + prefix], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, "make install succeeds: %s" % p.stderr[-500:])
    binary = os.path.join(prefix, "bin", "precedent-host")
    check(os.access(binary, os.X_OK), "the binary is installed in PREFIX/bin")
    m = os.path.join(home, LINUX_DIRS["chromium"], NAME)
    check(os.path.isfile(m) and json.load(open(m))["path"] == os.path.realpath(binary),
          "the manifests point to the installed copy")
    p = subprocess.run(["make", "-s", "uninstall", "PREFIX=" + prefix], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "make uninstall succeeds: %s" % p.stderr[-300:])
    left = {x for x in tree(home) if not x[1].startswith("prefix")}
    check(left == set(), "make uninstall leaves nothing behind: %r" % left)
    check(not os.path.exists(binary), "and removes the binary")


@case
def test_dist_packages_the_extension_with_one_version(home):
    import re
    import shutil
    import tarfile
    import zipfile
    repo = os.path.join(home, "repo")
    os.makedirs(os.path.join(repo, "include", "precedent"))
    os.makedirs(os.path.join(repo, "scripts"))
    shutil.copy(os.path.join(ROOT, "include", "precedent", "limits.h"),
                os.path.join(repo, "include", "precedent"))
    shutil.copy(os.path.join(ROOT, "scripts", "dist.sh"), os.path.join(repo, "scripts"))
    version = re.search(r'PRECEDENT_VERSION "([^"]+)"',
                        open(os.path.join(ROOT, "include", "precedent", "limits.h")).read()).group(1)
    ext = os.path.join(repo, "extension")
    for d in ["background", "content", "sidepanel", "tests"]:
        os.makedirs(os.path.join(ext, d))
    key = open(os.path.join(ROOT, "manifests", "extension-key.txt")).read().strip()
    manifest = {"manifest_version": 3, "name": "Precedent", "version": version, "key": key,
                "background": {"service_worker": "background/sw.js", "type": "module"},
                "side_panel": {"default_path": "sidepanel/panel.html"},
                "permissions": ["nativeMessaging", "sidePanel"],
                "content_scripts": [{"matches": ["https://*/*"], "js": ["content/main.js"]}]}
    json.dump(manifest, open(os.path.join(ext, "manifest.json"), "w"))
    for f in ["background/sw.js", "content/main.js", "sidepanel/panel.html", "tests/x.test.js",
              "content/extract.test.js"]:
        open(os.path.join(ext, f), "w").write("// " + f)
    git = lambda *a: subprocess.run(["git", "-C", repo, *a], check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    p = subprocess.run(["bash", "scripts/dist.sh"], cwd=repo, env=env, capture_output=True, text=True)
    check(p.returncode == 0, "dist succeeds: %s" % p.stderr)
    chrome = os.path.join(repo, "dist", "precedent-extension-chrome-%s.zip" % version)
    xpi = os.path.join(repo, "dist", "precedent-extension-firefox-%s.xpi" % version)
    src = os.path.join(repo, "dist", "precedent-%s.tar.gz" % version)
    if not all(os.path.exists(x) for x in (chrome, xpi, src)):
        check(False, "all three artifacts exist: %s" % os.listdir(os.path.join(repo, "dist")))
        return
    z = zipfile.ZipFile(chrome)
    names = sorted(z.namelist())
    check(names == ["background/sw.js", "content/main.js", "manifest.json", "sidepanel/panel.html"],
          "chrome zip holds the extension without tests: %r" % names)
    cm = json.loads(z.read("manifest.json"))
    check("key" not in cm and cm["version"] == version, "chrome zip manifest: no key, the version")
    fm = json.loads(zipfile.ZipFile(xpi).read("manifest.json"))
    check(fm["browser_specific_settings"]["gecko"]["id"] == FIREFOX_ID, "xpi has the gecko id")
    check(fm["background"] == {"scripts": ["background/sw.js"], "type": "module"},
          "xpi runs the background as scripts: %r" % fm["background"])
    check("sidebar_action" in fm and "side_panel" not in fm and "key" not in fm, "xpi sidebar, no key")
    check("sidePanel" not in fm["permissions"], "no Chromium-only permission in the xpi")
    t = tarfile.open(src)
    check("precedent-%s/extension/manifest.json" % version in t.getnames(), "source tarball")
    first = open(chrome, "rb").read()
    p = subprocess.run(["bash", "scripts/dist.sh"], cwd=repo, env=env, capture_output=True, text=True)
    check(open(chrome, "rb").read() == first, "dist is reproducible")

    manifest["version"] = "9.9.9"
    json.dump(manifest, open(os.path.join(ext, "manifest.json"), "w"))
    p = subprocess.run(["bash", "scripts/dist.sh"], cwd=repo, env=env, capture_output=True, text=True)
    check(p.returncode != 0 and "9.9.9" in p.stderr and "PRECEDENT_VERSION" in p.stderr,
          "a version that differs fails dist: %s" % p.stderr)
    manifest["version"] = version
    manifest["content_scripts"][0]["js"].append("content/gone.js")
    json.dump(manifest, open(os.path.join(ext, "manifest.json"), "w"))
    p = subprocess.run(["bash", "scripts/dist.sh"], cwd=repo, env=env, capture_output=True, text=True)
    check(p.returncode != 0 and "content/gone.js" in p.stderr, "a missing file fails dist")


@case
def test_dist_of_this_repository(home):
    import re
    import zipfile
    if not os.path.exists(os.path.join(ROOT, "extension", "manifest.json")):
        print("  (no extension/ yet)")
        return
    out = os.path.join(home, "dist")
    p = subprocess.run(["bash", "scripts/dist.sh"], cwd=ROOT, env=dict(os.environ, DIST_DIR=out),
                       capture_output=True, text=True)
    check(p.returncode == 0, "make dist succeeds on the repository: %s" % p.stderr[-500:])
    version = re.search(r'PRECEDENT_VERSION "([^"]+)"',
                        open(os.path.join(ROOT, "include", "precedent", "limits.h")).read()).group(1)
    chrome = os.path.join(out, "precedent-extension-chrome-%s.zip" % version)
    xpi = os.path.join(out, "precedent-extension-firefox-%s.xpi" % version)
    if not (os.path.exists(chrome) and os.path.exists(xpi)):
        check(False, "both extension packages built: %r" % os.listdir(out))
        return
    for path in (chrome, xpi):
        z = zipfile.ZipFile(path)
        check(z.testzip() is None, "%s is a valid zip" % path)
        m = json.loads(z.read("manifest.json"))
        check(m["version"] == version and "key" not in m, "%s: version %s, no key" % (path, version))
        names = set(z.namelist())
        check(not [n for n in names if "test" in n.split("/")[0] or n.endswith(".test.js")],
              "%s ships no tests" % path)
    fm = json.loads(zipfile.ZipFile(xpi).read("manifest.json"))
    check(fm["browser_specific_settings"]["gecko"]["id"] == FIREFOX_ID,
          "the xpi's gecko id is the one install allows (%s)" % FIREFOX_ID)
    check("service_worker" not in fm.get("background", {}), "the xpi has no service_worker")


def test_extension_id_matches_key():
    print("-- test_extension_id_matches_key")
    key = open(os.path.join(ROOT, "manifests", "extension-key.txt")).read().strip()
    h = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    check("".join(chr(ord("a") + int(c, 16)) for c in h) == EXT_ID, "extension-id.txt derives from the key")
    man = os.path.join(ROOT, "extension", "manifest.json")
    if os.path.exists(man):
        m = json.load(open(man))
        check(m.get("key") == key, "extension/manifest.json carries the same key")


test_extension_id_matches_key()

if failures:
    print("test_install: %d failure(s)" % len(failures))
    sys.exit(1)
print("test_install: all passed")

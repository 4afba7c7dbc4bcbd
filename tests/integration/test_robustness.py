#!/usr/bin/env python3
"""The host survives what an agent's machine throws at it. Each case drives the real binary.

- two hosts (two browsers) on one database at once: every acknowledged feedback row lands;
- kill -9 during an import, in a loop: the database stays consistent and a re-run completes;
- kill -9 during a stream of feedback writes, in a loop: every acknowledged write is there;
- a corrupt database, a newer-schema database: exit 1 with a sentence, no crash;
- a read-only database directory, a full disk (RLIMIT_FSIZE): a clear error, no damage;
- native messaging frames over the cap, bad UTF-8, non-objects: an error reply, then the
  next good frame still works.

A case whose feature has not landed yet (the command exits 2 with usage, or the host does not
answer `hello`) is reported as SKIP, not as a failure. Sanitizer reports in stderr are failures.
"""
import json
import os
import queue
import random
import resource
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = os.path.realpath(os.environ.get("PRECEDENT_HOST", os.path.join(ROOT, "build", "precedent-host")))
EXT_ID = open(os.path.join(ROOT, "manifests", "extension-id.txt")).read().strip()
ORIGIN = "chrome-extension://%s/" % EXT_ID
NM_IN_CAP = 8 * 1024 * 1024
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer",
             "Segmentation fault", "core dumped")
random.seed(int(os.environ.get("ROBUSTNESS_SEED", "8")))

failures = []
skips = []
known = []
STRICT = os.environ.get("ROBUSTNESS_STRICT") == "1"


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  FAIL:", what)
    return cond


def known_issue(cond, what):
    """A failure already reported to the module's owner: printed, counted, and fatal only with
    ROBUSTNESS_STRICT=1 so that make check stays usable until it is fixed."""
    if not cond:
        known.append(what)
        print("  KNOWN ISSUE:", what)
        if STRICT:
            failures.append(what)
    return cond


def no_crash(stderr, what):
    bad = [s for s in SANITIZER if s in stderr]
    return check(not bad, "%s: no crash or sanitizer report (%s)\n%s" % (what, bad, stderr[-2000:]))


def base_env(home, db=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and not k.startswith("PRECEDENT_")}
    env["HOME"] = home
    env["PRECEDENT_LLM_PROVIDER"] = "offline"
    if db:
        env["PRECEDENT_DB"] = db
    return env


def cli(home, db, *args, env=None, timeout=300, **kw):
    p = subprocess.run([HOST, "--db", db, *args], env=env or base_env(home, db),
                       capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def ticket(i, rev=0):
    topic = ["printer", "login", "invoice", "sync", "export", "webhook", "billing", "sso"][i % 8]
    return {"id": "T%06d" % i, "subject": "%s problem number %d on plan %d" % (topic, i, i % 17),
            "status": "solved", "priority": "normal", "tags": [topic, "t%d" % (i % 11)],
            "created_at": "2024-01-%02dT10:00:00Z" % (1 + i % 28),
            "closed_at": "2024-02-%02dT10:00:00Z" % (1 + i % 28),
            "messages": [
                {"role": "customer", "author": "Customer %d" % i, "created_at": "2024-01-01T10:00:00Z",
                 "body": "Our %s stopped working after the update, error E%04d appears. " % (topic, i % 500)
                         + "We tried restarting it twice. " * (1 + i % 5)},
                {"role": "agent", "author": "Agent", "created_at": "2024-01-01T11:00:00Z",
                 "body": "Please clear the %s cache and retry; this is a known issue %d." % (topic, i % 40)}],
            "resolution": "Cleared the %s cache; fixed in release %d.%d (rev %d)." % (topic, i % 9, i % 13, rev),
            "resolution_code": "fixed"}


def write_tickets(path, n, start=0, rev=0):
    with open(path, "w") as f:
        for i in range(start, start + n):
            f.write(json.dumps(ticket(i, rev)) + "\n")


def db_query(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def integrity(db):
    con = sqlite3.connect(db, timeout=10)  # read-write: recovers the WAL as the host would
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def fts_ok(db):
    """The external-content FTS index agrees with the tickets table."""
    con = sqlite3.connect(db, timeout=10)
    try:
        con.execute("INSERT INTO tickets_fts(tickets_fts) VALUES('integrity-check')")
        return True
    except sqlite3.DatabaseError as e:
        print("  fts integrity-check: %s" % e)
        return False
    finally:
        con.close()


def require_index(home, db=None):
    """Skips unless `index tickets` works (on a scratch database when db is None)."""
    db = db or os.path.join(home, "probe.db")
    src = os.path.join(home, "probe.jsonl")
    write_tickets(src, 3, 900000)
    rc, out, err = cli(home, db, "index", "tickets", src)
    if rc == 2:
        raise Skip("`index tickets` not available yet (exit 2: %s)" % err.strip()[:120])
    no_crash(err, "index probe")
    if rc != 0:
        raise Skip("`index tickets` failed on 3 good tickets (rc %d: %s)" % (rc, err.strip()[:300]))


# ---- native messaging ------------------------------------------------------------------

class NMHost:
    """precedent-host in native messaging mode, as a browser starts it."""

    def __init__(self, home, db, extra_env=None):
        env = base_env(home, db)
        env.update(extra_env or {})
        self.p = subprocess.Popen([HOST, ORIGIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
        self.q = queue.Queue()
        self.err = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self.lock = threading.Lock()

    def _read(self):
        f = self.p.stdout
        while True:
            h = f.read(4)
            if len(h) < 4:
                self.q.put(None)
                return
            n = struct.unpack("=I", h)[0]
            body = f.read(n)
            try:
                self.q.put(json.loads(body))
            except ValueError:
                self.q.put({"unparseable": body[:200].decode("utf-8", "replace")})

    def _read_err(self):
        for line in self.p.stderr:
            self.err.append(line.decode("utf-8", "replace"))

    def send_raw(self, data):
        with self.lock:
            self.p.stdin.write(data)
            self.p.stdin.flush()

    def send(self, obj):
        b = json.dumps(obj).encode()
        self.send_raw(struct.pack("=I", len(b)) + b)

    def recv(self, timeout=30):
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            return None

    def call(self, obj, timeout=60):
        """Sends obj and returns the reply with its id (other frames are dropped)."""
        self.send(obj)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.recv(max(0.1, deadline - time.monotonic()))
            if m is None:
                return None
            if m.get("id") == obj.get("id"):
                return m
        return None

    def close(self, timeout=15):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            failures.append("host did not exit within %d s of EOF on stdin" % timeout)
        time.sleep(0.1)
        return rc, "".join(self.err)

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()


def hello(h, id_=1):
    return h.call({"id": id_, "type": "hello", "client": "robustness",
                   "origin": ORIGIN.rstrip("/")}, timeout=30)


def require_nm(home, db):
    h = NMHost(home, db)
    r = hello(h)
    if r is None or not r.get("ok"):
        rc, err = h.close()
        raise Skip("native messaging mode not available yet (hello: %r, rc %s, %s)" %
                   (r, rc, err.strip()[:200]))
    return h


def new_draft(h, id_, n):
    t = ticket(n)
    t["id"] = "LIVE%d" % n
    r = h.call({"id": id_, "type": "draft.request", "ticket": t,
                "options": {"mode": "offline", "stream": False}}, timeout=60)
    if r is None or not r.get("ok"):
        return None, r
    return r["result"]["draft_id"], r


# ---- the cases ---------------------------------------------------------------------------

def test_two_hosts_share_one_database_without_lost_writes(home):
    db = os.path.join(home, "shared.db")
    require_index(home)
    src = os.path.join(home, "c.jsonl")
    write_tickets(src, 200)
    rc, out, err = cli(home, db, "index", "tickets", src)
    check(rc == 0, "index 200 tickets (%s)" % err[-300:])
    hosts = [require_nm(home, db), require_nm(home, db)]
    per_host = int(os.environ.get("ROBUSTNESS_PAIRS", "40"))
    # Meanwhile an import writes batches into the same database (a third writer).
    big = os.path.join(home, "more.jsonl")
    write_tickets(big, 3000, 10000)
    importer = subprocess.Popen([HOST, "--db", db, "index", "tickets", big], env=base_env(home, db),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked = [[], []]
    errors = [[], []]
    lat = [[], []]

    def work(k):
        h = hosts[k]
        for j in range(per_host):
            did, r = new_draft(h, "d%d-%d" % (k, j), 1000 * k + j)
            if not did:
                errors[k].append(("draft", r))
                continue
            text = "host %d reply %d: please clear the cache" % (k, j)
            t1 = time.monotonic()
            r = h.call({"id": "f%d-%d" % (k, j), "type": "feedback.sent", "draft_id": did,
                        "sent_text": text})
            lat[k].append(time.monotonic() - t1)
            if r and r.get("ok"):
                acked[k].append(did)
            else:
                errors[k].append(("feedback", r))

    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    iout, ierr = importer.communicate(timeout=300)
    check(importer.returncode == 0, "the concurrent import succeeds (%s)" % ierr[-300:])
    no_crash(ierr, "concurrent import")
    n_tickets = db_query(db, "SELECT count(*) FROM tickets")[0][0]
    check(n_tickets == 3200, "the concurrent import landed whole (%d tickets)" % n_tickets)
    for k, h in enumerate(hosts):
        rc, err = h.close()
        check(rc == 0, "host %d exits 0 on EOF (rc %s)" % (k, rc))
        no_crash(err, "host %d" % k)
    errs = errors[0] + errors[1]
    busy = [e for e in errs if e[1] and e[1].get("error", {}).get("code") == "busy"]
    check(len(busy) == len(errs), "no request failed under contention except as busy: %r" %
          [e for e in errs if e not in busy][:2])
    known_issue(not busy, "core (ingest/store): %d of %d writes from the native hosts failed with "
                "'database is locked' while `index tickets` ran: the import holds the write lock "
                "for a whole %s-ticket batch and re-takes it at once, so a waiting writer can "
                "starve past the 5 s busy timeout. Reproduce: ROBUSTNESS_STRICT=1 "
                "tests/integration/test_robustness.py two_hosts (ASan build)" %
                (len(busy), 4 * per_host, "2000"))
    ids = {r[0] for r in db_query(db, "SELECT draft_id FROM feedback WHERE kind='sent'")}
    lost = [d for d in acked[0] + acked[1] if d not in ids]
    check(not lost, "no acknowledged feedback lost (%d of %d missing)" % (len(lost), 2 * per_host))
    check(len(acked[0]) + len(acked[1]) + len(busy) >= 2 * per_host,
          "every feedback write acknowledged or refused as busy (%d acked)" % (len(acked[0]) + len(acked[1])))
    check(integrity(db) == "ok", "integrity ok after concurrent writers")
    worst = max(lat[0] + lat[1] or [0])
    print("  2 hosts x %d draft+feedback pairs beside a 3000-ticket import: %.1f s, %d rows, "
          "slowest feedback.sent %.0f ms" % (per_host, took, len(ids), worst * 1000))


def test_kill9_during_import_leaves_a_consistent_database(home):
    db = os.path.join(home, "imp.db")
    require_index(home)
    n = int(os.environ.get("ROBUSTNESS_IMPORT_TICKETS", "4000"))
    kills = int(os.environ.get("ROBUSTNESS_KILLS", "6"))
    # How long a whole import takes, to kill at random points inside it.
    src = os.path.join(home, "rev0.jsonl")
    write_tickets(src, n, rev=0)
    scratch = os.path.join(home, "scratch.db")
    t0 = time.monotonic()
    rc, out, err = cli(home, scratch, "index", "tickets", src)
    full = time.monotonic() - t0
    check(rc == 0, "full import of %d tickets (%s)" % (n, err[-300:]))
    want = db_query(scratch, "SELECT count(*) FROM tickets")[0][0]
    check(want == n, "%d tickets imported (got %d)" % (n, want))
    print("  full import of %d tickets: %.2f s" % (n, full))
    # Each round imports a new revision of every ticket (so there is always work to
    # interrupt: inserts in round 0, updates after) and is killed part way.
    for k in range(kills):
        src = os.path.join(home, "rev%d.jsonl" % k)
        write_tickets(src, n, rev=k)
        p = subprocess.Popen([HOST, "--db", db, "index", "tickets", src], env=base_env(home, db),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        at = random.uniform(0.05, 0.95) * full
        time.sleep(at)
        finished = p.poll() is not None
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
        res = integrity(db)
        if not check(res == "ok", "kill %d: integrity_check %r" % (k, res)):
            break
        check(fts_ok(db), "kill %d: the full-text index matches the tickets" % k)
        have = db_query(db, "SELECT count(*) FROM tickets")[0][0]
        newest = db_query(db, "SELECT count(*) FROM tickets WHERE resolution LIKE '%%(rev %d).'" % k)[0][0]
        check(have <= n, "kill %d: no duplicate tickets (%d)" % (k, have))
        print("  kill %d at %.2f s%s: %d tickets, %d at the new revision; integrity ok" %
              (k, at, " (already finished)" if finished else "", have, newest))
    final = os.path.join(home, "final.jsonl")
    write_tickets(final, n, rev=99)
    rc, out, err = cli(home, db, "index", "tickets", final)
    check(rc == 0, "import completes after the kills (%s)" % err[-300:])
    no_crash(err, "final import")
    have = db_query(db, "SELECT count(*) FROM tickets")[0][0]
    newest = db_query(db, "SELECT count(*) FROM tickets WHERE resolution LIKE '%(rev 99).'")[0][0]
    check(have == n and newest == n, "exactly %d tickets, all current, after re-import (got %d, %d current)" %
          (n, have, newest))
    check(fts_ok(db), "the full-text index matches at the end")
    rc, out, err = cli(home, db, "search", "--json", "printer cache")
    if rc != 2:
        check(rc == 0 and json.loads(out).get("tickets"), "search works on the recovered index")
    check(integrity(db) == "ok", "integrity ok at the end")


def test_kill9_during_feedback_keeps_every_acknowledged_write(home):
    db = os.path.join(home, "fb.db")
    require_index(home)
    src = os.path.join(home, "c.jsonl")
    write_tickets(src, 50)
    cli(home, db, "index", "tickets", src)
    rounds = int(os.environ.get("ROBUSTNESS_KILLS", "6"))
    total_acked = 0
    for rnd in range(rounds):
        h = require_nm(home, db)
        drafts = []
        for j in range(10):
            did, r = new_draft(h, "d%d" % j, rnd * 100 + j)
            if did:
                drafts.append(did)
        if not check(drafts, "round %d: drafts for feedback" % rnd):
            h.kill9()
            return
        # Pipeline many feedback writes, then kill at a random moment while they stream.
        n = 120
        payload = b""
        for j in range(n):
            b = json.dumps({"id": "fb%d" % j, "type": "feedback.sent", "draft_id": drafts[j % len(drafts)],
                            "sent_text": "round %d ack %d: cleared the cache" % (rnd, j)}).encode()
            payload += struct.pack("=I", len(b)) + b
        acked = []
        def pump():
            try:
                h.send_raw(payload)
            except OSError:
                pass  # killed while writing: expected
        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + random.uniform(0.05, 0.6)
        while time.monotonic() < deadline:
            m = h.recv(timeout=max(0.01, deadline - time.monotonic()))
            if m is None:
                break
            if m.get("ok") and str(m.get("id", "")).startswith("fb"):
                acked.append(int(m["id"][2:]))
        h.kill9()
        # Replies already in the pipe were acknowledged too.
        while True:
            m = h.recv(timeout=0.5)
            if m is None:
                break
            if m.get("ok") and str(m.get("id", "")).startswith("fb"):
                acked.append(int(m["id"][2:]))
        res = integrity(db)
        check(res == "ok", "round %d: integrity_check %r" % (rnd, res))
        rows = db_query(db, "SELECT sent_text FROM feedback WHERE kind='sent'")
        texts = "\n".join(r[0] or "" for r in rows)
        lost = [j for j in acked if ("round %d ack %d:" % (rnd, j)) not in texts]
        check(not lost, "round %d: acknowledged writes all present (%d lost of %d)" % (rnd, len(lost), len(acked)))
        total_acked += len(acked)
        print("  round %d: killed after %d acknowledged writes; all present" % (rnd, len(acked)))
    check(total_acked > 0, "some writes were acknowledged before the kills")


def test_corrupt_database_is_a_clear_error(home):
    require_index(home)
    bad = os.path.join(home, "garbage.db")
    open(bad, "wb").write(os.urandom(64 * 1024))
    for args in (["stats", "--json"], ["search", "cache"], ["index", "tickets", os.path.join(home, "probe.jsonl")]):
        rc, out, err = cli(home, bad, *args)
        if rc == 2:
            continue
        no_crash(err, "corrupt db: %s" % args[0])
        check(rc == 1, "corrupt db: %s exits 1 (got %d)" % (args[0], rc))
        check(bad in err or "garbage.db" in err, "corrupt db: %s names the file: %s" % (args[0], err.strip()[:200]))
    # A real database with pages overwritten in the middle.
    good = os.path.join(home, "good.db")
    src = os.path.join(home, "c.jsonl")
    write_tickets(src, 300)
    cli(home, good, "index", "tickets", src)
    con = sqlite3.connect(good)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = os.path.getsize(good)
    with open(good, "r+b") as f:
        for off in range(4096 * 2, size, 4096 * 3):
            f.seek(off + 100)
            f.write(os.urandom(512))
    for args in (["stats", "--json"], ["search", "printer cache"], ["index", "tickets", src]):
        rc, out, err = cli(home, good, *args)
        if rc == 2:
            continue
        no_crash(err, "damaged pages: %s" % args[0])
        check(rc in (0, 1), "damaged pages: %s exits 0 or 1 (got %d)" % (args[0], rc))
    # Native messaging on a corrupt database: hello still answers, a request gets an error.
    try:
        h = NMHost(home, bad)
        r = hello(h)
        if r is not None:
            check(r.get("id") == 1 and "ok" in r, "hello answers on a corrupt database: %r" % r)
            r = h.call({"id": 2, "type": "search", "query": "cache", "k": 3})
            check(r is not None and r.get("ok") is False and r["error"].get("code") and r["error"].get("message"),
                  "a search on a corrupt database is an error reply: %r" % r)
        rc, err = h.close()
        no_crash(err, "native messaging on a corrupt database")
    except OSError as e:
        check(False, "NM on corrupt db: %r" % e)


def test_newer_schema_is_a_clear_error(home):
    db = os.path.join(home, "new.db")
    require_index(home, db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=999")
    con.commit()
    con.close()
    for args in (["stats", "--json"], ["index", "tickets", os.path.join(home, "probe.jsonl")]):
        rc, out, err = cli(home, db, *args)
        if rc == 2:
            continue
        no_crash(err, "newer schema: %s" % args[0])
        check(rc == 1, "newer schema: %s exits 1 (got %d)" % (args[0], rc))
        check("newer" in err and "new.db" in err, "newer schema: the message says so: %s" % err.strip()[:200])
    h = NMHost(home, db)
    r = hello(h)
    if r is not None:
        check(r.get("ok") is True, "hello still answers on a newer database: %r" % r)
        r = h.call({"id": 2, "type": "feedback.sent", "draft_id": "d_0000000000000000", "sent_text": "x"})
        check(r is not None and r.get("ok") is False and "schema" in r["error"].get("code", ""),
              "a write on a newer database is refused with a schema error: %r" % r)
    rc, err = h.close()
    no_crash(err, "native messaging on a newer database")
    ver = db_query(db, "PRAGMA user_version")[0][0]
    check(ver == 999, "a newer database is left untouched (user_version %d)" % ver)


def as_nobody():
    if os.geteuid() != 0:
        return None

    def drop():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    return drop


def test_read_only_database_directory_is_a_clear_error(home):
    require_index(home)
    ro = os.path.join(home, "ro")
    os.makedirs(ro)
    src = os.path.join(home, "c.jsonl")
    write_tickets(src, 20)
    os.chmod(home, 0o755)
    os.chmod(src, 0o644)
    db = os.path.join(ro, "p.db")
    # An existing database (made while writable), then the directory and file made read-only.
    rc, out, err = cli(home, db, "index", "tickets", src)
    check(rc == 0, "index while writable")
    os.chmod(db, 0o444)
    for f in os.listdir(ro):
        os.chmod(os.path.join(ro, f), 0o444)
    os.chmod(ro, 0o555)
    drop = as_nobody()
    env = base_env(home, db)
    env["HOME"] = home
    try:
        fresh = os.path.join(ro, "sub", "new.db")
        rc, out, err = cli(home, fresh, "index", "tickets", src, env=env, preexec_fn=drop)
        no_crash(err, "read-only dir: new database")
        check(rc == 1, "read-only dir: creating a database exits 1 (got %d)" % rc)
        check("ro" in err and any(w in err.lower() for w in ("read-only", "permission", "cannot")),
              "read-only dir: the message names the place and the reason: %s" % err.strip()[:200])
        rc, out, err = cli(home, db, "index", "tickets", src, env=env, preexec_fn=drop)
        no_crash(err, "read-only db: index")
        check(rc == 1, "read-only database: index exits 1 (got %d)" % rc)
        check(any(w in err.lower() for w in ("read-only", "readonly", "permission", "cannot")),
              "read-only database: a clear message: %s" % err.strip()[:200])
        rc, out, err = cli(home, db, "search", "cache", env=env, preexec_fn=drop)
        if rc != 2:
            no_crash(err, "read-only db: search")
            check(rc in (0, 1), "read-only database: search exits 0 or 1 (got %d)" % rc)
            if rc == 1:
                check(err.strip(), "and says why")
    finally:
        os.chmod(ro, 0o755)


DISK_FULL_SCRIPT = r"""
set -u
mount -t tmpfs -o size=384k tmpfs "$MNT" || exit 77
"$HOST" --db "$MNT/full.db" index tickets "$SRC" >"$OUT/stdout1" 2>"$OUT/stderr1"
echo $? >"$OUT/rc1"
python3 - "$MNT/full.db" >"$OUT/check1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0])
PY
mount -o remount,size=64m "$MNT"
"$HOST" --db "$MNT/full.db" index tickets "$SRC" >"$OUT/stdout2" 2>"$OUT/stderr2"
echo $? >"$OUT/rc2"
python3 - "$MNT/full.db" >"$OUT/check2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("SELECT count(*) FROM tickets").fetchone()[0])
PY
"""


def test_disk_full_is_a_clear_error(home):
    """A real ENOSPC: a 384 KiB tmpfs in a private mount namespace (root), grown afterwards.
    Without that privilege, RLIMIT_FSIZE stands in (EFBIG, a write error rather than ENOSPC)."""
    db = os.path.join(home, "full.db")
    require_index(home)
    src = os.path.join(home, "big.jsonl")
    n = 3000
    write_tickets(src, n)
    mnt = os.path.join(home, "mnt")
    os.makedirs(mnt)
    script = os.path.join(home, "full.sh")
    open(script, "w").write(DISK_FULL_SCRIPT)
    env = base_env(home)
    env.update(MNT=mnt, SRC=src, OUT=home, HOST=HOST)
    p = subprocess.run(["unshare", "-m", "sh", script], env=env, capture_output=True, text=True) \
        if shutil.which("unshare") and os.geteuid() == 0 else None
    if p is not None and p.returncode == 0 and os.path.exists(os.path.join(home, "rc2")):
        rd = lambda n: open(os.path.join(home, n)).read().strip()
        err = rd("stderr1")
        no_crash(err, "disk full")
        check(rd("rc1") == "1", "disk full: index exits 1 (got %s)" % rd("rc1"))
        check("full" in err.lower(), "disk full: the message says the disk is full: %s" % err[:200])
        check(rd("check1") == "ok", "disk full: the database is still consistent (%s)" % rd("check1"))
        check(rd("rc2") == "0", "with space again the import completes (%s)" % rd("stderr2")[-200:])
        check(rd("check2") == "ok %d" % n, "and holds every ticket, consistent (%s)" % rd("check2"))
        print("  ENOSPC on a 384 KiB tmpfs: %s" % err[:160])
        return
    limit = 256 * 1024

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    rc, out, err = cli(home, db, "index", "tickets", src, preexec_fn=limited)
    no_crash(err, "file size limit")
    check(rc == 1, "file size limit: index exits 1 (got %d)" % rc)
    check(err.strip(), "file size limit: a message: %s" % err.strip()[:200])
    check(integrity(db) == "ok", "file size limit: the database is still consistent")
    rc, out, err = cli(home, db, "index", "tickets", src)
    check(rc == 0, "with space again the import completes (%s)" % err[-200:])


def test_native_messaging_limits_and_bad_frames(home):
    db = os.path.join(home, "nm.db")
    h = require_nm(home, db)
    # A frame one byte over the cap: an error reply, the bytes skipped, the stream in step.
    big = b"[" + b" " * (NM_IN_CAP - 1) + b"]"
    big = big[:NM_IN_CAP + 1]
    t0 = time.monotonic()
    h.send_raw(struct.pack("=I", len(big)) + big)
    r = h.recv(timeout=60)
    check(r is not None and r.get("ok") is False and r.get("id") is None,
          "oversize frame: an error reply with id null: %r" % (r if not r or len(str(r)) < 300 else str(r)[:300]))
    if r and r.get("error"):
        check(r["error"].get("code") and r["error"].get("message"), "with a code and a message")
        print("  oversize frame (%d bytes): %s in %.2f s" % (len(big), r["error"].get("code"), time.monotonic() - t0))
    r = hello(h, 2)
    check(r is not None and r.get("ok") and r.get("id") == 2, "the next hello still works: %r" % r)
    # Bad UTF-8, not JSON, not an object, no type: each an error, the next good one works.
    bad_frames = [b'{"id": 3, "type": "hello", "client": "\xff\xfe"}', b"{not json", b"[1,2,3]",
                  b'"just a string"', b'{"id": 7}', b'{"id": 8, "type": "no.such.type"}']
    for i, b in enumerate(bad_frames):
        h.send_raw(struct.pack("=I", len(b)) + b)
        r = h.recv(timeout=30)
        check(r is not None and r.get("ok") is False and r.get("error", {}).get("code"),
              "bad frame %d %r: an error reply (%r)" % (i, b[:30], r))
    r = hello(h, 9)
    check(r is not None and r.get("ok") and r.get("id") == 9, "hello works after the bad frames")
    # A sent_text over its cap is refused with a clear error.
    did, r = new_draft(h, 10, 5)
    if did:
        r = h.call({"id": 11, "type": "feedback.sent", "draft_id": did,
                    "sent_text": "x" * (1024 * 1024 + 10)})
        check(r is not None and r.get("ok") is False, "sent_text over SENT_TEXT_CAP refused: %r" %
              (str(r)[:200]))
    rc, err = h.close()
    check(rc == 0, "clean exit on EOF (rc %s)" % rc)
    no_crash(err, "native messaging limits")
    # A header that announces 4 GiB and then EOF: no crash, exits promptly.
    h = NMHost(home, db)
    h.send_raw(struct.pack("=I", 0xFFFFFFFF) + b"{")
    r = h.recv(timeout=10)
    t0 = time.monotonic()
    rc, err = h.close(timeout=10)
    no_crash(err, "4 GiB header then EOF")
    check(time.monotonic() - t0 < 5, "exits within 5 s of EOF")
    # EOF mid-frame, mid-header.
    for tail in (struct.pack("=I", 50) + b'{"id":1', b"\x10\x00"):
        h = NMHost(home, db)
        h.send_raw(tail)
        rc, err = h.close(timeout=10)
        no_crash(err, "truncated input %r" % tail[:8])
        check(rc in (0, 1), "truncated input: exit 0 or 1 (rc %s)" % rc)


def test_llm_limits_concurrent_drafts_and_prompt_size(home):
    """Drafts in flight are capped (LLM_STREAMS_MAX): the ones over the cap get `busy` at once
    and the host keeps serving; a ticket far over the prompt cap never sends more than
    LLM_REQUEST_CAP to the provider."""
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from llmhost import FakeLLM, Host
    except ImportError as e:
        raise Skip("the LLM test harness is not there yet (%s)" % e)
    limits = open(os.path.join(ROOT, "include", "precedent", "limits.h")).read()
    import re
    m = re.search(r"#define LLM_STREAMS_MAX (\d+)", limits)
    if not m:
        raise Skip("no LLM_STREAMS_MAX yet")
    cap = int(m.group(1))
    extra = 6
    with FakeLLM() as fake:
        h = Host(fake, "hang", extra_config={"llm.idle_timeout_ms": 4000})
        try:
            hl = h.hello()
            if not hl.get("ok") or not hl["result"].get("llm"):
                raise Skip("LLM drafting not configured by the harness: %r" % hl)
            t0 = time.monotonic()
            ids = []
            for i in range(cap + extra):
                t = {"id": "C%d" % i, "subject": "Router reboots %d" % i,
                     "messages": [{"role": "customer", "body": "It reboots every hour %d." % i}]}
                ids.append(h.request("draft.request", ticket=t, options={"mode": "llm", "stream": True}))
            busy, other = [], []
            want = set(ids)
            deadline = time.monotonic() + 60
            while want and time.monotonic() < deadline:
                try:
                    r = h.replies.get(timeout=1)
                except queue.Empty:
                    continue
                if r is None:
                    break
                if r.get("id") not in want:
                    continue
                want.discard(r.get("id"))
                code = (r.get("error") or {}).get("code")
                (busy if code == "busy" else other).append((time.monotonic() - t0, r))
            check(not want, "every draft got a reply (%d missing)" % len(want))
            check(len(busy) >= extra, "%d drafts over the cap of %d refused as busy (got %d)" %
                  (extra, cap, len(busy)))
            check(all(t < 3.5 for t, _ in busy), "busy refusals come at once, not after a timeout")
            check(all(r.get("ok") is False for _, r in other),
                  "the hanging drafts end with an error, not a hang")
            check(busy and busy[0][1]["error"].get("message"), "busy has a message: %r" % (busy[:1],))
            r = h.hello()
            check(r.get("ok"), "hello still answers after the burst")
            print("  %d drafts at once: %d busy at once, %d ended by the idle timeout in %.1f s" %
                  (cap + extra, len(busy), len(other), time.monotonic() - t0))
        finally:
            rc = h.close()
            check(rc == 0, "host exits 0 after the burst (rc %s)" % rc)

        fake.reset()
        h = Host(fake, "ok")
        try:
            body = ("The router reboots every hour since the firmware update, log line %d. " * 1) * 1
            huge = "".join(body % i for i in range(45000))  # about 3.3 MB
            rid = h.request("draft.request", ticket={"id": "BIG", "subject": "Router reboots",
                            "messages": [{"role": "customer", "body": huge}]},
                            options={"mode": "llm", "stream": False})
            r = h.reply(rid, timeout=120)
            check(r.get("id") == rid and "ok" in r, "a 3 MB ticket gets a reply: %s" % str(r)[:200])
            if not r.get("ok"):
                check(r["error"].get("code") and r["error"].get("message"), "a clear error: %r" % r["error"])
            sizes = [len(json.dumps(q.get("body"))) for q in fake.requests()]
            m2 = re.search(r"#define LLM_REQUEST_CAP \((\d+)u \* 1024u \* 1024u\)", limits)
            req_cap = int(m2.group(1)) * 1024 * 1024 if m2 else 2 * 1024 * 1024
            check(all(s <= req_cap for s in sizes), "no request to the provider over %d bytes: %r" %
                  (req_cap, sizes))
            print("  3.3 MB ticket: %s; provider requests %r bytes" %
                  ("drafted" if r.get("ok") else r["error"]["code"], sizes))
            check(h.hello().get("ok"), "hello still answers")
        finally:
            rc = h.close()
            check(rc == 0, "host exits 0 (rc %s)" % rc)

def test_feedback_during_a_long_import_is_not_refused(home):
    """Opt-in (ROBUSTNESS_LONG=1, about 30 s): the deterministic form of the busy issue. An
    import of 4000 long tickets (80 MB) runs while a host writes feedback every 200 ms; no
    write may be refused as busy."""
    if os.environ.get("ROBUSTNESS_LONG") != "1":
        raise Skip("long; run with ROBUSTNESS_LONG=1")
    db = os.path.join(home, "long.db")
    require_index(home)
    src = os.path.join(home, "long.jsonl")
    body = "The sync service times out when the export job runs, error E1234 appears again. " * 250
    with open(src, "w") as f:
        for i in range(4000):
            f.write(json.dumps({"id": "L%d" % i, "subject": "sync timeout %d" % i,
                                "messages": [{"role": "customer", "body": body}]}) + "\n")
    small = os.path.join(home, "small.jsonl")
    write_tickets(small, 5)
    cli(home, db, "index", "tickets", small)
    h = require_nm(home, db)
    did, r = new_draft(h, "d", 1)
    check(did, "a draft to give feedback on: %r" % r)
    imp = subprocess.Popen([HOST, "--db", db, "index", "tickets", src], env=base_env(home, db),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    refused, worst, n = [], 0.0, 0
    t0 = time.monotonic()
    while imp.poll() is None and did:
        t1 = time.monotonic()
        r = h.call({"id": "f%d" % n, "type": "feedback.sent", "draft_id": did,
                    "sent_text": "reply %d: restart the sync" % n})
        worst = max(worst, time.monotonic() - t1)
        if not (r and r.get("ok")):
            refused.append((round(time.monotonic() - t0, 1), r))
        n += 1
        time.sleep(0.2)
    imp.wait()
    imp.stderr.close()
    h.close()
    print("  %d feedback writes during a %.1f s import; slowest %.2f s; %d refused" %
          (n, time.monotonic() - t0, worst, len(refused)))
    known_issue(not refused, "core (ingest/store): feedback.sent refused during a long import: %r" %
                refused[:2])



CASES = [
    test_two_hosts_share_one_database_without_lost_writes,
    test_kill9_during_import_leaves_a_consistent_database,
    test_kill9_during_feedback_keeps_every_acknowledged_write,
    test_corrupt_database_is_a_clear_error,
    test_newer_schema_is_a_clear_error,
    test_read_only_database_directory_is_a_clear_error,
    test_disk_full_is_a_clear_error,
    test_native_messaging_limits_and_bad_frames,
    test_llm_limits_concurrent_drafts_and_prompt_size,
    test_feedback_during_a_long_import_is_not_refused,
]


def main():
    only = sys.argv[1:]
    for fn in CASES:
        if only and not any(o in fn.__name__ for o in only):
            continue
        print("--", fn.__name__)
        home = tempfile.mkdtemp(prefix="precedent-robust-")
        t0 = time.monotonic()
        try:
            fn(home)
        except Skip as e:
            skips.append(fn.__name__)
            print("  SKIP:", e)
        except Exception as e:
            import traceback
            traceback.print_exc()
            failures.append("%s: %r" % (fn.__name__, e))
        finally:
            for d, dirs, files in os.walk(home):
                os.chmod(d, 0o755)
            shutil.rmtree(home, ignore_errors=True)
        print("   (%.1f s)" % (time.monotonic() - t0))
    for k in known:
        print("KNOWN ISSUE:", k)
    if failures:
        print("test_robustness: %d failure(s), %d skipped" % (len(failures), len(skips)))
        return 1
    print("test_robustness: passed (%d skipped until their features land, %d known issues)" %
          (len(skips), len(known)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

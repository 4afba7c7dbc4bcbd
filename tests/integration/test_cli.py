"""The CLI of the real binary: clear errors and exit codes, bad import lines
reported with their line numbers while good lines are kept, search and draft
output shapes, redact and editdist on stdin/files."""
import json
import os
import sqlite3

from hostlib import Env, FIXTURES, HOST, load_fixture, run_tests


def with_env(fn):
    def wrapper():
        env = Env()
        try:
            fn(env)
        finally:
            env.close()
    wrapper.__name__ = fn.__name__
    return wrapper


@with_env
def test_usage_and_version(env):
    assert env.cli("--version", check=0).stdout.startswith(b"precedent-host ")
    assert b"index tickets" in env.cli("--help", check=0).stdout
    assert env.cli(check=2).stderr
    assert b"unknown command" in env.cli("frobnicate", check=2).stderr
    env.cli("index", "tickets", check=2)
    env.cli("search", check=2)


@with_env
def test_missing_file_is_a_user_error(env):
    r = env.cli("index", "tickets", os.path.join(env.dir, "nope.jsonl"), check=1)
    assert b"nope.jsonl" in r.stderr and b"No such file" in r.stderr, r.stderr
    r = env.cli("index", "docs", os.path.join(env.dir, "nodir"), check=1)
    assert b"nodir" in r.stderr
    r = env.cli("draft", os.path.join(env.dir, "none.json"), check=1)
    assert b"none.json" in r.stderr


@with_env
def test_bad_lines_are_reported_and_good_lines_kept(env):
    path = os.path.join(env.dir, "mixed.jsonl")
    good = {"id": "A1", "subject": "Export stuck", "messages": [{"body": "export hangs at 99%"}]}
    with open(path, "wb") as f:
        f.write(json.dumps(good).encode() + b"\n")
        f.write(b"{broken json\n")
        f.write(b"\n")
        f.write(json.dumps({"subject": "no id", "messages": [{"body": "x"}]}).encode() + b"\n")
        f.write(b'{"id": "A2", "subject": "bad \xff utf8", "messages": [{"body": "x"}]}\n')
        f.write(json.dumps({"id": "A3", "subject": "ok", "tags": "notalist",
                            "messages": [{"body": "x"}]}).encode() + b"\n")
        f.write(json.dumps({**good, "id": "A4"}).encode() + b"\n")
    r = env.cli("index", "tickets", path, check=0)
    err = r.stderr.decode()
    assert "imported 2" in err and "rejected 4" in err, err
    assert "mixed.jsonl:2: not valid JSON" in err, err
    assert "mixed.jsonl:4:" in err and "id" in err, err
    assert "mixed.jsonl:5: not valid UTF-8" in err, err
    assert "mixed.jsonl:6:" in err and "tags" in err, err
    # Re-import: unchanged tickets are skipped, none duplicated.
    r = env.cli("index", "tickets", path, check=0)
    assert "imported 0" in r.stderr.decode() and "skipped 2" in r.stderr.decode()
    n = sqlite3.connect(env.db).execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert n == 2


@with_env
def test_unreadable_database_is_a_user_error(env):
    bad = os.path.join(env.dir, "corrupt.db")
    with open(bad, "w") as f:
        f.write("garbage " * 1000)
    r = env.cli("--db", bad, "search", "invoice", check=1)
    assert b"corrupt" in r.stderr and bad.encode() in r.stderr, r.stderr
    blocker = os.path.join(env.dir, "file")
    open(blocker, "w").close()
    r = env.cli("--db", os.path.join(blocker, "p.db"), "stats", check=1)
    assert r.stderr


@with_env
def test_search_json_shape_and_order(env):
    env.index_mini()
    out = json.loads(env.cli("search", "--json", "invoice pdf export blank", check=0).stdout)
    assert out["tickets"][0]["id"] == "1002", out
    for t in out["tickets"]:
        assert set(["id", "subject", "score", "snippet"]) <= set(t), t
    assert out["docs"][0]["path"] == "billing/invoices.md", out
    assert set(["path", "anchor", "title", "score", "snippet"]) <= set(out["docs"][0])
    assert 0 <= out["confidence"] <= 1
    scores = [t["score"] for t in out["tickets"]]
    assert scores == sorted(scores, reverse=True)


@with_env
def test_doc_sections_have_stable_anchors(env):
    env.index_mini()
    db = sqlite3.connect(env.db)
    anchors = sorted(a for (a,) in db.execute(
        "SELECT anchor FROM doc_sections WHERE doc_path='sso/saml.md'"))
    assert anchors == sorted(["saml-single-sign-on", "troubleshooting", "saml_response_expired",
                              "saml_audience_mismatch"]), anchors
    # Re-import keeps them (and skips the unchanged files).
    r = env.cli("index", "docs", os.path.join(FIXTURES, "mini", "docs"), check=0)
    assert "skipped 3" in r.stderr.decode(), r.stderr


@with_env
def test_draft_json_cites_stored_sources(env):
    env.index_mini()
    out = json.loads(env.cli("draft", "--json", os.path.join(FIXTURES, "open-saml.json"),
                             check=0).stdout)
    assert out["citations"], out
    db = sqlite3.connect(env.db)
    for c in out["citations"]:
        assert c["ref"] in out["text"], c
        if c["kind"] == "ticket":
            assert db.execute("SELECT 1 FROM tickets WHERE id=?", (c["id"],)).fetchone()
        else:
            p, a = c["id"].split("#", 1)
            assert db.execute("SELECT 1 FROM doc_sections WHERE doc_path=? AND anchor=?",
                              (p, a)).fetchone()
    text = env.cli("draft", os.path.join(FIXTURES, "open-saml.json"), check=0).stdout.decode()
    assert "Hi Oscar Berg," in text and "[#1001]" in text


@with_env
def test_redact_and_editdist(env):
    r = env.cli("redact", stdin=b"mail me at jo@example.com or card 4111 1111 1111 1111\n",
                check=0)
    out = r.stdout.decode()
    assert "jo@example.com" not in out and "4111" not in out and "[EMAIL_1]" in out, out
    j = json.loads(env.cli("redact", "--json", stdin=b"jo@example.com", check=0).stdout)
    assert j["spans"][0]["type"] == "EMAIL" and j["spans"][0]["start"] == 0
    assert j["spans"][0]["end"] == 14
    a, b = os.path.join(env.dir, "a.txt"), os.path.join(env.dir, "b.txt")
    open(a, "w").write("kitten ✓")
    open(b, "w").write("sitting ✓")
    j = json.loads(env.cli("editdist", "--json", a, b, check=0).stdout)
    assert j["edit_distance"] == 3 and abs(j["edit_ratio"] - 3 / 9) < 1e-9, j


@with_env
def test_read_only_database_still_serves_search(env):
    """A shared index in a directory the agent cannot write: search and stats work,
    drafting says why it cannot."""
    import shutil
    import stat
    import subprocess
    ro = os.path.join(env.dir, "ro")
    os.makedirs(ro)
    db = os.path.join(ro, "team.db")
    env.cli("--db", db, "index", "tickets", os.path.join(FIXTURES, "mini", "tickets.jsonl"), check=0)
    for f in os.listdir(ro):
        os.chmod(os.path.join(ro, f), 0o444)
    os.chmod(ro, 0o555)
    for d in (env.dir,):
        os.chmod(d, 0o755)
    try:
        def run(*args):
            cmd = [os.environ.get("PRECEDENT_HOST") or HOST, "--db", db, *args]
            if os.geteuid() == 0:  # root writes anywhere: run as an ordinary user
                assert shutil.which("setpriv"), "setpriv (util-linux) is needed as root"
                cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
            e = dict(env.env, HOME=env.dir)
            return subprocess.run(cmd, capture_output=True, env=e, timeout=60)
        r = run("search", "--json", "invoice pdf blank")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["tickets"][0]["id"] == "1002"
        r = run("draft", os.path.join(FIXTURES, "open-saml.json"))
        assert r.returncode == 1 and b"read-only" in r.stderr, (r.returncode, r.stderr)
    finally:
        os.chmod(ro, 0o755)


@with_env
def test_stats_and_gaps_on_an_empty_database(env):
    out = json.loads(env.cli("stats", "--json", check=0).stdout)
    assert out["drafts"] == 0 and out["sent"] == 0
    out = json.loads(env.cli("gaps", "--json", check=0).stdout)
    assert out["gaps"] == []
    env.cli("stats", "--bogus", check=2)


if __name__ == "__main__":
    run_tests([test_usage_and_version, test_missing_file_is_a_user_error,
               test_bad_lines_are_reported_and_good_lines_kept,
               test_unreadable_database_is_a_user_error, test_search_json_shape_and_order,
               test_doc_sections_have_stable_anchors, test_draft_json_cites_stored_sources,
               test_redact_and_editdist, test_read_only_database_still_serves_search,
               test_stats_and_gaps_on_an_empty_database])

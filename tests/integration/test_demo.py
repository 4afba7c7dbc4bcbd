"""`make demo`'s script on the real binary: it indexes the bundled sample corpus,
drafts every sample open ticket offline, and every citation in the drafts resolves
to a stored ticket or doc section (the script checks and fails otherwise); the
sample's uncovered ticket comes out as a knowledge gap, the others with citations."""
import glob
import json
import os
import subprocess
import tempfile
import shutil

from hostlib import HOST, ROOT, run_tests


def test_demo_drafts_cite_stored_sources():
    out = tempfile.mkdtemp(prefix="precedent-demo-")
    try:
        env = dict(os.environ, PRECEDENT_HOST=HOST, DEMO_DIR=os.path.join(out, "d"))
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "demo.sh")], cwd=ROOT, env=env,
                           capture_output=True, timeout=300)
        assert r.returncode == 0, r.stdout.decode()[-3000:] + r.stderr.decode()[-3000:]
        assert b"all resolve" in r.stdout, r.stdout[-2000:]
        drafts = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "d", "*.draft.json")))]
        assert len(drafts) >= 2
        cited = [d for d in drafts if d["citations"]]
        gaps = [d for d in drafts if d["knowledge_gap"]]
        assert len(cited) >= 2, [d["text"] for d in drafts]
        assert len(gaps) >= 1
        for d in cited:
            assert not d["knowledge_gap"] and d["text"].startswith("Hi "), d["text"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    run_tests([test_demo_drafts_cite_stored_sources])

#!/usr/bin/env bash
# bench/run.sh - retrieval quality on the public sets: plain FTS5 BM25 (the
# baseline, as ../shared/tools/baseline_bm25.py computes it) beside
# precedent-host's ranking, side by side. Called by `make bench`.
# Needs ../shared/data/retrieval (skipped with a note when absent).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
host=${PRECEDENT_HOST:-$here/build/precedent-host}
shared=${PRECEDENT_SHARED:-$here/../shared}
data=$shared/data/retrieval
if [ ! -d "$data" ] || [ ! -f "$shared/tools/baseline_bm25.py" ]; then
	echo "bench/run.sh: $data not found: retrieval quality bench skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$host" --db "$tmp/sf.db" index tickets "$data/stackfaq/tickets.jsonl" 2>/dev/null
"$host" --db "$tmp/em.db" index docs "$data/emanual_s10/docs" 2>/dev/null

python3 - "$host" "$tmp" "$data" "$shared/tools" <<'EOF'
import json, os, subprocess, sys
host, tmp, data, tools = sys.argv[1:5]
sys.path.insert(0, tools)
import baseline_bm25 as b

def ours(db, name, *extra):
    r = subprocess.run([host, "--db", db, "eval", "--json", "--subject-only", *extra,
                        "--qrels", os.path.join(data, name, "qrels.tsv")],
                       capture_output=True, text=True, check=True)
    m = json.loads(r.stdout)
    return {"MRR@10": m["mrr@10"], "R@1": m["recall@1"], "R@5": m["recall@5"],
            "R@10": m["recall@10"], "nDCG@10": m["ndcg@10"], "p50 ms": m["ms_p50"]}

def base(name, kind):
    d = os.path.join(data, name)
    c = b.index_tickets(os.path.join(d, "tickets.jsonl")) if kind == "tickets" \
        else b.index_docs(os.path.join(d, "docs"))
    qs = [json.loads(l) for l in open(os.path.join(d, "queries.jsonl"))]
    runs = {q["id"]: b.rank(c, q["subject"]) for q in qs}
    return b.metrics(runs, b.qrels(os.path.join(d, "qrels.tsv")))

targets = {"stackfaq": 0.85, "emanual_s10": 0.45}
print("retrieval quality (queries are the subjects, as ../shared/tools/retrieval-eval runs them)")
print(f"{'set':13} {'system':26} {'MRR@10':>7} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'nDCG@10':>8} {'p50 ms':>7}")
for name, kind, db in (("stackfaq", "tickets", "sf.db"), ("emanual_s10", "docs", "em.db")):
    rows = [("FTS5 BM25 baseline", base(name, kind)),
            ("precedent-host", ours(os.path.join(tmp, db), name)),
            ("precedent-host --feedback", ours(os.path.join(tmp, db), name, "--feedback"))]
    for who, m in rows:
        print(f"{name:13} {who:26} {m['MRR@10']:7.3f} {m['R@1']:6.3f} {m['R@5']:6.3f} "
              f"{m['R@10']:6.3f} {m.get('nDCG@10', float('nan')):8.3f} {m.get('p50 ms', float('nan')):7.2f}")
    print(f"{name:13} {'target MRR@10':26} {targets[name]:7.3f}")
EOF

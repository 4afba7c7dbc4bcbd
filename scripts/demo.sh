#!/usr/bin/env bash
# make demo: index the bundled sample corpus (a fictional B2B SaaS, "Ledgerline") into
# a fresh demo database and draft replies for the sample open tickets with the
# offline drafter (no LLM, no network). Prints each draft with its citations, checks
# that every citation resolves to a stored ticket or doc section, then shows the
# feedback loop on one draft.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${PRECEDENT_HOST:-build/precedent-host}
OUT=${DEMO_DIR:-demo-data}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)   # absolute, whether DEMO_DIR was given relative or absolute
export PRECEDENT_DB="$OUT/precedent.db"
export PRECEDENT_EVENTS="$OUT/events.jsonl"
export XDG_CONFIG_HOME="$OUT/config"   # the demo ignores any personal config
unset PRECEDENT_LLM_PROVIDER PRECEDENT_LLM_BASE_URL PRECEDENT_LLM_MODEL PRECEDENT_LLM_API_KEY

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Indexing the sample corpus (PII is redacted before anything is stored)"
"$HOST" index tickets sample/tickets.jsonl
"$HOST" index docs sample/docs
"$HOST" index customers sample/customers.csv

for t in sample/open/*.json; do
	say "Draft for $(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print("#"+t["id"]+": "+t["subject"])' "$t")"
	"$HOST" draft --json "$t" > "$OUT/$(basename "$t" .json).draft.json"
	python3 - "$OUT/$(basename "$t" .json).draft.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["text"].rstrip())
print(f"--- draft {d['draft_id']}  confidence {d['confidence']:.2f}" + ("  (knowledge gap)" if d["knowledge_gap"] else ""))
for c in d["citations"]:
    print(f"  {c['ref']}  {c['title']}")
for f in d["flags"]:
    print(f"  flag {f['kind']}: {f['message']}")
PY
done

say "Checking that every citation resolves to a stored ticket or doc section"
python3 - "$PRECEDENT_DB" "$OUT"/*.draft.json <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = 0
for path in sys.argv[2:]:
    d = json.load(open(path))
    for c in d["citations"]:
        if c["kind"] == "ticket":
            ok = db.execute("SELECT 1 FROM tickets WHERE id=?", (c["id"],)).fetchone()
        else:
            p, a = c["id"].split("#", 1)
            ok = db.execute("SELECT 1 FROM doc_sections WHERE doc_path=? AND anchor=?", (p, a)).fetchone()
        if not ok or c["ref"] not in d["text"]:
            sys.exit(f"citation {c['ref']} in {path} does not resolve")
        n += 1
print(f"{n} citations, all resolve")
PY

say "The quality loop: the agent edits and sends the first draft"
python3 - "$HOST" "$OUT" <<'PY'
import json, struct, subprocess, sys, glob
host, out = sys.argv[1], sys.argv[2]
first = sorted(glob.glob(out + "/*.draft.json"))[0]
d = json.load(open(first))
sent = d["text"].replace("Thanks for reaching out.", "Thanks for the quick heads-up, and sorry for the trouble.")
msg = json.dumps({"id": 1, "type": "feedback.sent", "draft_id": d["draft_id"], "sent_text": sent}).encode()
r = subprocess.run([host, "chrome-extension://demo/"], input=struct.pack("=I", len(msg)) + msg,
                   capture_output=True, check=True)
reply = json.loads(r.stdout[4:])
print("feedback.sent ->", json.dumps(reply["result"]))
PY
"$HOST" stats
echo
echo "Signals written to $PRECEDENT_EVENTS:"
cut -c1-160 "$PRECEDENT_EVENTS"

#!/usr/bin/env bash
# Memcheck over the integration scenarios, on the release binary (valgrind cannot run the ASan
# build): install/doctor/uninstall, doctor's provider probe, an import, search, stats, redact,
# an offline draft, and a native messaging session with good and bad frames. Any invalid read
# or write, use of uninitialised memory, bad free or definite leak fails the run. Commands that
# have not landed yet (exit 2 with usage) are skipped. Run from `make integration`.
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${PRECEDENT_HOST_RELEASE:-build/precedent-host}")
if ! command -v valgrind >/dev/null; then
	echo "valgrind: not installed; skipped"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "valgrind: no $BIN"
	exit 1
fi
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --child-silent-after-fork=yes --num-callers=30
    --xml=yes)
# VALGRIND_EXTRA="--track-origins=yes" says where an uninitialised value came from (slower).
# shellcheck disable=SC2206
VG+=(${VALGRIND_EXTRA:-})
T=$(mktemp -d /tmp/precedent-vg-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home"
mkdir -p "$HOME"
unset XDG_CONFIG_HOME XDG_DATA_HOME PRECEDENT_LLM_BASE_URL PRECEDENT_LLM_API_KEY PRECEDENT_DB
export PRECEDENT_LLM_PROVIDER=offline
fail=0
ran=0
skipped=0

# Memcheck errors from the XML report, except those raised inside code that belongs to no
# mapped file: PCRE2's JIT-compiled matchers read whole words past the subject (by design,
# within the allocation's slack), which memcheck cannot know. Every other error counts.
vg_errors() {
	python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print("valgrind: unreadable XML report: %s" % e)
    sys.exit(1)
bad = jit = 0
for err in root.iter("error"):
    frames = err.findall("./stack/frame")
    if frames and frames[0].find("obj") is None and frames[0].find("fn") is None:
        jit += 1
        continue
    bad += 1
    what = err.findtext("what") or err.findtext("./xwhat/text") or err.findtext("kind")
    print("  %s: %s" % (err.findtext("kind"), what))
    for f in frames[:12]:
        print("    %s %s %s:%s" % (f.findtext("fn") or "?", f.findtext("obj") or "",
                                   f.findtext("file") or "", f.findtext("line") or ""))
if jit:
    print("  (%d reports inside JIT-compiled code ignored)" % jit)
sys.exit(1 if bad else 0)
PY
}

# The native messaging driver: writes each frame of a file (a JSON list of frames, each a
# message or {"raw_hex": ...}) and waits for its reply before the next, so that EOF comes only
# after the host has answered everything (EOF is a shutdown that cancels work in flight).
cat >"$T/drive.py" <<'PY'
import json, struct, subprocess, sys, threading, queue
frames = json.load(open(sys.argv[1]))
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
q = queue.Queue()
def reader():
    while True:
        h = p.stdout.read(4)
        if len(h) < 4:
            q.put(None)
            return
        q.put(json.loads(p.stdout.read(struct.unpack("=I", h)[0])))
threading.Thread(target=reader, daemon=True).start()
for f in frames:
    if "raw_hex" in f:
        p.stdin.write(bytes.fromhex(f["raw_hex"]))
    else:
        b = json.dumps(f).encode()
        p.stdin.write(struct.pack("=I", len(b)) + b)
    p.stdin.flush()
    while True:
        r = q.get(timeout=300)
        if r is None:
            sys.exit("host exited early")
        print(json.dumps(r)[:300])
        if r.get("id") == f.get("id", r.get("id")) and r.get("type") is None:
            break
p.stdin.close()
sys.exit(p.wait())
PY

# vg NAME STDIN_FILE ARGS...: runs BIN ARGS under memcheck and fails on any error it reports.
# With STDIN_FILE ending in .frames.json, the driver above speaks native messaging to it.
vg() {
	local name=$1 in=$2
	shift 2
	local rc
	if [[ $in == *.frames.json ]]; then
		python3 "$T/drive.py" "$in" "${VG[@]}" --xml-file="$T/vg.xml" "$BIN" "$@" \
			</dev/null >"$T/out" 2>"$T/err"
	else
		"${VG[@]}" --xml-file="$T/vg.xml" "$BIN" "$@" <"$in" >"$T/out" 2>"$T/err"
	fi
	rc=$?
	if [ $rc -eq 2 ] && grep -qi usage "$T/err"; then
		echo "valgrind: skip $name (not available yet)"
		skipped=$((skipped + 1))
		return $rc
	fi
	if ! vg_errors "$T/vg.xml" >"$T/report"; then
		echo "valgrind: FAILED $name (exit $rc)"
		sed -n '1,80p' "$T/report"
		fail=1
	else
		echo "valgrind: $name ok in ${SECONDS}s total$([ -s "$T/report" ] && echo ", $(tail -1 "$T/report" | sed "s/^ *//")")"
		ran=$((ran + 1))
	fi
	[ $rc -eq 99 ] && rc=0
	return $rc
}

vg install /dev/null install --browser all
if ! grep -q "\"path\":[[:space:]]*\"$BIN\"" "$HOME/.config/chromium/NativeMessagingHosts/io.precedent.host.json"; then
	echo "valgrind: FAILED install under valgrind must still register $BIN"
	fail=1
fi
vg doctor /dev/null doctor
PRECEDENT_LLM_PROVIDER=openai PRECEDENT_LLM_BASE_URL=http://127.0.0.1:9/v1 vg doctor-provider /dev/null doctor --json
vg uninstall /dev/null uninstall

python3 - "$T" <<'PY'
import json, struct, sys
t = sys.argv[1]
with open(t + "/tickets.jsonl", "w") as f:
    for i in range(60):
        topic = ["printer", "login", "invoice", "sync"][i % 4]
        f.write(json.dumps({"id": "T%d" % i, "subject": "%s fails with E%d" % (topic, i),
            "status": "solved", "messages": [{"role": "customer", "body":
            "My %s fails with error E%d, mail me at jane.doe%d@example.com" % (topic, i, i)},
            {"role": "agent", "body": "Clear the %s cache." % topic}],
            "resolution": "Cleared the %s cache." % topic}) + "\n")
ticket = {"id": "LIVE1", "subject": "printer fails with E3", "messages": [
    {"role": "customer", "body": "The printer fails with E3 since Monday. Call +1 415 555 0100."}]}
json.dump(ticket, open(t + "/ticket.json", "w"))
open(t + "/redact.txt", "w").write("Card 4111 1111 1111 1111, mail bob@example.org\n")
def raw(b):
    return {"raw_hex": (struct.pack("=I", len(b)) + b).hex()}
frames = [
    {"id": 1, "type": "hello", "client": "vg", "origin": "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh"},
    {"id": 2, "type": "search", "query": "printer cache", "k": 5},
    {"id": 3, "type": "draft.request", "ticket": ticket, "options": {"mode": "offline", "stream": False}},
    {"id": 4, "type": "stats"},
    raw(b"{not json"), raw(b'{"id":5,"type":"hello","client":"\xff"}'), raw(b"[1]"),
    {"raw_hex": (struct.pack("=I", 9 * 1024 * 1024) + b" " * (9 * 1024 * 1024)).hex()},
    {"id": 6, "type": "hello", "client": "vg"}]
json.dump(frames, open(t + "/nm.frames.json", "w"))
hello = frames[0]
json.dump([hello, {"id": 2, "type": "draft.request", "ticket": ticket, "options": {"mode": "llm", "stream": False}},
           {"id": 3, "type": "draft.request", "ticket": ticket, "options": {"mode": "llm", "stream": True}}],
          open(t + "/llm.frames.json", "w"))
PY

DB="$T/vg.db"
if vg index /dev/null --db "$DB" index tickets "$T/tickets.jsonl"; then
	vg search /dev/null --db "$DB" search --json "printer cache"
	vg stats /dev/null --db "$DB" stats --json
	vg draft /dev/null --db "$DB" draft --json --offline "$T/ticket.json"
fi
vg redact "$T/redact.txt" redact --json
PRECEDENT_DB="$DB" vg native-messaging "$T/nm.frames.json" "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/"

# LLM drafting over libcurl against the fake provider (tests/fake_llm/server.py), streamed and
# not, plus a draft the provider cuts mid-stream.
if [ -f tests/fake_llm/server.py ]; then
	python3 -u tests/fake_llm/server.py >"$T/fake.out" 2>/dev/null &
	fake=$!
	for _ in $(seq 50); do grep -q '^PORT' "$T/fake.out" && break; sleep 0.1; done
	port=$(sed -n 's/^PORT \([0-9]*\).*/\1/p' "$T/fake.out")
	if [ -n "$port" ]; then
		for sc in ok cut; do
			PRECEDENT_DB="$DB" PRECEDENT_LLM_PROVIDER=openai PRECEDENT_LLM_MODEL=fake \
			PRECEDENT_LLM_API_KEY=sk-fake PRECEDENT_LLM_BASE_URL="http://127.0.0.1:$port/s/$sc/v1" \
				vg "llm-$sc" "$T/llm.frames.json" "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/"
			if ! grep -q '"id": 3' "$T/out"; then
				echo "valgrind: FAILED llm-$sc: no reply to the streamed draft"
				fail=1
			fi
		done
	fi
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
fi

echo "valgrind: $ran runs clean, $skipped skipped"
exit $fail

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
    --show-leak-kinds=definite --track-origins=yes --child-silent-after-fork=yes --num-callers=30
    --xml=yes)
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

# vg NAME STDIN_FILE ARGS...: runs BIN ARGS under memcheck and fails on any error it reports.
vg() {
	local name=$1 in=$2
	shift 2
	local rc
	"${VG[@]}" --xml-file="$T/vg.xml" "$BIN" "$@" <"$in" >"$T/out" 2>"$T/err"
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
		[ -s "$T/report" ] && echo "valgrind: $name: $(tail -1 "$T/report")"
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
def frame(b):
    return struct.pack("=I", len(b)) + b
frames = [frame(json.dumps(m).encode()) for m in [
    {"id": 1, "type": "hello", "client": "vg", "origin": "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh"},
    {"id": 2, "type": "search", "query": "printer cache", "k": 5},
    {"id": 3, "type": "draft.request", "ticket": ticket, "options": {"mode": "offline", "stream": False}},
    {"id": 4, "type": "stats"}]]
frames += [frame(b"{not json"), frame(b'{"id":5,"type":"hello","client":"\xff"}'), frame(b"[1]"),
           struct.pack("=I", 9 * 1024 * 1024) + b" " * (9 * 1024 * 1024)]
frames.append(frame(json.dumps({"id": 6, "type": "hello", "client": "vg"}).encode()))
open(t + "/frames.bin", "wb").write(b"".join(frames))
PY

DB="$T/vg.db"
if vg index /dev/null --db "$DB" index tickets "$T/tickets.jsonl"; then
	vg search /dev/null --db "$DB" search --json "printer cache"
	vg stats /dev/null --db "$DB" stats --json
	vg draft /dev/null --db "$DB" draft --json --offline "$T/ticket.json"
fi
vg redact "$T/redact.txt" redact --json
PRECEDENT_DB="$DB" vg native-messaging "$T/frames.bin" "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh/"

echo "valgrind: $ran runs clean, $skipped skipped"
exit $fail

#!/usr/bin/env bash
# Runs every integration test (tests/integration/test_*.py) against the built host
# ($PRECEDENT_HOST, default build/precedent-host). Each test drives the real binary.
set -u
cd "$(dirname "$0")/../.."
export PRECEDENT_HOST="${PRECEDENT_HOST:-$PWD/build/precedent-host}"
fail=0
for t in tests/integration/test_*.py; do
	[ -e "$t" ] || continue
	echo "== $t"
	if ! python3 "$t"; then
		echo "FAILED: $t"
		fail=1
	fi
done
exit $fail

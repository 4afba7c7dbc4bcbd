#!/usr/bin/env bash
# Runs each fuzz target for SECONDS seconds over its seed corpus (tests/fuzz/corpus/NAME).
# usage: run.sh SECONDS TARGET...
set -u
secs=$1; shift
fail=0
for t in "$@"; do
	name=$(basename "$t")
	seeds="tests/fuzz/corpus/${name#fuzz_}"
	work="build/fuzz/corpus-${name#fuzz_}"
	mkdir -p "$work"
	args=("$work")
	[ -d "$seeds" ] && args+=("$seeds")
	echo "== $name (${secs}s)"
	if ! "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "${args[@]}" \
		>"build/fuzz/$name.log" 2>&1; then
		tail -40 "build/fuzz/$name.log"
		echo "FAILED: $name"
		fail=1
	fi
done
exit $fail

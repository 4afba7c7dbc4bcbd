#!/usr/bin/env bash
# End-to-end tests of the extension in Debian's Chromium (called by `make e2e`).
# Needs: /usr/bin/chromium (scripts/deps.sh), node_modules (npm ci), build/precedent-host.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "e2e: $CHROMIUM not found: install Debian's chromium (make deps)" >&2
	exit 1
fi
if [ ! -d node_modules/playwright-core ]; then
	echo "e2e: node_modules missing: run npm ci" >&2
	exit 1
fi
if [ ! -x build/precedent-host ]; then
	echo "e2e: build/precedent-host missing: run make" >&2
	exit 1
fi
mkdir -p tests/e2e/artifacts
exec node --test --test-concurrency=1 tests/e2e/

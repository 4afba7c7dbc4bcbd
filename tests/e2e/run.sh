#!/usr/bin/env bash
# End-to-end tests of the extension in Debian's Chromium (called by `make e2e`).
# Needs: /usr/bin/chromium (scripts/deps.sh), node_modules (npm ci), build/precedent-host;
# Debian's firefox-esr for the Firefox test (skipped without it).
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
# Node 20 has WebSocket behind a flag (the Firefox test speaks WebDriver BiDi with it).
if node --experimental-websocket -e 'WebSocket' 2>/dev/null; then
	export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-websocket"
fi
if [ ! -x "${FIREFOX:-/usr/bin/firefox-esr}" ]; then
	echo "e2e: firefox-esr not installed: the Firefox test will be skipped (apt-get install firefox-esr)"
fi
exec node --test --test-concurrency=1 tests/e2e/

#!/usr/bin/env bash
# Installs the Debian packages Precedent builds, tests and runs with. Idempotent:
# packages already present are not reinstalled; nothing runs when all are there.
set -euo pipefail
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      libwebsockets-dev libwebsockets-evlib-uv libcjson-dev libcurl4-openssl-dev
      libsqlite3-dev sqlite3 libpcre2-dev libuv1-dev libcmocka-dev
      python3 nodejs npm chromium firefox-esr zip valgrind)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (they do on some machines): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
	tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
	missing=("${tmp[@]+"${tmp[@]}"}")
fi
if command -v python3 >/dev/null; then
	tmp=(); for p in "${missing[@]+"${missing[@]}"}"; do [[ $p == python3 ]] || tmp+=("$p"); done
	missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all Debian packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

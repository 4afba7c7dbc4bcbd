#!/usr/bin/env bash
# make dist: release artifacts in dist/, all carrying the one version in
# include/precedent/limits.h (PRECEDENT_VERSION).
#   dist/precedent-extension-chrome-V.zip   extension/ for the Chrome Web Store (no "key":
#                                            the store refuses it and assigns the id)
#   dist/precedent-extension-firefox-V.xpi  unsigned Firefox add-on (gecko id set)
#   dist/precedent-V.tar.gz                 the source (git archive of HEAD)
# Fails when extension/manifest.json's version differs from PRECEDENT_VERSION, or when a file
# the manifest names is missing from the package. Deterministic: sorted entries, fixed
# timestamps (SOURCE_DATE_EPOCH, default the last commit's time).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${DIST_DIR:-dist}
version=$(sed -n 's/^#define PRECEDENT_VERSION "\(.*\)"$/\1/p' include/precedent/limits.h)
if [ -z "$version" ]; then
	echo "dist: cannot read PRECEDENT_VERSION from include/precedent/limits.h" >&2
	exit 1
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}
mkdir -p "$OUT"
echo "dist: version $version"

if [ -f extension/manifest.json ]; then
	python3 - "$version" "$OUT" <<'PY'
import json, os, sys, time, zipfile

version, out = sys.argv[1], sys.argv[2]
SRC = "extension"
FIREFOX_ID = "precedent@precedent.io"
# Not shipped: tests, tooling, the other browser's manifest, editor and OS litter.
SKIP_DIRS = {"test", "tests", "node_modules", ".git", "__tests__", "fixtures"}
SKIP_FILES = {"manifest.json", "manifest.firefox.json", "package.json", "package-lock.json",
              ".DS_Store", "Thumbs.db", ".eslintrc.json"}
FIREFOX_VARIANTS = ["manifest.firefox.json", "firefox/manifest.json"]


def fail(msg):
    sys.stderr.write("dist: %s\n" % msg)
    sys.exit(1)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as e:
        fail("%s is not valid JSON: %s" % (path, e))


def files():
    out = []
    for d, dirs, names in os.walk(SRC):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
        rel = os.path.relpath(d, SRC)
        if rel.split(os.sep)[0] == "firefox":
            continue
        for n in sorted(names):
            if n in SKIP_FILES or n.endswith((".test.js", ".test.mjs", ".spec.js", "~")):
                continue
            out.append(os.path.normpath(os.path.join(rel, n)))
    return out


def referenced(m):
    """Every file the manifest points to (paths relative to the extension root)."""
    refs = []
    bg = m.get("background", {})
    refs += [bg["service_worker"]] if "service_worker" in bg else []
    refs += bg.get("scripts", [])
    for cs in m.get("content_scripts", []):
        refs += cs.get("js", []) + cs.get("css", [])
    for k in ("side_panel", "sidebar_action", "action", "options_ui"):
        v = m.get(k, {})
        for f in ("default_path", "default_panel", "default_popup", "page"):
            if f in v:
                refs.append(v[f])
    if "options_page" in m:
        refs.append(m["options_page"])
    icons = dict(m.get("icons", {}))
    icons.update(m.get("action", {}).get("default_icon", {}) if isinstance(
        m.get("action", {}).get("default_icon"), dict) else {})
    refs += list(icons.values())
    for war in m.get("web_accessible_resources", []):
        refs += [r for r in (war.get("resources", []) if isinstance(war, dict) else [war])
                 if "*" not in r]
    return [r.split("?")[0].split("#")[0].lstrip("/") for r in refs]


def package(path, manifest, names):
    missing = [r for r in referenced(manifest) if os.path.normpath(r) not in names]
    if missing:
        fail("%s: the manifest names files that are not in extension/: %s" % (path, missing))
    stamp = time.gmtime(max(int(os.environ["SOURCE_DATE_EPOCH"]), 315532800))[:6]
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("manifest.json", stamp)
        info.external_attr = 0o644 << 16
        z.writestr(info, json.dumps(manifest, indent=2) + "\n", zipfile.ZIP_DEFLATED)
        for n in names:
            info = zipfile.ZipInfo(n.replace(os.sep, "/"), stamp)
            info.external_attr = 0o644 << 16
            with open(os.path.join(SRC, n), "rb") as f:
                z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
    os.replace(tmp, path)
    print("dist: %s (%d files, %d bytes)" % (path, len(names) + 1, os.path.getsize(path)))


m = load(os.path.join(SRC, "manifest.json"))
if m.get("version") != version:
    fail("extension/manifest.json version %r differs from PRECEDENT_VERSION %r "
         "(include/precedent/limits.h is the one place to change it)" % (m.get("version"), version))
names = files()

chrome = dict(m)
chrome.pop("key", None)  # the Chrome Web Store refuses "key" and assigns the id itself
chrome.pop("browser_specific_settings", None)
package(os.path.join(out, "precedent-extension-chrome-%s.zip" % version), chrome, names)

ff = None
for v in FIREFOX_VARIANTS:
    p = os.path.join(SRC, v)
    if os.path.exists(p):
        ff = load(p)
        if ff.get("version") != version:
            fail("extension/%s version %r differs from PRECEDENT_VERSION %r" % (v, ff.get("version"), version))
        break
if ff is None:
    # Derived from the Chromium manifest: Firefox runs MV3 background scripts as an event
    # page, has a sidebar instead of a side panel, and needs a gecko id for native messaging.
    ff = json.loads(json.dumps(m))
    ff.pop("key", None)
    ff.pop("minimum_chrome_version", None)
    bg = ff.get("background", {})
    if "service_worker" in bg:
        sw = bg.pop("service_worker")
        bg["scripts"] = [sw]
    if "side_panel" in ff:
        sp = ff.pop("side_panel")
        ff["sidebar_action"] = {"default_panel": sp.get("default_path"),
                                "default_title": ff.get("name", "Precedent")}
    if "permissions" in ff:
        ff["permissions"] = [p for p in ff["permissions"] if p not in ("sidePanel",)]
    bss = ff.setdefault("browser_specific_settings", {})
    bss.setdefault("gecko", {}).setdefault("id", FIREFOX_ID)
    bss["gecko"].setdefault("strict_min_version", "115.0")
gid = ff.get("browser_specific_settings", {}).get("gecko", {}).get("id")
if not gid:
    fail("the Firefox manifest has no browser_specific_settings.gecko.id (native messaging needs it)")
package(os.path.join(out, "precedent-extension-firefox-%s.xpi" % version), ff, names)
PY
else
	echo "dist: no extension/manifest.json yet: extension packages skipped" >&2
fi

tarball="$OUT/precedent-$version.tar.gz"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "dist: note: uncommitted changes are not in $tarball (git archive of HEAD)" >&2
fi
git archive --format=tar --prefix="precedent-$version/" HEAD | gzip -n -9 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "dist: $tarball ($(wc -c <"$tarball") bytes)"

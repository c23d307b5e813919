#!/usr/bin/env bash
# What the browser, accessibility and HTML checks (tests/e2e) need beyond the virtualenv:
#   - Debian's Chromium, driven by Playwright's Python package (never `playwright install`:
#     that downloads a browser build, which this project does not fetch);
#   - fonts-noto-cjk, so that screenshots show Japanese instead of empty boxes;
#   - a Java runtime for the Nu HTML Checker;
#   - axe-core and vnu-jar from npm into ./node_modules, pinned by package-lock.json.
# Each step is skipped when its result is already there, so `make test` stays quick.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (Debian packages for the browser checks)…"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "Could not install ${missing[*]}: run apt-get install ${missing[*]} as root and retry." >&2
    exit 1
  fi
fi

# npm ci only when package-lock.json changed since the last install (a copy is kept as stamp).
stamp=node_modules/.tsunagu-package-lock.json
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] \
  || ! cmp -s package-lock.json "$stamp"; then
  echo "Installing axe-core and vnu-jar into node_modules/…"
  # --ignore-scripts: vnu-jar's postinstall would download a Java runtime; Debian's is used.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

#!/usr/bin/env bash
# Debian packages the platform needs beyond Python: gettext (msgfmt compiles the
# translations), Japanese fonts and Pango for the PDF exports (WeasyPrint).
set -euo pipefail
need=(gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
missing=()
for pkg in "${need[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing ${missing[*]} …"
if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root, or install them yourself: apt-get install ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

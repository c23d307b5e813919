#!/usr/bin/env bash
# Debian packages the platform needs beyond Python: gettext (msgfmt compiles the
# translations), Japanese fonts and Pango for the PDF exports (WeasyPrint), and for the
# production checks in `make test`: nginx (the deploy/ site in front of gunicorn),
# openssl (a certificate made at test time) and the PostgreSQL client (pg_dump and
# pg_restore for `manage.py backup` / `restore`).
set -euo pipefail
need=(gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 nginx openssl)
missing=()
for pkg in "${need[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# pg_dump must not be older than the server it dumps; postgresql-client follows the server
# when both come from the same Debian release.
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing ${missing[*]} …"
if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root, or install them yourself: apt-get install ${missing[*]}" >&2
  exit 1
fi
# The tests run nginx themselves (loopback, free ports): keep the package from starting
# the system service on port 80 while it installs.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
fi
trap '[ "$added_policy" -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages the tests use: chromium (Playwright drives it for the
# inbox's browser tests; no browser is downloaded) and nginx (the load balancer of the
# production-profile tests). Runs apt-get as root, or through sudo when allowed.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  run=()
elif sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "The tests need Debian's ${missing[*]}: run 'sudo apt-get install ${missing[*]}' once." >&2
  exit 1
fi
echo "Installing Debian's ${missing[*]} for the tests..." >&2
"${run[@]}" apt-get update -qq
# The tests start nginx themselves on loopback ports; the package's own service is not needed.
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs Debian's chromium for the inbox's browser tests (Playwright drives it; no
# browser is downloaded). Runs apt-get as root, or through sudo when allowed.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ]; then
  run=()
elif sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium' once." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests..." >&2
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq chromium >/dev/null

#!/usr/bin/env bash
# Installs Debian's Chromium + ChromeDriver for the end-to-end browser test, if missing.
# Playwright drives this system browser; its own browser download cannot work offline.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium

#!/usr/bin/env bash
# Installs Debian's chromium (the headless browser of the lecture page's browser test,
# test/page/page.e2e.ts) with apt when it is missing; idempotent. Its package chromium-common
# brings SwiftShader (libvk_swiftshader.so), the software GPU the test's WebGPU pass runs on.
# Set EXACT_GN_NO_APT=1 to forbid apt and fail instead.
#
#   bash scripts/setup-chromium.sh
set -euo pipefail
if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && [ -x /usr/bin/chromium ]; then
  echo "setup-chromium: chromium already installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
  exit 0
fi
if [ "${EXACT_GN_NO_APT:-0}" = "1" ]; then
  echo "setup-chromium: chromium is missing and EXACT_GN_NO_APT=1 forbids apt; install it: apt-get install -y chromium" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-chromium: need root or sudo to run: apt-get install -y --no-install-recommends chromium" >&2
    exit 1
  fi
fi
echo "setup-chromium: installing chromium with apt"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "setup-chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -1)"

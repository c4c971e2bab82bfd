#!/usr/bin/env bash
# Installs Debian's chromium, the headless browser of the lecture page's browser test
# (test/page/page.e2e.ts), when it is missing; idempotent (through scripts/apt-install.sh, so
# EXACT_GN_NO_APT=1 forbids apt). Its dependency chromium-common brings SwiftShader
# (libvk_swiftshader.so), the software GPU the test's WebGPU pass runs on.
#
#   bash scripts/setup-chromium.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEBIAN_PACKAGES=(chromium)
bash "$ROOT/scripts/apt-install.sh" setup-chromium "${DEBIAN_PACKAGES[@]}"
[ -x /usr/bin/chromium ] || { echo "setup-chromium: /usr/bin/chromium is missing after installing chromium" >&2; exit 1; }
echo "setup-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"

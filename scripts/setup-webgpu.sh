#!/usr/bin/env bash
# Sets up the emulated GPU that CI runs the WebGPU backend on: Dawn's OpenGL backend (npm
# `webgpu`) on Mesa's llvmpipe software rasterizer, headless through EGL. Installs with apt only
# what is missing (idempotent: a second run installs nothing), then prints the adapter Dawn finds.
#
#   bash scripts/setup-webgpu.sh           install what is missing, probe
#   bash scripts/setup-webgpu.sh --check   install nothing, probe only
#
# Then: EXACT_GN_BACKEND=webgpu EXACT_GN_WEBGPU_BACKEND=opengl npx tsx --test test/gn/*.test.ts
# Packages: libegl1 + libegl-mesa0 (EGL with Mesa's vendor library), libgl1-mesa-dri (llvmpipe),
# libegl-dev (the unversioned libEGL.so, the name Dawn opens). Debian 12's lavapipe Vulkan is
# rejected by Dawn, so no Vulkan package is needed. Exits 1 when no adapter is found.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CHECK_ONLY=0
[ "${1:-}" = "--check" ] && CHECK_ONLY=1

DEBIAN_PACKAGES=(libegl1 libegl-mesa0 libgl1-mesa-dri libegl-dev)
if [ $CHECK_ONLY -eq 1 ]; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && echo "setup-webgpu: packages present (${DEBIAN_PACKAGES[*]})" || echo "setup-webgpu: missing ${missing[*]} (run without --check to install)"
else
  bash scripts/apt-install.sh setup-webgpu "${DEBIAN_PACKAGES[@]}"
fi

[ -f node_modules/webgpu/package.json ] || { echo "setup-webgpu: npm package 'webgpu' is missing (npm ci)" >&2; exit 1; }
# The project's own adapter search, as the backend loader runs it (software allowed, GL backend
# unless EXACT_GN_WEBGPU_BACKEND / _FLAGS say otherwise). Dawn's limit warnings are dropped.
EXACT_GN_WEBGPU_BACKEND="${EXACT_GN_WEBGPU_BACKEND:-opengl}" node --import tsx --input-type=module -e "
  import { findWebGpuAdapter } from './src/backend/webgpu.js';
  const t0 = performance.now();
  try {
    const a = await findWebGpuAdapter();
    console.log('setup-webgpu: adapter ' + a.summary + ' (' + Math.round(performance.now() - t0) + ' ms)');
  } catch (e) {
    console.log('setup-webgpu: ' + e.message);
    process.exitCode = 1;
  }
  process.exit(); // a live Dawn instance may hold the event loop open
" 2> >(grep -v 'artificially reduced' >&2)

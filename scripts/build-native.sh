#!/usr/bin/env bash
# Builds the OPTIONAL native CPU path: the Node-API addon native/ over OpenBLAS (sgemm, ssyrk, dgemm,
# and LAPACK dsyevd/dsyevr/dpotrf + dpotrs), used by the `blas` tfjs backend (src/backend/blas.ts) and
# by the float64 solves of src/linalg. Nothing else needs it: without it everything runs on wasm.
#
#   1. installs Debian's libopenblas-dev with apt when its cblas.h or libopenblas.so is missing
#      (apt-get update first; needs root or sudo; no other download);
#   2. builds native/build/Release/exact_gn_blas.node with the node-gyp that npm bundles, against the
#      headers of the running Node (never downloads headers: fails with a message if none are found).
#
# Usage: bash scripts/build-native.sh [--no-apt]
# Ends with "native: built <path>" or "native: not built (<why>)" and exit status 0 / 1.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/native" || exit 1
NO_APT=0
[ "${1:-}" = "--no-apt" ] && NO_APT=1

fail() { echo "native: not built ($*)"; exit 1; }

have_openblas() {
  local inc lib
  inc=$(pkg-config --variable=includedir openblas 2>/dev/null)
  lib=$(pkg-config --variable=libdir openblas 2>/dev/null)
  [ -n "$inc" ] && [ -f "$inc/cblas.h" ] && [ -n "$lib" ] && ls "$lib"/libopenblas.so >/dev/null 2>&1
}

# --- 1. OpenBLAS (BLAS + LAPACK in one library) from Debian ---------------------------------------
if ! have_openblas; then
  [ "$NO_APT" = 1 ] && fail "libopenblas-dev is missing and --no-apt was given; install it: apt-get install libopenblas-dev"
  command -v apt-get >/dev/null || fail "libopenblas-dev is missing and apt-get is not available (not Debian/Ubuntu); install OpenBLAS with its pkg-config file"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || fail "libopenblas-dev is missing and installing it needs root or password-less sudo"
    SUDO="sudo -n"
  fi
  echo "native: installing libopenblas-dev with apt"
  $SUDO apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev pkg-config >/dev/null || fail "apt-get install libopenblas-dev failed"
  have_openblas || fail "libopenblas-dev installed but pkg-config cannot find openblas"
fi
command -v cc >/dev/null || fail "no C compiler (apt-get install build-essential)"

# --- 2. Node headers: the running Node's own, never a download --------------------------------------
NODE_BIN="$(command -v node)" || fail "node not found"
NODEDIR="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null)}"
if [ -z "$NODEDIR" ] || [ "$NODEDIR" = "undefined" ] || [ "$NODEDIR" = "null" ] || [ ! -f "$NODEDIR/include/node/node_api.h" ]; then
  NODEDIR="$(cd "$(dirname "$(readlink -f "$NODE_BIN")")/.." && pwd)"
fi
[ -f "$NODEDIR/include/node/node_api.h" ] && [ -f "$NODEDIR/include/node/common.gypi" ] ||
  fail "no Node headers under $NODEDIR/include/node (install the Node headers, or set npm_config_nodedir); refusing to download them"

# --- 3. node-gyp: the copy npm bundles --------------------------------------------------------------
NPM_DIR="$(dirname "$(readlink -f "$(command -v npm)")")/.."
GYP="$NPM_DIR/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || GYP="$(npm prefix -g 2>/dev/null)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || fail "node-gyp not found next to npm (looked in $NPM_DIR/node_modules/node-gyp)"

echo "native: building with node-gyp ($("$NODE_BIN" "$GYP" --version 2>/dev/null)) against $NODEDIR/include/node"
"$NODE_BIN" "$GYP" rebuild --nodedir="$NODEDIR" --jobs=max >build.log 2>&1 || { tail -30 build.log; fail "node-gyp failed (full log: native/build.log)"; }
OUT="$ROOT/native/build/Release/exact_gn_blas.node"
[ -f "$OUT" ] || fail "node-gyp finished but $OUT is missing"
"$NODE_BIN" -e "const b=require('$OUT'); const c=new Float32Array(1); b.sgemm(false,false,1,1,1,1,Float32Array.of(2),Float32Array.of(3),0,c); if(c[0]!==6) throw new Error('sgemm smoke test gave '+c[0]); console.log('native: OpenBLAS', b.config(), b.getNumThreads(), 'threads')" ||
  fail "the addon was built but does not load or compute correctly"
rm -f build.log
echo "native: built $OUT"

#!/usr/bin/env bash
# Fills .gpu-bundle/ with everything scripts/gpu-check.sh needs on a GPU machine that has no
# package registry (x86-64, glibc >= 2.34, root): run it here, where npm and apt work.
#
#   .gpu-bundle/node.xz      this machine's Node binary, xz-compressed
#   .gpu-bundle/app.tar.xz   app/: src + test compiled to JS (tsc), package.json {"type":"module"},
#                            node_modules/ with only the runtime files of tfjs-core, -backend-cpu,
#                            -backend-wasm, -backend-webgpu, webgpu (linux-x64 dawn.node only) and
#                            their small dependencies;
#                            sysroot/: libvulkan1, libegl1, libglvnd0 (Debian .debs, unpacked with
#                            dpkg -x; used only where the machine lacks them) plus libEGL.so, the
#                            unversioned name Dawn opens
#   .gpu-bundle/MANIFEST     what went in, with sizes
#
# The folder is ignored through .git/info/exclude (not committed); a device run takes it with
# carry: [".gpu-bundle"]. The whole working tree that travels must stay under 64 MiB: the script
# fails when the bundle alone exceeds 48 MiB.
# Usage: bash scripts/prepare-gpu-bundle.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
B="$ROOT/.gpu-bundle"
LIMIT_MB=48
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT

if [ -d .git ] && ! grep -qxF '/.gpu-bundle/' .git/info/exclude 2>/dev/null; then
  mkdir -p .git/info && echo '/.gpu-bundle/' >>.git/info/exclude
fi
rm -rf "$B"
mkdir -p "$B" "$STAGE/app/node_modules" "$STAGE/debs" "$STAGE/sysroot"
chmod 755 "$STAGE" && chmod 777 "$STAGE/debs" # apt-get download drops privileges to _apt

echo "== node $(node --version)"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$B/node.xz"

echo "== compiling src + test to JS"
# Type errors in files under construction elsewhere must not stop the emit; the import check
# below catches what matters (every module the GPU run loads exists and resolves).
npx tsc -p tsconfig.test.json --noEmit false --outDir "$STAGE/app" --declaration false --sourceMap false >"$STAGE/tsc.log" 2>&1 ||
  echo "   (tsc reported type errors, emitted anyway: $(grep -c 'error TS' "$STAGE/tsc.log") errors; see 'npx tsc -p tsconfig.test.json')"
for f in src/backend/webgpu.js test/webgpu/bench-gn.js test/webgpu/readback.test.js test/gn/step.test.js; do
  [ -f "$STAGE/app/$f" ] || { echo "missing compiled $f" >&2; exit 1; }
done
echo '{ "name": "exact-gn-gpu-check", "private": true, "type": "module" }' >"$STAGE/app/package.json"

echo "== node_modules subset"
NM="$ROOT/node_modules"
# copy PACKAGE [FILE...]: package.json plus the named files (default: the whole package)
copy() {
  local pkg=$1
  shift
  mkdir -p "$STAGE/app/node_modules/$pkg"
  if [ $# -eq 0 ]; then
    cp -a "$NM/$pkg/." "$STAGE/app/node_modules/$pkg/"
  else
    cp "$NM/$pkg/package.json" "$STAGE/app/node_modules/$pkg/"
    for f in "$@"; do
      mkdir -p "$(dirname "$STAGE/app/node_modules/$pkg/$f")"
      cp -a "$NM/$pkg/$f" "$STAGE/app/node_modules/$pkg/$f"
    done
  fi
}
copy @tensorflow/tfjs-core dist/tf-core.node.js
copy @tensorflow/tfjs-backend-cpu dist/tf-backend-cpu.node.js
copy @tensorflow/tfjs-backend-webgpu dist/tf-backend-webgpu.node.js
# The tests import the full '@tensorflow/tfjs' once, for its autodiff gradients (their reference).
copy @tensorflow/tfjs dist/tf.node.js
copy @tensorflow/tfjs-layers dist/tf-layers.node.js
copy @tensorflow/tfjs-converter dist/tf-converter.node.js
copy @tensorflow/tfjs-data dist/tf-data.node.js
copy @tensorflow/tfjs-backend-webgl dist/tf-backend-webgl.node.js
(cd "$NM/@tensorflow/tfjs-backend-wasm" && ls dist/tf-backend-wasm.node.js dist/*.wasm wasm-out/*.js) |
  while read -r f; do copy @tensorflow/tfjs-backend-wasm "$f"; done
copy webgpu index.js dist/linux-x64/dawn.node
for pkg in long seedrandom node-fetch whatwg-url tr46 webidl-conversions; do
  [ -d "$NM/$pkg" ] && copy "$pkg"
done

echo "== Vulkan loader and EGL (Debian packages, for machines without them)"
(cd "$STAGE/debs" && apt-get download libvulkan1 libegl1 libglvnd0 >/dev/null)
for d in "$STAGE"/debs/*.deb; do dpkg -x "$d" "$STAGE/sysroot"; done
LIBDIR="$STAGE/sysroot/usr/lib/x86_64-linux-gnu"
ln -sf libEGL.so.1 "$LIBDIR/libEGL.so"
rm -rf "$STAGE/sysroot/usr/share/doc"

echo "== checking that the bundle runs on its own (outside this checkout)"
CHECK="$(mktemp -d)"
tar -C "$STAGE" -cf - app | tar -C "$CHECK" -xf -
(cd "$CHECK/app" && node --input-type=module -e "
  await import('./src/backend/index.js');
  await import('./src/backend/webgpu.js');
  await import('./src/gn/step.js');
  await import('@tensorflow/tfjs-backend-webgpu');
  await import('@tensorflow/tfjs-backend-wasm');
  await import('webgpu');
  await import('@tensorflow/tfjs');
  console.log('   imports resolve');
") || { rm -rf "$CHECK"; echo "the bundle's app/ does not load on its own" >&2; exit 1; }
rm -rf "$CHECK"

tar -C "$STAGE" -cf - app sysroot | xz -T0 -9 >"$B/app.tar.xz"
{
  echo "made $(date -u +%FT%TZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?') by scripts/prepare-gpu-bundle.sh"
  echo "node $(node --version)"
  (cd "$STAGE" && du -sh app/node_modules/* app/node_modules/@tensorflow/* app/src app/test sysroot 2>/dev/null | sed 's/^/  /')
  (cd "$B" && ls -l node.xz app.tar.xz | awk '{printf "  %s %.1f MiB\n", $9, $5 / 1048576}')
} >"$B/MANIFEST"
cat "$B/MANIFEST"
total=$(du -sm "$B" | cut -f1)
echo "bundle: ${total} MiB in $B"
[ "$total" -le "$LIMIT_MB" ] || { echo "bundle over ${LIMIT_MB} MiB" >&2; exit 1; }

#!/usr/bin/env bash
# One command for a GPU machine without a package registry (x86-64, glibc >= 2.34, root): runs the
# exactness suites and a GN step benchmark on the WebGPU backend, from .gpu-bundle/ alone (made
# here by scripts/prepare-gpu-bundle.sh; carried to the machine with the working tree).
#
#   bash scripts/gpu-check.sh            paper sizes (MNIST L=2, CIFAR-10 L=6, h=8000, batch 1024)
#   bash scripts/gpu-check.sh --small    dry run sizes (h=256, batch 64), e.g. on the emulated GPU:
#       EXACT_GN_WEBGPU_BACKEND=opengl OUT=/tmp/gpu-check bash scripts/gpu-check.sh --small
#
# Writes to $OUT (default out/gpu-check), flat:
#   summary.txt  adapter, test counts, step timings (read this first)
#   env.txt      driver, device nodes, Vulkan/EGL libraries and ICD files found
#   adapter.txt  the adapter each Dawn backend gives (vulkan, opengl)
#   tests.log    the core suites + test/webgpu on EXACT_GN_BACKEND=webgpu
#   bench.log, bench.json        GN and Adam steps on webgpu
#   compare.json                 one MNIST GN step on wasm, for scale (paper sizes only)
# Exits non-zero when no adapter is found or a test fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/.gpu-bundle"
OUT="${OUT:-$ROOT/out/gpu-check}"
W="${EXACT_GN_GPU_WORK:-/tmp/exact-gn-gpu}"
SCALE=paper
[ "${1:-}" = "--small" ] && SCALE=small
mkdir -p "$OUT" "$W"
: >"$OUT/summary.txt"
say() { echo "[$(date +%T)] $*" | tee -a "$OUT/summary.txt"; }
status=0

[ -f "$BUNDLE/node.xz" ] && [ -f "$BUNDLE/app.tar.xz" ] ||
  { say "missing $BUNDLE (run scripts/prepare-gpu-bundle.sh where npm works, then carry .gpu-bundle)"; exit 2; }

# --- unpack (xz, or Python's lzma where xz is missing) -------------------------------------------
unxz_to() { # src dst
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
say "unpacking the bundle into $W"
unxz_to "$BUNDLE/node.xz" "$W/node" && chmod +x "$W/node"
rm -rf "$W/app" "$W/sysroot"
unxz_to "$BUNDLE/app.tar.xz" "$W/app.tar" && tar -C "$W" -xf "$W/app.tar" && rm -f "$W/app.tar"
NODE="$W/node"
say "node $("$NODE" --version)"

# --- libraries and driver files ------------------------------------------------------------------
SYSLIB="$W/sysroot/usr/lib/x86_64-linux-gnu"
EXTRA="$W/lib-extra"
mkdir -p "$EXTRA"
libpath() { ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }'; }
prepend() { [ -d "$1" ] && export LD_LIBRARY_PATH="$1${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; }
for d in /usr/local/nvidia/lib /usr/local/nvidia/lib64; do prepend "$d"; done
findlib() { # name: system path, else in /usr/local/nvidia
  local p
  p=$(libpath "$1")
  [ -z "$p" ] && for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -e "$d/$1" ] && p="$d/$1" && break; done
  echo "$p"
}
if [ -z "$(findlib libvulkan.so.1)" ]; then
  say "no system libvulkan.so.1: using the bundled Vulkan loader"
  mkdir -p "$EXTRA/vk" && cp -a "$SYSLIB"/libvulkan.so.1* "$EXTRA/vk/" && prepend "$EXTRA/vk"
fi
egl1=$(findlib libEGL.so.1)
if [ -z "$egl1" ]; then
  say "no system libEGL.so.1: using the bundled glvnd EGL"
  mkdir -p "$EXTRA/egl" && cp -a "$SYSLIB"/libEGL.so* "$SYSLIB"/libGLdispatch.so* "$EXTRA/egl/" && prepend "$EXTRA/egl"
elif [ -z "$(findlib libEGL.so)" ]; then
  ln -sf "$egl1" "$EXTRA/libEGL.so" && prepend "$EXTRA" # Dawn opens the unversioned name
fi
first() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return; }; done; }
icd=$(first /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json)
if [ -z "$icd" ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  icd=$(first /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.x86_64.json)
  if [ -z "$icd" ] && [ -n "$(findlib libGLX_nvidia.so.0)" ]; then
    icd="$W/nvidia_icd.json"
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$(findlib libGLX_nvidia.so.0)" >"$icd"
  fi
  [ -n "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd" && say "Vulkan ICD: $icd"
fi
egl_vendor=$(first /usr/share/glvnd/egl_vendor.d/10_nvidia.json /etc/glvnd/egl_vendor.d/10_nvidia.json)
if [ -z "$egl_vendor" ] && [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  egl_vendor=$(first /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json)
  if [ -z "$egl_vendor" ] && [ -n "$(findlib libEGL_nvidia.so.0)" ]; then
    egl_vendor="$W/10_nvidia.json"
    echo '{ "file_format_version": "1.0.0", "ICD": { "library_path": "libEGL_nvidia.so.0" } }' >"$egl_vendor"
  fi
  [ -n "$egl_vendor" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl_vendor" && say "EGL vendor: $egl_vendor"
fi

{
  echo "## uname"; uname -a; grep -E '^(PRETTY_NAME|VERSION_ID)=' /etc/os-release
  echo "## nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -5
  echo "## device nodes"; ls -la /dev/nvidia* /dev/dri 2>&1 | head -20
  echo "## libraries (ldconfig)"; ldconfig -p 2>/dev/null | grep -E 'libvulkan|libEGL|libGLX_nvidia|libnvidia-(glcore|eglcore)' | head -20
  echo "## /usr/local/nvidia"; ls /usr/local/nvidia /usr/local/nvidia/lib64 2>&1 | grep -E 'GLX|EGL|vulkan|glcore|^/' | head -20
  echo "## ICD / vendor files"; ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d /usr/share/glvnd/egl_vendor.d /usr/local/nvidia/share/glvnd/egl_vendor.d 2>&1
  echo "## environment"; env | grep -E '^(LD_LIBRARY_PATH|VK_|__EGL|EGL_|NVIDIA_|EXACT_GN_)' | sort
} >"$OUT/env.txt" 2>&1

# --- adapters ----------------------------------------------------------------------------------
cd "$W/app" || exit 2
timeout 120 "$NODE" --input-type=module -e "
  import { findWebGpuAdapter, webgpuOptions } from './src/backend/webgpu.js';
  for (const b of ['vulkan', 'opengl']) {
    try { console.log(b + ': ' + (await findWebGpuAdapter(webgpuOptions({ backends: [b], flags: null }))).summary); }
    catch (e) { console.log(b + ': FAILED ' + e.message); }
  }
  try { console.log('chosen (EXACT_GN_WEBGPU_* or default search): ' + (await findWebGpuAdapter()).summary); }
  catch (e) { console.log('chosen: FAILED ' + e.message); process.exitCode = 1; }
  process.exit(); // a live Dawn instance may hold the event loop open
" >"$OUT/adapter.txt" 2>&1
adapter_rc=$?
grep -v 'artificially reduced' "$OUT/adapter.txt" | grep -E '^(vulkan|opengl|chosen)' | tee -a "$OUT/summary.txt"
if [ $adapter_rc -ne 0 ]; then
  say "no usable WebGPU adapter: see env.txt and adapter.txt"
  exit 1
fi

# --- exactness suites on webgpu ----------------------------------------------------------------
say "core suites + test/webgpu on webgpu"
TESTS=$(find test/backend.test.js test/model test/gn test/optim test/webgpu -name '*.test.js' | sort)
# shellcheck disable=SC2086
EXACT_GN_BACKEND=webgpu timeout 300 "$NODE" --test --test-force-exit --test-reporter=spec $TESTS >"$OUT/tests.log" 2>&1
tests_rc=$?
pass=$(grep -Eo '^ℹ pass [0-9]+' "$OUT/tests.log" | awk '{print $3}')
fail=$(grep -Eo '^ℹ fail [0-9]+' "$OUT/tests.log" | awk '{print $3}')
say "tests: ${pass:-0} passed, ${fail:-?} failed (rc $tests_rc)"
[ $tests_rc -eq 0 ] || status=1

# --- GN step benchmark --------------------------------------------------------------------------
say "benchmark ($SCALE sizes) on webgpu"
EXACT_GN_BACKEND=webgpu timeout 360 "$NODE" test/webgpu/bench-gn.js --scale "$SCALE" --steps 3 --out "$OUT/bench.json" >"$OUT/bench.log" 2>&1 ||
  { say "benchmark failed (rc $?): see bench.log"; status=1; }
grep -E '^(backend|mnist|cifar)' "$OUT/bench.log" | tee -a "$OUT/summary.txt"
if [ "$SCALE" = paper ]; then
  say "one MNIST GN step on wasm, for scale"
  EXACT_GN_BACKEND=wasm timeout 150 "$NODE" test/webgpu/bench-gn.js --scale paper --datasets mnist --optimizers gn --steps 1 --out "$OUT/compare.json" >>"$OUT/bench.log" 2>&1 ||
    say "wasm comparison did not finish (rc $?)"
  grep -E '^mnist gn' "$OUT/bench.log" | tail -1 | sed 's/^/wasm: /' | tee -a "$OUT/summary.txt"
fi
say "done (status $status)"
exit $status

#!/usr/bin/env bash
# The project's whole test suite (what `npm test` and CI run):
#   1. build dist/ and type-check src/ + test/ + scripts/ (strict);
#   2. every unit/integration test on the wasm backend;
#   3. the tensor-level suites again on the plain cpu backend, on the native BLAS backend (built
#      here from Debian's OpenBLAS) and on WebGPU over an emulated GPU (Mesa llvmpipe);
#   4. the lecture page in headless Chromium (test/page/page.e2e.ts; EXACT_GN_TEST_PAGE=0 skips it);
#   5. every notebook executed headless by Jupyter on the tslab kernel (quick profile).
# Set EXACT_GN_SKIP_NOTEBOOKS=1 to skip step 5 (e.g. while iterating on the library).
# Ends with one line: "tests: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p "$ROOT/out"
LOG_DIR=$(mktemp -d "$ROOT/out/test-logs.XXXXXX") # per run: two runs at once must not mix their counts
status=0

phase() { echo; echo "=== $* ==="; }

# Install steps first (each idempotent; apt only for what is missing): the data sets that do not
# come with npm (Debian's dataset-fashion-mnist) and PyTorch (python3-torch, for the reference test). OpenBLAS, Mesa and Jupyter are installed by the
# phases that use them (build-native.sh, setup-webgpu.sh, setup-jupyter.sh).
phase "data sets"
bash scripts/setup-data.sh || status=1
# PyTorch (Debian's python3-torch), the independent reference of test/reference/metrics-torch.test.ts;
# that test fails, never skips, where torch cannot be imported.
phase "PyTorch (independent reference)"
bash scripts/setup-torch.sh || status=1

phase "build and type-check"
npx tsc -p tsconfig.build.json || { echo "tests: 0 passed, 1 failed (build)"; exit 1; }
npx tsc -p tsconfig.test.json || { echo "tests: 0 passed, 1 failed (type-check)"; exit 1; }

run_suite() { # name backend files...
  local name=$1 backend=$2
  shift 2
  phase "tests on $backend: $name"
  EXACT_GN_BACKEND=$backend node --import tsx --test --test-reporter=spec "$@" 2>&1 | tee "$LOG_DIR/$name-$backend.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

ALL=$(find test -name '*.test.ts' | sort)
TENSOR=$(find test/backend.test.ts test/model test/gn test/optim test/metrics -name '*.test.ts' 2>/dev/null | sort)
# shellcheck disable=SC2086
run_suite all wasm $ALL
# shellcheck disable=SC2086
run_suite tensor cpu $TENSOR

# The optional native OpenBLAS path (built from Debian's libopenblas-dev), then the core on it.
if [ "${EXACT_GN_TEST_BLAS:-1}" = "1" ]; then
  phase "native BLAS backend"
  if bash scripts/build-native.sh; then
    BLAS=$(find test/backend test/model test/gn test/optim -name '*.test.ts' | sort)
    # shellcheck disable=SC2086
    run_suite core blas $BLAS
  else
    echo "the native BLAS addon could not be built (see above)"; status=1
  fi
fi

# The same numerical core on WebGPU over a software GPU (Dawn's OpenGL backend on Mesa llvmpipe).
if [ "${EXACT_GN_TEST_WEBGPU:-1}" = "1" ]; then
  phase "WebGPU (emulated GPU) setup"
  if bash scripts/setup-webgpu.sh; then
    export EXACT_GN_WEBGPU_BACKEND=opengl EXACT_GN_WEBGPU_CPU_FORWARD=0
    WEBGPU=$(find test/backend.test.ts test/model test/gn test/optim test/webgpu -name '*.test.ts' | sort)
    # shellcheck disable=SC2086
    run_suite core webgpu $WEBGPU
    unset EXACT_GN_WEBGPU_BACKEND EXACT_GN_WEBGPU_CPU_FORWARD
  else
    echo "WebGPU emulation could not be set up (see above)"; status=1
  fi
fi

# The lecture page in headless Chromium (Debian's, installed here when missing): built, opened from
# file://, GN/Adam/SGD steps on WebGPU (SwiftShader) and on wasm checked against Node, plots inspected.
if [ "${EXACT_GN_TEST_PAGE:-1}" = "1" ]; then
  phase "lecture page setup (chromium, browser type-check)"
  if bash scripts/setup-chromium.sh && npx tsc -p tsconfig.page.json; then
    run_suite page wasm test/page/page.e2e.ts
  else
    echo "the lecture page's browser test could not be set up (see above)"; status=1
  fi
fi

if [ "${EXACT_GN_SKIP_NOTEBOOKS:-0}" != "1" ]; then
  phase "notebooks (headless Jupyter, tslab kernel)"
  bash scripts/setup-jupyter.sh || status=1
  npx tsx scripts/run-notebooks.ts --check-clean || status=1
  npx tsx scripts/run-notebooks.ts 2>&1 | tee "$LOG_DIR/notebooks.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

pass=$(cat "$LOG_DIR"/*.log | grep -Eo '^ℹ pass [0-9]+' | awk '{s+=$3} END {print s+0}')
fail=$(cat "$LOG_DIR"/*.log | grep -Eo '^ℹ fail [0-9]+' | awk '{s+=$3} END {print s+0}')
nb_pass=$(grep -Eo '^notebooks: [0-9]+ passed' "$LOG_DIR/notebooks.log" 2>/dev/null | awk '{print $2}')
nb_fail=$(grep -Eo '^notebooks: [0-9]+ passed, [0-9]+ failed' "$LOG_DIR/notebooks.log" 2>/dev/null | awk '{print $4}')
pass=$((pass + ${nb_pass:-0}))
fail=$((fail + ${nb_fail:-0}))
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo
echo "tests: $pass passed, $fail failed"
exit $status

#!/usr/bin/env bash
# The one place that finds the Python with PyTorch used as the independent reference in tests
# (test/reference/metrics-torch.test.ts): $EXACT_GN_TORCH_PYTHON when set, else Debian's
# /usr/bin/python3 with python3-torch (the `python3` on PATH may be another Python without torch).
#
#   bash scripts/setup-torch.sh          installs python3-torch with apt when /usr/bin/python3 cannot
#                                        import torch (idempotent; EXACT_GN_NO_APT=1 forbids apt)
#   bash scripts/setup-torch.sh --find   installs nothing: prints the Python's path, or fails saying
#                                        how to install PyTorch
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEBIAN_PACKAGES=(python3-torch)
PY="${EXACT_GN_TORCH_PYTHON:-/usr/bin/python3}"

has_torch() { [ -x "$PY" ] && "$PY" -c 'import torch' >/dev/null 2>&1; }
why() {
  if [ -n "${EXACT_GN_TORCH_PYTHON:-}" ]; then echo "EXACT_GN_TORCH_PYTHON=$PY cannot import torch: point it to a Python with PyTorch, or unset it to use Debian's python3-torch"
  else echo "$PY cannot import torch: install Debian's python3-torch with \`bash scripts/setup-torch.sh\` (or \`sudo apt-get install python3-torch\`)"; fi
}

case "${1:-}" in
  --find)
    if has_torch; then echo "$PY"; exit 0; fi
    echo "setup-torch: $(why)" >&2; exit 1 ;;
  "") ;;
  *) echo "setup-torch: unknown argument '$1' (accepted: --find)" >&2; exit 2 ;;
esac

if has_torch; then
  echo "setup-torch: PyTorch $("$PY" -c 'import torch; print(torch.__version__)') at $PY"
  exit 0
fi
if [ -n "${EXACT_GN_TORCH_PYTHON:-}" ]; then echo "setup-torch: $(why)" >&2; exit 1; fi
bash "$ROOT/scripts/apt-install.sh" setup-torch "${DEBIAN_PACKAGES[@]}"
has_torch || { echo "setup-torch: python3-torch is installed but $(why)" >&2; exit 1; }
echo "setup-torch: PyTorch $("$PY" -c 'import torch; print(torch.__version__)') at $PY"

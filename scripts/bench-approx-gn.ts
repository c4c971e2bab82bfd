/**
 * Exact GN vs its approximations, side by side in one process: the median step time of exact GN,
 * damped GN (Levenberg-Marquardt, one extra JVP and forward for the gain ratio), K-FAC with the
 * exact and the sampled G factor (steps without an inverse refresh), and one K-FAC inverse refresh
 * (host factorizations of every half's factors), as ratios to the exact GN step.
 *
 *   npx tsx scripts/bench-approx-gn.ts [--backend blas|wasm|cpu] [--h 512] [--n 128] [--reps 5]
 *
 * Defaults: the quick profile's MNIST size (d = 784, h = 512, L = 2, n = 128) on the blas backend.
 */
import { parseArgs } from 'node:util';
import { tf, useBackend } from '../src/backend/index.js';
import { RevMLP } from '../src/model/revmlp.js';
import { createOptimizer, type OptimizerConfig } from '../src/optim/optimizers.js';
import { Rng } from '../src/util/rng.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'blas' }, h: { type: 'string', default: '512' }, n: { type: 'string', default: '128' }, reps: { type: 'string', default: '5' } } });
const h = Number(values.h);
const n = Number(values.n);
const reps = Number(values.reps);
const info = await useBackend(values.backend!);
console.log(`backend ${info.summary}; d = 784, h = ${h}, L = 2, n = ${n}; median of ${reps} steps`);

const rng = new Rng(1);
const x = tf.tensor2d(rng.normalArray(n * 784, 1), [n, 784]);
const labels = new Int32Array(n).map(() => rng.int(10));

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median ms of `reps` steps after one warm-up step; `refresh` also times the steps that recompute K-FAC's inverses. */
function time(cfg: OptimizerConfig): { step: number; refresh?: number } {
  const model = RevMLP.init({ inputDim: 784, hidden: h, blocks: 2, classes: 10, seed: 42 });
  const refreshEvery = cfg.kfac?.invEvery ?? 0;
  const opt = createOptimizer(cfg);
  const plain: number[] = [];
  const refresh: number[] = [];
  const total = 1 + reps * Math.max(1, refreshEvery);
  for (let t = 1; t <= total; t++) {
    const t0 = performance.now();
    opt.step(model, x, labels);
    const ms = performance.now() - t0;
    if (t === 1) continue; // warm-up (and K-FAC's first refresh)
    if (refreshEvery > 0 && (t - 1) % refreshEvery === 0) refresh.push(ms);
    else plain.push(ms);
  }
  opt.dispose();
  model.dispose();
  return refreshEvery > 0 ? { step: median(plain), refresh: median(refresh) } : { step: median(plain) };
}

const gn = time({ name: 'gn', lr: 0.1 });
const rows: [string, number][] = [
  ['exact GN', gn.step],
  ['damped GN (gain ratio)', time({ name: 'damped-gn', lr: 0.1 }).step],
];
const kExact = time({ name: 'kfac', lr: 0.01, kfac: { invEvery: 3, damping: 1 } });
const kSampled = time({ name: 'kfac', lr: 0.01, kfac: { invEvery: 3, damping: 1, curvature: 'sampled' } });
rows.push(['K-FAC, exact G (no refresh)', kExact.step], ['K-FAC, sampled G (no refresh)', kSampled.step]);
rows.push(['K-FAC inverse refresh (extra)', kExact.refresh! - kExact.step]);
console.log('| step | ms | / exact GN |\n| --- | --- | --- |');
for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(1)} | ${(ms / gn.step).toFixed(2)} |`);
x.dispose();

/**
 * Side-by-side check of the gradient path of Adam and SGD at MNIST paper scale (d = 784, h = 8000,
 * L = 2, n = 1024): forward pass plus the full VJP (parameter and input cotangents) vs the
 * parameter-only VJP that lossAndGrad uses (block 0's input cotangent, two n x h products, skipped).
 * Alternates the two, REPS (default 9) timed repetitions each after a warm-up; prints the medians and their ratio.
 *   EXACT_GN_BACKEND=blas npx tsx scripts/bench-vjp.ts [REPS]
 */
import { useBackend, tf } from '../src/backend/index.js';
import { RevMLP, traceParamVjp, traceVjp } from '../src/model/revmlp.js';

const info = await useBackend(process.env.EXACT_GN_BACKEND);
const REPS = Number(process.argv[2] ?? 9);
const n = 1024;
const d = 784;
const model = RevMLP.init({ inputDim: d, hidden: 8000, blocks: 2, classes: 10, seed: 1 });
const x = tf.randomNormal<tf.Rank.R2>([n, d]);
const gz = tf.randomNormal<tf.Rank.R2>([n, d]);

function timeOnce(paramOnly: boolean): number {
  const t0 = performance.now();
  tf.tidy(() => {
    const tr = model.forwardTrace(x);
    const grads = paramOnly ? traceParamVjp(model, tr, gz, model.params) : traceVjp(model, tr, gz, model.params).grads;
    for (const b of grads) for (const half of [b.f, b.g]) half.Wt.dataSync();
  });
  return performance.now() - t0;
}

timeOnce(true);
timeOnce(false);
const full: number[] = [];
const paramOnly: number[] = [];
for (let i = 0; i < REPS; i++) {
  full.push(timeOnce(false));
  paramOnly.push(timeOnce(true));
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
console.log(`${info.summary}: forward + VJP, median of ${REPS}: full ${median(full).toFixed(0)} ms, parameter-only ${median(paramOnly).toFixed(0)} ms, ` +
  `ratio ${(median(paramOnly) / median(full)).toFixed(3)}; tensors after: ${tf.memory().numTensors}`);

// Times the exact GN step (and an Adam step for comparison) at the paper's MNIST and CIFAR-10
// sizes on the active backend (default webgpu), with synthetic inputs of the right shape (timing
// does not depend on the pixel values; no data set is needed). Writes one JSON file.
// Not a test. Run:
//   EXACT_GN_BACKEND=webgpu npx tsx test/webgpu/bench-gn.ts [--scale paper|small] [--steps 3]
//       [--datasets mnist,cifar] [--optimizers gn,adam] [--out bench.json]
// `--scale small` (h = 256, n = 64) is the dry run for machines without a GPU.
import { writeFileSync } from 'node:fs';
import { tf, useBackend } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { trainedParamCount } from '../../src/model/config.js';
import { createOptimizer, type PaperOptimizerName } from '../../src/optim/optimizers.js';
import { gnUpdate } from '../../src/gn/step.js';
import { disposeParams } from '../../src/model/revmlp.js';
import { Rng } from '../../src/util/rng.js';

interface Args {
  scale: 'paper' | 'small';
  steps: number;
  datasets: string[];
  optimizers: PaperOptimizerName[];
  out: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { scale: 'paper', steps: 3, datasets: ['mnist', 'cifar'], optimizers: ['gn', 'adam'], out: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1] ?? ''];
    if (k === '--scale' && (v === 'paper' || v === 'small')) a.scale = v;
    else if (k === '--steps' && Number(v) >= 1) a.steps = Math.floor(Number(v));
    else if (k === '--datasets') a.datasets = v.split(',');
    else if (k === '--optimizers') a.optimizers = v.split(',') as PaperOptimizerName[];
    else if (k === '--out') a.out = v;
    else throw new Error(`bench-gn: unknown or bad argument ${k} ${v}`);
  }
  return a;
}

/** PAPER.md sizes: MNIST d = 784, L = 2; CIFAR-10 d = 3072, L = 6; h = 8000; batch 1024. */
const SHAPES: Record<string, { inputDim: number; blocks: number }> = {
  mnist: { inputDim: 784, blocks: 2 },
  cifar: { inputDim: 3072, blocks: 6 },
};
const LR: Record<PaperOptimizerName, number> = { gn: 0.1, adam: 1e-4, sgd: 0.1 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const args = parseArgs(process.argv.slice(2));
const info = await useBackend(process.env.EXACT_GN_BACKEND ?? 'webgpu');
console.log(`backend: ${info.summary}`);
const hidden = args.scale === 'paper' ? 8000 : 256;
const n = args.scale === 'paper' ? 1024 : 64;
const results: Record<string, unknown>[] = [];

for (const ds of args.datasets) {
  const shape = SHAPES[ds];
  if (!shape) throw new Error(`bench-gn: unknown dataset ${ds}; use mnist or cifar`);
  const cfg = { ...shape, hidden, classes: 10, seed: 42 };
  const rng = new Rng(7);
  const t0 = performance.now();
  let model = RevMLP.init(cfg);
  const initMs = performance.now() - t0;
  const x = tf.tensor2d(rng.normalArray(n * cfg.inputDim, 1), [n, cfg.inputDim]);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const params = trainedParamCount(model.config);

  // Exactness at scale: one GN update with the per-block residual |J_l dTheta_l - T| / |T|.
  const r0 = performance.now();
  const check = gnUpdate(model, x, labels, { residual: true });
  const residualMs = performance.now() - r0;
  disposeParams(check.update);
  const exactness = check.blocks.map((b) => ({ block: b.block, exact: b.exact, residual: b.residual, rankF: b.f.rank, rankG: b.g.rank, n: b.f.n, method: b.f.method }));
  console.log(`${ds}: ${(params / 1e6).toFixed(1)}M trained params, n = ${n}; residuals ${exactness.map((e) => e.residual?.toExponential(2)).join(' ')}`);

  for (const name of args.optimizers) {
    model.dispose();
    model = RevMLP.init(cfg);
    const opt = createOptimizer({ name, lr: LR[name] });
    const times: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s <= args.steps; s++) {
      const t = performance.now();
      const res = opt.step(model, x, labels);
      await tf.ready();
      times.push(performance.now() - t);
      losses.push(res.loss);
    }
    opt.dispose();
    const row = {
      dataset: ds,
      optimizer: name,
      backend: info.summary,
      scale: args.scale,
      config: model.config,
      trainedParams: params,
      batch: n,
      initMs: Math.round(initMs),
      firstStepMs: Math.round(times[0]!),
      stepMs: times.slice(1).map((t) => Math.round(t)),
      medianStepMs: Math.round(median(times.slice(1))),
      losses,
      memory: tf.memory(),
      ...(name === 'gn' ? { residualStepMs: Math.round(residualMs), exactness } : {}),
    };
    results.push(row);
    console.log(`${ds} ${name}: first step ${row.firstStepMs} ms, then median ${row.medianStepMs} ms over ${args.steps}; loss ${losses[0]!.toFixed(4)} -> ${losses.at(-1)!.toFixed(4)}`);
  }
  model.dispose();
  x.dispose();
}

if (args.out) writeFileSync(args.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
// A live Dawn instance may keep the event loop alive (dawn.node's README, "Lifetime"): the run is over.
process.exit(0);

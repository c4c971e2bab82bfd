/**
 * Performance benchmark (issue 6): the GN, Adam and SGD steps at MNIST paper scale (d = 784, h = 8000,
 * L = 2, n = 1024, the first 1024 MNIST training images) on every available backend, one GN step at
 * CIFAR-10 paper scale (d = 3072, L = 6, synthetic N(0, 1) inputs), and PyTorch side by side in the
 * same run (scripts/bench_torch.py, Debian's python3-torch): the paper's algorithm (truncated SVD of
 * every n x (h+1) matrix A) and our Gram algorithm, plus Adam/SGD.
 *
 *   npx tsx scripts/bench.ts [--quick] [--write] [--backends blas,wasm,cpu] [--no-torch] [--no-cifar]
 *                            [--mem-steps N] [--reps N] [--threads N] [--no-apt]
 *
 * Every measurement runs in its own child process (so peak RSS is per task). Per task: warm-up step(s),
 * then timed steps (median), GEMM-equivalent GFLOP (2mnk summed over the matrix products of one step,
 * counted by tf.profile), RSS and tf.memory() after every step, peak RSS. The GN job on blas and wasm
 * also splits one step into phases. `cpu` (the plain tfjs backend, ~1 GFLOP/s) only runs the reduced
 * size (h = 1024, n = 256), which every backend and PyTorch also run, for comparison.
 * --quick: reduced size only, 2 timed steps (a smoke test). --write: also write docs/benchmarks.md.
 * PyTorch: found, and installed with apt (python3-torch) when missing and allowed (root/sudo), by
 * scripts/setup-torch.sh, else skipped with a message. Both sides use the same OpenBLAS (and
 * OPENBLAS_CORETYPE) and the same thread count.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = [
  'usage: npx tsx scripts/bench.ts [--quick] [--write] [--backends blas,wasm,cpu] [--paper-backends blas,wasm] [--epoch gn,adam,sgd | --no-epoch]',
  '                                [--no-torch] [--no-cifar] [--mem-steps N] [--reps N] [--threads N] [--no-apt]',
  '(the header of scripts/bench.ts says what each does)',
].join('\n');
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The Python with PyTorch, as scripts/setup-torch.sh finds it (set by ensureTorch). */
let PYTHON = '';

// ----------------------------------------------------------------------------------------------
// Sizes and jobs

interface Size {
  name: string;
  label: string;
  d: number;
  h: number;
  L: number;
  n: number;
  k: number;
  data: 'mnist' | 'random';
}
const SIZES: Record<string, Size> = {
  mnist: { name: 'mnist', label: 'MNIST paper scale (d=784, h=8000, L=2, n=1024)', d: 784, h: 8000, L: 2, n: 1024, k: 10, data: 'mnist' },
  small: { name: 'small', label: 'reduced (d=784, h=1024, L=2, n=256)', d: 784, h: 1024, L: 2, n: 256, k: 10, data: 'mnist' },
  cifar: { name: 'cifar', label: 'CIFAR-10 paper scale (d=3072, h=8000, L=6, n=1024, synthetic inputs)', d: 3072, h: 8000, L: 6, n: 1024, k: 10, data: 'random' },
};

type Task = 'gn' | 'adam' | 'sgd';
interface Job {
  /** 'step' (default): timed optimizer steps on one batch; 'epoch': one mini-batch epoch; 'peak': sgemm peak. */
  kind?: 'step' | 'epoch' | 'peak';
  backend: string;
  task: Task;
  size: string;
  warmup: number;
  steps: number;
  phases: boolean;
  /** The long run that checks memory stays flat (reported apart from the timing runs). */
  memory?: boolean;
}

interface JobResult {
  job: Job;
  ok: boolean;
  error?: string;
  summary?: string;
  data?: string;
  times?: number[];
  median?: number;
  gflop?: number;
  rssMB?: number[];
  tensors?: number[];
  tfMB?: number[];
  maxRssMB?: number;
  lossFirst?: number;
  lossLast?: number;
  solves?: string;
  /** Per phase of one recorded step: seconds and GEMM-equivalent GFLOP (blas only). */
  phases?: Record<string, { s: number; gflop: number }>;
  /** Wall seconds of the recorded step. */
  phaseWall?: number;
  /** kind 'epoch': seconds of the whole epoch and of its parts. */
  epoch?: { total: number; steps: number; after: number; evalTest: number; checkpoints: number; batches: number; n: number };
  /** kind 'peak': sgemm GFLOP/s by shape. */
  peak?: Record<string, number>;
  /** kind 'peak': dsyevd vs dsyevr timings. */
  solvesTimed?: string;
  /** 1-minute load average when the job started and ended. */
  load?: [number, number];
}

const LR: Record<Task, number> = { gn: 0.5, adam: 1e-4, sgd: 0.1 };

/** The fixed part of docs/benchmarks.md (the results below it are generated). */
const PREAMBLE = [
  'How fast one optimizer step is at the paper\'s sizes, on each backend, next to PyTorch. Regenerate with',
  '`npm run bench -- --write` (about an hour on 2 quiet cores; `--quick` is a few-minute smoke run at the reduced',
  'size that writes nothing unless `--write` is given; `--paper-backends blas` skips wasm at paper scale).',
  '',
  '## The native CPU path (`blas` backend)',
  '',
  '- Build: `bash scripts/build-native.sh` installs Debian\'s `libopenblas-dev` with apt when missing (root or sudo)',
  '  and builds the Node-API addon in `native/` with the node-gyp bundled with npm, against the running Node\'s own',
  '  headers (nothing is downloaded). It is optional: without it `useBackend()` skips `blas` (saying why) and',
  '  everything runs on wasm.',
  '- `blas` = the tfjs `cpu` backend\'s kernels with the matrix products in OpenBLAS `sgemm` (transpose flags',
  '  free; `A A^T` as `ssyrk`), vectorized C elementwise loops and fast layout kernels for the n x h tensors',
  '  (bit-identical to the cpu kernels), fused one-pass Adam and SGD updates (bit-identical to the tfjs ops they',
  '  replace), and recycling of large output buffers (fresh memory costs a page fault per 4 KiB page). Loading it',
  '  also routes the float64 solves of `src/linalg` to LAPACK (`dsyevd`, `dpotrf`, `dtrsm`, `dgemm`).',
  '- `auto` order: tensorflow, webgpu, blas, wasm, cpu. Environment: `EXACT_GN_BLAS=0` disables the addon,',
  '  `EXACT_GN_BLAS_ADDON` points at another build, `EXACT_GN_BLAS_POOL_MB` caps the recycled buffers (default',
  '  512), `OPENBLAS_NUM_THREADS` / `OPENBLAS_CORETYPE` are OpenBLAS\'s own (when `OPENBLAS_CORETYPE` is unset on a',
  '  CPU with AVX-512, SkylakeX kernels are chosen: OpenBLAS 0.3.21 does not know AMD Zen 4/5).',
  '',
  '## The algebra (every backend)',
  '',
  '- Block 1 is linear (s = identity): its half-couplings are the d/2 x d/2 maps M = V^T W^T plus a bias, so its',
  '  forward, JVPs and VJPs use M (refreshed after each update), its Gram matrix is B B^T with the narrow factor',
  '  B = [X L, 1] (L L^T = V^T V, fixed), the truncated solve decomposes only the (d/2+1) x (d/2+1) matrix B^T B,',
  '  and its update is dW^T = V (X^T C): no n x h feature matrix for that block (`linearHalf` in',
  '  src/model/revmlp.ts, `factoredPinvSolve` in src/linalg). Same results as the plain computation up to float32',
  '  rounding (test/gn/linear-block.test.ts). Adam and SGD use the same forward and VJP. It folds only at the',
  '  batches where that costs fewer matrix-product FLOPs (`foldSavesFlops`: per block 14nd^2 + 4hd^2 + 6n^2d',
  '  against 16nhd + 2n^2h + 4n^2d for the GN step, d = d/2 of the input, about d < 2n): MNIST (13 against 70',
  '  GFLOP) and CIFAR-10 (195 against 225 GFLOP, both counts measured on blas at L = 1) at n = 1024 fold, the quick',
  '  profile (h = 512, n = 128) and the lecture page (h = 512, n = 256) do not. M is refreshed after each update',
  '  (4hd^2 per block, left out of that comparison) wherever a half can fold.',
  '- The GN step keeps each block\'s half-couplings from the forward pass instead of rebuilding them through the',
  '  inverse while their n x h features fit `EXACT_GN_KEEP_ACTIVATIONS_MB` (default 1024; MNIST needs 66 MB,',
  '  CIFAR-10 327 MB; `0` = always rebuild, the paper\'s memory-lean way). Same result up to float32 rounding.',
  '- Optimizers replace the parameters one tensor at a time (`model.updateParams`), so an update needs no second',
  '  copy of the parameters (as PyTorch\'s in-place update).',
  '- The host solve: every Gram matrix is decomposed in float64 on the host (1024 x 1024 for the ReLU blocks at',
  '  MNIST paper scale, 393 x 393 B^T B for the linear block). There truncation keeps 456-463 of the 1024 eigenpairs',
  '  of the ReLU blocks (first steps) and the full `dsyevd` is about 80% of the solve (220-255 of 260-310 ms per',
  '  half, measured on the Grams of the first step at load 2.4). The partial eigensolvers do not beat it at that',
  '  rank (`scripts/bench-eig.c`, same load, medians of 3, k kept of 1024): k = 462: dsyevd 211 ms, dsyevr with a',
  '  value range 308 ms (LAPACK then uses bisection and inverse iteration), dsytrd + dstemr (MRRR on the range) +',
  '  dormtr on the kept vectors 230 ms; k = 236: 202, 177, 147 ms. So `dsyevd` stays. The two solves of a block',
  '  depend on each other (dTheta_g needs A_1 dTheta_f) but not on the next block\'s pull-back, so the last block\'s',
  '  solves could overlap the first block\'s tensor work; on 2 cores that OpenBLAS already uses for both, that is',
  '  not done.',
  '',
  '### What is left of issue 16\'s targets, and why',
  '',
  'Numbers from the Results below (2026-12-02 10:20 UTC, the training runs paused, so the machine was quiet).',
  '',
  '- One mini-batch epoch <= 1.15x the sum of its optimizer steps. The epoch also logs the loss of each batch after',
  '  its update (Figure 3\'s number): a forward pass of its own, 26.4 GFLOP at MNIST paper scale (the two ReLU halves',
  '  of block 2, n x d/2 x h twice each, and the folded block 1), against 75.7 GFLOP for an SGD or Adam step (forward',
  '  and VJP). At equal speed an SGD or Adam epoch is therefore at least 1 + 26.4 / 75.7 = 1.35x its steps, whatever',
  '  the code: measured 1.48x for both (the loss after: 6.5-6.6 s of a 29-33 s epoch; 1.15-1.18x without it). The',
  '  target and Figure 3\'s logging contradict each other for SGD and Adam. For GN (0.93 s per step) the same forward',
  '  is a smaller share: 1.12x at best, measured 1.18x (1.05x without the loss after; the rest is the test evaluation,',
  '  1.5 s, and the two checkpoints, 1.3 s). A target that can be met: <= 1.15x the sum of the steps plus one forward',
  '  pass each (measured: GN 1.05x, Adam 1.18x, SGD 1.15x).',
  '- GN step <= 0.7x PyTorch\'s Gram step (measured 0.74x: 1.01 s against 1.37 s) and <= 0.12x the paper\'s SVD step',
  '  (0.19x against 5.42 s). The matrix products of the step run at 62-71% of the 314 GFLOP/s sgemm peak; the float64',
  '  host solve is 0.38 of the 0.95 s step: `dsyevd` of the two 1024 x 1024 ReLU Grams (104 ms each, the fastest',
  '  LAPACK eigensolver at the kept rank, above), the rest the float32/float64 transfers, the Cholesky test that',
  '  decides whether truncation bites, the eigen-inverse products and block 1\'s factored solves. 0.12x means 0.65 s:',
  '  the products at peak (0.35 s) plus the two eigendecompositions (0.21 s) leave 0.09 s for everything else, so it',
  '  needs the host solve overlapped with the tensor work (block 1\'s pull-back and Gram do not depend on block 2\'s',
  '  solves) and the products near peak. Not done here.',
  '',
  '## The medium profile (issue 17)',
  '',
  'Sized per figure so that each claim can show on this 2-core machine (blas backend); `exact-gn plan --profile medium',
  '--out plan.json` prints the estimate (scaled from the measured steps below by forward work; about 1.7x pessimistic',
  'against the measured GN run). Seed 42 (the figures\' default outside the paper profile; three seeds of the frozen',
  'mini-batch MNIST runs would add about 8 estimated hours). Checkpoint analyses (Figure 4\'s NTK/CKA, the appendix',
  'weights, CKA and update rules, the lazy-regime answer) run at export time (`scripts/export-results.ts`) and are',
  'not in these numbers.',
  '',
  '| part | runs | estimated CPU h |',
  '| --- | --- | --- |',
  '| mini-batch MNIST, Figures 2-4 and the analyses of their runs (FROZEN: h 8000, L 2, batches of 1024 from all 60k, full 10k test, 30 epochs, a checkpoint every epoch; GN both rules, Adam, SGD) | 4 | 4.07 |',
  '| appendix sweeps (init std, GN lr, weight decay, regularized pinv; plain GN and Adam baselines): h 1024, batches of 1024 from all 60k, full test set, 20 epochs, a checkpoint every epoch | 12 | 2.63 |',
  '| appendix longer training: the sweep size, 60 epochs (GN, Adam, SGD) | 3 | 1.21 |',
  '| appendix switching: MNIST at the sweep size (20 epochs, switch at 10); Fashion-MNIST at the CIFAR medium size (30 epochs, switch at 15) | 4 | 1.13 |',
  '| Figures 2-3, CIFAR half on the labelled Fashion-MNIST fallback: 6 blocks, CIFAR lrs and augmentation, h 1024, all 60k, 30 epochs | 3 | 1.09 |',
  '| Figure 1 MNIST (h 8000, first 1024 images, 100 steps: the paper\'s own settings, so `results/fig1-mnist-paper.csv` stands for medium too) and its GN half-coupling run for the lazy-regime answer | 4 | 0.78 |',
  '| Figure 5 on Fashion-MNIST (no bottleneck, 6 blocks, CIFAR lrs): full batch 100 steps and mini-batch 30 epochs | 6 | 0.43 |',
  '| Figure 1, CIFAR half on Fashion-MNIST (h 1024, 6 blocks, 100 full-batch steps) | 3 | 0.23 |',
  '| all (39 runs, shared runs once) | 39 | 11.57 |',
  '',
  'Measured: `minibatch-mnist-gn --profile medium --seed 42` trains at 85 s per epoch (1.44 s per step including',
  'evaluation on the 10k test set and the checkpoint), about 43 minutes for 30 epochs, while the machine was shared',
  '(load 3-5 on 2 cores); the estimate says 1.25 h.',
  '',
  'Measured checkpoint analysis (export time), on the frozen GN run\'s h = 8000 checkpoints, 1024 probe images, blas,',
  'load 7 on 2 cores: NTK probe 12.8 s, explicit NTK (32 samples) 3.2 s, CKA of every half-coupling 4.4 s per',
  'checkpoint. So `fig4-mnist-medium.csv` (4 runs x 31 checkpoints, all three) takes about 40 minutes to export,',
  '`lazy-regime-mnist-medium.csv` (8 runs x 2 checkpoints, NTK probe and CKA) about 5, the appendix CKA about 15',
  'and the update-rules analysis (2 runs x 31 checkpoints, two GN steps each) about 30.',
];

// ----------------------------------------------------------------------------------------------
// Child: one job

async function runJob(job: Job): Promise<JobResult> {
  const load0 = loadavg()[0]!;
  const res = job.kind === 'epoch' ? await runEpoch(job) : job.kind === 'peak' ? await runPeak(job) : await runSteps(job);
  res.load = [load0, loadavg()[0]!];
  return res;
}

async function runSteps(job: Job): Promise<JobResult> {
  const { useBackend, tf } = await import('../src/backend/index.js');
  const { RevMLP } = await import('../src/model/revmlp.js');
  const { createOptimizer } = await import('../src/optim/optimizers.js');
  const size = SIZES[job.size]!;
  const info = await useBackend(job.backend);
  const { x, labels, data } = await batch(size, tf);
  const model = RevMLP.init({ inputDim: size.d, hidden: size.h, blocks: size.L, classes: size.k, seed: 42 });
  const opt = createOptimizer({ name: job.task, lr: LR[job.task] });
  const res: JobResult = { job, ok: true, summary: info.summary, data, times: [], rssMB: [], tensors: [], tfMB: [] };
  const losses: number[] = [];
  for (let i = 0; i < job.warmup + job.steps; i++) {
    const t0 = performance.now();
    const r = opt.step(model, x, labels);
    const dt = (performance.now() - t0) / 1000;
    losses.push(r.loss);
    if (i === 0 && r.gn) res.solves = r.gn.map((b) => `b${b.block}: f ${b.f.method} rank ${b.f.rank}, g ${b.g.method} rank ${b.g.rank}`).join('; ');
    if (i >= job.warmup) res.times!.push(dt);
    const mem = tf.memory();
    res.rssMB!.push(process.memoryUsage().rss / 2 ** 20);
    res.tensors!.push(mem.numTensors);
    res.tfMB!.push(mem.numBytes / 2 ** 20);
  }
  res.median = median(res.times!);
  res.lossFirst = losses[0];
  res.lossLast = losses[losses.length - 1];
  res.maxRssMB = process.resourceUsage().maxRSS / 1024;
  res.gflop = await countGflop(tf, () => opt.step(model, x, labels));
  if (job.phases) {
    const { recordPhases } = await import('../src/gn/phases.js');
    const { blasFlopCount } = await import('../src/backend/blas.js');
    const t0 = performance.now();
    const { phases } = recordPhases(() => opt.step(model, x, labels), job.backend === 'blas' ? blasFlopCount : () => NaN);
    res.phaseWall = (performance.now() - t0) / 1000;
    res.phases = Object.fromEntries([...phases].map(([k, v]) => [k, { s: v.seconds, gflop: v.flops / 1e9 }]));
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  return res;
}

type Tf = typeof import('../src/backend/index.js')['tf'];

/** The first n MNIST training images (normalized), or N(0, 1) inputs with random labels. */
async function batch(size: Size, tf: Tf): Promise<{ x: import('@tensorflow/tfjs-core').Tensor2D; labels: Int32Array; data: string }> {
  if (size.data === 'mnist') {
    try {
      const { loadMnist } = await import('../src/data/index.js');
      const { train } = loadMnist({ limitTrain: size.n, limitTest: 1 });
      return { x: tf.tensor2d(train.x, [size.n, size.d]), labels: Int32Array.from(train.y), data: `first ${size.n} MNIST training images` };
    } catch (e) {
      console.error(`bench: MNIST unavailable (${(e as Error).message}); using N(0,1) inputs`);
    }
  }
  const { Rng } = await import('../src/util/rng.js');
  const rng = new Rng(7);
  const labels = new Int32Array(size.n);
  for (let i = 0; i < size.n; i++) labels[i] = rng.int(size.k);
  return { x: tf.tensor2d(rng.normalArray(size.n * size.d, 1), [size.n, size.d]), labels, data: `N(0,1) inputs, random labels (n=${size.n})` };
}

/** GEMM-equivalent GFLOP of one call: 2 m n k summed over every matrix product (tf.profile). */
async function countGflop(tf: Tf, fn: () => unknown): Promise<number> {
  const prof = await tf.profile(() => {
    fn();
  });
  let flops = 0;
  for (const k of prof.kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    const a = k.inputShapes[0]!;
    const out = k.outputShapes[0]!;
    const m = out[out.length - 2]!;
    const n = out[out.length - 1]!;
    const batch = out.slice(0, -2).reduce((p, v) => p * v, 1);
    const aBatch = a.slice(0, -2).reduce((p, v) => p * v, 1);
    const kk = a.reduce((p, v) => p * v, 1) / (aBatch * m);
    flops += 2 * batch * m * n * kk;
  }
  return flops / 1e9;
}

/** Learning rates of the paper's MNIST mini-batch runs (the epoch job). */
const LR_MINI: Record<Task, number> = { gn: 0.1, adam: 1e-4, sgd: 0.1 };

/**
 * One mini-batch epoch as the runner does it (src/experiments/runner.ts): the 60k MNIST training
 * images shuffled into batches of 1024 (59 steps, the last partial batch kept), after every update
 * the loss of the same batch, then the loss and accuracy on the 10k test images. One warm-up step
 * first (not counted).
 */
async function runEpoch(job: Job): Promise<JobResult> {
  const { useBackend, tf } = await import('../src/backend/index.js');
  const { RevMLP } = await import('../src/model/revmlp.js');
  const { createOptimizer } = await import('../src/optim/optimizers.js');
  const { loadMnist, miniBatches, gatherBatch } = await import('../src/data/index.js');
  const { evaluate } = await import('../src/experiments/evaluate.js');
  const { crossEntropyHost } = await import('../src/model/loss.js');
  const info = await useBackend(job.backend);
  const { train, test } = loadMnist();
  const size = SIZES[job.size]!;
  const model = RevMLP.init({ inputDim: size.d, hidden: size.h, blocks: size.L, classes: size.k, seed: 42 });
  const opt = createOptimizer({ name: job.task, lr: LR_MINI[job.task] });
  const plan = miniBatches(train, size.n, 0, 42);
  {
    const b = gatherBatch(train, plan[0]!);
    const x = tf.tensor2d(b.x, [b.n, b.d]);
    opt.step(model, x, b.y);
    x.dispose();
  }
  let steps = 0;
  let after = 0;
  const t0 = performance.now();
  for (const idx of plan) {
    const b = gatherBatch(train, idx);
    const x = tf.tensor2d(b.x, [b.n, b.d]);
    const s0 = performance.now();
    opt.step(model, x, b.y);
    const s1 = performance.now();
    const logits = tf.tidy(() => model.logits(x).dataSync());
    crossEntropyHost(logits, b.y, b.n, model.config.classes);
    after += performance.now() - s1;
    steps += s1 - s0;
    x.dispose();
  }
  const e0 = performance.now();
  evaluate(model, test, 1000);
  const c0 = performance.now();
  // The medium profile's end of epoch: the epoch checkpoint and the resume checkpoint (with the
  // optimizer state), written atomically with checksums as the runner does.
  const { saveCheckpoint } = await import('../src/model/checkpoint.js');
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-bench-'));
  try {
    saveCheckpoint(join(dir, 'epoch.safetensors'), model, new Map(), { kind: 'epoch' });
    saveCheckpoint(join(dir, 'resume.safetensors'), model, new Map(opt.state().tensors), { kind: 'resume' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const t1 = performance.now();
  opt.dispose();
  model.dispose();
  return {
    job, ok: true, summary: info.summary, data: `MNIST, ${train.n} training images in ${plan.length} batches of ${size.n}, ${test.n} test images`,
    epoch: { total: (t1 - t0) / 1000, steps: steps / 1000, after: after / 1000, evalTest: (c0 - e0) / 1000, checkpoints: (t1 - c0) / 1000, batches: plan.length, n: train.n },
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

/** This machine's sgemm GFLOP/s (OpenBLAS, all its threads): best of 3 at a square size and at the step's shapes. */
async function runPeak(job: Job): Promise<JobResult> {
  const { blasAddon } = await import('../src/backend/blas.js');
  const b = blasAddon();
  if (!b) return { job, ok: false, error: 'blas addon not built' };
  const shapes: Record<string, [number, number, number]> = { '2048^3': [2048, 2048, 2048], 'n x d/2 by d/2 x h (1024, 392, 8000)': [1024, 8000, 392], 'n x h by h x d/2 (1024, 8000, 392)': [1024, 392, 8000] };
  const peak: Record<string, number> = {};
  for (const [name, [m, n, k]] of Object.entries(shapes)) {
    const a = new Float32Array(m * k).fill(0.5);
    const bb = new Float32Array(k * n).fill(0.25);
    const c = new Float32Array(m * n);
    let best = 0;
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      b.sgemm(false, false, m, n, k, 1, a, bb, 0, c);
      const dt = (performance.now() - t0) / 1000;
      if (i > 0) best = Math.max(best, (2 * m * n * k) / dt / 1e9);
    }
    peak[name] = best;
  }
  return { job, ok: true, summary: b.config(), peak, solvesTimed: eigensolvers(b) };
}

/**
 * The truncated solve needs only the eigenpairs above the cut (lambda >= rtol^2 lambda_max): times
 * LAPACK's partial dsyevr (value range) against the full dsyevd, both with eigenvectors, at n = 1024
 * on matrices whose spectra decay so that k = 236 and 461 eigenvalues lie above the cut (the ranks
 * of the MNIST blocks in the first step).
 */
function eigensolvers(b: NonNullable<ReturnType<typeof import('../src/backend/blas.js')['blasAddon']>>): string {
  const n = 1024;
  const q = new Float64Array(n * n);
  let seed = 12345;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    q[i * n + j] = q[j * n + i] = seed / 2147483648 - 0.5;
  }
  b.dsyevd(q, n, new Float64Array(n), true); // q: orthonormal rows
  const out: string[] = [];
  for (const k of [236, 461]) {
    const lam = Float64Array.from({ length: n }, (_, i) => 10 ** ((-4 * (i + 0.5)) / k));
    const ql = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ql[i * n + j] = q[i * n + j]! * lam[i]!;
    const g = new Float64Array(n * n);
    b.dgemm(true, false, n, n, n, 1, q, ql, 0, g); // G = Q^T diag(lam) Q
    const cut = 1e-4 * lam[0]!;
    const full: number[] = [];
    const part: number[] = [];
    let found = 0;
    for (let rep = 0; rep < 3; rep++) {
      let t0 = performance.now();
      b.dsyevd(Float64Array.from(g), n, new Float64Array(n), true);
      full.push(performance.now() - t0);
      t0 = performance.now();
      found = b.dsyevr(Float64Array.from(g), n, 0.999 * cut, Infinity, new Float64Array(n), new Float64Array(n * n));
      part.push(performance.now() - t0);
    }
    out.push(`${found} of ${n} eigenpairs above the cut: dsyevd (all) ${median(full).toFixed(0)} ms, dsyevr (range) ${median(part).toFixed(0)} ms`);
  }
  return out.join('; ');
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ----------------------------------------------------------------------------------------------
// Parent: plan, spawn, report

interface Args {
  quick: boolean;
  write: boolean;
  backends: string[];
  torch: boolean;
  cifar: boolean;
  memSteps: number | null;
  reps: number | null;
  threads: number | null;
  apt: boolean;
  /** Backends at MNIST paper scale (default blas, wasm). */
  paperBackends: string[];
  /** Optimizers of the epoch job (default gn, adam, sgd; empty: none). */
  epoch: Task[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, write: false, backends: ['blas', 'wasm', 'cpu'], torch: true, cifar: true, memSteps: null, reps: null, threads: null, apt: true, paperBackends: ['blas', 'wasm'], epoch: ['gn', 'adam', 'sgd'] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    const num = (): number => {
      const x = Number(argv[++i]);
      if (!Number.isInteger(x) || x < 1) throw new Error(`${v} needs a positive integer, got ${argv[i]}`);
      return x;
    };
    if (v === '--quick') a.quick = true;
    else if (v === '--write') a.write = true;
    else if (v === '--no-torch') a.torch = false;
    else if (v === '--no-cifar') a.cifar = false;
    else if (v === '--no-apt') a.apt = false;
    else if (v === '--backends') a.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (v === '--paper-backends') a.paperBackends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (v === '--epoch') a.epoch = (argv[++i] ?? '').split(',').filter(Boolean) as Task[];
    else if (v === '--no-epoch') a.epoch = [];
    else if (v === '--mem-steps') a.memSteps = num();
    else if (v === '--reps') a.reps = num();
    else if (v === '--threads') a.threads = num();
    else throw new Error(`unknown argument ${v}`);
  }
  return a;
}

function childEnv(args: Args): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.EXACT_GN_BACKEND;
  if (args.threads) env.OPENBLAS_NUM_THREADS = String(args.threads);
  return env;
}

function spawnJob(job: Job, args: Args): JobResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', JSON.stringify(job)], {
    cwd: ROOT,
    env: childEnv(args),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status === 0 && line) return JSON.parse(line) as JobResult;
  const why = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' | ') || `exit ${r.status} ${r.signal ?? ''}`;
  return { job, ok: false, error: why };
}

/**
 * Makes sure a Python can import torch: scripts/setup-torch.sh (the one place that finds it and, unless
 * --no-apt, installs Debian's python3-torch with apt); null or the reason not.
 */
function ensureTorch(args: Args): string | null {
  const setup = join(ROOT, 'scripts', 'setup-torch.sh');
  if (args.apt) {
    const r = spawnSync('bash', [setup], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) return (r.stderr ?? '').trim() || `${setup} exited ${r.status}`;
  }
  const f = spawnSync('bash', [setup, '--find'], { encoding: 'utf8' });
  if (f.status !== 0) return (f.stderr ?? '').trim() || `${setup} --find exited ${f.status}`;
  PYTHON = f.stdout.trim();
  return null;
}

/** One PyTorch task of one invocation. */
interface TorchTask {
  ok: boolean;
  error?: string;
  median_s?: number;
  times_s?: number[];
  rss_mb?: number[];
  torch?: string;
  threads?: number;
  maxRss?: number;
}

/** Pooled results of several jobs of one (size, backend, task). */
interface Agg {
  error?: string;
  median: number;
  n: number;
  gflop: number;
  maxRss: number;
}

function aggregate(rs: JobResult[]): Agg | null {
  if (!rs.length) return null;
  const ok = rs.filter((r) => r.ok);
  if (!ok.length) return { error: rs[0]!.error ?? 'failed', median: NaN, n: 0, gflop: NaN, maxRss: NaN };
  const times = ok.flatMap((r) => r.times!);
  return { median: median(times), n: times.length, gflop: ok[0]!.gflop!, maxRss: Math.max(...ok.map((r) => r.maxRssMB!)) };
}

interface TorchResult {
  ok: boolean;
  error?: string;
  torch?: string;
  threads?: number;
  tasks?: Record<string, { median_s: number; times_s: number[]; rss_mb: number[]; loss_first: number; loss_last: number }>;
  max_rss_mb?: number;
}

/** The same batch as the JS side, through raw files; then bench_torch.py. */
async function runTorch(size: Size, tasks: string[], reps: number, repsPaper: number, args: Args, warmup = 1): Promise<TorchResult> {
  const warmupPaper = size.name === 'small' ? warmup : 0; // a paper-scale SVD step takes a minute
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-bench-'));
  try {
    const cfg: Record<string, unknown> = { d: size.d, h: size.h, L: size.L, n: size.n, k: size.k, tasks, reps, repsPaper, warmup, warmupPaper };
    if (args.threads) cfg.threads = args.threads;
    if (size.data === 'mnist') {
      try {
        const { loadMnist } = await import('../src/data/index.js');
        const { train } = loadMnist({ limitTrain: size.n, limitTest: 1 });
        writeFileSync(join(dir, 'x.f32'), Buffer.from(train.x.buffer, train.x.byteOffset, train.x.byteLength));
        writeFileSync(join(dir, 'y.i32'), Buffer.from(Int32Array.from(train.y).buffer));
        cfg.x = join(dir, 'x.f32');
        cfg.y = join(dir, 'y.i32');
      } catch {
        // bench_torch.py draws N(0, 1) inputs itself
      }
    }
    // Passive OpenMP waiting: with 2 threads on a busy machine, spinning made PyTorch 2-15x slower.
    const env = { OMP_WAIT_POLICY: 'PASSIVE', ...childEnv(args) };
    const r = spawnSync(PYTHON, [join(ROOT, 'scripts', 'bench_torch.py'), JSON.stringify(cfg)], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    try {
      const out = JSON.parse(line) as TorchResult & { error?: string };
      return out.error ? { ok: false, error: out.error } : { ...out, ok: true };
    } catch {
      return { ok: false, error: (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') || `exit ${r.status}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------- report

const fmtS = (s: number | undefined): string => (s === undefined || !Number.isFinite(s) ? '-' : s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
const fmtR = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-');

function memLine(r: JobResult): string {
  const rss = r.rssMB ?? [];
  const q = Math.max(1, Math.min(5, Math.floor(rss.length / 3)));
  const head = rss.slice(0, q);
  const tail = rss.slice(-q);
  const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const tensors = r.tensors ?? [];
  const flat = new Set(tensors.slice(1)).size <= 1 ? `tensors flat at ${tensors[tensors.length - 1]}` : `tensors ${tensors[1]} -> ${tensors[tensors.length - 1]} (GROWING)`;
  return `${rss.length} steps: RSS ${avg(head).toFixed(0)} -> ${avg(tail).toFixed(0)} MB (first/last ${q} avg), peak ${(r.maxRssMB ?? NaN).toFixed(0)} MB; tf.memory ${(r.tfMB?.[r.tfMB.length - 1] ?? NaN).toFixed(0)} MB, ${flat}`;
}

function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
    cpu += flags.includes('avx512f') ? ' (AVX-512)' : flags.includes('avx2') ? ' (AVX2)' : '';
  } catch {
    /* not Linux */
  }
  let os = process.platform;
  try {
    os = (readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? os) as NodeJS.Platform;
  } catch {
    /* keep platform */
  }
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    try {
      const res = await runJob(JSON.parse(argv[1]!) as Job);
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } catch (e) {
      console.error((e as Error).stack ?? String(e));
      process.exit(1);
    }
    return;
  }
  if (argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const load0 = loadavg();
  const loads: number[] = [load0[0]!];
  const started = new Date();
  const reps = args.reps ?? (args.quick ? 2 : 3);
  const memPaper = args.memSteps ?? (args.quick ? 0 : 20);
  const lines: string[] = [];
  const say = (s = ''): void => {
    console.log(s);
    lines.push(s);
  };
  const { blasAddon, blasAddonError } = await import('../src/backend/blas.js');
  const addon = blasAddon();
  const blasNote = addon ? addon.config() : `not built (${blasAddonError()})`;
  const backends = args.backends.filter((b) => b !== 'blas' || addon);
  const torchWhy = args.torch ? ensureTorch(args) : 'disabled (--no-torch)';

  const results: JobResult[] = [];
  const torchRuns: { size: string; task: string; r: TorchTask }[] = [];
  const run = (job: Job, label: string): JobResult => {
    process.stdout.write(`${label} ... `);
    const r = spawnJob(job, args);
    results.push(r);
    if (r.load) loads.push(...r.load);
    console.log(r.ok ? (r.median !== undefined ? `${fmtS(r.median)} s/step` : 'done') : `FAILED: ${r.error}`);
    return r;
  };
  const torch = async (size: Size, tt: string, nReps: number, warmup: number, label: string): Promise<void> => {
    if (torchWhy) return;
    process.stdout.write(`${label} pytorch ${tt} ... `);
    loads.push(loadavg()[0]!);
    const t = await runTorch(size, [tt], nReps, nReps, args, warmup);
    const r: TorchTask = t.ok ? { ...t.tasks![tt]!, ok: true, torch: t.torch, threads: t.threads, maxRss: t.max_rss_mb } : { ok: false, error: t.error };
    torchRuns.push({ size: size.name, task: tt, r });
    console.log(r.ok ? `${fmtS(r.median_s)} s/step` : `FAILED: ${r.error}`);
  };

  const peak = addon ? run({ kind: 'peak', backend: 'blas', task: 'gn', size: 'mnist', warmup: 0, steps: 0, phases: false }, 'sgemm peak and eigensolvers') : null;

  // Ours and PyTorch's version of each step run back to back, in rounds, so both see the same load.
  const sizes = args.quick ? ['small'] : ['small', 'mnist'];
  const torchFor: Record<Task, string[]> = { gn: ['gn-gram', 'gn-gram-fold', 'gn-paper'], adam: ['adam', 'adam-fold'], sgd: ['sgd', 'sgd-fold'] };
  for (const sizeName of sizes) {
    const size = SIZES[sizeName]!;
    const paper = sizeName === 'mnist';
    const rounds = args.quick || !paper ? 1 : 2;
    console.log(`\n--- ${size.label} ---`);
    for (let round = 0; round < rounds; round++) {
      for (const task of ['gn', 'adam', 'sgd'] as const) {
        for (const backend of paper ? backends.filter((b) => args.paperBackends.includes(b)) : backends) {
          if (backend === 'cpu' && paper) continue; // ~1 GFLOP/s: reduced size only
          if (round > 0 && backend !== 'blas') continue; // the slow backends: one round
          const phases = round === 0 && backend !== 'cpu' && (backend === 'blas' || task === 'gn');
          run({ backend, task, size: sizeName, warmup: 1, steps: reps, phases }, `[${round + 1}/${rounds}] ${backend} ${task}`);
        }
        for (const tt of torchFor[task]) {
          if (tt === 'gn-paper' && paper && round > 0) continue; // a minute per step: one round
          if (tt.endsWith('-fold') && !paper) continue;
          const slow = tt === 'gn-paper' && paper;
          await torch(size, tt, slow ? 1 : reps, slow ? 0 : 1, `[${round + 1}/${rounds}]`);
        }
      }
    }
    if (paper && memPaper > 0 && backends.includes('blas')) {
      run({ backend: 'blas', task: 'gn', size: sizeName, warmup: 1, steps: memPaper, phases: false, memory: true }, `blas gn memory check (${memPaper} steps)`);
    }
  }
  if (!args.quick && backends.includes('blas')) {
    for (const task of args.epoch) run({ kind: 'epoch', backend: 'blas', task, size: 'mnist', warmup: 1, steps: 0, phases: false }, `blas ${task}: one mini-batch epoch`);
  }
  if (args.cifar && !args.quick && backends.includes('blas')) {
    console.log('\n--- CIFAR-10 paper scale ---');
    const size = SIZES.cifar!;
    run({ backend: 'blas', task: 'gn', size: 'cifar', warmup: 0, steps: 2, phases: true }, 'blas gn');
    for (const tt of ['gn-gram', 'gn-gram-fold', 'gn-paper']) await torch(size, tt, tt === 'gn-paper' ? 1 : 2, 0, '');
  }
  loads.push(loadavg()[0]!);

  // ----- report
  const torchOk = torchRuns.find((t) => t.r.ok)?.r;
  const ours = (sizeName: string, backend: string, task: Task): Agg | null =>
    aggregate(results.filter((r) => r.job.size === sizeName && r.job.backend === backend && r.job.task === task && !r.job.memory && (r.job.kind ?? 'step') === 'step'));
  const tMed = (sizeName: string, task: string): number => median(torchRuns.filter((t) => t.size === sizeName && t.task === task && t.r.ok).flatMap((t) => t.r.times_s!));
  const tRss = (sizeName: string, task: string): number => Math.max(...torchRuns.filter((t) => t.size === sizeName && t.task === task && t.r.ok).map((t) => t.r.maxRss ?? NaN));
  say('# Benchmarks');
  say();
  for (const l of PREAMBLE) say(l);
  say();
  say('## Results');
  say();
  say(`Generated by \`npx tsx scripts/bench.ts ${argv.join(' ')}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${((Date.now() - started.getTime()) / 60000).toFixed(0)} min.`);
  say();
  say(`- Machine: ${machine()}`);
  say(`- Load: 1-minute load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} during the run (at start ${load0.map((v) => v.toFixed(1)).join(' ')}, at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}, 1/5/15 min), on ${cpus().length} cores${Math.max(...loads) > cpus().length ? ': the machine was shared and oversubscribed, so absolute times are inflated and noisy; ours and PyTorch\'s step ran back to back, so their ratios are what to read' : ''}.`);
  say(`- OpenBLAS (blas backend): ${blasNote}; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(auto)'}; threads: ${args.threads ?? 'OpenBLAS default (all cores)'}`);
  const peakVal = peak?.ok ? Math.max(...Object.values(peak.peak!)) : NaN;
  if (peak?.ok) say(`- sgemm peak of this machine (OpenBLAS, best of 3): ${Object.entries(peak.peak!).map(([k, v]) => `${k}: ${v.toFixed(0)} GFLOP/s`).join('; ')}. "% of peak" below is against ${peakVal.toFixed(0)} GFLOP/s.`);
  say(`- PyTorch: ${torchWhy ? `skipped: ${torchWhy}` : torchOk ? `${torchOk.torch}, ${torchOk.threads} threads, same OpenBLAS (${PYTHON}), OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}` : 'failed'}`);
  say(`- Method: each task in a fresh process: 1 warm-up step, then ${reps} timed steps (medians over all timed steps); ours and PyTorch's versions of a step run back to back, ${args.quick ? 1 : 2} round(s) at MNIST paper scale on blas (1 on wasm/cpu and at the reduced size; the paper's SVD step: 1 step, no warm-up). CIFAR-10: 2 steps without warm-up each side (the SVD step: 1). GFLOP = GEMM-equivalent (2mnk over the matrix products of one step, counted with tf.profile).`);
  say(`- PyTorch tasks (scripts/bench_torch.py): \`gn-paper\` = the paper's algorithm (truncated SVD of every n x (h+1) matrix A); \`gn-gram\` = the Gram algorithm, every block through its n x h features; \`gn-gram-fold\` = the Gram algorithm with the same linear-block algebra as ours (block 1 through M = V^T W^T and the narrow factor B = [X L, 1]); \`adam\`/\`sgd\` = torch.optim on the autograd gradient; \`adam-fold\`/\`sgd-fold\` = the same with block 1 as x (V^T W^T) + b.`);
  say();

  if (!args.quick) {
    const m = (task: Task): number => ours('mnist', 'blas', task)?.median ?? NaN;
    const rss = (task: Task): number => ours('mnist', 'blas', task)?.maxRss ?? NaN;
    const row = (what: string, a: number, b: number, target: number | null, unit = 's'): void => {
      const r = a / b;
      const met = target === null || !Number.isFinite(r) ? '' : r <= target ? 'met' : '**not met**';
      say(`| ${what} | ${fmtS(a)} ${unit} | ${fmtS(b)} ${unit} | ${fmtR(r)} | ${target === null ? '(same algorithm, for fairness)' : `<= ${target}`} | ${met} |`);
    };
    say('### Targets (issue 16), blas backend');
    say();
    say('MNIST paper scale (d=784, h=8000, L=2, n=1024, first 1024 training images), time per step:');
    say();
    say('| ours / PyTorch | ours | PyTorch | ratio | target | |');
    say('|---|---|---|---|---|---|');
    row('GN step / the paper\'s SVD step', m('gn'), tMed('mnist', 'gn-paper'), 0.12);
    row('GN step / PyTorch Gram step', m('gn'), tMed('mnist', 'gn-gram'), 0.7);
    row('GN step / PyTorch Gram step with the linear-block algebra', m('gn'), tMed('mnist', 'gn-gram-fold'), null);
    row('Adam step / torch.optim.Adam', m('adam'), tMed('mnist', 'adam'), 1.0);
    row('Adam step / torch.optim.Adam, block 1 folded', m('adam'), tMed('mnist', 'adam-fold'), null);
    row('SGD step / torch.optim.SGD', m('sgd'), tMed('mnist', 'sgd'), 1.0);
    row('SGD step / torch.optim.SGD, block 1 folded', m('sgd'), tMed('mnist', 'sgd-fold'), null);
    row('Adam peak RSS', rss('adam'), tRss('mnist', 'adam'), 1.1, 'MB');
    say();
    const epochs = results.filter((r) => r.ok && r.job.kind === 'epoch');
    if (epochs.length) {
      say('One mini-batch epoch of the medium profile (MNIST, 59 steps of 1024 with the last partial batch, the loss of each batch after its update, the 10k test images, the epoch and resume checkpoints), against the sum of its optimizer steps (target <= 1.15). "without the loss after" = the same epoch if the loss after each update were not logged (the after-update forward pass is a logged number of every medium run, so it stays):');
      say();
      say('| optimizer | epoch s | sum of steps s | loss after each update s | test evaluation s | checkpoints s | rest s | epoch / steps | without the loss after | |');
      say('|---|---|---|---|---|---|---|---|---|---|');
      for (const r of epochs) {
        const e = r.epoch!;
        const ratio = e.total / e.steps;
        const ck = e.checkpoints ?? 0;
        say(`| ${r.job.task.toUpperCase()} | ${fmtS(e.total)} | ${fmtS(e.steps)} | ${fmtS(e.after)} | ${fmtS(e.evalTest)} | ${fmtS(ck)} | ${fmtS(e.total - e.steps - e.after - e.evalTest - ck)} | ${fmtR(ratio)} | ${fmtR((e.total - e.after) / e.steps)} | ${ratio <= 1.15 ? 'met' : '**not met**'} |`);
      }
      say();
    }
    const cifar = ours('cifar', 'blas', 'gn');
    if (cifar) {
      say(`CIFAR-10 paper scale (${SIZES.cifar!.label.replace(/^CIFAR-10 paper scale /, '')}), GN step (same targets as MNIST):`);
      say();
      say('| ours / PyTorch | ours | PyTorch | ratio | target | |');
      say('|---|---|---|---|---|---|');
      const c = cifar.median;
      row('GN step / the paper\'s SVD step', c, tMed('cifar', 'gn-paper'), 0.12);
      row('GN step / PyTorch Gram step', c, tMed('cifar', 'gn-gram'), 0.7);
      row('GN step / PyTorch Gram step with the linear-block algebra', c, tMed('cifar', 'gn-gram-fold'), null);
      say();
    }
    const phased = results.filter((r) => r.ok && r.phases && r.job.backend === 'blas' && (r.job.size === 'mnist' || r.job.size === 'cifar'));
    if (phased.length) {
      say(`### Where the time goes (blas, one recorded step; GFLOP = the matrix products run in the phase; % of peak = GFLOP/s over the ${fmtS(peakVal)} GFLOP/s sgemm peak)`);
      say();
      say('| size | step | phase | s | GFLOP | GFLOP/s | % of peak |');
      say('|---|---|---|---|---|---|---|');
      for (const r of phased) {
        const ph = Object.entries(r.phases!);
        const sum = ph.reduce((t, [, v]) => t + v.s, 0);
        for (const [k, v] of [...ph, ['other (checks, transfers, target)', { s: r.phaseWall! - sum, gflop: 0 }] as const]) {
          const rate = v.gflop / v.s;
          say(`| ${r.job.size} | ${r.job.task.toUpperCase()} | ${k} | ${fmtS(v.s)} | ${v.gflop.toFixed(1)} | ${v.gflop > 0 ? rate.toFixed(0) : '-'} | ${v.gflop > 0 ? `${((100 * rate) / peakVal).toFixed(0)}%` : '-'} |`);
        }
        say(`| ${r.job.size} | ${r.job.task.toUpperCase()} | **whole step** | ${fmtS(r.phaseWall)} | ${ph.reduce((t, [, v]) => t + v.gflop, 0).toFixed(1)} | | |`);
      }
      say();
      if (phased.some((r) => Object.values(r.phases!).some((v) => v.gflop / v.s > peakVal))) {
        say(`Shares above 100% mean the phase ran while the machine was less loaded than during the peak measurement (1-minute load ${peak?.load?.map((v) => v.toFixed(1)).join(' -> ') ?? '?'} then): on a shared machine this column is only a rough guide.`);
        say();
      }
      say('GN phases: forward = forward pass, logits, target T; pull-back = the JVPs of step 2 and the correction J_g(A_1 dTheta_f); Gram = A A^T (or block 1\'s narrow factor B); host solve = the float64 solves with their transfers; S^T C = A^T C and the realized A dTheta = G C; apply = theta - lr dTheta with the refresh of M = V^T W^T. Adam/SGD: forward, VJP (the parameter gradient), apply (the fused update and the refresh of M).');
      say();
    }
    if (peak?.ok && peak.solvesTimed) {
      say(`Host eigensolvers at n = 1024 (LAPACK through the addon, medians of 3, interleaved): ${peak.solvesTimed}.`);
      say();
    }
  }

  for (const sizeName of [...sizes, ...(results.some((r) => r.job.size === 'cifar') ? ['cifar'] : [])]) {
    const size = SIZES[sizeName]!;
    say(`### ${size.label}`);
    say();
    const first = results.find((r) => r.job.size === sizeName && r.ok && (r.job.kind ?? 'step') === 'step');
    if (first?.data) say(`Data: ${first.data}.`);
    say();
    say('| backend | step | s/step (median) | timed steps | GFLOP/step | GFLOP/s | peak RSS MB |');
    say('|---|---|---|---|---|---|---|');
    for (const backend of backends) {
      for (const task of ['gn', 'adam', 'sgd'] as const) {
        const a = ours(sizeName, backend, task);
        if (!a) continue;
        if (a.error) say(`| ${backend} | ${task.toUpperCase()} | failed: ${a.error.replace(/\|/g, '/')} | | | | |`);
        else say(`| ${backend} | ${task.toUpperCase()} | ${fmtS(a.median)} | ${a.n} | ${a.gflop.toFixed(1)} | ${(a.gflop / a.median).toFixed(1)} | ${a.maxRss.toFixed(0)} |`);
      }
    }
    for (const task of ['gn-paper', 'gn-gram', 'gn-gram-fold', 'adam', 'adam-fold', 'sgd', 'sgd-fold']) {
      const runs = torchRuns.filter((t) => t.size === sizeName && t.task === task);
      if (!runs.length) continue;
      const okRuns = runs.filter((t) => t.r.ok);
      if (!okRuns.length) say(`| pytorch | ${task} | failed: ${runs[0]!.r.error?.replace(/\|/g, '/')} | | | | |`);
      else say(`| pytorch | ${task} | ${fmtS(tMed(sizeName, task))} | ${okRuns.reduce((n, t) => n + t.r.times_s!.length, 0)} | | | ${tRss(sizeName, task).toFixed(0)} |`);
    }
    say();
    if (torchRuns.some((t) => t.size === sizeName && t.r.ok)) {
      say('Ratios ours / PyTorch (time per step, lower is better):');
      say();
      say('| backend | GN / paper SVD | GN / Gram | GN / Gram-fold | Adam / Adam | SGD / SGD |');
      say('|---|---|---|---|---|---|');
      for (const backend of backends) {
        const m = (task: Task): number => ours(sizeName, backend, task)?.median ?? NaN;
        if (!Number.isFinite(m('gn'))) continue;
        say(`| ${backend} | ${fmtR(m('gn') / tMed(sizeName, 'gn-paper'))} | ${fmtR(m('gn') / tMed(sizeName, 'gn-gram'))} | ${fmtR(m('gn') / tMed(sizeName, 'gn-gram-fold'))} | ${fmtR(m('adam') / tMed(sizeName, 'adam'))} | ${fmtR(m('sgd') / tMed(sizeName, 'sgd'))} |`);
      }
      say();
    }
    const withPhases = results.filter((r) => r.ok && r.job.size === sizeName && r.phases && (r.job.backend !== 'blas' || sizeName === 'small'));
    for (const r of withPhases) say(`${r.job.backend} ${r.job.task.toUpperCase()} by phase (s): ${Object.entries(r.phases!).map(([k, v]) => `${k} ${fmtS(v.s)}`).join(', ')}; whole step ${fmtS(r.phaseWall)}.`);
    if (withPhases.length) say();
    say('Memory (RSS after each step; tf.memory() after the last):');
    say();
    for (const r of results.filter((x) => x.ok && x.job.size === sizeName && x.rssMB)) say(`- ${r.job.backend} ${r.job.task}${r.job.memory ? ' (memory check)' : ''}: ${memLine(r)}`);
    for (const t of torchRuns.filter((x) => x.size === sizeName && x.r.ok)) say(`- pytorch ${t.task}: RSS ${t.r.rss_mb![0]!.toFixed(0)} -> ${t.r.rss_mb![t.r.rss_mb!.length - 1]!.toFixed(0)} MB over ${t.r.rss_mb!.length} steps, peak ${(t.r.maxRss ?? NaN).toFixed(0)} MB`);
    const solves = results.find((r) => r.ok && r.job.size === sizeName && r.solves)?.solves;
    if (solves) {
      say();
      say(`Pseudo-inverse solves of the first GN step: ${solves}.`);
    }
    say();
  }
  if (args.write) {
    const path = join(ROOT, 'docs', 'benchmarks.md');
    writeFileSync(path, `${lines.join('\n')}\n`);
    console.log(`\nwrote ${path}`);
  }
}

await main();

/**
 * What a run costs before it is run: wall time, memory and disk, estimated from the measured step
 * times of docs/benchmarks.md. A step's time is scaled from the measured step of the same
 * optimizer whose size is closest, by the ratio of the matrix-product work of one forward pass:
 *   with bottleneck h:     F = n * 4 L h d    (per half-coupling V x: h d, W s(.): h d flops per sample)
 *   without (square W):    F = n * L d^2      (per half-coupling W s(x): d^2 / 2 flops per sample)
 * Evaluation and the per-step loss after the update are forward passes: FORWARD_SHARE of an SGD
 * step's work (forward / (forward + VJP) in the GFLOP counts of the benchmark). Memory is the
 * measured peak RSS plus the growth of the model (times a per-optimizer factor: parameters,
 * update and, for Adam, two moments) plus the dataset as float32. These are estimates for the
 * benchmark machine (2 cores): a node with more cores is faster, so they are upper bounds there.
 */
import type { OptimizerName } from '../optim/optimizers.js';
import { DATASET_INFO, optimizerForEpoch, stepsPerEpoch, type ResolvedConfig, type ResolvedOptimizer } from './config.js';

/** Where an estimate is for: a CPU (the blas backend) or a GPU (the webgpu backend). */
export type Device = 'cpu' | 'gpu';
export const DEVICES: readonly Device[] = ['cpu', 'gpu'];

/** One measured step (docs/benchmarks.md). */
export interface BenchmarkStep {
  device: Device;
  backend: string;
  /** Input dim d, bottleneck h (null: none), blocks L, batch rows n. */
  d: number;
  h: number | null;
  L: number;
  n: number;
  optimizer: OptimizerName;
  /** Median seconds per step. */
  seconds: number;
  /** Peak resident memory of the benchmark process, MB. */
  peakRssMB: number;
}

/**
 * The measured steps the estimates scale from: docs/benchmarks.md of 2026-11-29 (AMD EPYC with
 * AVX-512, 2 cores, OpenBLAS 0.3.21). No GPU step time is documented yet (scripts/gpu-check.sh
 * measures one): GPU estimates stay unknown until a `device: 'gpu'` row is added here.
 */
export const BENCHMARK_STEPS: readonly BenchmarkStep[] = [
  // reduced: d 784, h 1024, L 2, n 256
  { device: 'cpu', backend: 'blas', d: 784, h: 1024, L: 2, n: 256, optimizer: 'gn', seconds: 0.15, peakRssMB: 240 },
  { device: 'cpu', backend: 'blas', d: 784, h: 1024, L: 2, n: 256, optimizer: 'adam', seconds: 0.05, peakRssMB: 306 },
  { device: 'cpu', backend: 'blas', d: 784, h: 1024, L: 2, n: 256, optimizer: 'sgd', seconds: 0.04, peakRssMB: 204 },
  // MNIST paper scale: d 784, h 8000, L 2, n 1024
  { device: 'cpu', backend: 'blas', d: 784, h: 8000, L: 2, n: 1024, optimizer: 'gn', seconds: 2.01, peakRssMB: 927 },
  { device: 'cpu', backend: 'blas', d: 784, h: 8000, L: 2, n: 1024, optimizer: 'adam', seconds: 1.16, peakRssMB: 1614 },
  { device: 'cpu', backend: 'blas', d: 784, h: 8000, L: 2, n: 1024, optimizer: 'sgd', seconds: 0.98, peakRssMB: 947 },
  // CIFAR-10 paper scale: d 3072, h 8000, L 6, n 1024
  { device: 'cpu', backend: 'blas', d: 3072, h: 8000, L: 6, n: 1024, optimizer: 'gn', seconds: 21.8, peakRssMB: 4227 },
];

/** A forward pass's share of an SGD step (51.4 of 115.6 GFLOP at MNIST paper scale). */
export const FORWARD_SHARE = 0.45;
/** Process start, backend and data loading, seconds. */
export const STARTUP_SECONDS = 20;
/** Memory growth per MB of model, by optimizer (model, update or gradient, Adam's two moments). */
const MEMORY_FACTOR: Record<OptimizerName, number> = { gn: 3, sgd: 3, adam: 5, kfac: 3, 'damped-gn': 3 };

/**
 * Optimizers without a measured step of their own, as a multiple of the measured GN step on the same
 * device (`npm run bench:approx-gn` at the MNIST quick size h 512, n 128 on blas): damped GN 1.3x
 * (a JVP and a forward more), K-FAC 1.8x plus its inverse refresh (1.6x, every invEvery steps).
 * K-FAC's own work grows faster than GN's: its factor products A^T A cost n (h+1)^2 per half against
 * GN's work of about n h d, so its extra 0.8x grows as (h+1)/513; its refresh factors (h+1)^2
 * matrices, (h+1)^3 against n h d, so its 1.6x grows as ((h+1)/513)^2 (128/n). Checked on the
 * 2-core machine (blas, under load): at h 2048, n 1024 this gives 4.2x + 3.2x per refresh where
 * 3.0x + 2.6x was measured; at h 8000, n 1024, 13.5x + 49x (measured: a 39 s step, a 322 s refresh).
 */
function gnMultiple(o: ResolvedOptimizer, cfg: ResolvedConfig): number | null {
  if (o.name === 'damped-gn') return 1.3;
  if (o.name === 'kfac') {
    const m = cfg.model;
    const s = ((m.hidden ?? m.inputDim / 2) + 1) / 513;
    const n = cfg.batch.mode === 'full' ? cfg.batch.n : cfg.batch.size;
    return 1 + 0.8 * s + (1.6 * s * s * (128 / n)) / (o.kfac?.invEvery ?? 10);
  }
  return null;
}

/** K-FAC's state: the averaged factors and their inverses ((h+1)^2 + (d/2)^2 per half; 'exact' keeps two eigenbases more), MB. */
function kfacStateMB(cfg: ResolvedConfig, o: ResolvedOptimizer): number {
  if (o.name !== 'kfac') return 0;
  const m = cfg.model;
  const p = (m.hidden ?? m.inputDim / 2) + (m.bias ? 1 : 0);
  const copies = o.kfac?.split === 'exact' ? 4 : 2;
  return (copies * 2 * m.blocks * (p * p + (m.inputDim / 2) ** 2) * 4) / MB;
}

/** What one run is estimated to cost. */
export interface RunEstimate {
  /** Optimizer steps and evaluations (test set, plus the training data where configured). */
  steps: number;
  evals: number;
  /** Wall seconds on a CPU node (blas backend), as measured on the benchmark machine. */
  cpuSeconds: number;
  /** Wall seconds on a GPU, or null where no GPU step time has been measured. */
  gpuSeconds: number | null;
  /** Peak memory, MB. */
  memoryMB: number;
  /** Disk of the run folder (checkpoints, resume state, events), MB. */
  diskMB: number;
  /** Which measured steps the estimate was scaled from. */
  basis: string;
}

/** Forward-pass flops of `rows` samples (see the module comment). */
export function forwardFlops(d: number, h: number | null, L: number, rows: number): number {
  return rows * (h === null ? L * d * d : 4 * L * h * d);
}

/** Bytes of all model tensors (V, W, b per half-coupling, U), float32. */
export function modelBytes(cfg: ResolvedConfig): number {
  const m = cfg.model;
  const half = m.inputDim / 2;
  const perHalf = m.hidden === null ? half * half + half : 2 * half * m.hidden + half;
  return 4 * (2 * m.blocks * perHalf + m.inputDim * m.classes);
}

function benchBytes(b: BenchmarkStep): number {
  const half = b.d / 2;
  const perHalf = b.h === null ? half * half + half : 2 * half * b.h + half;
  return 4 * (2 * b.L * perHalf + b.d * 10);
}

/** The measured step of `optimizer` on `device` closest in size to (d, h, L, n), or null. */
function nearest(device: Device, optimizer: OptimizerName, flops: number): BenchmarkStep | null {
  let best: BenchmarkStep | null = null;
  let bestGap = Infinity;
  for (const b of BENCHMARK_STEPS) {
    if (b.device !== device || b.optimizer !== optimizer) continue;
    const gap = Math.abs(Math.log(flops / forwardFlops(b.d, b.h, b.L, b.n)));
    if (gap < bestGap) [best, bestGap] = [b, gap];
  }
  return best;
}

const MB = 1024 * 1024;

/**
 * The estimated cost of a validated config.
 *
 * @example
 * estimateRun(validateConfig(preset('minibatch-mnist-gn', { profile: 'paper' }))).cpuSeconds; // about 3.6 hours
 */
export function estimateRun(cfg: ResolvedConfig): RunEstimate {
  const m = cfg.model;
  const info = DATASET_INFO[cfg.dataset.name];
  const trainN = Math.min(info.train, cfg.dataset.limitTrain ?? Infinity);
  const testN = Math.min(info.test, cfg.dataset.limitTest ?? Infinity);
  const perEpoch = stepsPerEpoch(cfg, trainN);
  const rows = cfg.batch.mode === 'full' ? cfg.batch.n : cfg.batch.size;
  const evalTrainN = cfg.evalTrain ? (cfg.batch.mode === 'full' ? cfg.batch.n : trainN) : 0;
  let evals = 1;
  for (let e = 1; e <= cfg.epochs; e++) if (e % cfg.evalEvery === 0 || e === cfg.epochs) evals++;
  const stepFlops = forwardFlops(m.inputDim, m.hidden, m.blocks, rows);
  const estimate = (device: Device): { seconds: number; memoryMB: number; basis: string[] } | null => {
    const sgd = nearest(device, 'sgd', stepFlops);
    if (sgd === null) return null;
    const forwardSeconds = (samples: number): number =>
      sgd.seconds * FORWARD_SHARE * (forwardFlops(m.inputDim, m.hidden, m.blocks, samples) / forwardFlops(sgd.d, sgd.h, sgd.L, sgd.n));
    let seconds = STARTUP_SECONDS + evals * forwardSeconds(testN + evalTrainN);
    let memoryMB = 0;
    const basis = new Set<string>();
    for (let e = 1; e <= cfg.epochs; e++) {
      const resolved = optimizerForEpoch(cfg, e).optimizer;
      const opt = resolved.name;
      const own = nearest(device, opt, stepFlops);
      const multiple = own ? 1 : gnMultiple(resolved, cfg);
      const b = own ?? (multiple === null ? null : nearest(device, 'gn', stepFlops));
      if (b === null || multiple === null) return null;
      const at = `d ${b.d}, h ${b.h ?? 'none'}, L ${b.L}, n ${b.n} (${b.backend})`;
      basis.add(own ? `${opt} ${b.seconds} s/step at ${at}` : `${opt} ~${multiple.toFixed(2)}x the gn step of ${b.seconds} s at ${at} (bench:approx-gn ratio)`);
      const step = multiple * b.seconds * (stepFlops / forwardFlops(b.d, b.h, b.L, b.n));
      const logged = Math.ceil(perEpoch / cfg.logEvery); // each logged step re-measures its batch's loss: a forward pass
      seconds += perEpoch * step + logged * forwardSeconds(rows);
      memoryMB = Math.max(memoryMB, b.peakRssMB + Math.max(0, (modelBytes(cfg) - benchBytes(b)) / MB) * MEMORY_FACTOR[opt] + kfacStateMB(cfg, resolved));
    }
    const dataMB = ((trainN + testN) * m.inputDim * 5) / MB; // float32 images plus the raw bytes
    return { seconds, memoryMB: memoryMB + dataMB, basis: [...basis] };
  };
  const cpu = estimate('cpu');
  if (cpu === null) throw new Error('BENCHMARK_STEPS has no CPU step for every optimizer'); // a bug in this file, not an input error
  const gpu = estimate('gpu');
  const checkpoints = cfg.checkpointEpochs.length + 1; // plus the resume checkpoint (with optimizer state)
  const eventsMB = ((cfg.epochs * perEpoch) / cfg.logEvery) * 400 / MB;
  return {
    steps: cfg.epochs * perEpoch,
    evals,
    cpuSeconds: Math.round(cpu.seconds),
    gpuSeconds: gpu === null ? null : Math.round(gpu.seconds),
    memoryMB: Math.ceil(cpu.memoryMB),
    diskMB: Math.ceil((checkpoints * modelBytes(cfg)) / MB + eventsMB),
    basis: `scaled by forward work from docs/benchmarks.md: ${cpu.basis.join('; ')}${gpu === null ? '; no GPU step time measured yet' : ''}`,
  };
}

/**
 * The lecture page's training session, free of Node builtins and of the DOM (the page runs it in
 * the browser, the browser test runs it in Node): one RevMLP per contender, all from the same seed,
 * stepped side by side on the same shuffled MNIST mini-batches:
 *
 *   gn-block          exact GN, the corrected block rule    (PAPER.md "The exact GN step", rule 'block')
 *   gn-half-coupling  exact GN, the paper-era rule          (rule 'half-coupling')
 *   adam, sgd         on the mean cross-entropy              (PAPER.md "Training protocol")
 *
 * Each step records, per contender: the batch loss before the update (the paper's training loss),
 * the loss of the SAME batch after it and the per-batch change 100 (after - before) / before, the
 * wall time, for GN the rank and exactness residual |J_l dTheta_l - T| / |T| of every block, and the
 * function-space picture for a few digits of the batch: the target e = p - y from the logits before
 * the step and the realized change of the logits dO = o(after) - o(before). With the paper's 'sum'
 * scaling every block realizes T, so GN aims at dO = -lr * L * e (to first order).
 *
 * @example
 * await useBackend('wasm');
 * const lab = new Lab(loadMnist({ limitTrain: 2048, limitTest: 1000 }), { preset: PAGE_PRESETS.h512 });
 * const s = lab.step();          // one batch, every contender
 * s.results[0].changePct;        // e.g. -60 (GN cuts its batch's loss)
 * lab.evaluate();                // test loss and accuracy per contender
 * lab.dispose();
 */
import { tf, tidy } from '../backend/core.js';
import { gatherBatch, miniBatches } from '../data/batches.js';
import type { Dataset, DatasetSplits } from '../data/types.js';
import { functionSpaceTarget } from '../gn/step.js';
import { accuracyHost, crossEntropyHost } from '../model/loss.js';
import { RevMLP } from '../model/revmlp.js';
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../optim/optimizers.js';
import { ConfigError, check, show } from '../util/errors.js';

/** A model size the browser handles. */
export interface PagePreset {
  readonly id: PresetId;
  readonly label: string;
  /** Bottleneck width h (paper: 8000). */
  readonly hidden: number;
  /** Reversible blocks L (paper MNIST: 2). */
  readonly blocks: number;
  /** Mini-batch size n (paper: 1024; smaller here so one step takes seconds, not minutes, in a browser). */
  readonly batch: number;
}
export type PresetId = 'h512' | 'h2048';

/** The page's presets (both L = 2 as in the paper's MNIST runs; n <= h + 1 so ReLU blocks can be exact). */
export const PAGE_PRESETS: Readonly<Record<PresetId, PagePreset>> = {
  h512: { id: 'h512', label: 'h = 512, batch 256', hidden: 512, blocks: 2, batch: 256 },
  h2048: { id: 'h2048', label: 'h = 2048, batch 512', hidden: 2048, blocks: 2, batch: 512 },
};

export type ContenderId = 'gn-block' | 'gn-half-coupling' | 'adam' | 'sgd';
export const CONTENDER_IDS: readonly ContenderId[] = ['gn-block', 'gn-half-coupling', 'adam', 'sgd'];
export const CONTENDER_LABELS: Readonly<Record<ContenderId, string>> = {
  'gn-block': 'GN (block rule)',
  'gn-half-coupling': 'GN (half-coupling rule)',
  adam: 'Adam',
  sgd: 'SGD',
};
/** PAPER.md's MNIST mini-batch learning rates: GN 0.1, Adam 1e-4, SGD 0.1. */
export const DEFAULT_LR: Readonly<Record<ContenderId, number>> = { 'gn-block': 0.1, 'gn-half-coupling': 0.1, adam: 1e-4, sgd: 0.1 };

/** The optimizer config of a contender (the same function serves the page and its Node reference). */
export function contenderOptimizer(id: ContenderId, lr: number, rtol = 1e-2): OptimizerConfig {
  switch (id) {
    case 'gn-block':
      return { name: 'gn', lr, gn: { rule: 'block', residual: true, rtol } };
    case 'gn-half-coupling':
      return { name: 'gn', lr, gn: { rule: 'half-coupling', residual: true, rtol } };
    case 'adam':
      return { name: 'adam', lr };
    case 'sgd':
      return { name: 'sgd', lr };
  }
}

export interface LabOptions {
  preset: PagePreset;
  /** Seed of every model (identical inits across contenders) and of the shuffling. Default 42. */
  seed: number;
  /** Which contenders run. Default all four. */
  contenders: readonly ContenderId[];
  /** Learning rate per contender. Default {@link DEFAULT_LR}. */
  lr: Partial<Record<ContenderId, number>>;
  /** Relative singular-value cut of GN's truncated pseudo-inverse (paper 1e-2). */
  rtol: number;
  /** Digits of each batch shown in the function-space picture (its first rows). Default 4. */
  pictureDigits: number;
}

/** One GN block's diagnostics in a step. */
export interface PageBlockDiagnostics {
  block: number;
  /** Directions kept by the f and g solves, out of n. */
  rankF: number;
  rankG: number;
  n: number;
  /** |J_l dTheta_l - T| / |T| at the block output. */
  residual: number;
  exact: boolean;
}

/** One contender's step. */
export interface ContenderStep {
  id: ContenderId;
  lr: number;
  /** Batch loss before the update (the paper's training loss). */
  lossBefore: number;
  /** The same batch's loss right after the update. */
  lossAfter: number;
  /** 100 (after - before) / before. */
  changePct: number;
  /** Milliseconds of the update (including a read-back that waits for the device). */
  stepMs: number;
  /** GN only: per block. */
  blocks?: PageBlockDiagnostics[];
  /** e = p - y [digits][k] from the logits before the step. */
  target: number[][];
  /** dO = o(after) - o(before) [digits][k]. */
  logitChange: number[][];
}

/** What one step of the lab did. */
export interface LabStep {
  /** 1-based step count. */
  step: number;
  epoch: number;
  /** Index of the batch within its epoch. */
  batchIndex: number;
  n: number;
  /** Training-set rows of the digits in the picture, and their labels. */
  pictureRows: number[];
  pictureLabels: number[];
  results: ContenderStep[];
}

/** Test loss and accuracy of one contender. */
export interface ContenderEval {
  id: ContenderId;
  loss: number;
  accuracy: number;
}

interface Contender {
  id: ContenderId;
  lr: number;
  model: RevMLP;
  opt: Optimizer;
}

/** Side-by-side training of GN (both rules), Adam and SGD on the page's MNIST subset. */
export class Lab {
  readonly options: LabOptions;
  readonly train: Dataset;
  readonly test: Dataset;
  private readonly contenders: Contender[];
  private epoch = 0;
  private batchIndex = 0;
  private batches: Int32Array[];
  private steps = 0;

  constructor(data: DatasetSplits, options: Partial<LabOptions> & { preset: PagePreset }) {
    const o: LabOptions = { seed: 42, contenders: CONTENDER_IDS, lr: {}, rtol: 1e-2, pictureDigits: 4, ...options };
    for (const id of o.contenders) if (!CONTENDER_IDS.includes(id)) throw new ConfigError('contenders', `unknown contender ${show(id)}; use ${CONTENDER_IDS.join(', ')}`);
    check(o.contenders.length > 0, 'contenders', () => 'choose at least one contender');
    check(Number.isInteger(o.pictureDigits) && o.pictureDigits >= 0 && o.pictureDigits <= o.preset.batch, 'pictureDigits', () => `must be an integer in 0..${o.preset.batch}, got ${o.pictureDigits}`);
    check(data.train.n >= o.preset.batch, 'preset.batch', () => `the page's training subset has ${data.train.n} images, fewer than one batch of ${o.preset.batch}: rebuild it with --train ${o.preset.batch} or more`);
    this.options = o;
    this.train = data.train;
    this.test = data.test;
    this.batches = miniBatches(this.train, o.preset.batch, 0, o.seed);
    this.contenders = o.contenders.map((id) => {
      const lr = o.lr[id] ?? DEFAULT_LR[id];
      const opt = createOptimizer(contenderOptimizer(id, lr, o.rtol));
      const model = RevMLP.init({ inputDim: this.train.d, hidden: o.preset.hidden, blocks: o.preset.blocks, classes: this.train.classes, seed: o.seed });
      return { id, lr, model, opt };
    });
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The mini-batch the next step uses (training-set rows). */
  nextBatchRows(): Int32Array {
    return this.batches[this.batchIndex]!;
  }

  /** One update of every contender on the next mini-batch (same batch for all). */
  step(): LabStep {
    const rows = this.nextBatchRows();
    const batch = gatherBatch(this.train, rows);
    const k = this.train.classes;
    const m = this.options.pictureDigits;
    const x = tf.tensor2d(batch.x, [batch.n, batch.d]);
    const xPic = m > 0 ? tf.tensor2d(batch.x.subarray(0, m * batch.d), [m, batch.d]) : null;
    const results: ContenderStep[] = [];
    try {
      for (const c of this.contenders) {
        const before = xPic ? readLogits(c.model, xPic) : new Float32Array(0);
        const t0 = now();
        const res = c.opt.step(c.model, x, batch.y);
        syncParams(c.model);
        const stepMs = now() - t0;
        const after = readLogits(c.model, x);
        const lossAfter = crossEntropyHost(after, batch.y, batch.n, k);
        const e = functionSpaceTarget(before, batch.y.subarray(0, m), m, k, 'ce-identity');
        const target: number[][] = [];
        const logitChange: number[][] = [];
        for (let r = 0; r < m; r++) {
          target.push(Array.from(e.subarray(r * k, (r + 1) * k)));
          logitChange.push(Array.from({ length: k }, (_, j) => after[r * k + j]! - before[r * k + j]!));
        }
        const out: ContenderStep = {
          id: c.id,
          lr: c.lr,
          lossBefore: res.loss,
          lossAfter,
          changePct: (100 * (lossAfter - res.loss)) / res.loss,
          stepMs,
          target,
          logitChange,
        };
        if (res.gn) {
          out.blocks = res.gn.map((b) => ({ block: b.block, rankF: b.f.rank, rankG: b.g.rank, n: b.f.n, residual: b.residual ?? NaN, exact: b.exact }));
        }
        results.push(out);
      }
    } finally {
      x.dispose();
      xPic?.dispose();
    }
    const record: LabStep = {
      step: ++this.steps,
      epoch: this.epoch,
      batchIndex: this.batchIndex,
      n: batch.n,
      pictureRows: Array.from(rows.subarray(0, m)),
      pictureLabels: Array.from(batch.y.subarray(0, m)),
      results,
    };
    this.advance();
    return record;
  }

  /** Test loss and accuracy of every contender on the page's test subset (in chunks of 500). */
  evaluate(limit = this.test.n): ContenderEval[] {
    const n = Math.min(limit, this.test.n);
    const k = this.test.classes;
    const CHUNK = 500;
    return this.contenders.map((c) => {
      const logits = new Float32Array(n * k);
      for (let start = 0; start < n; start += CHUNK) {
        const rows = Math.min(CHUNK, n - start);
        const x = tf.tensor2d(this.test.x.subarray(start * this.test.d, (start + rows) * this.test.d), [rows, this.test.d]);
        try {
          logits.set(readLogits(c.model, x), start * k);
        } finally {
          x.dispose();
        }
      }
      const y = this.test.y.subarray(0, n);
      return { id: c.id, loss: crossEntropyHost(logits, y, n, k), accuracy: accuracyHost(logits, y, n, k) };
    });
  }

  /** Disposes every model and optimizer state. */
  dispose(): void {
    for (const c of this.contenders) {
      c.opt.dispose();
      c.model.dispose();
    }
  }

  private advance(): void {
    this.batchIndex++;
    if (this.batchIndex >= this.batches.length) {
      this.epoch++;
      this.batchIndex = 0;
      this.batches = miniBatches(this.train, this.options.preset.batch, this.epoch, this.options.seed);
    }
  }
}

function readLogits(model: RevMLP, x: tf.Tensor2D): Float32Array {
  const t = model.logits(x);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Waits for the device to finish the update (a one-value read-back), so step times are real. */
function syncParams(model: RevMLP): void {
  const p = model.params[0]!.f;
  tidy(() => tf.slice(p.b ?? tf.reshape(p.Wt, [-1]), [0], [1]).dataSync());
}

function now(): number {
  return performance.now();
}

/**
 * runExperiment: one training run as a reproducible, resumable, cached object.
 *
 * Order of writes (each durable before the next), which makes a kill at any instant safe:
 *   epoch 0: eval row -> checkpoints/epoch-0000 (if configured) -> resume checkpoint
 *   epoch e: step rows -> eval row (if due) -> epoch checkpoint (if configured) -> resume checkpoint
 *   end:     done.json (status + SHA-256 of events.jsonl), then the resume checkpoint is removed
 * The resume checkpoint records how many rows existed when it was written; resuming drops every
 * later row (and a torn last line) and retrains from there. Batches depend only on (seed, epoch),
 * augmentation only on (seed, epoch, batch), so the resumed rows equal the uninterrupted ones.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tf, backendInfo, useBackend } from '../backend/index.js';
import { CheckpointError, ConfigError, DataError, ExactGnError, NumericalError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { loadDataset } from '../data/load.js';
import { fullBatch, gatherBatch, miniBatches } from '../data/batches.js';
import { randomResizedCrop } from '../data/crop.js';
import type { Batch, Dataset } from '../data/types.js';
import { appendJsonl, removeOrphanTempFiles } from '../io/atomic.js';
import { acquireLockAsync, LockedError, type Lock } from '../io/lock.js';
import { RevMLP } from '../model/revmlp.js';
import { crossEntropyHost } from '../model/loss.js';
import { loadCheckpoint, saveCheckpoint, type ExtraTensors } from '../model/checkpoint.js';
import { createOptimizer, type Optimizer, type OptimizerConfig, type StepResult } from '../optim/optimizers.js';
import type { BlockDiagnostics } from '../gn/step.js';
import { inexactBlocksMessage } from '../gn/inexact.js';
import { optimizerForEpoch, validateConfig, type ExperimentConfig, type ResolvedConfig } from './config.js';
import { canonicalJson, codeVersion, runKey } from './key.js';
import { evaluate, type EvalData } from './evaluate.js';
import { estimateEta, progressReporter, type ProgressEvent } from './progress.js';
import type { EvalRow, EventRow, FailedRow, StepRow } from './events.js';
import {
  epochCheckpointPath,
  inspectRun,
  keepEventRows,
  runPaths,
  runsRoot,
  wipeRun,
  writeConfigRecord,
  writeDone,
  type RunPaths,
} from './store.js';

export interface RunOptions {
  /** Runs root (default $EXACT_GN_RUNS_DIR, else `runs/`). The run lives in `<root>/<key>/`. */
  root?: string;
  /** Called after every durable event (row written, checkpoint saved). */
  onProgress?: (e: ProgressEvent) => void;
  /** Stops the run between steps; it stays resumable. */
  signal?: AbortSignal;
  /** Report progress on stderr (bar on a TTY, else a line per epoch). Default true. */
  progress?: boolean;
  /** When another process holds the run's lock: false (default) throws E_LOCKED, true waits, a number waits that many ms. */
  wait?: boolean | number;
  /** Minimum time between two resume checkpoints (default 10 s; 0 = after every epoch). */
  resumeIntervalMs?: number;
  /** Where warnings go (non-exact GN blocks, recomputed cache entries). Default: stderr. */
  warn?: (message: string) => void;
  /**
   * Never train: return the run when it is complete in the store, else throw a RunMissingError
   * (E_RUN_MISSING) naming its key. For building a report from runs trained elsewhere.
   */
  noTrain?: boolean;
  /** While training, the lock file is touched this often (ms) so other hosts see the holder is alive. Default 30 s. */
  heartbeatMs?: number;
  /**
   * A lock held from another host or container whose file has not been touched for this long (ms)
   * belongs to a dead process (preempted node, killed pod) and is taken over. Default 5 minutes.
   */
  staleAfterMs?: number;
}

/** A run is not complete in the store and the caller said not to train it ({@link RunOptions.noTrain}). Code E_RUN_MISSING. */
export class RunMissingError extends ExactGnError {
  readonly key: string;
  readonly dir: string;
  /** 'missing', 'incomplete' (interrupted or still training) or 'damaged'. */
  readonly state: string;
  readonly label: string | undefined;
  constructor(key: string, dir: string, state: string, label?: string) {
    super(
      'E_RUN_MISSING',
      `run ${key}${label ? ` (${label})` : ''} is ${state === 'missing' ? 'not' : `${state}, not`} complete in ${dir}, and training is off (--no-train): ` +
        'train it with `exact-gn run --plan plan.json --index N` (from `exact-gn plan`), or drop --no-train',
    );
    this.key = key;
    this.dir = dir;
    this.state = state;
    this.label = label;
  }
}

export interface RunResult {
  key: string;
  /** The run directory. */
  dir: string;
  status: 'complete' | 'failed';
  /** Every row of events.jsonl. */
  rows: EventRow[];
  /** True when the run was already complete and nothing was trained. */
  cached: boolean;
  config: ResolvedConfig;
  /** Why the run failed (status 'failed'). */
  reason?: string;
  /** Set when a damaged cache entry was found and recomputed: what was wrong with it. */
  recomputed?: string;
}

/** The position a resume checkpoint records. */
interface Position {
  /** Epochs finished. */
  epoch: number;
  /** Steps taken. */
  step: number;
  /** Rows in events.jsonl when it was written. */
  rows: number;
}

interface Session {
  cfg: ResolvedConfig;
  key: string;
  paths: RunPaths;
  train: Dataset;
  test: Dataset;
  batches: number;
  totalSteps: number;
  emit: (e: Omit<ProgressEvent, 'key' | 'epochs' | 'batches' | 'totalSteps' | 'resumedAt' | 'elapsedMs' | 'etaMs'>) => void;
  warn: (m: string) => void;
  warnedInexact: boolean;
}

/**
 * Trains (or resumes, or returns from the cache) the run of `config`. The config is validated
 * first (so parsed JSON is fine too); a ConfigError or DataError is thrown before anything is
 * written. A non-finite loss or update ends the run with status 'failed' (not an exception).
 *
 * @example
 * const result = await runExperiment(preset('fullbatch-mnist-gn', { profile: 'quick' }));
 * console.log(result.dir, result.status, result.rows.filter((r) => r.type === 'eval').at(-1));
 */
export async function runExperiment(config: ExperimentConfig, opts: RunOptions = {}): Promise<RunResult> {
  const cfg = validateConfig(config);
  const key = runKey(cfg);
  const dir = join(runsRoot(opts.root), key);
  const paths = runPaths(dir);
  const warn = opts.warn ?? ((m: string) => void process.stderr.write(`exact-gn: ${m}\n`));
  const fast = inspectRun(dir, cfg);
  if (fast.state === 'valid') return cachedResult(key, dir, cfg, fast.done.status, fast.rows, fast.done.reason);
  if (opts.noTrain) throw new RunMissingError(key, dir, fast.state, cfg.label);

  // Data problems surface before anything is written.
  const data = loadExperimentData(cfg);
  mkdirSync(paths.checkpoints, { recursive: true });
  const lock = await lockRun(paths, key, opts.wait ?? false, opts.heartbeatMs ?? 30_000, opts.staleAfterMs ?? 300_000);
  try {
    const state = inspectRun(dir, cfg);
    if (state.state === 'valid') return cachedResult(key, dir, cfg, state.done.status, state.rows, state.done.reason);
    let recomputed: string | undefined;
    if (state.state === 'damaged') {
      recomputed = state.why;
      warn(`run ${key} in ${dir} is damaged (${state.why}); recomputing it from scratch`);
      wipeRun(dir);
    }
    removeOrphanTempFiles(dir);
    removeOrphanTempFiles(paths.checkpoints);
    if (backendInfo() === null) await useBackend();
    writeConfigRecord(dir, { key, code: codeVersion(), config: cfg });
    const result = await train(cfg, key, paths, data, opts, warn);
    if (recomputed !== undefined) result.recomputed = recomputed;
    return result;
  } finally {
    lock.release();
  }
}

function cachedResult(key: string, dir: string, cfg: ResolvedConfig, status: 'complete' | 'failed', rows: EventRow[], reason?: string): RunResult {
  const r: RunResult = { key, dir, status, rows, cached: true, config: cfg };
  if (reason !== undefined) r.reason = reason;
  return r;
}

async function lockRun(paths: RunPaths, key: string, wait: boolean | number, heartbeatMs: number, staleAfterMs: number): Promise<Lock> {
  try {
    return await acquireLockAsync(paths.lock, { wait: wait !== false, timeoutMs: typeof wait === 'number' ? wait : Infinity, heartbeatMs, staleAfterMs });
  } catch (e) {
    if (!(e instanceof LockedError)) throw e;
    const who = e.holder ? `pid ${e.holder.pid} on ${e.holder.hostname} (since ${e.holder.startedAt})` : 'another process';
    throw new LockedError(
      e.path,
      e.holder,
      `run ${key} is already being trained by ${who}: wait for it (runExperiment option { wait: true }, or \`exact-gn run --wait\`) ` +
        `or stop that process; if no such process exists, delete ${e.path}`,
    );
  }
}

/** Loads the dataset of a config, checking it fits the model. */
export function loadExperimentData(cfg: ResolvedConfig): { train: Dataset; test: Dataset } {
  const d = cfg.dataset;
  // Full batch only ever uses the first n training images: read no more than that.
  const limitTrain = cfg.batch.mode === 'full' ? Math.min(d.limitTrain ?? Infinity, cfg.batch.n) : d.limitTrain;
  const opts: { dir?: string; limitTrain?: number; limitTest?: number } = {};
  if (d.dir !== undefined) opts.dir = d.dir;
  if (limitTrain !== undefined) opts.limitTrain = limitTrain;
  if (d.limitTest !== undefined) opts.limitTest = d.limitTest;
  const { train, test } = loadDataset(d.name, opts);
  if (train.d !== cfg.model.inputDim || test.d !== cfg.model.inputDim) {
    const bad = train.d !== cfg.model.inputDim ? train : test;
    throw new ConfigError(
      'model.inputDim',
      `is ${cfg.model.inputDim} but the ${bad === train ? 'training' : 'test'} images of ${bad.name} have ${bad.d} values ` +
        `(${bad.imageShape.join(' x ')})${d.dir !== undefined ? ` in dataset.dir ${d.dir}` : ''}; point dataset.dir at the standard ${d.name} files`,
    );
  }
  if (cfg.batch.mode === 'full' && cfg.batch.n > train.n) throw new ConfigError('batch.n', `is ${cfg.batch.n} but ${train.name} has only ${train.n} training images`);
  return { train, test };
}

/** The batch of step `b` of epoch `epoch` (from 1): full or shuffled, then augmented. */
function makeBatch(cfg: ResolvedConfig, train: Dataset, epoch: number, b: number, plan: Int32Array[] | null): Batch {
  const batch = plan === null ? fullBatch(train, (cfg.batch as { n: number }).n) : gatherBatch(train, plan[b]!);
  if (!cfg.dataset.augment) return batch;
  const [c, h, w] = train.imageShape;
  const rng = new Rng(cfg.seed).fork(`augment-${epoch}-${b}`);
  return { ...batch, x: randomResizedCrop(batch.x, batch.n, c, h, w, rng) };
}

function evalSets(cfg: ResolvedConfig, train: Dataset, test: Dataset): { test: EvalData; train: EvalData | null } {
  let trainSet: EvalData | null = null;
  if (cfg.evalTrain) trainSet = cfg.batch.mode === 'full' ? fullBatch(train, cfg.batch.n) : train;
  return { test, train: trainSet };
}

function saveResume(s: Session, model: RevMLP, opt: Optimizer, phase: string, pos: Position): void {
  const st = opt.state();
  const extra: ExtraTensors = new Map(st.tensors);
  saveCheckpoint(s.paths.resume, model, extra, {
    kind: 'resume',
    key: s.key,
    epoch: String(pos.epoch),
    step: String(pos.step),
    rows: String(pos.rows),
    phase,
    optimizerStep: String(st.step),
  });
}

interface Resumed {
  model: RevMLP;
  extra: ExtraTensors;
  phase: string;
  optimizerStep: number;
  pos: Position;
}

/** Loads the resume checkpoint if it belongs to this run; null (with a warning when unusable) otherwise. */
function tryResume(s: Session): Resumed | null {
  if (!existsSync(s.paths.resume)) return null;
  let ck;
  try {
    ck = loadCheckpoint(s.paths.resume);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    s.warn(`cannot resume run ${s.key} (${e.message}); starting it over`);
    return null;
  }
  const m = ck.metadata;
  const num = (v: string | undefined): number => (v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN);
  const pos = { epoch: num(m.epoch), step: num(m.step), rows: num(m.rows) };
  const ok = m.kind === 'resume' && m.key === s.key && canonicalJson(ck.model.config) === canonicalJson(s.cfg.model) &&
    Number.isInteger(pos.epoch) && Number.isInteger(pos.step) && Number.isInteger(pos.rows) && pos.epoch <= s.cfg.epochs;
  if (!ok) {
    ck.model.dispose();
    s.warn(`the resume checkpoint of run ${s.key} does not belong to this run; starting it over`);
    return null;
  }
  try {
    keepEventRows(s.paths.events, pos.rows);
  } catch (e) {
    ck.model.dispose();
    if (!(e instanceof DataError)) throw e;
    s.warn(`cannot resume run ${s.key}: events.jsonl ${e.message}; starting it over`);
    return null;
  }
  return { model: ck.model, extra: ck.extra, phase: m.phase ?? 'main', optimizerStep: num(m.optimizerStep), pos };
}

function startOver(paths: RunPaths): void {
  rmSync(paths.events, { force: true });
  rmSync(paths.checkpoints, { recursive: true, force: true });
  mkdirSync(paths.checkpoints, { recursive: true });
}

function gnSummary(blocks: BlockDiagnostics[]): Pick<StepRow, 'gn_min_rank' | 'gn_max_cond' | 'gn_exact'> {
  let minRank = Infinity;
  let maxCond = -Infinity;
  for (const b of blocks) for (const h of [b.f, b.g]) {
    minRank = Math.min(minRank, h.rank);
    maxCond = Number.isNaN(h.cond) ? maxCond : Math.max(maxCond, h.cond);
  }
  return { gn_min_rank: minRank, gn_max_cond: Number.isFinite(maxCond) ? maxCond : null, gn_exact: blocks.every((b) => b.exact) };
}

function warnInexact(s: Session, blocks: BlockDiagnostics[], opt: OptimizerConfig): void {
  if (s.warnedInexact) return;
  const message = inexactBlocksMessage(blocks, opt.gn);
  if (message === null) return;
  s.warnedInexact = true;
  s.warn(`run ${s.key}: ${message}. Warned once per run.`);
}

/** Mean CE of the batch under the model's current parameters. */
function batchLoss(model: RevMLP, x: tf.Tensor2D, labels: Int32Array): number {
  const logits = tf.tidy(() => model.logits(x).dataSync());
  return crossEntropyHost(logits, labels, labels.length, model.config.classes);
}

function evalRow(s: Session, model: RevMLP, sets: ReturnType<typeof evalSets>, epoch: number, step: number): EvalRow {
  const t0 = performance.now();
  const te = evaluate(model, sets.test, s.cfg.evalChunk);
  const row: EvalRow = { type: 'eval', epoch, step, test_loss: te.loss, test_acc: te.acc, eval_ms: 0 };
  if (sets.train) {
    const tr = evaluate(model, sets.train, s.cfg.evalChunk);
    row.train_loss = tr.loss;
    row.train_acc = tr.acc;
  }
  row.eval_ms = round(performance.now() - t0);
  const bad = [row.test_loss, row.train_loss].some((v) => v !== undefined && !Number.isFinite(v));
  if (bad) throw new NumericalError(`evaluation after epoch ${epoch} gave a non-finite loss (test ${row.test_loss}, train ${row.train_loss}): the model has diverged`);
  return row;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function train(
  cfg: ResolvedConfig,
  key: string,
  paths: RunPaths,
  data: { train: Dataset; test: Dataset },
  opts: RunOptions,
  warn: (m: string) => void,
): Promise<RunResult> {
  const { train: trainSet, test } = data;
  const batches = cfg.batch.mode === 'full' ? 1 : Math.ceil(trainSet.n / cfg.batch.size);
  const totalSteps = cfg.epochs * batches;
  const reporter = opts.progress === false ? null : progressReporter(process.stderr);
  const started = performance.now();
  let resumedAt = 0;
  const s: Session = {
    cfg, key, paths, train: trainSet, test, batches, totalSteps, warn, warnedInexact: false,
    emit: (e) => {
      const elapsedMs = performance.now() - started;
      const full: ProgressEvent = { ...e, key, epochs: cfg.epochs, batches, totalSteps, resumedAt, elapsedMs, etaMs: estimateEta(elapsedMs, e.step, resumedAt, totalSteps) };
      reporter?.(full);
      opts.onProgress?.(full);
    },
  };
  const sets = evalSets(cfg, trainSet, test);

  // Initial state: the resume checkpoint, or a fresh model with its epoch-0 evaluation.
  let model: RevMLP;
  let pos: Position;
  let phase: string;
  let optimizer: Optimizer | null = null;
  let lastLoss: number | undefined;
  const resumed = tryResume(s);
  if (resumed) {
    model = resumed.model;
    pos = resumed.pos;
    phase = resumed.phase;
    resumedAt = pos.step;
    const next = optimizerForEpoch(cfg, Math.min(pos.epoch + 1, cfg.epochs));
    optimizer = createOptimizer(next.optimizer as OptimizerConfig);
    if (next.phase === phase) optimizer.loadState(model, { step: resumed.optimizerStep, tensors: resumed.extra });
    phase = next.phase;
  } else {
    startOver(paths);
    model = RevMLP.init(cfg.model);
    pos = { epoch: 0, step: 0, rows: 0 };
    const first = optimizerForEpoch(cfg, 1);
    optimizer = createOptimizer(first.optimizer as OptimizerConfig);
    phase = first.phase;
  }

  let lastGoodEpoch = pos.epoch;
  const resumeIntervalMs = opts.resumeIntervalMs ?? 10_000;
  let lastResumeAt = performance.now();
  /** Ends the run as failed at step `step` (the failing step's number, or the steps done for an eval). */
  const fail = (e: NumericalError, epoch: number, batch: number, step: number): RunResult => {
    const kept = existsSync(paths.resume) ? `the last good state is checkpoints/resume.safetensors (after epoch ${lastGoodEpoch})` : 'no good state was saved';
    const reason = `${e.message} (epoch ${epoch}, step ${step}); ${kept}`;
    const row: FailedRow = { type: 'failed', epoch, step, batch, reason };
    appendJsonl(paths.events, row);
    writeDone(paths.dir, { status: 'failed', key, code: codeVersion(), reason, backend: backendInfo()?.summary });
    s.warn(`run ${key} failed: ${reason}`);
    return { key, dir: paths.dir, status: 'failed', rows: inspectRows(paths), cached: false, config: cfg, reason };
  };

  try {
    if (!resumed) {
      try {
        appendJsonl(paths.events, evalRow(s, model, sets, 0, 0));
      } catch (e) {
        if (e instanceof NumericalError) return fail(e, 0, 0, 0);
        throw e;
      }
      pos.rows = 1;
      s.emit({ kind: 'eval', epoch: 0, batch: 0, step: 0 });
      if (cfg.checkpointEpochs.includes(0)) saveCheckpoint(epochCheckpointPath(paths.dir, 0), model, new Map(), { kind: 'epoch', key, epoch: '0', step: '0' });
      saveResume(s, model, optimizer, phase, pos);
    }
    s.emit({ kind: 'start', epoch: pos.epoch, batch: 0, step: pos.step });

    for (let epoch = pos.epoch + 1; epoch <= cfg.epochs; epoch++) {
      const want = optimizerForEpoch(cfg, epoch);
      if (want.phase !== phase) {
        optimizer.dispose();
        optimizer = createOptimizer(want.optimizer as OptimizerConfig);
        phase = want.phase;
      }
      const plan = cfg.batch.mode === 'mini' ? miniBatches(trainSet, cfg.batch.size, epoch - 1, cfg.seed) : null;
      for (let b = 0; b < batches; b++) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
        const batch = makeBatch(cfg, trainSet, epoch, b, plan);
        const x = tf.tensor2d(batch.x, [batch.n, batch.d]);
        try {
          const t0 = performance.now();
          let res: StepResult;
          try {
            res = optimizer.step(model, x, batch.y);
          } catch (e) {
            if (e instanceof NumericalError) return fail(e, epoch, b, pos.step + 1);
            throw e;
          }
          const stepMs = performance.now() - t0;
          pos.step++;
          lastLoss = res.loss;
          if (res.gn) warnInexact(s, res.gn, want.optimizer as OptimizerConfig);
          const logged = (pos.step - 1) % cfg.logEvery === 0;
          // The last step of an epoch is checked even when it is not logged: the epoch's
          // checkpoints come next, and a diverged model must never be saved as the last good state.
          if (logged || b === batches - 1) {
            const after = batchLoss(model, x, batch.y);
            if (!Number.isFinite(after)) {
              return fail(new NumericalError(`the batch loss after the update is ${after}: the update diverged (lower the learning rate)`), epoch, b, pos.step);
            }
            if (logged) {
              const row: StepRow = {
                type: 'step', epoch, step: pos.step, batch: b, batch_size: batch.n, optimizer: want.optimizer.name,
                train_loss: res.loss, loss_after: after, batch_loss_change_pct: (100 * (after - res.loss)) / res.loss, step_ms: round(stepMs),
              };
              if (res.gn) Object.assign(row, gnSummary(res.gn));
              if (res.lm) Object.assign(row, { lm_lambda: res.lm.lambda, lm_rho: Number.isFinite(res.lm.rho) ? res.lm.rho : null });
              appendJsonl(paths.events, row);
              pos.rows++;
            }
          }
        } finally {
          x.dispose();
        }
        s.emit({ kind: 'step', epoch, batch: b, step: pos.step, trainLoss: lastLoss! });
        await new Promise<void>((r) => setImmediate(r));
      }
      if (epoch % cfg.evalEvery === 0 || epoch === cfg.epochs) {
        let row: EvalRow;
        try {
          row = evalRow(s, model, sets, epoch, pos.step);
        } catch (e) {
          if (e instanceof NumericalError) return fail(e, epoch, batches - 1, pos.step);
          throw e;
        }
        appendJsonl(paths.events, row);
        pos.rows++;
        s.emit({ kind: 'eval', epoch, batch: batches - 1, step: pos.step, trainLoss: lastLoss!, testLoss: row.test_loss, testAcc: row.test_acc });
      }
      if (cfg.checkpointEpochs.includes(epoch)) {
        saveCheckpoint(epochCheckpointPath(paths.dir, epoch), model, new Map(), { kind: 'epoch', key, epoch: String(epoch), step: String(pos.step) });
      }
      pos.epoch = epoch;
      // The resume checkpoint costs an encode and an fsync: write it at most every resumeIntervalMs
      // (resuming from an older one replays the same deterministic steps), never after the last epoch.
      if (epoch < cfg.epochs && performance.now() - lastResumeAt >= resumeIntervalMs) {
        saveResume(s, model, optimizer, phase, pos);
        lastResumeAt = performance.now();
        lastGoodEpoch = epoch;
      }
      s.emit({ kind: 'epoch', epoch, batch: batches - 1, step: pos.step, trainLoss: lastLoss! });
    }

    writeDone(paths.dir, { status: 'complete', key, code: codeVersion(), backend: backendInfo()?.summary });
    rmSync(paths.resume, { force: true });
    s.emit({ kind: 'done', epoch: cfg.epochs, batch: batches - 1, step: pos.step, trainLoss: lastLoss! });
    return { key, dir: paths.dir, status: 'complete', rows: inspectRows(paths), cached: false, config: cfg };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function inspectRows(paths: RunPaths): EventRow[] {
  const st = inspectRun(paths.dir);
  if (st.state !== 'valid') throw new DataError(`run just finished but is not readable back (${st.state === 'damaged' ? st.why : st.state})`, paths.dir);
  return st.rows;
}

/**
 * The experiment configuration: one typed object, equally usable from TypeScript and from a JSON
 * file, that fixes a training run completely (data, model, optimizer, schedule, seed, logging).
 * {@link validateConfig} checks untrusted input field by field and returns the resolved config,
 * with every default filled in, which is what the runner hashes into the run key.
 */
import { ConfigError, show } from '../util/errors.js';
import { DATASET_NAMES, type DatasetName } from '../data/types.js';
import { ACTIVATIONS, featureWidth, MODEL_LIMITS, modelConfig, type Activation, type RevMLPConfig } from '../model/config.js';
import { optimizerConfig, OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from '../optim/optimizers.js';
import { DEFAULT_GN, type GNOptions } from '../gn/step.js';
import { reachableRank } from '../gn/inexact.js';
import type { KFACOptions } from '../optim/kfac.js';
import type { DampedGNOptions } from '../optim/damped-gn.js';

/** Which data, and how much of it. */
export interface DatasetSpec {
  name: DatasetName;
  /** Folder of the files (default: the loader's default or its environment variable). */
  dir?: string;
  /** Keep only the first N training images. */
  limitTrain?: number;
  /** Keep only the first N test images. */
  limitTest?: number;
  /** RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) on every training batch (paper: CIFAR mini-batch). */
  augment?: boolean;
}

/** The RevMLP config; inputDim and classes come from the dataset unless given. */
export interface ModelSpec {
  /** Bottleneck width h, or null for the variant without bottleneck. */
  hidden: number | null;
  /** Number of reversible blocks L. */
  blocks: number;
  bias?: boolean;
  initStd?: number;
  /** Seed of V, W, U (default: the experiment seed). */
  seed?: number;
  activation?: Activation;
  firstBlockLinear?: boolean;
  inputDim?: number;
  classes?: number;
}

/** Full batch (the first n training images, one step per epoch) or shuffled mini-batches. */
export type BatchSpec = { mode: 'full'; n: number } | { mode: 'mini'; size: number };

/** Switch optimizer after `epoch` epochs (appendix: 50 epochs of one, then the other). */
export interface SwitchSpec {
  epoch: number;
  optimizer: OptimizerConfig;
}

/** A training run, as written by a user (optional fields take defaults). */
export interface ExperimentConfig {
  /** Free-text label shown in plots and listings (e.g. the preset name). */
  label?: string;
  /** Profile label, e.g. 'paper' or 'quick'. */
  profile?: string;
  dataset: DatasetSpec;
  model: ModelSpec;
  optimizer: OptimizerConfig;
  /** Number of training epochs (>= 1). */
  epochs: number;
  batch: BatchSpec;
  /** Seed of batches, augmentation and (by default) the model. */
  seed: number;
  /** Evaluate every this many epochs (and at epoch 0 and the last epoch). Default 1. */
  evalEvery?: number;
  /** Write a step row every this many steps. Default 1. */
  logEvery?: number;
  /** Epochs whose model is kept as checkpoints/epoch-XXXX.safetensors (0 = init). */
  checkpointEpochs?: number[];
  switchAt?: SwitchSpec;
  /** Also evaluate on the training data (the full batch, or the whole training set). Default: full mode only. */
  evalTrain?: boolean;
  /** Rows per forward pass during evaluation (bounds memory). Default 1000. */
  evalChunk?: number;
}

/**
 * An optimizer config with every default filled in: GN options only for GN and damped GN, betas/eps
 * only for Adam, K-FAC options only for K-FAC, Levenberg-Marquardt options only for damped GN.
 */
export interface ResolvedOptimizer {
  name: OptimizerName;
  lr: number;
  weightDecay: number;
  betas?: [number, number];
  eps?: number;
  gn?: GNOptions;
  kfac?: KFACOptions;
  lm?: DampedGNOptions;
}

/** The validated config: what the runner uses and hashes. Also a valid {@link ExperimentConfig}. */
export interface ResolvedConfig {
  label?: string;
  profile?: string;
  dataset: { name: DatasetName; dir?: string; limitTrain?: number; limitTest?: number; augment: boolean };
  model: RevMLPConfig;
  optimizer: ResolvedOptimizer;
  epochs: number;
  batch: BatchSpec;
  seed: number;
  evalEvery: number;
  logEvery: number;
  checkpointEpochs: number[];
  switchAt?: { epoch: number; optimizer: ResolvedOptimizer };
  evalTrain: boolean;
  evalChunk: number;
}

/** Image size, classes and split sizes of the built-in datasets (known without reading files). */
export const DATASET_INFO: Readonly<Record<DatasetName, { inputDim: number; classes: number; train: number; test: number }>> = {
  mnist: { inputDim: 784, classes: 10, train: 60000, test: 10000 },
  'fashion-mnist': { inputDim: 784, classes: 10, train: 60000, test: 10000 },
  cifar10: { inputDim: 3072, classes: 10, train: 50000, test: 10000 },
};

const TOP_KEYS = [
  'label', 'profile', 'dataset', 'model', 'optimizer', 'epochs', 'batch', 'seed', 'evalEvery', 'logEvery',
  'checkpointEpochs', 'switchAt', 'evalTrain', 'evalChunk',
] as const;
const DATASET_KEYS = ['name', 'dir', 'limitTrain', 'limitTest', 'augment'] as const;
const MODEL_KEYS = ['hidden', 'blocks', 'bias', 'initStd', 'seed', 'activation', 'firstBlockLinear', 'inputDim', 'classes'] as const;

type Obj = Record<string, unknown>;

function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(path, `must be an object, got ${show(v)}`);
  return v as Obj;
}

function onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const name = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k); // an empty or odd key stays visible
    throw new ConfigError(`${path}${path ? '.' : ''}${name}`, `unknown key; allowed keys are ${allowed.join(', ')}`);
  }
}

function required(o: Obj, key: string, path: string): unknown {
  if (o[key] === undefined) throw new ConfigError(`${path}${path ? '.' : ''}${key}`, 'is required');
  return o[key];
}

/**
 * Stated limits on the sizes of a run (the model's are MODEL_LIMITS), checked before anything is
 * allocated: batch sizes and chunks at most 2^24 rows (the datasets hold at most 60,000 images),
 * at most 100,000 epochs (the paper trains 100, its longest appendix run a few hundred).
 */
export const RUN_LIMITS = { rows: 2 ** 24, epochs: 100_000 } as const;

function positiveInt(v: unknown, path: string, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConfigError(path, `must be a positive integer, got ${show(v)}`);
  if (v > max) throw new ConfigError(path, `must be at most ${max} (a stated limit of exact-gn), got ${show(v)}`);
  return v;
}

function integer(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(path, `must be an integer, got ${show(v)}`);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(path, `must be true or false, got ${show(v)}`);
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ConfigError(path, `must be a string, got ${show(v)}`);
  return v;
}

function datasetSpec(v: unknown): ResolvedConfig['dataset'] {
  const o = object(v, 'dataset');
  onlyKeys(o, DATASET_KEYS, 'dataset');
  const name = required(o, 'name', 'dataset');
  if (!DATASET_NAMES.includes(name as DatasetName)) {
    throw new ConfigError('dataset.name', `unknown dataset ${show(name)}; use one of ${DATASET_NAMES.join(', ')}`);
  }
  const out: ResolvedConfig['dataset'] = { name: name as DatasetName, augment: o.augment === undefined ? false : bool(o.augment, 'dataset.augment') };
  if (o.dir !== undefined) out.dir = text(o.dir, 'dataset.dir');
  if (o.limitTrain !== undefined) out.limitTrain = positiveInt(o.limitTrain, 'dataset.limitTrain', RUN_LIMITS.rows);
  if (o.limitTest !== undefined) out.limitTest = positiveInt(o.limitTest, 'dataset.limitTest', RUN_LIMITS.rows);
  return out;
}

function modelSpec(v: unknown, dataset: DatasetName, seed: number): RevMLPConfig {
  const o = object(v, 'model');
  onlyKeys(o, MODEL_KEYS, 'model');
  const hidden = required(o, 'hidden', 'model');
  if (hidden !== null) positiveInt(hidden, 'model.hidden');
  positiveInt(required(o, 'blocks', 'model'), 'model.blocks');
  if (o.activation !== undefined && !ACTIVATIONS.includes(o.activation as Activation)) {
    throw new ConfigError('model.activation', `unknown activation ${show(o.activation)}; use one of ${ACTIVATIONS.join(', ')}`);
  }
  const info = DATASET_INFO[dataset];
  const input = { inputDim: info.inputDim, classes: info.classes, seed, ...o } as unknown as RevMLPConfig;
  const cfg = modelConfig(input, 'model');
  if (cfg.inputDim !== info.inputDim) {
    throw new ConfigError('model.inputDim', `is ${cfg.inputDim} but ${dataset} images have ${info.inputDim} values; leave it out to take it from the dataset`);
  }
  if (cfg.classes !== info.classes) {
    throw new ConfigError('model.classes', `is ${cfg.classes} but ${dataset} has ${info.classes} classes; leave it out to take it from the dataset`);
  }
  return cfg;
}

function optimizerSpec(v: unknown, path: string): ResolvedOptimizer {
  const o = object(v, path);
  const name = required(o, 'name', path);
  if (!OPTIMIZER_NAMES.includes(name as OptimizerName)) {
    throw new ConfigError(`${path}.name`, `unknown optimizer ${show(name)}; use one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  required(o, 'lr', path);
  if (o.gn !== undefined) {
    const gn = object(o.gn, `${path}.gn`);
    for (const f of ['residual', 'spectrum'] as const) if (gn[f] !== undefined) bool(gn[f], `${path}.gn.${f}`);
    if (gn.noiseSeed !== undefined) integer(gn.noiseSeed, `${path}.gn.noiseSeed`);
    for (const f of ['target', 'rule', 'pinv', 'scaling'] as const) if (gn[f] !== undefined) text(gn[f], `${path}.gn.${f}`);
  }
  if (name !== 'adam') {
    for (const f of ['betas', 'eps'] as const) {
      if (o[f] !== undefined) throw new ConfigError(`${path}.${f}`, `only applies to optimizer "adam", not ${show(name)}`);
    }
  }
  const full = optimizerConfig(o as unknown as OptimizerConfig, path);
  const out: ResolvedOptimizer = { name: full.name, lr: full.lr, weightDecay: full.weightDecay };
  if (full.name === 'adam') {
    out.betas = [full.betas[0], full.betas[1]];
    out.eps = full.eps;
  }
  if (full.name === 'gn' || full.name === 'damped-gn') out.gn = { ...DEFAULT_GN, ...full.gn };
  if (full.name === 'kfac') out.kfac = { ...full.kfac };
  if (full.name === 'damped-gn') out.lm = { ...full.lm };
  return out;
}

function batchSpec(v: unknown): BatchSpec {
  const o = object(v, 'batch');
  const mode = required(o, 'mode', 'batch');
  if (mode === 'full') {
    onlyKeys(o, ['mode', 'n'], 'batch');
    return { mode, n: positiveInt(required(o, 'n', 'batch'), 'batch.n', RUN_LIMITS.rows) };
  }
  if (mode === 'mini') {
    onlyKeys(o, ['mode', 'size'], 'batch');
    return { mode, size: positiveInt(required(o, 'size', 'batch'), 'batch.size', RUN_LIMITS.rows) };
  }
  throw new ConfigError('batch.mode', `unknown batch mode ${show(mode)}; use "full" (the first n images, one step per epoch) or "mini" (shuffled batches of size)`);
}

/** 0, 1, 2, 5, 10, 20, 50, ... up to `epochs`, plus `epochs`. */
export function defaultCheckpointEpochs(epochs: number): number[] {
  const out = new Set<number>([0]);
  for (let decade = 1; decade <= epochs; decade *= 10) for (const m of [1, 2, 5]) if (m * decade <= epochs) out.add(m * decade);
  out.add(epochs);
  return [...out].sort((a, b) => a - b);
}

function checkpointList(v: unknown, epochs: number): number[] {
  if (v === undefined) return defaultCheckpointEpochs(epochs);
  if (!Array.isArray(v)) throw new ConfigError('checkpointEpochs', `must be an array of epochs (0 = init), got ${show(v)}`);
  for (let i = 0; i < v.length; i++) { // not forEach: it would skip the holes of a sparse array
    const e: unknown = v[i];
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e > epochs) {
      throw new ConfigError(`checkpointEpochs[${i}]`, `must be an integer epoch in 0..${epochs} (0 = the initial model), got ${show(e)}`);
    }
  }
  return [...new Set(v as number[])].sort((a, b) => a - b);
}

/**
 * The largest batch whose feature matrices A = [s(X V^T), 1] can all have full row rank: the
 * smallest rank a block can reach (../gn/inexact.ts `reachableRank`; block 1's when it is linear).
 */
export function maxExactBatch(model: RevMLPConfig): number {
  return Math.min(...Array.from({ length: model.blocks }, (_, l) => reachableRank(l, model)));
}

function checkRightInverse(cfg: ResolvedConfig, opt: ResolvedOptimizer, optPath: string): void {
  if (opt.name !== 'gn' || opt.gn?.pinv !== 'none') return;
  const n = cfg.batch.mode === 'full' ? cfg.batch.n : cfg.batch.size;
  const limit = maxExactBatch(cfg.model);
  if (n <= limit) return;
  const m = cfg.model;
  const h = featureWidth(m);
  const why = m.firstBlockLinear && m.inputDim / 2 < h
    ? `block 1 is linear, so its features X2 V^T have rank at most d/2 = ${m.inputDim / 2}${m.bias ? ' (+1 for the bias column)' : ''}`
    : `A = [s(X V^T)${m.bias ? ', 1' : ''}] has only ${h}${m.bias ? ' + 1' : ''} columns`;
  throw new ConfigError(
    cfg.batch.mode === 'full' ? 'batch.n' : 'batch.size',
    `a batch of ${n} rows is larger than ${limit}, the most rows A can have at full rank (${why}); with ${optPath}.gn.pinv "none" ` +
      `the exact right inverse A^T (A A^T)^{-1} no longer exists. Use pinv "truncated" (the paper's truncated SVD), ` +
      `pinv "damped" (Tikhonov, gn.damping), or a batch of at most ${limit} rows`,
  );
}

/**
 * Validates an experiment config (from TypeScript or parsed JSON) and returns it with every
 * default filled in. Unknown keys, wrong types, non-positive sizes or learning rates, unknown
 * dataset/optimizer/rule/target, and a batch too large for an exact right inverse with pinv
 * 'none' throw a ConfigError naming the field path (e.g. `optimizer.gn.rule`) and the reason.
 *
 * @example
 * const cfg = validateConfig({
 *   dataset: { name: 'mnist', limitTest: 1000 }, model: { hidden: 1024, blocks: 2 },
 *   optimizer: { name: 'gn', lr: 0.5 }, epochs: 10, batch: { mode: 'full', n: 128 }, seed: 42,
 * });
 * cfg.optimizer.gn?.rule; // 'block'
 */
export function validateConfig(input: unknown): ResolvedConfig {
  const o = object(input, 'config');
  onlyKeys(o, TOP_KEYS, '');
  const seed = integer(required(o, 'seed', ''), 'seed');
  if (seed < 0 || seed >= MODEL_LIMITS.seedEnd) throw new ConfigError('seed', `must be in [0, 2^32) (seeds are 32-bit; a larger one would silently equal a smaller one), got ${show(seed)}`);
  const dataset = datasetSpec(required(o, 'dataset', ''));
  const model = modelSpec(required(o, 'model', ''), dataset.name, seed);
  const optimizer = optimizerSpec(required(o, 'optimizer', ''), 'optimizer');
  const epochs = positiveInt(required(o, 'epochs', ''), 'epochs', RUN_LIMITS.epochs);
  const batch = batchSpec(required(o, 'batch', ''));
  const info = DATASET_INFO[dataset.name];
  const trainN = Math.min(info.train, dataset.limitTrain ?? Infinity);
  if (batch.mode === 'full' && batch.n > trainN) {
    throw new ConfigError('batch.n', `is ${batch.n} but the training data has only ${trainN} images${dataset.limitTrain !== undefined ? ' (dataset.limitTrain)' : ''}`);
  }
  const cfg: ResolvedConfig = {
    dataset,
    model,
    optimizer,
    epochs,
    batch,
    seed,
    evalEvery: o.evalEvery === undefined ? 1 : positiveInt(o.evalEvery, 'evalEvery'),
    logEvery: o.logEvery === undefined ? 1 : positiveInt(o.logEvery, 'logEvery'),
    checkpointEpochs: checkpointList(o.checkpointEpochs, epochs),
    evalTrain: o.evalTrain === undefined ? batch.mode === 'full' : bool(o.evalTrain, 'evalTrain'),
    evalChunk: o.evalChunk === undefined ? 1000 : positiveInt(o.evalChunk, 'evalChunk', RUN_LIMITS.rows),
  };
  if (o.label !== undefined) cfg.label = text(o.label, 'label');
  if (o.profile !== undefined) cfg.profile = text(o.profile, 'profile');
  if (o.switchAt !== undefined) {
    const s = object(o.switchAt, 'switchAt');
    onlyKeys(s, ['epoch', 'optimizer'], 'switchAt');
    const epoch = positiveInt(required(s, 'epoch', 'switchAt'), 'switchAt.epoch');
    if (epoch >= epochs) throw new ConfigError('switchAt.epoch', `must be below epochs (${epochs}): the switch happens after this many epochs, got ${epoch}`);
    cfg.switchAt = { epoch, optimizer: optimizerSpec(required(s, 'optimizer', 'switchAt'), 'switchAt.optimizer') };
  }
  checkRightInverse(cfg, cfg.optimizer, 'optimizer');
  if (cfg.switchAt) checkRightInverse(cfg, cfg.switchAt.optimizer, 'switchAt.optimizer');
  return cfg;
}

/** The optimizer that trains epoch `epoch` (1-based): the switch optimizer after switchAt.epoch. */
export function optimizerForEpoch(cfg: ResolvedConfig, epoch: number): { phase: 'main' | 'switch'; optimizer: ResolvedOptimizer } {
  return cfg.switchAt && epoch > cfg.switchAt.epoch ? { phase: 'switch', optimizer: cfg.switchAt.optimizer } : { phase: 'main', optimizer: cfg.optimizer };
}

/** Steps per epoch: 1 for full batch, ceil(trainN / size) for mini-batches (last partial batch kept). */
export function stepsPerEpoch(cfg: ResolvedConfig, trainN: number): number {
  return cfg.batch.mode === 'full' ? 1 : Math.ceil(trainN / cfg.batch.size);
}

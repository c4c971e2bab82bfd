/**
 * Post-hoc analysis of a run's checkpoints: every diagnostic of this module, relative to the first
 * checkpoint (the reference, epoch 0) and between consecutive checkpoints, as plain rows.
 *
 * Checkpoints are loaded one at a time; of each only a host snapshot is kept (weights, probe
 * products, kernel, representation Grams) and only for the reference and the previous one, so
 * memory stays at one model on the backend plus three snapshots on the host.
 * The probe batch x (and its labels) must be the same for every run that is compared.
 */
import { basename } from 'node:path';
import { tf } from '../backend/index.js';
import { check, ConfigError, show } from '../util/errors.js';
import { loadCheckpoint } from '../model/checkpoint.js';
import { accuracyHost, crossEntropyHost } from '../model/loss.js';
import type { RevMLP } from '../model/revmlp.js';
import type { RevMLPConfig } from '../model/config.js';
import { blockSpectra, type HalfSpectrum } from './block-spectra.js';
import { empiricalNtk } from './empirical-ntk.js';
import { kernelAlignment } from './kernel-alignment.js';
import { cosine, frobeniusDot, type ProductRoute } from './matrix.js';
import { ntkProbeProducts, type ProbeProducts } from './ntk-probe.js';
import { NTK_OUTPUTS, randomProbe, type NtkOutput } from './probe.js';
import { ckaFromRepresentationGrams, representationGrams } from './representation-cka.js';
import { paramsSnapshot, weightMotionFromSnapshots, type TensorSnapshot } from './weight-motion.js';
import type { MetricName, MetricRow } from './rows.js';

/** A checkpoint file and the epoch it was written at. */
export interface CheckpointRef {
  epoch: number;
  path: string;
}

/** Groups of diagnostics {@link analyzeCheckpoints} can compute. */
export type MetricGroup = 'loss' | 'ntkProbe' | 'ntkKernel' | 'cka' | 'weights' | 'spectra';
export const METRIC_GROUPS: readonly MetricGroup[] = ['loss', 'ntkProbe', 'ntkKernel', 'cka', 'weights', 'spectra'];

export interface AnalyzeOptions {
  /** Which diagnostics to compute (default all of {@link METRIC_GROUPS}). */
  groups: readonly MetricGroup[];
  /** Output of the NTK probe similarity (default 'z', the full d-dim output as in the paper). */
  probeOutput: NtkOutput;
  /** Seed of the probe v (default 0). */
  probeSeed: number;
  /** Samples (the first rows of x) of the explicit empirical NTK (default 32). */
  ntkSamples: number;
  /** Output of the explicit NTK (default 'logits'). */
  ntkOutput: NtkOutput;
  /** Random output directions of a 'z' explicit NTK (default 10). */
  zProjection: number;
  /** Truncation of the spectra (paper: 1e-2, 1e-5). */
  rtol: number;
  atol: number;
  /** Where the big host/backend products run (default 'auto'). */
  products: ProductRoute;
  /** Label stamped on every row (e.g. 'gn'); default ''. */
  run: string;
  /** Called after each checkpoint (progress reporting). */
  onCheckpoint?: (info: { index: number; total: number; epoch: number; path: string; seconds: number }) => void;
}

export const DEFAULT_ANALYZE: Omit<AnalyzeOptions, 'onCheckpoint'> = {
  groups: METRIC_GROUPS,
  probeOutput: 'z',
  probeSeed: 0,
  ntkSamples: 32,
  ntkOutput: 'logits',
  zProjection: 10,
  rtol: 1e-2,
  atol: 1e-5,
  products: 'auto',
  run: '',
};

/** What is kept of one checkpoint. */
interface Snapshot {
  epoch: number;
  config: RevMLPConfig;
  weights?: TensorSnapshot[];
  probe?: ProbeProducts;
  kernel?: Float64Array;
  grams?: Float64Array[];
}

/**
 * Runs every diagnostic over a run's checkpoints (in training order; the first is the reference).
 * Returns long rows: {run, epoch, metric, block, half, tensor, value} (see METRIC_DESCRIPTIONS in
 * rows.ts). A checkpoint's epoch is the one given in a CheckpointRef, else its metadata `epoch`,
 * else the last integer in its file name, else its position in the list. All checkpoints must
 * share the architecture and seed (same fixed V, U); x is the probe batch (e.g. 256 training
 * images), labels its classes (for the loss and accuracy rows).
 *
 * @example
 * const rows = await analyzeCheckpoints(
 *   [{ epoch: 0, path: 'runs/gn/epoch-0.safetensors' }, { epoch: 10, path: 'runs/gn/epoch-10.safetensors' }],
 *   probeX, probeLabels, { run: 'gn' },
 * );
 * const df = await rowsToDataFrame(rows);
 */
export async function analyzeCheckpoints(
  checkpoints: readonly (string | CheckpointRef)[],
  x: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: Partial<AnalyzeOptions> = {},
): Promise<MetricRow[]> {
  return runAnalysis(checkpoints, x, labels, analyzeOptions(options), null);
}

/**
 * {@link analyzeCheckpoints} for several runs on the same probe batch (rows stamped with the run
 * name), plus CKA across every pair of runs at the epochs both have ('cka_across' and
 * 'cka_debiased_across', run `${a}|${b}`), from the representation Grams kept in memory
 * (2L n^2 float64 per checkpoint), so no checkpoint is loaded twice.
 *
 * @example
 * const rows = await analyzeRuns({ gn: gnCkpts, adam: adamCkpts, sgd: sgdCkpts }, probeX, probeLabels);
 */
export async function analyzeRuns(
  runs: Readonly<Record<string, readonly (string | CheckpointRef)[]>>,
  x: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: Partial<Omit<AnalyzeOptions, 'run'>> & { across?: boolean } = {},
): Promise<MetricRow[]> {
  const { across = true, ...rest } = options;
  const names = Object.keys(runs);
  check(names.length >= 1, 'runs', () => 'need at least one run (name -> checkpoints)');
  const rows: MetricRow[] = [];
  const grams = new Map<string, Map<number, Float64Array[]>>();
  for (const name of names) {
    const kept = across && names.length > 1 ? new Map<number, Float64Array[]>() : null;
    rows.push(...(await runAnalysis(runs[name]!, x, labels, analyzeOptions({ ...rest, run: name }), kept)));
    if (kept) grams.set(name, kept);
  }
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = grams.get(names[i]!);
      const b = grams.get(names[j]!);
      if (a && b) rows.push(...acrossRows(`${names[i]}|${names[j]}`, a, b, x.shape[0]));
    }
  }
  return rows;
}

/** The analysis of one run; `keepGrams` (when given) collects the representation Grams by epoch. */
async function runAnalysis(
  checkpoints: readonly (string | CheckpointRef)[],
  x: tf.Tensor2D,
  labels: ArrayLike<number>,
  o: AnalyzeOptions,
  keepGrams: Map<number, Float64Array[]> | null,
): Promise<MetricRow[]> {
  check(checkpoints.length >= 1, 'checkpoints', () => 'need at least one checkpoint (the first is the reference, epoch 0)');
  check(x.rank === 2 && labels.length === x.shape[0], 'labels', () => `expected ${x.shape[0]} labels (one per row of x), got ${labels.length}`);
  const rows: MetricRow[] = [];
  const push = (epoch: number, metric: MetricName, value: number, at: Partial<Pick<MetricRow, 'block' | 'half' | 'tensor'>> = {}): void => {
    rows.push({ run: o.run, epoch, metric, block: at.block ?? null, half: at.half ?? null, tensor: at.tensor ?? null, value });
  };
  const groups = new Set(o.groups);
  let v: tf.Tensor2D | null = null;
  let ntkX: tf.Tensor2D | null = null;
  let ref: Snapshot | null = null;
  let prev: Snapshot | null = null;
  try {
    for (let index = 0; index < checkpoints.length; index++) {
      const started = Date.now();
      const opened = openCheckpoint(checkpoints[index]!, index);
      const { path, epoch } = opened;
      const model: RevMLP = opened.model;
      let snap: Snapshot;
      try {
        model.checkInput(x);
        if (ref) checkSameArchitecture(ref.config, model.config, path);
        if (groups.has('ntkProbe') && !v) v = randomProbe(model, x.shape[0], { output: o.probeOutput, seed: o.probeSeed });
        if (groups.has('ntkKernel') && !ntkX) ntkX = tf.slice(x, [0, 0], [Math.min(o.ntkSamples, x.shape[0]), -1]);
        snap = takeSnapshot(model, epoch, x, v, ntkX, groups, o, keepGrams !== null);
        if (keepGrams) keepGrams.set(epoch, snap.grams!);
        if (groups.has('loss')) {
          const logits = model.logits(x);
          const host = logits.dataSync();
          logits.dispose();
          const k = model.config.classes;
          push(epoch, 'loss', crossEntropyHost(host, labels, x.shape[0], k));
          push(epoch, 'accuracy', accuracyHost(host, labels, x.shape[0], k));
        }
        if (groups.has('spectra')) spectraRows(blockSpectra(model, x, o), epoch, push);
      } finally {
        model.dispose();
      }
      ref ??= snap;
      compareRows(ref, prev, snap, push, groups.has('cka'));
      prev = snap;
      o.onCheckpoint?.({ index, total: checkpoints.length, epoch, path, seconds: (Date.now() - started) / 1000 });
      // Let the event loop breathe between checkpoints (notebooks stay responsive).
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    v?.dispose();
    ntkX?.dispose();
  }
  return rows;
}

/**
 * CKA per half-coupling between two runs at the epochs both have (matched by epoch, resolved as
 * in {@link analyzeCheckpoints}), on x. Rows carry metric 'cka_across' / 'cka_debiased_across' and
 * run `${runA}|${runB}`. Loads every checkpoint again; {@link analyzeRuns} does this for free.
 *
 * @example
 * const rows = ckaAcrossRuns(gnCheckpoints, adamCheckpoints, probeX, { runA: 'gn', runB: 'adam' });
 */
export function ckaAcrossRuns(
  runA: readonly (string | CheckpointRef)[],
  runB: readonly (string | CheckpointRef)[],
  x: tf.Tensor2D,
  options: { runA?: string; runB?: string; products?: ProductRoute } = {},
): MetricRow[] {
  const label = `${options.runA ?? 'A'}|${options.runB ?? 'B'}`;
  const gramsOf = (run: readonly (string | CheckpointRef)[]): Map<number, Float64Array[]> => {
    const out = new Map<number, Float64Array[]>();
    run.forEach((c, index) => {
      const opened = openCheckpoint(c, index);
      const model: RevMLP = opened.model;
      try {
        model.checkInput(x);
        out.set(opened.epoch, representationGrams(model, x, { products: options.products ?? 'auto' }));
      } finally {
        model.dispose();
      }
    });
    return out;
  };
  return acrossRows(label, gramsOf(runA), gramsOf(runB), x.shape[0]);
}

/** CKA rows between two runs' representation Grams at their common epochs. */
function acrossRows(label: string, a: Map<number, Float64Array[]>, b: Map<number, Float64Array[]>, n: number): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const [epoch, ga] of a) {
    const gb = b.get(epoch);
    if (!gb) continue;
    for (const h of ckaFromRepresentationGrams(ga, gb, n)) {
      rows.push({ run: label, epoch, metric: 'cka_across', block: h.block, half: h.half, tensor: null, value: h.cka });
      rows.push({ run: label, epoch, metric: 'cka_debiased_across', block: h.block, half: h.half, tensor: null, value: h.debiasedCka });
    }
  }
  return rows;
}

/**
 * Validates analysis options (partial input, defaults filled); unknown keys are errors.
 *
 * @example
 * analyzeOptions({ ntkSamples: 64 }).probeOutput; // 'z'
 */
export function analyzeOptions(input: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  const allowed = new Set([...Object.keys(DEFAULT_ANALYZE), 'onCheckpoint']);
  for (const k of Object.keys(input)) if (!allowed.has(k)) throw new ConfigError(`analyze.${k}`, `unknown key; allowed keys are ${[...allowed].join(', ')}`);
  const o: AnalyzeOptions = { ...DEFAULT_ANALYZE, ...input };
  for (const g of o.groups) check(METRIC_GROUPS.includes(g), 'analyze.groups', () => `unknown group ${show(g)}; use some of ${METRIC_GROUPS.join(', ')}`);
  check(Number.isInteger(o.ntkSamples) && o.ntkSamples >= 1, 'analyze.ntkSamples', () => `must be a positive integer, got ${show(o.ntkSamples)}`);
  check(Number.isInteger(o.zProjection) && o.zProjection >= 1, 'analyze.zProjection', () => `must be a positive integer, got ${show(o.zProjection)}`);
  for (const f of ['probeOutput', 'ntkOutput'] as const) check(NTK_OUTPUTS.includes(o[f]), `analyze.${f}`, () => `unknown output ${show(o[f])}; use 'z' or 'logits'`);
  check(typeof o.run === 'string', 'analyze.run', () => `must be a string, got ${show(o.run)}`);
  return o;
}

/** Loads a checkpoint and decides its epoch: given, else metadata `epoch`, else the file name, else its index. */
function openCheckpoint(c: string | CheckpointRef, index: number): { path: string; model: RevMLP; epoch: number } {
  const path = typeof c === 'string' ? c : c.path;
  const { model, metadata } = loadCheckpoint(path);
  if (typeof c !== 'string') return { path, model, epoch: c.epoch };
  const meta = Number(metadata.epoch);
  const epoch = metadata.epoch !== undefined && Number.isFinite(meta) ? meta : epochFromName(path) ?? index;
  return { path, model, epoch };
}

/**
 * The last integer in a file name, or null.
 *
 * @example
 * epochFromName('runs/gn/epoch-010.safetensors'); // 10
 */
export function epochFromName(path: string): number | null {
  const m = basename(path).match(/(\d+)(?!.*\d)/);
  return m ? Number(m[1]) : null;
}

function checkSameArchitecture(a: RevMLPConfig, b: RevMLPConfig, path: string): void {
  const keys = ['inputDim', 'hidden', 'blocks', 'classes', 'bias', 'seed', 'activation', 'firstBlockLinear'] as const;
  for (const key of keys) {
    if (a[key] !== b[key]) {
      throw new ConfigError('checkpoints', `${path} has ${key} = ${show(b[key])}, the reference checkpoint ${show(a[key])}; all checkpoints of a run must share the architecture and the seed of the fixed tensors`);
    }
  }
}

function takeSnapshot(
  model: RevMLP,
  epoch: number,
  x: tf.Tensor2D,
  v: tf.Tensor2D | null,
  ntkX: tf.Tensor2D | null,
  groups: Set<MetricGroup>,
  o: AnalyzeOptions,
  wantGrams: boolean,
): Snapshot {
  const snap: Snapshot = { epoch, config: model.config };
  if (groups.has('weights')) snap.weights = paramsSnapshot(model.params);
  if (v) snap.probe = ntkProbeProducts(model, x, v, { output: o.probeOutput });
  if (ntkX) snap.kernel = empiricalNtk(model, ntkX, { output: o.ntkOutput, zProjection: o.zProjection, projectionSeed: o.probeSeed }).kernel;
  if (groups.has('cka') || wantGrams) snap.grams = representationGrams(model, x, { products: o.products });
  return snap;
}

type Push = (epoch: number, metric: MetricName, value: number, at?: Partial<Pick<MetricRow, 'block' | 'half' | 'tensor'>>) => void;

/** Rows comparing a snapshot to the reference and to the previous one. */
function compareRows(ref: Snapshot, prev: Snapshot | null, cur: Snapshot, push: Push, cka: boolean): void {
  const e = cur.epoch;
  if (cur.probe && ref.probe) {
    push(e, 'ntk_probe_cos_init', cosine(ref.probe.ntk, cur.probe.ntk));
    push(e, 'ntk_probe_norm_ratio', Math.sqrt(frobeniusDot(cur.probe.ntk, cur.probe.ntk) / frobeniusDot(ref.probe.ntk, ref.probe.ntk)));
    push(e, 'jac_probe_cos_init', cosine(ref.probe.jtv, cur.probe.jtv));
    if (prev?.probe) {
      push(e, 'ntk_probe_cos_prev', cosine(prev.probe.ntk, cur.probe.ntk));
      push(e, 'jac_probe_cos_prev', cosine(prev.probe.jtv, cur.probe.jtv));
    }
  }
  if (cur.kernel && ref.kernel) {
    push(e, 'ntk_alignment_init', kernelAlignment(ref.kernel, cur.kernel));
    push(e, 'ntk_norm_ratio', Math.sqrt(frobeniusDot(cur.kernel, cur.kernel) / frobeniusDot(ref.kernel, ref.kernel)));
    if (prev?.kernel) push(e, 'ntk_rate', 1 - kernelAlignment(prev.kernel, cur.kernel));
  }
  if (cka && cur.grams && ref.grams) {
    const n = Math.round(Math.sqrt(cur.grams[0]!.length));
    for (const h of ckaFromRepresentationGrams(ref.grams, cur.grams, n)) {
      push(e, 'cka_init', h.cka, { block: h.block, half: h.half });
      push(e, 'cka_debiased_init', h.debiasedCka, { block: h.block, half: h.half });
    }
    if (prev?.grams) {
      for (const h of ckaFromRepresentationGrams(prev.grams, cur.grams, n)) push(e, 'cka_prev', h.cka, { block: h.block, half: h.half });
    }
  }
  if (cur.weights && ref.weights) {
    for (const w of weightMotionFromSnapshots(ref.weights, cur.weights)) {
      const at = { block: w.block, half: w.half, tensor: w.tensor };
      push(e, 'weight_cos_init', w.cosine, at);
      push(e, 'weight_norm_ratio', w.normRatio, at);
      push(e, 'weight_rel_change', w.relChange, at);
      push(e, 'weight_norm', w.normT, at);
    }
    if (prev?.weights) {
      for (const w of weightMotionFromSnapshots(prev.weights, cur.weights)) push(e, 'weight_rel_step', w.relChange, { block: w.block, half: w.half, tensor: w.tensor });
    }
  }
}

function spectraRows(spectra: HalfSpectrum[], epoch: number, push: Push): void {
  for (const s of spectra) {
    const at = { block: s.block, half: s.half };
    push(epoch, 'pinv_rank', s.rank, at);
    push(epoch, 'pinv_cond', s.cond, at);
    push(epoch, 'pinv_cond_kept', s.condKept, at);
    push(epoch, 'pinv_smax', s.sMax, at);
    push(epoch, 'pinv_smin', s.sMin, at);
  }
}

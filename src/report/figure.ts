/**
 * A paper figure as data: which runs it needs, how to draw it, and what to conclude from it. The
 * same spec drives the figure's notebook and its section of the reproduce report, so they always
 * agree. Runs go through the experiment runner (cached, resumable).
 */
import { join } from 'node:path';
import type { Figure } from '../plots/types.js';
import type { ResultRow } from '../plots/rows.js';
import { ConfigError, ExactGnError, show } from '../util/errors.js';
import { DEFAULT_GN, UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { PAPER } from '../experiments/paper.js';
import { runExperiment, RunMissingError, type RunResult } from '../experiments/runner.js';
import { MEDIUM, PROFILES, presetOrFallback, type PresetOptions, type Profile } from '../experiments/presets.js';
import type { ExperimentConfig } from '../experiments/config.js';
import type { EventRow } from '../experiments/events.js';
import { runLabels, tidyRows, type ResultsTable, type TidyRow } from './table.js';
import type { Verdict } from './verdict.js';

/** How a figure is reproduced. */
export interface FigureOptions {
  /** 'quick' (CPU-sized, default; or EXACT_GN_PROFILE), 'medium' (each claim at a size where it can show; committed tables) or 'paper' (the paper's settings). */
  profile: Profile;
  /** Seeds (paper: 42, 43, 44). Default: all three in the paper profile, 42 in quick. */
  seeds: number[];
  /** GN update rule: 'block' (corrected, default) or 'half-coupling' (paper-era). */
  rule: UpdateRule;
  /** Runs root (default $EXACT_GN_RUNS_DIR, else runs/). */
  root?: string;
  /** Progress on stderr while training (default true). */
  progress: boolean;
  /** Where one-line notes go (runs started, cache hits, fallbacks). Default console.log. */
  log: (line: string) => void;
  /** Never train: take every run from the store, or throw a FigureRunsMissingError naming the missing ones. */
  noTrain?: boolean;
}

/** Some runs of a figure are not in the store and training is off (FigureOptions.noTrain). Code E_RUN_MISSING. */
export class FigureRunsMissingError extends ExactGnError {
  readonly figure: string;
  readonly missing: RunMissingError[];
  constructor(figure: string, total: number, missing: RunMissingError[]) {
    super('E_RUN_MISSING', `${figure}: ${missing.length} of ${total} runs are not complete (${missing.map((m) => m.key).join(', ')}) and training is off (--no-train); ` +
      'train them with `exact-gn run --plan plan.json --index N` (from `exact-gn plan`), or drop --no-train');
    this.figure = figure;
    this.missing = missing;
  }
}

/**
 * Fills defaults and validates.
 *
 * @example
 * figureOptions({ profile: 'quick', rule: 'half-coupling' });
 */
export function figureOptions(input: Partial<FigureOptions> = {}): FigureOptions {
  const envProfile = process.env.EXACT_GN_PROFILE;
  if (input.profile === undefined && envProfile !== undefined && envProfile !== '' && !PROFILES.includes(envProfile as Profile)) {
    throw new ConfigError('EXACT_GN_PROFILE', `unknown profile ${show(envProfile)}; use one of ${PROFILES.join(', ')} (or unset it for quick)`);
  }
  const profile = input.profile ?? (envProfile !== undefined && envProfile !== '' ? (envProfile as Profile) : 'quick');
  if (!PROFILES.includes(profile)) throw new ConfigError('profile', `unknown profile ${show(profile)}; use one of ${PROFILES.join(', ')}`);
  const rule = input.rule ?? 'block';
  if (!UPDATE_RULES.includes(rule)) throw new ConfigError('rule', `unknown rule ${show(rule)}; use one of ${UPDATE_RULES.join(', ')}`);
  const seeds = input.seeds ?? (profile === 'paper' ? [...PAPER.seeds] : [PAPER.seeds[0]!]);
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s))) {
    throw new ConfigError('seeds', `must be a non-empty list of integers, got ${show(seeds)}`);
  }
  return { profile, seeds, rule, root: input.root, progress: input.progress ?? true, log: input.log ?? ((l) => console.log(l)), ...(input.noTrain ? { noTrain: true } : {}) };
}

/** One run a figure needs, with the labels its rows carry into plots. */
export interface RunRef {
  /** Unique within the figure, e.g. 'mnist/gn/42'. */
  id: string;
  /** Curve label (optimizer, or optimizer and rule, e.g. 'gn (half-coupling)'). */
  optimizer: string;
  /** Panel label (dataset; says so when Fashion-MNIST stands in for CIFAR-10). */
  dataset: string;
  seed: number;
  /** Extra grouping labels (e.g. { variant: 'no bottleneck' }). */
  tags?: Record<string, string>;
  preset?: string;
  config: ExperimentConfig;
  /** True when the CIFAR-10 files were missing and Fashion-MNIST was used instead. */
  fellBack: boolean;
}

/** The runs of a figure, finished. */
export interface FigureRuns {
  options: FigureOptions;
  refs: RunRef[];
  results: RunResult[];
  /** Every event row of every run, labelled with its RunRef's optimizer, dataset, seed and tags. */
  rows: LabeledRow[];
  /** The same rows as the tidy results table (one number per row; see ./table.ts). */
  table: TidyRow[];
}

export type LabeledRow = EventRow & { optimizer_label: string; dataset: string; seed: number; run: string } & Record<string, unknown>;

/** A conclusion computed from the results table (never hard-coded). */
export interface Finding {
  /** What is measured, e.g. 'steps until the training loss is 10x below its initial value, MNIST'. */
  label: string;
  /** Values per curve (curve label -> value, e.g. '12 ± 1 (3 seeds)'). */
  values: Record<string, number | string>;
  /** The paper's claim for this measurement, in words. */
  claim?: string;
  /** The claim made precise enough to fail: what is compared, and when it counts as shown. */
  test?: string;
  /** shown / not shown / inconclusive; absent for a plain measurement. */
  verdict?: Verdict;
  /** The numbers behind the verdict (and, when inconclusive, why: seed spread, too short, no data). */
  why?: string;
}

/** Findings as table rows: the measurement, one column per curve, the claim, the test, the verdict and why. */
export function findingTable(findings: readonly Finding[]): Record<string, string | number>[] {
  return findings.map((f) => ({
    measurement: f.label,
    ...f.values,
    'paper\'s claim': f.claim ?? '',
    test: f.test ?? '',
    verdict: f.verdict ?? '',
    why: f.why ?? '',
  }));
}

/** A drawn panel set with a caption that states its settings. */
export interface DrawnFigure {
  name: string;
  figure: Figure;
  caption: string;
}

/**
 * A figure as data: which runs (a function of the options: profile, seeds, rule), and pure
 * functions of the results table: how to draw it and what to conclude. Live runs and a committed
 * results/*.csv give the same table, so both are drawn and judged by the same functions.
 */
export interface FigureSpec {
  /** 'fig1', ..., 'fig5'. */
  id: string;
  title: string;
  /** The paper's claim the figure tests (markdown-free sentence). */
  claim: string;
  /** The runs, for these options. */
  runs(options: FigureOptions): RunRef[];
  /** Rows beyond the training rows (e.g. NTK/CKA over checkpoints), appended to the table; optional. */
  analyze?(runs: RunsOf & Pick<FigureRuns, 'options'>): Promise<TidyRow[]>;
  /** The figure from the table (no I/O). */
  draw(table: ResultsTable, options: FigureOptions): DrawnFigure[];
  /** The findings from the table: pure, no I/O, no drawing. */
  findings(table: ResultsTable): Finding[];
  /** Settings of this reproduction next to the paper's. */
  settings(options: FigureOptions): SettingRow[];
  /** Every deviation from the paper in these options (and, given the runs, failed runs and fallbacks). */
  deviations(options: FigureOptions, runs?: RunsOf): string[];
}

/** What deviations need to know of finished runs: which they are and how they ended. */
export type RunsOf = Pick<FigureRuns, 'refs' | 'results'>;

/**
 * An appendix figure that still draws and judges from the runs (FigureRuns) rather than from the
 * table alone; `from: 'runs'` tells them apart.
 */
export interface RunsFigureSpec {
  from: 'runs';
  id: string;
  title: string;
  claim: string;
  runs(options: FigureOptions): RunRef[];
  analyze?(runs: FigureRuns): Promise<ResultRow[]>;
  draw(runs: FigureRuns, analysis: ResultRow[]): DrawnFigure[];
  findings(runs: FigureRuns, analysis: ResultRow[]): Finding[];
  settings(options: FigureOptions): SettingRow[];
  deviations(options: FigureOptions, runs?: FigureRuns): string[];
}

/** Any figure the report knows. */
export type AnyFigureSpec = FigureSpec | RunsFigureSpec;

/** A type alias (not an interface) so rows pass as plain records to showTable. */
export type SettingRow = {
  setting: string;
  paper: string;
  this_run: string;
};

/** A RunRef for a preset (CIFAR presets fall back to Fashion-MNIST when the files are absent). */
export function presetRun(
  presetName: string,
  labels: { optimizer: string; dataset: string; tags?: Record<string, string> },
  options: FigureOptions,
  seed: number,
  extra: Omit<PresetOptions, 'profile' | 'seed'> = {},
): RunRef {
  const { config, fellBack } = presetOrFallback(presetName, { profile: options.profile, seed, rule: options.rule, ...extra });
  const dataset = fellBack ? `${labels.dataset} → Fashion-MNIST (fallback)` : labels.dataset;
  const tagPart = labels.tags ? `/${Object.values(labels.tags).join('/')}` : '';
  return { id: `${labels.dataset}/${labels.optimizer}${tagPart}/${seed}`, optimizer: labels.optimizer, dataset, seed, tags: labels.tags, preset: presetName, config, fellBack };
}

/** The label of GN under a rule: 'gn' for the corrected rule, 'gn (half-coupling)' for the paper-era one. */
export function gnLabel(rule: UpdateRule): string {
  return rule === 'block' ? 'gn' : 'gn (half-coupling)';
}

/**
 * Trains (or loads from the cache) every run of a figure, in order, and labels their rows.
 *
 * @example
 * const runs = await runFigure(FIGURES.fig1, { profile: 'quick' });
 */
export async function runFigure(spec: AnyFigureSpec, input: Partial<FigureOptions> = {}): Promise<FigureRuns> {
  const options = figureOptions(input);
  const refs = spec.runs(options);
  const ids = new Set<string>();
  for (const r of refs) {
    if (ids.has(r.id)) throw new ConfigError(`${spec.id}.runs`, `duplicate run id ${show(r.id)}`);
    ids.add(r.id);
  }
  const results: RunResult[] = [];
  const rows: LabeledRow[] = [];
  const table: TidyRow[] = [];
  const missing: RunMissingError[] = [];
  for (const [i, ref] of refs.entries()) {
    const t0 = Date.now();
    let res: RunResult;
    try {
      // An analysis reads the epoch checkpoints: verify them first, so a damaged one is named and recomputed, never analysed.
      res = await runExperiment(ref.config, { root: options.root, progress: options.progress, noTrain: options.noTrain === true, verifyCheckpoints: spec.analyze !== undefined });
    } catch (e) {
      if (!(e instanceof RunMissingError)) throw e;
      options.log(`[${spec.id} ${i + 1}/${refs.length}] ${ref.id}: missing (run ${e.key}, ${e.state}; --no-train)`);
      missing.push(e);
      continue;
    }
    const took = ((Date.now() - t0) / 1000).toFixed(1);
    options.log(`[${spec.id} ${i + 1}/${refs.length}] ${ref.id}: ${res.cached ? 'cached' : `trained in ${took} s`} (${res.status}) -> ${res.dir}`);
    if (res.status === 'failed') options.log(`  run failed: ${res.reason ?? 'unknown reason'} (its curve stops there and is marked failed)`);
    results.push(res);
    for (const row of res.rows) {
      rows.push({ ...row, ...(ref.tags ?? {}), optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
    }
    table.push(...tidyRows(runLabels(ref, res), res.rows));
  }
  if (missing.length > 0) throw new FigureRunsMissingError(spec.id, refs.length, missing);
  return { options, refs, results, rows, table };
}

/** Runs a figure end to end: runs, analysis, the table, drawings, findings. */
export async function reproduceFigure(spec: AnyFigureSpec, input: Partial<FigureOptions> = {}): Promise<{
  runs: FigureRuns;
  table: TidyRow[];
  figures: DrawnFigure[];
  findings: Finding[];
}> {
  const runs = await runFigure(spec, input);
  if ('from' in spec) {
    const analysis = spec.analyze ? await spec.analyze(runs) : [];
    return { runs, table: runs.table, figures: spec.draw(runs, analysis), findings: spec.findings(runs, analysis) };
  }
  const table = spec.analyze ? [...runs.table, ...(await spec.analyze(runs))] : runs.table;
  return { runs, table, figures: spec.draw(table, runs.options), findings: spec.findings(table) };
}

// ---- small NaN-safe helpers on labelled rows -------------------------------------------------

/** Rows of one type, as plain records for `figureFromRows`. */
export function rowsOfType(runs: FigureRuns, type: EventRow['type'], filter: (r: LabeledRow) => boolean = () => true): ResultRow[] {
  return runs.rows.filter((r) => r.type === type && filter(r)) as unknown as ResultRow[];
}

/** Mean over seeds of the last value of `column` in rows of `type`, per optimizer label (and dataset). */
export function finalValue(runs: FigureRuns, type: EventRow['type'], column: string, dataset: string): Record<string, number> {
  const out: Record<string, number[]> = {};
  for (const ref of runs.refs.filter((r) => r.dataset === dataset)) {
    const rs = runs.rows.filter((r) => r.run === ref.id && r.type === type && Number.isFinite(r[column] as number));
    const last = rs.at(-1);
    if (last) (out[ref.optimizer] ??= []).push(last[column] as number);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, mean(v)]));
}

/** First x at which the seed-mean curve of `column` goes at or below `threshold` (NaN if never). */
export function firstBelow(rows: readonly ResultRow[], x: string, column: string, threshold: number): number {
  const byX = new Map<number, number[]>();
  for (const r of rows) {
    const xv = r[x];
    const yv = r[column];
    if (typeof xv === 'number' && typeof yv === 'number' && Number.isFinite(yv)) (byX.get(xv) ?? byX.set(xv, []).get(xv)!).push(yv);
  }
  for (const xv of [...byX.keys()].sort((a, b) => a - b)) if (mean(byX.get(xv)!) <= threshold) return xv;
  return NaN;
}

export function mean(v: readonly number[]): number {
  const f = v.filter((x) => Number.isFinite(x));
  return f.length === 0 ? NaN : f.reduce((a, b) => a + b, 0) / f.length;
}

/** The datasets (panel labels) of a figure's runs, in order. */
export function datasetsOf(runs: FigureRuns): string[] {
  return [...new Set(runs.refs.map((r) => r.dataset))];
}

/** Shared settings rows: profile, seeds, rule, backend note. */
export function commonSettings(options: FigureOptions): SettingRow[] {
  return [
    { setting: 'profile', paper: 'paper', this_run: options.profile },
    { setting: 'seeds', paper: `${PAPER.seeds.join(', ')} (mean ± std)`, this_run: options.seeds.join(', ') },
    { setting: 'GN update rule', paper: 'half-coupling (most likely, paper-era code)', this_run: options.rule },
    {
      setting: 'GN pseudo-inverse', paper: `truncated SVD, rtol ${PAPER.pinv.rtol.toExponential()}, atol ${PAPER.pinv.atol.toExponential()}`,
      this_run: `${DEFAULT_GN.pinv} via the n x n Gram matrix, rtol ${DEFAULT_GN.rtol.toExponential()}, atol ${DEFAULT_GN.atol.toExponential()}${DEFAULT_GN.rtol === PAPER.pinv.rtol && DEFAULT_GN.atol === PAPER.pinv.atol ? ' (same result)' : ''}`,
    },
  ];
}

/** Deviations every quick-profile figure shares, plus fallbacks and failed runs (never shown silently). */
export function commonDeviations(options: FigureOptions, runs?: RunsOf): string[] {
  const out: string[] = [];
  if (options.profile === 'quick') {
    out.push('quick profile: smaller bottleneck h, a subset of the training and test data, smaller batches and fewer epochs than the paper, so it runs on a CPU in minutes (same code path as the paper profile)');
  }
  if (options.profile === 'medium') {
    const m = MEDIUM.mnist;
    const c = MEDIUM.cifar10;
    const size = (x: typeof m) => `h = ${x.hidden ?? PAPER.hidden}, ${x.epochs.mini} mini-batch epochs instead of ${PAPER.epochs} (a checkpoint every ${x.checkpointEvery === 1 ? 'epoch' : `${x.checkpointEvery} epochs`}), full batch ${x.epochs.full} steps`;
    out.push(`medium profile (each claim at a size where it can show on a 2-core CPU; docs/benchmarks.md): MNIST ${size(m)}; CIFAR-10 and its Fashion-MNIST fallback ${size(c)}; batches of 1024 from all training images and the full test set as in the paper`);
  }
  if (options.seeds.length < 3) out.push(`seeds ${options.seeds.join(', ')} only (the paper averages 42, 43, 44)`);
  if (options.rule === 'block') out.push('GN uses the corrected block rule; the paper\'s figures were most likely made with the half-coupling rule (switch with rule: "half-coupling")');
  runs?.results.forEach((res, i) => {
    if (res.status === 'failed') {
      out.push(`run ${runs.refs[i]?.id ?? res.key} FAILED (${res.reason ?? 'unknown reason'}): its curves stop where it failed; results in ${res.dir}`);
    }
  });
  if (runs?.refs.some((r) => r.fellBack)) out.push('CIFAR-10 files were not found (EXACT_GN_CIFAR10_DIR): the CIFAR-10 runs use Fashion-MNIST with the CIFAR settings (6 blocks, CIFAR learning rates), labelled as fallback');
  return out;
}

/** Where a run's checkpoints are: epoch -> path, for the configured checkpoint epochs. */
export function checkpointsOf(result: RunResult): { epoch: number; path: string }[] {
  return result.config.checkpointEpochs.map((epoch) => ({ epoch, path: join(result.dir, 'checkpoints', `epoch-${String(epoch).padStart(4, '0')}.safetensors`) }));
}

/** What this run's configs actually are, per dataset label (derived, never restated by hand). */
export function derivedSettings(refs: readonly RunRef[]): { data: string; model: string; epochs: string; lr: string } {
  const per = (fn: (r: RunRef) => string): string => {
    const byDs = new Map<string, Set<string>>();
    for (const r of refs) (byDs.get(r.dataset) ?? byDs.set(r.dataset, new Set()).get(r.dataset)!).add(fn(r));
    return [...byDs].map(([ds, vals]) => `${ds}: ${[...vals].join('; ')}`).join(' | ');
  };
  return {
    data: per(({ config: c }) => {
      const test = c.dataset.limitTest !== undefined ? `, test on the first ${c.dataset.limitTest}` : ', full test set';
      return c.batch.mode === 'full'
        ? `first ${c.batch.n} training images${test}`
        : `batches of ${c.batch.size} from ${c.dataset.limitTrain !== undefined ? `the first ${c.dataset.limitTrain}` : 'all'} training images${c.dataset.augment ? ', RandomResizedCrop' : ''}${test}`;
    }),
    model: per(({ config: c }) => `${c.model.hidden === null ? 'no bottleneck' : `h = ${c.model.hidden}`}, ${c.model.blocks} blocks`),
    epochs: per(({ config: c }) => `${c.epochs} epochs`),
    lr: per(({ optimizer, config: c }) => `${optimizer} ${c.optimizer.lr}`),
  };
}

/** Step rows averaged per (run, epoch): one row per epoch with the mean of `columns`. */
export function epochMeans(runs: FigureRuns, columns: readonly string[], filter: (r: LabeledRow) => boolean = () => true): ResultRow[] {
  const groups = new Map<string, { base: LabeledRow; sums: number[]; counts: number[] }>();
  for (const r of runs.rows) {
    if (r.type !== 'step' || !filter(r)) continue;
    const key = `${r.run}|${r.epoch}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { base: r, sums: columns.map(() => 0), counts: columns.map(() => 0) }));
    columns.forEach((c, i) => {
      const v = r[c];
      if (typeof v === 'number' && Number.isFinite(v)) {
        g!.sums[i]! += v;
        g!.counts[i]! += 1;
      }
    });
  }
  return [...groups.values()].map(({ base, sums, counts }) => {
    const out: Record<string, number | string> = { epoch: base.epoch, optimizer_label: base.optimizer_label, dataset: base.dataset, seed: base.seed, run: base.run };
    for (const [k, v] of Object.entries(base)) if (typeof v === 'string' && !(k in out) && k !== 'type') out[k] = v;
    columns.forEach((c, i) => (out[c] = counts[i]! > 0 ? sums[i]! / counts[i]! : NaN));
    return out;
  });
}

/**
 * Pieces the appendix figure specs share: the size of their quick-profile runs, a RunRef builder
 * for appendix variants of the mini-batch presets, curve labels for sweeps, a wrapped panel grid,
 * a vertical marker for figures, and small measurements on labelled rows.
 *
 * In the quick profile an appendix run is the preset's quick run, capped at
 * {@link APPENDIX_QUICK_CAP} so the ten appendix figures train in a few minutes on two CPU cores.
 * While Figure 2's quick MNIST runs fit under the cap, the plain GN, Adam and SGD runs of the
 * appendix are Figure 2's own runs (same config, one run in the cache) and every variant differs
 * from them only in its knob.
 */
import type { ExperimentConfig } from '../../experiments/config.js';
import { deepMerge, type DeepPartial } from '../../experiments/presets.js';
import type { UpdateRule } from '../../gn/step.js';
import { linePanel, panelGrid, type NamedSeries } from '../../plots/panels.js';
import type { ResultRow } from '../../plots/rows.js';
import type { Figure, PlotlyAnnotation, PlotlyLayout, PlotlyShape } from '../../plots/types.js';
import { ConfigError, show } from '../../util/errors.js';
import { commonDeviations, epochMeans, mean, presetRun, type FigureOptions, type FigureRuns, type RunRef, type RunsOf } from '../figure.js';

/**
 * Largest quick-profile appendix run: bottleneck h, batch (kept below h + 1, so the ReLU blocks
 * stay in the paper's exact regime n < h), training and test images, epochs. Presets above a cap
 * are cut to it (and their label says 'appendix size').
 */
export const APPENDIX_QUICK_CAP = { hidden: 512, batch: 128, limitTrain: 1024, limitTest: 1000, epochs: 8 } as const;

/**
 * Largest medium-profile appendix sweep run (issue 17: the smallest size where every variant trains
 * well past init, on a 2-core CPU): the paper's data (batches of 1024 from all 60k training images,
 * the full 10k test set) and depth, but h = 1024 (the batch stays below h + 1, so the ReLU blocks keep
 * the exact regime) and 20 epochs (1180 steps, a checkpoint every epoch). A GN step there costs about
 * an eighth of one at h = 8000, so a sweep variant is about 10 minutes instead of 45. Sweep variants,
 * their GN and Adam baselines, the switching and the longer runs take this size (CIFAR-side runs,
 * already at h = 1024, stay Figure 2's own: 30 epochs); the analyses of Figure 2's runs (weights,
 * CKA, test accuracy, update rules) use Figure 2's own medium runs.
 */
export const APPENDIX_MEDIUM_CAP = { hidden: 1024, batch: 1024, epochs: 20 } as const;

/** Quick-profile longer training: this many times the standard appendix epochs. */
export const LONGER_FACTOR = 3;

/** Paper-profile epochs of the longer-training runs (the paper trains longer than 100; docs/paper.md gives no count). */
export const PAPER_LONGER_EPOCHS = 300;

/** Options of {@link appendixRun}. */
export interface AppendixRunOptions {
  /** Epochs (default: the preset's, at most APPENDIX_QUICK_CAP.epochs in quick). */
  epochs?: number;
  /** Variant fields merged last (e.g. `{ model: { initStd: 1e-6 } }`). */
  overrides?: DeepPartial<ExperimentConfig>;
  /** Short text appended to the config label, e.g. 'init std 1e-6' (part of the run key). */
  note?: string;
  /** GN rule of this run (default options.rule). */
  rule?: UpdateRule;
  /**
   * Medium profile: take Figure 2's own run size instead of {@link APPENDIX_MEDIUM_CAP} (for
   * analyses of Figure 2's runs, which need no new training). Default false.
   */
  figureSize?: boolean;
}

/**
 * The overrides that bring a quick config under {@link APPENDIX_QUICK_CAP} (empty when it fits;
 * epochs are capped separately, through the preset, so a switch stays at half the epochs).
 *
 * @example
 * capOverrides(preset('minibatch-mnist-gn', { profile: 'paper' })).overrides; // { model: { hidden: 512 }, dataset: {...}, batch: {...} }
 */
export function capOverrides(c: ExperimentConfig): { overrides: DeepPartial<ExperimentConfig>; capped: boolean } {
  const cap = APPENDIX_QUICK_CAP;
  const model: DeepPartial<ExperimentConfig['model']> = {};
  const dataset: DeepPartial<ExperimentConfig['dataset']> = {};
  const over: DeepPartial<ExperimentConfig> = {};
  if (c.model.hidden !== null && c.model.hidden > cap.hidden) model.hidden = cap.hidden;
  if ((c.dataset.limitTrain ?? Infinity) > cap.limitTrain) dataset.limitTrain = cap.limitTrain;
  if ((c.dataset.limitTest ?? Infinity) > cap.limitTest) dataset.limitTest = cap.limitTest;
  if (c.batch.mode === 'mini' && c.batch.size > cap.batch) over.batch = { mode: 'mini', size: cap.batch };
  if (Object.keys(model).length > 0) over.model = model;
  if (Object.keys(dataset).length > 0) over.dataset = dataset;
  return { overrides: over, capped: Object.keys(over).length > 0 };
}

/**
 * The overrides that bring a medium config under {@link APPENDIX_MEDIUM_CAP} (empty when it fits).
 *
 * @example
 * mediumCapOverrides(preset('minibatch-mnist-gn', { profile: 'medium' })).overrides; // { model: { hidden: 1024 } }
 */
export function mediumCapOverrides(c: ExperimentConfig): { overrides: DeepPartial<ExperimentConfig>; capped: boolean } {
  const cap = APPENDIX_MEDIUM_CAP;
  const over: DeepPartial<ExperimentConfig> = {};
  if (c.model.hidden !== null && c.model.hidden > cap.hidden) over.model = { hidden: cap.hidden };
  if (c.batch.mode === 'mini' && c.batch.size > cap.batch) over.batch = { mode: 'mini', size: cap.batch };
  return { overrides: over, capped: Object.keys(over).length > 0 };
}

/**
 * A RunRef for an appendix run: the mini-batch preset `presetName` (capped at
 * {@link APPENDIX_QUICK_CAP} in the quick profile, unchanged in the paper profile) with the
 * variant's overrides. Two calls with the same preset, epochs, overrides and note give the same
 * config, hence one shared run; without overrides and note it is the preset's own run.
 *
 * @example
 * const ref = appendixRun('minibatch-mnist-gn', { optimizer: 'init std 1e-6 (gn)', dataset: 'MNIST' },
 *   figureOptions({ profile: 'quick' }), 42, { overrides: { model: { initStd: 1e-6 } }, note: 'init std 1e-6' });
 */
export function appendixRun(
  presetName: string,
  labels: { optimizer: string; dataset: string; tags?: Record<string, string> },
  options: FigureOptions,
  seed: number,
  opts: AppendixRunOptions = {},
): RunRef {
  if (!presetName.startsWith('minibatch-')) throw new ConfigError('appendixRun.preset', `appendix runs are mini-batch runs, got preset ${show(presetName)}`);
  const o = { ...options, rule: opts.rule ?? options.rule };
  const quick = options.profile === 'quick';
  const medium = options.profile === 'medium' && opts.figureSize !== true;
  const base = presetRun(presetName, labels, o, seed, opts.epochs !== undefined ? { epochs: opts.epochs } : {}).config;
  const { overrides: cap, capped } = quick ? capOverrides(base) : medium ? mediumCapOverrides(base) : { overrides: {}, capped: false };
  // Medium: only runs the cap shrinks are cut to its epochs (the CIFAR-side runs already have the cap's width, so they stay Figure 2's own).
  const capEpochs = quick ? APPENDIX_QUICK_CAP.epochs : medium && capped ? APPENDIX_MEDIUM_CAP.epochs : Infinity;
  const cutEpochs = opts.epochs === undefined && base.epochs > capEpochs;
  const epochs = opts.epochs ?? (cutEpochs ? capEpochs : undefined);
  const ref = presetRun(presetName, labels, o, seed, {
    ...(epochs !== undefined ? { epochs } : {}),
    ...(capped || opts.overrides !== undefined ? { overrides: deepMerge(cap, opts.overrides ?? {}) } : {}),
  });
  const notes = [capped || cutEpochs ? 'appendix size' : '', opts.note ?? ''].filter((s) => s !== '');
  if (notes.length > 0) ref.config = { ...ref.config, label: `${ref.config.label ?? presetName} [${notes.join(', ')}]` };
  return ref;
}

/**
 * Epochs of the standard appendix runs in this profile (the paper's 100; in quick, Figure 2's
 * quick MNIST epochs, at most APPENDIX_QUICK_CAP.epochs).
 *
 * @example
 * appendixEpochs(figureOptions({ profile: 'paper' })); // 100
 */
export function appendixEpochs(options: FigureOptions): number {
  return appendixRun('minibatch-mnist-gn', { optimizer: 'gn', dataset: 'MNIST' }, options, options.seeds[0]!).config.epochs;
}

/**
 * Epochs of the longer-training runs: {@link PAPER_LONGER_EPOCHS} in the paper profile,
 * {@link LONGER_FACTOR} times the standard appendix epochs in quick and medium.
 *
 * @example
 * longerEpochs(figureOptions({ profile: 'paper' })); // 300
 */
export function longerEpochs(options: FigureOptions): number {
  return options.profile === 'paper' ? PAPER_LONGER_EPOCHS : LONGER_FACTOR * appendixEpochs(options);
}

/** What the quick appendix runs are, in one sentence (for deviations). */
export function appendixSizeNote(options: FigureOptions): string {
  const c = appendixRun('minibatch-mnist-gn', { optimizer: 'gn', dataset: 'MNIST' }, options, options.seeds[0]!).config;
  const capped = /appendix size/.test(c.label ?? '');
  const from = c.dataset.limitTrain === undefined ? 'all training images' : `the first ${c.dataset.limitTrain} training images`;
  const test = c.dataset.limitTest === undefined ? 'the full test set' : `the first ${c.dataset.limitTest}`;
  const size = `h = ${c.model.hidden}, batches of ${c.batch.mode === 'mini' ? c.batch.size : c.batch.n} from ${from}, test on ${test}, ${c.epochs} epochs`;
  if (options.profile === 'medium') {
    return `medium appendix size (issue 17: the smallest size where the sweep variants train well past init on a 2-core CPU): ${size}, a checkpoint every epoch; the paper's h = 8000 and 100 epochs cost about 8x more per run`;
  }
  return capped
    ? `appendix quick size (Figure 2's quick runs cut to the appendix cap): ${size}`
    : `the quick appendix runs have Figure 2's quick MNIST size (${size}); the plain GN, Adam and SGD runs are Figure 2's own`;
}

/**
 * The curve label of a sweep value: `'<what> (gn)'`, or `'<what> (gn half-coupling)'` under the
 * paper-era rule. Labels that do not start with an optimizer name get distinct palette colors.
 *
 * @example
 * sweepLabel('init std 1e-6', 'block'); // 'init std 1e-6 (gn)'
 */
export function sweepLabel(what: string, rule: UpdateRule): string {
  return `${what} (${rule === 'block' ? 'gn' : 'gn half-coupling'})`;
}

/**
 * A sweep value as the paper writes it: below 1 in exponent form, else plain.
 *
 * @example
 * sci(0.1); // '1e-1'
 * sci(5e-4); // '5e-4'
 * sci(100); // '100'
 */
export function sci(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1 && Math.abs(v) < 1000) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential().split('e') as [string, string];
  return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
}

/** Options of {@link wrappedFigure}. */
export interface WrappedFigureOptions {
  x: string;
  y: string;
  groupBy: string;
  panelBy: string;
  seedKey?: string;
  /** Panels per row (default 3). */
  cols?: number;
  groupOrder?: readonly string[];
  panelOrder?: readonly string[];
  logY?: boolean;
  xTitle?: string;
  yTitle?: string;
  title?: string;
  name?: string;
}

function ordered(values: readonly string[], first: readonly string[] = []): string[] {
  const present = new Set(values);
  return [...new Set([...first.filter((v) => present.has(v)), ...values])];
}

/**
 * One y column over many panels wrapped onto a grid (`cols` per row): one curve per `groupBy`
 * value, a band across `seedKey` values. For figures with more panels than fit in one row (e.g.
 * CKA for each of 6 blocks).
 *
 * @example
 * const fig = wrappedFigure(rows, { x: 'epoch', y: 'cka_init', groupBy: 'optimizer_label', panelBy: 'which', cols: 3 });
 */
export function wrappedFigure(rows: readonly ResultRow[], o: WrappedFigureOptions): Figure {
  const panelValues = ordered(rows.map((r) => String(r[o.panelBy] ?? '(none)')), o.panelOrder);
  const groupValues = ordered(rows.map((r) => String(r[o.groupBy] ?? '(none)')), o.groupOrder);
  const panels = panelValues.map((pv) => {
    const series: NamedSeries[] = [];
    for (const gv of groupValues) {
      const bySeed = new Map<string, Map<number, number>>();
      for (const r of rows) {
        const x = r[o.x];
        const y = r[o.y];
        if (String(r[o.panelBy] ?? '(none)') !== pv || String(r[o.groupBy] ?? '(none)') !== gv) continue;
        if (typeof x !== 'number' || typeof y !== 'number') continue;
        const seed = o.seedKey === undefined ? '' : String(r[o.seedKey]);
        (bySeed.get(seed) ?? bySeed.set(seed, new Map()).get(seed)!).set(x, y);
      }
      if (bySeed.size === 0) continue;
      const xs = [...new Set([...bySeed.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
      series.push({ name: gv, x: xs, ys: [...bySeed.values()].map((m) => xs.map((x) => m.get(x) ?? NaN)) });
    }
    return linePanel(series);
  });
  const cols = Math.min(o.cols ?? 3, panels.length);
  return panelGrid(panels, {
    cols, titles: panelValues, logY: o.logY ?? false, xTitle: o.xTitle ?? o.x, yTitle: o.yTitle ?? o.y,
    ...(o.title !== undefined ? { title: o.title } : {}), ...(o.name !== undefined ? { name: o.name } : {}),
  });
}

/**
 * A copy of `fig` with a dotted vertical line at x = `x` in every subplot and a small label in the
 * first (e.g. where a run switches optimizer).
 *
 * @example
 * const marked = withVerticalMarker(fig, 50, 'switch');
 */
export function withVerticalMarker(fig: Figure, x: number, text: string): Figure {
  const ids = Object.keys(fig.layout).filter((k) => /^xaxis\d*$/.test(k)).map((k) => k.slice('xaxis'.length)).sort((a, b) => Number(a || 1) - Number(b || 1));
  const shapes: PlotlyShape[] = ids.map((id) => ({
    type: 'line', xref: `x${id}`, yref: `y${id} domain`, x0: x, x1: x, y0: 0, y1: 1, line: { color: '#555555', width: 1, dash: 'dot' },
  }));
  const label: PlotlyAnnotation = { text, x, y: 0.98, xref: `x${ids[0] ?? ''}`, yref: `y${ids[0] ?? ''} domain`, showarrow: false, xanchor: 'left', yanchor: 'top', font: { size: 11, color: '#555555' } };
  return { ...fig, layout: { ...fig.layout, shapes: [...(fig.layout.shapes ?? []), ...shapes], annotations: [...(fig.layout.annotations ?? []), label] } };
}

// ---- measurements on labelled rows ------------------------------------------------------------

/** Seed-mean of `column` in the eval rows of curve `label` at `epoch` (NaN if none). */
export function evalAt(runs: FigureRuns, label: string, column: string, epoch: number, filter: (r: ResultRow) => boolean = () => true): number {
  return mean(runs.rows.filter((r) => r.type === 'eval' && r.optimizer_label === label && r.epoch === epoch && filter(r as unknown as ResultRow)).map((r) => r[column] as number));
}

/** The last epoch with an eval row for curve `label` (NaN if none). */
export function lastEvalEpoch(runs: FigureRuns, label: string, filter: (r: ResultRow) => boolean = () => true): number {
  const epochs = runs.rows.filter((r) => r.type === 'eval' && r.optimizer_label === label && filter(r as unknown as ResultRow)).map((r) => r.epoch);
  return epochs.length ? Math.max(...epochs) : NaN;
}

/** Seed-mean of `column` at the last eval of curve `label` (NaN if none). */
export function finalEval(runs: FigureRuns, label: string, column: string, filter: (r: ResultRow) => boolean = () => true): number {
  return evalAt(runs, label, column, lastEvalEpoch(runs, label, filter), filter);
}

/** Seed-mean of the epoch-mean of step column `column` of curve `label` at `epoch` (NaN if none). */
export function epochMeanAt(runs: FigureRuns, label: string, column: string, epoch: number, filter: (r: ResultRow) => boolean = () => true): number {
  return mean(epochMeans(runs, [column], (r) => r.optimizer_label === label && filter(r as unknown as ResultRow)).filter((r) => r.epoch === epoch).map((r) => r[column] as number));
}

/** 100 (b - a) / a: the relative change in percent (negative = improved for a loss). */
export function pctChange(a: number, b: number): number {
  return (100 * (b - a)) / a;
}

/** The curve labels of a figure's runs, in order (optionally only those passing `keep`). */
export function curveLabels(runs: FigureRuns, keep: (r: RunRef) => boolean = () => true): string[] {
  return [...new Set(runs.refs.filter(keep).map((r) => r.optimizer))];
}

/** Rounds for finding tables: 4 significant digits, or 'n/a'. */
export function num4(v: number): number | string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : 'n/a';
}

/** Eval rows and epoch-mean training loss rows of a figure's runs (training loss rows carry no test columns). */
export function lossRows(runs: FigureRuns, filter: (r: ResultRow) => boolean = () => true): ResultRow[] {
  const train = epochMeans(runs, ['train_loss', 'batch_loss_change_pct'], (r) => filter(r as unknown as ResultRow));
  const evals = runs.rows.filter((r) => r.type === 'eval' && filter(r as unknown as ResultRow)).map((r) => ({ ...r, train_loss: undefined })) as unknown as ResultRow[];
  return [...train, ...evals];
}

/**
 * The deviations of an appendix figure: the common ones, the size of the quick appendix runs
 * (when its runs are appendix runs), then `extra`.
 *
 * @example
 * appendixDeviations(options, runs, ['weight decay value chosen here: 1e-2']);
 */
export function appendixDeviations(options: FigureOptions, runs: RunsOf | undefined, extra: readonly string[] = [], appendixSize = true): string[] {
  const out = commonDeviations(options, runs);
  if (appendixSize && options.profile !== 'paper') out.push(appendixSizeNote(options));
  return [...out, ...extra];
}

/**
 * A copy of `fig` whose x axes tick at every integer (for x values that are positions, such as
 * half-coupling indices).
 *
 * @example
 * const fig2 = withIntegerTicks(fig);
 */
export function withIntegerTicks(fig: Figure): Figure {
  const layout: PlotlyLayout = { ...fig.layout };
  for (const k of Object.keys(layout)) {
    if (/^xaxis\d*$/.test(k)) {
      const key = k as 'xaxis' | `xaxis${number}`;
      layout[key] = { ...layout[key], dtick: 1 };
    }
  }
  return { ...fig, layout };
}

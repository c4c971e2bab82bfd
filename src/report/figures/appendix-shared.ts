/**
 * Pieces the appendix figure specs share: the size of their quick-profile runs, a RunRef builder
 * for appendix variants of the mini-batch presets, curve labels for sweeps, a wrapped panel grid,
 * a vertical marker for figures, and small measurements on labelled rows.
 *
 * Every appendix run in the quick profile uses {@link APPENDIX_QUICK} (smaller than Figure 2's
 * quick runs) so the ten appendix figures train in a few minutes on two CPU cores. Runs with the
 * same config are shared through the runs cache: the plain GN, Adam and SGD runs are trained once
 * and reused by every appendix figure that compares against them.
 */
import type { ExperimentConfig } from '../../experiments/config.js';
import { deepMerge, type DeepPartial } from '../../experiments/presets.js';
import type { UpdateRule } from '../../gn/step.js';
import { linePanel, panelGrid, type NamedSeries } from '../../plots/panels.js';
import type { ResultRow } from '../../plots/rows.js';
import type { Figure, PlotlyAnnotation, PlotlyShape } from '../../plots/types.js';
import { ConfigError, show } from '../../util/errors.js';
import { commonDeviations, epochMeans, mean, presetRun, type FigureOptions, type FigureRuns, type RunRef } from '../figure.js';

/**
 * Quick-profile size of the appendix runs: mini-batch MNIST with bottleneck h = 256 and batches of
 * 128 (n < h + 1, so the ReLU blocks keep the paper's exact regime), the first 1024 training
 * images (8 steps per epoch) and the first 1000 test images; 8 epochs, 24 for longer training.
 */
export const APPENDIX_QUICK = { hidden: 256, batch: 128, limitTrain: 1024, limitTest: 1000, epochs: 8, longerEpochs: 24 } as const;

/** Paper-profile epochs of the longer-training runs (the paper trains longer than 100; PAPER.md gives no count). */
export const PAPER_LONGER_EPOCHS = 300;

/** Options of {@link appendixRun}. */
export interface AppendixRunOptions {
  /** Epochs (default: APPENDIX_QUICK.epochs in quick, the preset's 100 in paper). */
  epochs?: number;
  /** Variant fields merged last (e.g. `{ model: { initStd: 1e-6 } }`). */
  overrides?: DeepPartial<ExperimentConfig>;
  /** Short text appended to the config label, e.g. 'init std 1e-6' (part of the run key). */
  note?: string;
  /** GN rule of this run (default options.rule). */
  rule?: UpdateRule;
}

/**
 * A RunRef for an appendix run: the mini-batch preset `presetName`, scaled to {@link APPENDIX_QUICK}
 * in the quick profile (unchanged in the paper profile), with the variant's overrides. Two calls
 * with the same preset, epochs, overrides and note give the same config, hence one shared run.
 *
 * @example
 * const ref = appendixRun('minibatch-mnist-gn', { optimizer: 'init std 1e-6 (gn)', dataset: 'MNIST', tags: { variant: '1e-6' } },
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
  const quick = options.profile === 'quick';
  const size: DeepPartial<ExperimentConfig> = quick
    ? { model: { hidden: APPENDIX_QUICK.hidden }, batch: { mode: 'mini', size: APPENDIX_QUICK.batch }, dataset: { limitTrain: APPENDIX_QUICK.limitTrain, limitTest: APPENDIX_QUICK.limitTest } }
    : {};
  const epochs = opts.epochs ?? (quick ? APPENDIX_QUICK.epochs : undefined);
  const ref = presetRun(presetName, labels, { ...options, rule: opts.rule ?? options.rule }, seed, {
    ...(epochs !== undefined ? { epochs } : {}),
    overrides: deepMerge(size, opts.overrides ?? {}),
  });
  const notes = [quick ? 'appendix size' : '', opts.note ?? ''].filter((s) => s !== '');
  if (notes.length > 0) ref.config = { ...ref.config, label: `${ref.config.label ?? presetName} [${notes.join(', ')}]` };
  return ref;
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
    type: 'line', xref: `x${id}`, yref: `y${id} domain`, x0: x, x1: x, y0: 0, y1: 1, line: { color: '#555555', width: 1, dash: 'dot' }, layer: 'below',
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
 * The deviations of an appendix figure: the common ones, the appendix quick size (when its runs
 * use it), then `extra`.
 *
 * @example
 * appendixDeviations(options, runs, ['weight decay value chosen here: 1e-2']);
 */
export function appendixDeviations(options: FigureOptions, runs: FigureRuns | undefined, extra: readonly string[] = [], appendixSize = true): string[] {
  const out = commonDeviations(options, runs);
  if (appendixSize && options.profile === 'quick') {
    out.push(`appendix quick size: h = ${APPENDIX_QUICK.hidden}, batches of ${APPENDIX_QUICK.batch} from the first ${APPENDIX_QUICK.limitTrain} training images, ` +
      `test on the first ${APPENDIX_QUICK.limitTest}, ${APPENDIX_QUICK.epochs} epochs (smaller than Figure 2's quick runs, so the appendix trains in minutes)`);
  }
  return [...out, ...extra];
}

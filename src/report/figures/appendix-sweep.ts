/**
 * GN sweeps of the appendix (init std, learning rate, weight decay, regularized pseudo-inverse):
 * one mini-batch MNIST GN run per value, plus Adam for reference, drawn as training loss, test loss
 * and test accuracy, with the finding "no GN variant reaches Adam's test loss".
 */
import type { ExperimentConfig } from '../../experiments/config.js';
import type { DeepPartial } from '../../experiments/presets.js';
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { twoValued, type DrawnFigure, type FigureOptions, type FigureRuns, type Finding, type RunRef } from '../figure.js';
import { appendixRun, finalEval, lossRows, num4, sweepLabel } from './appendix-shared.js';

/** One value of a GN sweep. */
export interface SweepValue {
  /** What the value is, e.g. 'init std 1e-6' (the curve is `sweepLabel(what, rule)`). */
  what: string;
  /** Config fields of this value (merged into the GN preset). */
  overrides: DeepPartial<ExperimentConfig>;
  /** True for the value the plain GN run already has (its run is shared, its label gets no note). */
  baseline?: boolean;
  /** Extra grouping tags (e.g. { family: 'damping' }). */
  tags?: Record<string, string>;
}

/**
 * The runs of a sweep: one GN run per value and seed, then Adam per seed.
 *
 * @example
 * sweepRuns(options, [{ what: 'lr 0.1', overrides: { optimizer: { lr: 0.1 } }, baseline: true }]);
 */
export function sweepRuns(o: FigureOptions, values: readonly SweepValue[]): RunRef[] {
  const refs: RunRef[] = [];
  for (const v of values) {
    for (const seed of o.seeds) {
      const opts = v.baseline ? { overrides: v.overrides } : { overrides: v.overrides, note: v.what };
      refs.push(appendixRun('minibatch-mnist-gn', { optimizer: sweepLabel(v.what, o.rule), dataset: 'MNIST', ...(v.tags ? { tags: v.tags } : {}) }, o, seed, opts));
    }
  }
  for (const seed of o.seeds) refs.push(appendixRun('minibatch-mnist-adam', { optimizer: 'adam', dataset: 'MNIST' }, o, seed));
  return refs;
}

/**
 * Training loss, test loss and test accuracy of a sweep (one panel column, or one per `panelBy`
 * value; rows without that column, such as Adam's, are repeated in every panel).
 */
export function sweepFigure(runs: FigureRuns, name: string, title: string, caption: string, panelBy?: string): DrawnFigure {
  let rows = lossRows(runs);
  const order = [...new Set(runs.refs.map((r) => r.optimizer))];
  if (panelBy !== undefined) {
    const panels = [...new Set(runs.refs.map((r) => r.tags?.[panelBy]).filter((v): v is string => v !== undefined))];
    rows = rows.flatMap((r): ResultRow[] => (typeof r[panelBy] === 'string' ? [r] : panels.map((p) => ({ ...r, [panelBy]: p }))));
  }
  const figure = figureFromRows(rows, {
    x: 'epoch', y: ['train_loss', 'test_loss', 'test_acc'], groupBy: 'optimizer_label', seedKey: 'seed', logY: ['train_loss', 'test_loss'], groupOrder: order,
    ...(panelBy !== undefined ? { panelBy } : {}),
    yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' }, title, name,
  });
  return { name, figure, caption: `${caption} Mean ± std over seeds. ${runs.options.profile} profile, seeds ${runs.options.seeds.join(', ')}, GN rule ${runs.options.rule}.` };
}

/**
 * Final test loss and accuracy of every curve, and whether every GN variant among `labels` ends
 * with a higher test loss than Adam.
 */
export function aboveAdamFindings(runs: FigureRuns, labels: readonly string[], what: string, claim: string): Finding[] {
  const all = [...labels, 'adam'];
  const loss = Object.fromEntries(all.map((l) => [l, finalEval(runs, l, 'test_loss')]));
  const acc = Object.fromEntries(all.map((l) => [l, finalEval(runs, l, 'test_acc')]));
  return [
    {
      label: `final test loss, ${what}`,
      values: Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, num4(v)])),
      claim,
      verdict: twoValued(Number.isFinite(loss.adam!) && labels.length > 0 && labels.every((l) => loss[l]! > loss.adam!)),
    },
    { label: `final test accuracy, ${what}`, values: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, num4(v)])) },
  ];
}

/** The GN curve labels of a sweep's runs (everything but Adam), in order. */
export function gnCurves(runs: FigureRuns, keep: (r: RunRef) => boolean = () => true): string[] {
  return [...new Set(runs.refs.filter((r) => r.optimizer !== 'adam' && keep(r)).map((r) => r.optimizer))];
}

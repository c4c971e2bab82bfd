/**
 * GN sweeps of the appendix (init std, learning rate, weight decay, regularized pseudo-inverse):
 * one mini-batch MNIST GN run per value, plus Adam for reference, drawn as training loss, test loss
 * and test accuracy, with the finding "no GN variant reaches Adam's test loss".
 */
import type { ExperimentConfig } from '../../experiments/config.js';
import type { DeepPartial } from '../../experiments/presets.js';
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import type { DrawnFigure, FigureOptions, FigureRuns, Finding, RunRef } from '../figure.js';
import { epochTrainLoss, firstAtOrBelow, runSeries, valueAt } from '../measures.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, meanStdText } from '../verdict.js';
import { appendixRun, finalEval, lossRows, num4, sweepLabel } from './appendix-shared.js';
import { finalTestLoss } from './appendix-switch.js';

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
 * with a higher test loss than Adam: per seed from the runs' table, each variant against Adam
 * with compareSeeds (shown / not shown beyond two pooled std, else inconclusive), all combined.
 */
export function aboveAdamFindings(runs: FigureRuns, labels: readonly string[], what: string, claim: string): Finding[] {
  const all = [...labels, 'adam'];
  const loss = Object.fromEntries(all.map((l) => [l, finalTestLoss(runs.table, l)]));
  const acc = Object.fromEntries(all.map((l) => [l, finalEval(runs, l, 'test_acc')]));
  return [
    {
      label: `final test loss, ${what}`,
      values: Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, meanStdText(v)])),
      claim,
      test: 'each GN variant\'s final test loss is above Adam\'s by more than 2 pooled std (per seed)',
      ...(labels.length === 0 ? { verdict: 'inconclusive' as const, why: 'no data: no GN variant' } : allOf(labels.map((l) => compareSeeds(loss[l]!, loss.adam!, { names: [l, 'adam'], direction: 'above' })))),
    },
    { label: `final test accuracy, ${what}`, values: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, num4(v)])) },
  ];
}

/**
 * Generalization at matched training loss, per seed (runs paired by seed): `curve`'s final test
 * loss, and `ref`'s test loss at the first epoch where ref's epoch training loss is at or below
 * `curve`'s final one (NaN when ref never trains that far). A slow optimizer compared at the end
 * of training is judged on how far it got; at matched training loss, on how well it generalizes.
 *
 * @example
 * testLossAtMatchedTrainLoss(table, 'GN lr 1e-3').ref; // Adam's test loss where it had GN's training loss
 */
export function testLossAtMatchedTrainLoss(table: ResultsTable, curve: string, ref = 'adam'): { curve: number[]; ref: number[]; trainLoss: number[] } {
  const out = { curve: [] as number[], ref: [] as number[], trainLoss: [] as number[] };
  for (const seed of distinct(where(table, { curve }), 'seed')) {
    const own = where(table, { curve, seed });
    const other = where(table, { curve: ref, seed });
    const train = runSeries(epochTrainLoss(own), 'epoch');
    const test = runSeries(where(own, { metric: 'test_loss' }), 'epoch');
    const level = train[train.length - 1]?.value ?? NaN;
    const at = Number.isFinite(level) ? firstAtOrBelow(runSeries(epochTrainLoss(other), 'epoch'), level) : NaN;
    out.trainLoss.push(level);
    out.curve.push(test[test.length - 1]?.value ?? NaN);
    out.ref.push(Number.isFinite(at) ? valueAt(runSeries(where(other, { metric: 'test_loss' }), 'epoch'), at) : NaN);
  }
  return out;
}

/**
 * The sweep's generalization claim at matched training loss: every GN variant's final test loss is
 * above Adam's test loss when Adam had the same training loss (see {@link testLossAtMatchedTrainLoss}).
 *
 * @example
 * matchedLossFindings(table, ['GN lr 1e-1', 'GN lr 1e-3'], 'GN learning rates');
 */
export function matchedLossFindings(table: ResultsTable, labels: readonly string[], what: string, ref = 'adam'): Finding[] {
  const m = Object.fromEntries(labels.map((l) => [l, testLossAtMatchedTrainLoss(table, l, ref)]));
  const values: Record<string, string> = {};
  for (const l of labels) {
    values[`${l}: final train / test`] = `${meanStdText(m[l]!.trainLoss)} / ${meanStdText(m[l]!.curve)}`;
    values[`${ref} test at that train loss`] = values[`${ref} test at that train loss`] ? `${values[`${ref} test at that train loss`]}; ${meanStdText(m[l]!.ref)}` : meanStdText(m[l]!.ref);
  }
  const parts = labels.map((l) => {
    const c = compareSeeds(m[l]!.curve, m[l]!.ref, { names: [l, `${ref} at matched training loss`], direction: 'above' });
    return m[l]!.ref.every((v) => !Number.isFinite(v)) && m[l]!.curve.some(Number.isFinite) ? { ...c, why: `${ref} never reached ${l}'s final training loss (${meanStdText(m[l]!.trainLoss)}): ${c.why}` } : c;
  });
  return [{
    label: `test loss at matched training loss, ${what}`,
    values,
    claim: `at the same training loss, every GN variant has a higher test loss than ${ref} (it generalizes worse, not just trains differently)`,
    test: `each GN variant's final test loss is above ${ref}'s test loss at the first epoch its epoch training loss was as low, by more than 2 pooled std`,
    ...(labels.length === 0 ? { verdict: 'inconclusive' as const, why: 'no data: no GN variant' } : allOf(parts)),
  }];
}

/** The GN curve labels of a sweep's runs (everything but Adam), in order. */
export function gnCurves(runs: FigureRuns, keep: (r: RunRef) => boolean = () => true): string[] {
  return [...new Set(runs.refs.filter((r) => r.optimizer !== 'adam' && keep(r)).map((r) => r.optimizer))];
}

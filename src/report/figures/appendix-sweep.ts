/**
 * GN sweeps of the appendix (init std, learning rate, weight decay, regularized pseudo-inverse):
 * one mini-batch MNIST GN run per value, plus Adam for reference, drawn as training loss, test loss
 * and test accuracy, judged at matched training loss (matchedLossFindings).
 */
import type { ExperimentConfig } from '../../experiments/config.js';
import type { DeepPartial } from '../../experiments/presets.js';
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import type { DrawnFigure, FigureOptions, FigureRuns, Finding, RunRef } from '../figure.js';
import { atMatchedTrainLoss, LEFT_INIT_FRACTION, leftInit, perRun, type MatchedLoss } from '../measures.js';
import { where, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, meanStdText, type Judged } from '../verdict.js';
import { appendixRun, lossRows, sweepLabel } from './appendix-shared.js';
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
 * Generalization at matched training loss, per seed (runs paired by seed): `curve`'s and `ref`'s
 * test loss at the first epoch each one's epoch training loss is at or below the higher of the two
 * runs' lowest epoch training losses (a level both reach; see measures.ts atMatchedTrainLoss).
 * `trainLoss` is that level. A slow optimizer compared at the end of training is judged on how far
 * it got; at matched training loss, on how well it generalizes.
 *
 * @example
 * testLossAtMatchedTrainLoss(table, 'lr 1e-3 (gn)').ref; // Adam's test loss where it had GN's training loss
 */
export function testLossAtMatchedTrainLoss(table: ResultsTable, curve: string, ref = 'adam'): MatchedLoss & { trainLoss: number[] } {
  const m = atMatchedTrainLoss(table, curve, ref);
  return { ...m, trainLoss: m.level };
}

/**
 * "Too short / never left init" when either side of a matched comparison has a seed whose epoch
 * training loss never fell {@link LEFT_INIT_FRACTION} below its loss at init, else null.
 */
function neverLeftInit(m: MatchedLoss, curve: string, ref: string): Judged | null {
  const stuck = [
    ...(m.curveLeftInit.some((v) => !v) ? [curve] : []),
    ...(m.refLeftInit.some((v) => !v) ? [ref] : []),
  ];
  if (stuck.length === 0) return null;
  return { verdict: 'inconclusive', why: `too short / never left init: ${stuck.join(' and ')} ${stuck.length > 1 ? 'stay' : 'stays'} within ${100 * LEFT_INIT_FRACTION}% of the initial training loss in some seed, so any comparison holds by construction` };
}

/**
 * The sweep's generalization claim at matched training loss: every GN variant's test loss is above
 * `ref`'s (Adam's) at the first epoch each reaches a training loss both reach (see
 * {@link testLossAtMatchedTrainLoss}), each beyond 2 pooled std (one seed: 5%). A variant (or Adam)
 * that never left init makes its part inconclusive ("too short / never left init"), not a
 * comparison. Then each variant's final test loss and accuracy, as measurements.
 *
 * @example
 * matchedLossFindings(table, ['lr 1e-1 (gn)', 'lr 1e-3 (gn)'], 'GN learning rates');
 */
export function matchedLossFindings(table: ResultsTable, labels: readonly string[], what: string, ref = 'adam'): Finding[] {
  const m = Object.fromEntries(labels.map((l) => [l, testLossAtMatchedTrainLoss(table, l, ref)]));
  const values: Record<string, string> = {};
  for (const l of labels) {
    values[l] = `train level ${meanStdText(m[l]!.level)}: test ${meanStdText(m[l]!.curve)} (epoch ${meanStdText(m[l]!.curveEpoch)}) vs ${ref} ${meanStdText(m[l]!.ref)} (epoch ${meanStdText(m[l]!.refEpoch)})`;
  }
  const parts = labels.map((l): Judged => {
    if (m[l]!.seeds.length === 0) return { verdict: 'inconclusive', why: `no data: no seed has both ${l} and ${ref}` };
    const stuck = neverLeftInit(m[l]!, l, ref);
    if (stuck) return stuck;
    return compareSeeds(m[l]!.curve, m[l]!.ref, { names: [l, `${ref} at the same training loss`], direction: 'above' });
  });
  const all = [...labels, ref];
  const final = Object.fromEntries(all.map((l) => [l, finalTestLoss(table, l)]));
  return [
    {
      label: `test loss at matched training loss, ${what}`,
      values,
      claim: `at the same training loss, every GN variant has a higher test loss than ${ref} (it generalizes worse, not just trains slower or faster)`,
      test: `per seed, the training-loss level is the higher of the two runs' lowest epoch training losses; each GN variant's test loss at the first epoch it reaches that level is above ${ref}'s at the first epoch ${ref} reaches it, by more than 2 pooled std (one seed: 5%); inconclusive (too short / never left init) where a run's training loss never falls ${100 * LEFT_INIT_FRACTION}% below its initial value`,
      ...(labels.length === 0 ? { verdict: 'inconclusive' as const, why: 'no data: no GN variant' } : allOf(parts)),
    },
    { label: `final test loss, ${what}`, values: Object.fromEntries(all.map((l) => [l, meanStdText(final[l]!)])) },
    { label: `final test accuracy, ${what}`, values: Object.fromEntries(all.map((l) => [l, meanStdText(finalTestAcc(table, l), 4)])) },
  ];
}

function finalTestAcc(table: ResultsTable, curve: string): number[] {
  return perRun(where(table, { curve, metric: 'test_acc' }), {}, 'epoch', (p) => p.at(-1)?.value ?? NaN);
}

/**
 * The lr sweep's "smaller learning rates only slow GN down, the largest ends lowest": the largest
 * learning rate's final test loss is below each smaller one's (per seed, beyond 2 pooled std; one
 * seed: 5%). A smaller learning rate whose run never left init makes its part inconclusive: it
 * would hold by construction.
 *
 * @example
 * largestLrFindings(table, [{ label: 'lr 1e-1 (gn)', lr: 0.1 }, { label: 'lr 1e-3 (gn)', lr: 1e-3 }]);
 */
export function largestLrFindings(table: ResultsTable, curves: readonly { label: string; lr: number }[]): Finding[] {
  const present = curves.filter((c) => table.some((r) => r.curve === c.label));
  const largest = present.reduce<{ label: string; lr: number } | undefined>((a, b) => (a === undefined || b.lr > a.lr ? b : a), undefined);
  const final = Object.fromEntries(present.map((c) => [c.label, finalTestLoss(table, c.label)]));
  const others = present.filter((c) => c !== largest);
  const parts = others.map((c): Judged => {
    const left = leftInit(table, c.label);
    if (left.length === 0) return { verdict: 'inconclusive', why: `no data: no training loss for ${c.label}` };
    if (left.some((v) => !v)) return { verdict: 'inconclusive', why: `too short / never left init: ${c.label} stays within ${100 * LEFT_INIT_FRACTION}% of its initial training loss in some seed, so "${largest!.label} ends lower" holds by construction` };
    return compareSeeds(final[largest!.label]!, final[c.label]!, { names: [largest!.label, c.label] });
  });
  return [{
    label: 'final test loss of each GN learning rate',
    values: Object.fromEntries(present.map((c) => [c.label, meanStdText(final[c.label]!)])),
    claim: 'smaller learning rates only slow GN down: the largest one ends with the lowest test loss',
    test: `the largest learning rate's final test loss is below each smaller one's by more than 2 pooled std (one seed: 5%); inconclusive (never left init) for a learning rate whose run stays within ${100 * LEFT_INIT_FRACTION}% of its initial training loss`,
    ...(largest === undefined || others.length === 0 ? { verdict: 'inconclusive' as const, why: `no data: at least two GN learning rates are needed (present: ${present.map((c) => c.label).join(', ') || 'none'})` } : allOf(parts)),
  }];
}

/** The GN curve labels of a sweep's runs (everything but Adam), in order. */
export function gnCurves(runs: FigureRuns, keep: (r: RunRef) => boolean = () => true): string[] {
  return [...new Set(runs.refs.filter((r) => r.optimizer !== 'adam' && keep(r)).map((r) => r.optimizer))];
}

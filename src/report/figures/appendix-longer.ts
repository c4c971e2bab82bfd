/**
 * Appendix · longer training: mini-batch MNIST trained for more epochs than Figure 2. Claim: GN
 * stalls while Adam and SGD keep improving. Drawn and judged from the results table (three-valued).
 */
import { figureFromRows } from '../../plots/rows.js';
import type { OptimizerName } from '../../optim/optimizers.js';
import { PAPER, paperLrText, paperModelText } from '../../experiments/paper.js';
import { commonSettings, derivedSettings, gnLabel, type DrawnFigure, type FigureOptions, type FigureSpec, type Finding, type RunRef } from '../figure.js';
import { valueAt, curvesExcept, epochTrainLoss, gnCurveOf, improvementOver, improvementPerUnit, lastX, perRun, testSetSize } from '../measures.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { allOf, compareAccuracies, meanStdText } from '../verdict.js';
import { miniBatchPlotRows, MIN_EPOCHS_TO_JUDGE, SATURATION_PCT, saturationVerdict } from './fig2-minibatch.js';
import { appendixDeviations, appendixEpochs, appendixRun, longerEpochs, withVerticalMarker } from './appendix-shared.js';

const OPTIMIZERS: readonly OptimizerName[] = ['gn', 'adam', 'sgd'];

/** Per seed: relative improvement per epoch (%) of a loss over the second half of training (epochs floor(E/2)..E). */
export function secondHalfRate(table: ResultsTable, curve: string, loss: 'test_loss' | 'train_loss'): number[] {
  const E = Math.min(...perRun(where(table, { metric: 'test_loss' }), {}, 'epoch', lastX));
  const mid = Math.max(1, Math.floor(E / 2));
  const rows = loss === 'test_loss' ? where(table, { curve, metric: 'test_loss' }) : epochTrainLoss(where(table, { curve }));
  return perRun(rows, {}, 'epoch', (p) => improvementPerUnit(p, mid, E));
}

/** Per seed: relative improvement (%) of a loss over the whole second half of training (epochs floor(E/2)..E). */
export function secondHalfImprovement(table: ResultsTable, curve: string, loss: 'test_loss' | 'train_loss'): number[] {
  const E = Math.min(...perRun(where(table, { metric: 'test_loss' }), {}, 'epoch', lastX));
  const mid = Math.max(1, Math.floor(E / 2));
  const rows = loss === 'test_loss' ? where(table, { curve, metric: 'test_loss' }) : epochTrainLoss(where(table, { curve }));
  return perRun(rows, {}, 'epoch', (p) => improvementOver(p, mid, E));
}

/**
 * The longer-training findings: "GN stalls while Adam and SGD keep improving" = over the second
 * half of training, GN's test loss and epoch training loss each improve by less than
 * {@link SATURATION_PCT}% in all while each rival's improves by more (saturationVerdict, per
 * rival, all must hold); then, one finding per rival, it ends with a higher test accuracy than GN
 * (2 binomial SE of the difference, see compareAccuracies). Per-seed comparisons.
 *
 * @example
 * longerFindings(table).map((f) => f.verdict);
 */
export function longerFindings(table: ResultsTable): Finding[] {
  const gn = gnCurveOf(table);
  const rivals = curvesExcept(table, gn);
  const curves = distinct(table, 'curve');
  if (gn === undefined || rivals.length === 0) {
    return [{ label: 'longer training', values: {}, claim: 'GN stalls while Adam and SGD keep improving', verdict: 'inconclusive', why: `no data (curves: ${curves.join(', ') || 'none'})` }];
  }
  const E = Math.min(...perRun(where(table, { metric: 'test_loss' }), {}, 'epoch', lastX));
  const short = !(E >= 2 * MIN_EPOCHS_TO_JUDGE) ? { verdict: 'inconclusive' as const, why: `too short: ${E} epoch(s), at least ${2 * MIN_EPOCHS_TO_JUDGE} are needed for a second half` } : null;
  const out: Finding[] = [];
  for (const loss of ['test_loss', 'train_loss'] as const) {
    const impr = Object.fromEntries(curves.map((c) => [c, secondHalfImprovement(table, c, loss)]));
    const what = loss === 'test_loss' ? 'test loss' : 'epoch training loss';
    out.push({
      label: `${what}: improvement over the second half of training (%)`,
      values: Object.fromEntries(curves.map((c) => [c, meanStdText(impr[c]!)])),
      claim: `GN stalls: its ${what} stops improving while Adam's and SGD's keep improving when trained longer`,
      test: `over epochs ${Math.max(1, Math.floor(E / 2))}-${E}, GN's ${what} improves by less than X = ${SATURATION_PCT}% in all while each of ${rivals.join(', ')}'s improves by more (each beyond 2 std of its seeds; one seed: 5%); inconclusive (too short) while GN still improves by more than X`,
      ...(short ?? allOf(rivals.map((r) => saturationVerdict(impr[gn]!, impr[r]!, SATURATION_PCT, ['GN', r])))),
    });
  }
  const acc = Object.fromEntries(curves.map((c) => [c, perRun(where(table, { curve: c, metric: 'test_acc' }), {}, 'epoch', (p) => valueAt(p, E))]));
  const nTest = testSetSize(table);
  for (const r of rivals) {
    out.push({
      label: `test accuracy at epoch ${E}, ${r} vs GN`,
      values: Object.fromEntries(curves.map((c) => [c, meanStdText(acc[c]!, 4)])),
      claim: `${r} ends with a higher test accuracy than GN`,
      test: `${r}'s test accuracy at epoch ${E} is above GN's by more than 2 binomial standard errors of the difference on the ${Number.isFinite(nTest) ? nTest : '(unknown number of)'} test images (or 2 pooled std, if larger)`,
      ...(Number.isFinite(E) ? compareAccuracies(acc[r]!, acc[gn]!, nTest, { names: [r, 'GN'] }) : { verdict: 'inconclusive' as const, why: 'no data' }),
    });
  }
  return out;
}

/** The longer-training figure from the table, with a marker at the standard length. */
export function drawLonger(table: ResultsTable, o: FigureOptions): DrawnFigure[] {
  const fig = figureFromRows(miniBatchPlotRows(table), {
    x: 'epoch', y: ['train_loss_epoch_mean', 'test_loss', 'test_acc'], groupBy: 'curve', seedKey: 'seed', logY: ['train_loss_epoch_mean', 'test_loss'],
    groupOrder: [gnLabel(o.rule), 'adam', 'sgd'],
    yTitles: { train_loss_epoch_mean: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' },
    title: 'Longer mini-batch training, MNIST', name: 'appendix-longer',
  });
  return [{
    name: 'appendix-longer',
    figure: withVerticalMarker(fig, appendixEpochs(o), `standard length (${appendixEpochs(o)} epochs)`),
    caption: `Training loss (epoch mean of the pre-update batch losses), test loss and test accuracy over ${longerEpochs(o)} epochs; the dotted line marks the length of the standard runs. Mean ± std over seeds. ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`,
  }];
}

export const appendixLongerTraining: FigureSpec = {
  id: 'appendix-longer',
  title: 'Appendix · Longer training: GN stalls, Adam and SGD keep improving',
  claim: 'Trained for longer than in Figure 2, mini-batch GN stalls on training and test loss while Adam and SGD keep improving.',
  runs(o) {
    const refs: RunRef[] = [];
    for (const opt of OPTIMIZERS) {
      for (const seed of o.seeds) {
        refs.push(appendixRun(`minibatch-mnist-${opt}`, { optimizer: opt === 'gn' ? gnLabel(o.rule) : opt, dataset: 'MNIST' }, o, seed, { epochs: longerEpochs(o), note: 'longer training' }));
      }
    }
    return refs;
  },
  draw: drawLonger,
  findings: longerFindings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: `MNIST, batches of ${PAPER.batchSize} from the whole training set, full test set`, this_run: d.data },
      { setting: 'model', paper: paperModelText(['mnist']), this_run: d.model },
      { setting: 'epochs', paper: `longer than Figure 2's ${PAPER.epochs} (exact count not in docs/paper.md)`, this_run: d.epochs },
      { setting: 'learning rates', paper: paperLrText('mini', ['mnist']), this_run: d.lr },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [
    `the paper does not state how long its longer runs are: this run trains ${longerEpochs(o)} epochs (the standard length here is ${appendixEpochs(o)})`,
  ]),
};

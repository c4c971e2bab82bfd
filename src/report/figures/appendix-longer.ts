/**
 * Appendix · longer training: mini-batch MNIST trained for more epochs than Figure 2. Claim: GN
 * stalls while Adam and SGD keep improving.
 */
import { figureFromRows } from '../../plots/rows.js';
import type { OptimizerName } from '../../optim/optimizers.js';
import { commonSettings, derivedSettings, gnLabel, type FigureRuns, type RunsFigureSpec, twoValued, type Finding, type RunRef } from '../figure.js';
import {
  appendixDeviations, appendixEpochs, appendixRun, curveLabels, longerEpochs, epochMeanAt, evalAt, finalEval, lastEvalEpoch, lossRows, num4, pctChange, withVerticalMarker,
} from './appendix-shared.js';

const OPTIMIZERS: readonly OptimizerName[] = ['gn', 'adam', 'sgd'];

/** How a curve's seed-mean value changed (%) between the middle and the end of training. */
function secondHalfChange(runs: FigureRuns, label: string, column: 'test_loss' | 'train_loss'): number {
  const last = lastEvalEpoch(runs, label);
  const mid = Math.floor(last / 2);
  return column === 'test_loss'
    ? pctChange(evalAt(runs, label, column, mid), evalAt(runs, label, column, last))
    : pctChange(epochMeanAt(runs, label, column, Math.max(1, mid)), epochMeanAt(runs, label, column, last));
}

export const appendixLongerTraining: RunsFigureSpec = {
  from: 'runs',
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
  draw(runs) {
    const o = runs.options;
    const order = [gnLabel(o.rule), 'adam', 'sgd'];
    const fig = figureFromRows(lossRows(runs), {
      x: 'epoch', y: ['train_loss', 'test_loss', 'test_acc'], groupBy: 'optimizer_label', seedKey: 'seed', logY: ['train_loss', 'test_loss'], groupOrder: order,
      yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' },
      title: 'Longer mini-batch training, MNIST', name: 'appendix-longer',
    });
    return [{
      name: 'appendix-longer',
      figure: withVerticalMarker(fig, appendixEpochs(o), `standard length (${appendixEpochs(o)} epochs)`),
      caption: `Training loss (epoch mean of the pre-update batch losses), test loss and test accuracy over ${longerEpochs(o)} epochs; the dotted line marks the length of the standard runs. Mean ± std over seeds. ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`,
    }];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    const labels = curveLabels(runs);
    const out: Finding[] = [];
    for (const column of ['test_loss', 'train_loss'] as const) {
      const change = Object.fromEntries(labels.map((l) => [l, secondHalfChange(runs, l, column)]));
      const others = labels.filter((l) => l !== gn);
      out.push({
        label: `${column === 'test_loss' ? 'test loss' : 'training loss (epoch mean)'}: change over the second half of training (%)`,
        values: Object.fromEntries(Object.entries(change).map(([k, v]) => [k, num4(v)])),
        claim: `GN stalls: its ${column === 'test_loss' ? 'test' : 'training'} loss improves less over the second half than Adam's and SGD's`,
        verdict: twoValued(Number.isFinite(change[gn]!) && others.length > 0 && others.every((l) => change[l]! < change[gn]!)),
      });
    }
    const acc = Object.fromEntries(labels.map((l) => [l, finalEval(runs, l, 'test_acc')]));
    out.push({
      label: 'final test accuracy',
      values: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, num4(v)])),
      claim: 'Adam and SGD end with a higher test accuracy than GN',
      verdict: twoValued(labels.filter((l) => l !== gn).every((l) => acc[l]! > acc[gn]!)),
    });
    return out;
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: 'MNIST, batches of 1024 from the whole training set, full test set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000, 2 blocks', this_run: d.model },
      { setting: 'epochs', paper: 'longer than Figure 2\'s 100 (exact count not in docs/paper.md)', this_run: d.epochs },
      { setting: 'learning rates', paper: 'GN 0.1, Adam 1e-4, SGD 0.1', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [
    `the paper does not state how long its longer runs are: this run trains ${longerEpochs(o)} epochs (the standard length here is ${appendixEpochs(o)})`,
  ]),
};

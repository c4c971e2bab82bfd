/**
 * Figure 1: full-batch training (the first 1024 images, one step per epoch): training loss and
 * accuracy vs step, GN vs Adam vs SGD, MNIST and CIFAR-10. Claim: GN converges much faster.
 */
import { figureFromRows } from '../../plots/rows.js';
import {
  commonDeviations, commonSettings, datasetsOf, derivedSettings, finalValue, firstBelow, gnLabel, rowsOfType, type FigureSpec,
} from '../figure.js';
import { extremeFinding, fmt, grid, labelsOf } from './shared.js';

export const fig1: FigureSpec = {
  id: 'fig1',
  title: 'Figure 1 · Full-batch training: GN vs Adam vs SGD',
  claim: 'With the full batch (the first 1024 training images), exact GN drives the training loss down far faster than Adam and SGD.',
  runs: (o) => grid('fullbatch', ['mnist', 'cifar10'], o),
  draw(runs) {
    const rows = rowsOfType(runs, 'eval');
    const settings = `${runs.options.profile} profile, seeds ${runs.options.seeds.join(', ')}, GN rule ${runs.options.rule}; evaluated on the training batch after every step`;
    return [{
      name: 'fig1',
      figure: figureFromRows(rows, {
        x: 'step', y: ['train_loss', 'train_acc'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', logY: ['train_loss'],
        yTitles: { train_loss: 'training loss', train_acc: 'training accuracy' }, xTitle: 'step (= epoch)',
        groupOrder: [gnLabel(runs.options.rule), 'adam', 'sgd'], title: 'Full-batch training loss and accuracy', name: 'fig1',
      }),
      caption: `Training loss (log scale) and accuracy on the full batch vs step; mean ± std over seeds. ${settings}.`,
    }];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds) => {
      const finalLoss = finalValue(runs, 'eval', 'train_loss', ds);
      const rows = rowsOfType(runs, 'eval', (r) => r.dataset === ds);
      const init = rows.filter((r) => r.step === 0).map((r) => r.train_loss as number);
      const target = (init.length ? init.reduce((a, b) => a + b, 0) / init.length : NaN) / 10;
      const steps: Record<string, number> = {};
      for (const label of labelsOf(runs)) steps[label] = firstBelow(rows.filter((r) => r.optimizer_label === label), 'step', 'train_loss', target);
      const stepsHold = Number.isFinite(steps[gn]!) && Object.entries(steps).every(([k, v]) => k === gn || !(v <= steps[gn]!));
      return [
        extremeFinding(`final training loss, ${ds}`, finalLoss, 'GN reaches the lowest full-batch training loss', gn, 'min'),
        {
          label: `steps until the training loss is 10x below its initial value, ${ds}`,
          values: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number.isFinite(v) ? v : 'not reached'])),
          claim: 'GN gets there first',
          holds: stepsHold,
        },
        { label: `final training accuracy, ${ds}`, values: Object.fromEntries(Object.entries(finalValue(runs, 'eval', 'train_acc', ds)).map(([k, v]) => [k, fmt(v)])) },
      ];
    });
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: 'first 1024 training images, full test set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'steps', paper: '100 (one per epoch)', this_run: d.epochs },
      { setting: 'learning rates', paper: 'MNIST GN 0.5, Adam 1e-4, SGD 0.1; CIFAR-10 GN 0.5, Adam 1e-5, SGD 0.01', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

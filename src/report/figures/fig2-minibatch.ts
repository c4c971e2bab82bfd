/**
 * Figure 2: mini-batch training (batch 1024, shuffled): training loss, test loss and test accuracy
 * vs epoch. Claim: GN saturates early on both train and test loss; Adam gets lower.
 */
import { figureFromRows } from '../../plots/rows.js';
import {
  commonDeviations, commonSettings, datasetsOf, derivedSettings, epochMeans, finalValue, gnLabel, rowsOfType, type FigureSpec, type Finding,
} from '../figure.js';
import { extremeFinding, fmt, grid, labelsOf } from './shared.js';

export const fig2: FigureSpec = {
  id: 'fig2',
  title: 'Figure 2 · Mini-batch training: GN saturates early',
  claim: 'With mini-batches, exact GN saturates early on both training and test loss, while Adam keeps improving and ends lower.',
  runs: (o) => grid('minibatch', ['mnist', 'cifar10'], o),
  draw(runs) {
    const order = [gnLabel(runs.options.rule), 'adam', 'sgd'];
    const settings = `${runs.options.profile} profile, seeds ${runs.options.seeds.join(', ')}, GN rule ${runs.options.rule}`;
    const train = epochMeans(runs, ['train_loss']);
    const evals = rowsOfType(runs, 'eval');
    return [
      {
        name: 'fig2-loss',
        figure: figureFromRows([...train, ...evals.map((r) => ({ ...r, train_loss: undefined }))], {
          x: 'epoch', y: ['train_loss', 'test_loss'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', logY: true,
          yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss' }, groupOrder: order,
          title: 'Mini-batch training and test loss', name: 'fig2-loss',
        }),
        caption: `Training loss (mean of the pre-update batch losses of each epoch) and test loss vs epoch; mean ± std over seeds. ${settings}.`,
      },
      {
        name: 'fig2-acc',
        figure: figureFromRows(evals, {
          x: 'epoch', y: 'test_acc', groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset',
          yTitles: { test_acc: 'test accuracy' }, groupOrder: order, title: 'Mini-batch test accuracy', name: 'fig2-acc',
        }),
        caption: `Test accuracy vs epoch. ${settings}.`,
      },
    ];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds): Finding[] => {
      const evals = rowsOfType(runs, 'eval', (r) => r.dataset === ds);
      const bestEpoch: Record<string, number | string> = {};
      for (const label of labelsOf(runs)) {
        const mine = evals.filter((r) => r.optimizer_label === label && typeof r.test_loss === 'number');
        const best = mine.reduce<(typeof mine)[number] | undefined>((a, r) => (a === undefined || (r.test_loss as number) < (a.test_loss as number) ? r : a), undefined);
        bestEpoch[label] = best ? (best.epoch as number) : 'n/a';
      }
      const last = Math.max(...evals.map((r) => r.epoch as number));
      const gnBest = bestEpoch[gn];
      return [
        extremeFinding(`final test accuracy, ${ds}`, finalValue(runs, 'eval', 'test_acc', ds), 'Adam reaches a higher test accuracy than GN', 'adam', 'max'),
        {
          label: `final test accuracy GN vs Adam, ${ds}`,
          values: { [gn]: fmt(finalValue(runs, 'eval', 'test_acc', ds)[gn] ?? NaN), adam: fmt(finalValue(runs, 'eval', 'test_acc', ds).adam ?? NaN) },
          claim: 'GN ends below Adam on test accuracy',
          holds: (finalValue(runs, 'eval', 'test_acc', ds)[gn] ?? NaN) < (finalValue(runs, 'eval', 'test_acc', ds).adam ?? NaN),
        },
        {
          label: `epoch of the lowest test loss (of ${last}), ${ds}`,
          values: bestEpoch,
          claim: 'GN saturates early: its test loss bottoms out before the last epoch while Adam is still improving',
          holds: typeof gnBest === 'number' && gnBest < last && typeof bestEpoch.adam === 'number' && gnBest <= bestEpoch.adam,
        },
        extremeFinding(`final epoch-mean training loss, ${ds}`, Object.fromEntries(labelsOf(runs).map((l) => {
          const rows = epochMeans(runs, ['train_loss'], (r) => r.dataset === ds && r.optimizer_label === l);
          const lastEpoch = Math.max(...rows.map((r) => r.epoch as number));
          const v = rows.filter((r) => r.epoch === lastEpoch).map((r) => r.train_loss as number);
          return [l, v.reduce((a, b) => a + b, 0) / v.length];
        })), 'Adam gets a lower training loss than GN (GN saturates)', 'adam', 'min'),
      ];
    });
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: 'batches of 1024 from the whole training set (59/epoch MNIST, 49 CIFAR-10, last partial kept); CIFAR RandomResizedCrop; full test set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rates', paper: 'MNIST GN 0.1, Adam 1e-4, SGD 0.1; CIFAR-10 GN 0.1, Adam 1e-4, SGD 0.01', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

/**
 * Appendix · mini-batch comparison with test accuracy: the runs of Figure 2 (mini-batch MNIST and
 * CIFAR-10, GN vs Adam vs SGD), drawn as test accuracy and the generalization gap (test loss minus
 * the epoch-mean training loss). Claim: GN ends with the lowest test accuracy, and its accuracy
 * stops improving early.
 */
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { commonSettings, datasetsOf, derivedSettings, epochMeans, gnLabel, type FigureRuns, type RunsFigureSpec, twoValued, type Finding } from '../figure.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations, curveLabels, evalAt, lastEvalEpoch, num4 } from './appendix-shared.js';

/** Per run and epoch >= 1: test loss minus the epoch-mean training loss (the generalization gap). */
export function gapRows(runs: FigureRuns): ResultRow[] {
  const train = new Map(epochMeans(runs, ['train_loss']).map((r) => [`${r.run}|${r.epoch}`, r.train_loss as number]));
  return runs.rows.filter((r) => r.type === 'eval' && train.has(`${r.run}|${r.epoch}`)).map((r) => ({
    epoch: r.epoch, optimizer_label: r.optimizer_label, dataset: r.dataset, seed: r.seed, run: r.run,
    generalization_gap: (r.test_loss as number) - train.get(`${r.run}|${r.epoch}`)!,
  }));
}

export const appendixTestAccuracy: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-test-accuracy',
  title: 'Appendix · Mini-batch comparison with test accuracy',
  claim: 'With mini-batches, GN ends with a lower test accuracy than Adam and SGD, and its test accuracy stops improving early.',
  runs: (o) => fig2.runs(o),
  draw(runs) {
    const o = runs.options;
    const order = [gnLabel(o.rule), 'adam', 'sgd'];
    const acc = runs.rows.filter((r) => r.type === 'eval') as unknown as ResultRow[];
    return [
      {
        name: 'appendix-test-accuracy',
        figure: figureFromRows([...acc, ...gapRows(runs)], {
          x: 'epoch', y: ['test_acc', 'generalization_gap'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', groupOrder: order,
          yTitles: { test_acc: 'test accuracy', generalization_gap: 'test − training loss' }, title: 'Mini-batch test accuracy and generalization gap', name: 'appendix-test-accuracy',
        }),
        caption: `Test accuracy, and test loss minus the epoch-mean training loss, vs epoch; mean ± std over seeds. Same runs as Figure 2. ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`,
      },
    ];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds): Finding[] => {
      const inDs = (r: ResultRow) => r.dataset === ds;
      const labels = curveLabels(runs, (r) => r.dataset === ds);
      const last = Object.fromEntries(labels.map((l) => [l, lastEvalEpoch(runs, l, inDs)]));
      const final = Object.fromEntries(labels.map((l) => [l, evalAt(runs, l, 'test_acc', last[l]!, inDs)]));
      const gain = Object.fromEntries(labels.map((l) => [l, evalAt(runs, l, 'test_acc', last[l]!, inDs) - evalAt(runs, l, 'test_acc', Math.floor(last[l]! / 2), inDs)]));
      const others = labels.filter((l) => l !== gn);
      return [
        {
          label: `final test accuracy, ${ds}`,
          values: Object.fromEntries(Object.entries(final).map(([k, v]) => [k, num4(v)])),
          claim: 'Adam and SGD end with a higher test accuracy than GN',
          verdict: twoValued(others.length > 0 && others.every((l) => final[l]! > final[gn]!)),
        },
        {
          label: `test accuracy gained over the second half of training, ${ds}`,
          values: Object.fromEntries(Object.entries(gain).map(([k, v]) => [k, num4(v)])),
          claim: 'GN\'s test accuracy saturates early: it gains less over the second half than Adam',
          verdict: twoValued(gain[gn]! < gain.adam!),
        },
      ];
    });
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'runs', paper: 'the mini-batch runs of Figure 2', this_run: 'the same runs as Figure 2 here (shared cache)' },
      { setting: 'data', paper: 'batches of 1024 from the whole training set; CIFAR RandomResizedCrop; full test set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rates', paper: 'MNIST GN 0.1, Adam 1e-4, SGD 0.1; CIFAR-10 GN 0.1, Adam 1e-4, SGD 0.01', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [], false),
};

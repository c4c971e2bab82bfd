/**
 * Figure 5: the RevMLP without the inverted bottleneck (f(x) = W s(x) + b, square W, no V) on
 * CIFAR-10, full batch and mini-batch. Claim: the same trends as with the bottleneck.
 */
import { figureFromRows } from '../../plots/rows.js';
import {
  commonDeviations, commonSettings, datasetsOf, derivedSettings, epochMeans, finalValue, gnLabel, rowsOfType, type FigureSpec,
} from '../figure.js';
import { extremeFinding, grid } from './shared.js';

export const fig5: FigureSpec = {
  id: 'fig5',
  title: 'Figure 5 · Without the inverted bottleneck: same trends',
  claim: 'Without the inverted bottleneck (square W, no V) on CIFAR-10, GN again trains fastest on the full batch and saturates with mini-batches.',
  runs: (o) => [
    ...grid('fullbatch', ['cifar10'], o, { suffix: '-nobottleneck', tags: { regime: 'full batch' } }),
    ...grid('minibatch', ['cifar10'], o, { suffix: '-nobottleneck', tags: { regime: 'mini-batch' } }),
  ],
  draw(runs) {
    const order = [gnLabel(runs.options.rule), 'adam', 'sgd'];
    const settings = `${runs.options.profile} profile, seeds ${runs.options.seeds.join(', ')}, GN rule ${runs.options.rule}, ${datasetsOf(runs).join(', ')}`;
    const full = rowsOfType(runs, 'eval', (r) => r.regime === 'full batch');
    const miniTrain = epochMeans(runs, ['train_loss'], (r) => r.regime === 'mini-batch');
    const miniEval = rowsOfType(runs, 'eval', (r) => r.regime === 'mini-batch');
    return [
      {
        name: 'fig5-full',
        figure: figureFromRows(full, { x: 'step', y: ['train_loss', 'train_acc'], groupBy: 'optimizer_label', seedKey: 'seed', logY: ['train_loss'], groupOrder: order, yTitles: { train_loss: 'training loss', train_acc: 'training accuracy' }, title: 'No bottleneck, full batch', name: 'fig5-full' }),
        caption: `Full batch: training loss and accuracy vs step. ${settings}.`,
      },
      {
        name: 'fig5-mini',
        figure: figureFromRows([...miniTrain, ...miniEval.map((r) => ({ ...r, train_loss: undefined }))], { x: 'epoch', y: ['train_loss', 'test_loss', 'test_acc'], groupBy: 'optimizer_label', seedKey: 'seed', logY: ['train_loss', 'test_loss'], groupOrder: order, yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' }, title: 'No bottleneck, mini-batch', name: 'fig5-mini' }),
        caption: `Mini-batch: training loss, test loss and test accuracy vs epoch. ${settings}.`,
      },
    ];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    const ds = datasetsOf(runs)[0]!;
    const sub = (regime: string) => ({ ...runs, refs: runs.refs.filter((r) => r.tags?.regime === regime), rows: runs.rows.filter((r) => r.regime === regime) });
    return [
      extremeFinding(`full batch: final training loss, ${ds}`, finalValue(sub('full batch'), 'eval', 'train_loss', ds), 'GN reaches the lowest full-batch training loss', gn, 'min'),
      extremeFinding(`mini-batch: final test accuracy, ${ds}`, finalValue(sub('mini-batch'), 'eval', 'test_acc', ds), 'Adam reaches a higher test accuracy than GN', 'adam', 'max'),
    ];
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'model', paper: 'RevMLP without bottleneck (square W on d/2), 6 blocks', this_run: d.model },
      { setting: 'data', paper: 'CIFAR-10: first 1024 images (full batch); batches of 1024 with RandomResizedCrop (mini-batch)', this_run: d.data },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rates', paper: 'full batch GN 0.5, Adam 1e-5, SGD 0.01; mini-batch GN 0.1, Adam 1e-4, SGD 0.01', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

/**
 * Figure 5: the RevMLP without the inverted bottleneck (f(x) = W s(x) + b, square W, no V) on
 * CIFAR-10, full batch and mini-batch. Claim: the same trends as with the bottleneck, judged by the
 * same functions as Figures 1 and 2 on each regime's part of the table.
 */
import { paperLrText, paperModelText, PAPER } from '../../experiments/paper.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, commonSettings, derivedSettings, gnLabel, type DrawnFigure, type FigureSpec, type Finding } from '../figure.js';
import { distinct, where, wide, type ResultsTable } from '../table.js';
import { fullBatchFindings } from './fig1-fullbatch.js';
import { miniBatchFindings, miniBatchPlotRows } from './fig2-minibatch.js';
import { grid } from './shared.js';

export const FIG5_FULL = 'full batch';
export const FIG5_MINI = 'mini-batch';

/**
 * Figure 5's findings: Figure 1's full-batch findings on the 'full batch' rows and Figure 2's
 * saturation findings on the 'mini-batch' rows.
 *
 * @example
 * fig5Findings(table).filter((f) => f.verdict === 'shown');
 */
export function fig5Findings(table: ResultsTable): Finding[] {
  const ds = distinct(table, 'dataset')[0] ?? 'CIFAR-10';
  return [
    ...fullBatchFindings(where(table, { variant: FIG5_FULL }), `${ds}, no bottleneck, full batch`),
    ...miniBatchFindings(where(table, { variant: FIG5_MINI }), `${ds}, no bottleneck, mini-batch`),
  ];
}

/** Figure 5 from the table: full-batch loss and accuracy vs step; mini-batch losses and accuracy vs epoch. */
export function drawFig5(table: ResultsTable, caption: string, order: readonly string[] = ['gn', 'gn (half-coupling)', 'adam', 'sgd']): DrawnFigure[] {
  const out: DrawnFigure[] = [];
  const full = wide(where(table, { variant: FIG5_FULL, metric: ['train_loss', 'train_acc'] }), 'step');
  if (full.length > 0) {
    out.push({
      name: 'fig5-full',
      figure: figureFromRows(full, { x: 'step', y: ['train_loss', 'train_acc'], groupBy: 'curve', seedKey: 'seed', logY: ['train_loss'], groupOrder: order, yTitles: { train_loss: 'training loss', train_acc: 'training accuracy' }, title: 'No bottleneck, full batch', name: 'fig5-full' }),
      caption: `Full batch: training loss and accuracy vs step. ${caption}`,
    });
  }
  const mini = miniBatchPlotRows(where(table, { variant: FIG5_MINI }));
  if (mini.length > 0) {
    out.push({
      name: 'fig5-mini',
      figure: figureFromRows(mini, { x: 'epoch', y: ['train_loss_epoch_mean', 'test_loss', 'test_acc'], groupBy: 'curve', seedKey: 'seed', logY: ['train_loss_epoch_mean', 'test_loss'], groupOrder: order, yTitles: { train_loss_epoch_mean: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' }, title: 'No bottleneck, mini-batch', name: 'fig5-mini' }),
      caption: `Mini-batch: training loss, test loss and test accuracy vs epoch. ${caption}`,
    });
  }
  return out;
}

export const fig5: FigureSpec = {
  id: 'fig5',
  title: 'Figure 5 · Without the inverted bottleneck: same trends',
  claim: 'Without the inverted bottleneck (square W, no V) on CIFAR-10, GN again trains fastest on the full batch and saturates with mini-batches.',
  runs: (o) => [
    ...grid('fullbatch', ['cifar10'], o, { suffix: '-nobottleneck', tags: { regime: FIG5_FULL } }),
    ...grid('minibatch', ['cifar10'], o, { suffix: '-nobottleneck', tags: { regime: FIG5_MINI } }),
  ],
  draw: (table, o) => drawFig5(table, `${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}, ${distinct(table, 'dataset').join(', ')}.`, [gnLabel(o.rule), 'adam', 'sgd']),
  findings: fig5Findings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'model', paper: paperModelText(['cifar10'], false), this_run: d.model },
      { setting: 'data', paper: `CIFAR-10: first ${PAPER.fullBatchN} images (full batch); batches of ${PAPER.batchSize} with RandomResizedCrop (mini-batch)`, this_run: d.data },
      { setting: 'epochs', paper: String(PAPER.epochs), this_run: d.epochs },
      { setting: 'learning rates', paper: `full batch ${paperLrText('full', ['cifar10'])}; mini-batch ${paperLrText('mini', ['cifar10'])}`, this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

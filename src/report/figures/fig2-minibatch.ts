/**
 * Figure 2: mini-batch training (batch 1024, shuffled): training loss, test loss and test accuracy
 * vs epoch. Claim: GN saturates early on both train and test loss; Adam gets lower.
 */
import { PAPER, paperLrText, paperModelText } from '../../experiments/paper.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, commonSettings, derivedSettings, gnLabel, type DrawnFigure, type FigureSpec, type Finding } from '../figure.js';
import { argMin, valueAt, curvesExcept, epochTrainLoss, gnCurveOf, improvementPerUnit, lastThird, perRun } from '../measures.js';
import { distinct, where, wide, type ResultsTable } from '../table.js';
import { compareSeeds, meanStdText, type Judged } from '../verdict.js';
import { grid } from './shared.js';

/** Fewest epochs for which "the last third of training" means anything. */
export const MIN_EPOCHS_TO_JUDGE = 3;

/** Per seed: the epoch-mean training loss's relative improvement per epoch (%) over the last third. */
export function lastThirdTrainRate(table: ResultsTable, curve: string): number[] {
  const { from, to } = lastThird(table);
  return perRun(epochTrainLoss(where(table, { curve })), {}, 'epoch', (p) => improvementPerUnit(p, from, to));
}

function tooShort(table: ResultsTable): Judged | null {
  const { to } = lastThird(table);
  if (!Number.isFinite(to)) return { verdict: 'inconclusive', why: 'no data: no test_loss rows' };
  return to < MIN_EPOCHS_TO_JUDGE ? { verdict: 'inconclusive', why: `too short: ${to} epoch(s), at least ${MIN_EPOCHS_TO_JUDGE} are needed to see a last third` } : null;
}

/**
 * The mini-batch findings of one panel (a dataset, or Figure 5's mini-batch regime), GN vs Adam:
 * 1. saturation, training: over the last third of training GN's epoch training loss improves by
 *    fewer % per epoch than Adam's;
 * 2. saturation, test: GN's test loss reaches its minimum at an earlier epoch than Adam's (per
 *    seed); when GN's is still falling at the last epoch the run is too short to judge;
 * 3. Adam ends with the lower test loss; 4. Adam ends with the lower training loss;
 * 5. Adam ends with the higher test accuracy.
 * Each is a comparison of per-seed values (shown / not shown beyond 2 pooled std, else inconclusive).
 *
 * @example
 * miniBatchFindings(where(table, { dataset: 'MNIST' }), 'MNIST');
 */
export function miniBatchFindings(table: ResultsTable, panel: string): Finding[] {
  const gn = gnCurveOf(table);
  const curves = distinct(table, 'curve');
  const adam = curvesExcept(table, gn).find((c) => where(table, { curve: c }).some((r) => r.optimizer === 'adam'));
  if (gn === undefined || adam === undefined) {
    return [{ label: `mini-batch training, ${panel}`, values: {}, claim: 'GN saturates early; Adam gets lower', verdict: 'inconclusive', why: `no data: the table needs GN and Adam runs (curves present: ${curves.join(', ') || 'none'})` }];
  }
  const short = tooShort(table);
  const { from, to } = lastThird(table);
  const per = (fn: (c: string) => number[]) => Object.fromEntries(curves.map((c) => [c, fn(c)]));
  const judge = (f: () => Judged): Judged => short ?? f();
  const out: Finding[] = [];

  const rate = per((c) => lastThirdTrainRate(table, c));
  out.push({
    label: `epoch training loss: improvement per epoch over the last third (epochs ${from}-${to}, %/epoch), ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(rate[c]!)])),
    claim: 'with mini-batches GN saturates early on the training loss',
    test: 'GN\'s epoch-mean training loss improves by fewer % per epoch than Adam\'s over the last third of training (more than 2 pooled std apart)',
    ...judge(() => compareSeeds(rate[gn]!, rate[adam]!, { names: ['GN', 'Adam'] })),
  });

  const best = per((c) => perRun(table, { curve: c, metric: 'test_loss' }, 'epoch', argMin));
  out.push({
    label: `epoch of the lowest test loss (of ${to}), ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(best[c]!)])),
    claim: 'GN saturates early on the test loss',
    test: `GN's test loss reaches its minimum at an earlier epoch than Adam's; inconclusive (too short) while GN's still falls at epoch ${to}`,
    ...judge(() => (best[gn]!.every((e) => e >= to)
      ? { verdict: 'inconclusive', why: `too short: GN's test loss is still falling at the last epoch (${to}) in every seed` }
      : compareSeeds(best[gn]!, best[adam]!, { names: ['GN', 'Adam'] }))),
  });

  const final = (metric: string, c: string) => perRun(table, { curve: c, metric }, 'epoch', (p) => valueAt(p, to));
  const trainFinal = per((c) => perRun(epochTrainLoss(where(table, { curve: c })), {}, 'epoch', (p) => valueAt(p, to)));
  for (const [what, values, a, b, claim] of [
    ['test loss', per((c) => final('test_loss', c)), adam, gn, 'Adam ends with a lower test loss than GN'],
    ['epoch training loss', trainFinal, adam, gn, 'Adam ends with a lower training loss than GN'],
  ] as const) {
    out.push({
      label: `${what} at epoch ${to}, ${panel}`,
      values: Object.fromEntries(curves.map((c) => [c, meanStdText(values[c]!, 4)])),
      claim, test: `Adam's ${what} at epoch ${to} is below GN's by more than 2 pooled std`,
      ...(Number.isFinite(to) ? compareSeeds(values[a]!, values[b]!, { names: ['Adam', 'GN'] }) : { verdict: 'inconclusive' as const, why: 'no data' }),
    });
  }
  const acc = per((c) => final('test_acc', c));
  out.push({
    label: `test accuracy at epoch ${to}, ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(acc[c]!, 4)])),
    claim: 'Adam ends with a higher test accuracy than GN',
    test: `Adam's test accuracy at epoch ${to} is above GN's by more than 2 pooled std`,
    ...(Number.isFinite(to) ? compareSeeds(acc[adam]!, acc[gn]!, { names: ['Adam', 'GN'], direction: 'above' }) : { verdict: 'inconclusive' as const, why: 'no data' }),
  });
  return out;
}

/** Figure 2's findings: {@link miniBatchFindings} for each dataset of the table. */
export function fig2Findings(table: ResultsTable): Finding[] {
  const datasets = distinct(table, 'dataset');
  if (datasets.length === 0) return miniBatchFindings(table, 'empty table');
  return datasets.flatMap((ds) => miniBatchFindings(where(table, { dataset: ds }), ds));
}

/** The mini-batch rows for plotting: epoch-mean training loss beside the eval rows, one record per run and epoch. */
export function miniBatchPlotRows(table: ResultsTable): Record<string, string | number>[] {
  const train = epochTrainLoss(table).map((r) => ({ ...r, metric: 'train_loss_epoch_mean' }));
  return wide([...where(table, { metric: ['test_loss', 'test_acc'] }), ...train], 'epoch');
}

/** Figure 2 from the table: losses (log scale) and test accuracy vs epoch, a column per dataset. */
export function drawFig2(table: ResultsTable, caption: string, order: readonly string[] = ['gn', 'gn (half-coupling)', 'adam', 'sgd']): DrawnFigure[] {
  const rows = miniBatchPlotRows(table);
  return [
    {
      name: 'fig2-loss',
      figure: figureFromRows(rows, {
        x: 'epoch', y: ['train_loss_epoch_mean', 'test_loss'], groupBy: 'curve', seedKey: 'seed', panelBy: 'dataset', logY: true,
        yTitles: { train_loss_epoch_mean: 'training loss (epoch mean)', test_loss: 'test loss' }, groupOrder: order,
        title: 'Mini-batch training and test loss', name: 'fig2-loss',
      }),
      caption: `Training loss (mean of the pre-update batch losses of each epoch) and test loss vs epoch; mean ± std over seeds. ${caption}`,
    },
    {
      name: 'fig2-acc',
      figure: figureFromRows(rows, {
        x: 'epoch', y: 'test_acc', groupBy: 'curve', seedKey: 'seed', panelBy: 'dataset',
        yTitles: { test_acc: 'test accuracy' }, groupOrder: order, title: 'Mini-batch test accuracy', name: 'fig2-acc',
      }),
      caption: `Test accuracy vs epoch. ${caption}`,
    },
  ];
}

export const fig2: FigureSpec = {
  id: 'fig2',
  title: 'Figure 2 · Mini-batch training: GN saturates early',
  claim: 'With mini-batches, exact GN saturates early on both training and test loss, while Adam keeps improving and ends lower.',
  runs: (o) => grid('minibatch', ['mnist', 'cifar10'], o),
  draw: (table, o) => drawFig2(table, `${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`, [gnLabel(o.rule), 'adam', 'sgd']),
  findings: fig2Findings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: `batches of ${PAPER.batchSize} from the whole training set (${PAPER.stepsPerEpoch.mnist}/epoch MNIST, ${PAPER.stepsPerEpoch.cifar10} CIFAR-10, last partial kept); CIFAR RandomResizedCrop; full test set`, this_run: d.data },
      { setting: 'model', paper: paperModelText(), this_run: d.model },
      { setting: 'epochs', paper: String(PAPER.epochs), this_run: d.epochs },
      { setting: 'learning rates', paper: paperLrText('mini'), this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

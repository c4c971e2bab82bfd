/**
 * Figure 2: mini-batch training (batch 1024, shuffled): training loss, test loss and test accuracy
 * vs epoch. Claim: GN saturates early on both train and test loss; Adam gets lower.
 */
import { PAPER, paperLrText, paperModelText } from '../../experiments/paper.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, commonSettings, derivedSettings, gnLabel, type DrawnFigure, type FigureSpec, type Finding } from '../figure.js';
import { argMin, valueAt, curvesExcept, epochTrainLoss, gnCurveOf, improvementPerUnit, lastThird, lastThirdImprovement, perRun, testSetSize } from '../measures.js';
import { distinct, where, wide, type ResultsTable } from '../table.js';
import { allOf, compareAccuracies, compareSeeds, compareToLevel, meanStdText, type Judged } from '../verdict.js';
import { grid } from './shared.js';

/** Fewest epochs for which "the last third of training" means anything. */
export const MIN_EPOCHS_TO_JUDGE = 3;

/**
 * X of "GN saturates early": a loss has saturated when its epoch training loss improves by less
 * than this many percent over the whole last third of training (10% over epochs 20-30 is under
 * 1% per epoch; for comparison, GN on mini-batch MNIST at the paper's size still improves about
 * 6% per epoch at epoch 10). Adam "keeps improving" when its improvement is above it.
 */
export const SATURATION_PCT = 10;

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
 * "GN's training loss has saturated while Adam's keeps improving", from the two curves' relative
 * improvements (%) over the last third, against {@link SATURATION_PCT}: shown when GN's is below X
 * and Adam's above X (each beyond its seed spread); not shown when Adam's is below X (Adam has
 * saturated too, or instead of GN); inconclusive (too short) when GN's is still above X and Adam's
 * is not below it; else inconclusive (within the spread of X).
 *
 * @example
 * saturationVerdict([2, 3, 2.5], [30, 35, 32]).verdict; // 'shown'
 */
export function saturationVerdict(gn: readonly number[], adam: readonly number[], x = SATURATION_PCT, names: readonly [string, string] = ['GN', 'Adam']): Judged {
  const g = compareToLevel(gn, x, { names: [`${names[0]} improvement (%)`, `${x}%`] });
  const a = compareToLevel(adam, x, { names: [`${names[1]} improvement (%)`, `${x}%`], direction: 'above' });
  const why = `[${g.verdict === 'shown' ? 'below' : g.verdict === 'not shown' ? 'above' : 'near'} X] ${g.why}; [${a.verdict === 'shown' ? 'above' : a.verdict === 'not shown' ? 'below' : 'near'} X] ${a.why}`;
  if (g.verdict === 'shown' && a.verdict === 'shown') return { verdict: 'shown', why };
  if (a.verdict === 'not shown') return { verdict: 'not shown', why: `${names[1]} has saturated too (improves by less than ${x}%): ${why}` };
  if (g.verdict === 'not shown') return { verdict: 'inconclusive', why: `too short: ${names[0]} still improves by more than ${x}% over the last third: ${why}` };
  return { verdict: 'inconclusive', why: `within the seed spread of ${x}%: ${why}` };
}

/**
 * The mini-batch findings of one panel (a dataset, or Figure 5's mini-batch regime), GN vs Adam:
 * 1. "mini-batch GN saturates early": over the last third of training (epochs E - floor(E/3)..E)
 *    GN's epoch training loss (mean of the pre-update batch losses) improves by less than
 *    {@link SATURATION_PCT}% while Adam's improves by more ({@link saturationVerdict}), AND GN's
 *    test loss reaches its minimum at an earlier epoch than Adam's (per seed; inconclusive, too
 *    short, while GN's is still falling at the last epoch in every seed; a gap of one epoch is
 *    within the resolution);
 * 2. "Adam gets lower": Adam's test loss at epoch E is below GN's; 3. so is its epoch training loss;
 * 4. Adam ends with a higher test accuracy than GN (tolerance: 2 binomial standard errors of the
 *    difference on the test set, or 2 pooled std if larger; with one seed, the binomial SE alone).
 * Then the two parts of 1 as measurements. Comparisons of per-seed values (verdict.ts).
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

  const impr = per((c) => lastThirdImprovement(table, c));
  const best = per((c) => perRun(table, { curve: c, metric: 'test_loss' }, 'epoch', argMin));
  const train = judge(() => saturationVerdict(impr[gn]!, impr[adam]!));
  const test = judge((): Judged => {
    if (best[gn]!.length > 0 && best[gn]!.every((e) => e >= to)) return { verdict: 'inconclusive', why: `too short: GN's test loss is still falling at the last epoch (${to}) in every seed` };
    return compareSeeds(best[gn]!, best[adam]!, { names: ['GN\'s best test epoch', 'Adam\'s'], resolution: 1 });
  });
  out.push({
    label: `mini-batch GN saturates early: training-loss improvement over epochs ${from}-${to} (%) | epoch of the lowest test loss, ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, `${meanStdText(impr[c]!)} | ${meanStdText(best[c]!)}`])),
    claim: 'with mini-batches GN saturates early on both training and test loss, while Adam keeps improving',
    test: `over the last third of training (epochs ${from}-${to}) GN's epoch training loss improves by less than X = ${SATURATION_PCT}% while Adam's improves by more (each beyond 2 std of its seeds), AND GN's test loss reaches its minimum at an earlier epoch than Adam's (more than 2 pooled std and more than 1 epoch apart); inconclusive (too short) while GN still improves by more than X or its test loss still falls at the last epoch`,
    ...allOf([train, test]),
  });

  const final = (metric: string, c: string) => perRun(table, { curve: c, metric }, 'epoch', (p) => valueAt(p, to));
  const trainFinal = per((c) => perRun(epochTrainLoss(where(table, { curve: c })), {}, 'epoch', (p) => valueAt(p, to)));
  for (const [what, values, claim] of [
    ['test loss', per((c) => final('test_loss', c)), 'Adam gets lower: it ends with a lower test loss than GN'],
    ['epoch training loss', trainFinal, 'Adam gets lower: it ends with a lower training loss than GN'],
  ] as const) {
    out.push({
      label: `${what} at epoch ${to}, ${panel}`,
      values: Object.fromEntries(curves.map((c) => [c, meanStdText(values[c]!, 4)])),
      claim, test: `Adam's ${what} at epoch ${to} is below GN's by more than 2 pooled std (one seed: 5%)`,
      ...(Number.isFinite(to) ? compareSeeds(values[adam]!, values[gn]!, { names: ['Adam', 'GN'] }) : { verdict: 'inconclusive' as const, why: 'no data' }),
    });
  }
  const acc = per((c) => final('test_acc', c));
  const nTest = testSetSize(table);
  out.push({
    label: `test accuracy at epoch ${to}, ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(acc[c]!, 4)])),
    claim: 'Adam ends with a higher test accuracy than GN',
    test: `Adam's test accuracy at epoch ${to} is above GN's by more than 2 binomial standard errors of the difference on the ${Number.isFinite(nTest) ? nTest : '(unknown number of)'} test images (or 2 pooled std of the seeds, if larger)`,
    ...(Number.isFinite(to) ? compareAccuracies(acc[adam]!, acc[gn]!, nTest, { names: ['Adam', 'GN'] }) : { verdict: 'inconclusive' as const, why: 'no data' }),
  });
  out.push({ label: `epoch training loss: improvement over epochs ${from}-${to} (%), ${panel}`, values: Object.fromEntries(curves.map((c) => [c, meanStdText(impr[c]!)])) });
  out.push({ label: `epoch of the lowest test loss (of ${to}), ${panel}`, values: Object.fromEntries(curves.map((c) => [c, meanStdText(best[c]!)])) });
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

/**
 * Figure 1: full-batch training (the first 1024 images, one step per epoch): training loss and
 * accuracy vs step, GN vs Adam vs SGD, MNIST and CIFAR-10. Claim: GN converges much faster.
 */
import { PAPER, paperLrText, paperModelText } from '../../experiments/paper.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, commonSettings, derivedSettings, gnLabel, type DrawnFigure, type FigureOptions, type FigureSpec, type Finding } from '../figure.js';
import { valueAt, curvesExcept, firstAtOrBelow, gnCurveOf, lastX, perRun, type Point } from '../measures.js';
import { distinct, where, wide, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, meanStdText, seedStats, type Judged } from '../verdict.js';
import { grid } from './shared.js';

/** The loss level of the "converges faster" test: this many times below the initial loss. */
export const FIG1_FACTOR = 10;

/**
 * Steps each run needs to bring its full-batch training loss `factor` times below the initial
 * loss of the table (mean over runs at step 0); a run that never gets there counts as its last
 * step + 1, flagged `censored`.
 */
export function stepsToLevel(table: ResultsTable, curve: string, factor = FIG1_FACTOR): { steps: number[]; censored: boolean[]; level: number } {
  const init = seedStats(where(table, { metric: 'train_loss', step: 0 }).map((r) => r.value)).mean;
  const level = init / factor;
  const first = perRun(table, { curve, metric: 'train_loss' }, 'step', (p) => firstAtOrBelow(p, level));
  const last = perRun(table, { curve, metric: 'train_loss' }, 'step', lastX);
  return { steps: first.map((s, i) => (Number.isFinite(s) ? s : last[i]! + 1)), censored: first.map((s) => !Number.isFinite(s)), level };
}

/**
 * The full-batch findings of one panel (one dataset, or one regime of Figure 5):
 * 1. GN reaches a 10x lower training loss in at most half the steps of each rival (per seed: 2 x GN's
 *    steps vs the rival's; a rival that never gets there counts as its last step + 1, a lower bound).
 * 2. At one tenth of the steps (the last step every run reached), GN's training loss is below each rival's.
 * Then the final training loss and accuracy, as measurements.
 *
 * @example
 * fullBatchFindings(where(table, { dataset: 'MNIST' }), 'MNIST');
 */
export function fullBatchFindings(table: ResultsTable, panel: string): Finding[] {
  const gn = gnCurveOf(table);
  const rivals = curvesExcept(table, gn);
  const curves = distinct(table, 'curve');
  const loss = where(table, { metric: 'train_loss' });
  if (gn === undefined || rivals.length === 0 || loss.length === 0) {
    return [{ label: `full-batch training, ${panel}`, values: {}, claim: 'GN converges much faster than Adam and SGD', verdict: 'inconclusive', why: `no data: the table needs train_loss rows of GN and a rival (curves present: ${curves.join(', ') || 'none'})` }];
  }
  const out: Finding[] = [];
  const reach = Object.fromEntries(curves.map((c) => [c, stepsToLevel(table, c)]));
  const level = reach[gn]!.level;
  const last = Math.min(...perRun(loss, {}, 'step', lastX));
  const parts: Judged[] = rivals.map((r) => {
    const gnSteps = reach[gn]!;
    const rival = reach[r]!;
    if (gnSteps.censored.every(Boolean)) {
      return rival.censored.every(Boolean)
        ? { verdict: 'inconclusive', why: `too short: no run reaches ${fmt(level)} by step ${last}` }
        : { verdict: 'not shown', why: `GN never reaches ${fmt(level)}, ${r} does` };
    }
    const res = compareSeeds(gnSteps.steps.map((s) => 2 * s), rival.steps, { names: ['2 x GN\'s steps', `${r}'s steps`], resolution: 1 });
    if (res.verdict !== 'shown' && rival.censored.some(Boolean)) {
      return { verdict: 'inconclusive', why: `too short: ${r} has not reached ${fmt(level)} by step ${last}, which is not yet twice GN's steps (${res.why})` };
    }
    return res;
  });
  const j = allOf(parts);
  out.push({
    label: `steps until the training loss is ${FIG1_FACTOR}x below its initial value (${fmt(level)}), ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, `${meanStdText(reach[c]!.steps)}${reach[c]!.censored.some(Boolean) ? ` (${reach[c]!.censored.filter(Boolean).length} not reached by step ${last})` : ''}`])),
    claim: 'GN converges much faster than Adam and SGD',
    test: `per seed, GN needs at most half the steps of each of ${rivals.join(', ')} to bring the training loss ${FIG1_FACTOR}x below its initial value; shown when 2 x GN's mean is below each rival's mean by more than 2 pooled std`,
    ...j,
  });
  const k = Math.max(1, Math.round(last / 10));
  const lossAt = (c: string) => perRun(loss, { curve: c }, 'step', (p: Point[]) => valueAt(p, k));
  const early = allOf(rivals.map((r) => compareSeeds(lossAt(gn), lossAt(r), { names: ['GN', r] })));
  out.push({
    label: `training loss at step ${k} (one tenth of ${last} steps), ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(lossAt(c))])),
    claim: 'GN converges much faster than Adam and SGD',
    test: `GN's training loss at step ${k} is below each rival's by more than 2 pooled std`,
    ...early,
  });
  for (const [metric, what] of [['train_loss', 'training loss'], ['train_acc', 'training accuracy']] as const) {
    out.push({
      label: `${what} at step ${last} (the last step every run reached), ${panel}`,
      values: Object.fromEntries(curves.map((c) => [c, meanStdText(perRun(table, { curve: c, metric }, 'step', (p) => valueAt(p, last)), 4)])),
    });
  }
  return out;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/**
 * Figure 1's findings: {@link fullBatchFindings} for each dataset of the table.
 *
 * @example
 * fig1Findings(readTable('results/fig1-mnist-paper.csv')).map((f) => f.verdict);
 */
export function fig1Findings(table: ResultsTable): Finding[] {
  const datasets = distinct(table, 'dataset');
  if (datasets.length === 0) return fullBatchFindings(table, 'empty table');
  return datasets.flatMap((ds) => fullBatchFindings(where(table, { dataset: ds }), ds));
}

/** Options of {@link drawFig1} (the figure's knobs, all visible). */
export interface Fig1DrawOptions {
  /** Log scale for the training loss (default true). */
  logLoss: boolean;
  /** Curve order (default GN, Adam, SGD). */
  order: readonly string[];
  title: string;
}

/** Figure 1 from the table: training loss and accuracy vs step, one column per dataset. */
export function drawFig1(table: ResultsTable, caption: string, o: Partial<Fig1DrawOptions> = {}): DrawnFigure {
  const rows = wide(where(table, { metric: ['train_loss', 'train_acc'] }), 'step');
  return {
    name: 'fig1',
    figure: figureFromRows(rows, {
      x: 'step', y: ['train_loss', 'train_acc'], groupBy: 'curve', seedKey: 'seed', panelBy: 'dataset', logY: o.logLoss === false ? [] : ['train_loss'],
      yTitles: { train_loss: 'training loss', train_acc: 'training accuracy' }, xTitle: 'step (= epoch)',
      groupOrder: o.order ?? ['gn', 'gn (half-coupling)', 'adam', 'sgd'], title: o.title ?? 'Full-batch training loss and accuracy', name: 'fig1',
    }),
    caption: `Training loss${o.logLoss === false ? '' : ' (log scale)'} and accuracy on the full batch vs step; mean ± std over seeds. ${caption}`,
  };
}

export const fig1: FigureSpec = {
  id: 'fig1',
  title: 'Figure 1 · Full-batch training: GN vs Adam vs SGD',
  claim: 'With the full batch (the first 1024 training images), exact GN drives the training loss down far faster than Adam and SGD.',
  runs: (o) => grid('fullbatch', ['mnist', 'cifar10'], o),
  draw: (table, o: FigureOptions) => [drawFig1(table, `${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}; evaluated on the training batch after every step.`, { order: [gnLabel(o.rule), 'adam', 'sgd'] })],
  findings: fig1Findings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: `first ${PAPER.fullBatchN} training images, full test set`, this_run: d.data },
      { setting: 'model', paper: paperModelText(), this_run: d.model },
      { setting: 'steps', paper: `${PAPER.epochs} (one per epoch)`, this_run: d.epochs },
      { setting: 'learning rates', paper: paperLrText('full'), this_run: d.lr },
    ];
  },
  deviations: (o, runs) => commonDeviations(o, runs),
};

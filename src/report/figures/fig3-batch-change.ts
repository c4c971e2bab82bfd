/**
 * Figure 3: the per-batch loss change, 100 (L_B(after) - L_B(before)) / L_B(before) on the same
 * batch right after its update, across training. Claim: GN cuts each batch's loss far more than
 * Adam and SGD, even after the overall losses saturate. Uses the runs of Figure 2.
 */
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, gnLabel, type DrawnFigure, type FigureSpec, type Finding } from '../figure.js';
import { curvesExcept, gnCurveOf, lastThird, lastThirdImprovement, meanOver } from '../measures.js';
import { distinct, epochMean, where, wide, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, compareToLevel, meanStdText, type Judged } from '../verdict.js';
import { fig2, MIN_EPOCHS_TO_JUDGE, SATURATION_PCT } from './fig2-minibatch.js';

/** Per seed: the mean per-batch loss change (%) over the steps of epochs from..to. */
export function batchChange(table: ResultsTable, curve: string, from: number, to: number): number[] {
  const rows = where(table, { curve, metric: 'batch_loss_change_pct' }).filter((r) => r.epoch >= from && r.epoch <= to);
  return distinct(where(table, { curve }), 'run').map((run) => meanOver(rows.filter((r) => r.run === run).map((r) => ({ x: r.step, value: r.value })), -Infinity, Infinity));
}

/**
 * The per-batch findings of one panel, over the last third of training (epochs E - floor(E/3)..E,
 * the epochs where Figure 2 judges saturation):
 * 1. GN's mean per-batch loss change there is more negative than each rival's (Adam, SGD), each
 *    beyond 2 pooled std;
 * 2. "even after the overall losses saturate": in those epochs GN's epoch training loss has
 *    saturated (improves by less than {@link SATURATION_PCT}% over the whole last third, beyond 2
 *    std of the seeds) AND each GN step still cuts its own batch's loss by more (%) than that whole
 *    improvement. While GN has not saturated the premise is unmet: inconclusive, saying so.
 *
 * @example
 * batchChangeFindings(where(table, { dataset: 'MNIST' }), 'MNIST');
 */
export function batchChangeFindings(table: ResultsTable, panel: string): Finding[] {
  const gn = gnCurveOf(table);
  const rivals = curvesExcept(table, gn);
  const curves = distinct(table, 'curve');
  const { from, to } = lastThird(table);
  if (gn === undefined || rivals.length === 0 || !Number.isFinite(to)) {
    return [{ label: `per-batch loss change, ${panel}`, values: {}, claim: 'GN cuts each batch\'s loss far more than Adam and SGD', verdict: 'inconclusive', why: `no data (curves present: ${curves.join(', ') || 'none'})` }];
  }
  const short = to < MIN_EPOCHS_TO_JUDGE ? { verdict: 'inconclusive' as const, why: `too short: ${to} epoch(s), at least ${MIN_EPOCHS_TO_JUDGE} are needed to see a last third` } : null;
  const change = Object.fromEntries(curves.map((c) => [c, batchChange(table, c, from, to)]));
  const out: Finding[] = [{
    label: `mean per-batch loss change over epochs ${from}-${to} (%), ${panel}`,
    values: Object.fromEntries(curves.map((c) => [c, meanStdText(change[c]!)])),
    claim: 'each GN step cuts its own batch\'s loss far more than Adam or SGD',
    test: `GN's mean per-batch change over the last third of training (epochs ${from}-${to}) is more negative than each of ${rivals.join(', ')}'s by more than 2 pooled std (one seed: 5%)`,
    ...(short ?? allOf(rivals.map((r) => compareSeeds(change[gn]!, change[r]!, { names: ['GN', r] })))),
  }];
  const cut = change[gn]!.map((v) => -v);
  const impr = lastThirdImprovement(table, gn);
  const premise = compareToLevel(impr, SATURATION_PCT, { names: ['GN\'s training-loss improvement (%)', `${SATURATION_PCT}%`] });
  const afterSaturation = (): Judged => {
    if (premise.verdict === 'not shown') return { verdict: 'inconclusive', why: `premise unmet, too short: GN's training loss has not saturated in epochs ${from}-${to} (${premise.why})` };
    return allOf([premise, compareSeeds(impr, cut, { names: ['GN\'s whole improvement (%)', 'its per-step cut of its own batch (%)'] })]);
  };
  out.push({
    label: `GN over epochs ${from}-${to}: per-step cut of its own batch (%) vs improvement of the epoch training loss over those epochs (%), ${panel}`,
    values: { 'GN per-batch cut (%)': meanStdText(cut), 'GN epoch training loss improvement (%)': meanStdText(impr) },
    claim: 'even after the overall losses saturate, GN keeps cutting each batch\'s loss far more',
    test: `in the last third of training GN's epoch training loss improves by less than ${SATURATION_PCT}% in all (it has saturated), and GN's mean per-step cut of its own batch there exceeds that whole improvement, by more than 2 pooled std; inconclusive while GN has not saturated`,
    ...(short ?? afterSaturation()),
  });
  return out;
}

/** Figure 3's findings: {@link batchChangeFindings} for each dataset. */
export function fig3Findings(table: ResultsTable): Finding[] {
  const datasets = distinct(table, 'dataset');
  if (datasets.length === 0) return batchChangeFindings(table, 'empty table');
  return datasets.flatMap((ds) => batchChangeFindings(where(table, { dataset: ds }), ds));
}

/** Figure 3 from the table: the epoch-mean per-batch change vs epoch, a column per dataset. */
export function drawFig3(table: ResultsTable, caption: string, order: readonly string[] = ['gn', 'gn (half-coupling)', 'adam', 'sgd']): DrawnFigure {
  const rows = wide(epochMean(table, 'batch_loss_change_pct'), 'epoch');
  return {
    name: 'fig3',
    figure: figureFromRows(rows, {
      x: 'epoch', y: 'batch_loss_change_pct_epoch_mean', groupBy: 'curve', seedKey: 'seed', panelBy: 'dataset',
      yTitles: { batch_loss_change_pct_epoch_mean: 'loss change on the same batch (%)' }, groupOrder: order,
      title: 'Per-batch loss change right after the update (epoch mean)', name: 'fig3',
    }),
    caption: `100 (L_B(after) − L_B(before)) / L_B(before), averaged over the batches of each epoch; mean ± std over seeds. ${caption}`,
  };
}

export const fig3: FigureSpec = {
  id: 'fig3',
  title: 'Figure 3 · Per-batch loss change: GN overfits each batch',
  claim: 'Each GN step cuts the loss of its own mini-batch far more than Adam or SGD, even late in training when the overall losses have saturated.',
  runs: (o) => fig2.runs(o),
  draw: (table, o) => [drawFig3(table, `${o.profile} profile, GN rule ${o.rule}. Same runs as Figure 2.`, [gnLabel(o.rule), 'adam', 'sgd'])],
  findings: fig3Findings,
  settings: (o) => fig2.settings(o),
  deviations: (o, runs) => commonDeviations(o, runs),
};

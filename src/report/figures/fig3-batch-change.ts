/**
 * Figure 3: the per-batch loss change, 100 (L_B(after) - L_B(before)) / L_B(before) on the same
 * batch right after its update, across training. Claim: GN cuts each batch's loss far more than
 * Adam and SGD, even after the overall losses saturate. Uses the runs of Figure 2.
 */
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, datasetsOf, epochMeans, gnLabel, type FigureSpec } from '../figure.js';
import { fig2 } from './fig2-minibatch.js';
import { extremeFinding, labelsOf } from './shared.js';

export const fig3: FigureSpec = {
  id: 'fig3',
  title: 'Figure 3 · Per-batch loss change: GN overfits each batch',
  claim: 'Each GN step cuts the loss of its own mini-batch far more than Adam or SGD, even late in training when the overall losses have saturated.',
  runs: (o) => fig2.runs(o),
  draw(runs) {
    const rows = epochMeans(runs, ['batch_loss_change_pct']);
    return [{
      name: 'fig3',
      figure: figureFromRows(rows, {
        x: 'epoch', y: 'batch_loss_change_pct', groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset',
        yTitles: { batch_loss_change_pct: 'loss change on the same batch (%)' }, groupOrder: [gnLabel(runs.options.rule), 'adam', 'sgd'],
        title: 'Per-batch loss change right after the update (epoch mean)', name: 'fig3',
      }),
      caption: `100 (L_B(after) − L_B(before)) / L_B(before), averaged over the batches of each epoch; mean ± std over seeds. ${runs.options.profile} profile, GN rule ${runs.options.rule}. Same runs as Figure 2.`,
    }];
  },
  findings(runs) {
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds) => {
      const rows = epochMeans(runs, ['batch_loss_change_pct'], (r) => r.dataset === ds);
      const last = Math.max(...rows.map((r) => r.epoch as number));
      const values = Object.fromEntries(labelsOf(runs).map((l) => {
        const v = rows.filter((r) => r.optimizer_label === l && r.epoch === last).map((r) => r.batch_loss_change_pct as number);
        return [l, v.reduce((a, b) => a + b, 0) / v.length];
      }));
      return [extremeFinding(`mean per-batch loss change in the last epoch (%), ${ds}`, values, 'GN cuts its own batch\'s loss the most (most negative change)', gn, 'min')];
    });
  },
  settings: (o) => fig2.settings(o),
  deviations: (o, runs) => commonDeviations(o, runs),
};

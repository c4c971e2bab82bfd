/**
 * Appendix · weight motion per half-coupling: cosine similarity cos(W_0, W_end) and norm ratio
 * |W_end| / |W_0| of every trained W, per optimizer, from the checkpoints of Figure 2's runs
 * (first seed). The arXiv text reads GN as lazy (weights barely move); the numbers decide here.
 */
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { commonSettings, derivedSettings, gnLabel, type RunsFigureSpec, type Finding } from '../figure.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations, withIntegerTicks } from './appendix-shared.js';
import { analyzeFigureCheckpoints, halfIndex, halfName, halfTable, lastPerHalf, motionFindings } from './appendix-checkpoints.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { meanStdText } from '../verdict.js';

/**
 * Rows of the last checkpoint of each run: one per trained W with `half_index`, `which`,
 * `weight_cos_init` and `weight_norm_ratio`.
 */
export function finalWeightRows(rows: readonly ResultRow[]): ResultRow[] {
  const last = new Map<string, number>();
  for (const r of rows) last.set(`${r.dataset}|${r.optimizer_label}`, Math.max(last.get(`${r.dataset}|${r.optimizer_label}`) ?? -Infinity, r.epoch as number));
  return rows.filter((r) => r.epoch === last.get(`${r.dataset}|${r.optimizer_label}`));
}

/**
 * The weight-motion findings per dataset, on a results table with per-half rows
 * `weight_rel_change.b<block>.<f|g>`, `weight_norm_ratio...` and `weight_cos_init...` (see
 * halfTable): per rival, GN's largest relative change |W_end − W₀| / |W₀| over the half-couplings
 * is below the rival's, and so is its largest norm ratio |W_end| / |W₀|; GN vs Adam half-coupling by
 * half-coupling on the relative change; then the smallest cosine as a measurement only (W₀ has std
 * 1e-3, so the cosine is about |W₀| / |W_end| for every optimizer and cannot tell them apart).
 *
 * @example
 * weightFindings(table, 'gn').map((f) => [f.label, f.verdict]);
 */
export function weightFindings(table: ResultsTable, gn = 'gn'): Finding[] {
  const datasets = distinct(table, 'dataset');
  return (datasets.length ? datasets : ['empty table']).flatMap((ds): Finding[] => {
    const t = where(table, { dataset: ds });
    const claim = 'lazy regime (arXiv text): GN moves its weights less than the other optimizers';
    const cos = distinct(t, 'curve').map((c) => [c, lastPerHalf(t, c, 'weight_cos_init').map((r) => Math.min(...r.values))] as const);
    return [
      ...motionFindings(t, gn, { base: 'weight_rel_change', motion: (x) => x, what: '|W_end − W₀| / |W₀|', panel: ds, claim }),
      ...motionFindings(t, gn, { base: 'weight_norm_ratio', motion: (x) => x, what: '|W_end| / |W₀|', panel: ds, claim: 'GN grows its weights less than the other optimizers', perHalf: false }),
      { label: `smallest cos(W₀, W_end) over the half-couplings, ${ds} (about |W₀| / |W_end|: not a laziness test)`, values: Object.fromEntries(cos.filter(([, v]) => v.length > 0).map(([c, v]) => [c, meanStdText(v, 3)])) },
    ];
  });
}

export const appendixWeights: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-weights',
  title: 'Appendix · Weight cosine similarity and norm ratio per half-coupling',
  claim: 'How far each optimizer moves the trained weights: the arXiv text reads GN as lazy (weights stay close to init); we compare the optimizers by the relative change |W_end − W_0| / |W_0| and the norm ratio |W_end| / |W_0| per half-coupling (the cosine to a 1e-3 init alone cannot tell them apart).',
  runs: (o) => fig2.runs(o),
  async analyze(runs) {
    const rows = await analyzeFigureCheckpoints(runs, ['weights'], 8);
    const byKey = new Map<string, Record<string, number | string>>();
    for (const r of rows) {
      if (r.tensor === null || !r.tensor.endsWith('.W') || r.block === null || r.half === null) continue;
      if (r.metric !== 'weight_cos_init' && r.metric !== 'weight_norm_ratio' && r.metric !== 'weight_rel_change') continue;
      const key = `${r.dataset}|${r.optimizer_label}|${r.epoch}|${r.tensor}`;
      const rec = byKey.get(key) ?? byKey.set(key, { dataset: r.dataset, optimizer_label: r.optimizer_label, seed: r.seed, epoch: r.epoch, half_index: halfIndex(r.block, r.half), which: halfName(r.block, r.half) }).get(key)!;
      rec[r.metric] = r.value;
    }
    return [...byKey.values()];
  },
  draw(runs, analysis) {
    const o = runs.options;
    return [{
      name: 'appendix-weights',
      figure: withIntegerTicks(figureFromRows(finalWeightRows(analysis), {
        x: 'half_index', y: ['weight_rel_change', 'weight_norm_ratio', 'weight_cos_init'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', logY: ['weight_rel_change', 'weight_norm_ratio'],
        groupOrder: [gnLabel(o.rule), 'adam', 'sgd'], xTitle: 'half-coupling (1 = block 1 f, 2 = block 1 g, ...)',
        yTitles: { weight_rel_change: '|W_end − W₀| / |W₀|', weight_norm_ratio: '|W_end| / |W₀|', weight_cos_init: 'cos(W₀, W_end)' }, title: 'Weights at the end of training vs at init', name: 'appendix-weights',
      })),
      caption: `Per trained W (the biases start at 0, so they have no cosine to init), at the last checkpoint: relative change, norm ratio and cosine similarity to init (W₀ has std 1e-3, so once W has grown the cosine is about |W₀| / |W_end| for every optimizer: read the relative change). Figure 2's runs, seed ${o.seeds[0]}. ${o.profile} profile, GN rule ${o.rule}.`,
    }];
  },
  findings(runs, analysis) {
    return weightFindings(halfTable(analysis, ['weight_rel_change', 'weight_norm_ratio', 'weight_cos_init'], runs), gnLabel(runs.options.rule));
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'runs analysed', paper: 'mini-batch runs of Figure 2', this_run: `Figure 2's runs, seed ${o.seeds[0]}` },
      { setting: 'data', paper: 'batches of 1024 from the whole training set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [`weights analysed on seed ${o.seeds[0]} only`], false),
};

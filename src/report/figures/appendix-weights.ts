/**
 * Appendix · weight motion per half-coupling: cosine similarity cos(W_0, W_end) and norm ratio
 * |W_end| / |W_0| of every trained W, per optimizer, from the checkpoints of Figure 2's runs
 * (first seed). The arXiv text reads GN as lazy (weights barely move); the numbers decide here.
 */
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { commonSettings, datasetsOf, derivedSettings, gnLabel, type RunsFigureSpec, twoValued, type Finding } from '../figure.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations, num4, withIntegerTicks } from './appendix-shared.js';
import { analyzeFigureCheckpoints, finalPerHalf, halfIndex, halfName, lazierThanRivals } from './appendix-checkpoints.js';

/**
 * Rows of the last checkpoint of each run: one per trained W with `half_index`, `which`,
 * `weight_cos_init` and `weight_norm_ratio`.
 */
export function finalWeightRows(rows: readonly ResultRow[]): ResultRow[] {
  const last = new Map<string, number>();
  for (const r of rows) last.set(`${r.dataset}|${r.optimizer_label}`, Math.max(last.get(`${r.dataset}|${r.optimizer_label}`) ?? -Infinity, r.epoch as number));
  return rows.filter((r) => r.epoch === last.get(`${r.dataset}|${r.optimizer_label}`));
}

export const appendixWeights: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-weights',
  title: 'Appendix · Weight cosine similarity and norm ratio per half-coupling',
  claim: 'How far each optimizer moves the trained weights: the arXiv text reads GN as lazy (weights stay close to init); we measure cos(W_0, W_end) and |W_end| / |W_0| per half-coupling.',
  runs: (o) => fig2.runs(o),
  async analyze(runs) {
    const rows = await analyzeFigureCheckpoints(runs, ['weights'], 8);
    const byKey = new Map<string, Record<string, number | string>>();
    for (const r of rows) {
      if (r.tensor === null || !r.tensor.endsWith('.W') || r.block === null || r.half === null) continue;
      if (r.metric !== 'weight_cos_init' && r.metric !== 'weight_norm_ratio') continue;
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
        x: 'half_index', y: ['weight_cos_init', 'weight_norm_ratio'], groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'dataset', logY: ['weight_norm_ratio'],
        groupOrder: [gnLabel(o.rule), 'adam', 'sgd'], xTitle: 'half-coupling (1 = block 1 f, 2 = block 1 g, ...)',
        yTitles: { weight_cos_init: 'cos(W₀, W_end)', weight_norm_ratio: '|W_end| / |W₀|' }, title: 'Weights at the end of training vs at init', name: 'appendix-weights',
      })),
      caption: `Per trained W (the biases start at 0, so they have no cosine to init), at the last checkpoint: cosine similarity to init and norm ratio. Figure 2's runs, seed ${o.seeds[0]}. ${o.profile} profile, GN rule ${o.rule}.`,
    }];
  },
  findings(runs, analysis) {
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds): Finding[] => {
      const cos = finalPerHalf(analysis, ds, 'weight_cos_init');
      const ratio = finalPerHalf(analysis, ds, 'weight_norm_ratio');
      if (!cos[gn]) return [];
      const adam = cos.adam ?? [];
      return [
        {
          label: `smallest cos(W₀, W_end) over the half-couplings, ${ds}`,
          values: Object.fromEntries(Object.entries(cos).map(([k, v]) => [k, num4(Math.min(...v))])),
          claim: 'lazy regime (arXiv text): GN keeps its weights closer to init than the other optimizers',
          test: 'GN\'s largest 1 − cos(W₀, W_end) over the half-couplings is below each other optimizer\'s (first seed: single-seed margin)',
          ...lazierThanRivals(cos, gn),
        },
        {
          label: `GN vs Adam: cos(W₀, W_end) per half-coupling, ${ds}`,
          values: { [gn]: cos[gn].map((v) => num4(v)).join(', '), adam: adam.map((v) => num4(v)).join(', ') },
          claim: 'GN moves every W less than Adam (higher cosine to init)',
          verdict: twoValued(adam.length === cos[gn].length && cos[gn].every((v, i) => v > adam[i]!)),
        },
        { label: `largest |W_end| / |W₀| over the half-couplings, ${ds}`, values: Object.fromEntries(Object.entries(ratio).map(([k, v]) => [k, num4(Math.max(...v))])) },
      ];
    });
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

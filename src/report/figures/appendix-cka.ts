/**
 * Appendix · CKA to init for every block: linear CKA between the representation after each
 * half-coupling at init and at every checkpoint, for all 6 CIFAR-10 blocks (Fashion-MNIST when the
 * CIFAR-10 files are absent) and the 2 MNIST blocks, from Figure 2's runs (first seed).
 */
import { commonSettings, datasetsOf, derivedSettings, gnLabel, type RunsFigureSpec, type Finding } from '../figure.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations, wrappedFigure } from './appendix-shared.js';
import { analyzeFigureCheckpoints, halfIndex, halfName, halfTable, motionFindings } from './appendix-checkpoints.js';

/** Probe batch (training images) of the CKA per profile. */
export const CKA_PROBE = { quick: 256, medium: 1024, paper: 1024 } as const;

/**
 * The CKA-per-block findings per dataset, on a results table with per-half rows
 * `cka_init.b<block>.<f|g>` (see halfTable): per rival, GN's largest feature motion 1 − CKA to init
 * over the half-couplings is below the rival's; and GN's is below Adam's in every half-coupling.
 * Comparisons between optimizers, never CKA > 0.9.
 *
 * @example
 * ckaBlockFindings(table, 'gn').map((f) => f.verdict);
 */
export function ckaBlockFindings(table: ResultsTable, gn = 'gn'): Finding[] {
  const datasets = distinct(table, 'dataset');
  return (datasets.length ? datasets : ['empty table']).flatMap((ds) => motionFindings(where(table, { dataset: ds }), gn, {
    base: 'cka_init', motion: (x) => 1 - x, what: '1 − CKA to init', panel: ds,
    claim: 'lazy regime (arXiv text): GN changes the representations less than the other optimizers',
  }));
}

export const appendixCkaBlocks: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-cka-blocks',
  title: 'Appendix · CKA to init for every block (CIFAR-10 and MNIST)',
  claim: 'The arXiv text reads GN as lazy: its representations stay close to init in every block (linear CKA near 1), unlike Adam\'s and SGD\'s.',
  runs: (o) => fig2.runs(o),
  async analyze(runs) {
    const rows = await analyzeFigureCheckpoints(runs, ['cka'], CKA_PROBE[runs.options.profile]);
    return rows.filter((r) => r.metric === 'cka_init' && r.block !== null && r.half !== null).map((r) => ({
      dataset: r.dataset, optimizer_label: r.optimizer_label, seed: r.seed, epoch: r.epoch, which: halfName(r.block!, r.half!), half_index: halfIndex(r.block!, r.half!), cka_init: r.value,
    }));
  },
  draw(runs, analysis) {
    const o = runs.options;
    return datasetsOf(runs).filter((ds) => analysis.some((r) => r.dataset === ds)).map((ds, i) => {
      const rows = analysis.filter((r) => r.dataset === ds);
      const order = [...new Set(rows.map((r) => r.which as string))].sort((a, b) => (rows.find((r) => r.which === a)!.half_index as number) - (rows.find((r) => r.which === b)!.half_index as number));
      const name = `appendix-cka-${i + 1}`;
      return {
        name,
        figure: wrappedFigure(rows, {
          x: 'epoch', y: 'cka_init', groupBy: 'optimizer_label', panelBy: 'which', seedKey: 'seed', cols: 4, panelOrder: order,
          groupOrder: [gnLabel(o.rule), 'adam', 'sgd'], yTitle: 'linear CKA to init', title: `CKA to init after every half-coupling, ${ds}`, name,
        }),
        caption: `Linear CKA between the representation after each half-coupling at init and at each checkpoint, on the first ${CKA_PROBE[o.profile]} training images. Figure 2's runs, seed ${o.seeds[0]}, ${ds}. ${o.profile} profile, GN rule ${o.rule}.`,
      };
    });
  },
  findings(runs, analysis) {
    return ckaBlockFindings(halfTable(analysis, ['cka_init'], runs), gnLabel(runs.options.rule));
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'runs analysed', paper: 'mini-batch CIFAR-10 (6 blocks) and MNIST', this_run: `Figure 2's runs, seed ${o.seeds[0]}` },
      { setting: 'probe', paper: 'one fixed training batch', this_run: `the first ${CKA_PROBE[o.profile]} training images of each dataset` },
      { setting: 'data', paper: 'batches of 1024 from the whole training set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs, [`CKA analysed on seed ${o.seeds[0]} only`], false),
};

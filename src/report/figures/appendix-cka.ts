/**
 * Appendix · CKA to init for every block: linear CKA between the representation after each
 * half-coupling at init and at every checkpoint, for all 6 CIFAR-10 blocks (Fashion-MNIST when the
 * CIFAR-10 files are absent) and the 2 MNIST blocks, from Figure 2's runs (first seed).
 */
import { commonSettings, datasetsOf, derivedSettings, gnLabel, type RunsFigureSpec, twoValued, type Finding } from '../figure.js';
import { fig2 } from './fig2-minibatch.js';
import { appendixDeviations, num4, wrappedFigure } from './appendix-shared.js';
import { analyzeFigureCheckpoints, finalPerHalf, halfIndex, halfName, lazierThanRivals } from './appendix-checkpoints.js';

/** Probe batch (training images) of the CKA per profile. */
export const CKA_PROBE = { quick: 256, medium: 1024, paper: 1024 } as const;

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
    const gn = gnLabel(runs.options.rule);
    return datasetsOf(runs).flatMap((ds): Finding[] => {
      const cka = finalPerHalf(analysis, ds, 'cka_init');
      if (!cka[gn]) return [];
      const adam = cka.adam ?? [];
      return [
        {
          label: `smallest CKA to init over the half-couplings at the last checkpoint, ${ds}`,
          values: Object.fromEntries(Object.entries(cka).map(([k, v]) => [k, num4(Math.min(...v))])),
          claim: 'GN changes the representations less than the other optimizers in every block (lazy reading)',
          test: 'GN\'s largest 1 − CKA to init over the half-couplings is below each other optimizer\'s (first seed: single-seed margin)',
          ...lazierThanRivals(cka, gn),
        },
        {
          label: `GN vs Adam: CKA to init per half-coupling, ${ds}`,
          values: { [gn]: cka[gn].map((v) => num4(v)).join(', '), adam: adam.map((v) => num4(v)).join(', ') },
          claim: 'GN keeps every block\'s representation closer to init than Adam',
          verdict: twoValued(adam.length === cka[gn].length && cka[gn].every((v, i) => v > adam[i]!)),
        },
      ];
    });
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

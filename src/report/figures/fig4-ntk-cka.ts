/**
 * Figure 4: how much the network's function space and features move. NTK similarity to init
 * (cosine of Theta_0 v and Theta_t v for a fixed probe v), NTK rate of change between consecutive
 * checkpoints (1 - kernel alignment), and linear CKA to init for the first, middle and last
 * half-coupling, for GN (both update rules), Adam and SGD on mini-batch MNIST. The arXiv text says
 * GN stays lazy (NTK and representations barely move); the revised abstract says the NTK does
 * change. The numbers below decide, for this run.
 */
import { tf } from '../../backend/index.js';
import { loadDataset } from '../../data/load.js';
import { analyzeRuns } from '../../metrics/analyze.js';
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import {
  checkpointsOf, commonDeviations, commonSettings, derivedSettings, gnLabel, mean, presetRun, type FigureSpec, type Finding, type RunRef,
} from '../figure.js';
import { fmt } from './shared.js';

const PROBE = { quick: 256, paper: 1024 } as const;
const ORDER = ['gn', 'gn (half-coupling)', 'adam', 'sgd'];

function whichHalf(block: number, half: string, blocks: number): string | null {
  const i = 2 * block + (half === 'g' ? 1 : 0);
  if (i === 0) return 'first half-coupling';
  if (i === 2 * blocks - 1) return 'last half-coupling';
  if (i === blocks) return 'middle half-coupling';
  return null;
}

/** Mean over seeds of each seed's value of `metric` at its last checkpoint, for one curve label. */
function lastValue(rows: ResultRow[], label: string, metric: string, which?: string): number {
  const mine = rows.filter((r) => r.optimizer_label === label && typeof r[metric] === 'number' && (which === undefined || r.which === which));
  const perSeed = [...new Set(mine.map((r) => r.seed))].map((seed) => {
    const own = mine.filter((r) => r.seed === seed);
    return own.reduce((a, r) => ((r.epoch as number) >= (a.epoch as number) ? r : a))[metric] as number;
  });
  return mean(perSeed);
}

export const fig4: FigureSpec = {
  id: 'fig4',
  title: 'Figure 4 · NTK and representations: lazy or not?',
  claim: 'Exact GN generalizes poorly although it trains fast; the paper attributes this to GN barely moving the NTK and the representations (arXiv text: lazy regime), a claim its revised abstract softens (the NTK does change).',
  runs(o) {
    const refs: RunRef[] = [];
    for (const seed of o.seeds) {
      for (const rule of ['block', 'half-coupling'] as const) {
        refs.push(presetRun('minibatch-mnist-gn', { optimizer: gnLabel(rule), dataset: 'MNIST' }, { ...o, rule }, seed));
      }
      refs.push(presetRun('minibatch-mnist-adam', { optimizer: 'adam', dataset: 'MNIST' }, o, seed));
      refs.push(presetRun('minibatch-mnist-sgd', { optimizer: 'sgd', dataset: 'MNIST' }, o, seed));
    }
    return refs;
  },
  async analyze(runs) {
    const n = PROBE[runs.options.profile];
    const { train } = loadDataset('mnist', { limitTrain: n });
    const x = tf.tensor2d(train.x, [train.n, train.d]);
    try {
      // Keyed by run id (curve label and seed); every run shares the probe batch.
      const byRun: Record<string, { epoch: number; path: string }[]> = {};
      const refOf = new Map(runs.refs.map((ref) => [ref.id, ref]));
      runs.refs.forEach((ref, i) => {
        if (runs.results[i]!.status === 'complete') byRun[ref.id] = checkpointsOf(runs.results[i]!);
      });
      // across: false: Figure 4 compares each run with its own init, not runs with each other.
      const rows = await analyzeRuns(byRun, x, train.y, {
        groups: ['ntkProbe', 'ntkKernel', 'cka'],
        across: false,
        onCheckpoint: ({ index, total, epoch }) => runs.options.log(`  analysis: checkpoint ${index + 1}/${total} (epoch ${epoch})`),
      });
      const blocks = runs.results[0]!.config.model.blocks;
      return rows.map((r) => ({
        optimizer_label: refOf.get(r.run)!.optimizer,
        epoch: r.epoch,
        seed: refOf.get(r.run)!.seed,
        which: r.block !== null && r.half !== null ? whichHalf(r.block, r.half, blocks) ?? '' : '',
        [r.metric]: r.value,
      }));
    } finally {
      x.dispose();
    }
  },
  draw(runs, analysis) {
    const settings = `mini-batch MNIST, ${runs.options.profile} profile, seeds ${runs.options.seeds.join(', ')} (mean ± std), probe batch of ${PROBE[runs.options.profile]} training images`;
    const ntk = analysis.filter((r) => r.which === '');
    const cka = analysis.filter((r) => typeof r.which === 'string' && r.which !== '' && 'cka_init' in r);
    return [
      {
        name: 'fig4-ntk',
        figure: figureFromRows(ntk, {
          x: 'epoch', y: ['ntk_probe_cos_init', 'ntk_rate'], groupBy: 'optimizer_label', seedKey: 'seed', groupOrder: ORDER,
          yTitles: { ntk_probe_cos_init: 'NTK similarity to init', ntk_rate: 'NTK rate of change' }, title: 'NTK similarity to init and rate of change', name: 'fig4-ntk',
        }),
        caption: `cos(Θ₀v, Θₜv) for a fixed random probe v on the full d-dimensional output, and 1 − alignment of the explicit empirical NTK (logits, 32 samples) between consecutive checkpoints. ${settings}.`,
      },
      {
        name: 'fig4-cka',
        figure: figureFromRows(cka, {
          x: 'epoch', y: 'cka_init', groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'which', groupOrder: ORDER,
          panelOrder: ['first half-coupling', 'middle half-coupling', 'last half-coupling'], yTitles: { cka_init: 'linear CKA to init' },
          title: 'Representation similarity to init (linear CKA)', name: 'fig4-cka',
        }),
        caption: `Linear CKA between the representation after a half-coupling at init and at epoch t. ${settings}.`,
      },
    ];
  },
  findings(_runs, analysis) {
    const labels = ORDER.filter((l) => analysis.some((r) => r.optimizer_label === l));
    const ntk = Object.fromEntries(labels.map((l) => [l, lastValue(analysis, l, 'ntk_probe_cos_init')]));
    const cka = Object.fromEntries(labels.map((l) => [l, lastValue(analysis, l, 'cka_init', 'last half-coupling')]));
    const out: Finding[] = [
      { label: 'NTK similarity to init at the last checkpoint', values: Object.fromEntries(Object.entries(ntk).map(([k, v]) => [k, fmt(v)])), claim: 'lazy regime (arXiv text): GN keeps the NTK close to init (similarity > 0.9)', holds: ntk.gn! > 0.9 },
      { label: 'GN vs Adam: NTK similarity to init', values: { gn: fmt(ntk.gn!), adam: fmt(ntk.adam!) }, claim: 'GN moves the NTK less than Adam', holds: ntk.gn! > ntk.adam! },
      { label: 'CKA to init of the last half-coupling at the last checkpoint', values: Object.fromEntries(Object.entries(cka).map(([k, v]) => [k, fmt(v)])), claim: 'GN barely changes the representations (CKA to init > 0.9)', holds: cka.gn! > 0.9 },
    ];
    if (labels.includes('gn (half-coupling)')) {
      out.push({ label: 'corrected vs paper-era rule: NTK similarity to init', values: { gn: fmt(ntk.gn!), 'gn (half-coupling)': fmt(ntk['gn (half-coupling)']!) }, claim: 'both rules end in the same regime (both above or both below 0.9)', holds: (ntk.gn! > 0.9) === (ntk['gn (half-coupling)']! > 0.9) });
    }
    return out;
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o).filter((r) => r.setting !== 'GN update rule'),
      { setting: 'GN update rule', paper: 'half-coupling (most likely)', this_run: 'both, side by side' },
      { setting: 'runs analysed', paper: 'mini-batch MNIST, GN / Adam / SGD', this_run: `the same, seeds ${o.seeds.join(', ')}` },
      { setting: 'data', paper: 'batches of 1024, whole training set', this_run: d.data },
      { setting: 'model', paper: 'h = 8000, 2 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'probe', paper: 'one fixed training batch', this_run: `the first ${PROBE[o.profile]} training images` },
    ];
  },
  deviations(o, runs) {
    return commonDeviations(o, runs).filter((d) => !d.startsWith('GN uses the corrected'));
  },
};

/**
 * Figure 4: how much the network's function space and features move. NTK similarity to init
 * (cosine of Theta_0 v and Theta_t v for a fixed probe v), NTK rate of change between consecutive
 * checkpoints (1 - kernel alignment, per epoch), and linear CKA to init for the first, middle and
 * last half-coupling, for GN (both update rules), Adam and SGD on mini-batch MNIST. The arXiv text
 * says GN stays lazy (NTK and representations barely move); the revised abstract says the NTK does
 * change. The comparisons below decide, for this run: GN against Adam, never against a fixed 0.9.
 */
import { tf } from '../../backend/index.js';
import { loadDataset } from '../../data/load.js';
import { PAPER, paperModelText } from '../../experiments/paper.js';
import { analyzeRuns, type MetricGroup } from '../../metrics/analyze.js';
import { wideColumn } from '../../metrics/rows.js';
import { figureFromRows } from '../../plots/rows.js';
import {
  checkpointsOf, commonDeviations, commonSettings, derivedSettings, gnLabel, presetRun, type DrawnFigure, type FigureRuns, type FigureSpec, type Finding, type RunRef, type RunsOf,
} from '../figure.js';
import { lastX, perRun, type Point } from '../measures.js';
import { distinct, runLabels, where, type ResultsTable, type TidyRow } from '../table.js';
import { compareSeeds, meanStdText, type Judged } from '../verdict.js';

/** Probe batch (the first n training images) per profile; the paper's is one training batch. */
export const FIG4_PROBE = { quick: 256, medium: PAPER.probeBatch, paper: PAPER.probeBatch } as const;
const ORDER = ['gn', 'gn (half-coupling)', 'adam', 'sgd'];

/** Half-coupling index 2 block + (g ? 1 : 0) of a per-half metric name such as 'cka_init.b1.g' (NaN if none). */
export function halfOf(metric: string): number {
  const m = /\.b(\d+)\.(f|g)$/.exec(metric);
  return m ? 2 * Number(m[1]) + (m[2] === 'g' ? 1 : 0) : NaN;
}

/** The first, middle and last half-coupling of the `cka_init` metrics in the table, by name. */
export function ckaPanels(table: ResultsTable): { which: string; metric: string }[] {
  const metrics = distinct(where(table, {}), 'metric').filter((m) => m.startsWith('cka_init.')).sort((a, b) => halfOf(a) - halfOf(b));
  if (metrics.length === 0) return [];
  const n = metrics.length;
  const picks: [string, number][] = [['first half-coupling', 0], ['middle half-coupling', Math.floor(n / 2)], ['last half-coupling', n - 1]];
  return picks.filter(([, i], k) => k === picks.length - 1 || picks[k + 1]![1] !== i).map(([which, i]) => ({ which, metric: metrics[i]! }));
}

/** Per seed: the value of `metric` at the run's last checkpoint. */
export function lastValue(table: ResultsTable, curve: string, metric: string): number[] {
  return perRun(table, { curve, metric }, 'epoch', (p) => p.at(-1)?.value ?? NaN);
}

/** Per seed: ntk_rate over the last checkpoint interval, divided by its length in epochs. */
export function lastRatePerEpoch(table: ResultsTable, curve: string): number[] {
  return perRun(table, { curve, metric: 'ntk_rate' }, 'epoch', (p: Point[]) => {
    const epochs = perEpochs(table, curve, p);
    return p.length === 0 || epochs <= 0 ? NaN : p.at(-1)!.value / epochs;
  });
}

/** Length (epochs) of the interval that ends at the series' last point: from the checkpoint before it. */
function perEpochs(table: ResultsTable, curve: string, p: Point[]): number {
  const last = lastX(p);
  const checkpoints = distinct(where(table, { curve, metric: 'ntk_probe_cos_init' }), 'epoch').filter((e) => e < last);
  return checkpoints.length ? last - Math.max(...checkpoints) : NaN;
}

/**
 * Figure 4's findings (each a comparison of per-seed values at the last checkpoint), for each
 * rival (Adam, then SGD when present), never against a fixed level such as 0.9:
 * 1. GN moves the NTK less than the rival: its 1 − NTK similarity to init is smaller (compared as
 *    motion, so a single seed's 5% margin is 5% of the motion, not of a similarity near 1);
 * 2. GN changes the last half-coupling's representation less (smaller 1 − CKA to init);
 * 3. GN's NTK changes more slowly over the last checkpoint interval (1 − alignment divided by the
 *    epochs between the two checkpoints, so uneven checkpoint spacing does not count);
 * 4. the GN update rule matters less than the optimizer: |sim(gn) − sim(gn half-coupling)| is below
 *    |sim(gn) − sim(adam)|, seed by seed;
 * then 1 − similarity for every curve, as a measurement ("lazy" means close to 0).
 *
 * @example
 * fig4Findings(table).map((f) => [f.label, f.verdict]);
 */
export function fig4Findings(table: ResultsTable): Finding[] {
  const curves = ORDER.filter((c) => table.some((r) => r.curve === c)).concat(distinct(table, 'curve').filter((c) => !ORDER.includes(c)));
  const gn = curves.find((c) => table.some((r) => r.curve === c && r.optimizer === 'gn' && r.rule === 'block')) ?? curves.find((c) => table.some((r) => r.curve === c && r.optimizer === 'gn'));
  const hc = curves.find((c) => c !== gn && table.some((r) => r.curve === c && r.optimizer === 'gn' && r.rule === 'half-coupling'));
  const adam = curves.find((c) => table.some((r) => r.curve === c && r.optimizer === 'adam'));
  const noData = (what: string): Judged => ({ verdict: 'inconclusive', why: `no data: ${what}` });
  if (gn === undefined || adam === undefined || !table.some((r) => r.metric === 'ntk_probe_cos_init')) {
    return [{ label: 'NTK and CKA', values: {}, claim: 'GN stays in the lazy regime', verdict: 'inconclusive', why: `no data: the table needs ntk_probe_cos_init rows of GN and Adam (curves: ${curves.join(', ') || 'none'})` }];
  }
  const sim = Object.fromEntries(curves.map((c) => [c, lastValue(table, c, 'ntk_probe_cos_init')]));
  const last = ckaPanels(table).at(-1);
  const cka = Object.fromEntries(curves.map((c) => [c, last ? lastValue(table, c, last.metric) : []]));
  const rate = Object.fromEntries(curves.map((c) => [c, lastRatePerEpoch(table, c)]));
  const motion = (v: readonly number[]) => v.map((x) => 1 - x);
  const values = (v: Record<string, number[]>) => Object.fromEntries(curves.map((c) => [c, meanStdText(v[c]!, 4)]));
  const sgd = curves.find((c) => table.some((r) => r.curve === c && r.optimizer === 'sgd'));
  const rivals = [adam, ...(sgd !== undefined ? [sgd] : [])];
  const out: Finding[] = [];
  for (const r of rivals) {
    const R = r === adam ? 'Adam' : 'SGD';
    out.push(
      {
        label: `NTK similarity to init cos(Θ₀v, Θₜv) at the last checkpoint, GN vs ${r}`, values: values(sim),
        claim: 'lazy regime (arXiv text): GN keeps the NTK closer to init than a first-order optimizer',
        test: `GN's kernel motion 1 − cos(Θ₀v, Θₜv) is below ${R}'s by more than 2 pooled std (a single seed: by more than 5% of it)`,
        ...compareSeeds(motion(sim[gn]!), motion(sim[r]!), { names: ['GN 1 − cos', `${R} 1 − cos`] }),
      },
      {
        label: `linear CKA to init of the ${last?.which ?? 'last half-coupling'} at the last checkpoint, GN vs ${r}`, values: values(cka),
        claim: 'lazy regime (arXiv text): GN changes the representations less than a first-order optimizer',
        test: `GN's feature motion 1 − CKA to init is below ${R}'s by more than 2 pooled std (a single seed: by more than 5% of it)`,
        ...(last ? compareSeeds(motion(cka[gn]!), motion(cka[r]!), { names: ['GN 1 − CKA', `${R} 1 − CKA`] }) : noData('no cka_init rows')),
      },
      {
        label: `NTK rate of change per epoch over the last checkpoint interval, GN vs ${r}`, values: values(rate),
        claim: 'lazy regime: late in training GN\'s NTK changes more slowly than a first-order optimizer\'s',
        test: `GN's (1 − kernel alignment with the previous checkpoint) / epochs between the two checkpoints is below ${R}'s by more than 2 pooled std`,
        ...(table.some((x) => x.metric === 'ntk_rate') ? compareSeeds(rate[gn]!, rate[r]!, { names: ['GN', R] }) : noData('no ntk_rate rows')),
      },
    );
  }
  if (hc !== undefined) {
    const runsOf = (c: string) => distinct(where(table, { curve: c, metric: 'ntk_probe_cos_init' }), 'seed');
    const seeds = runsOf(gn).filter((s) => runsOf(hc).includes(s) && runsOf(adam).includes(s));
    const bySeed = (c: string, s: number) => perRun(table, { curve: c, seed: s, metric: 'ntk_probe_cos_init' }, 'epoch', (p) => p.at(-1)?.value ?? NaN)[0] ?? NaN;
    const ruleGap = seeds.map((s) => Math.abs(bySeed(gn, s) - bySeed(hc, s)));
    const optGap = seeds.map((s) => Math.abs(bySeed(gn, s) - bySeed(adam, s)));
    out.push({
      label: 'NTK similarity at the last checkpoint: gap between the GN rules vs gap between GN and Adam',
      values: { '|gn − gn (half-coupling)|': meanStdText(ruleGap, 3), '|gn − adam|': meanStdText(optGap, 3) },
      claim: 'the paper\'s conclusion does not depend on its (paper-era) GN rule',
      test: 'seed by seed, the NTK similarity of the two GN rules differs by less than GN\'s differs from Adam\'s (more than 2 pooled std apart)',
      ...(seeds.length ? compareSeeds(ruleGap, optGap, { names: ['rule gap', 'optimizer gap'] }) : noData('no seed has both GN rules and Adam')),
    });
  }
  out.push({ label: '1 − NTK similarity to init at the last checkpoint (0 = the kernel did not move)', values: Object.fromEntries(curves.map((c) => [c, meanStdText(sim[c]!.map((v) => 1 - v), 3)])) });
  return out;
}

/**
 * Tidy rows of checkpoint metrics (`groups` of analyzeRuns) for every complete run of a mini-batch
 * MNIST figure, on the first FIG4_PROBE[profile] training images; each run against its own init
 * (across: false), labelled like the run's training rows. `select` picks which of a run's
 * checkpoints to analyse (default all); `progress` logs each checkpoint through options.log.
 *
 * @example
 * const rows = await analyzeCheckpoints(runs, ['ntkProbe', 'cka']);
 */
export async function analyzeCheckpoints(
  runs: RunsOf & Pick<FigureRuns, 'options'>,
  groups: readonly MetricGroup[],
  { select = (c) => c, progress = true }: { select?: (checkpoints: { epoch: number; path: string }[]) => { epoch: number; path: string }[]; progress?: boolean } = {},
): Promise<TidyRow[]> {
  const n = FIG4_PROBE[runs.options.profile];
  const { train } = loadDataset('mnist', { limitTrain: n });
  const x = tf.tensor2d(train.x, [train.n, train.d]);
  try {
    const byRun: Record<string, { epoch: number; path: string }[]> = {};
    runs.refs.forEach((ref, i) => {
      if (runs.results[i]!.status === 'complete') byRun[ref.id] = select(checkpointsOf(runs.results[i]!));
    });
    const rows = await analyzeRuns(byRun, x, train.y, {
      groups: [...groups],
      across: false,
      ...(progress ? { onCheckpoint: ({ index, total, epoch }: { index: number; total: number; epoch: number }) => runs.options.log(`  analysis: checkpoint ${index + 1}/${total} (epoch ${epoch})`) } : {}),
    });
    const labels = new Map(runs.refs.map((ref, i) => [ref.id, runLabels(ref, runs.results[i]!)]));
    const stepAt = new Map(runs.refs.map((ref, i) => [ref.id, new Map(runs.results[i]!.rows.filter((r) => r.type === 'eval').map((r) => [r.epoch, r.step]))]));
    return rows.filter((r) => labels.has(r.run)).map((r): TidyRow => ({
      ...labels.get(r.run)!, epoch: r.epoch, step: stepAt.get(r.run)!.get(r.epoch) ?? NaN, metric: wideColumn(r), value: r.value,
    }));
  } finally {
    x.dispose();
  }
}

/** Figure 4 from the table: NTK panels and CKA panels (first, middle, last half-coupling). */
export function drawFig4(table: ResultsTable, caption: string): DrawnFigure[] {
  const out: DrawnFigure[] = [];
  const ntk = wideRecords(where(table, { metric: ['ntk_probe_cos_init', 'ntk_rate'] }));
  if (ntk.length > 0) {
    out.push({
      name: 'fig4-ntk',
      figure: figureFromRows(ntk, {
        x: 'epoch', y: ['ntk_probe_cos_init', 'ntk_rate'], groupBy: 'curve', seedKey: 'seed', groupOrder: ORDER,
        yTitles: { ntk_probe_cos_init: 'NTK similarity to init', ntk_rate: 'NTK rate of change' }, title: 'NTK similarity to init and rate of change', name: 'fig4-ntk',
      }),
      caption: `cos(Θ₀v, Θₜv) for a fixed random probe v on the full d-dimensional output, and 1 − alignment of the explicit empirical NTK (logits, 32 samples) between consecutive checkpoints. ${caption}`,
    });
  }
  const panels = ckaPanels(table);
  const cka = panels.flatMap(({ which, metric }) => where(table, { metric }).map((r) => ({ curve: r.curve, seed: r.seed, epoch: r.epoch, which, cka_init: r.value })));
  if (cka.length > 0) {
    out.push({
      name: 'fig4-cka',
      figure: figureFromRows(cka, {
        x: 'epoch', y: 'cka_init', groupBy: 'curve', seedKey: 'seed', panelBy: 'which', groupOrder: ORDER,
        panelOrder: panels.map((p) => p.which), yTitles: { cka_init: 'linear CKA to init' }, title: 'Representation similarity to init (linear CKA)', name: 'fig4-cka',
      }),
      caption: `Linear CKA between the representation after a half-coupling at init and at epoch t. ${caption}`,
    });
  }
  return out;
}

function wideRecords(rows: readonly TidyRow[]): Record<string, string | number>[] {
  const by = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    const k = `${r.run}\u0000${r.epoch}`;
    const rec = by.get(k) ?? by.set(k, { curve: r.curve, seed: r.seed, epoch: r.epoch }).get(k)!;
    rec[r.metric] = r.value;
  }
  return [...by.values()];
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
  analyze: (runs) => analyzeCheckpoints(runs, ['ntkProbe', 'ntkKernel', 'cka']),
  draw: (table, o) => drawFig4(table, `mini-batch MNIST, ${o.profile} profile, seeds ${o.seeds.join(', ')} (mean ± std), probe batch of ${FIG4_PROBE[o.profile]} training images.`),
  findings: fig4Findings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o).filter((r) => r.setting !== 'GN update rule'),
      { setting: 'GN update rule', paper: 'half-coupling (most likely)', this_run: 'both, side by side' },
      { setting: 'runs analysed', paper: 'mini-batch MNIST, GN / Adam / SGD', this_run: `the same, seeds ${o.seeds.join(', ')}` },
      { setting: 'data', paper: `batches of ${PAPER.batchSize}, whole training set`, this_run: d.data },
      { setting: 'model', paper: paperModelText(['mnist']), this_run: d.model },
      { setting: 'epochs', paper: String(PAPER.epochs), this_run: d.epochs },
      { setting: 'probe', paper: `one fixed training batch (${PAPER.probeBatch} images)`, this_run: `the first ${FIG4_PROBE[o.profile]} training images` },
    ];
  },
  deviations(o, runs) {
    return commonDeviations(o, runs).filter((d) => !d.startsWith('GN uses the corrected'));
  },
};

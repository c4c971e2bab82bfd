/**
 * Lazy regime or feature learning? (issue 17) The arXiv text says exact GN stays lazy (the NTK and
 * the representations barely move); the revised NeurIPS abstract says the NTK does change while
 * generalization stays poor. This answers it from data, for both GN rules, full batch (Figure 1's
 * MNIST runs) and mini-batch (Figure 2's MNIST runs, the ones Figure 4 analyses): at the first and
 * the last checkpoint of every run, on the first FIG4_PROBE training images (the full batch itself
 * in the full-batch runs), the kernel motion 1 − cos(Θ₀v, Θₜv) and the feature motion 1 − CKA to
 * init (mean over every half-coupling), each GN rule against Adam (and SGD, as a measurement).
 *
 * "Lazy" is a comparison, never a fixed threshold: GN is lazier than a first-order optimizer when
 * its motion is below Adam's by more than the seed spread (a single seed: a 5% margin). The answer
 * per setting: **shown** = GN moves the NTK and the features less than Adam (the arXiv reading),
 * **not shown** = GN moves them as much or more (the NTK changes: the revised abstract),
 * **inconclusive** = within the spread, or no data.
 */
import { PAPER, paperModelText } from '../../experiments/paper.js';
import { figureFromRows } from '../../plots/rows.js';
import { commonDeviations, commonSettings, derivedSettings, gnLabel, presetRun, type FigureSpec, type Finding, type RunRef } from '../figure.js';
import { perRun } from '../measures.js';
import { distinct, where, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, meanStdText, type Judged } from '../verdict.js';
import { analyzeCheckpoints, FIG4_PROBE } from './fig4-ntk-cka.js';

export const LAZY_FULL = 'full batch';
export const LAZY_MINI = 'mini-batch';
const RULES = ['block', 'half-coupling'] as const;

/** Per seed: 1 − value of `metric` (or the mean over the metrics matching it) at the run's last checkpoint. */
function motion(table: ResultsTable, curve: string, variant: string, metric: string | RegExp): number[] {
  const rows = table.filter((r) => r.curve === curve && r.variant === variant && (typeof metric === 'string' ? r.metric === metric : metric.test(r.metric)));
  const metrics = distinct(rows, 'metric');
  if (metrics.length === 0) return [];
  const perMetric = metrics.map((m) => perRun(rows, { metric: m }, 'epoch', (p) => 1 - (p.at(-1)?.value ?? NaN)));
  return perMetric[0]!.map((_, i) => perMetric.reduce((a, v) => a + (v[i] ?? NaN), 0) / perMetric.length);
}

/**
 * The lazy-vs-feature-learning findings of one setting (`variant` of the rows: 'full batch' or
 * 'mini-batch'): per GN rule, kernel and feature motion against Adam, combined into one answer,
 * plus every curve's motion as a measurement. Pure.
 *
 * @example
 * lazyFindings(table, 'mini-batch').map((f) => [f.label, f.verdict]);
 */
export function lazyFindings(table: ResultsTable, variant: string): Finding[] {
  const rows = table.filter((r) => r.variant === variant);
  const curves = distinct(rows.filter((r) => r.metric === 'ntk_probe_cos_init'), 'curve');
  const adam = curves.find((c) => rows.some((r) => r.curve === c && r.optimizer === 'adam'));
  const out: Finding[] = [];
  const noData = (why: string): Judged => ({ verdict: 'inconclusive', why: `no data: ${why}` });
  const ntk = (c: string) => motion(rows, c, variant, 'ntk_probe_cos_init');
  const cka = (c: string) => motion(rows, c, variant, /^cka_init\./);
  for (const rule of RULES) {
    const gn = curves.find((c) => rows.some((r) => r.curve === c && r.optimizer === 'gn' && r.rule === rule));
    if (gn === undefined) {
      out.push({ label: `lazy or feature learning, ${variant}, GN ${rule} rule`, values: {}, claim: 'arXiv: GN stays lazy; revised abstract: the NTK changes', verdict: 'inconclusive', why: `no data: no GN ${rule}-rule run with NTK rows in the ${variant} table` });
      continue;
    }
    const k = adam ? compareSeeds(ntk(gn), ntk(adam), { names: [`${gn} 1 − NTK cos`, 'Adam 1 − NTK cos'] }) : noData('no Adam run');
    const f = adam ? compareSeeds(cka(gn), cka(adam), { names: [`${gn} 1 − CKA`, 'Adam 1 − CKA'] }) : noData('no Adam run');
    const both = allOf([k, f]);
    const reading = both.verdict === 'shown' ? 'lazier than Adam (the arXiv reading)' : both.verdict === 'not shown' ? 'not lazier than Adam: the NTK or the features move at least as much (the revised abstract\'s reading)' : 'undecided at this size';
    out.push({
      label: `lazy or feature learning, ${variant}, GN ${rule} rule: kernel and feature motion vs Adam at the last checkpoint`,
      values: Object.fromEntries([gn, adam].filter((c): c is string => c !== undefined).flatMap((c) => [[`${c} 1 − NTK cos`, meanStdText(ntk(c), 3)], [`${c} 1 − CKA`, meanStdText(cka(c), 3)]])),
      claim: 'arXiv text: GN stays in the lazy regime (NTK and representations barely move, unlike a first-order optimizer); revised abstract: the NTK does change',
      test: 'shown (lazy) when GN\'s 1 − NTK similarity to init AND its 1 − CKA to init (mean over half-couplings) are both below Adam\'s by more than 2 pooled std (one seed: 5%); not shown (feature learning at least as much as Adam) when either is above it by as much',
      verdict: both.verdict,
      why: `GN ${reading}: ${both.why}`,
    });
  }
  if (curves.length > 0) {
    out.push({ label: `1 − NTK similarity to init at the last checkpoint, ${variant} (0 = the kernel did not move)`, values: Object.fromEntries(curves.map((c) => [c, meanStdText(ntk(c), 3)])) });
    out.push({ label: `1 − linear CKA to init at the last checkpoint, mean over half-couplings, ${variant}`, values: Object.fromEntries(curves.map((c) => [c, meanStdText(cka(c), 3)])) });
  }
  return out;
}

export const lazyRegime: FigureSpec = {
  id: 'lazy-regime',
  title: 'Lazy regime or feature learning? GN vs Adam, both GN rules, full batch and mini-batch',
  claim: 'The arXiv text says exact GN trains in the lazy regime (its NTK and representations barely move, unlike Adam\'s); the revised NeurIPS abstract says the NTK does change (feature learning) while generalization stays poor.',
  runs(o) {
    const refs: RunRef[] = [];
    for (const seed of o.seeds) {
      for (const [mode, variant] of [['fullbatch', LAZY_FULL], ['minibatch', LAZY_MINI]] as const) {
        const tags = { variant };
        for (const rule of RULES) refs.push(presetRun(`${mode}-mnist-gn`, { optimizer: gnLabel(rule), dataset: 'MNIST', tags }, { ...o, rule }, seed));
        refs.push(presetRun(`${mode}-mnist-adam`, { optimizer: 'adam', dataset: 'MNIST', tags }, o, seed));
        refs.push(presetRun(`${mode}-mnist-sgd`, { optimizer: 'sgd', dataset: 'MNIST', tags }, o, seed));
      }
    }
    return refs;
  },
  // init and the end: the motion, not its path
  analyze: (runs) => analyzeCheckpoints(runs, ['ntkProbe', 'cka'], { select: (c) => (c.length > 1 ? [c[0]!, c.at(-1)!] : c), progress: false }),
  draw(table, o) {
    const recs = where(table, { metric: 'ntk_probe_cos_init' }).map((r) => ({ curve: r.curve, seed: r.seed, epoch: r.epoch, variant: r.variant, ntk_motion: 1 - r.value }));
    if (recs.length === 0) return [];
    return [{
      name: 'lazy-regime',
      figure: figureFromRows(recs, {
        x: 'epoch', y: 'ntk_motion', groupBy: 'curve', seedKey: 'seed', panelBy: 'variant', groupOrder: ['gn', 'gn (half-coupling)', 'adam', 'sgd'],
        yTitles: { ntk_motion: '1 − NTK similarity to init' }, title: 'How far the NTK moves from init', name: 'lazy-regime',
      }),
      caption: `1 − cos(Θ₀v, Θₜv) at init and at the last checkpoint, on the first ${FIG4_PROBE[o.profile]} training images; full batch (Figure 1's MNIST runs) and mini-batch (Figure 2's). ${o.profile} profile, seeds ${o.seeds.join(', ')}.`,
    }];
  },
  findings: (table) => [...lazyFindings(table, LAZY_FULL), ...lazyFindings(table, LAZY_MINI)],
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o).filter((r) => r.setting !== 'GN update rule'),
      { setting: 'GN update rule', paper: 'half-coupling (most likely)', this_run: 'both, side by side' },
      { setting: 'runs analysed', paper: 'Figure 4: mini-batch MNIST', this_run: 'Figure 1\'s and Figure 2\'s MNIST runs (full batch and mini-batch)' },
      { setting: 'model', paper: paperModelText(['mnist']), this_run: d.model },
      { setting: 'probe', paper: `one fixed training batch (${PAPER.probeBatch} images)`, this_run: `the first ${FIG4_PROBE[o.profile]} training images` },
    ];
  },
  deviations: (o, runs) => [
    ...commonDeviations(o, runs).filter((d) => !d.startsWith('GN uses the corrected')),
    'not a figure of the paper: it settles the lazy-vs-feature-learning question the two versions of its abstract answer differently',
  ],
};

/**
 * Beyond the paper · exact vs approximate GN on the same network. The paper's premise: studies of
 * second-order optimizers are confounded by the approximations they need (Kronecker factors,
 * damping), so only the exact GN step shows how GN itself generalizes. Here exact GN, K-FAC,
 * damped GN (Levenberg-Marquardt, adaptive lambda) and Adam train the same mini-batch MNIST RevMLP
 * from the same init, with GN's learning rate for all three GN variants, and the figure asks: does
 * the approximation, rather than the GN direction itself, explain the generalization gap?
 *
 * Generalization is compared twice, per seed (runs paired by seed):
 * - at matched training loss: each optimizer's test loss at the first epoch its epoch-mean training
 *   loss reaches the seed's common level L* = max over optimizers of their lowest epoch training
 *   loss (the lowest level every optimizer reaches), so a fast fitter is not judged on how far it got;
 * - at matched epochs: the test loss at the last epoch every run reached.
 * With G(c) the test loss of optimizer c, the decision for an approximation a (K-FAC, damped GN):
 *   gap:                         G(exact GN) > G(Adam) beyond the seed spread (else nothing to explain);
 *   closes(a):                   G(a) < G(exact GN);   shares(a): G(a) > G(Adam);
 *   the approximation explains:  closes(a) shown and shares(a) not shown (a generalizes like Adam);
 *                                not shown when a is no better than exact GN (closes not shown, or
 *                                within the spread of exact GN while worse than Adam);
 *                                inconclusive in between (a closes part of the gap, or is within
 *                                the spread of both);
 *   the GN direction explains:   the mirror image, for every approximation at once (allOf).
 * Each comparison is compareSeeds: beyond 2 pooled std, or a 5% margin with a single seed.
 */
import { APPROX_GN_MEDIUM_HIDDEN, BEYOND_PAPER_LR, DAMPED_GN_LAMBDA0 } from '../../experiments/presets.js';
import { PAPER, paperLrText, paperModelText } from '../../experiments/paper.js';
import { DEFAULT_KFAC } from '../../optim/kfac.js';
import { DEFAULT_DAMPED_GN } from '../../optim/damped-gn.js';
import { figureFromRows } from '../../plots/rows.js';
import {
  commonDeviations, commonSettings, derivedSettings, gnLabel, presetRun, type DrawnFigure, type FigureOptions, type FigureSpec, type Finding, type RunRef,
} from '../figure.js';
import { epochTrainLoss, firstAtOrBelow, lastThird, perRun, runSeries, valueAt } from '../measures.js';
import { distinct, epochMean, where, wide, type ResultsTable } from '../table.js';
import { allOf, compareSeeds, meanStdText, type Judged } from '../verdict.js';
import { miniBatchPlotRows } from './fig2-minibatch.js';
import { batchChange } from './fig3-batch-change.js';
import { analyzeCheckpoints, ckaPanels, FIG4_PROBE, lastValue } from './fig4-ntk-cka.js';

/** The optimizers of the figure (preset suffixes), in plot order. */
export const APPROX_GN_OPTIMIZERS = ['gn', 'kfac', 'damped-gn', 'adam'] as const;
/** Curve labels of K-FAC and damped GN (exact GN's is gnLabel(rule), Adam's 'adam'). */
export const APPROX_LABELS = { kfac: 'K-FAC', 'damped-gn': 'damped GN' } as const;

type Role = 'gn' | 'kfac' | 'damped-gn' | 'adam';
const ROLES: readonly Role[] = ['gn', 'kfac', 'damped-gn', 'adam'];
const APPROX: readonly ('kfac' | 'damped-gn')[] = ['kfac', 'damped-gn'];

/** The curve of each optimizer in the table (by the optimizer column; the first curve of each). */
export function approxCurves(table: ResultsTable): Partial<Record<Role, string>> {
  const out: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const c = table.find((r) => r.optimizer === role)?.curve;
    if (c !== undefined) out[role] = c;
  }
  return out;
}

/** Seeds present for every one of `curves`, in order of appearance. */
function commonSeeds(table: ResultsTable, curves: readonly string[]): number[] {
  return distinct(table, 'seed').filter((s) => curves.every((c) => table.some((r) => r.curve === c && r.seed === s)));
}

/**
 * Generalization at a common training loss, per seed: the level L*_s = max over `curves` of their
 * lowest epoch-mean training loss in seed s (the lowest level all of them reach), the first epoch
 * each curve is at or below it, and its test loss and accuracy there. Seeds missing a curve are
 * left out.
 *
 * @example
 * matchedTrainLoss(table, ['gn', 'K-FAC', 'adam']).testLoss.adam; // Adam's test loss per seed at the common level
 */
export function matchedTrainLoss(table: ResultsTable, curves: readonly string[]): {
  seeds: number[]; level: number[]; epoch: Record<string, number[]>; testLoss: Record<string, number[]>; testAcc: Record<string, number[]>;
} {
  const seeds = commonSeeds(table, curves);
  const train = epochTrainLoss(table);
  const out = { seeds, level: [] as number[], epoch: {} as Record<string, number[]>, testLoss: {} as Record<string, number[]>, testAcc: {} as Record<string, number[]> };
  for (const c of curves) {
    out.epoch[c] = [];
    out.testLoss[c] = [];
    out.testAcc[c] = [];
  }
  for (const seed of seeds) {
    const series = Object.fromEntries(curves.map((c) => [c, runSeries(where(train, { curve: c, seed }), 'epoch')]));
    const lows = curves.map((c) => Math.min(...series[c]!.map((p) => p.value)));
    const level = lows.every(Number.isFinite) ? Math.max(...lows) : NaN;
    out.level.push(level);
    for (const c of curves) {
      const at = Number.isFinite(level) ? firstAtOrBelow(series[c]!, level) : NaN;
      out.epoch[c]!.push(at);
      const own = where(table, { curve: c, seed });
      out.testLoss[c]!.push(valueAt(runSeries(where(own, { metric: 'test_loss' }), 'epoch'), at));
      out.testAcc[c]!.push(valueAt(runSeries(where(own, { metric: 'test_acc' }), 'epoch'), at));
    }
  }
  return out;
}

/**
 * Does approximation `a` explain exact GN's gap to Adam? From per-seed test losses (lower is
 * better) of exact GN, `a` and Adam (see the file header for the rule).
 *
 * @example
 * approximationExplains({ gn: [0.9], a: [0.6], adam: [0.6] }, 'K-FAC').verdict; // 'shown'
 */
export function approximationExplains(v: { gn: readonly number[]; a: readonly number[]; adam: readonly number[] }, name: string): Judged {
  const gap = compareSeeds(v.gn, v.adam, { names: ['exact GN', 'Adam'], direction: 'above' });
  if (gap.verdict !== 'shown') return { verdict: 'inconclusive', why: `no gap to explain: exact GN is not worse than Adam (${gap.verdict}: ${gap.why})` };
  const closes = compareSeeds(v.a, v.gn, { names: [name, 'exact GN'] });
  const shares = compareSeeds(v.a, v.adam, { names: [name, 'Adam'], direction: 'above' });
  const why = `below exact GN: ${closes.verdict} (${closes.why}); above Adam: ${shares.verdict} (${shares.why})`;
  if (closes.verdict === 'shown' && shares.verdict !== 'shown') return { verdict: 'shown', why: `${name} generalizes like Adam, not like exact GN: ${why}` };
  if (closes.verdict === 'not shown' || (closes.verdict === 'inconclusive' && shares.verdict === 'shown')) {
    return { verdict: 'not shown', why: `${name} is no better than exact GN: ${why}` };
  }
  if (closes.verdict === 'shown') return { verdict: 'inconclusive', why: `partly: ${name} closes part of the gap: ${why}` };
  return { verdict: 'inconclusive', why: `${name} is within the seed spread of both: ${why}` };
}

/** Does the GN direction itself explain the gap, for approximation `a`: does `a` share exact GN's gap to Adam? (the mirror of {@link approximationExplains}) */
export function directionExplains(v: { gn: readonly number[]; a: readonly number[]; adam: readonly number[] }, name: string): Judged {
  const gap = compareSeeds(v.gn, v.adam, { names: ['exact GN', 'Adam'], direction: 'above' });
  if (gap.verdict !== 'shown') return { verdict: 'inconclusive', why: `no gap to explain: exact GN is not worse than Adam (${gap.verdict}: ${gap.why})` };
  const closes = compareSeeds(v.a, v.gn, { names: [name, 'exact GN'] });
  const shares = compareSeeds(v.a, v.adam, { names: [name, 'Adam'], direction: 'above' });
  const why = `above Adam: ${shares.verdict} (${shares.why}); below exact GN: ${closes.verdict} (${closes.why})`;
  if (shares.verdict === 'shown' && closes.verdict !== 'shown') return { verdict: 'shown', why: `${name} shares the gap: ${why}` };
  if (shares.verdict === 'not shown' || (shares.verdict === 'inconclusive' && closes.verdict === 'shown')) {
    return { verdict: 'not shown', why: `${name} generalizes like Adam: ${why}` };
  }
  if (shares.verdict === 'shown') return { verdict: 'inconclusive', why: `partly: ${name} closes part of the gap: ${why}` };
  return { verdict: 'inconclusive', why: `${name} is within the seed spread of both: ${why}` };
}

/** The three answers (gap, approximation per approximation, direction) from per-seed test losses of every curve. */
function explanationFindings(loss: Record<string, number[]>, c: Partial<Record<Role, string>>, when: string, extra: Record<string, string> = {}): Finding[] {
  const approx = APPROX.filter((a) => c[a] !== undefined);
  const gn = loss[c.gn!]!;
  const adam = loss[c.adam!]!;
  const values = { ...Object.fromEntries(ROLES.filter((r) => c[r] !== undefined).map((r) => [c[r]!, meanStdText(loss[c[r]!]!, 4)])), ...extra };
  const out: Finding[] = [{
    label: `test loss ${when}`, values,
    claim: 'exact GN generalizes worse than Adam (the gap to explain)',
    test: `exact GN's test loss ${when} is above Adam's by more than 2 pooled std (a single seed: 5%)`,
    ...compareSeeds(gn, adam, { names: ['exact GN', 'Adam'], direction: 'above' }),
  }];
  for (const a of approx) {
    const name = c[a]!;
    out.push({
      label: `${name} vs exact GN and Adam, test loss ${when}`, values,
      claim: `the approximation (${name}), rather than the GN direction itself, explains the generalization gap`,
      test: `${name}'s test loss is below exact GN's and not above Adam's (each beyond 2 pooled std); not shown when it is no better than exact GN; inconclusive when it closes only part of the gap or is within the spread of both`,
      ...approximationExplains({ gn, a: loss[name]!, adam }, name),
    });
  }
  out.push({
    label: `every GN variant vs Adam, test loss ${when}`, values,
    claim: 'the GN direction itself explains the gap: every GN variant, exact or approximate, generalizes worse than Adam',
    test: `each of ${approx.map((a) => c[a]).join(', ')} has a test loss above Adam's and not below exact GN's (beyond 2 pooled std)`,
    ...(approx.length ? allOf(approx.map((a) => directionExplains({ gn, a: loss[c[a]!]!, adam }, c[a]!))) : { verdict: 'inconclusive' as const, why: 'no data: no approximate GN run' }),
  });
  return out;
}

/**
 * The findings (see the file header): the gap, the approximation and the direction answers at
 * matched training loss and at matched epochs; then, at the last epochs, whether exact GN overfits
 * its own batch more than each approximation and moves its NTK and features less; and the test
 * accuracies, as measurements.
 *
 * @example
 * approxGnFindings(table).map((f) => [f.label, f.verdict]);
 */
export function approxGnFindings(table: ResultsTable): Finding[] {
  const c = approxCurves(table);
  const present = ROLES.filter((r) => c[r] !== undefined);
  if (c.gn === undefined || c.adam === undefined || (c.kfac === undefined && c['damped-gn'] === undefined)) {
    return [{
      label: 'exact vs approximate GN', values: {}, claim: 'the approximation, rather than the GN direction itself, explains the generalization gap', verdict: 'inconclusive',
      why: `no data: the table needs exact GN, Adam and at least one of K-FAC, damped GN (optimizers present: ${present.join(', ') || 'none'})`,
    }];
  }
  const curves = present.map((r) => c[r]!);
  const approx = APPROX.filter((a) => c[a] !== undefined).map((a) => c[a]!);
  const out: Finding[] = [];

  const m = matchedTrainLoss(table, curves);
  const when = 'at matched training loss';
  out.push({
    label: 'common training loss level L* (per seed: the highest of the optimizers\' lowest epoch training losses) and the epoch each reaches it',
    values: { 'L*': meanStdText(m.level, 4), ...Object.fromEntries(curves.map((cv) => [`${cv} epoch`, meanStdText(m.epoch[cv]!)])) },
  });
  out.push(...explanationFindings(m.testLoss, c, when));

  const { from, to } = lastThird(table);
  const final = Object.fromEntries(curves.map((cv) => [cv, perRun(table, { curve: cv, metric: 'test_loss' }, 'epoch', (p) => valueAt(p, to))]));
  const trainFinal = Object.fromEntries(curves.map((cv) => [cv, perRun(epochTrainLoss(where(table, { curve: cv })), {}, 'epoch', (p) => valueAt(p, to))]));
  out.push(...explanationFindings(final, c, `at epoch ${to} (matched epochs)`,
    Object.fromEntries(curves.map((cv) => [`${cv} training loss`, meanStdText(trainFinal[cv]!, 4)]))));
  const acc = (v: Record<string, number[]>) => Object.fromEntries(curves.map((cv) => [cv, meanStdText(v[cv]!, 4)]));
  out.push({ label: `test accuracy ${when} (the epochs above)`, values: acc(m.testAcc) });
  out.push({ label: `test accuracy at epoch ${to}`, values: acc(Object.fromEntries(curves.map((cv) => [cv, perRun(table, { curve: cv, metric: 'test_acc' }, 'epoch', (p) => valueAt(p, to))]))) });

  const change = Object.fromEntries(curves.map((cv) => [cv, Number.isFinite(to) ? batchChange(table, cv, from, to) : []]));
  out.push({
    label: `mean per-batch loss change over epochs ${from}-${to} (%)`, values: Object.fromEntries(curves.map((cv) => [cv, meanStdText(change[cv]!)])),
    claim: 'each exact GN step overfits its own batch more than an approximate GN step does',
    test: `exact GN's mean per-batch change is more negative than each of ${approx.join(', ')}'s by more than 2 pooled std`,
    ...(Number.isFinite(to) ? allOf(approx.map((a) => compareSeeds(change[c.gn!]!, change[a]!, { names: ['exact GN', a] }))) : { verdict: 'inconclusive' as const, why: 'no data' }),
  });

  const motion = (v: readonly number[]) => v.map((x) => 1 - x);
  const hasNtk = table.some((r) => r.metric === 'ntk_probe_cos_init');
  const ntk = Object.fromEntries(curves.map((cv) => [cv, motion(lastValue(table, cv, 'ntk_probe_cos_init'))]));
  out.push({
    label: '1 − NTK similarity to init cos(Θ₀v, Θₜv) at the last checkpoint', values: Object.fromEntries(curves.map((cv) => [cv, meanStdText(ntk[cv]!, 3)])),
    claim: 'exact GN moves the NTK less than the approximations (lazier)',
    test: `exact GN's 1 − cos is below each of ${approx.join(', ')}'s by more than 2 pooled std (a single seed: 5%)`,
    ...(hasNtk ? allOf(approx.map((a) => compareSeeds(ntk[c.gn!]!, ntk[a]!, { names: ['exact GN', a] }))) : { verdict: 'inconclusive' as const, why: 'no data: no ntk_probe_cos_init rows' }),
  });
  const last = ckaPanels(table).at(-1);
  const cka = Object.fromEntries(curves.map((cv) => [cv, last ? motion(lastValue(table, cv, last.metric)) : []]));
  out.push({
    label: `1 − linear CKA to init of the ${last?.which ?? 'last half-coupling'} at the last checkpoint`, values: Object.fromEntries(curves.map((cv) => [cv, meanStdText(cka[cv]!, 3)])),
    claim: 'exact GN changes the representation less than the approximations',
    test: `exact GN's 1 − CKA is below each of ${approx.join(', ')}'s by more than 2 pooled std (a single seed: 5%)`,
    ...(last ? allOf(approx.map((a) => compareSeeds(cka[c.gn!]!, cka[a]!, { names: ['exact GN', a] }))) : { verdict: 'inconclusive' as const, why: 'no data: no cka_init rows' }),
  });
  return out;
}

/** Rows of test loss against the epoch-mean training loss, one line per run (curve and seed). */
export function generalizationRows(table: ResultsTable): Record<string, string | number>[] {
  return miniBatchPlotRows(table).filter((r) => Number.isFinite(r.train_loss_epoch_mean) && Number.isFinite(r.test_loss))
    .map((r) => ({ ...r, line: `${r.curve} (seed ${r.seed})` }));
}

/** The figure from the table: losses and accuracy vs epoch; test vs training loss; per-batch change; NTK and CKA. */
export function drawApproxGn(table: ResultsTable, caption: string, order: readonly string[]): DrawnFigure[] {
  const rows = miniBatchPlotRows(table);
  const out: DrawnFigure[] = [{
    name: 'approx-gn-curves',
    figure: figureFromRows(rows, {
      x: 'epoch', y: ['train_loss_epoch_mean', 'test_loss', 'test_acc'], groupBy: 'curve', seedKey: 'seed', logY: ['train_loss_epoch_mean', 'test_loss'], groupOrder: order,
      yTitles: { train_loss_epoch_mean: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' },
      title: 'Exact GN, K-FAC, damped GN and Adam: mini-batch MNIST', name: 'approx-gn-curves',
    }),
    caption: `Training loss (mean of the pre-update batch losses of each epoch), test loss and test accuracy vs epoch; mean ± std over seeds. ${caption}`,
  }];
  const gen = generalizationRows(table);
  if (gen.length > 0) {
    const lineOrder = order.flatMap((o) => distinct(where(table, { curve: o }), 'seed').map((s) => `${o} (seed ${s})`));
    out.push({
      name: 'approx-gn-matched',
      figure: figureFromRows(gen, {
        x: 'train_loss_epoch_mean', y: 'test_loss', groupBy: 'line', groupOrder: lineOrder, logY: true, xTitle: 'training loss (epoch mean)',
        yTitles: { test_loss: 'test loss' }, title: 'Test loss against training loss (one point per epoch)', name: 'approx-gn-matched',
      }),
      caption: `Each epoch of each run as a point (training loss, test loss): at the same training loss, a lower curve generalizes better. The matched-loss findings read these curves at the common level L*. ${caption}`,
    });
  }
  const change = wide(epochMean(table, 'batch_loss_change_pct'), 'epoch');
  if (change.length > 0) {
    out.push({
      name: 'approx-gn-batch',
      figure: figureFromRows(change, {
        x: 'epoch', y: 'batch_loss_change_pct_epoch_mean', groupBy: 'curve', seedKey: 'seed', groupOrder: order,
        yTitles: { batch_loss_change_pct_epoch_mean: 'loss change on the same batch (%)' }, title: 'Per-batch loss change right after the update (epoch mean)', name: 'approx-gn-batch',
      }),
      caption: `100 (L_B(after) − L_B(before)) / L_B(before), averaged over the batches of each epoch. ${caption}`,
    });
  }
  const last = ckaPanels(table).at(-1);
  const kernel = [...where(table, { metric: 'ntk_probe_cos_init' }), ...(last ? where(table, { metric: last.metric }).map((r) => ({ ...r, metric: 'cka_init_last' })) : [])];
  if (kernel.length > 0) {
    out.push({
      name: 'approx-gn-ntk-cka',
      figure: figureFromRows(wide(kernel, 'epoch'), {
        x: 'epoch', y: last ? ['ntk_probe_cos_init', 'cka_init_last'] : ['ntk_probe_cos_init'], groupBy: 'curve', seedKey: 'seed', groupOrder: order,
        yTitles: { ntk_probe_cos_init: 'NTK similarity to init', cka_init_last: `CKA to init, ${last?.which ?? ''}` }, title: 'NTK and representation similarity to init', name: 'approx-gn-ntk-cka',
      }),
      caption: `cos(Θ₀v, Θₜv) for a fixed random probe v, and linear CKA to init of the ${last?.which ?? 'last half-coupling'}, at the checkpoints. ${caption}`,
    });
  }
  return out;
}

/** Overrides that put a frozen medium GN/Adam preset at the width of the medium K-FAC and damped-GN presets. */
function atApproxWidth(o: FigureOptions, opt: string): { overrides?: { model: { hidden: number }; label: string } } {
  if (o.profile !== 'medium' || (opt !== 'gn' && opt !== 'adam')) return {};
  const label = `minibatch-mnist-${opt} (medium${opt === 'gn' && o.rule !== 'block' ? `, rule ${o.rule}` : ''}, h ${APPROX_GN_MEDIUM_HIDDEN})`;
  return { overrides: { model: { hidden: APPROX_GN_MEDIUM_HIDDEN }, label } };
}

export const appendixApproxGn: FigureSpec = {
  id: 'appendix-approx-gn',
  title: 'Beyond the paper · Exact vs approximate GN: the approximation or the GN direction?',
  claim: 'The paper\'s premise: studies of second-order optimizers are confounded by approximations (K-FAC, damping), so exact GN is needed to see that the GN direction itself generalizes poorly. If K-FAC and damped GN generalize like Adam while exact GN does not, the approximation explains the gap; if all GN variants share it, the GN direction does.',
  runs(o) {
    const refs: RunRef[] = [];
    for (const seed of o.seeds) {
      for (const opt of APPROX_GN_OPTIMIZERS) {
        const label = opt === 'gn' ? gnLabel(o.rule) : opt === 'adam' ? 'adam' : APPROX_LABELS[opt];
        refs.push(presetRun(`minibatch-mnist-${opt}`, { optimizer: label, dataset: 'MNIST' }, o, seed, atApproxWidth(o, opt)));
      }
    }
    return refs;
  },
  // The analysis of Figure 4 (NTK probe similarity and CKA to init), on the same probe batch.
  analyze: (runs) => analyzeCheckpoints(runs, ['ntkProbe', 'cka']),
  draw: (table, o) => drawApproxGn(table, `mini-batch MNIST, ${o.profile} profile, seeds ${o.seeds.join(', ')}, GN rule ${o.rule}.`, [gnLabel(o.rule), APPROX_LABELS.kfac, APPROX_LABELS['damped-gn'], 'adam']),
  findings: approxGnFindings,
  settings(o) {
    const d = derivedSettings(this.runs(o));
    return [
      ...commonSettings(o),
      { setting: 'data', paper: `batches of ${PAPER.batchSize} from the whole training set, full test set`, this_run: d.data },
      { setting: 'model', paper: paperModelText(['mnist']), this_run: d.model },
      { setting: 'epochs', paper: String(PAPER.epochs), this_run: d.epochs },
      { setting: 'learning rates', paper: `${paperLrText('mini')}; K-FAC and damped GN are not in the paper`, this_run: d.lr },
      {
        setting: 'K-FAC', paper: 'not in the paper',
        this_run: `lr ${BEYOND_PAPER_LR.kfac}, identity output Hessian, exact G factor, ${DEFAULT_KFAC.split} damping ${DEFAULT_KFAC.damping}, decay ${DEFAULT_KFAC.decay}, inverses every ${DEFAULT_KFAC.invEvery} steps`,
      },
      {
        setting: 'damped GN', paper: 'not in the paper',
        this_run: `lr ${BEYOND_PAPER_LR['damped-gn']}, (A A^T + λI)^-1, λ from ${DAMPED_GN_LAMBDA0}, ${DEFAULT_DAMPED_GN.adapt} (ρ > ${DEFAULT_DAMPED_GN.upper}: λ·${DEFAULT_DAMPED_GN.decrease.toFixed(3)}; ρ < ${DEFAULT_DAMPED_GN.lower}: λ·${DEFAULT_DAMPED_GN.increase})`,
      },
      { setting: 'probe (NTK, CKA)', paper: `one fixed training batch (${PAPER.probeBatch} images)`, this_run: `the first ${FIG4_PROBE[o.profile]} training images` },
    ];
  },
  deviations(o, runs) {
    const out = commonDeviations(o, runs);
    out.push('beyond the paper: K-FAC and damped GN are not in the paper; they use exact GN\'s mini-batch learning rate, so only the curvature differs');
    if (o.profile === 'medium') {
      out.push(`medium profile: every run of this figure (exact GN and Adam too) uses h = ${APPROX_GN_MEDIUM_HIDDEN} instead of the medium profile's h = 8000, because K-FAC's (h+1)^2 factors make it too costly there on a CPU; the other figures' medium runs stay at h = 8000`);
    }
    return out;
  },
};

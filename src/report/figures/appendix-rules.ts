/**
 * Appendix (beyond the paper) · corrected vs paper-era GN update rule across training. Two
 * mini-batch MNIST GN runs, one per rule. At every checkpoint of both, on one fixed training batch,
 * the GN update is computed with both rules: their relative difference |dθ_paper − dθ_corrected| /
 * |dθ_corrected|, and per block the residual |J_l dθ_l − T| / |T| of the output change each block
 * realizes against the target. Then the losses, the NTK similarity and the CKA of the two runs:
 * do the paper's conclusions depend on the rule?
 */
import { tf } from '../../backend/index.js';
import { loadDataset } from '../../data/load.js';
import type { ResolvedConfig } from '../../experiments/config.js';
import { DEFAULT_GN, gnUpdate, type UpdateRule } from '../../gn/step.js';
import { loadCheckpoint } from '../../model/checkpoint.js';
import { disposeParams, forEachParam, type Params, type RevMLP } from '../../model/revmlp.js';
import { analyzeRuns } from '../../metrics/analyze.js';
import { figureFromRows, type ResultRow } from '../../plots/rows.js';
import { checkpointsOf, commonSettings, derivedSettings, gnLabel, type FigureRuns, type RunsFigureSpec, type Finding, type RunRef } from '../figure.js';
import type { ResultsTable } from '../table.js';
import { agreeWithin, allOf, compareSeeds, compareToLevel, meanStdText } from '../verdict.js';
import { finalTestLoss } from './appendix-switch.js';
import { appendixDeviations, appendixRun, lossRows, num4 } from './appendix-shared.js';
import { halfIndex } from './appendix-checkpoints.js';

const RULES: readonly UpdateRule[] = ['block', 'half-coupling'];
/** Probe batch of the NTK/CKA comparison per profile. */
export const RULES_PROBE = { quick: 256, medium: 1024, paper: 1024 } as const;

/** How a step rule is named in this figure's legends. */
export function stepRuleName(rule: UpdateRule): string {
  return rule === 'block' ? 'corrected' : 'paper-era';
}

/**
 * |a - b| / |a| over every trained tensor of two aligned parameter sets (host, float64).
 *
 * @example
 * relativeDifference(corrected, paperEra); // 0.02
 */
export function relativeDifference(a: Params, b: Params): number {
  const bt: tf.Tensor[] = [];
  forEachParam(b, (_n, t) => bt.push(t));
  let diff = 0;
  let ref = 0;
  let i = 0;
  forEachParam(a, (_n, t) => {
    const x = t.dataSync();
    const y = bt[i++]!.dataSync();
    for (let k = 0; k < x.length; k++) {
      diff += (x[k]! - y[k]!) ** 2;
      ref += x[k]! ** 2;
    }
  });
  return Math.sqrt(diff / Math.max(ref, 1e-300));
}

/** Root mean square of every trained W of a model. */
export function weightRms(model: RevMLP): number {
  let ss = 0;
  let n = 0;
  forEachParam(model.params, (_n, t, _l, _s, kind) => {
    if (kind !== 'W') return;
    const x = t.dataSync();
    for (let k = 0; k < x.length; k++) ss += x[k]! ** 2;
    n += x.length;
  });
  return Math.sqrt(ss / Math.max(1, n));
}

/** Both rules' GN updates at one checkpoint: their relative difference and per-block residuals. */
function compareAt(model: RevMLP, x: tf.Tensor2D, y: Int32Array, config: ResolvedConfig): { diff: number; residuals: Record<UpdateRule, number[]> } {
  const base = { ...DEFAULT_GN, ...config.optimizer.gn, residual: true, spectrum: false, noise: 0 };
  const results = RULES.map((rule) => gnUpdate(model, x, y, { ...base, rule }));
  try {
    return {
      diff: relativeDifference(results[0]!.update, results[1]!.update),
      residuals: { block: results[0]!.blocks.map((b) => b.residual ?? NaN), 'half-coupling': results[1]!.blocks.map((b) => b.residual ?? NaN) },
    };
  } finally {
    for (const r of results) disposeParams(r.update);
  }
}

/** The completed first-seed runs of the figure, with their labels. */
function analysed(runs: FigureRuns): { ref: RunRef; checkpoints: { epoch: number; path: string }[]; config: ResolvedConfig }[] {
  const seed = runs.options.seeds[0]!;
  return runs.refs.flatMap((ref, i) => {
    const res = runs.results[i]!;
    return ref.seed === seed && res.status === 'complete' ? [{ ref, checkpoints: checkpointsOf(res), config: res.config }] : [];
  });
}

/** The value of `column` at the last epoch of `rows` with that column for `label` (NaN if none). */
function lastOf(rows: readonly ResultRow[], label: string, column: string, filter: (r: ResultRow) => boolean = () => true): number {
  const mine = rows.filter((r) => r.optimizer_label === label && typeof r[column] === 'number' && filter(r));
  if (mine.length === 0) return NaN;
  const last = Math.max(...mine.map((r) => r.epoch as number));
  return mine.find((r) => r.epoch === last)![column] as number;
}

function firstOf(rows: readonly ResultRow[], label: string, column: string): number {
  const mine = rows.filter((r) => r.optimizer_label === label && typeof r[column] === 'number');
  if (mine.length === 0) return NaN;
  const first = Math.min(...mine.map((r) => r.epoch as number));
  return mine.find((r) => r.epoch === first)![column] as number;
}

const CORRECTED = gnLabel('block');
const PAPER_ERA = gnLabel('half-coupling');

/** Equivalence margin of "the rule does not change the outcome": final test losses within this fraction. */
export const RULES_LOSS_MARGIN = 0.05;

/**
 * The update-rule findings: from the analysis rows (one seed: single-seed margins) and the runs'
 * results table (per seed), three-valued:
 * 1. the rules agree near init: the relative difference of their updates at epoch 0 is below 5%
 *    (PAPER.md: "agree near init"), beyond a 5% single-value margin;
 * 2. they drift apart: the difference at the last checkpoint is above the one at init (5% margin);
 * 3. the corrected rule realizes the target more closely on every ReLU block: its residual
 *    |J_l dθ_l − T| / |T| is below the paper-era rule's, block by block (all must hold);
 * 4. the rule does not change the outcome: the final test losses agree within
 *    {@link RULES_LOSS_MARGIN} (equivalence test: |difference| plus 2 pooled std inside the margin);
 * then the NTK similarity and CKA to init of both runs as measurements (whether the rule changes
 * the lazy-or-not conclusion is judged in Figure 4, against the GN-vs-Adam gap).
 *
 * @example
 * rulesFindings(runs.table, analysis).map((f) => f.verdict);
 */
export function rulesFindings(table: ResultsTable, analysis: readonly ResultRow[]): Finding[] {
  const out: Finding[] = [];
  const update = analysis.filter((r) => r.kind === 'update');
  const single = (v: number) => (Number.isFinite(v) ? [v] : []);
  if (update.length > 0) {
    const init = firstOf(update, CORRECTED, 'update_rel_diff');
    const end = Object.fromEntries([CORRECTED, PAPER_ERA].map((l) => [l, lastOf(update, l, 'update_rel_diff')]));
    out.push({
      label: 'relative difference of the two rules\' updates at init (epoch 0)',
      values: { [CORRECTED]: num4(init), 'weight RMS': num4(firstOf(update, CORRECTED, 'weight_rms')) },
      claim: 'the rules agree near init',
      test: 'at init, |dθ_paper − dθ_corrected| / |dθ_corrected| is below 5%, by more than a 5% margin of it (one seed)',
      ...compareToLevel(single(init), 0.05, { names: ['relative difference', '5%'] }),
    });
    out.push({
      label: 'relative difference of the two rules\' updates at the last checkpoint',
      values: { ...Object.fromEntries(Object.entries(end).map(([k, v]) => [k, num4(v)])), 'weight RMS': num4(lastOf(update, CORRECTED, 'weight_rms')) },
      claim: 'they drift apart as the weights grow (PAPER.md: about 20% once the weights are about 0.3)',
      test: `on the ${CORRECTED} run, the relative difference at the last checkpoint is above the one at init (one seed: 5% margin)`,
      ...compareSeeds(single(end[CORRECTED]!), single(init), { names: ['last checkpoint', 'init'], direction: 'above' }),
    });
    const residual = analysis.filter((r) => r.kind === 'residual' && r.trained === CORRECTED && (r.block as number) > 1);
    const perBlock = (rule: string) => {
      const rows = residual.filter((r) => r.step_rule === rule);
      const last = Math.max(...rows.map((r) => r.epoch as number));
      return new Map(rows.filter((r) => r.epoch === last).map((r) => [r.block as number, r.residual as number]));
    };
    const c = perBlock('corrected');
    const p = perBlock('paper-era');
    const blocks = [...c.keys()].sort((x, y) => x - y);
    out.push({
      label: `largest residual |J_l dθ_l − T| / |T| of the ReLU blocks at the last checkpoint of the ${CORRECTED} run`,
      values: { corrected: num4(c.size ? Math.max(...c.values()) : NaN), 'paper-era': num4(p.size ? Math.max(...p.values()) : NaN) },
      claim: 'the corrected rule realizes the target more closely than the paper-era rule on every ReLU block',
      test: 'on every ReLU block, the corrected rule\'s residual is below the paper-era rule\'s (one seed: 5% margin)',
      ...(blocks.length ? allOf(blocks.map((b) => compareSeeds(single(c.get(b)!), single(p.get(b) ?? NaN), { names: [`corrected, block ${b}`, 'paper-era'] }))) : { verdict: 'inconclusive' as const, why: 'no data: no residual rows of a ReLU block' }),
    });
  }
  const loss = Object.fromEntries([CORRECTED, PAPER_ERA].map((l) => [l, finalTestLoss(table, l)]));
  out.push({
    label: 'final test loss',
    values: Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, meanStdText(v, 4)])),
    claim: 'the rule does not change the loss curves\' outcome',
    test: `the two rules' final test losses agree within ${100 * RULES_LOSS_MARGIN}% of the smaller: shown when |difference| + 2 pooled std is inside that margin, not shown when |difference| − 2 pooled std is outside it`,
    ...agreeWithin(loss[CORRECTED]!, loss[PAPER_ERA]!, RULES_LOSS_MARGIN, { names: [CORRECTED, PAPER_ERA] }),
  });
  for (const [column, what] of [['ntk_probe_cos_init', 'NTK similarity to init'], ['cka_init', 'CKA to init of the last half-coupling']] as const) {
    const v = Object.fromEntries([CORRECTED, PAPER_ERA].map((l) => [l, lastOf(analysis, l, column)]));
    if (!Number.isFinite(v[CORRECTED]!) || !Number.isFinite(v[PAPER_ERA]!)) continue;
    out.push({
      label: `${what} at the last checkpoint (whether the rule changes the GN-vs-Adam conclusion: Figure 4's rule-gap finding)`,
      values: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, num4(x)])),
    });
  }
  return out;
}

export const appendixUpdateRules: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-update-rules',
  title: 'Appendix (beyond the paper) · Corrected vs paper-era GN update rule across training',
  claim: 'The paper-era rule (each half-coupling solved as its own layer) agrees with the corrected block rule near init and drifts from it as the weights grow; the question is whether the paper\'s conclusions (losses, NTK, CKA) change with the rule.',
  runs(o) {
    const refs: RunRef[] = [];
    for (const rule of RULES) {
      for (const seed of o.seeds) refs.push(appendixRun('minibatch-mnist-gn', { optimizer: gnLabel(rule), dataset: 'MNIST' }, o, seed, { rule, figureSize: true }));
    }
    return refs;
  },
  async analyze(runs) {
    const picked = analysed(runs);
    if (picked.length === 0) return [];
    const rows: ResultRow[] = [];
    const seed = runs.options.seeds[0]!;
    const batch = picked[0]!.config.batch;
    const n = batch.mode === 'full' ? batch.n : batch.size;
    const probe = RULES_PROBE[runs.options.profile];
    const { train } = loadDataset('mnist', { limitTrain: Math.max(n, probe) });
    const xb = tf.tensor2d(train.x.subarray(0, n * train.d), [n, train.d]);
    const yb = train.y.slice(0, n);
    try {
      for (const { ref, checkpoints, config } of picked) {
        for (const c of checkpoints) {
          const { model } = loadCheckpoint(c.path);
          try {
            const { diff, residuals } = compareAt(model, xb, yb, config);
            rows.push({ kind: 'update', optimizer_label: ref.optimizer, seed, epoch: c.epoch, update_rel_diff: diff, weight_rms: weightRms(model) });
            for (const rule of RULES) {
              residuals[rule].forEach((v, l) => rows.push({
                kind: 'residual', optimizer_label: `${stepRuleName(rule)} step on the ${ref.optimizer} run`, trained: ref.optimizer, step_rule: stepRuleName(rule),
                seed, epoch: c.epoch, which: `block ${l + 1}${l === 0 && config.model.firstBlockLinear !== false ? ' (linear)' : ''}`, block: l + 1, residual: v,
              }));
            }
          } finally {
            model.dispose();
          }
        }
        runs.options.log(`  analysis: both rules' updates at ${checkpoints.length} checkpoints of the ${ref.optimizer} run`);
      }
    } finally {
      xb.dispose();
    }
    const x = tf.tensor2d(train.x.subarray(0, probe * train.d), [probe, train.d]);
    try {
      const byRun = Object.fromEntries(picked.map((p) => [p.ref.optimizer, p.checkpoints]));
      const metrics = await analyzeRuns(byRun, x, train.y.slice(0, probe), { groups: ['ntkProbe', 'cka'], across: false });
      const blocks = picked[0]!.config.model.blocks;
      for (const r of metrics) {
        if (r.metric === 'ntk_probe_cos_init') rows.push({ kind: 'ntk', optimizer_label: r.run, seed, epoch: r.epoch, ntk_probe_cos_init: r.value });
        if (r.metric === 'cka_init' && r.block !== null && r.half !== null && halfIndex(r.block, r.half) === 2 * blocks) {
          rows.push({ kind: 'cka', optimizer_label: r.run, seed, epoch: r.epoch, cka_init: r.value });
        }
      }
    } finally {
      x.dispose();
    }
    return rows;
  },
  draw(runs, analysis) {
    const o = runs.options;
    const settings = `mini-batch MNIST, ${o.profile} profile, seed ${o.seeds[0]}`;
    const order = [CORRECTED, PAPER_ERA];
    const out = [];
    const update = analysis.filter((r) => r.kind === 'update');
    if (update.length > 0) {
      out.push({
        name: 'appendix-rules-update',
        figure: figureFromRows(update, {
          x: 'epoch', y: ['update_rel_diff', 'weight_rms'], groupBy: 'optimizer_label', seedKey: 'seed', groupOrder: order, logY: true,
          yTitles: { update_rel_diff: '|dθ_paper-era − dθ_corrected| / |dθ_corrected|', weight_rms: 'RMS of the trained W' }, title: 'How far the two rules\' updates differ along each run', name: 'appendix-rules-update',
        }),
        caption: `At every checkpoint of the run trained with each rule (curves), both rules' GN updates on the same fixed batch (the first batch-size training images): their relative difference, and the weight scale. ${settings}.`,
      });
      const residual = analysis.filter((r) => r.kind === 'residual');
      out.push({
        name: 'appendix-rules-residual',
        figure: figureFromRows(residual, {
          x: 'epoch', y: 'residual', groupBy: 'optimizer_label', seedKey: 'seed', panelBy: 'which', logY: true,
          yTitles: { residual: '|J_l dθ_l − T| / |T|' }, title: 'Realized vs target output change of each block', name: 'appendix-rules-residual',
        }),
        caption: `Per block, the first-order output change its update realizes against the target T, for each step rule on each run. The corrected rule realizes T up to the directions the truncated pseudo-inverse drops (the linear first block has the most); the paper-era rule also misses by the coupling term J_g dy1. ${settings}.`,
      });
    }
    out.push({
      name: 'appendix-rules-loss',
      figure: figureFromRows(lossRows(runs), {
        x: 'epoch', y: ['train_loss', 'test_loss', 'test_acc'], groupBy: 'optimizer_label', seedKey: 'seed', logY: ['train_loss', 'test_loss'], groupOrder: order,
        yTitles: { train_loss: 'training loss (epoch mean)', test_loss: 'test loss', test_acc: 'test accuracy' }, title: 'Training with each rule', name: 'appendix-rules-loss',
      }),
      caption: `Training loss (epoch mean), test loss and test accuracy of GN trained with each rule; mean ± std over seeds ${o.seeds.join(', ')}. Mini-batch MNIST, ${o.profile} profile.`,
    });
    const ntk = analysis.filter((r) => r.kind === 'ntk' || r.kind === 'cka');
    if (ntk.length > 0) {
      out.push({
        name: 'appendix-rules-ntk',
        figure: figureFromRows(ntk, {
          x: 'epoch', y: ['ntk_probe_cos_init', 'cka_init'], groupBy: 'optimizer_label', seedKey: 'seed', groupOrder: order,
          yTitles: { ntk_probe_cos_init: 'NTK similarity to init', cka_init: 'CKA to init, last half-coupling' }, title: 'NTK and representations under each rule', name: 'appendix-rules-ntk',
        }),
        caption: `cos(Θ₀v, Θₜv) for a fixed random probe v, and linear CKA to init of the last half-coupling, on the first ${RULES_PROBE[o.profile]} training images. ${settings}.`,
      });
    }
    return out;
  },
  findings(runs, analysis) {
    return rulesFindings(runs.table, analysis);
  },
  settings(o) {
    const d = derivedSettings(this.runs(o));
    const rows = commonSettings(o).filter((r) => r.setting !== 'GN update rule');
    return [
      ...rows,
      { setting: 'GN update rule', paper: 'half-coupling (most likely)', this_run: 'both, one run each, and both rules\' updates at every checkpoint' },
      { setting: 'data', paper: 'MNIST, batches of 1024 from the whole training set (not a paper figure)', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000, 2 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rate', paper: 'GN 0.1', this_run: d.lr },
      { setting: 'probe', paper: 'one fixed training batch', this_run: `rules compared on the first training batch-sized slice; NTK/CKA on the first ${RULES_PROBE[o.profile]} training images` },
    ];
  },
  deviations(o, runs) {
    return appendixDeviations(o, runs, ['not a figure of the paper: it checks whether the paper-era rule changes the conclusions', `update comparison, NTK and CKA on seed ${o.seeds[0]} only`], o.profile !== 'medium')
      .filter((d) => !d.startsWith('GN uses the corrected'));
  },
};

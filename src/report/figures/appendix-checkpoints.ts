/**
 * Checkpoint analyses of the appendix: every completed run of the first seed is analysed with
 * src/metrics (analyzeRuns) on a probe batch of its own dataset, one dataset at a time (runs of a
 * dataset share the probe, so they can be compared).
 */
import { tf } from '../../backend/index.js';
import { loadDataset } from '../../data/load.js';
import { analyzeRuns, type MetricGroup } from '../../metrics/analyze.js';
import type { MetricRow } from '../../metrics/rows.js';
import type { ResultRow } from '../../plots/rows.js';
import { checkpointsOf, datasetsOf, type FigureRuns, type Finding } from '../figure.js';
import { distinct, where, type ResultsTable, type TidyRow } from '../table.js';
import { allOf, compareSeeds, meanStdText, type Judged } from '../verdict.js';

/** One analysed value, labelled like the figure's curves. */
export type AnalysisRow = MetricRow & { optimizer_label: string; dataset: string; seed: number };

/**
 * The position of a half-coupling in the network, from 1: block 1 f is 1, block 1 g is 2, ...
 *
 * @example
 * halfIndex(1, 'g'); // 4
 */
export function halfIndex(block: number, half: 'f' | 'g'): number {
  return 2 * block + (half === 'g' ? 1 : 0) + 1;
}

/**
 * The name of a half-coupling: 'block 2 g' (blocks counted from 1).
 *
 * @example
 * halfName(0, 'f'); // 'block 1 f'
 */
export function halfName(block: number, half: 'f' | 'g'): string {
  return `block ${block + 1} ${half}`;
}

/**
 * Runs `groups` of analyzeRuns over the checkpoints of every completed first-seed run, per
 * dataset, on the first `probe` training images of that dataset.
 *
 * @example
 * const rows = await analyzeFigureCheckpoints(runs, ['weights'], 64);
 */
export async function analyzeFigureCheckpoints(runs: FigureRuns, groups: readonly MetricGroup[], probe: number): Promise<AnalysisRow[]> {
  const seed = runs.options.seeds[0]!;
  const out: AnalysisRow[] = [];
  for (const ds of datasetsOf(runs)) {
    const picked = runs.refs.map((ref, i) => ({ ref, result: runs.results[i]! })).filter(({ ref, result }) => ref.dataset === ds && ref.seed === seed && result.status === 'complete');
    if (picked.length === 0) continue;
    const byRun: Record<string, { epoch: number; path: string }[]> = {};
    for (const { ref, result } of picked) byRun[ref.optimizer] = checkpointsOf(result);
    const d = picked[0]!.result.config.dataset;
    const { train } = loadDataset(d.name, { limitTrain: probe, ...(d.dir !== undefined ? { dir: d.dir } : {}) });
    const x = tf.tensor2d(train.x, [train.n, train.d]);
    try {
      const rows = await analyzeRuns(byRun, x, train.y, {
        groups, across: false,
        onCheckpoint: ({ index, total }) => {
          if (index + 1 === total) runs.options.log(`  analysis (${ds}): ${total} checkpoints of a run done`);
        },
      });
      for (const r of rows) out.push({ ...r, optimizer_label: r.run, dataset: ds, seed });
    } finally {
      x.dispose();
    }
  }
  return out;
}

// ---- per-half analyses on the results table ----------------------------------------------------

/**
 * Labelled per-half analysis rows (`half_index` from 1, one column per analysed metric) as tidy
 * results-table rows named `<column>.b<block>.<f|g>` (block from 0, as Figure 4's `cka_init.b1.g`),
 * so the findings read the same table a committed CSV holds. `runs` (optional) gives each row the
 * step of its epoch and the optimizer that trained it.
 *
 * @example
 * halfTable(analysis, ['weight_rel_change', 'weight_norm_ratio'], runs);
 */
export function halfTable(rows: readonly ResultRow[], columns: readonly string[], runs?: Pick<FigureRuns, 'refs' | 'results'>): TidyRow[] {
  const out: TidyRow[] = [];
  for (const r of rows) {
    const hi = r.half_index;
    if (typeof hi !== 'number' || !Number.isFinite(hi)) continue;
    const label = String(r.optimizer_label);
    const dataset = String(r.dataset ?? '');
    const seed = Number(r.seed);
    const epoch = Number(r.epoch);
    const i = runs?.refs.findIndex((x) => x.optimizer === label && x.seed === seed && x.dataset === dataset) ?? -1;
    const result = i >= 0 ? runs!.results[i] : undefined;
    const step = result?.rows.find((e) => e.type === 'eval' && e.epoch === epoch)?.step ?? epoch;
    const optimizer = result ? result.config.optimizer.name : label.split(/[ (]/)[0]!;
    for (const c of columns) {
      const v = r[c];
      if (typeof v !== 'number') continue;
      out.push({
        run: `${dataset}/${label}/${seed}`, curve: label, optimizer, rule: result?.config.optimizer.gn?.rule ?? '', dataset, variant: '', seed, epoch, step,
        metric: `${c}.b${Math.floor((hi - 1) / 2)}.${(hi - 1) % 2 === 0 ? 'f' : 'g'}`, value: v,
      });
    }
  }
  return out;
}

/** Position (from 0) of a half-coupling metric name such as 'cka_init.b1.g' (NaN if none). */
function halfPos(metric: string): number {
  const m = /\.b(\d+)\.(f|g)$/.exec(metric);
  return m ? 2 * Number(m[1]) + (m[2] === 'g' ? 1 : 0) : NaN;
}

/**
 * Per run (seed) of `curve`: the values of the per-half metric `base` ('weight_rel_change', ...)
 * at the run's last epoch with such rows, in network order (first half-coupling first).
 */
export function lastPerHalf(table: ResultsTable, curve: string, base: string): { seed: number; halves: string[]; values: number[] }[] {
  const rows = where(table, { curve }).filter((r) => r.metric.startsWith(`${base}.b`) && Number.isFinite(halfPos(r.metric)));
  return distinct(rows, 'run').map((run) => {
    const own = rows.filter((r) => r.run === run);
    const last = Math.max(...own.map((r) => r.epoch));
    const at = own.filter((r) => r.epoch === last).sort((a, b) => halfPos(a.metric) - halfPos(b.metric));
    return { seed: at[0]!.seed, halves: at.map((r) => r.metric.slice(base.length + 1)), values: at.map((r) => r.value) };
  });
}

/** Name of a half such as 'b1.g': 'block 2 g'. */
function halfWords(h: string): string {
  const m = /^b(\d+)\.(f|g)$/.exec(h);
  return m ? `block ${Number(m[1]) + 1} ${m[2]}` : h;
}

/** Options of {@link motionFindings}. */
export interface MotionOptions {
  /** The per-half metric, e.g. 'weight_rel_change' or 'cka_init'. */
  base: string;
  /** How a value becomes motion away from init (identity for a relative change; 1 − x for a similarity). */
  motion: (x: number) => number;
  /** Words for the motion, e.g. '|W_end − W₀| / |W₀|' or '1 − CKA to init'. */
  what: string;
  /** The panel, e.g. 'MNIST'. */
  panel: string;
  /** The paper's claim, in words. */
  claim: string;
  /** Also judge GN vs Adam half-coupling by half-coupling (default true). */
  perHalf?: boolean;
}

/**
 * "GN moves less than the other optimizers" from a per-half metric at the last checkpoint, on the
 * results table: one finding per rival (GN's largest motion over the half-couplings below the
 * rival's, per seed; compareSeeds, so one seed has the 5% margin), then GN vs Adam half-coupling by
 * half-coupling (each compared the same way; all must hold). Comparisons between optimizers, never
 * a fixed threshold.
 *
 * @example
 * motionFindings(table, 'gn', { base: 'weight_rel_change', motion: (x) => x, what: 'relative change', panel: 'MNIST', claim: '...' });
 */
export function motionFindings(table: ResultsTable, gn: string, o: MotionOptions): Finding[] {
  const curves = distinct(where(table, {}).filter((r) => r.metric.startsWith(`${o.base}.b`)), 'curve');
  const per = Object.fromEntries(curves.map((c) => [c, lastPerHalf(table, c, o.base)]));
  const largest = (c: string) => (per[c] ?? []).map((r) => (r.values.length ? Math.max(...r.values.map(o.motion)) : NaN));
  const rivals = curves.filter((c) => c !== gn);
  if (!curves.includes(gn) || rivals.length === 0) {
    return [{ label: `${o.what} at the last checkpoint, ${o.panel}`, values: {}, claim: o.claim, verdict: 'inconclusive', why: `no data: ${o.base} rows of ${gn} and a rival are needed (curves: ${curves.join(', ') || 'none'})` }];
  }
  const values = Object.fromEntries(curves.map((c) => [c, meanStdText(largest(c), 3)]));
  const out: Finding[] = rivals.map((r) => ({
    label: `largest ${o.what} over the half-couplings at the last checkpoint, ${gn} vs ${r}, ${o.panel}`,
    values,
    claim: o.claim,
    test: `${gn}'s largest ${o.what} over the half-couplings is below ${r}'s by more than 2 pooled std (one seed: by more than 5% of it)`,
    ...compareSeeds(largest(gn), largest(r), { names: [gn, r] }),
  }));
  const adam = rivals.find((c) => c === 'adam' || table.some((x) => x.curve === c && x.optimizer === 'adam'));
  if (adam !== undefined && o.perHalf !== false) {
    const halves = [...new Set((per[gn] ?? []).flatMap((r) => r.halves))];
    const at = (c: string, h: string) => (per[c] ?? []).map((r) => r.values[r.halves.indexOf(h)]).filter((v): v is number => v !== undefined).map(o.motion);
    const parts = halves.map((h) => compareSeeds(at(gn, h), at(adam, h), { names: [`${gn} ${halfWords(h)}`, adam] }));
    out.push({
      label: `${o.what} per half-coupling, ${gn} vs ${adam}, ${o.panel}`,
      values: { [gn]: halves.map((h) => meanStdText(at(gn, h), 3)).join('; '), [adam]: halves.map((h) => meanStdText(at(adam, h), 3)).join('; ') },
      claim: `${o.claim}, in every half-coupling`,
      test: `in every half-coupling, ${gn}'s ${o.what} is below ${adam}'s by more than 2 pooled std (one seed: 5%)`,
      ...(halves.length ? allOf(parts) : { verdict: 'inconclusive' as const, why: 'no data: no half-coupling' }),
    });
  }
  return out;
}

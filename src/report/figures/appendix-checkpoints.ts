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
import { checkpointsOf, datasetsOf, type FigureRuns } from '../figure.js';
import { allOf, compareSeeds, type Judged } from '../verdict.js';

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
 * Per optimizer label: the values of `column` over the half-couplings of dataset `ds`, in network
 * order (`half_index`), at the label's last checkpoint (latest `epoch` among its rows of `ds` that
 * hold a number in `column`).
 *
 * @example
 * finalPerHalf(rows, 'MNIST', 'cka_init'); // { gn: [0.99, 0.98, 0.97, 0.97], adam: [...], ... }
 */
export function finalPerHalf(rows: readonly ResultRow[], ds: string, column: string): Record<string, number[]> {
  const mine = rows.filter((r) => r.dataset === ds && typeof r[column] === 'number');
  const out: Record<string, number[]> = {};
  for (const label of [...new Set(mine.map((r) => r.optimizer_label as string))]) {
    const own = mine.filter((r) => r.optimizer_label === label);
    const last = Math.max(...own.map((r) => r.epoch as number));
    out[label] = own.filter((r) => r.epoch === last).sort((a, b) => (a.half_index as number) - (b.half_index as number)).map((r) => r[column] as number);
  }
  return out;
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

/**
 * Is `gn` lazier than every other optimizer? Per optimizer, its largest distance from init over
 * the half-couplings, 1 − value (value a cosine or CKA to init, 1 at init); GN's must be below
 * each rival's (compareSeeds; the analyses run on one seed, so the single-seed margin applies).
 * A comparison between optimizers, never a fixed threshold such as value > 0.9.
 *
 * @example
 * lazierThanRivals({ gn: [0.99, 0.98], adam: [0.9, 0.8] }, 'gn').verdict; // 'shown'
 */
export function lazierThanRivals(perHalf: Readonly<Record<string, readonly number[]>>, gn: string): Judged {
  const far = (v: readonly number[] | undefined) => (v && v.length > 0 ? [Math.max(...v.map((x) => 1 - x))] : []);
  const rivals = Object.keys(perHalf).filter((k) => k !== gn);
  if (rivals.length === 0) return { verdict: 'inconclusive', why: `no data: no optimizer to compare ${gn} with` };
  return allOf(rivals.map((r) => compareSeeds(far(perHalf[gn]), far(perHalf[r]), { names: [`${gn} max(1 − value)`, `${r} max(1 − value)`] })));
}

/**
 * Small pure measurements on the results table, per run (one value per seed): the first step a
 * curve reaches a level, the value at a step or epoch, the relative improvement per epoch over a
 * window, the epoch of the minimum. NaN-safe: missing or non-finite values give NaN, never throw.
 */
import { distinct, epochMean, where, type ResultsTable, type TidyRow } from './table.js';

/** One point of a run's series. */
export interface Point {
  x: number;
  value: number;
}

/** The finite points of one metric of one run, sorted by x ('epoch' or 'step'), one per x (the last wins). */
export function runSeries(rows: readonly TidyRow[], x: 'epoch' | 'step'): Point[] {
  const byX = new Map<number, number>();
  for (const r of rows) if (Number.isFinite(r.value) && Number.isFinite(r[x])) byX.set(r[x], r.value);
  return [...byX].map(([px, value]) => ({ x: px, value })).sort((a, b) => a.x - b.x);
}

/**
 * One value per run (seed) of a curve: `fn` applied to the series of `metric` of each run.
 *
 * @example
 * perRun(table, { curve: 'gn', metric: 'train_loss' }, 'step', (p) => p.at(-1)?.value ?? NaN); // final loss per seed
 */
export function perRun(
  table: ResultsTable,
  match: Partial<Record<keyof TidyRow, string | number | readonly (string | number)[]>>,
  x: 'epoch' | 'step',
  fn: (points: Point[]) => number,
): number[] {
  const rows = where(table, match);
  return distinct(rows, 'run').map((run) => fn(runSeries(rows.filter((r) => r.run === run), x)));
}

/** The value at x (NaN when absent). */
export function valueAt(points: readonly Point[], x: number): number {
  return points.find((p) => p.x === x)?.value ?? NaN;
}

/** The first x whose value is at or below `level` (NaN when never). */
export function firstAtOrBelow(points: readonly Point[], level: number): number {
  return points.find((p) => p.value <= level)?.x ?? NaN;
}

/** The last x of a series (NaN when empty). */
export function lastX(points: readonly Point[]): number {
  return points.at(-1)?.x ?? NaN;
}

/** The x of the smallest value (the first if tied; NaN when empty). */
export function argMin(points: readonly Point[]): number {
  let best: Point | undefined;
  for (const p of points) if (best === undefined || p.value < best.value) best = p;
  return best?.x ?? NaN;
}

/**
 * Relative improvement per x-unit in percent between x = from and x = to:
 * 100 (v(from) - v(to)) / v(from) / (to - from). Positive = the value fell.
 *
 * @example
 * improvementPerUnit([{ x: 4, value: 1 }, { x: 6, value: 0.9 }], 4, 6); // 5 (% per epoch)
 */
export function improvementPerUnit(points: readonly Point[], from: number, to: number): number {
  const a = valueAt(points, from);
  const b = valueAt(points, to);
  return to > from ? (100 * (a - b)) / a / (to - from) : NaN;
}

/** The mean of the values with from <= x <= to (NaN when none). */
export function meanOver(points: readonly Point[], from: number, to: number): number {
  const v = points.filter((p) => p.x >= from && p.x <= to && Number.isFinite(p.value)).map((p) => p.value);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/**
 * The last third of training: epochs from E - floor(E / 3) to E, where E is the last epoch every
 * run of the table reached (NaN bounds when the table has no epochs).
 *
 * @example
 * lastThird(table); // { from: 20, to: 30, last: 30 }
 */
export function lastThird(table: ResultsTable, metric = 'test_loss'): { from: number; to: number } {
  const rows = where(table, { metric });
  const ends = distinct(rows, 'run').map((run) => lastX(runSeries(rows.filter((r) => r.run === run), 'epoch')));
  const E = ends.length ? Math.min(...ends) : NaN;
  return { from: E - Math.floor(E / 3), to: E };
}

/** The epoch-mean training loss (from the pre-update batch losses) of every run and epoch. */
export function epochTrainLoss(table: ResultsTable): TidyRow[] {
  return epochMean(table, 'batch_loss');
}

/** The GN curve of a table (the first curve trained by GN alone), or undefined. */
export function gnCurveOf(table: ResultsTable): string | undefined {
  return table.find((r) => r.optimizer === 'gn')?.curve;
}

/** The curves of a table other than `except`, in order of appearance. */
export function curvesExcept(table: ResultsTable, except: string | undefined): string[] {
  return distinct(table, 'curve').filter((c) => c !== except);
}

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

/**
 * Relative improvement in percent from x = from to x = to: 100 (v(from) - v(to)) / v(from)
 * (positive = the value fell; NaN when either is missing or to <= from).
 *
 * @example
 * improvementOver([{ x: 20, value: 0.2 }, { x: 30, value: 0.19 }], 20, 30); // 5 (%)
 */
export function improvementOver(points: readonly Point[], from: number, to: number): number {
  const a = valueAt(points, from);
  const b = valueAt(points, to);
  return to > from ? (100 * (a - b)) / a : NaN;
}

/** Per seed: the relative improvement (%) of `curve`'s epoch training loss from epoch `from` to `to`. */
export function trainImprovement(table: ResultsTable, curve: string, from: number, to: number): number[] {
  return perRun(epochTrainLoss(where(table, { curve })), {}, 'epoch', (p) => improvementOver(p, from, to));
}

/** Per seed: the relative improvement (%) of `curve`'s epoch training loss over {@link lastThird} of the table. */
export function lastThirdImprovement(table: ResultsTable, curve: string): number[] {
  const { from, to } = lastThird(table);
  return trainImprovement(table, curve, from, to);
}

/**
 * The size of the test set behind the table's `test_acc` values: the `test_n` rows when the table
 * has them, else inferred from the accuracies themselves (each is correct / n: the smallest n up to
 * `max` that makes every value a whole count). NaN when there are no accuracies or no such n.
 * An inferred n can only be too small (a divisor of the true n), which makes the binomial
 * standard error larger, i.e. the verdict more cautious.
 *
 * @example
 * testSetSize(table); // 10000 for the full MNIST test set
 */
export function testSetSize(table: ResultsTable, max = 100_000): number {
  const given = where(table, { metric: 'test_n' }).map((r) => r.value).filter((v) => Number.isFinite(v) && v > 0);
  if (given.length > 0) return Math.max(...given);
  const acc = [...new Set(where(table, { metric: 'test_acc' }).map((r) => r.value).filter((v) => Number.isFinite(v) && v >= 0 && v <= 1))].slice(0, 400);
  if (acc.length === 0) return NaN;
  for (let n = 1; n <= max; n++) {
    if (acc.every((v) => Math.abs(v * n - Math.round(v * n)) < 1e-6)) return n;
  }
  return NaN;
}

/** Per seed: the loss at init, i.e. the first step's pre-update batch loss (NaN without step rows). */
export function initialTrainLoss(table: ResultsTable, curve: string): number[] {
  return perRun(where(table, { curve, metric: 'batch_loss' }), {}, 'step', (p) => p[0]?.value ?? NaN);
}

/** The fraction below the initial training loss a run must reach to count as having left init. */
export const LEFT_INIT_FRACTION = 0.05;

/**
 * Per seed: did `curve` leave init, i.e. did its lowest epoch training loss fall more than
 * `fraction` below its loss at init ({@link initialTrainLoss})? A run that never left init cannot
 * be compared on how it generalizes: any comparison with it holds by construction.
 *
 * @example
 * leftInit(table, 'lr 1e-4 (gn)'); // [false, false, false]: within 5% of the initial loss
 */
export function leftInit(table: ResultsTable, curve: string, fraction = LEFT_INIT_FRACTION): boolean[] {
  const init = initialTrainLoss(table, curve);
  const best = perRun(epochTrainLoss(where(table, { curve })), {}, 'epoch', (p) => Math.min(...p.map((q) => q.value)));
  return init.map((v, i) => Number.isFinite(v) && Number.isFinite(best[i]!) && best[i]! < (1 - fraction) * v);
}

/** Per seed pair: a curve and a reference compared at matched training loss (see {@link atMatchedTrainLoss}). */
export interface MatchedLoss {
  seeds: number[];
  /** The matched training-loss level: the higher of the two runs' lowest epoch training losses. */
  level: number[];
  /** `metric` of the curve at the first epoch its epoch training loss is at or below the level. */
  curve: number[];
  /** `metric` of the reference at the first epoch its epoch training loss is at or below the level. */
  ref: number[];
  curveEpoch: number[];
  refEpoch: number[];
  /** Whether each run left init ({@link leftInit}). */
  curveLeftInit: boolean[];
  refLeftInit: boolean[];
}

/**
 * Two curves compared at matched training loss, seed by seed (runs paired by seed): the level is
 * the higher of the two runs' lowest epoch training losses, so both reach it; each run is read at
 * the first epoch its epoch training loss is at or below the level. A slow variant compared at the
 * same epoch is judged on how far it got; at the same training loss, on how well it generalizes.
 *
 * @example
 * atMatchedTrainLoss(table, 'lr 1e-3 (gn)', 'adam').curve; // GN's test loss where its training loss met Adam's
 */
export function atMatchedTrainLoss(table: ResultsTable, curve: string, ref: string, metric = 'test_loss'): MatchedLoss {
  const out: MatchedLoss = { seeds: [], level: [], curve: [], ref: [], curveEpoch: [], refEpoch: [], curveLeftInit: [], refLeftInit: [] };
  const refSeeds = new Set(distinct(where(table, { curve: ref }), 'seed'));
  for (const seed of distinct(where(table, { curve }), 'seed').filter((s) => refSeeds.has(s))) {
    const own = where(table, { curve, seed });
    const other = where(table, { curve: ref, seed });
    const trainOwn = runSeries(epochTrainLoss(own), 'epoch');
    const trainRef = runSeries(epochTrainLoss(other), 'epoch');
    const min = (p: Point[]) => (p.length ? Math.min(...p.map((q) => q.value)) : NaN);
    const level = Math.max(min(trainOwn), min(trainRef));
    const ec = Number.isFinite(level) ? firstAtOrBelow(trainOwn, level) : NaN;
    const er = Number.isFinite(level) ? firstAtOrBelow(trainRef, level) : NaN;
    out.seeds.push(seed);
    out.level.push(level);
    out.curveEpoch.push(ec);
    out.refEpoch.push(er);
    out.curve.push(valueAt(runSeries(where(own, { metric }), 'epoch'), ec));
    out.ref.push(valueAt(runSeries(where(other, { metric }), 'epoch'), er));
    out.curveLeftInit.push(leftInit(own, curve)[0] ?? false);
    out.refLeftInit.push(leftInit(other, ref)[0] ?? false);
  }
  return out;
}

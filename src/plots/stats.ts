/** Per-point statistics across seeds, ignoring values that are not finite. */

/** Mean, standard deviation and count of the finite values at each point. */
export interface PointStats {
  /** Mean of the finite values; NaN where there are none. */
  mean: number[];
  /** Standard deviation of the finite values (see `ddof`); 0 where only one; NaN where none. */
  std: number[];
  /** How many finite values each point had. */
  count: number[];
  /** Smallest finite value at each point; NaN where none. */
  min: number[];
}

/**
 * Statistics across seeds at each of `length` points. `ys[s][i]` is seed s at point i; rows may be
 * shorter than `length` (missing values count as not finite). `ddof` 0 (default) gives the
 * population standard deviation (numpy's default), 1 the sample one.
 *
 * @example
 * const s = pointStats([[1, 2, NaN], [3, NaN, NaN]], 3);
 * // s.mean = [2, 2, NaN], s.std = [1, 0, NaN], s.count = [2, 1, 0]
 */
export function pointStats(ys: readonly (readonly number[])[], length: number, ddof: 0 | 1 = 0): PointStats {
  const mean: number[] = [];
  const std: number[] = [];
  const count: number[] = [];
  const min: number[] = [];
  for (let i = 0; i < length; i++) {
    let n = 0;
    let sum = 0;
    let lo = Infinity;
    for (const row of ys) {
      const v = row[i];
      if (v === undefined || !Number.isFinite(v)) continue;
      n++;
      sum += v;
      if (v < lo) lo = v;
    }
    const m = n === 0 ? NaN : sum / n;
    let ss = 0;
    for (const row of ys) {
      const v = row[i];
      if (v !== undefined && Number.isFinite(v)) ss += (v - m) * (v - m);
    }
    mean.push(m);
    count.push(n);
    min.push(n === 0 ? NaN : lo);
    std.push(n === 0 ? NaN : n - ddof <= 0 ? 0 : Math.sqrt(ss / (n - ddof)));
  }
  return { mean, std, count, min };
}

/** `v` when finite, else null (Plotly's gap). */
export function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

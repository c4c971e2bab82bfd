/**
 * Three-valued verdicts: a claim is `shown`, `not shown`, or `inconclusive` (the difference is
 * within the seed spread, there is no data, or the run is too short to judge; the reason says
 * which). Pure functions over numbers: one value per seed and curve.
 */

export type Verdict = 'shown' | 'not shown' | 'inconclusive';

/** A judged claim: the verdict and, in words, the numbers that gave it. */
export interface Judged {
  verdict: Verdict;
  why: string;
}

/** Mean, sample standard deviation (ddof 1; NaN for one value) and count of the finite values. */
export function seedStats(values: readonly number[]): { mean: number; std: number; n: number } {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

/** Pooled standard deviation of two samples (NaN unless both have two or more values). */
export function pooledStd(a: readonly number[], b: readonly number[]): number {
  const sa = seedStats(a);
  const sb = seedStats(b);
  if (sa.n < 2 || sb.n < 2) return NaN;
  return Math.sqrt(((sa.n - 1) * sa.std ** 2 + (sb.n - 1) * sb.std ** 2) / (sa.n + sb.n - 2));
}

/** '0.195 ± 0.004 (3 seeds)', '0.195 (1 seed)', 'n/a'. */
export function meanStdText(values: readonly number[], digits = 3): string {
  const s = seedStats(values);
  if (s.n === 0) return 'n/a';
  const f = (x: number, d: number) => String(Number(x.toPrecision(d)));
  return s.n === 1 ? `${f(s.mean, digits)} (1 seed)` : `${f(s.mean, digits)} ± ${f(s.std, 2)} (${s.n} seeds)`;
}

/** Options of {@link compareSeeds}. */
export interface CompareOptions {
  /** Pooled standard deviations the difference must exceed (default 2). */
  spreads?: number;
  /** Single seed: the relative margin (of the larger |mean|) the difference must exceed (default 0.05). */
  singleSeedMargin?: number;
  /** Words for the two sides, e.g. ['GN', 'Adam']. */
  names?: readonly [string, string];
  /** The claim: `a` is below `b` (default) or above it. */
  direction?: 'below' | 'above';
  /** Smallest difference the measurement can resolve (e.g. 1 for step counts); default 0. */
  resolution?: number;
}

/**
 * Is `a` below `b` (or above it, with `direction: 'above'`)? Per-seed values of both; `shown` when the seed
 * means differ in the claimed direction by more than `spreads` pooled standard deviations,
 * `not shown` when they differ by as much the other way, else `inconclusive` (within the seed
 * spread). With one seed on either side there is no spread: the difference must exceed
 * `singleSeedMargin` of the larger |mean|, and the reason says it is a single seed. No finite value
 * on either side: `inconclusive` (no data).
 *
 * @example
 * compareSeeds([0.10, 0.11, 0.12], [0.30, 0.31, 0.29]).verdict; // 'shown'
 * compareSeeds([0.30, 0.31], [0.10, 0.12]).verdict;             // 'not shown'
 * compareSeeds([0.10, 0.30], [0.20, 0.12]).verdict;             // 'inconclusive'
 */
export function compareSeeds(a: readonly number[], b: readonly number[], o: CompareOptions = {}): Judged & { diff: number; tolerance: number } {
  const [na, nb] = o.names ?? ['a', 'b'];
  const sa = seedStats(a);
  const sb = seedStats(b);
  if (sa.n === 0 || sb.n === 0) {
    return { verdict: 'inconclusive', why: `no data: no finite value for ${sa.n === 0 ? na : nb}`, diff: NaN, tolerance: NaN };
  }
  const diff = o.direction === 'above' ? sa.mean - sb.mean : sb.mean - sa.mean;
  const single = sa.n < 2 || sb.n < 2;
  const margin = o.singleSeedMargin ?? 0.05;
  const scale = Math.max(Math.abs(sa.mean), Math.abs(sb.mean));
  const spread = single ? margin * scale : Math.max((o.spreads ?? 2) * pooledStd(a, b), 1e-12 * scale);
  const tolerance = Math.max(spread, o.resolution ?? 0);
  const g = (x: number) => String(Number(x.toPrecision(3)));
  const how = single ? `single seed: ${g(100 * margin)}% margin ${g(tolerance)}` : `${o.spreads ?? 2} pooled std ${g(spread)}${tolerance > spread ? `, resolution ${g(tolerance)}` : ''}`;
  const what = `${na} ${g(sa.mean)} vs ${nb} ${g(sb.mean)} (${how})`;
  if (Math.abs(diff) <= tolerance) return { verdict: 'inconclusive', why: `within the ${single ? 'margin' : 'seed spread'}: ${what}`, diff, tolerance };
  return { verdict: diff > 0 ? 'shown' : 'not shown', why: what, diff, tolerance };
}

/**
 * Combines the verdicts of parts that must all hold: `not shown` if any is, else `inconclusive`
 * if any is, else `shown` (an empty list is `inconclusive`). With several parts the reason gives
 * each part's own verdict, e.g. '[inconclusive] GN 2.21 vs adam 2.16 ...; [not shown] GN 2.21 vs sgd 0.435 ...'.
 *
 * @example
 * allOf([{ verdict: 'shown', why: 'a' }, { verdict: 'inconclusive', why: 'b' }]).verdict; // 'inconclusive'
 */
export function allOf(parts: readonly Judged[]): Judged {
  if (parts.length === 0) return { verdict: 'inconclusive', why: 'no data' };
  const worst = parts.find((p) => p.verdict === 'not shown') ?? parts.find((p) => p.verdict === 'inconclusive');
  const why = parts.length === 1 ? parts[0]!.why : parts.map((p) => `[${p.verdict}] ${p.why}`).join('; ');
  return { verdict: worst?.verdict ?? 'shown', why };
}

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
  /**
   * Measurement noise of the difference of the two means, as a standard deviation (e.g. the
   * binomial standard error of two test accuracies on n test images, {@link accuracyNoise}): with
   * one seed it replaces the single-seed margin (tolerance `spreads` x noise); with more seeds it is
   * a floor under the pooled std (seeds share the test set, so their spread misses this noise).
   */
  noise?: number;
  /** Words for `noise` in the reason (default 'measurement noise'). */
  noiseName?: string;
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
  const k = o.spreads ?? 2;
  const scale = Math.max(Math.abs(sa.mean), Math.abs(sb.mean));
  const noise = o.noise !== undefined && Number.isFinite(o.noise) && o.noise > 0 ? o.noise : undefined;
  const pooled = single ? NaN : pooledStd(a, b);
  const byNoise = noise !== undefined && (single || k * noise > k * pooled);
  const spread = byNoise ? k * noise! : single ? margin * scale : Math.max(k * pooled, 1e-12 * scale);
  const tolerance = Math.max(spread, o.resolution ?? 0);
  const g = (x: number) => String(Number(x.toPrecision(3)));
  const how = byNoise
    ? `${single ? 'single seed: ' : ''}${k} x ${o.noiseName ?? 'measurement noise'} ${g(noise!)} = ${g(spread)}${single ? '' : ` (above ${k} pooled std ${g(k * pooled)})`}`
    : single ? `single seed: ${g(100 * margin)}% margin ${g(tolerance)}` : `${k} pooled std ${g(spread)}${tolerance > spread ? `, resolution ${g(tolerance)}` : ''}`;
  const what = `${na} ${g(sa.mean)} vs ${nb} ${g(sb.mean)} (${how})`;
  if (Math.abs(diff) <= tolerance) return { verdict: 'inconclusive', why: `within the ${single && !byNoise ? 'margin' : byNoise ? 'noise' : 'seed spread'}: ${what}`, diff, tolerance };
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

/**
 * The binomial standard error of the difference of two test accuracies p_a, p_b measured on
 * n test images each: sqrt(p_a (1 - p_a) / n + p_b (1 - p_b) / n) (NaN when n is not a positive
 * number). 500 images at 80%: about 0.025 for the difference (0.018 per accuracy); 10k: about 0.006.
 *
 * @example
 * accuracyNoise(0.8, 0.8, 500); // 0.0253
 */
export function accuracyNoise(pa: number, pb: number, n: number): number {
  if (!(n > 0) || !Number.isFinite(pa) || !Number.isFinite(pb)) return NaN;
  const v = (p: number) => Math.min(1, Math.max(0, p)) * (1 - Math.min(1, Math.max(0, p))) / n;
  return Math.sqrt(v(pa) + v(pb));
}

/**
 * Is test accuracy `a` above `b` (or below, with `direction: 'below'`)? {@link compareSeeds} with
 * the binomial standard error of the difference on `nTest` test images as the noise: with one seed
 * the tolerance is 2 binomial SE (not a fixed 5% margin); with more, at least that. Without a test
 * set size (NaN) it falls back to compareSeeds' own rules.
 *
 * @example
 * compareAccuracies([0.95], [0.93], 10000).verdict; // 'shown' (2 SE of the difference: 0.0066)
 * compareAccuracies([0.95], [0.94], 500).verdict;   // 'inconclusive' (2 SE: 0.028)
 */
export function compareAccuracies(a: readonly number[], b: readonly number[], nTest: number, o: Omit<CompareOptions, 'noise' | 'noiseName'> = {}): Judged & { diff: number; tolerance: number } {
  const noise = accuracyNoise(seedStats(a).mean, seedStats(b).mean, nTest);
  return compareSeeds(a, b, {
    direction: 'above', ...o,
    ...(Number.isFinite(noise) ? { noise, noiseName: `binomial SE on ${nTest} test images` } : {}),
  });
}

/** Options of {@link compareToLevel}. */
export interface LevelOptions {
  /** Standard deviations of the seeds the mean must clear the level by (default 2). */
  spreads?: number;
  /** Single seed: the margin, relative to max(|value|, |level|), it must clear the level by (default 0.05). */
  singleSeedMargin?: number;
  /** The claim: the values are below the level (default) or above it. */
  direction?: 'below' | 'above';
  /** Words for the values and the level, e.g. ['GN', '10%']. */
  names?: readonly [string, string];
}

/**
 * Are the per-seed `values` below `level` (or above it)? `shown` when the seed mean clears the
 * level in the claimed direction by more than `spreads` standard deviations of the seeds (one
 * seed: by more than `singleSeedMargin` of max(|value|, |level|)), `not shown` when it is as far
 * on the other side, else `inconclusive`. No finite value: `inconclusive` (no data).
 *
 * @example
 * compareToLevel([2, 3, 2.5], 10).verdict;                        // 'shown' (below 10)
 * compareToLevel([12, 14, 13], 10).verdict;                       // 'not shown'
 * compareToLevel([30, 40], 10, { direction: 'above' }).verdict;   // 'shown'
 */
export function compareToLevel(values: readonly number[], level: number, o: LevelOptions = {}): Judged & { diff: number; tolerance: number } {
  const [nv, nl] = o.names ?? ['value', String(level)];
  const s = seedStats(values);
  if (s.n === 0 || !Number.isFinite(level)) return { verdict: 'inconclusive', why: `no data: no finite value for ${s.n === 0 ? nv : nl}`, diff: NaN, tolerance: NaN };
  const diff = o.direction === 'above' ? s.mean - level : level - s.mean;
  const single = s.n < 2;
  const margin = o.singleSeedMargin ?? 0.05;
  const scale = Math.max(Math.abs(s.mean), Math.abs(level));
  const tolerance = single ? margin * scale : Math.max((o.spreads ?? 2) * s.std, 1e-12 * scale);
  const g = (x: number) => String(Number(x.toPrecision(3)));
  const how = single ? `single seed: ${g(100 * margin)}% margin ${g(tolerance)}` : `${o.spreads ?? 2} std ${g(tolerance)}`;
  const what = `${nv} ${g(s.mean)} vs ${nl} (${how})`;
  if (Math.abs(diff) <= tolerance) return { verdict: 'inconclusive', why: `within the ${single ? 'margin' : 'seed spread'} of the level: ${what}`, diff, tolerance };
  return { verdict: diff > 0 ? 'shown' : 'not shown', why: what, diff, tolerance };
}

/**
 * Do `a` and `b` agree within `margin` (relative to the smaller |mean|)? An equivalence test:
 * `shown` when |mean a - mean b| plus the tolerance of {@link compareSeeds} (2 pooled std; one seed:
 * none beyond the margin itself) stays within the margin, `not shown` when |difference| minus that
 * tolerance exceeds it, else `inconclusive`.
 *
 * @example
 * agreeWithin([1.00, 1.01, 1.02], [1.01, 1.02, 1.00], 0.05).verdict; // 'shown'
 * agreeWithin([1.0], [1.5], 0.05).verdict;                           // 'not shown'
 */
export function agreeWithin(a: readonly number[], b: readonly number[], margin: number, o: { names?: readonly [string, string] } = {}): Judged {
  const [na, nb] = o.names ?? ['a', 'b'];
  const sa = seedStats(a);
  const sb = seedStats(b);
  if (sa.n === 0 || sb.n === 0) return { verdict: 'inconclusive', why: `no data: no finite value for ${sa.n === 0 ? na : nb}` };
  const d = Math.abs(sa.mean - sb.mean);
  const allowed = margin * Math.min(Math.abs(sa.mean), Math.abs(sb.mean));
  const spread = sa.n < 2 || sb.n < 2 ? 0 : 2 * pooledStd(a, b);
  const g = (x: number) => String(Number(x.toPrecision(3)));
  const what = `${na} ${g(sa.mean)} vs ${nb} ${g(sb.mean)}: |difference| ${g(d)}${spread > 0 ? ` ± 2 pooled std ${g(spread)}` : ' (single seed)'} vs the ${g(100 * margin)}% margin ${g(allowed)}`;
  if (d + spread <= allowed) return { verdict: 'shown', why: what };
  if (d - spread > allowed) return { verdict: 'not shown', why: what };
  return { verdict: 'inconclusive', why: `within the seed spread of the margin: ${what}` };
}

/** Mean line plus shaded ±std band across seeds. */
import { ConfigError } from '../util/errors.js';
import { colorFor, dashFor, withAlpha } from './colors.js';
import { finiteOrNull, pointStats } from './stats.js';
import type { PlotlyLine, PlotlyTrace } from './types.js';

/** One curve measured under several seeds: `ys[seed][i]` is the value at `x[i]`. */
export interface SeedSeries {
  x: readonly number[];
  ys: readonly (readonly number[])[];
}

/** Options of {@link seedBand}. */
export interface SeedBandOptions {
  /** Legend name; also picks the color (see `colorFor`). Default 'series'. */
  name?: string;
  /** Line and band color; default `colorFor(name)`. */
  color?: string;
  /** Line dash; default `dashFor(name)`. */
  dash?: PlotlyLine['dash'];
  /** Line width in px. Default 2. */
  width?: number;
  /** Opacity of the band fill. Default 0.2. */
  bandAlpha?: number;
  /** The y axis is logarithmic: band edges that are not positive are clipped (see below). */
  logY?: boolean;
  /** 0: population std (default, numpy's); 1: sample std. */
  ddof?: 0 | 1;
  /** Show the line in the legend. Default true. */
  showlegend?: boolean;
  /** Legend group; default the name (so the band toggles with its line). */
  legendgroup?: string;
  /** Subplot axis ids ('x2', 'y2', ...). Default 'x' and 'y'. */
  xaxis?: string;
  yaxis?: string;
}

/**
 * Traces for a curve measured under several seeds: a shaded band mean ± std (one `fill: 'toself'`
 * polygon per stretch of points where the band is defined) and the mean line on top. Per point,
 * values that are NaN or infinite are ignored; a point with no finite value is a gap in the line.
 * A single seed gives just the line. With `logY`, a lower edge that is not positive is replaced by
 * the smallest value seen at that point (or the band is cut there if that is not positive either).
 *
 * @example
 * const traces = seedBand({ x: [0, 1, 2], ys: [[1, 0.5, 0.2], [1.2, 0.6, NaN]] }, { name: 'gn' });
 * // traces[0]: band polygon (fill 'toself'), traces[1]: mean line [1.1, 0.55, 0.2]
 */
export function seedBand(series: SeedSeries, opts: SeedBandOptions = {}): PlotlyTrace[] {
  const name = opts.name ?? 'series';
  const { x, ys } = series;
  ys.forEach((row, s) => {
    if (row.length > x.length) {
      throw new ConfigError('seedBand.series', `seed row ${s} has ${row.length} values but x has only ${x.length}; give one x per value`);
    }
  });
  const color = opts.color ?? colorFor(name);
  const group = opts.legendgroup ?? name;
  const axes = { xaxis: opts.xaxis ?? 'x', yaxis: opts.yaxis ?? 'y' };
  const stats = pointStats(ys, x.length, opts.ddof ?? 0);
  const line: PlotlyTrace = {
    type: 'scatter',
    mode: x.length === 1 ? 'markers' : 'lines',
    name,
    x: x.map(finiteOrNull),
    y: stats.mean.map((m, i) => (opts.logY && !(m > 0)) || !Number.isFinite(x[i] as number) ? null : finiteOrNull(m)),
    line: { color, width: opts.width ?? 2, dash: opts.dash ?? dashFor(name) },
    marker: { color },
    legendgroup: group,
    showlegend: opts.showlegend ?? true,
    ...axes,
  };
  if (ys.length < 2) return [line];
  const band = bandPolygon(x, stats, opts.logY ?? false);
  if (band.x.length === 0) return [line];
  const fill: PlotlyTrace = {
    type: 'scatter',
    mode: 'lines',
    name: `${name} ± std`,
    x: band.x,
    y: band.y,
    fill: 'toself',
    fillcolor: withAlpha(color, opts.bandAlpha ?? 0.2),
    line: { color: 'rgba(0,0,0,0)', width: 0 },
    hoverinfo: 'skip',
    legendgroup: group,
    showlegend: false,
    ...axes,
  };
  return [fill, line];
}

/** Closed band polygons, one per run of points where both edges are defined, split by nulls. */
function bandPolygon(
  x: readonly number[],
  stats: ReturnType<typeof pointStats>,
  logY: boolean,
): { x: (number | null)[]; y: (number | null)[] } {
  const outX: (number | null)[] = [];
  const outY: (number | null)[] = [];
  let run: { x: number; lo: number; hi: number }[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    if (outX.length > 0) {
      outX.push(null);
      outY.push(null);
    }
    for (const p of run) {
      outX.push(p.x);
      outY.push(p.hi);
    }
    for (let i = run.length - 1; i >= 0; i--) {
      const p = run[i] as { x: number; lo: number; hi: number };
      outX.push(p.x);
      outY.push(p.lo);
    }
    run = [];
  };
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const m = stats.mean[i] as number;
    const s = stats.std[i] as number;
    let lo = m - s;
    const hi = m + s;
    if (logY && !(lo > 0)) lo = stats.min[i] as number;
    const ok = Number.isFinite(xi) && Number.isFinite(lo) && Number.isFinite(hi) && (!logY || (lo > 0 && hi > 0));
    if (ok) run.push({ x: xi, lo, hi });
    else flush();
  }
  flush();
  return { x: outX, y: outY };
}

/** Line panels and grids of them, shaped like the paper's multi-panel figures. */
import { ConfigError, show as showValue } from '../util/errors.js';
import { seedBand, type SeedSeries } from './band.js';
import { FALLBACK_PALETTE, isOptimizerName } from './colors.js';
import type { Figure, PlotlyAnnotation, PlotlyAxis, PlotlyLayout, PlotlyLine, PlotlyTrace } from './types.js';

/** A named curve across seeds. */
export interface NamedSeries extends SeedSeries {
  /** Legend name (the optimizer); picks the color. */
  name: string;
  color?: string;
  dash?: PlotlyLine['dash'];
}

/** One subplot: its curves and axis settings. */
export interface Panel {
  series: NamedSeries[];
  title?: string;
  logY?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/** Options of {@link linePanel}. */
export interface LinePanelOptions {
  title?: string;
  logY?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/**
 * A subplot of named seed-band curves (one per optimizer), for {@link panelGrid}.
 *
 * @example
 * const p = linePanel([{ name: 'gn', x: [0, 1], ys: [[1, 0.1]] }], { title: 'MNIST', logY: true });
 * const fig = panelGrid([p]);
 */
export function linePanel(series: NamedSeries[], opts: LinePanelOptions = {}): Panel {
  return { series, ...opts };
}

/** Options of {@link panelGrid}. */
export interface PanelGridOptions {
  /** Grid shape. Default: up to 3 columns, as many rows as needed. */
  rows?: number;
  cols?: number;
  /** Panel titles (override the panels' own), in panel order. */
  titles?: readonly string[];
  /** Log y axis: one value for all panels, or one per panel (a panel's own `logY` wins). */
  logY?: boolean | readonly boolean[];
  /** x axis title of the bottom panel of each column (a panel's own `xTitle` wins). */
  xTitle?: string;
  /** y axis title: one string for the first column, or one per panel (a panel's own wins). */
  yTitle?: string | readonly string[];
  /** Figure title. */
  title?: string;
  /** Pixels; default 280 per row plus margins. Width defaults to the container's. */
  height?: number;
  width?: number;
  /** Gaps between panels, as fractions of the figure. */
  hgap?: number;
  vgap?: number;
  /** Standard deviation convention of the bands (see `seedBand`). */
  ddof?: 0 | 1;
  /** Label of the figure's HTML output (`data-figure`). */
  name?: string;
}

/**
 * A figure of panels on a grid, with one shared legend: each name appears once, and clicking it
 * toggles that optimizer in every panel.
 *
 * @example
 * const fig = panelGrid(
 *   [linePanel([{ name: 'gn', x: [0, 1], ys: [[2, 1]] }]), linePanel([{ name: 'adam', x: [0, 1], ys: [[2, 1.5]] }])],
 *   { cols: 2, titles: ['MNIST', 'CIFAR-10'], logY: [true, false], xTitle: 'step', yTitle: 'train loss' },
 * );
 */
export function panelGrid(panels: readonly Panel[], opts: PanelGridOptions = {}): Figure {
  const n = panels.length;
  if (n === 0) throw new ConfigError('panelGrid.panels', 'no panels given; pass at least one linePanel(...)');
  const { rows, cols } = gridShape(n, opts);
  const titles = opts.titles;
  if (titles !== undefined && titles.length > n) {
    throw new ConfigError('panelGrid.titles', `${titles.length} titles for ${n} panels: ${showValue(titles)}`);
  }
  perPanel(opts.logY, n, 'panelGrid.logY');
  if (Array.isArray(opts.yTitle)) perPanel(opts.yTitle as readonly string[], n, 'panelGrid.yTitle');
  const hasTitles = panels.some((p, k) => (titles?.[k] ?? p.title ?? '') !== '');
  const hgap = opts.hgap ?? (cols > 1 ? 0.08 : 0);
  const vgap = opts.vgap ?? (rows > 1 ? (hasTitles ? 0.16 : 0.1) : 0);
  const w = (1 - hgap * (cols - 1)) / cols;
  const h = (1 - vgap * (rows - 1)) / rows;
  const data: PlotlyTrace[] = [];
  const annotations: PlotlyAnnotation[] = [];
  const layout: PlotlyLayout = {};
  const seen = new Set<string>();
  const colors = otherColors(panels);
  panels.forEach((panel, k) => {
    const r = Math.floor(k / cols);
    const c = k % cols;
    const id = k === 0 ? '' : String(k + 1);
    const xd: [number, number] = [c * (w + hgap), Math.min(1, c * (w + hgap) + w)];
    const yTop = 1 - r * (h + vgap);
    const yd: [number, number] = [Math.max(0, yTop - h), yTop];
    const logY = panel.logY ?? pick(opts.logY, k) ?? false;
    const bottom = k + cols >= n;
    const xTitle = panel.xTitle ?? (bottom ? opts.xTitle : undefined);
    const yTitle = panel.yTitle ?? (Array.isArray(opts.yTitle) ? (opts.yTitle as readonly string[])[k] : c === 0 ? (opts.yTitle as string | undefined) : undefined);
    const xaxis: PlotlyAxis = { domain: xd, anchor: `y${id}`, automargin: true };
    const yaxis: PlotlyAxis = { domain: yd, anchor: `x${id}`, automargin: true, exponentformat: 'power' };
    if (xTitle !== undefined && xTitle !== '') xaxis.title = { text: escapeText(xTitle) };
    if (yTitle !== undefined && yTitle !== '') yaxis.title = { text: escapeText(yTitle) };
    if (logY) yaxis.type = 'log';
    setAxis(layout, 'xaxis', id, xaxis);
    setAxis(layout, 'yaxis', id, yaxis);
    const title = titles?.[k] ?? panel.title;
    if (title !== undefined && title !== '') {
      annotations.push({ text: `<b>${escapeText(title)}</b>`, x: (xd[0] + xd[1]) / 2, y: yd[1], xref: 'paper', yref: 'paper', xanchor: 'center', yanchor: 'bottom', showarrow: false, font: { size: 13 } });
    }
    for (const s of panel.series) {
      const first = !seen.has(s.name);
      seen.add(s.name);
      data.push(
        ...seedBand(s, {
          name: s.name, color: s.color ?? colors.get(s.name), dash: s.dash, logY, ddof: opts.ddof,
          showlegend: first, xaxis: `x${id}`, yaxis: `y${id}`,
        }),
      );
    }
  });
  layout.annotations = annotations;
  layout.showlegend = seen.size > 0;
  layout.legend = { traceorder: 'normal' };
  layout.hovermode = 'closest';
  layout.height = opts.height ?? 280 * rows + (opts.title !== undefined ? 110 : 80);
  if (opts.width !== undefined) layout.width = opts.width;
  layout.margin = { l: 60, r: 20, t: opts.title !== undefined ? 70 : hasTitles ? 40 : 20, b: 50 };
  if (opts.title !== undefined) layout.title = { text: escapeText(opts.title) };
  const fig: Figure = { data, layout, config: { responsive: true, displaylogo: false } };
  if (opts.name !== undefined) fig.name = opts.name;
  return fig;
}

/**
 * A one-panel figure of named seed-band curves.
 *
 * @example
 * const fig = lineFigure([{ name: 'adam', x: [0, 1, 2], ys: [[1, 0.7, 0.5], [1, 0.8, 0.6]] }], { yTitle: 'loss' });
 */
export function lineFigure(series: NamedSeries[], opts: LinePanelOptions & Omit<PanelGridOptions, 'rows' | 'cols' | 'titles' | 'logY' | 'yTitle' | 'xTitle'> = {}): Figure {
  const { title, logY, xTitle, yTitle, ...grid } = opts;
  const panel = linePanel(series, { logY, xTitle, yTitle });
  return panelGrid([panel], { ...grid, title });
}

/** Distinct palette colors for the names that are not optimizers, in order of first appearance. */
function otherColors(panels: readonly Panel[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of panels) {
    for (const s of p.series) {
      if (s.color !== undefined || out.has(s.name) || isOptimizerName(s.name)) continue;
      out.set(s.name, FALLBACK_PALETTE[out.size % FALLBACK_PALETTE.length] as string);
    }
  }
  return out;
}

function gridShape(n: number, opts: PanelGridOptions): { rows: number; cols: number } {
  for (const key of ['rows', 'cols'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new ConfigError(`panelGrid.${key}`, `must be a positive integer, got ${showValue(v)}`);
    }
  }
  let { rows, cols } = opts;
  if (rows === undefined && cols === undefined) cols = Math.min(n, 3);
  if (cols === undefined) cols = Math.ceil(n / (rows as number));
  if (rows === undefined) rows = Math.ceil(n / cols);
  if (rows * cols < n) {
    throw new ConfigError('panelGrid.rows', `a ${rows}x${cols} grid cannot hold ${n} panels; raise rows or cols`);
  }
  return { rows, cols };
}

function perPanel<T>(value: T | readonly T[] | undefined, n: number, field: string): void {
  if (Array.isArray(value) && value.length !== n) {
    throw new ConfigError(field, `has ${value.length} entries for ${n} panels; give one per panel or a single value`);
  }
}

function pick<T>(value: T | readonly T[] | undefined, k: number): T | undefined {
  return Array.isArray(value) ? (value as readonly T[])[k] : (value as T | undefined);
}

function setAxis(layout: PlotlyLayout, kind: 'xaxis' | 'yaxis', id: string, axis: PlotlyAxis): void {
  if (id === '') layout[kind] = axis;
  else layout[`${kind}${Number(id)}`] = axis;
}

/** Escapes text for Plotly's small HTML subset (titles are user data). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

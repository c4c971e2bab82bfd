/**
 * A static SVG of a figure, drawn without a browser: the subset of Plotly that this project's
 * figures use (scatter lines, markers, `fill: 'toself'` bands, subplots by axis domain, linear and
 * log axes, line/rect shapes, paper-anchored annotations, title, legend). It is the fallback a
 * notebook keeps for readers whose front end does not run the figure's script (an untrusted
 * notebook, a sanitized HTML export); see src/plots/raster.ts for the PNG of it.
 */
import { escapeHtml } from './escape.js';
import type { Figure, PlotlyAxis, PlotlyLayout, PlotlyTrace } from './types.js';

/** Options of {@link figureSvg}. */
export interface FigureSvgOptions {
  /** Pixels; default the layout's, else 900 x the layout height (default 450). */
  width?: number;
  height?: number;
  /** Font family written into the SVG (the rasterizer must know it). Default 'DejaVu Sans, sans-serif'. */
  fontFamily?: string;
}

interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** A data -> pixel map of one axis. */
interface Scale {
  log: boolean;
  lo: number;
  hi: number;
  px0: number;
  px1: number;
  categories: Map<string, number> | null;
}

const AXIS_COLOR = '#444';
const GRID_COLOR = '#e5e5e5';

/** Plain text of a Plotly label: tags dropped, the few entities escapeText writes decoded. */
export function plainText(s: string): string {
  return s
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** [color, opacity] of '#rrggbb', 'rgb(...)', 'rgba(...)' or a name (opacity 1). */
function paint(color: string | undefined, fallback: string): [string, number] {
  const c = (color ?? fallback).trim();
  const m = /^rgba\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)$/i.exec(c);
  if (m !== null) return [`rgb(${m[1]},${m[2]},${m[3]})`, Number(m[4])];
  return [c, 1];
}

const axisKey = (kind: 'x' | 'y', id: string): `xaxis${string}` | `yaxis${string}` => `${kind}axis${id.slice(1)}` as `xaxis${string}`;
const axisOf = (layout: PlotlyLayout, kind: 'x' | 'y', id: string): PlotlyAxis => (layout[axisKey(kind, id) as 'xaxis'] ?? {}) as PlotlyAxis;

/** Tick values of [lo, hi] (data units; log axes: values, not exponents). */
function ticks(s: Scale): number[] {
  if (s.categories !== null) return [...s.categories.values()];
  if (s.log) {
    const a = Math.ceil(s.lo - 1e-9);
    const b = Math.floor(s.hi + 1e-9);
    if (b - a >= 1) {
      const step = Math.max(1, Math.ceil((b - a + 1) / 7));
      const out: number[] = [];
      for (let k = a; k <= b; k += step) out.push(10 ** k);
      return out;
    }
    return niceTicks(10 ** s.lo, 10 ** s.hi, 4).filter((v) => v > 0);
  }
  return niceTicks(s.lo, s.hi, 6);
}

function niceTicks(lo: number, hi: number, target: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const SUPERSCRIPT: Record<string, string> = { '-': '\u207b', 0: '\u2070', 1: '\u00b9', 2: '\u00b2', 3: '\u00b3', 4: '\u2074', 5: '\u2075', 6: '\u2076', 7: '\u2077', 8: '\u2078', 9: '\u2079' };

function tickLabel(v: number, s: Scale): string {
  if (s.categories !== null) return [...s.categories.entries()].find(([, i]) => i === v)?.[0] ?? '';
  if (s.log && Number.isInteger(Math.log10(v)) && Math.abs(Math.log10(v)) >= 3) {
    return `10${String(Math.round(Math.log10(v))).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
  }
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

function scaleOf(values: (number | string | null)[], axis: PlotlyAxis, px0: number, px1: number, includeZero = false): Scale {
  const log = axis.type === 'log';
  if (values.some((v) => typeof v === 'string')) {
    const categories = new Map<string, number>();
    for (const v of values) if (v !== null && !categories.has(String(v))) categories.set(String(v), categories.size);
    return { log: false, lo: -0.5, hi: categories.size - 0.5, px0, px1, categories };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v) || (log && v <= 0)) continue;
    const t = log ? Math.log10(v) : v;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  if (includeZero && !log) lo = Math.min(lo, 0);
  if (axis.range !== undefined) [lo, hi] = axis.range;
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  else if (axis.range === undefined) {
    const pad = (hi - lo) * 0.04;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return { log, lo, hi, px0, px1, categories: null };
}

/** Pixel of a data value, or null (missing, or not positive on a log axis). */
function px(s: Scale, v: number | string | null): number | null {
  let t: number;
  if (s.categories !== null) {
    const i = v === null ? undefined : s.categories.get(String(v));
    if (i === undefined) return null;
    t = i;
  } else {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    if (s.log) {
      if (v <= 0) return null;
      t = Math.log10(v);
    } else t = v;
  }
  return s.px0 + ((t - s.lo) / (s.hi - s.lo)) * (s.px1 - s.px0);
}

/** Pixel of a tick value (a category's index on a category axis). */
function tickPx(s: Scale, v: number): number | null {
  return s.categories !== null ? s.px0 + ((v - s.lo) / (s.hi - s.lo)) * (s.px1 - s.px0) : px(s, v);
}

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

function dashArray(dash: string | undefined, width: number): string {
  const w = Math.max(1, width);
  switch (dash) {
    case 'dot': return `${w},${2 * w}`;
    case 'dash': return `${4 * w},${2 * w}`;
    case 'longdash': return `${8 * w},${2 * w}`;
    case 'dashdot': return `${4 * w},${2 * w},${w},${2 * w}`;
    case 'longdashdot': return `${8 * w},${2 * w},${w},${2 * w}`;
    default: return '';
  }
}

/** Path data of a polyline through the points, split at missing values. */
function pathData(xs: (number | null)[], ys: (number | null)[], close: boolean): string {
  const parts: string[] = [];
  let open = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === null || x === undefined || y === null || y === undefined) {
      open = false;
      continue;
    }
    parts.push(`${open ? 'L' : 'M'}${f1(x)} ${f1(y)}`);
    open = true;
  }
  return parts.join('') + (close && parts.length > 0 ? 'Z' : '');
}

function text(x: number, y: number, s: string, o: { size?: number; anchor?: 'start' | 'middle' | 'end'; bold?: boolean; rotate?: boolean; color?: string; baseline?: 'top' | 'middle' | 'bottom' } = {}): string {
  const size = o.size ?? 12;
  const dy = o.baseline === 'top' ? size * 0.8 : o.baseline === 'middle' ? size * 0.35 : 0;
  const rot = o.rotate ? ` transform="rotate(-90 ${f1(x)} ${f1(y)})"` : '';
  return `<text x="${f1(x)}" y="${f1(y + dy)}" font-size="${size}" text-anchor="${o.anchor ?? 'start'}"${o.bold ? ' font-weight="bold"' : ''} fill="${o.color ?? AXIS_COLOR}"${rot}>${escapeHtml(s)}</text>`;
}

/** Legend entries: one per legend group (or name) of the traces shown in the legend. */
function legendEntries(fig: Figure): PlotlyTrace[] {
  if (fig.layout.showlegend === false) return [];
  const seen = new Set<string>();
  const out: PlotlyTrace[] = [];
  for (const t of fig.data) {
    if (t.showlegend === false || t.name === undefined || t.name === '') continue;
    const key = t.legendgroup ?? t.name;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/**
 * The figure as a standalone SVG document (white background, fonts by family name).
 *
 * @example
 * const svg = figureSvg(lineFigure([{ name: 'gn', x: [0, 1, 2], ys: [[1, 0.5, 0.25]] }], { logY: true }));
 * // '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="450" ...'
 */
export function figureSvg(fig: Figure, opts: FigureSvgOptions = {}): string {
  const layout = fig.layout;
  const W = opts.width ?? layout.width ?? 900;
  const H = opts.height ?? layout.height ?? 450;
  const font = opts.fontFamily ?? 'DejaVu Sans, sans-serif';
  const legend = legendEntries(fig);
  const legendW = legend.length > 0 ? Math.min(260, 40 + 7 * Math.max(...legend.map((t) => plainText(t.name ?? '').length))) : 0;
  const title = layout.title?.text !== undefined ? plainText(layout.title.text) : '';
  const area: Rect = { x0: 75, x1: W - 20 - legendW, y0: title !== '' ? 55 : 30, y1: H - 50 };
  const out: string[] = [];
  const clips: string[] = [];

  // Subplots: one per (xaxis, yaxis) pair of the traces (and of the layout's axes when no trace uses them).
  const pairs = new Map<string, { x: string; y: string }>();
  for (const t of fig.data) pairs.set(`${t.xaxis ?? 'x'}|${t.yaxis ?? 'y'}`, { x: t.xaxis ?? 'x', y: t.yaxis ?? 'y' });
  if (pairs.size === 0) pairs.set('x|y', { x: 'x', y: 'y' });
  const toPx = (d: [number, number] | undefined, a: number, b: number): [number, number] => {
    const [u, v] = d ?? [0, 1];
    return [a + u * (b - a), a + v * (b - a)];
  };
  const scales = new Map<string, { sx: Scale; sy: Scale; rect: Rect }>();
  let k = 0;
  for (const [key, { x, y }] of pairs) {
    const ax = axisOf(layout, 'x', x);
    const ay = axisOf(layout, 'y', y);
    const [x0, x1] = toPx(ax.domain, area.x0, area.x1);
    const [yb, yt] = toPx(ay.domain, area.y1, area.y0);
    const rect: Rect = { x0: x0 + (x0 > area.x0 + 1 ? 40 : 0), x1, y0: yt + (yt > area.y0 + 1 ? 18 : 0), y1: yb - (yb < area.y1 - 1 ? 30 : 0) };
    const on = fig.data.filter((t) => (t.xaxis ?? 'x') === x && (t.yaxis ?? 'y') === y);
    const shapes = (layout.shapes ?? []).filter((s) => s.xref === x);
    const sx = scaleOf([...on.flatMap((t) => t.x), ...shapes.flatMap((s) => [s.x0, s.x1])], ax, rect.x0, rect.x1);
    const yShapes = (layout.shapes ?? []).filter((s) => s.yref === y);
    const sy = scaleOf([...on.flatMap((t) => t.y), ...yShapes.flatMap((s) => [s.y0, s.y1])], ay, rect.y1, rect.y0);
    scales.set(key, { sx, sy, rect });
    const clip = `c${k++}`;
    clips.push(`<clipPath id="${clip}"><rect x="${f1(rect.x0)}" y="${f1(rect.y0)}" width="${f1(rect.x1 - rect.x0)}" height="${f1(rect.y1 - rect.y0)}"/></clipPath>`);

    // Grid, ticks, frame, axis titles.
    for (const v of ticks(sx)) {
      const p = tickPx(sx, v);
      if (p === null || p < rect.x0 - 0.5 || p > rect.x1 + 0.5) continue;
      if (ax.showgrid !== false) out.push(`<line x1="${f1(p)}" y1="${f1(rect.y0)}" x2="${f1(p)}" y2="${f1(rect.y1)}" stroke="${GRID_COLOR}"/>`);
      out.push(text(p, rect.y1 + 5, tickLabel(v, sx), { anchor: 'middle', baseline: 'top', size: 11 }));
    }
    for (const v of ticks(sy)) {
      const p = tickPx(sy, v);
      if (p === null || p < rect.y0 - 0.5 || p > rect.y1 + 0.5) continue;
      if (ay.showgrid !== false) out.push(`<line x1="${f1(rect.x0)}" y1="${f1(p)}" x2="${f1(rect.x1)}" y2="${f1(p)}" stroke="${GRID_COLOR}"/>`);
      out.push(text(rect.x0 - 5, p, tickLabel(v, sy), { anchor: 'end', baseline: 'middle', size: 11 }));
    }
    out.push(`<rect x="${f1(rect.x0)}" y="${f1(rect.y0)}" width="${f1(rect.x1 - rect.x0)}" height="${f1(rect.y1 - rect.y0)}" fill="none" stroke="#bbb"/>`);
    if (ax.title?.text) out.push(text((rect.x0 + rect.x1) / 2, rect.y1 + 22, plainText(ax.title.text), { anchor: 'middle', baseline: 'top' }));
    if (ay.title?.text) out.push(text(rect.x0 - 48, (rect.y0 + rect.y1) / 2, plainText(ay.title.text), { anchor: 'middle', rotate: true }));

    // Traces: bands first (they are listed first), then lines and markers, clipped to the subplot.
    const marks: string[] = [];
    for (const t of on) {
      const xs = t.x.map((v) => px(sx, v));
      const ys = t.y.map((v) => px(sy, v));
      const width = t.line?.width ?? 2;
      const [stroke, strokeOpacity] = paint(t.line?.color ?? t.marker?.color, '#1f77b4');
      const opacity = t.opacity ?? 1;
      if (t.fill === 'toself') {
        const [fill, fillOpacity] = paint(t.fillcolor, stroke);
        marks.push(`<path d="${pathData(xs, ys, true)}" fill="${fill}" fill-opacity="${fillOpacity * opacity}" stroke="none"/>`);
        continue;
      }
      const mode = t.mode ?? 'lines';
      if (mode.includes('lines')) {
        const dash = dashArray(t.line?.dash, width);
        marks.push(`<path d="${pathData(xs, ys, false)}" fill="none" stroke="${stroke}" stroke-opacity="${strokeOpacity * opacity}" stroke-width="${width}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      }
      if (mode.includes('markers')) {
        const [mc, mo] = paint(t.marker?.color ?? t.line?.color, stroke);
        const r = (t.marker?.size ?? 6) / 2;
        xs.forEach((x, i) => {
          const y = ys[i];
          if (x !== null && y !== null && y !== undefined) marks.push(`<circle cx="${f1(x)}" cy="${f1(y)}" r="${r}" fill="${mc}" fill-opacity="${mo * opacity}"/>`);
        });
      }
    }
    // Shapes on this subplot's axes (or its y domain).
    for (const s of layout.shapes ?? []) {
      if (s.xref !== x) continue;
      const yr = s.yref ?? 'paper';
      const ys = yr === `${y} domain` || yr === 'paper'
        ? [rect.y1 + (rect.y0 - rect.y1) * s.y0, rect.y1 + (rect.y0 - rect.y1) * s.y1]
        : yr === y ? [px(sy, s.y0), px(sy, s.y1)] : null;
      if (ys === null || ys[0] === null || ys[1] === null) continue;
      const xa = px(sx, s.x0);
      const xb = px(sx, s.x1);
      if (xa === null || xb === null) continue;
      const [c, o] = paint(s.line?.color, '#888');
      const dash = dashArray(s.line?.dash, s.line?.width ?? 1);
      if (s.type === 'line') marks.push(`<line x1="${f1(xa)}" y1="${f1(ys[0]!)}" x2="${f1(xb)}" y2="${f1(ys[1]!)}" stroke="${c}" stroke-opacity="${o * (s.opacity ?? 1)}" stroke-width="${s.line?.width ?? 1}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      else {
        const [fc, fo] = paint(s.fillcolor, 'none');
        marks.push(`<rect x="${f1(Math.min(xa, xb))}" y="${f1(Math.min(ys[0]!, ys[1]!))}" width="${f1(Math.abs(xb - xa))}" height="${f1(Math.abs(ys[1]! - ys[0]!))}" fill="${fc}" fill-opacity="${fo * (s.opacity ?? 1)}" stroke="${c}"/>`);
      }
    }
    out.push(`<g clip-path="url(#${clip})">${marks.join('')}</g>`);
  }

  // Paper-anchored annotations (subplot titles).
  for (const a of layout.annotations ?? []) {
    if (a.xref !== 'paper' || a.yref !== 'paper') continue;
    const xp = area.x0 + a.x * (area.x1 - area.x0);
    const yp = area.y1 + a.y * (area.y0 - area.y1);
    const anchor = a.xanchor === 'left' ? 'start' : a.xanchor === 'right' ? 'end' : 'middle';
    out.push(text(xp, yp - (a.yanchor === 'bottom' ? 4 : 0), plainText(a.text), { anchor, bold: /<b>/i.test(a.text), size: a.font?.size ?? 12 }));
  }
  if (title !== '') out.push(text(W / 2, 26, title, { anchor: 'middle', size: 15 }));
  legend.forEach((t, i) => {
    const x = W - legendW - 5;
    const y = area.y0 + 8 + i * 20;
    const [c, o] = paint(t.line?.color ?? t.marker?.color, '#1f77b4');
    const dash = dashArray(t.line?.dash, 2);
    out.push(`<line x1="${x + 5}" y1="${y}" x2="${x + 30}" y2="${y}" stroke="${c}" stroke-opacity="${o}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    out.push(text(x + 36, y, plainText(t.name ?? ''), { baseline: 'middle' }));
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeHtml(font)}">` +
    `<defs>${clips.join('')}</defs><rect width="${W}" height="${H}" fill="#fff"/>${out.join('')}</svg>`
  );
}

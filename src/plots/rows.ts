/** Figures straight from results-table rows (one row per step/epoch, optimizer and seed). */
import { ConfigError, DataError, show as showValue } from '../util/errors.js';
import { linePanel, panelGrid, type NamedSeries, type Panel } from './panels.js';
import type { Figure } from './types.js';

/** A results-table row: column name -> value. Numeric strings count as numbers. */
export type ResultRow = Readonly<Record<string, number | string | boolean | null | undefined>>;

/** Options of {@link figureFromRows}. */
export interface FromRowsOptions {
  /** Column of the x values (e.g. 'step', 'epoch'). */
  x: string;
  /** Column(s) plotted; several columns make one row of panels each. */
  y: string | readonly string[];
  /** Column naming the curve (legend entry), e.g. 'optimizer'. Default: one curve. */
  groupBy?: string;
  /** Column of the seed; rows of different seeds are averaged into a band. Default: one seed. */
  seedKey?: string;
  /** Column splitting the panels into columns, e.g. 'dataset'. */
  panelBy?: string;
  /** Log y axes: all (true) or the listed y columns. */
  logY?: boolean | readonly string[];
  /** Axis titles; y titles default to the column names. */
  xTitle?: string;
  yTitles?: Readonly<Record<string, string>>;
  /** Curve and panel order (values not listed follow in order of appearance). */
  groupOrder?: readonly string[];
  panelOrder?: readonly string[];
  title?: string;
  name?: string;
  height?: number;
  width?: number;
  ddof?: 0 | 1;
}

/**
 * Groups rows into curves (`groupBy`), bands across seeds (`seedKey`) and panels (rows of panels:
 * the `y` columns; columns of panels: `panelBy` values), then draws them with `panelGrid`. Rows
 * whose x or y is missing or not a finite number are skipped for that y. Two rows with the same
 * panel, curve, seed and x (and a value for y) are an error: filter the rows or add a grouping.
 *
 * @example
 * const rows = [
 *   { step: 0, train_loss: 2.3, optimizer: 'gn', seed: 42 }, { step: 1, train_loss: 0.9, optimizer: 'gn', seed: 42 },
 *   { step: 0, train_loss: 2.3, optimizer: 'adam', seed: 42 }, { step: 1, train_loss: 2.0, optimizer: 'adam', seed: 42 },
 * ];
 * const fig = figureFromRows(rows, { x: 'step', y: 'train_loss', groupBy: 'optimizer', seedKey: 'seed', logY: true });
 */
export function figureFromRows(rows: readonly ResultRow[], opts: FromRowsOptions): Figure {
  const ys = typeof opts.y === 'string' ? [opts.y] : [...opts.y];
  if (ys.length === 0) throw new ConfigError('figureFromRows.y', 'no y column given');
  checkColumns(rows, opts, ys);
  const panelValues = opts.panelBy === undefined ? [''] : ordered(rows.map((r) => label(r[opts.panelBy as string])), opts.panelOrder);
  const groupValues = opts.groupBy === undefined ? [''] : ordered(rows.map((r) => label(r[opts.groupBy as string])), opts.groupOrder);
  const panels: Panel[] = [];
  const logYs: boolean[] = [];
  const titles: string[] = [];
  const yTitles: string[] = [];
  ys.forEach((y, row) => {
    panelValues.forEach((pv, col) => {
      const series: NamedSeries[] = [];
      for (const gv of groupValues) {
        const s = collect(rows, opts, y, pv, gv);
        if (s !== null) series.push(s);
      }
      panels.push(linePanel(series));
      logYs.push(opts.logY === true || (Array.isArray(opts.logY) && opts.logY.includes(y)));
      titles.push(row === 0 ? pv : '');
      yTitles.push(col === 0 ? opts.yTitles?.[y] ?? y : '');
    });
  });
  return panelGrid(panels, {
    rows: ys.length,
    cols: panelValues.length,
    titles: opts.panelBy === undefined ? undefined : titles,
    logY: logYs,
    yTitle: yTitles,
    xTitle: opts.xTitle ?? opts.x,
    title: opts.title,
    name: opts.name,
    height: opts.height,
    width: opts.width,
    ddof: opts.ddof,
  });
}

function checkColumns(rows: readonly ResultRow[], opts: FromRowsOptions, ys: readonly string[]): void {
  if (rows.length === 0) throw new DataError('figureFromRows: no rows to plot');
  const present = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) present.add(k);
  const wanted: [string, string | undefined][] = [
    ['x', opts.x], ['groupBy', opts.groupBy], ['seedKey', opts.seedKey], ['panelBy', opts.panelBy],
    ...ys.map((y): [string, string] => ['y', y]),
  ];
  for (const [field, col] of wanted) {
    if (col !== undefined && !present.has(col)) {
      throw new ConfigError(`figureFromRows.${field}`, `column ${showValue(col)} is in no row; columns are ${showValue([...present])}`);
    }
  }
}

function label(v: ResultRow[string]): string {
  return v === undefined || v === null ? '(none)' : String(v);
}

function num(v: ResultRow[string]): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function ordered(values: readonly string[], first: readonly string[] | undefined): string[] {
  const seen = new Set<string>(values);
  const out: string[] = [];
  for (const v of first ?? []) if (seen.has(v) && !out.includes(v)) out.push(v);
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out;
}

/** The band series of one curve in one panel, or null when it has no point. */
function collect(rows: readonly ResultRow[], opts: FromRowsOptions, y: string, pv: string, gv: string): NamedSeries | null {
  const bySeed = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (opts.panelBy !== undefined && label(r[opts.panelBy]) !== pv) continue;
    if (opts.groupBy !== undefined && label(r[opts.groupBy]) !== gv) continue;
    const x = num(r[opts.x]);
    const v = num(r[y]);
    if (!Number.isFinite(x) || r[y] === undefined || r[y] === null || r[y] === '') continue;
    const seed = opts.seedKey === undefined ? '' : label(r[opts.seedKey]);
    let m = bySeed.get(seed);
    if (m === undefined) bySeed.set(seed, (m = new Map()));
    if (m.has(x)) {
      const where = [opts.panelBy && `${opts.panelBy}=${pv}`, opts.groupBy && `${opts.groupBy}=${gv}`, opts.seedKey && `${opts.seedKey}=${seed}`].filter(Boolean).join(', ');
      throw new DataError(`figureFromRows: two rows with ${opts.x}=${x} for ${y}${where ? ` (${where})` : ''}; filter the rows or add a groupBy/seedKey/panelBy column`);
    }
    m.set(x, v);
  }
  if (bySeed.size === 0) return null;
  const xs = [...new Set([...bySeed.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const seedRows = [...bySeed.values()].map((m) => xs.map((x) => m.get(x) ?? NaN));
  return { name: opts.groupBy === undefined ? y : gv, x: xs, ys: seedRows };
}

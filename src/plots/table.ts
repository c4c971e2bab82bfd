/** Tables (arrays of rows, or a danfojs DataFrame) as HTML. */
import { ConfigError } from '../util/errors.js';
import { escapeHtml } from './escape.js';

/** Anything with `columns` and row-major `values`, as a danfojs DataFrame has. */
export interface DataFrameLike {
  readonly columns: readonly string[];
  readonly values: unknown;
}

/** Rows (column name -> value), or a DataFrame-like object. */
export type TableInput = readonly Readonly<Record<string, unknown>>[] | DataFrameLike;

/** Options of {@link tableHtml}. */
export interface TableHtmlOptions {
  /** Rows shown; the rest are counted in a last line. Default 50. */
  maxRows?: number;
  /** Significant digits of non-integer numbers. Default 4. */
  digits?: number;
  /** Caption above the table. */
  caption?: string;
}

/**
 * An HTML table (`<table class="exact-gn-table">`); numbers right-aligned and rounded to `digits`
 * significant digits, NaN shown as NaN, missing values blank, all text escaped.
 *
 * @example
 * tableHtml([{ optimizer: 'gn', loss: 0.123456 }, { optimizer: 'adam', loss: 0.5 }], { digits: 3 });
 * // <table class="exact-gn-table">...<td>0.123</td>...
 */
export function tableHtml(input: TableInput, opts: TableHtmlOptions = {}): string {
  const { columns, rows } = normalize(input);
  const maxRows = opts.maxRows ?? 50;
  const digits = opts.digits ?? 4;
  const shown = rows.slice(0, maxRows);
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = shown.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(format(v, digits))}</td>`).join('')}</tr>`).join('\n');
  const more = rows.length > shown.length ? `\n<tr><td colspan="${columns.length}">… ${rows.length - shown.length} more rows</td></tr>` : '';
  const caption = opts.caption !== undefined ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="exact-gn-table">${caption}\n<thead>${head}</thead>\n<tbody>\n${body}${more}\n</tbody>\n</table>`;
}

function normalize(input: TableInput): { columns: string[]; rows: unknown[][] } {
  if (Array.isArray(input)) {
    const rows = input as readonly Readonly<Record<string, unknown>>[];
    const columns: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
    return { columns, rows: rows.map((r) => columns.map((c) => r[c])) };
  }
  const df = input as DataFrameLike;
  const columns = [...df.columns];
  const values = df.values;
  if (!Array.isArray(values) || values.some((r) => !Array.isArray(r))) {
    throw new ConfigError('table', 'expected an array of rows or a DataFrame (columns + 2-D values); for a Series, use series.values with its name');
  }
  return { columns, rows: (values as unknown[][]).map((r) => [...r]) };
}

function format(v: unknown, digits: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(digits)));
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * Results as tables: plain rows with one set of columns (for plots), or a danfojs-node DataFrame
 * (imported lazily: it is heavy and optional for most uses).
 */
import { DataError } from '../util/errors.js';
import { loadDanfo } from '../util/danfo.js';
import { validateConfig } from './config.js';
import type { EventRow } from './events.js';
import type { RunResult } from './runner.js';
import { inspectRun } from './store.js';

export type RowKind = EventRow['type'];

/** A row with every column of the selected rows; a column a row lacks is null. */
export type TableRow = Record<string, string | number | boolean | null>;

/**
 * The rows of a run (optionally of one type), all with the same columns in first-seen order.
 *
 * @example
 * const evals = resultsRows(result, 'eval'); // [{ type: 'eval', epoch: 0, step: 0, test_loss, ... }, ...]
 */
export function resultsRows(result: Pick<RunResult, 'rows'> | readonly EventRow[], type?: RowKind): TableRow[] {
  const rows = (Array.isArray(result) ? result : (result as Pick<RunResult, 'rows'>).rows) as readonly EventRow[];
  const chosen = type === undefined ? rows : rows.filter((r) => r.type === type);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of chosen) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); columns.push(k); }
  return chosen.map((r) => {
    const out: TableRow = {};
    const rec = r as unknown as Record<string, string | number | boolean | null | undefined>;
    for (const c of columns) out[c] = rec[c] ?? null;
    return out;
  });
}

/** The danfojs-node DataFrame type, without importing danfojs-node at load time. */
export type DataFrame = InstanceType<typeof import('danfojs-node').DataFrame>;

/**
 * A danfojs-node DataFrame of the run's rows (optionally of one type). Note that danfo stores
 * floats as float32; use {@link resultsRows} for the float64 values.
 *
 * @example
 * const df = await resultsFrame(result, 'eval');
 * df.print();
 */
export async function resultsFrame(result: Pick<RunResult, 'rows'> | readonly EventRow[], type?: RowKind): Promise<DataFrame> {
  const { DataFrame } = await loadDanfo('resultsFrame');
  const rows = resultsRows(result, type);
  return new DataFrame(rows.length > 0 ? rows : [{}]);
}

/**
 * Reads a finished run directory (complete or failed) without training: its config and rows.
 * Throws a DataError when the run is missing, unfinished or damaged.
 *
 * @example
 * const r = readRun('runs/3f9c0a1b2c3d4e5f');
 */
export function readRun(dir: string): RunResult {
  const st = inspectRun(dir);
  if (st.state !== 'valid') {
    const why = st.state === 'damaged' ? `damaged (${st.why})` : st.state === 'incomplete' ? 'not finished (run it again to resume)' : 'not a run directory';
    throw new DataError(`run is ${why}`, dir);
  }
  const r: RunResult = { key: st.config.key, dir, status: st.done.status, rows: st.rows, cached: true, config: validateConfig(st.config.config) };
  if (st.done.reason !== undefined) r.reason = st.done.reason;
  return r;
}

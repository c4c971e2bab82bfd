/**
 * The results table: one long, tidy table (one number per row) that live runs produce and that the
 * committed results/*.csv files hold, so the same findings judge both.
 *
 * Columns: run, curve, optimizer, rule, dataset, variant, seed, epoch, step, metric, value.
 * - `run` is the figure's run id ('MNIST/gn/42'); `curve` its legend label ('gn', 'gn (half-coupling)',
 *   'adam'; an appendix sweep's own label); `optimizer` the optimizer that trained it ('gn', 'adam',
 *   'sgd'); `rule` the GN rule ('block', 'half-coupling'; '' for Adam and SGD); `variant` extra
 *   grouping ('full batch', 'mini-batch', ...; '' when none).
 * - Metrics of a training step (epoch from 1, step from 1): `batch_loss` (mean cross-entropy of the
 *   batch before the update), `batch_loss_after` (the same batch right after it),
 *   `batch_loss_change_pct` (100 (after - before) / before), `gn_min_rank` (GN only).
 * - Metrics of an evaluation (epoch 0 = init): `test_loss`, `test_acc`, and on the training data
 *   (full batch) `train_loss`, `train_acc`.
 * - Analyses add their own (`ntk_probe_cos_init`, `ntk_rate`, `cka_init.b1.g`, ...), at checkpoint epochs.
 * - A failed run ends with one `failed` row (value 1) at the step where it stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { DataFrame } from 'danfojs-node';
import type { EventRow } from '../experiments/events.js';
import type { RunResult } from '../experiments/runner.js';
import { writeFileAtomic } from '../io/atomic.js';
import { DataError } from '../util/errors.js';
import { loadDanfo } from '../util/danfo.js';

/** One measured number. */
export type TidyRow = {
  run: string;
  curve: string;
  optimizer: string;
  rule: string;
  dataset: string;
  variant: string;
  seed: number;
  epoch: number;
  step: number;
  metric: string;
  value: number;
};

export type ResultsTable = readonly TidyRow[];

/** The columns, in order (also the CSV header). */
export const TABLE_COLUMNS = ['run', 'curve', 'optimizer', 'rule', 'dataset', 'variant', 'seed', 'epoch', 'step', 'metric', 'value'] as const;

/** The labels a run's rows carry. */
export type RunLabels = Pick<TidyRow, 'run' | 'curve' | 'optimizer' | 'rule' | 'dataset' | 'variant' | 'seed'>;

const STEP_METRICS: readonly [string, string][] = [
  ['train_loss', 'batch_loss'], ['loss_after', 'batch_loss_after'], ['batch_loss_change_pct', 'batch_loss_change_pct'], ['gn_min_rank', 'gn_min_rank'],
];
const EVAL_METRICS = ['test_loss', 'test_acc', 'train_loss', 'train_acc'] as const;

/**
 * A run's event rows as tidy rows (timings dropped: they are not results).
 *
 * @example
 * const t = tidyRows({ run: 'MNIST/gn/42', curve: 'gn', optimizer: 'gn', rule: 'block', dataset: 'MNIST', variant: '', seed: 42 }, result.rows);
 */
export function tidyRows(labels: RunLabels, rows: readonly EventRow[]): TidyRow[] {
  const out: TidyRow[] = [];
  const push = (epoch: number, step: number, metric: string, value: unknown) => {
    if (typeof value === 'number') out.push({ ...labels, epoch, step, metric, value });
  };
  for (const r of rows) {
    if (r.type === 'step') {
      const rec = r as unknown as Record<string, unknown>;
      for (const [from, to] of STEP_METRICS) push(r.epoch, r.step, to, rec[from]);
    } else if (r.type === 'eval') {
      for (const m of EVAL_METRICS) push(r.epoch, r.step, m, r[m]);
    } else {
      push(r.epoch, r.step, 'failed', 1);
    }
  }
  return out;
}

/** The labels of a run of a figure (see {@link TidyRow}). */
export function runLabels(ref: { id: string; optimizer: string; dataset: string; seed: number; tags?: Record<string, string> }, result: Pick<RunResult, 'config'>): RunLabels {
  const opt = result.config.optimizer;
  return {
    run: ref.id,
    curve: ref.optimizer,
    optimizer: result.config.switchAt ? `${opt.name}->${result.config.switchAt.optimizer.name}` : opt.name,
    rule: opt.gn?.rule ?? result.config.switchAt?.optimizer.gn?.rule ?? '',
    dataset: ref.dataset,
    variant: ref.tags ? Object.values(ref.tags).join(', ') : '',
    seed: ref.seed,
  };
}

// ---- selecting ---------------------------------------------------------------------------------

/** Rows matching every given field (string or list of accepted values). */
export function where(table: ResultsTable, match: Partial<Record<keyof TidyRow, string | number | readonly (string | number)[]>>): TidyRow[] {
  const entries = Object.entries(match) as [keyof TidyRow, string | number | readonly (string | number)[]][];
  return table.filter((r) => entries.every(([k, v]) => (Array.isArray(v) ? (v as readonly (string | number)[]).includes(r[k]) : r[k] === v)));
}

/** Distinct values of a column, in order of first appearance. */
export function distinct<K extends keyof TidyRow>(table: ResultsTable, column: K): TidyRow[K][] {
  return [...new Set(table.map((r) => r[column]))];
}

/**
 * Per-epoch mean of a step metric (e.g. the epoch's training loss from `batch_loss`), as tidy rows
 * named `<metric>_epoch_mean`, one per run and epoch (NaN values skipped; the epoch's last step).
 *
 * @example
 * epochMean(table, 'batch_loss'); // rows with metric 'batch_loss_epoch_mean'
 */
export function epochMean(table: ResultsTable, metric: string): TidyRow[] {
  const groups = new Map<string, { row: TidyRow; sum: number; n: number }>();
  for (const r of table) {
    if (r.metric !== metric) continue;
    const key = `${r.run}\u0000${r.epoch}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { row: r, sum: 0, n: 0 }));
    if (r.step > g.row.step) g.row = r;
    if (Number.isFinite(r.value)) {
      g.sum += r.value;
      g.n += 1;
    }
  }
  return [...groups.values()].map(({ row, sum, n }) => ({ ...row, metric: `${metric}_epoch_mean`, value: n > 0 ? sum / n : NaN }));
}

/**
 * Wide records for plots (`figureFromRows`): one per (run, epoch or step) with a column per metric.
 *
 * @example
 * figureFromRows(wide(where(table, { metric: ['train_loss', 'train_acc'] }), 'step'), { x: 'step', y: 'train_loss', groupBy: 'curve', seedKey: 'seed' });
 */
export function wide(table: ResultsTable, x: 'epoch' | 'step' = 'epoch'): Record<string, string | number>[] {
  const byKey = new Map<string, Record<string, string | number>>();
  for (const r of table) {
    const key = `${r.run}\u0000${r[x]}`;
    let rec = byKey.get(key);
    if (!rec) byKey.set(key, (rec = { run: r.run, curve: r.curve, optimizer: r.optimizer, rule: r.rule, dataset: r.dataset, variant: r.variant, seed: r.seed, epoch: r.epoch, step: r.step }));
    rec[r.metric] = r.value;
  }
  return [...byKey.values()];
}

// ---- CSV ----------------------------------------------------------------------------------------

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The table as CSV text (header {@link TABLE_COLUMNS}; NaN written as NaN). */
export function tableToCsv(table: ResultsTable, comment?: string): string {
  const lines = comment ? comment.split('\n').map((l) => `# ${l}`) : [];
  lines.push(TABLE_COLUMNS.join(','));
  for (const r of table) lines.push(TABLE_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a results table CSV (lines starting with # are comments). Throws a DataError naming the
 * line for a wrong header, a wrong field count or a non-numeric seed, epoch, step or value.
 */
export function tableFromCsv(text: string, source = 'results table'): TidyRow[] {
  const lines = text.split('\n').map((l, i) => ({ l: l.replace(/\r$/, ''), n: i + 1 })).filter(({ l }) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0] ? splitCsvLine(lines[0].l) : [];
  if (header.join(',') !== TABLE_COLUMNS.join(',')) {
    throw new DataError(`not a results table: the header must be ${TABLE_COLUMNS.join(',')}, got ${JSON.stringify(header.join(',')).slice(0, 200)}`, source);
  }
  return lines.slice(1).map(({ l, n }) => {
    const cells = splitCsvLine(l);
    if (cells.length !== TABLE_COLUMNS.length) throw new DataError(`line ${n} has ${cells.length} fields, expected ${TABLE_COLUMNS.length}`, source);
    const rec = Object.fromEntries(TABLE_COLUMNS.map((c, j) => [c, cells[j]!])) as Record<string, string>;
    const num = (c: string, integer: boolean): number => {
      const v = rec[c]!;
      const x = v === 'NaN' ? NaN : Number(v);
      if (v === '' || (v !== 'NaN' && !Number.isFinite(x) && !/^-?Infinity$/.test(v)) || (integer && !Number.isInteger(x))) {
        throw new DataError(`line ${n}: ${c} must be ${integer ? 'an integer' : 'a number (or NaN)'}, got ${JSON.stringify(v)}`, source);
      }
      return x;
    };
    return {
      run: rec.run!, curve: rec.curve!, optimizer: rec.optimizer!, rule: rec.rule!, dataset: rec.dataset!, variant: rec.variant!,
      seed: num('seed', true), epoch: num('epoch', true), step: num('step', true), metric: rec.metric!, value: num('value', false),
    };
  });
}

/** Reads a results table CSV file (see {@link tableFromCsv}). */
export function readTable(path: string): TidyRow[] {
  if (!existsSync(path)) throw new DataError('no such results table (regenerate it with the command in results/README.md)', path);
  return tableFromCsv(readFileSync(path, 'utf8'), path);
}

/** Writes a results table CSV atomically (a crash leaves the old file). */
export function writeTable(path: string, table: ResultsTable, comment?: string): void {
  writeFileAtomic(path, tableToCsv(table, comment));
}

// ---- DataFrame ----------------------------------------------------------------------------------

/**
 * The table as a danfojs DataFrame (columns {@link TABLE_COLUMNS}), for group/filter/query in a cell.
 * Note: danfojs stores floats as float32. danfojs-node is an optional peer dependency: without it
 * this throws a MissingPackageError naming the install command (the rows need nothing).
 *
 * @example
 * const df = await tableFrame(table);
 * df.query(df['metric'].eq('test_loss')).groupby(['curve', 'epoch']).col(['value']).mean();
 */
export async function tableFrame(table: ResultsTable): Promise<DataFrame> {
  const dfd = await loadDanfo('Results-table DataFrames');
  if (table.length === 0) return new dfd.DataFrame([], { columns: [...TABLE_COLUMNS] });
  return new dfd.DataFrame(Object.fromEntries(TABLE_COLUMNS.map((c) => [c, table.map((r) => r[c])])));
}

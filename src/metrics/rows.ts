/**
 * Plain result rows of the post-hoc analysis (one number per row, long format), their metric
 * names, and conversions: to wide records (one per run and epoch, for the plots' figureFromRows)
 * and to a danfojs-node DataFrame (loaded lazily: importing danfojs takes seconds).
 */
import type { DataFrame } from 'danfojs-node';
import { loadDanfo } from '../util/danfo.js';

/** One measured value. Fields that do not apply are null (global metrics have no block). */
export interface MetricRow {
  /** Run label (AnalyzeOptions.run), '' when none was given. */
  run: string;
  epoch: number;
  /** One of {@link METRIC_DESCRIPTIONS}. */
  metric: MetricName;
  /** Block index (0-based) for per-block metrics, else null. */
  block: number | null;
  /** Half-coupling for per-half metrics, else null. */
  half: 'f' | 'g' | null;
  /** Trained tensor name (`blocks.0.f.W`) for weight metrics, else null. */
  tensor: string | null;
  value: number;
}

/** Columns of {@link rowsToDataFrame}, in order. */
export const ROW_COLUMNS = ['run', 'epoch', 'metric', 'block', 'half', 'tensor', 'value'] as const;

/** Every metric the analysis emits, with what it measures. */
export const METRIC_DESCRIPTIONS = {
  loss: 'mean cross-entropy on the probe batch',
  accuracy: 'accuracy on the probe batch',
  ntk_probe_cos_init: 'cos(Theta_0 v, Theta_t v), fixed random probe v (NTK similarity to init)',
  ntk_probe_cos_prev: 'cos(Theta_prev v, Theta_t v) between consecutive checkpoints',
  ntk_probe_norm_ratio: '|Theta_t v| / |Theta_0 v| (how much the kernel grew along v)',
  jac_probe_cos_init: 'cos(J_0^T v, J_t^T v) over the trained-parameter vector',
  jac_probe_cos_prev: 'cos(J_prev^T v, J_t^T v) between consecutive checkpoints',
  ntk_alignment_init: 'Frobenius alignment of the explicit empirical NTK with the one at init',
  ntk_rate: '1 - alignment of the explicit NTK with the previous checkpoint (rate of change)',
  ntk_norm_ratio: '|K_t|_F / |K_0|_F of the explicit empirical NTK',
  cka_init: 'linear CKA to init, per half-coupling representation',
  cka_debiased_init: 'debiased linear CKA to init, per half-coupling',
  cka_prev: 'linear CKA with the previous checkpoint, per half-coupling',
  cka_across: 'linear CKA between two runs at the same epoch, per half-coupling',
  cka_debiased_across: 'debiased linear CKA between two runs at the same epoch, per half-coupling',
  weight_cos_init: 'cos(theta_0, theta_t) per trained tensor (NaN for b against its zero init)',
  weight_norm_ratio: '|theta_t| / |theta_0| per trained tensor (NaN for b)',
  weight_rel_change: '|theta_t - theta_0| / |theta_0| per trained tensor (NaN for b)',
  weight_norm: '|theta_t| per trained tensor',
  weight_rel_step: '|theta_t - theta_prev| / |theta_prev| per trained tensor',
  pinv_rank: 'singular values of A = [S, 1] kept by the truncation, per half-coupling',
  pinv_cond: 's_max / s_min of A per half-coupling',
  pinv_cond_kept: 's_max / smallest kept singular value of A per half-coupling',
  pinv_smax: 'largest singular value of A per half-coupling',
  pinv_smin: 'smallest singular value of A per half-coupling',
} as const;

export type MetricName = keyof typeof METRIC_DESCRIPTIONS;

/**
 * Column name of a row in the wide format: metric, then `.b{block}.{half}` or `.{tensor}`.
 *
 * @example
 * wideColumn({ metric: 'cka_init', block: 1, half: 'g', tensor: null }); // 'cka_init.b1.g'
 */
export function wideColumn(row: Pick<MetricRow, 'metric' | 'block' | 'half' | 'tensor'>): string {
  if (row.tensor !== null) return `${row.metric}.${row.tensor}`;
  if (row.block !== null) return `${row.metric}.b${row.block}${row.half !== null ? `.${row.half}` : ''}`;
  return row.metric;
}

/**
 * Long rows -> one record per (run, epoch) with a column per metric (and block/half/tensor), in
 * order of first appearance. Ready for the plots' `figureFromRows` (x: 'epoch', groupBy: 'run').
 *
 * @example
 * const wide = widenRows(rows);   // [{ run: 'gn', epoch: 0, loss: 2.3, 'cka_init.b0.f': 1, ... }, ...]
 */
export function widenRows(rows: readonly MetricRow[]): Record<string, number | string>[] {
  const byKey = new Map<string, Record<string, number | string>>();
  for (const r of rows) {
    const key = `${r.run}\u0000${r.epoch}`;
    let rec = byKey.get(key);
    if (!rec) {
      rec = { run: r.run, epoch: r.epoch };
      byKey.set(key, rec);
    }
    rec[wideColumn(r)] = r.value;
  }
  return [...byKey.values()];
}

/**
 * Rows -> a danfojs-node DataFrame with columns run, epoch, metric, block, half, tensor, value
 * (nulls become NaN for block, '' for half and tensor, so every column has one type). danfojs is
 * imported on first use (it takes a few seconds to load) and shares our tfjs; it is an optional
 * peer dependency, and a missing one throws a MissingPackageError saying how to install it.
 *
 * @example
 * const df = await rowsToDataFrame(rows);
 * df.query(df['metric'].eq('cka_init')).print();
 */
export async function rowsToDataFrame(rows: readonly MetricRow[]): Promise<DataFrame> {
  const dfd = await loadDanfo('rowsToDataFrame');
  if (rows.length === 0) return new dfd.DataFrame([], { columns: [...ROW_COLUMNS] });
  const columns = {
    run: rows.map((r) => r.run),
    epoch: rows.map((r) => r.epoch),
    metric: rows.map((r) => r.metric as string),
    block: rows.map((r) => (r.block === null ? NaN : r.block)),
    half: rows.map((r) => r.half ?? ''),
    tensor: rows.map((r) => r.tensor ?? ''),
    value: rows.map((r) => r.value),
  };
  return new dfd.DataFrame(columns);
}

/**
 * The rows of a run's events.jsonl, one JSON object per line, in the order they happened.
 * Losses are float64 numbers; `gn_max_cond` is null when a Gram matrix was singular (infinite
 * condition number). Timing columns (`step_ms`, `eval_ms`) are the only ones that differ between
 * two runs of the same config.
 */

/** One optimizer step (every `logEvery` steps). */
export interface StepRow {
  type: 'step';
  /** Epoch being trained, from 1. */
  epoch: number;
  /** Steps taken so far, this one included (from 1). */
  step: number;
  /** Batch index within the epoch, from 0. */
  batch: number;
  /** Rows in the batch (the last mini-batch may be smaller). */
  batch_size: number;
  /** Optimizer that took the step ('gn', 'adam', 'sgd', 'kfac', 'damped-gn'; changes at switchAt). */
  optimizer: string;
  /** Mean cross-entropy of the batch before the update. */
  train_loss: number;
  /** Mean cross-entropy of the same batch right after the update. */
  loss_after: number;
  /** 100 * (loss_after - train_loss) / train_loss. */
  batch_loss_change_pct: number;
  /** Wall time of the optimizer step in milliseconds. */
  step_ms: number;
  /** GN only: smallest number of directions kept by any pseudo-inverse solve. */
  gn_min_rank?: number;
  /** GN only: largest Gram condition number (null = singular). */
  gn_max_cond?: number | null;
  /** GN only: every block kept all n directions (the step is the exact GN step). */
  gn_exact?: boolean;
  /** Damped GN only: the lambda this step used. */
  lm_lambda?: number;
  /** Damped GN only: gain ratio (actual / predicted batch-loss reduction); null when not finite. */
  lm_rho?: number | null;
}

/** An evaluation after `epoch` epochs (0 = the initial model). */
export interface EvalRow {
  type: 'eval';
  epoch: number;
  /** Steps taken so far. */
  step: number;
  test_loss: number;
  test_acc: number;
  /** Loss and accuracy on the training data (with evalTrain). */
  train_loss?: number;
  train_acc?: number;
  eval_ms: number;
}

/** The run stopped on a non-finite loss or update; the last resume checkpoint is the last good state. */
export interface FailedRow {
  type: 'failed';
  epoch: number;
  /** The step that failed (from 1), or the steps taken when an evaluation failed. */
  step: number;
  batch: number;
  reason: string;
}

export type EventRow = StepRow | EvalRow | FailedRow;

/** Columns that hold wall-clock timings (drop them to compare two runs). */
export const TIMING_COLUMNS: readonly string[] = ['step_ms', 'eval_ms'];

/**
 * A copy of the rows without timing columns: what must be identical between two runs of one config.
 *
 * @example
 * assert.deepEqual(withoutTimings(a.rows), withoutTimings(b.rows));
 */
export function withoutTimings(rows: readonly EventRow[]): Record<string, unknown>[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const c of TIMING_COLUMNS) delete out[c];
    return out;
  });
}

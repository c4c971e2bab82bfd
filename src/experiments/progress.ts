/**
 * Progress of a run: events for callers (onProgress) and the default reporter on stderr, a
 * progress bar with ETA on a TTY, else one line per run (notebooks, CI logs), plus one line per
 * epoch at most every `everyMs` (default a minute, or EXACT_GN_PROGRESS_MS) while a long run is going.
 */
import { ConfigError, show } from '../util/errors.js';

/** What just happened; every event is reported after its row or file is durably written. */
export interface ProgressEvent {
  /** 'start' (after setup or resume), 'step' (a step row), 'eval' (an eval row), 'epoch' (resume checkpoint written), 'done'. */
  kind: 'start' | 'step' | 'eval' | 'epoch' | 'done';
  key: string;
  /** Epoch being trained (from 1), or finished ('eval', 'epoch'); 0 before training. */
  epoch: number;
  epochs: number;
  /** Batch index within the epoch (from 0) and batches per epoch. */
  batch: number;
  batches: number;
  /** Steps taken so far and in the whole run. */
  step: number;
  totalSteps: number;
  /** Steps that were already done when this process started (resume). */
  resumedAt: number;
  trainLoss?: number;
  testLoss?: number;
  testAcc?: number;
  /** Milliseconds since this process started the run, and the estimated time to finish. */
  elapsedMs: number;
  etaMs: number | null;
}

/** Formats milliseconds as e.g. '42s', '3m07s', '1h02m'. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Estimated milliseconds left, from this process's pace; null before its first step. */
export function estimateEta(elapsedMs: number, step: number, resumedAt: number, totalSteps: number): number | null {
  const done = step - resumedAt;
  return done > 0 ? (elapsedMs / done) * (totalSteps - step) : null;
}

interface Out {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link progressReporter}. */
export interface ProgressReporterOptions {
  /**
   * Without a TTY: the shortest time between two 'epoch' lines of one run, in milliseconds
   * (default 60000). A run shorter than that prints only its 'done' line; Infinity: never.
   */
  everyMs?: number;
}

/**
 * The default progress reporter writing to `out` (stderr): a redrawn bar on a TTY; else one line
 * when the run is done (and when it resumed), with an epoch line at most every `everyMs` while a
 * long run is going, so a notebook that trains ten short runs prints ten lines, not one per epoch.
 *
 * @example
 * await runExperiment(cfg, { onProgress: progressReporter(process.stderr, { everyMs: 10_000 }) });
 */
export function progressReporter(out: Out = process.stderr, opts: ProgressReporterOptions = {}): (e: ProgressEvent) => void {
  const everyMs = opts.everyMs ?? progressEveryMsFromEnv();
  let lastDraw = 0;
  let lastLine = 0;
  let lastTest = '';
  return (e) => {
    if (e.kind === 'eval' && e.testAcc !== undefined) lastTest = ` test_loss ${fmt(e.testLoss)} test_acc ${(100 * e.testAcc).toFixed(2)}%`;
    const eta = e.etaMs === null ? '?' : formatDuration(e.etaMs);
    if (out.isTTY) {
      const now = Date.now();
      if (e.kind === 'step' && now - lastDraw < 100 && e.step !== e.totalSteps) return;
      lastDraw = now;
      const width = 24;
      const frac = e.totalSteps > 0 ? e.step / e.totalSteps : 1;
      const filled = Math.round(frac * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}%`;
      const line = `${e.key.slice(0, 8)} ${bar} ETA ${eta} epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.totalSteps} loss ${fmt(e.trainLoss)}${lastTest}`;
      const cols = out.columns ?? 120;
      out.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
      if (e.kind === 'done') out.write('\n');
      return;
    }
    if (e.kind === 'start') lastLine = e.elapsedMs;
    if (e.kind === 'epoch' && e.elapsedMs - lastLine < everyMs) return;
    if (e.kind === 'epoch' || e.kind === 'done' || (e.kind === 'start' && e.resumedAt > 0)) {
      lastLine = e.elapsedMs;
      const what = e.kind === 'start' ? ' resumed at' : e.kind === 'done' ? ' done:' : '';
      out.write(`${e.key}${what} epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.totalSteps} train_loss ${fmt(e.trainLoss)}${lastTest} elapsed ${formatDuration(e.elapsedMs)}${e.kind === 'done' ? '' : ` eta ${eta}`}\n`);
    }
  };
}

/**
 * The epoch-line interval off a terminal: EXACT_GN_PROGRESS_MS (milliseconds; 0 = every epoch, as
 * a cluster job's log may want), else one minute. A value that is not a non-negative number is
 * refused with the value, so a typo does not silently mean the default.
 */
export function progressEveryMsFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.EXACT_GN_PROGRESS_MS;
  if (raw === undefined || raw === '') return 60_000;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ConfigError('EXACT_GN_PROGRESS_MS', `expected milliseconds between progress lines (a number >= 0, 0 = every epoch), got ${show(raw)}`);
  }
  return ms;
}

function fmt(x: number | undefined): string {
  return x === undefined ? '-' : x.toPrecision(4);
}

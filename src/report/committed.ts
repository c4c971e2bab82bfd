/**
 * Committed evidence, both ways: a figure's finished runs (and its analysis of their checkpoints,
 * which is not in events.jsonl and whose checkpoints are not in git) as one results table, and a
 * committed table back into what the figure's draw and findings functions take.
 *
 * - A table figure (FigureSpec) keeps its analysis rows as tidy rows already (e.g. Figure 4's
 *   `ntk_probe_cos_init`, `cka_init.b1.g` at checkpoint epochs).
 * - A runs figure (RunsFigureSpec: most appendix items) judges event rows plus analysis records;
 *   the records go into the table as rows of run {@link ANALYSIS_RUN}: one row per numeric field,
 *   `step` = the record's index, `variant` = its text fields as JSON. {@link figureRunsFromTable}
 *   rebuilds the event rows (per run, from the tidy metrics), the refs (the figure's own runs for
 *   the table's profile, seeds and rule) and the records, so the same findings judge them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { optimizerForEpoch, validateConfig } from '../experiments/config.js';
import type { EventRow } from '../experiments/events.js';
import { runKey } from '../experiments/key.js';
import { readJsonl } from '../io/atomic.js';
import { runExperiment, RunMissingError, type RunResult } from '../experiments/runner.js';
import { runsRoot } from '../experiments/store.js';
import { PROFILES, type Profile } from '../experiments/presets.js';
import type { ResultRow } from '../plots/rows.js';
import { UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { DataError } from '../util/errors.js';
import { figureOptions, type AnyFigureSpec, type DrawnFigure, type FigureOptions, type FigureRuns, type Finding, type LabeledRow, type RunRef } from './figure.js';
import { notStartedLine, partialNotes, partialRunId, unfinishedLine } from './partial.js';
import { runLabels, tidyRows, type ResultsTable, type TidyRow } from './table.js';

/** The `run` of the rows that hold a runs figure's analysis records. */
export const ANALYSIS_RUN = '(analysis)';

/** Fields of an analysis record kept as coordinates, not as metrics. */
const COORDS = new Set(['seed', 'epoch']);

/**
 * A runs figure's analysis records as tidy rows (one per numeric field; text fields as JSON in
 * `variant`; `step` = the record's index, so records never merge).
 *
 * @example
 * analysisToTidy([{ kind: 'ntk', optimizer_label: 'gn', seed: 42, epoch: 1, ntk_probe_cos_init: 0.99 }]);
 */
export function analysisToTidy(records: readonly ResultRow[]): TidyRow[] {
  const out: TidyRow[] = [];
  records.forEach((r, i) => {
    const text: Record<string, string | boolean | null> = {};
    for (const [k, v] of Object.entries(r)) if (typeof v === 'string' || typeof v === 'boolean' || v === null) text[k] = v;
    const variant = JSON.stringify(text);
    const seed = typeof r.seed === 'number' ? r.seed : 0;
    const epoch = typeof r.epoch === 'number' ? r.epoch : 0;
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== 'number' || COORDS.has(k)) continue;
      out.push({ run: ANALYSIS_RUN, curve: String(r.optimizer_label ?? ''), optimizer: '', rule: '', dataset: String(r.dataset ?? ''), variant, seed, epoch, step: i, metric: k, value: v });
    }
    if (Object.entries(r).every(([k, v]) => COORDS.has(k) || typeof v !== 'number')) {
      // A record with text only still comes back (as a placeholder row).
      out.push({ run: ANALYSIS_RUN, curve: String(r.optimizer_label ?? ''), optimizer: '', rule: '', dataset: String(r.dataset ?? ''), variant, seed, epoch, step: i, metric: '(none)', value: NaN });
    }
  });
  return out;
}

/** The analysis records back from the table (see {@link analysisToTidy}), in their original order. */
export function analysisFromTable(table: ResultsTable): ResultRow[] {
  const byIndex = new Map<number, Record<string, string | number | boolean | null>>();
  for (const r of table) {
    if (r.run !== ANALYSIS_RUN) continue;
    let rec = byIndex.get(r.step);
    if (!rec) {
      let text: Record<string, string | boolean | null>;
      try {
        text = JSON.parse(r.variant) as Record<string, string | boolean | null>;
      } catch {
        throw new DataError(`analysis row ${r.step} has a variant that is not JSON (${JSON.stringify(r.variant).slice(0, 80)}); regenerate the table with scripts/export-results.ts`, 'results table');
      }
      byIndex.set(r.step, (rec = { ...text, seed: r.seed, epoch: r.epoch }));
    }
    if (r.metric !== '(none)') rec[r.metric] = r.value;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, rec]) => rec);
}

/** Tidy step metric -> event column (the inverse of table.ts's mapping). */
const STEP_COLUMNS: Record<string, string> = { batch_loss: 'train_loss', batch_loss_after: 'loss_after', batch_loss_change_pct: 'batch_loss_change_pct', gn_min_rank: 'gn_min_rank' };
const EVAL_COLUMNS = new Set(['test_loss', 'test_acc', 'train_loss', 'train_acc']);

/**
 * One run's event rows rebuilt from its tidy rows (timings and per-step diagnostics the table
 * does not keep are absent; `optimizer` of a step comes from the config's switch epoch).
 */
export function eventRowsFromTidy(rows: readonly TidyRow[], config?: ReturnType<typeof validateConfig>): EventRow[] {
  const steps = new Map<number, Record<string, unknown>>();
  const evals = new Map<number, Record<string, unknown>>();
  const failed: EventRow[] = [];
  for (const r of rows) {
    if (r.metric === 'failed') {
      failed.push({ type: 'failed', epoch: r.epoch, step: r.step, batch: 0, reason: 'failed (from the committed table)' });
    } else if (r.metric in STEP_COLUMNS) {
      const s = steps.get(r.step) ?? steps.set(r.step, { type: 'step', epoch: r.epoch, step: r.step, batch: 0, batch_size: 0, step_ms: NaN,
        optimizer: config ? optimizerForEpoch(config, r.epoch).optimizer.name : r.optimizer }).get(r.step)!;
      s[STEP_COLUMNS[r.metric]!] = r.value;
    } else if (EVAL_COLUMNS.has(r.metric)) {
      const e = evals.get(r.epoch) ?? evals.set(r.epoch, { type: 'eval', epoch: r.epoch, step: r.step, eval_ms: NaN }).get(r.epoch)!;
      e[r.metric] = r.value;
    }
  }
  // Events in the order they happened: the eval after epoch e comes after that epoch's steps.
  const all = [...steps.values(), ...evals.values()] as unknown as EventRow[];
  all.sort((a, b) => a.epoch - b.epoch || (a.type === 'eval' ? 1 : 0) - (b.type === 'eval' ? 1 : 0) || a.step - b.step);
  return [...all, ...failed];
}

/** The options a committed table was made with: its file's profile, the seeds in it, the GN rule of its GN curves. */
export function tableOptions(table: ResultsTable, profile: string, base: Partial<FigureOptions> = {}): FigureOptions {
  const seeds = [...new Set(table.filter((r) => r.run !== ANALYSIS_RUN).map((r) => r.seed))].sort((a, b) => a - b);
  const rules = new Set(table.filter((r) => r.run !== ANALYSIS_RUN && r.rule !== '').map((r) => r.rule));
  // A figure run under --rule half-coupling has only half-coupling GN curves (Figure 4 has both: its default rule is block).
  const rule: UpdateRule = rules.size === 1 && rules.has('half-coupling') ? 'half-coupling' : 'block';
  const p = (PROFILES as readonly string[]).includes(profile) ? (profile as Profile) : 'quick';
  return figureOptions({ ...base, profile: p, seeds: seeds.length ? seeds : undefined, rule: UPDATE_RULES.includes(rule) ? rule : 'block', progress: false, log: base.log ?? (() => {}) });
}

/**
 * A runs figure's FigureRuns and analysis records rebuilt from a committed table: the figure's
 * runs for `options` whose id appears in the table (a ref without rows is left out), each with
 * its event rows and a result whose status says whether it failed.
 */
export function figureRunsFromTable(spec: Pick<AnyFigureSpec, 'runs'>, table: ResultsTable, options: FigureOptions): { runs: FigureRuns; analysis: ResultRow[] } {
  const byRun = new Map<string, TidyRow[]>();
  for (const r of table) if (r.run !== ANALYSIS_RUN) (byRun.get(r.run) ?? byRun.set(r.run, []).get(r.run)!).push(r);
  const refs: RunRef[] = [];
  const results: RunResult[] = [];
  const rows: LabeledRow[] = [];
  const tidy: TidyRow[] = [];
  for (const ref of spec.runs(options)) {
    const mine = byRun.get(ref.id);
    if (!mine) continue;
    const config = validateConfig(ref.config);
    const events = eventRowsFromTidy(mine, config);
    // The panel label the table was made with (e.g. the Fashion-MNIST fallback), even where this machine has CIFAR-10.
    const dataset = mine[0]!.dataset;
    refs.push({ ...ref, dataset, fellBack: /fallback/i.test(dataset) });
    const failed = events.some((e) => e.type === 'failed');
    results.push({ key: runKey(config), dir: '(committed table)', status: failed ? 'failed' : 'complete', rows: events, cached: true, config, ...(failed ? { reason: 'failed (from the committed table)' } : {}) });
    for (const e of events) rows.push({ ...e, ...(ref.tags ?? {}), optimizer_label: ref.optimizer, dataset, seed: ref.seed, run: ref.id } as LabeledRow);
    tidy.push(...mine);
  }
  return { runs: { options, refs, results, rows, table: tidy }, analysis: analysisFromTable(table) };
}

/**
 * Draws and judges a committed table with the figure's own functions (a table figure directly;
 * a runs figure through {@link figureRunsFromTable}).
 *
 * @example
 * const { findings } = judgeCommitted(fig1, committedTables('fig1')[0]!.table, 'paper');
 */
export function judgeCommitted(spec: AnyFigureSpec, table: ResultsTable, profile: string, base: Partial<FigureOptions> = {}): { options: FigureOptions; figures: DrawnFigure[]; findings: Finding[] } {
  const options = tableOptions(table, profile, base);
  if ('from' in spec) {
    const { runs, analysis } = figureRunsFromTable(spec, table, options);
    return { options, figures: spec.draw(runs, analysis), findings: spec.findings(runs, analysis) };
  }
  return { options, figures: spec.draw(table, options), findings: spec.findings(table) };
}

/** What {@link exportFigureTable} wrote: the table, which runs were partial, and how the analysis went. */
export interface ExportedTable {
  table: TidyRow[];
  runs: number;
  /** 'id (N rows; resume with: command)' per unfinished run, 'id (not started; ...)' per absent one (with allowPartial). */
  partial: string[];
  /** Analysis rows in the table (0 when the figure has none). */
  analysisRows: number;
  /** Why the analysis was left out, or null. */
  analysisSkipped: string | null;
}

/**
 * The results table of a figure's finished runs in `root` (never trains): the training rows,
 * plus the figure's analysis of the runs' checkpoints (NTK, CKA, weights, ...), which a committed
 * table must carry because the checkpoints are not in git. A missing or unfinished run is a
 * DataError naming the command that produces it, unless `allowPartial`: then an unfinished run's
 * rows so far are kept, a run not started is left out (both listed in `partial`), and the analysis
 * covers the complete runs only.
 */
export async function exportFigureTable(spec: AnyFigureSpec, options: FigureOptions, opts: { root?: string; dataset?: string; allowPartial?: boolean; analysis?: boolean } = {}): Promise<ExportedTable> {
  const refs = spec.runs(options).filter((r) => opts.dataset === undefined || r.dataset === opts.dataset);
  if (refs.length === 0) throw new DataError(`no runs of ${spec.id} for dataset ${JSON.stringify(opts.dataset)}`, spec.id);
  const table: TidyRow[] = [];
  const partial: string[] = [];
  const done: { ref: RunRef; result: RunResult }[] = [];
  for (const ref of refs) {
    const config = validateConfig(ref.config);
    const produce = `node bin/exact-gn.js run --preset ${ref.preset} --profile ${options.profile} --seed ${ref.seed}${config.optimizer.gn ? ` --rule ${config.optimizer.gn.rule}` : ''}`;
    try {
      const result = await runExperiment(ref.config, { root: opts.root, noTrain: true, progress: false, verifyCheckpoints: spec.analyze !== undefined && opts.analysis !== false });
      done.push({ ref, result });
      table.push(...tidyRows(runLabels(ref, result), result.rows));
    } catch (e) {
      if (!(e instanceof RunMissingError)) throw e;
      const events = join(runsRoot(opts.root), runKey(config), 'events.jsonl');
      if (!opts.allowPartial) {
        const state = e.state === 'missing' ? 'not in the runs folder' : `${e.state} (not finished)`;
        throw new DataError(`${ref.id}: run ${e.key} (${e.label ?? ref.preset}) is ${state}; produce it with \`${produce}\`, or pass --allow-partial to export ${existsSync(events) ? 'its rows so far' : 'the other runs'}`, e.dir);
      }
      if (!existsSync(events)) {
        partial.push(notStartedLine(ref.id, produce));
        continue;
      }
      const rows = readJsonl(events).rows as EventRow[];
      partial.push(unfinishedLine(ref.id, rows.length, produce));
      table.push(...tidyRows(runLabels(ref, { config }), rows));
    }
  }
  let analysisRows = 0;
  let analysisSkipped: string | null = null;
  if (spec.analyze && opts.analysis !== false) {
    if (done.length === 0) analysisSkipped = 'no run is complete';
    else {
      const runs: FigureRuns = { options, refs: done.map((d) => d.ref), results: done.map((d) => d.result), rows: [], table: [] };
      for (const { ref, result } of done) for (const r of result.rows) runs.rows.push({ ...r, ...(ref.tags ?? {}), optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
      runs.table = [...table];
      const extra = 'from' in spec ? analysisToTidy(await spec.analyze!(runs)) : await spec.analyze!(runs);
      table.push(...extra);
      analysisRows = extra.length;
      if (partial.length > 0) analysisSkipped = `analysis covers the ${done.length} complete runs only`;
    }
  }
  return { table, runs: refs.length, partial, analysisRows, analysisSkipped };
}

/** What {@link mergeWithPrevious} made: the table, the runs still partial, and the runs taken from the previous table. */
export interface MergedTable {
  table: TidyRow[];
  /** Partial lines (./partial.ts) of the runs that neither side has complete. */
  partial: string[];
  /** Run ids whose rows (and analysis records) came from the previous table. */
  fromPrevious: string[];
}

/**
 * Fills a fresh export's missing or unfinished runs from the previous committed table of the same
 * figure, so that runs committed on another machine need not be trained again (a new machine starts
 * without runs/). Per run, a complete side wins (the fresh one first), else the side with rows (the
 * fresh one first). A run is complete in the previous table when it has rows and no `partial:` line
 * there. A run's analysis goes with its rows: rows carrying its run id, and the records of run
 * `(analysis)` that name it (their curve, `optimizer_label`, `trained` or `run` is its curve or id, at
 * its seed and dataset), re-indexed after the fresh records.
 *
 * @example
 * const prev = committedTables('fig2').find((c) => c.path.endsWith('fig2-mnist-medium.csv'))!;
 * mergeWithPrevious(await exportFigureTable(spec, options, { allowPartial: true }), prev);
 */
export function mergeWithPrevious(fresh: Pick<ExportedTable, 'table' | 'partial'>, previous: { table: ResultsTable; notes: readonly string[] }): MergedTable {
  const partialOf = (lines: readonly string[]) => new Map(lines.map((l) => [partialRunId(l), l] as const));
  const freshPartial = partialOf(fresh.partial);
  const prevPartial = partialOf(partialNotes(previous.notes));
  const freshRuns = runLabelsOf(fresh.table);
  const prevRuns = runLabelsOf(previous.table);
  const fromPrevious: string[] = [];
  const partial: string[] = [];
  for (const id of new Set([...freshRuns.keys(), ...prevRuns.keys(), ...freshPartial.keys(), ...prevPartial.keys()])) {
    const freshComplete = freshRuns.has(id) && !freshPartial.has(id);
    const prevComplete = prevRuns.has(id) && !prevPartial.has(id);
    const usePrev = !freshComplete && (prevComplete || (!freshRuns.has(id) && prevRuns.has(id)));
    if (usePrev) fromPrevious.push(id);
    if (freshComplete || prevComplete) continue;
    const line = usePrev ? prevPartial.get(id) : freshPartial.get(id) ?? prevPartial.get(id);
    if (line !== undefined) partial.push(line);
  }
  const taken = new Set(fromPrevious);
  const owner = (r: TidyRow, runs: Map<string, RunLabel>): string | undefined => (r.run === ANALYSIS_RUN ? analysisOwner(r, runs) : r.run);
  const table: TidyRow[] = fresh.table.filter((r) => !taken.has(owner(r, freshRuns) ?? ''));
  let next = Math.max(-1, ...table.filter((r) => r.run === ANALYSIS_RUN).map((r) => r.step)) + 1;
  const renumber = new Map<number, number>();
  for (const r of previous.table) {
    if (!taken.has(owner(r, prevRuns) ?? '')) continue;
    if (r.run !== ANALYSIS_RUN) table.push({ ...r });
    else {
      if (!renumber.has(r.step)) renumber.set(r.step, next++);
      table.push({ ...r, step: renumber.get(r.step)! });
    }
  }
  return { table, partial, fromPrevious };
}

interface RunLabel { curve: string; dataset: string; seed: number }

/** Each run of a table (not the analysis rows) with its curve, dataset and seed. */
function runLabelsOf(table: ResultsTable): Map<string, RunLabel> {
  const out = new Map<string, RunLabel>();
  for (const r of table) if (r.run !== ANALYSIS_RUN && !out.has(r.run)) out.set(r.run, { curve: r.curve, dataset: r.dataset, seed: r.seed });
  return out;
}

/** The run an analysis record names (see {@link mergeWithPrevious}), or undefined. */
function analysisOwner(r: TidyRow, runs: Map<string, RunLabel>): string | undefined {
  let text: Record<string, unknown> = {};
  try {
    text = JSON.parse(r.variant) as Record<string, unknown>;
  } catch {
    // not JSON: only the curve names the run
  }
  const names = new Set([r.curve, text.optimizer_label, text.trained, text.run].filter((v): v is string => typeof v === 'string' && v !== ''));
  for (const [id, l] of runs) {
    if (l.seed === r.seed && (r.dataset === '' || r.dataset === l.dataset) && (names.has(l.curve) || names.has(id))) return id;
  }
  return undefined;
}

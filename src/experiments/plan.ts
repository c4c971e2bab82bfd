/**
 * A plan: every run a report needs, once each, as a JSON file a scheduler's job array can work
 * through (`exact-gn run --plan plan.json --index N` for N = 0..entries-1). Each entry holds the
 * resolved config and its run key, so a task trains exactly the run the report will look up, and
 * an edited config no longer matches its key. Entries are ordered longest first (the usual rule
 * for finishing a batch of jobs early on a limited number of slots).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, show } from '../util/errors.js';
import { validateConfig, type ExperimentConfig, type ResolvedConfig } from './config.js';
import { canonicalJson, codeVersion, runKey } from './key.js';
import { estimateRun, type Device, type RunEstimate } from './cost.js';
import { runExperiment, type RunOptions, type RunResult } from './runner.js';

/** The `format` field of a plan file. */
export const PLAN_FORMAT = 'exact-gn-plan/1';

/** One run of a plan. */
export interface PlanEntry {
  /** Its position: what an array task passes as --index. */
  index: number;
  /** The run key: the run lives in <runs>/<key>/. */
  key: string;
  label: string;
  /** The figures that use this run, and the run's id in each ('fig2:MNIST/gn/42'). */
  figures: string[];
  refs: string[];
  /** True when Fashion-MNIST stands in for CIFAR-10 (the CIFAR-10 files were missing where the plan was made). */
  fellBack: boolean;
  estimate: RunEstimate;
  config: ResolvedConfig;
}

/** A plan file. */
export interface Plan {
  format: typeof PLAN_FORMAT;
  /** exact-gn's code version: run keys depend on it, so a plan only serves this version. */
  code: string;
  created: string;
  /** The command that made it. */
  command: string;
  profile: string;
  rule: string;
  seeds: number[];
  figures: string[];
  /** What the runs are meant for: cpu nodes (blas) or gpu nodes (webgpu). */
  device: Device;
  totals: PlanTotals;
  entries: PlanEntry[];
}

export interface PlanTotals {
  runs: number;
  /** Runs the figures ask for, counting a run shared by several figures once per figure. */
  figureRuns: number;
  cpuHours: number;
  /** Null where some entry has no GPU estimate. */
  gpuHours: number | null;
  longestCpuHours: number;
  maxMemoryMB: number;
  diskGB: number;
}

/** One run a figure asks for (what the report layer hands to buildPlan). */
export interface PlanRequest {
  figure: string;
  /** The run's id within the figure. */
  ref: string;
  config: ExperimentConfig;
  fellBack: boolean;
}

export interface PlanMeta {
  command: string;
  profile: string;
  rule: string;
  seeds: number[];
  figures: string[];
  device: Device;
}

const hours = (s: number): number => Math.round((s / 3600) * 100) / 100;

/**
 * Builds a plan from the runs the figures ask for: runs with equal keys become one entry (listing
 * every figure that uses it), each with its cost estimate, ordered by estimated time, longest first.
 *
 * @example
 * const plan = buildPlan([{ figure: 'fig1', ref: 'MNIST/gn/42', config: preset('fullbatch-mnist-gn'), fellBack: false }], meta);
 */
export function buildPlan(requests: readonly PlanRequest[], meta: PlanMeta): Plan {
  const byKey = new Map<string, Omit<PlanEntry, 'index'>>();
  for (const r of requests) {
    const config = validateConfig(r.config);
    const key = runKey(config);
    let e = byKey.get(key);
    if (!e) {
      byKey.set(key, (e = { key, label: config.label ?? key, figures: [], refs: [], fellBack: r.fellBack, estimate: estimateRun(config), config }));
    }
    if (!e.figures.includes(r.figure)) e.figures.push(r.figure);
    e.refs.push(`${r.figure}:${r.ref}`);
  }
  const time = (e: Omit<PlanEntry, 'index'>): number => (meta.device === 'gpu' ? e.estimate.gpuSeconds ?? e.estimate.cpuSeconds : e.estimate.cpuSeconds);
  const entries = [...byKey.values()]
    .sort((a, b) => time(b) - time(a) || (a.key < b.key ? -1 : 1))
    .map((e, index) => ({ index, ...e }));
  const gpu = entries.every((e) => e.estimate.gpuSeconds !== null) ? entries.reduce((s, e) => s + e.estimate.gpuSeconds!, 0) : null;
  return {
    format: PLAN_FORMAT,
    code: codeVersion(),
    created: new Date().toISOString(),
    ...meta,
    totals: {
      runs: entries.length,
      figureRuns: requests.length,
      cpuHours: hours(entries.reduce((s, e) => s + e.estimate.cpuSeconds, 0)),
      gpuHours: gpu === null ? null : hours(gpu),
      longestCpuHours: hours(Math.max(0, ...entries.map((e) => e.estimate.cpuSeconds))),
      maxMemoryMB: Math.max(0, ...entries.map((e) => e.estimate.memoryMB)),
      diskGB: Math.round(entries.reduce((s, e) => s + e.estimate.diskMB, 0) / 102.4) / 10,
    },
    entries,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks parsed JSON as a plan of this code version: its format, every entry's index, and that
 * every entry's config is valid and hashes to its key. Throws a ConfigError naming `source` and
 * the entry.
 */
export function validatePlan(value: unknown, source = 'plan'): Plan {
  const remake = 'make it again with `exact-gn plan ... --out FILE`';
  if (!isObject(value)) throw new ConfigError(source, `is not a plan: expected a JSON object, got ${show(value)}; ${remake}`);
  if (value.format !== PLAN_FORMAT) throw new ConfigError(`${source}: format`, `is ${show(value.format)}, expected ${show(PLAN_FORMAT)}: not an exact-gn plan file; ${remake}`);
  if (value.code !== codeVersion()) {
    throw new ConfigError(`${source}: code`, `the plan was made by exact-gn ${show(value.code)} but this is ${show(codeVersion())}; run keys depend on the version, so its runs ` +
      `would not be the ones this version's report looks for: ${remake} with this version`);
  }
  const entries = value.entries;
  if (!Array.isArray(entries) || entries.length === 0) throw new ConfigError(`${source}: entries`, `must be a non-empty array of runs, got ${show(entries)}; ${remake}`);
  const keys = new Set<string>();
  entries.forEach((e: unknown, i) => {
    const at = `${source}: entries[${i}]`;
    if (!isObject(e)) throw new ConfigError(at, `must be an object, got ${show(e)}`);
    if (e.index !== i) throw new ConfigError(`${at}.index`, `is ${show(e.index)}, expected ${i} (entries are numbered in order); ${remake}`);
    if (typeof e.key !== 'string') throw new ConfigError(`${at}.key`, `must be a run key, got ${show(e.key)}`);
    let config: ResolvedConfig;
    try {
      config = validateConfig(e.config);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${at}.config.${err.field}`, `${err.message.slice(err.field.length + 2)}; ${remake}`);
      throw err;
    }
    const key = runKey(config);
    if (key !== e.key) {
      throw new ConfigError(`${at}`, `its config hashes to run key ${key}, not to its key ${e.key}: the config was edited after planning (a task would train a run ` +
        `the report never reads); ${remake}`);
    }
    if (keys.has(key)) throw new ConfigError(`${at}.key`, `run ${key} is listed twice; ${remake}`);
    keys.add(key);
    e.config = config;
  });
  return value as unknown as Plan;
}

/**
 * Reads and validates a plan file (see validatePlan); a missing or non-JSON file is a ConfigError.
 *
 * @example
 * const plan = readPlan('plan.json');
 * console.log(plan.entries.length, plan.totals.cpuHours);
 */
export function readPlan(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, code === 'ENOENT' ? 'no such plan file; make one with `exact-gn plan --out FILE`' : `cannot read the plan file (${code ?? String(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(path, `is not valid JSON (${(e as Error).message}); make it again with \`exact-gn plan ... --out ${path}\``);
  }
  return validatePlan(value, path);
}

/** The entry at `index`, or a ConfigError (field `--index`) saying which indexes exist. */
export function planEntry(plan: Plan, index: number, source = 'the plan'): PlanEntry {
  if (!Number.isInteger(index) || index < 0 || index >= plan.entries.length) {
    throw new ConfigError('--index', `is ${show(index)} but ${source} has ${plan.entries.length} entries: use 0..${plan.entries.length - 1} ` +
      '(an array of that size: sbatch --array=0-' + `${plan.entries.length - 1}, or a Job with completions: ${plan.entries.length})`);
  }
  return plan.entries[index]!;
}

/**
 * Trains entry `index` of a plan into the runs root (or returns it from the cache). Another task
 * on the same run (a duplicate, or a requeued one whose predecessor still holds the lock) is
 * waited for; a lock left by a dead task is taken over (see RunOptions.staleAfterMs).
 *
 * @example
 * const res = await runPlanEntry(readPlan('plan.json'), Number(process.env.SLURM_ARRAY_TASK_ID), { root: '/shared/runs' });
 */
export async function runPlanEntry(plan: Plan, index: number, opts: Omit<RunOptions, 'noTrain'> = {}): Promise<RunResult> {
  const entry = planEntry(plan, index);
  const res = await runExperiment(entry.config, { wait: true, ...opts });
  if (res.key !== entry.key || canonicalJson(res.config) !== canonicalJson(entry.config)) {
    throw new ConfigError(`entries[${index}]`, `trained run ${res.key}, not the planned ${entry.key}`); // cannot happen after validatePlan
  }
  return res;
}

/**
 * `exact-gn plan` (every run of a report, once each, as a plan file; optionally a SLURM array
 * script and a Kubernetes Indexed Job for it) and `exact-gn run --plan FILE --index N` (one entry:
 * what an array task runs). See docs/scale-out.md.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, show } from '../util/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { DEVICES, type Device } from '../experiments/cost.js';
import { k8sManifest, slurmScript, type EmitOptions } from '../experiments/emit.js';
import { planEntry, readPlan, runPlanEntry } from '../experiments/plan.js';
import { runPaths, runsRoot } from '../experiments/store.js';
import { readLockHolder } from '../io/lock.js';
import { PROFILES, type Profile } from '../experiments/presets.js';
import { UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { planReport } from '../report/plan.js';
import { registerCommand } from './main.js';
import { numberFlag, parseArgs, stringFlag, type Parsed } from './args.js';

const PLAN_USAGE =
  'exact-gn plan [--profile paper|medium|quick] [--figures fig1,fig2,...|all] [--seeds 42,43,44] [--rule block|half-coupling] [--device cpu|gpu] --out plan.json ' +
  '[--emit slurm,k8s] [--parallel K] [--cpus C] [--time D-HH:MM:SS] [--partition P] [--account A] [--runs DIR] [--image IMAGE] [--pvc CLAIM] [--namespace NS]';

/** The exact-gn checkout this code runs from (src/cli or dist/cli are two levels below it). */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** `--seeds 42,43` as integers. */
export function seedsFlag(p: Parsed): number[] | undefined {
  const raw = stringFlag(p, 'seeds');
  if (raw === undefined) return undefined;
  const seeds = raw.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || !seeds.every((s) => Number.isInteger(s))) throw new ConfigError('--seeds', `must be comma-separated integers, got ${JSON.stringify(raw)}`);
  return seeds;
}

function oneOf<T extends string>(p: Parsed, flag: string, allowed: readonly T[], fallback: T): T {
  const v = stringFlag(p, flag) ?? fallback;
  if (!allowed.includes(v as T)) throw new ConfigError(`--${flag}`, `unknown value ${show(v)}; use one of ${allowed.join(', ')}`);
  return v as T;
}

/** `exact-gn plan`: writes the plan (and the scheduler files asked for) and prints a summary. */
export function planCommand(argv: readonly string[]): string {
  const p = parseArgs(argv, {
    profile: { type: 'string' },
    figures: { type: 'string' },
    seeds: { type: 'string' },
    rule: { type: 'string' },
    device: { type: 'string' },
    out: { type: 'string', required: true },
    emit: { type: 'string' },
    parallel: { type: 'string' },
    cpus: { type: 'string' },
    time: { type: 'string' },
    partition: { type: 'string' },
    account: { type: 'string' },
    runs: { type: 'string' },
    image: { type: 'string' },
    pvc: { type: 'string' },
    namespace: { type: 'string' },
  }, 'plan');
  if (p.positionals.length > 0) throw new ConfigError('plan', `takes no positional arguments, got ${p.positionals.join(' ')}; usage: ${PLAN_USAGE}`);
  const emit = (stringFlag(p, 'emit') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of emit) if (e !== 'slurm' && e !== 'k8s') throw new ConfigError('--emit', `unknown scheduler ${show(e)}; use slurm, k8s or slurm,k8s`);
  for (const f of ['parallel', 'cpus', 'time', 'partition', 'account', 'image', 'pvc', 'namespace']) {
    if (emit.length === 0 && p.flags[f] !== undefined) throw new ConfigError(`--${f}`, 'only applies with --emit slurm or --emit k8s');
  }
  const out = resolve(stringFlag(p, 'out')!);
  if (!out.endsWith('.json')) throw new ConfigError('--out', `must name a .json file, got ${show(stringFlag(p, 'out'))}`);
  const seeds = seedsFlag(p);
  const plan = planReport({
    profile: oneOf<Profile>(p, 'profile', PROFILES, 'paper'),
    rule: oneOf<UpdateRule>(p, 'rule', UPDATE_RULES, 'block'),
    ...(seeds ? { seeds } : {}),
    figures: stringFlag(p, 'figures')?.split(',').map((s) => s.trim()).filter(Boolean),
    device: oneOf<Device>(p, 'device', DEVICES, 'cpu'),
    command: ['exact-gn', 'plan', ...argv].join(' '),
  });
  const opts: EmitOptions = { planPath: out, runsDir: runsRoot(stringFlag(p, 'runs')), home: packageRoot() };
  const parallel = numberFlag(p, 'parallel', { integer: true, min: 1 });
  const cpus = numberFlag(p, 'cpus', { integer: true, min: 1 });
  if (parallel !== undefined) opts.parallel = parallel;
  if (cpus !== undefined) opts.cpus = cpus;
  for (const f of ['time', 'partition', 'account', 'image', 'pvc', 'namespace'] as const) {
    const v = stringFlag(p, f);
    if (v !== undefined) opts[f] = v;
  }
  if (process.env.EXACT_GN_CIFAR10_DIR) opts.cifar10Dir = resolve(process.env.EXACT_GN_CIFAR10_DIR);
  // Render everything before writing anything: a bad option leaves no half-written set of files.
  const base = out.slice(0, -'.json'.length);
  const files: [string, string][] = [[out, `${JSON.stringify(plan, null, 2)}\n`]];
  if (emit.includes('slurm')) {
    opts.scriptPath = `${base}.sbatch`;
    opts.logDir = `${base}-logs`;
    files.push([opts.scriptPath, slurmScript(plan, opts)]);
  }
  if (emit.includes('k8s')) files.push([`${base}.k8s.yaml`, k8sManifest(plan, opts)]);
  mkdirSync(dirname(out), { recursive: true });
  if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });
  for (const [path, text] of files) writeFileAtomic(path, text);
  const t = plan.totals;
  const fellBack = plan.entries.filter((e) => e.fellBack).length;
  return [
    `plan: ${out}: ${t.runs} runs (${t.figureRuns} asked for by ${plan.figures.length} figures; shared runs once), profile ${plan.profile}, device ${plan.device}`,
    `estimate: ${t.cpuHours} CPU hours in all on the benchmark machine (docs/benchmarks.md), longest run ${t.longestCpuHours} h, ` +
      `GPU ${t.gpuHours === null ? 'not measured yet' : `${t.gpuHours} h`}; peak memory ${t.maxMemoryMB} MB per run; ${t.diskGB} GB of checkpoints and logs`,
    `per figure (a shared run counts in each): ${plan.figures.map((f) => {
      const mine = plan.entries.filter((e) => e.figures.includes(f));
      return `${f} ${mine.length} runs ${Math.round(mine.reduce((s, e) => s + e.estimate.cpuSeconds, 0) / 360) / 10} h`;
    }).join('; ')}`,
    ...(fellBack > 0 ? [`note: ${fellBack} runs use Fashion-MNIST in place of CIFAR-10 (EXACT_GN_CIFAR10_DIR was not set to the CIFAR-10 files here); make the plan where they are to train on CIFAR-10`] : []),
    ...files.slice(1).map(([path]) => `wrote ${path}`),
    `each task: exact-gn run --plan ${out} --index N (N = 0..${t.runs - 1}); then: exact-gn reproduce --plan ${out} --runs DIR --no-train`,
  ].join('\n');
}

/** The array index: --index, else $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX. */
function indexOf(p: Parsed): number {
  const flag = stringFlag(p, 'index');
  const env = process.env.SLURM_ARRAY_TASK_ID ?? process.env.JOB_COMPLETION_INDEX;
  const raw = flag ?? env;
  if (raw === undefined) throw new ConfigError('--index', 'is required with --plan (or run as an array task: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX is read when --index is absent)');
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError('--index', `must be an entry number (0, 1, ...), got ${show(raw)}${flag === undefined ? ' from the environment' : ''}`);
  return Number(raw);
}

/** `exact-gn run --plan FILE --index N`: trains (or finds cached, or waits for) one plan entry. */
export async function planRunCommand(p: Parsed): Promise<string> {
  for (const f of ['preset', 'profile', 'seed', 'rule', 'epochs', 'fallback']) {
    if (p.flags[f] !== undefined) throw new ConfigError(`--${f}`, 'does not apply with --plan: the plan entry fixes the whole config');
  }
  if (p.positionals.length > 0) throw new ConfigError('run', `takes no config file with --plan, got ${p.positionals.join(' ')}`);
  if (p.flags.runs !== undefined && p.flags.out !== undefined) throw new ConfigError('--out', 'give the runs folder once: --runs DIR (or --out DIR)');
  const path = stringFlag(p, 'plan')!;
  const plan = readPlan(path);
  const index = indexOf(p);
  const entry = planEntry(plan, index, path);
  const stale = numberFlag(p, 'stale-after', { exclusiveMin: 0 });
  const t0 = performance.now();
  const root = stringFlag(p, 'runs') ?? stringFlag(p, 'out');
  const holder = readLockHolder(runPaths(join(runsRoot(root), entry.key)).lock);
  if (holder !== null && p.flags.quiet !== true) {
    process.stderr.write(`exact-gn run: run ${entry.key} is locked by pid ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}): waiting for it; ` +
      `a lock left by a dead process is taken over (on another host or container once untouched for ${stale ?? 300} s)\n`);
  }
  const res = await runPlanEntry(plan, index, {
    ...(root !== undefined ? { root } : {}),
    ...(stale !== undefined ? { staleAfterMs: stale * 1000 } : {}),
    progress: p.flags.quiet !== true,
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const what = `entry ${index} of ${plan.entries.length} (${entry.label})`;
  if (res.status === 'failed') return `failed (recorded; the report marks its curve failed, rerunning cannot change it): ${what}: ${res.reason ?? 'unknown reason'}; ${res.dir}`;
  return `${res.cached ? 'cached' : 'complete'}: ${what}: ${res.dir} (${res.rows.length} rows${res.cached ? '' : `, ${secs} s`})`;
}

registerCommand('plan', planCommand, PLAN_USAGE);

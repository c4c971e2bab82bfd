/**
 * `exact-gn run` (a config file or a preset) and `exact-gn presets`. Arguments are checked before
 * anything is written; the run's directory is printed on stdout, progress goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, NumericalError, show } from '../util/errors.js';
import { runExperiment } from '../experiments/runner.js';
import { validateConfig, type ExperimentConfig } from '../experiments/config.js';
import { cifar10Available, fallback, listPresets, preset, PROFILES, type Profile } from '../experiments/presets.js';
import { UPDATE_RULES, type UpdateRule } from '../gn/step.js';
import { registerCommand } from './main.js';
import { numberFlag, parseArgs, seedFlag, stringFlag, type Parsed } from './args.js';
import { planRunCommand } from './plan-commands.js';
import { OPTIMIZER_FLAG_SPEC, optimizerFlagOptions } from './optimizer-flags.js';
import { deepMerge } from '../experiments/presets.js';

const RUN_USAGE =
  'exact-gn run CONFIG.json | --preset NAME [--profile quick|medium|paper] [--seed N] [--rule block|half-coupling] [--epochs N] [--fallback]  ' +
  '[--out DIR] [--wait] [--quiet]  |  --plan PLAN.json --index N [--runs DIR] [--stale-after SECONDS] [--quiet]';

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, code === 'ENOENT' ? 'no such config file' : `cannot read the config file (${code ?? String(e)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(path, `is not valid JSON (${(e as Error).message})`);
  }
}

function presetConfig(p: Parsed): { config: ExperimentConfig; note?: string } {
  const name = stringFlag(p, 'preset')!;
  // Default: $EXACT_GN_PROFILE (the environment help's promise), else quick.
  const fromEnv = stringFlag(p, 'profile') === undefined && (process.env.EXACT_GN_PROFILE ?? '') !== '';
  const profile = stringFlag(p, 'profile') ?? (fromEnv ? process.env.EXACT_GN_PROFILE! : 'quick');
  if (!PROFILES.includes(profile as Profile)) throw new ConfigError(fromEnv ? 'EXACT_GN_PROFILE' : '--profile', `unknown profile ${show(profile)}; use one of ${PROFILES.join(', ')}`);
  const rule = stringFlag(p, 'rule') ?? 'block';
  if (!UPDATE_RULES.includes(rule as UpdateRule)) throw new ConfigError('--rule', `unknown GN rule ${show(rule)}; use one of ${UPDATE_RULES.join(', ')}`);
  const opts: Parameters<typeof preset>[1] = { profile: profile as Profile, rule: rule as UpdateRule };
  const seed = seedFlag(p, 'seed');
  if (seed !== undefined) opts.seed = seed;
  const epochs = numberFlag(p, 'epochs', { integer: true, min: 1 });
  if (epochs !== undefined) opts.epochs = epochs;
  const config = withOptimizerFlags(p, preset(name, opts));
  if (config.dataset.name !== 'cifar10' || cifar10Available(config.dataset.dir)) return { config };
  if (p.flags.fallback !== true) {
    throw new ConfigError('--preset', `${name} needs CIFAR-10, which is not found (set EXACT_GN_CIFAR10_DIR to the extracted cifar-10-batches-bin folder), ` +
      'or pass --fallback to run the same settings on Fashion-MNIST');
  }
  return { config: fallback(config), note: `CIFAR-10 not found: running ${name} on Fashion-MNIST instead (labelled as a fallback)` };
}

/**
 * A preset with the K-FAC / damped-GN flags applied (--damping: damped GN's initial lambda). The
 * label names the flags given, so that the run folder says what differs from the preset.
 */
export function withOptimizerFlags(p: Parsed, config: ExperimentConfig): ExperimentConfig {
  const name = config.optimizer.name;
  const extra: Record<string, unknown> = { ...optimizerFlagOptions(p, name) };
  const damping = numberFlag(p, 'damping', { exclusiveMin: 0 });
  if (damping !== undefined) {
    if (name !== 'damped-gn') throw new ConfigError('--damping', `with --preset sets damped GN's initial lambda; it needs a damped-gn preset, not a ${JSON.stringify(name)} one`);
    extra.gn = { damping };
  }
  if (Object.keys(extra).length === 0) return config;
  const given = Object.keys({ ...OPTIMIZER_FLAG_SPEC, damping: 0 }).filter((f) => p.flags[f] !== undefined).map((f) => (p.flags[f] === true ? `--${f}` : `--${f} ${String(p.flags[f])}`));
  return deepMerge(config, { optimizer: extra, label: `${config.label ?? 'preset run'} [${given.join(' ')}]` });
}

/** `exact-gn run`: trains (or resumes, or finds in the cache) one run and prints its directory. */
export async function runCommand(argv: readonly string[]): Promise<string> {
  const p = parseArgs(argv, {
    preset: { type: 'string' },
    profile: { type: 'string' },
    seed: { type: 'string' },
    rule: { type: 'string' },
    epochs: { type: 'string' },
    fallback: { type: 'boolean' },
    out: { type: 'string' },
    wait: { type: 'boolean' },
    quiet: { type: 'boolean' },
    plan: { type: 'string' },
    index: { type: 'string' },
    runs: { type: 'string' },
    'stale-after': { type: 'string' },
    damping: { type: 'string' },
    ...OPTIMIZER_FLAG_SPEC,
  }, 'run', { positionals: Infinity }); // the config file; more than one is refused below, with the usage
  if (p.flags.plan !== undefined) {
    for (const f of ['damping', ...Object.keys(OPTIMIZER_FLAG_SPEC)]) {
      if (p.flags[f] !== undefined) throw new ConfigError(`--${f}`, 'does not apply with --plan: the plan entry fixes the whole config');
    }
    return planRunCommand(p);
  }
  for (const f of ['index', 'runs', 'stale-after']) if (p.flags[f] !== undefined) throw new ConfigError(`--${f}`, 'only applies with --plan PLAN.json');
  const hasPreset = p.flags.preset !== undefined;
  if (p.positionals.length > 1) throw new ConfigError('run', `takes one config file, got ${p.positionals.length}: ${p.positionals.join(' ')}`);
  if (hasPreset === (p.positionals.length === 1)) throw new ConfigError('run', `give either a CONFIG.json file or --preset NAME; usage: ${RUN_USAGE}`);
  if (!hasPreset) {
    for (const f of ['profile', 'seed', 'rule', 'epochs', 'fallback', 'damping', ...Object.keys(OPTIMIZER_FLAG_SPEC)]) {
      if (p.flags[f] !== undefined) throw new ConfigError(`--${f}`, 'only applies with --preset; put it in the config file instead');
    }
  }
  let note: string | undefined;
  let config: unknown;
  if (hasPreset) ({ config, note } = presetConfig(p));
  else config = readConfigFile(p.positionals[0]!);
  validateConfig(config); // every argument error surfaces before anything is written
  if (note) process.stderr.write(`exact-gn run: ${note}\n`);
  const t0 = performance.now();
  const opts: Parameters<typeof runExperiment>[1] = { wait: p.flags.wait === true, progress: p.flags.quiet !== true };
  const out = stringFlag(p, 'out');
  if (out !== undefined) opts.root = out;
  const r = await runExperiment(config as ExperimentConfig, opts);
  if (r.status === 'failed') throw new NumericalError(`run ${r.key} failed: ${r.reason ?? 'unknown reason'}; results in ${r.dir}`);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  return `${r.cached ? 'cached' : 'complete'}: ${r.dir} (${r.rows.length} rows${r.cached ? '' : `, ${secs} s`})`;
}

/** `exact-gn presets`: one line per preset. */
export function presetsCommand(argv: readonly string[]): string {
  parseArgs(argv, {}, 'presets');
  const list = listPresets();
  const width = Math.max(...list.map((x) => x.name.length));
  return [
    ...list.map((x) => `${x.name.padEnd(width)}  ${x.description}`),
    '',
    'profiles: quick (default; about a minute per run on a CPU), medium (sized per figure so each claim can show on a 2-core CPU: hours) or paper (h = 8000, 100 epochs, full data)',
  ].join('\n');
}

registerCommand('run', runCommand, RUN_USAGE);
registerCommand('presets', presetsCommand, 'exact-gn presets');

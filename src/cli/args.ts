/**
 * A tiny argument parser: `--name value`, `--name=value`, boolean `--flag` / `--no-flag`, and
 * positionals. Unknown flags are errors (a typo must not silently change a run), and so are a
 * flag given twice (which value would win?) and positional arguments a command does not take.
 * Flags are looked up as own keys of the spec only, so `--constructor` or `--__proto__` are
 * unknown flags like any other.
 */
import { ConfigError } from '../util/errors.js';

export interface FlagSpec {
  /** 'string' flags take a value; 'boolean' flags take none (`--no-x` sets false). */
  type: 'string' | 'boolean';
  required?: boolean;
  help?: string;
}

export interface Parsed {
  flags: Record<string, string | boolean>;
  positionals: string[];
}

export interface ParseOptions {
  /** How many positional arguments the command takes (default 0: any positional is an error). */
  positionals?: number;
}

/** `spec[name]` when `name` is the spec's own key (never an Object.prototype member). */
function own(spec: Record<string, FlagSpec>, name: string): FlagSpec | undefined {
  return Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
}

/**
 * Parses `argv` against `spec` (flag name -> FlagSpec) for `exact-gn <command>`. Throws a
 * ConfigError naming the flag (or the argument) for an unknown flag, a flag given twice, a missing
 * value or required flag, or a positional argument beyond `opts.positionals`.
 *
 * @example
 * parseArgs(['--lr', '0.1', '--wait'], { lr: { type: 'string' }, wait: { type: 'boolean' } }, 'run').flags; // { lr: '0.1', wait: true }
 */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>, command: string, opts: ParseOptions = {}): Parsed {
  const flags: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  const positionals: string[] = [];
  const maxPositionals = opts.positionals ?? 0;
  const options = (): string => (Object.keys(spec).length === 0 ? 'it takes no options' : `options are ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
  const set = (name: string, value: string | boolean, given: string): void => {
    if (Object.prototype.hasOwnProperty.call(flags, name)) {
      throw new ConfigError(`--${name}`, `is given twice (${JSON.stringify(String(flags[name]))} and then ${JSON.stringify(given)}); give it once`);
    }
    flags[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (positionals.length >= maxPositionals) {
        const takes = maxPositionals === 0 ? 'takes no positional arguments' : `takes at most ${maxPositionals} positional argument${maxPositionals > 1 ? 's' : ''}`;
        throw new ConfigError(`argument ${JSON.stringify(arg)}`, `unexpected: \`exact-gn ${command}\` ${takes}; ${options()}`);
      }
      positionals.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const s = own(spec, name);
    if (!s && name.startsWith('no-') && own(spec, name.slice(3))?.type === 'boolean') {
      if (value !== undefined) throw new ConfigError(`--${name}`, 'takes no value');
      set(name.slice(3), false, arg);
      continue;
    }
    if (!s) throw new ConfigError(`--${name}`, `unknown option for \`exact-gn ${command}\`; ${options()}`);
    if (s.type === 'boolean') {
      if (value !== undefined) throw new ConfigError(`--${name}`, 'takes no value');
      set(name, true, arg);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name}`, 'needs a value');
    }
    set(name, value, value);
  }
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && flags[name] === undefined) throw new ConfigError(`--${name}`, `is required by \`exact-gn ${command}\``);
  }
  return { flags: { ...flags }, positionals };
}

/** Seeds are 32-bit: integers in [0, 2^32). A larger one would silently equal a smaller one. */
const SEED_END = 2 ** 32;

function parseSeed(text: string, flag: string, whole: string): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(Number.isSafeInteger(n) && n < SEED_END)) {
    const why = t === '' ? 'an empty entry' : JSON.stringify(text);
    throw new ConfigError(flag, `seeds are integers in [0, 2^32), got ${why}${whole !== text ? ` in ${JSON.stringify(whole)}` : ''}`);
  }
  return n;
}

/**
 * A seed flag: an integer in [0, 2^32), else a ConfigError naming the flag.
 *
 * @example
 * seedFlag(parseArgs(['--seed', '42'], { seed: { type: 'string' } }, 'x'), 'seed'); // 42
 */
export function seedFlag(p: Parsed, name: string): number | undefined {
  const v = p.flags[name];
  if (v === undefined) return undefined;
  return parseSeed(String(v), `--${name}`, String(v));
}

/**
 * A comma-separated list of distinct seeds (`42,43,44`); an empty list or entry (`''`, `7,`), a
 * seed outside [0, 2^32) or a repeated one is a ConfigError naming the flag.
 *
 * @example
 * seedList(parseArgs(['--seeds', '42,43'], { seeds: { type: 'string' } }, 'x'), 'seeds'); // [42, 43]
 */
export function seedList(p: Parsed, name: string): number[] | undefined {
  const v = p.flags[name];
  if (v === undefined) return undefined;
  const text = String(v);
  if (text.trim() === '') throw new ConfigError(`--${name}`, 'is empty; give comma-separated seeds, e.g. 42,43,44');
  const seeds = text.split(',').map((s) => parseSeed(s, `--${name}`, text));
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new ConfigError(`--${name}`, `lists seed ${dup} twice in ${JSON.stringify(text)}; give each seed once`);
  return seeds;
}

/** A numeric flag, validated. */
export function numberFlag(p: Parsed, name: string, opts: { integer?: boolean; min?: number; exclusiveMin?: number } = {}): number | undefined {
  const v = p.flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  const bad = typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min) || (opts.exclusiveMin !== undefined && n <= opts.exclusiveMin);
  if (bad) {
    const what = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.exclusiveMin !== undefined ? ` > ${opts.exclusiveMin}` : ''}`;
    throw new ConfigError(`--${name}`, `must be ${what}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

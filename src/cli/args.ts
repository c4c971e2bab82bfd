/**
 * A tiny argument parser: `--name value`, `--name=value`, boolean `--flag` / `--no-flag`, and
 * positionals. Unknown flags are errors (a typo must not silently change a run).
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

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>, command: string): Parsed {
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
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
    let s = spec[name];
    if (!s && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      flags[name.slice(3)] = false;
      continue;
    }
    if (!s) throw new ConfigError(`--${name}`, `unknown option for \`exact-gn ${command}\`; options are ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    if (s.type === 'boolean') {
      if (value !== undefined) throw new ConfigError(`--${name}`, 'takes no value');
      flags[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name}`, 'needs a value');
    }
    flags[name] = value;
  }
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && flags[name] === undefined) throw new ConfigError(`--${name}`, `is required by \`exact-gn ${command}\``);
  }
  return { flags, positionals };
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

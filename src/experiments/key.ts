/**
 * The run key: a content address for a training run. Two configs that train the same thing (after
 * defaults are filled in) get the same key; any change to the config, the package version or the
 * runner's CODE_VERSION gives a new one.
 */
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../io/checksum.js';
import type { ResolvedConfig } from './config.js';

/**
 * Bumped whenever a change to the training loop, the optimizers or the logged columns would make
 * an old run's rows differ from a new run's: old cache entries then stop matching.
 */
export const CODE_VERSION = 'runner-1';

let pkgVersion: string | undefined;

/** The `version` of exact-gn's package.json (read once), or '0.0.0' when it cannot be read. */
export function packageVersion(): string {
  if (pkgVersion === undefined) {
    try {
      // src/experiments/key.ts and dist/experiments/key.js both sit two levels below the package root.
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      pkgVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      pkgVersion = '0.0.0';
    }
  }
  return pkgVersion;
}

/** The code version that goes into every key: `<package version>+<CODE_VERSION>`. */
export function codeVersion(): string {
  return `${packageVersion()}+${CODE_VERSION}`;
}

/**
 * JSON with object keys sorted at every level and undefined members dropped, so equal values
 * always give equal text.
 *
 * @example
 * canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }); // '{"a":[{"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * The run key of a validated config: the first 16 hex digits of the SHA-256 of the canonical JSON
 * of `{ config, code: codeVersion() }`.
 *
 * @example
 * runKey(validateConfig(preset('fullbatch-mnist-gn'))); // e.g. '3f9c0a1b2c3d4e5f'
 */
export function runKey(config: ResolvedConfig): string {
  return sha256Hex(canonicalJson({ config, code: codeVersion() })).slice(0, 16);
}

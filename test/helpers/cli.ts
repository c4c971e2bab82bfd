// Running the built command line (bin/exact-gn.js over dist/) from a test, on the test's backend.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'exact-gn.js');

/** Fails with the command to run when dist/ (what bin/exact-gn.js loads) is not built. */
export function assertBuilt(): void {
  assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first');
}

/** `exact-gn ...args` in a child process, on $EXACT_GN_BACKEND (default wasm): exit code, stdout, stderr. */
export function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, EXACT_GN_BACKEND: process.env.EXACT_GN_BACKEND ?? 'wasm' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

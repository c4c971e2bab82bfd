// Running the built command line (bin/exact-gn.js over dist/) from a test, on the test's backend.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/util/rng.js';

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

/**
 * The shared fixture of the CLI step tests: `exact-gn init` of a small RevMLP (d 16, h 32, 2
 * blocks, 4 classes, seed 7) into dir/init.safetensors, and a batch of 6 random samples (Rng 5)
 * in dir/batch.safetensors (also returned as x, y, n).
 */
export function initAndBatch(dir: string): { ckpt: string; batch: string; x: Float32Array; y: Int32Array; n: number } {
  const ckpt = join(dir, 'init.safetensors');
  const r = cli('init', '--input-dim', '16', '--hidden', '32', '--blocks', '2', '--classes', '4', '--seed', '7', '--out', ckpt);
  assert.equal(r.code, 0, r.err);
  const rng = new Rng(5);
  const n = 6;
  const x = rng.normalArray(n * 16, 1);
  const y = Int32Array.from({ length: n }, () => rng.int(4));
  const batch = join(dir, 'batch.safetensors');
  writeSafetensors(batch, { x: { dtype: 'F32', shape: [n, 16], data: x }, y: { dtype: 'I32', shape: [n], data: y } });
  return { ckpt, batch, x, y, n };
}

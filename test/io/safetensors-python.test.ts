// Cross-checks the safetensors codec against Python: an independent from-the-spec implementation
// using only the standard library (struct/json), and the real `safetensors` package when it is
// installed (Debian bookworm does not package it; `pip install safetensors numpy` enables it).
// Each test skips with a message when its Python side is unavailable.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSafetensors, readSafetensors, writeSafetensors, type NamedTensor } from '../../src/io/index.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/safetensors_crosscheck.py', import.meta.url));
const PYTHON = process.env.PYTHON ?? 'python3';

// The same tensors as TENSORS in the Python script, written out independently here.
const EXPECTED: Record<string, NamedTensor> = {
  w_f64: { dtype: 'F64', shape: [3], data: new Float64Array([3.141592653589793, -0, 1e300]) },
  b_f32: { dtype: 'F32', shape: [2, 1], data: new Float32Array([1.5, -2.25]) },
  empty: { dtype: 'F32', shape: [0, 2], data: new Float32Array(0) },
  idx: { dtype: 'I32', shape: [3], data: new Int32Array([-7, 2147483647, -2147483648]) },
  bytes: { dtype: 'U8', shape: [1, 3], data: new Uint8Array([0, 255, 7]) },
};
const METADATA = { format: 'pt', step: '42' };

interface PyResult {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function python(mode: string, path: string): PyResult {
  const r = spawnSync(PYTHON, [SCRIPT, mode, path], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' };
}

function asPlain(tensors: Record<string, NamedTensor>): Record<string, { dtype: string; shape: number[]; values: number[] }> {
  const out: Record<string, { dtype: string; shape: number[]; values: number[] }> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { dtype: t.dtype, shape: t.shape, values: [...t.data] };
  return out;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-py-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function crossCheck(t: TestContext, flavour: 'stdlib' | 'lib'): void {
  withDir((dir) => {
    const theirs = join(dir, 'theirs.safetensors');
    const w = python(`write-${flavour}`, theirs);
    if (w.missing) return void t.skip(`${PYTHON} not found; set PYTHON to a Python 3 interpreter to run this cross-check`);
    if (w.status === 3) return void t.skip('Python package "safetensors" (with numpy) not installed; `pip install safetensors numpy` to run this cross-check');
    assert.equal(w.status, 0, w.stderr);
    const decoded = readSafetensors(theirs);
    assert.deepEqual(decoded.metadata, METADATA);
    assert.deepEqual(asPlain(decoded.tensors), asPlain(EXPECTED));

    const ours = join(dir, 'ours.safetensors');
    writeSafetensors(ours, EXPECTED, METADATA);
    const r = python(`read-${flavour}`, ours);
    assert.equal(r.status, 0, r.stderr);
    const parsed = JSON.parse(r.stdout) as { metadata: Record<string, string>; tensors: Record<string, unknown> };
    assert.deepEqual(parsed.metadata, METADATA);
    assert.deepEqual(parsed.tensors, asPlain(EXPECTED));

    if (flavour === 'lib') {
      // Same canonical layout as the reference writer: identical bytes.
      const one = join(dir, 'one-key.safetensors');
      assert.equal(python('write-lib-one-key', one).status, 0);
      assert.deepEqual(encodeSafetensors(EXPECTED, { format: 'pt' }), new Uint8Array(readFileSync(one)));
    }
  });
}

test('Python (struct/json, written from the spec) and exact-gn read each other\'s files', (t) => crossCheck(t, 'stdlib'));

test('the reference Python safetensors package and exact-gn read each other\'s files', (t) => crossCheck(t, 'lib'));

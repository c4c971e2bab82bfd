// scripts/setup-torch.sh, the one place that finds the Python with PyTorch for the reference tests:
// it answers with the interpreter's path, or fails naming what to do (the reference test then fails,
// it never skips). Fake interpreters stand in for a Python with and without torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torchPython } from '../helpers/torch.js';

const SETUP = fileURLToPath(new URL('../../scripts/setup-torch.sh', import.meta.url));

function withFakePython(status: number, fn: (python: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-fake-python-'));
  try {
    const python = join(dir, 'python3');
    // `import torch` succeeds (exit 0) or fails (exit 1); --version style probes print a version.
    writeFileSync(python, `#!/bin/sh\necho 9.9.9\nexit ${status}\n`);
    chmodSync(python, 0o755);
    fn(python);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function setup(args: string[], python: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [SETUP, ...args], { encoding: 'utf8', env: { ...process.env, EXACT_GN_TORCH_PYTHON: python, EXACT_GN_NO_APT: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--find prints the Python that imports torch', () => {
  withFakePython(0, (python) => {
    const r = setup(['--find'], python);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), python);
  });
});

test('a Python without torch: --find and the install step fail, saying what to do, and apt is not tried for a chosen Python', () => {
  withFakePython(1, (python) => {
    for (const args of [['--find'], []]) {
      const r = setup(args, python);
      assert.equal(r.status, 1, `setup-torch.sh ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`EXACT_GN_TORCH_PYTHON=${python.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} cannot import torch: point it to a Python with PyTorch`));
      assert.doesNotMatch(r.stdout + r.stderr, /apt-get install -y|installing Debian packages/);
    }
  });
  const missing = setup(['--find'], '/nonexistent/python3');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot import torch/);
});

test('an unknown argument is refused with the accepted ones', () => {
  const r = spawnSync('bash', [SETUP, '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown argument '--bogus' \(accepted: --find\)/);
});

test("the tests' torchPython() throws (the test fails, never skips) with setup-torch's reason", () => {
  withFakePython(1, (python) => {
    const saved = process.env.EXACT_GN_TORCH_PYTHON;
    process.env.EXACT_GN_TORCH_PYTHON = python;
    try {
      assert.throws(() => torchPython(), /PyTorch, the independent reference of this test, is not available: setup-torch: .* cannot import torch/);
    } finally {
      if (saved === undefined) delete process.env.EXACT_GN_TORCH_PYTHON;
      else process.env.EXACT_GN_TORCH_PYTHON = saved;
    }
  });
});

// The Python with PyTorch that tests use as an independent reference. Finding it is
// scripts/setup-torch.sh's job (the one place: $EXACT_GN_TORCH_PYTHON, else Debian's /usr/bin/python3
// with python3-torch); the test command (scripts/test.sh) runs that script to install torch first.
// Where torch cannot be imported this THROWS (the test fails, it never skips), saying how to install it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SETUP = fileURLToPath(new URL('../../scripts/setup-torch.sh', import.meta.url));
let found: string | null = null;

/** Path of a Python that imports torch; throws an Error naming the install command otherwise. */
export function torchPython(): string {
  if (found) return found;
  const r = spawnSync('bash', [SETUP, '--find'], { encoding: 'utf8', timeout: 120_000 });
  const path = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || path === '') {
    const why = (r.stderr ?? '').trim() || r.error?.message || `exit ${r.status}`;
    throw new Error(`PyTorch, the independent reference of this test, is not available: ${why}`);
  }
  found = path;
  return path;
}

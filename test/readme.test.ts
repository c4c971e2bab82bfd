// The README's snippet, run as written: the ```ts block of README.md is copied into a file inside
// the package (so `import ... from 'exact-gn'` resolves to the built dist/, as for a user) and run.
// A few lines appended after it check what its comments promise: every block exact, a residual
// at float32 round-off, and tf.memory().numTensors flat when its step lines run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** The first ```ts block of README.md. */
function readmeSnippet(markdown: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(markdown);
  assert.ok(m, 'README.md has no ```ts block');
  return m[1]!;
}

/** The snippet's step: from `const { update` to `disposeParams(update);`. */
function stepLines(snippet: string): string {
  const lines = snippet.split('\n');
  const from = lines.findIndex((l) => l.startsWith('const { update'));
  const to = lines.findIndex((l) => l.startsWith('disposeParams(update)'));
  assert.ok(from >= 0 && to > from, 'the snippet no longer has a `const { update ...} = gnUpdate(...)` ... `disposeParams(update);` step');
  return lines.slice(from, to + 1).join('\n');
}

test('the README snippet runs as written and shows what its comments say', { timeout: 180_000 }, () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is missing: run `npm run build` first (scripts/test.sh does)');
  const snippet = readmeSnippet(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const harness = `
// ---- appended by test/readme.test.ts: run the step 3 more times, count tensors after each.
const __counts: number[] = [tf.memory().numTensors];
for (let __i = 0; __i < 3; __i++) {
${stepLines(snippet)}
  __counts.push(tf.memory().numTensors);
}
console.log('__README_CHECK__' + JSON.stringify({
  backend: backend.name, loss,
  blocks: blocks.map((b) => ({ exact: b.exact, residual: b.residual, rank: [b.f.rank, b.g.rank], n: b.f.n })),
  counts: __counts,
}));
`;
  const dir = join(ROOT, 'out', `readme-snippet-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, `${snippet}${harness}`);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT, encoding: 'utf8', timeout: 170_000,
      env: { ...process.env, EXACT_GN_BACKEND: process.env.EXACT_GN_BACKEND ?? 'wasm' },
    });
    assert.equal(r.status, 0, `the snippet failed:\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    const check = lines.find((l) => l.startsWith('__README_CHECK__'));
    assert.ok(check, r.stdout);
    const out = JSON.parse(check.slice('__README_CHECK__'.length)) as {
      backend: string; loss: number; blocks: { exact: boolean; residual: number; rank: number[]; n: number }[]; counts: number[];
    };
    // What the snippet itself printed (before the appended lines): the backend, then the blocks.
    const own = r.stdout.slice(0, r.stdout.indexOf('__README_CHECK__'));
    assert.ok(own.startsWith(out.backend), `the first line is the backend summary: ${own.split('\n')[0]}`);
    assert.match(own, /exact: true/);
    assert.doesNotMatch(own, /exact: false/, 'the comment promises exactness');
    // The comment's claims.
    assert.ok(Number.isFinite(out.loss) && out.loss > 0);
    assert.equal(out.blocks.length, 2);
    for (const b of out.blocks) {
      assert.equal(b.exact, true);
      assert.deepEqual(b.rank, [b.n, b.n], 'every direction kept (rank n)');
      assert.ok(b.residual < 1e-3, `residual ${b.residual} is not float32 round-off`);
    }
    // No leak: the same number of tensors after every step (the snippet's last line prints it).
    assert.equal(new Set(out.counts).size, 1, `numTensors after each step: ${out.counts.join(', ')}`);
    const printed = own.split('\n').find((l) => /^\d+$/.test(l.trim())); // the snippet's own last line
    assert.equal(Number(printed), out.counts[0], `the snippet's last line prints numTensors: ${printed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

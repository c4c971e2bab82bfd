// The CLI tells the user what it is and what ran: --version, per-command --help describing every
// flag the command accepts, the backend on every result line, and no Dawn limit warnings on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { DAWN_NOISE, StderrFilter, dawnMayLoad } from '../../src/cli/stderr-filter.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'exact-gn.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'exact-gn-help-'));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, EXACT_GN_BACKEND: process.env.EXACT_GN_BACKEND ?? 'wasm', ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('--version prints the package version', () => {
  for (const flag of ['--version', '-V']) {
    const r = cli([flag]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `exact-gn ${VERSION}\n`);
  }
});

test('the usage lists every command, --version and where per-command help is', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  for (const name of Object.keys(COMMAND_HELP)) assert.match(r.out, new RegExp(`exact-gn ${name}\\b`), name);
  assert.match(r.out, /exact-gn --version/);
  assert.match(r.out, /COMMAND --help/);
});

/** The flags a command accepts, as its own parser lists them for an unknown flag. */
function acceptedFlags(name: string): string[] {
  const prefix = name === 'data' ? ['data', 'download', 'cifar10'] : [name];
  const r = cli([...prefix, '--no-such-flag-xyz']);
  assert.notEqual(r.code, 0);
  const m = /options are (.*)$/m.exec(r.err);
  if (m === null && /options are\s*$|it takes no options/m.test(r.err)) return [];
  assert.ok(m, `${name}: ${r.err}`);
  return [...m[1]!.matchAll(/--([a-z0-9-]+)/g)].map((x) => x[1]!);
}

for (const name of Object.keys(COMMAND_HELP)) {
  test(`${name} --help describes every flag the command accepts`, () => {
    const r = cli([name, '--help']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith('usage: exact-gn '), r.out);
    assert.ok(r.out.includes(COMMAND_HELP[name]!.summary), 'summary shown');
    const flags = acceptedFlags(name);
    for (const f of flags) {
      assert.ok(COMMAND_HELP[name]!.flags[f], `${name}: --${f} is accepted but not described in src/cli/help.ts`);
      assert.match(r.out, new RegExp(`^  --${f}\\s+\\S`, 'm'), `${name}: --${f} has a line in the help`);
    }
    for (const f of Object.keys(COMMAND_HELP[name]!.flags)) {
      if (!f.startsWith('<')) assert.ok(flags.includes(f), `${name}: help describes --${f}, which the command does not accept`);
    }
    assert.match(r.out, /EXACT_GN_BACKEND/);
  });
}

test('every computing command names the backend that ran it', () => {
  const ckpt = join(dir, 'm.safetensors');
  const r = cli(['init', '--input-dim', '8', '--hidden', '8', '--blocks', '1', '--classes', '2', '--out', ckpt]);
  assert.equal(r.code, 0, r.err);
  const want = process.env.EXACT_GN_BACKEND ?? 'wasm';
  assert.match(r.out, new RegExp(`^wrote .*m\\.safetensors \\[backend: ${want}\\b[^\\]]*\\]\\n$`));
  // `presets` computes nothing: no backend.
  assert.doesNotMatch(cli(['presets']).out, /\[backend:/);
});

test('StderrFilter drops whole Dawn limit lines, keeps everything else, and passes progress redraws through at once', () => {
  const noise = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n';
  assert.match(noise, DAWN_NOISE);
  const f = new StderrFilter();
  assert.equal(f.push(`${noise}real line\n`), 'real line\n');
  // A Dawn line split across chunks is held until its end, then dropped.
  assert.equal(f.push(noise.slice(0, 20)), '');
  assert.equal(f.push(`${noise.slice(20)}\rbar 10%`), '\rbar 10%');
  assert.equal(f.push('\rbar 20%'), '\rbar 20%');
  assert.equal(f.push('Warning: something else'), '');
  assert.equal(f.push(' entirely\n'), 'Warning: something else entirely\n');
  assert.equal(f.push('Warn'), '');
  assert.equal(f.end(), 'Warn');
});

test('dawnMayLoad: only when the webgpu backend may be tried', () => {
  assert.equal(dawnMayLoad({ EXACT_GN_BACKEND: 'wasm' }, () => true), false);
  assert.equal(dawnMayLoad({ EXACT_GN_BACKEND: 'webgpu' }, () => false), true);
  assert.equal(dawnMayLoad({}, () => false), false);
  assert.equal(dawnMayLoad({}, () => true), true);
  assert.equal(dawnMayLoad({ EXACT_GN_WEBGPU_BACKEND: 'opengl' }, () => false), true);
});

test('Dawn\'s limit warnings do not reach the terminal (WebGPU on whatever adapter this machine has)', (t) => {
  const env = { EXACT_GN_BACKEND: 'webgpu', EXACT_GN_WEBGPU_BACKEND: process.env.EXACT_GN_WEBGPU_BACKEND ?? 'opengl' };
  const raw = cli(['presets'], { ...env, EXACT_GN_STDERR_FILTERED: '1' }); // the filter off: what Dawn prints
  if (!/artificially reduced/.test(raw.err)) {
    t.skip(`Dawn printed no limit warning here (no WebGPU adapter? exit ${raw.code}: ${raw.err.trim().split('\n').at(-1) ?? ''})`);
    return;
  }
  const r = cli(['presets'], env);
  assert.equal(r.code, raw.code);
  assert.equal(r.out, raw.out);
  assert.doesNotMatch(r.err, /artificially reduced/);
});

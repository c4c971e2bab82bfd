// Issue 18, reliability second round: no silent row loss, no foreign exceptions, bounded work on any
// input. One test (or a few) per item of the issue; docs/reliability.md maps each promise to them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/backend/index.js';
import { CheckpointError, ConfigError, ExactGnError, FileError } from '../../src/util/errors.js';
import { runExperiment, rowsAfterEpoch, type RunResult } from '../../src/experiments/runner.js';
import { epochCheckpointPath, runPaths } from '../../src/experiments/store.js';
import { validateConfig } from '../../src/experiments/config.js';
import { withoutTimings } from '../../src/experiments/events.js';
import { setFileFaultForTests } from '../../src/io/atomic.js';
import { decodeSafetensors, encodeSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { createOptimizer, lossAndGrad, OPTIMIZER_NAMES } from '../../src/optim/optimizers.js';
import { gnUpdate } from '../../src/gn/step.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { analyzeRuns } from '../../src/metrics/analyze.js';
import { figureOptions, runFigure, type FigureSpec } from '../../src/report/figure.js';
import { parseArgs, seedFlag, seedList } from '../../src/cli/args.js';
import { main, registerCommand } from '../../src/cli/main.js';
import '../../src/cli/commands.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';
import { tempRoot, tinyMini } from '../experiments/fixtures/configs.js';

before(async () => {
  await setupBackend();
});

const quiet = { progress: false, warn: () => {} } as const;

/**
 * Runs the CLI in this process; returns its exit code and what it wrote to stderr. (stdout belongs
 * to node:test, which reports through it: capturing it would swallow test results.)
 */
async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  const we = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), err };
  } finally {
    process.stderr.write = we;
  }
}

/** A one-line CLI failure: the exit code, `exact-gn <cmd>: ` and every pattern, no stack trace. */
function oneLine(r: { code: number; err: string }, code: number, ...patterns: RegExp[]): void {
  assert.equal(r.code, code, r.err);
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.err}`);
  assert.doesNotMatch(r.err, /\n\s+at |internal error|TypeError|RangeError/);
  for (const p of patterns) assert.match(lines[0]!, p);
}

function sysError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code, syscall: 'write', path });
}

/** Every file under `dir` (relative paths), to show nothing half-written is left. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort();
}

const config = () => tinyMini({ epochs: 3, checkpointEpochs: [0, 3] });
let baseline: RunResult | undefined;
async function uninterrupted(): Promise<RunResult> {
  baseline ??= await runExperiment(config(), { root: tempRoot('baseline'), ...quiet });
  return baseline;
}

/** Trains `config()` under `root` and aborts after epoch `epoch` (the resume checkpoint is written every epoch). */
async function interruptAfter(root: string, epoch: number): Promise<string> {
  const controller = new AbortController();
  let dir = '';
  await assert.rejects(runExperiment(config(), {
    root, ...quiet, resumeIntervalMs: 0, signal: controller.signal,
    onProgress: (e) => {
      if (e.kind === 'epoch' && e.epoch === epoch) controller.abort(new Error('stop'));
    },
  }), /stop/);
  for (const d of readdirSync(root)) dir = join(root, d);
  assert.ok(existsSync(runPaths(dir).resume));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// 1. A resume point that does not match the rows on disk is refused
// ---------------------------------------------------------------------------------------------

test('1: one flipped digit of `rows` in resume.safetensors is detected, warned about, and the run ends with the uninterrupted rows', async () => {
  const root = tempRoot();
  const dir = await interruptAfter(root, 2);
  const { resume, events } = runPaths(dir);
  const bytes = readFileSync(resume);
  const rowsAt = bytes.indexOf('"rows":"');
  assert.ok(rowsAt > 0);
  const digit = rowsAt + '"rows":"'.length;
  assert.equal(bytes.toString('latin1', digit, digit + 3), `${rowsAfterEpoch(validateConfig(config()), 4, 2)}"`, 'rows 11 after epoch 2 (1 + 8 steps + 2 evals)');
  bytes[digit] = '0'.charCodeAt(0); // 11 -> 01: still a number, still valid JSON of the same length
  writeFileSync(resume, bytes);
  const rowsBefore = readFileSync(events, 'utf8').split('\n').length - 1;
  const warnings: string[] = [];
  const r = await runExperiment(config(), { root, progress: false, warn: (m) => warnings.push(m) });
  assert.equal(r.status, 'complete');
  assert.ok(rowsBefore > 1);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /cannot resume run .*resume\.safetensors: not a valid safetensors file: the header's SHA-256 .* is corrupt.*; starting it over/);
  assert.deepEqual(withoutTimings(r.rows), withoutTimings((await uninterrupted()).rows), 'the same rows as an uninterrupted run');
  const again = await runExperiment(config(), { root, ...quiet });
  assert.equal(again.cached, true);
});

test('1: a resume point with valid digests that contradicts the config or events.jsonl is not trusted: warned, started over, same rows', async () => {
  const same = (m: Record<string, string>): Record<string, string> => m;
  const cases: [what: string, edit: (m: Record<string, string>) => Record<string, string>, why: RegExp, events?: (text: string) => string][] = [
    ['rows too small', (m) => ({ ...m, rows: '5' }), /it says epoch 2, step 8, 5 rows, but this config has written 11 rows when epoch 2 ends/],
    ['step of another epoch', (m) => ({ ...m, step: '7' }), /it says epoch 2, step 7, 11 rows, but epoch 2 ends at step 8/],
    ['an optimizer step of 1.5', (m) => ({ ...m, optimizerStep: '1.5' }), /its position is not whole numbers within the run \(epoch "2", step "8", rows "11", optimizerStep "1\.5"\)/],
    ['an optimizer step of 1e400', (m) => ({ ...m, optimizerStep: '1e400' }), /optimizerStep "1e400"/],
    ['the whole position of an earlier point', (m) => ({ ...m, epoch: '1', step: '4', rows: '6' }), /it says epoch 1, step 4, 6 rows, but its optimizer has taken 8 steps/],
    ['events.jsonl lost rows', same, /it says epoch 2, step 8, 11 rows, but events\.jsonl holds only 5 complete rows/, (t) => t.split('\n').slice(0, 5).join('\n') + '\n'],
    ['events.jsonl rows of another epoch', same, /but row 11 of events\.jsonl is from epoch 3/, (t) => t.replace(/"epoch":2,"step":8,"test_loss"/, '"epoch":3,"step":8,"test_loss"')],
  ];
  for (const [what, edit, why, events] of cases) {
    const root = tempRoot();
    const dir = await interruptAfter(root, 2);
    const { resume } = runPaths(dir);
    const { tensors, metadata } = decodeSafetensors(readFileSync(resume));
    writeSafetensorsSealed(resume, tensors, edit(metadata));
    if (events) {
      const text = readFileSync(runPaths(dir).events, 'utf8');
      const edited = events(text);
      assert.notEqual(edited, text, `${what}: the events edit applies`);
      writeFileSync(runPaths(dir).events, edited);
    }
    const warnings: string[] = [];
    const r = await runExperiment(config(), { root, progress: false, warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1, `${what}: ${warnings.join('\n')}`);
    assert.match(warnings[0]!, /the resume checkpoint of run .* is not trusted: /, what);
    assert.match(warnings[0]!, why, what);
    assert.match(warnings[0]!, /starting over from epoch 0, the last point known to be consistent/, what);
    assert.deepEqual(withoutTimings(r.rows), withoutTimings((await uninterrupted()).rows), what);
  }
});

function writeSafetensorsSealed(path: string, tensors: ReturnType<typeof decodeSafetensors>['tensors'], metadata: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata, { checksum: true }));
}

test('1: rowsAfterEpoch agrees with the rows a run actually writes (logEvery and evalEvery > 1)', async () => {
  for (const over of [{}, { logEvery: 3 }, { evalEvery: 2 }, { logEvery: 5, evalEvery: 2 }]) {
    const cfg = tinyMini({ epochs: 3, checkpointEpochs: [], ...over });
    const r = await runExperiment(cfg, { root: tempRoot(), ...quiet });
    const resolved = validateConfig(cfg);
    assert.equal(rowsAfterEpoch(resolved, 4, 3), r.rows.length, JSON.stringify(over));
    for (const e of [0, 1, 2]) {
      const written = r.rows.filter((row) => row.epoch <= e).length;
      assert.equal(rowsAfterEpoch(resolved, 4, e), written, `${JSON.stringify(over)} epoch ${e}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Filesystem failures: one line naming the path and what to do, exit 1, nothing half-written
// ---------------------------------------------------------------------------------------------

test('2: CLI init/step into a missing folder, an empty path or a folder: one line, exit 1, nothing written (step checked before computing)', async () => {
  const root = tempRoot('cli');
  const ckpt = join(root, 'm.safetensors');
  assert.equal((await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--out', ckpt)).code, 0);
  const batch = join(root, 'b.safetensors');
  writeSafetensors(batch, { x: { dtype: 'F32', shape: [2, 8], data: new Float32Array(16).fill(0.5) }, y: { dtype: 'I32', shape: [2], data: Int32Array.from([0, 1]) } });
  const before = tree(root);
  const init = ['init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2'];
  const step = ['step', '--checkpoint', ckpt, '--batch', batch, '--optimizer', 'gn', '--lr', '0.1'];
  for (const args of [init, step]) {
    oneLine(await cli(...args, '--out', join(root, 'missing', 'x.safetensors')), 1, new RegExp(`^exact-gn ${args[0]}: --out ${root}/missing/x\\.safetensors: cannot write: the folder ${root}/missing does not exist; create it \\(mkdir -p\\) or choose another path$`));
    oneLine(await cli(...args, '--out', ''), 1, /--out "": the path is empty; give a file name$/);
    oneLine(await cli(...args, '--out', root), 1, /cannot write: it is a folder, not a file; choose a file name/);
    oneLine(await cli(...args, '--out', join(ckpt, 'x')), 1, /is a file, not a folder/);
  }
  assert.deepEqual(tree(root), before, 'nothing written');
});

test('2: a full disk (ENOSPC) or a read-only folder at any write: one line, exit 1; the old file intact, no temp file, nothing lost', async () => {
  const root = tempRoot('cli');
  const ckpt = join(root, 'm.safetensors');
  assert.equal((await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--out', ckpt)).code, 0);
  const original = readFileSync(ckpt);
  for (const [code, why] of [['ENOSPC', /no space left on the disk .*run the same command again/], ['EROFS', /the file system is read-only; choose a writable folder/], ['EACCES', /permission denied/]] as const) {
    for (const op of ['open', 'write', 'rename']) {
      setFileFaultForTests((o, p) => {
        if (o === op) throw sysError(code, p);
      });
      try {
        oneLine(await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--seed', '9', '--out', ckpt), 1, new RegExp(`^exact-gn init: ${ckpt}: cannot write: `), why);
      } finally {
        setFileFaultForTests(null);
      }
      assert.deepEqual(readFileSync(ckpt), original, `${code} at ${op}: the old checkpoint is intact`);
      assert.deepEqual(tree(root), ['m.safetensors'], `${code} at ${op}: no temp file`);
    }
  }
});

test('2: runs folder that is a file (--out or EXACT_GN_RUNS_DIR), a read-only one, done.json replaced by a folder: one line, exit 1', async () => {
  const root = tempRoot('cli');
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const cfgPath = join(root, 'cfg.json');
  writeFileSync(cfgPath, JSON.stringify(tinyMini({ epochs: 1, checkpointEpochs: [] })));
  oneLine(await cli('run', cfgPath, '--out', file, '--quiet'), 1, new RegExp(`^exact-gn run: ${file}: the runs folder is a file, not a folder; point it at a folder`));
  const env = process.env.EXACT_GN_RUNS_DIR;
  process.env.EXACT_GN_RUNS_DIR = file;
  try {
    oneLine(await cli('run', cfgPath, '--quiet'), 1, new RegExp(`^exact-gn run: ${file} \\(from EXACT_GN_RUNS_DIR\\): the runs folder is a file`));
  } finally {
    if (env === undefined) delete process.env.EXACT_GN_RUNS_DIR;
    else process.env.EXACT_GN_RUNS_DIR = env;
  }
  oneLine(await cli('run', cfgPath, '--out', join(file, 'sub'), '--quiet'), 1, /is a file, not a folder|a part of the path is a file/);
  // Read-only (simulated: this test may run as root, which chmod does not stop).
  const ro = join(root, 'ro');
  setFileFaultForTests((o, p) => {
    if (p.startsWith(ro)) throw sysError('EROFS', p);
  });
  try {
    oneLine(await cli('run', cfgPath, '--out', ro, '--quiet'), 1, new RegExp(`^exact-gn run: ${ro}/[0-9a-f]{16}/checkpoints: cannot create the folder: the file system is read-only; choose a writable folder$`));
  } finally {
    setFileFaultForTests(null);
  }
  // done.json replaced by a folder: not deleted (it is not ours), named with what to do.
  const runs = join(root, 'runs');
  assert.equal((await cli('run', cfgPath, '--out', runs, '--quiet')).code, 0);
  const dir = join(runs, readdirSync(runs)[0]!);
  rmSync(join(dir, 'done.json'));
  mkdirSync(join(dir, 'done.json'));
  writeFileSync(join(dir, 'done.json', 'keep-me'), 'user data');
  oneLine(await cli('run', cfgPath, '--out', runs, '--quiet'), 1, new RegExp(`^exact-gn run: ${dir}/done\\.json: is a folder where exact-gn keeps a file of the run; move it away, then run again`));
  assert.equal(readFileSync(join(dir, 'done.json', 'keep-me'), 'utf8'), 'user data', 'nothing lost');
  rmSync(join(dir, 'done.json'), { recursive: true });
  const back = await cli('run', cfgPath, '--out', runs, '--quiet');
  assert.equal(back.code, 0, back.err);
});

test('2: a full disk in the middle of a run: FileError naming the file, lock released, no temp files; rerun resumes to the uninterrupted rows', async () => {
  const root = tempRoot();
  for (const [target, after] of [['events.jsonl', 6], ['resume.safetensors', 1], ['epoch-0003.safetensors', 0], ['done.json', 0]] as const) {
    let seen = 0;
    setFileFaultForTests((o, p) => {
      if (o === 'write' && p.endsWith(target) && seen++ >= after) throw sysError('ENOSPC', p);
    });
    let dir = '';
    try {
      await assert.rejects(runExperiment(config(), { root, ...quiet, resumeIntervalMs: 0 }), (e: unknown) => {
        assert.ok(e instanceof FileError, `${target}: ${String(e)}`);
        assert.match(e.message, new RegExp(`${target.replace('.', '\\.')}: cannot write: no space left on the disk`));
        dir = join(e.path.split('/checkpoints/')[0]!.replace(/\/(events\.jsonl|done\.json)$/, ''));
        return true;
      });
    } finally {
      setFileFaultForTests(null);
    }
    assert.equal(existsSync(runPaths(dir).lock), false, `${target}: lock released`);
    assert.deepEqual(tree(dir).filter((f) => f.endsWith('.tmp')), [], `${target}: no temp file`);
    const r = await runExperiment(config(), { root, ...quiet });
    assert.deepEqual(withoutTimings(r.rows), withoutTimings((await uninterrupted()).rows), `${target}: nothing lost`);
    rmSync(dir, { recursive: true });
  }
});

test('2: a raw Node.js file error escaping a command is still one line naming the path (exit 1); other errors stay bugs', async () => {
  registerCommand('test-raw-fs', () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write '/x/y'"), { code: 'ENOSPC', syscall: 'write', path: '/x/y', errno: -28 });
  }, 'exact-gn test-raw-fs');
  oneLine(await cli('test-raw-fs'), 1, /^exact-gn test-raw-fs: \/x\/y: cannot write: no space left on the disk/);
  registerCommand('test-bug', () => {
    throw new TypeError('a bug');
  }, 'exact-gn test-bug');
  await assert.rejects(cli('test-bug'), TypeError, 'a real bug is not disguised as a user error');
  const root = tempRoot('cli');
  writeFileSync(join(root, 'a-file'), 'x');
  oneLine(await cli('reproduce', '--out', join(root, 'a-file')), 1, /cannot create the folder: a file exists where a folder is needed/);
});

// ---------------------------------------------------------------------------------------------
// 3. Sizes from flags are checked against stated limits before any allocation
// ---------------------------------------------------------------------------------------------

test('3: sizes from flags beyond the stated limits: a ConfigError at once (nothing allocated, nothing written)', async () => {
  const root = tempRoot('cli');
  const out = join(root, 'm.safetensors');
  const base = { '--input-dim': '8', '--hidden': '4', '--blocks': '1', '--classes': '2' } as Record<string, string>;
  for (const [flag, value, why] of [
    ['--hidden', '1e9', /model\.hidden: must be at most 1048576/],
    ['--blocks', '10000000', /model\.blocks: must be at most 1024/],
    ['--input-dim', '4294967296', /model\.inputDim: must be at most 1048576/],
    ['--classes', '100000', /model\.classes: must be at most 65536/],
  ] as const) {
    const args = Object.entries({ ...base, [flag]: value }).flat();
    const t0 = performance.now();
    oneLine(await cli('init', ...args, '--out', out), 2, why);
    assert.ok(performance.now() - t0 < 5000, `${flag} ${value}: refused at once`);
  }
  assert.deepEqual(tree(root), []);
  for (const [over, why] of [[{ batch: { mode: 'mini', size: 2 ** 30 } }, /batch\.size: must be at most 16777216/], [{ epochs: 1e9 }, /epochs: must be at most 100000/], [{ evalChunk: 2 ** 40 }, /evalChunk: must be at most/]] as const) {
    assert.throws(() => validateConfig(tinyMini(over as never)), (e: unknown) => e instanceof ConfigError && why.test((e as Error).message));
  }
});

// ---------------------------------------------------------------------------------------------
// 4, 5, 7: flags
// ---------------------------------------------------------------------------------------------

test('4: --seeds "7," and --seeds "" are rejected (never seed 0), as are repeated or out-of-range seeds', async () => {
  const spec = { seeds: { type: 'string' as const }, seed: { type: 'string' as const } };
  const list = (v: string): number[] | undefined => seedList(parseArgs(['--seeds', v], spec, 'x'), 'seeds');
  assert.deepEqual(list('42,43, 44'), [42, 43, 44]);
  for (const [v, why] of [['7,', /an empty entry in "7,"/], ['', /is empty/], [',7', /an empty entry/], ['7,,8', /an empty entry/], ['7,7', /lists seed 7 twice/], ['-1', /got "-1"/], ['4294967296', /got "4294967296"/], ['1.5', /got "1.5"/], ['1e3', /got "1e3"/], ['0x10', /got "0x10"/]] as const) {
    assert.throws(() => list(v), (e: unknown) => e instanceof ConfigError && e.field === '--seeds' && why.test((e as Error).message), v);
  }
  oneLine(await cli('reproduce', '--seeds', '7,'), 2, /^exact-gn reproduce: --seeds: seeds are integers in \[0, 2\^32\), got an empty entry in "7,"$/);
  oneLine(await cli('reproduce', '--seeds', ''), 2, /^exact-gn reproduce: --seeds: is empty; give comma-separated seeds/);
});

test('5: flags named like Object.prototype members are unknown flags', async () => {
  const spec = { lr: { type: 'string' as const }, wait: { type: 'boolean' as const } };
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
    for (const argv of [[`--${name}`, '1'], [`--${name}=x`], [`--no-${name}`]]) {
      assert.throws(() => parseArgs(argv, spec, 'x'), (e: unknown) => e instanceof ConfigError && /unknown option/.test((e as Error).message), argv.join(' '));
    }
  }
  oneLine(await cli('init', '--constructor', '1'), 2, /^exact-gn init: --constructor: unknown option for `exact-gn init`/);
  oneLine(await cli('run', '--__proto__', '1'), 2, /^exact-gn run: --__proto__: unknown option/);
});

test('7: positional junk, a flag given twice, --seed 4294967296, EXACT_GN_PROFILE=paer are rejected', async () => {
  const spec = { lr: { type: 'string' as const }, wait: { type: 'boolean' as const } };
  assert.throws(() => parseArgs(['junk'], spec, 'x'), (e: unknown) => e instanceof ConfigError && e.field === 'argument "junk"' && /takes no positional arguments/.test((e as Error).message));
  assert.throws(() => parseArgs(['a', 'b'], spec, 'x', { positionals: 1 }), /argument "b": unexpected: `exact-gn x` takes at most 1 positional argument/);
  assert.deepEqual(parseArgs(['a'], spec, 'x', { positionals: 1 }).positionals, ['a']);
  assert.throws(() => parseArgs(['--lr', '1', '--lr', '2'], spec, 'x'), /--lr: is given twice \("1" and then "2"\); give it once/);
  assert.throws(() => parseArgs(['--lr=1', '--lr', '1'], spec, 'x'), /--lr: is given twice/);
  assert.throws(() => parseArgs(['--wait', '--no-wait'], spec, 'x'), /--wait: is given twice/);
  assert.throws(() => parseArgs(['--no-wait=1'], spec, 'x'), /--no-wait: takes no value/);
  const seed = (v: string): number | undefined => seedFlag(parseArgs(['--lr', v], spec, 'x'), 'lr');
  assert.equal(seed('4294967295'), 4294967295);
  assert.equal(seed('0'), 0);
  for (const v of ['4294967296', '-1', '1.5', ' ', 'NaN', '1e3']) assert.throws(() => seed(v), (e: unknown) => e instanceof ConfigError && /seeds are integers in \[0, 2\^32\)/.test((e as Error).message), v);
  const root = tempRoot('cli');
  oneLine(await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--seed', '4294967296', '--out', join(root, 'a')), 2, /--seed: seeds are integers in \[0, 2\^32\), got "4294967296"/);
  oneLine(await cli('init', 'junk', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--out', join(root, 'a')), 2, /^exact-gn init: argument "junk": unexpected/);
  oneLine(await cli('run', 'a.json', 'b.json'), 2, /^exact-gn run: run: takes one config file, got 2: a\.json b\.json$/);
  oneLine(await cli('presets', 'junk'), 2, /^exact-gn presets: argument "junk": unexpected: `exact-gn presets` takes no positional arguments; it takes no options$/);
  oneLine(await cli('init', '--input-dim', '8', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--out', join(root, 'a')), 2, /--input-dim: is given twice/);
  assert.deepEqual(tree(root), []);
  // Seeds in configs: 32-bit too (2^32 would silently equal 0).
  assert.throws(() => validateConfig(tinyMini({ seed: 2 ** 32 })), /^ConfigError: seed: must be in \[0, 2\^32\)/);
  assert.throws(() => RevMLP.init({ inputDim: 4, hidden: 2, blocks: 1, classes: 2, seed: -1 }), /model\.seed: must be in \[0, 2\^32\)/);
  // EXACT_GN_PROFILE is validated against PROFILES (not silently quick).
  const env = process.env.EXACT_GN_PROFILE;
  try {
    process.env.EXACT_GN_PROFILE = 'paer';
    assert.throws(() => figureOptions({}), (e: unknown) => e instanceof ConfigError && e.field === 'EXACT_GN_PROFILE' && /unknown profile "paer"; use one of .*quick/.test((e as Error).message));
    assert.equal(figureOptions({ profile: 'quick' }).profile, 'quick', 'an explicit profile wins');
    process.env.EXACT_GN_PROFILE = 'paper';
    assert.equal(figureOptions({}).profile, 'paper');
    process.env.EXACT_GN_PROFILE = '';
    assert.equal(figureOptions({}).profile, 'quick');
  } finally {
    if (env === undefined) delete process.env.EXACT_GN_PROFILE;
    else process.env.EXACT_GN_PROFILE = env;
  }
});

// ---------------------------------------------------------------------------------------------
// 6, 7, 8: the step API: bad input gets its own error, never "diverged", never a TypeError
// ---------------------------------------------------------------------------------------------

function throwsOwn(fn: () => unknown, type: new (...a: never[]) => ExactGnError, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.doesNotMatch((e as Error).message, /diverged/);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

test('6: an empty batch, a corrupt Adam step counter or NaN in its moments, --init-std 1e300: their own errors, never "the model has diverged"', async () => {
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const start = tf.memory().numTensors;
  const empty = tf.zeros([0, 4]) as tf.Tensor2D;
  throwsOwn(() => gnUpdate(model, empty, new Int32Array(0)), ConfigError, /^x: the batch is empty \(0 rows of 4\); a step needs at least one example/);
  for (const name of OPTIMIZER_NAMES) {
    const opt = createOptimizer({ name, lr: 0.1 });
    throwsOwn(() => opt.step(model, empty, new Int32Array(0)), ConfigError, /the batch is empty/);
    throwsOwn(() => opt.step(model, null as never, new Int32Array(0)), ConfigError, /^x: expected a tf\.Tensor2D/);
    throwsOwn(() => opt.loadState(model, { step: 1.5, tensors: new Map() }), ConfigError, /^optimizer state\.step: must be a whole number/);
    opt.dispose();
  }
  empty.dispose();
  const adam = createOptimizer({ name: 'adam', lr: 0.1 });
  for (const step of [1.5, 1e400, -5, NaN, 2 ** 60]) {
    throwsOwn(() => adam.loadState(model, { step, tensors: new Map() }), ConfigError, /^optimizer state\.step: must be a whole number of steps in \[0, 2\^53\)/);
  }
  throwsOwn(() => adam.loadState(model, { step: 'abc' as never, tensors: new Map() }), ConfigError, /got "abc"/);
  const shapes = [['blocks.0.f.W', [3, 2]], ['blocks.0.f.b', [2]], ['blocks.0.g.W', [3, 2]], ['blocks.0.g.b', [2]]] as const; // W as stored: [h, d/2]
  const state = (v: number) => new Map(shapes.flatMap(([n, s]) => [
    [`optim.adam.m.${n}`, { data: new Float32Array(s[0] * (s[1] ?? 1)), shape: [...s] }],
    [`optim.adam.v.${n}`, { data: new Float32Array(s[0] * (s[1] ?? 1)).fill(v), shape: [...s] }],
  ]));
  throwsOwn(() => adam.loadState(model, { step: 3, tensors: state(NaN) }), ConfigError, /optimizer state\.optim\.adam\.v\.blocks\.0\.f\.W: holds NaN at index 0 \(a second moment must be finite and >= 0\)/);
  throwsOwn(() => adam.loadState(model, { step: 3, tensors: state(-1) }), ConfigError, /holds -1 at index 0/);
  assert.doesNotThrow(() => adam.loadState(model, { step: 3, tensors: state(0.5) }));
  adam.dispose();
  assert.equal(tf.memory().numTensors, start, 'no tensor leaked');
  model.dispose();

  // Through the CLI: a checkpoint whose Adam counter is "abc" or "-5", or whose v holds NaN.
  const root = tempRoot('cli');
  const init = join(root, 'm.safetensors');
  assert.equal((await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--out', init)).code, 0);
  const batch = join(root, 'b.safetensors');
  writeSafetensors(batch, { x: { dtype: 'F32', shape: [2, 8], data: new Float32Array(16).fill(0.5) }, y: { dtype: 'I32', shape: [2], data: Int32Array.from([0, 1]) } });
  const stepped = join(root, 's.safetensors');
  assert.equal((await cli('step', '--checkpoint', init, '--batch', batch, '--optimizer', 'adam', '--lr', '0.01', '--out', stepped)).code, 0);
  const { tensors, metadata } = decodeSafetensors(readFileSync(stepped));
  for (const bad of ['abc', '-5', '1.5', '1e400', '']) {
    const path = join(root, 'bad.safetensors');
    writeFileSync(path, encodeSafetensors(tensors, { ...metadata, 'optimizer.adam.step': bad }, { checksum: true }));
    oneLine(await cli('step', '--checkpoint', path, '--batch', batch, '--optimizer', 'adam', '--lr', '0.01', '--out', join(root, 'o.safetensors')), 1,
      new RegExp(`^exact-gn step: ${path}: __metadata__\\.optimizer\\.adam\\.step must be a whole number of steps in \\[0, 2\\^53\\), got "${bad.replace('.', '\\.')}"; the checkpoint is corrupt`));
  }
  const vName = Object.keys(tensors).find((k) => k.startsWith('optim.adam.v.'))!;
  const nanV = { ...tensors, [vName]: { ...tensors[vName]!, data: Float32Array.from(tensors[vName]!.data as Float32Array, (x, i) => (i === 0 ? NaN : x)) } };
  const path = join(root, 'nan.safetensors');
  writeFileSync(path, encodeSafetensors(nanV, metadata, { checksum: true }));
  oneLine(await cli('step', '--checkpoint', path, '--batch', batch, '--optimizer', 'adam', '--lr', '0.01', '--out', join(root, 'o.safetensors')), 1, new RegExp(`${vName.replace(/\./g, '\\.')} holds a non-finite value \\(NaN\\) at index 0`));
  const emptyBatch = join(root, 'empty.safetensors');
  writeSafetensors(emptyBatch, { x: { dtype: 'F32', shape: [0, 8], data: new Float32Array(0) }, y: { dtype: 'I32', shape: [0], data: new Int32Array(0) } });
  oneLine(await cli('step', '--checkpoint', init, '--batch', emptyBatch, '--optimizer', 'gn', '--lr', '0.1', '--out', join(root, 'o.safetensors')), 2, /x: the batch is empty/);
  oneLine(await cli('init', '--input-dim', '8', '--hidden', '4', '--blocks', '1', '--classes', '2', '--init-std', '1e300', '--out', join(root, 'o.safetensors')), 2, /model\.initStd: must be at most 1 \(the paper uses 1e-3/);
  assert.equal(existsSync(join(root, 'o.safetensors')), false, 'nothing written');
});

test('8: API misuse (null labels, x or options, a disposed model or tensor, a non-model): the project\'s error with the value and what to do', () => {
  const model = RevMLP.init({ inputDim: 4, hidden: 3, blocks: 1, classes: 2 });
  const x = tf.tensor2d(new Rng(1).normalArray(8, 1), [2, 4]);
  const y = Int32Array.from([0, 1]);
  const start = tf.memory().numTensors;
  const cases: [string, () => unknown, RegExp][] = [
    ['null labels', () => gnUpdate(model, x, null as never), /^labels: expected an Int32Array of 2 class indices \(one per row of x\), got null/],
    ['undefined labels', () => gnUpdate(model, x, undefined as never), /^labels: expected an Int32Array .*got undefined/],
    ['labels as a number', () => gnUpdate(model, x, 3 as never), /^labels: .*got 3/],
    ['null x', () => gnUpdate(model, null as never, y), /^x: expected a tf\.Tensor2D of shape \[n, 4\], got null; wrap the data with tf\.tensor2d/],
    ['x as an array', () => gnUpdate(model, [[1, 2, 3, 4]] as never, y), /^x: expected a tf\.Tensor2D/],
    ['null options', () => gnUpdate(model, x, y, null as never), /^options: expected an object of options \(or leave it out for the defaults\), got null/],
    ['options as a string', () => gnUpdate(model, x, y, 'fast' as never), /^options: .*got "fast"/],
    ['null model', () => gnUpdate(null as never, x, y), /^model: expected a RevMLP \(RevMLP\.init or loadCheckpoint\), got null/],
    ['a plain object as model', () => gnUpdate({ config: {} } as never, x, y), /^model: expected a RevMLP/],
    ['sgd with null labels', () => lossAndGrad(model, x, null as never), /^labels: expected an Int32Array/],
    ['adam with null x', () => createOptimizer({ name: 'adam', lr: 0.1 }).step(model, null as never, y), /^x: expected a tf\.Tensor2D/],
  ];
  for (const [what, fn, why] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && why.test((e as Error).message), what);
  }
  assert.equal(tf.memory().numTensors, start, 'no tensor leaked');
  const gone = tf.tensor2d([[1, 2, 3, 4]]);
  gone.dispose();
  assert.throws(() => gnUpdate(model, gone, Int32Array.from([0])), /^ConfigError: x: has been disposed; create the batch tensor again/);
  model.dispose();
  assert.throws(() => gnUpdate(model, x, y), /^ConfigError: model: has been disposed \(model\.dispose\(\) was called\); create or load the model again/);
  assert.throws(() => createOptimizer({ name: 'sgd', lr: 0.1 }).step(model, x, y), /model: has been disposed/);
  x.dispose();
});

// ---------------------------------------------------------------------------------------------
// 9. Epoch checkpoints read by an analysis are verified
// ---------------------------------------------------------------------------------------------

test('9: a flipped bit in an epoch checkpoint of a cached run is named (not analysed): the analysis refuses it, the runner recomputes it', async () => {
  const root = tempRoot();
  const cfg = tinyMini({ epochs: 2, checkpointEpochs: [0, 2] });
  const first = await runExperiment(cfg, { root, ...quiet });
  const path = epochCheckpointPath(first.dir, 2);
  const good = readFileSync(path);
  // One bit in the header (the epoch in the metadata: "2" -> "3"), one in the tensor data.
  for (const at of [good.indexOf('"epoch":"2"') + 9, good.length - 3]) {
    const bad = Uint8Array.from(good);
    bad[at]! ^= 1;
    writeFileSync(path, bad);
    // Without verification the cache answers at once (epoch checkpoints are not hashed on every hit)...
    assert.equal((await runExperiment(cfg, { root, ...quiet })).cached, true);
    // ...but an analysis that reads them names the damaged file instead of analysing it,
    const x = tf.tensor2d(new Float32Array(4 * 784), [4, 784]);
    try {
      await assert.rejects(analyzeRuns({ gn: [{ epoch: 0, path: epochCheckpointPath(first.dir, 0) }, { epoch: 2, path }] }, x, Int32Array.from([0, 1, 2, 3]), { groups: ['weights'] }),
        (e: unknown) => e instanceof CheckpointError && e.file === path && /SHA-256/.test((e as Error).message));
    } finally {
      x.dispose();
    }
    // ...and the runner, asked to verify (as runFigure does for a figure with an analysis), recomputes the run.
    const warnings: string[] = [];
    const again = await runExperiment(cfg, { root, progress: false, verifyCheckpoints: true, warn: (m) => warnings.push(m) });
    assert.equal(again.cached, false);
    assert.match(again.recomputed ?? '', new RegExp(`its checkpoint after epoch 2 is damaged \\(${path.replace(/[.]/g, '\\.')}: not a valid safetensors file: the (header|data buffer)'s SHA-256`));
    assert.equal(warnings.length, 1);
    assert.deepEqual(readFileSync(path), good, 'recomputed to the same bytes');
    assert.equal((await runExperiment(cfg, { root, ...quiet, verifyCheckpoints: true })).cached, true);
  }
  // A missing one too.
  rmSync(path);
  const r = await runExperiment(cfg, { root, ...quiet, verifyCheckpoints: true });
  assert.match(r.recomputed ?? '', /its checkpoint after epoch 2 .* is missing/);
});

test('9: runFigure verifies the checkpoints of a figure that has an analysis', async () => {
  const root = tempRoot();
  const cfg = tinyMini({ epochs: 2, checkpointEpochs: [0, 2] });
  const spec = {
    id: 'test-fig', title: 't', claim: 'c',
    runs: () => [{ id: 'mnist/gn/7', optimizer: 'gn', dataset: 'MNIST', seed: 7, config: cfg, fellBack: false }],
    analyze: async () => [],
    draw: () => [], findings: () => [], settings: () => [], deviations: () => [],
  } satisfies FigureSpec;
  const first = await runFigure(spec, { root, progress: false, log: () => {} });
  const path = epochCheckpointPath(first.results[0]!.dir, 2);
  const bytes = readFileSync(path);
  bytes[30]! ^= 1;
  writeFileSync(path, bytes);
  const we = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  let again;
  try {
    again = await runFigure(spec, { root, progress: false, log: () => {} });
  } finally {
    process.stderr.write = we;
  }
  assert.equal(again.results[0]!.cached, false);
  assert.match(err, /is damaged \(its checkpoint after epoch 2 is damaged/);
  const plain = await runFigure({ ...spec, analyze: undefined }, { root, progress: false, log: () => {} });
  assert.equal(plain.results[0]!.cached, true);
});

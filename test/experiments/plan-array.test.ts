// A plan run as a scheduler would run it: every entry a separate `exact-gn run --plan --index N`
// process (the built CLI, as on a cluster), two at a time and out of order, one SIGKILLed midway
// and rerun next to a duplicate of itself, one through the generated sbatch script (with the
// time-limit signal that requeues it); then `reproduce --no-train` assembles the report, which
// must equal the report of a serial `reproduce` that trained everything itself.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withoutTimings } from '../../src/experiments/events.js';
import { inspectRun, runPaths } from '../../src/experiments/store.js';
import type { Plan } from '../../src/experiments/plan.js';
import { tempRoot } from './fixtures/configs.js';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'exact-gn.js');
const FIGURES = 'appendix-weight-decay'; // 3 quick mini-batch MNIST runs: GN, GN with weight decay, Adam
const env = { ...process.env, EXACT_GN_BACKEND: process.env.EXACT_GN_BACKEND ?? 'wasm' };

interface Proc {
  proc: ChildProcess;
  /** Resolves once stderr has a line matching `re`. */
  stderrLine(re: RegExp): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

function start(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Proc {
  const proc = spawn(cmd, args, { cwd: REPO, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) if (w.re.test(err)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, out, err })));
  return {
    proc,
    done,
    stderrLine: (re) => (re.test(err) ? Promise.resolve() : Promise.race([
      new Promise<void>((resolve) => waiters.push({ re, resolve })),
      done.then((r) => { throw new Error(`exited (${r.code}) before stderr matched ${re}: ${r.err}`); }),
    ])),
  };
}

const cli = (...args: string[]): Proc => start(process.execPath, [BIN, ...args]);

async function ok(p: Proc, what: string): Promise<string> {
  const r = await p.done;
  assert.equal(r.code, 0, `${what} exited ${r.code} (${r.signal}): ${r.err.slice(-2000)}`);
  return r.out;
}

function findings(dir: string): { options: Record<string, unknown>; rest: Record<string, unknown> } {
  const f = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as Record<string, unknown> & { options: Record<string, unknown> };
  const { options, ...rest } = f;
  const { root: _root, noTrain: _noTrain, ...kept } = options;
  return { options: kept, rest };
}

function runDirs(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((d) => /^[0-9a-f]{16}$/.test(d)).sort() : [];
}

const events = (root: string, key: string): unknown[] => {
  const s = inspectRun(join(root, key));
  assert.equal(s.state, 'valid', `${key} in ${root}`);
  return s.state === 'valid' ? withoutTimings(s.rows) : [];
};

let serialRoot = '';
let serialReport = '';

before(async () => {
  assert.ok(existsSync(join(REPO, 'dist', 'cli', 'plan-commands.js')), 'dist/ is missing or old: run `npm run build` first');
  serialRoot = join(tempRoot('serial'), 'runs');
  serialReport = join(tempRoot('serial-report'), 'report');
  // The reference: one process trains every run of the figure in order and writes its report.
  await ok(cli('reproduce', '--profile', 'quick', '--figures', FIGURES, '--runs', serialRoot, '--out', serialReport, '--no-verify'), 'serial reproduce');
});

test('plan entries run as separate processes (out of order, two at a time, one killed and rerun) assemble the serial report', async () => {
  const work = tempRoot('array');
  const root = join(work, 'runs');
  const planPath = join(work, 'plan.json');
  const fake = join(work, 'bin');
  mkdirSync(fake);
  writeFileSync(join(fake, 'scontrol'), `#!/bin/sh\necho "$@" >> ${join(work, 'scontrol.log')}\n`);
  chmodSync(join(fake, 'scontrol'), 0o755);

  const planned = await ok(cli('plan', '--profile', 'quick', '--figures', FIGURES, '--out', planPath, '--runs', root, '--emit', 'slurm'), 'plan');
  assert.match(planned, /3 runs .* profile quick/);
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as Plan;
  assert.equal(plan.entries.length, 3);
  const keys = plan.entries.map((e) => e.key);

  // Before anything ran: the report names every missing run, exits non-zero, and starts nothing.
  const empty = await cli('reproduce', '--plan', planPath, '--runs', root, '--no-train', '--no-verify', '--out', join(work, 'report-empty')).done;
  assert.equal(empty.code, 1, empty.err);
  assert.match(empty.err, /without appendix-weight-decay \(3 runs missing\).*plan entries 0, 1, 2/);
  assert.deepEqual(runDirs(root), [], '--no-train created no run folder');
  const emptyFindings = JSON.parse(readFileSync(join(work, 'report-empty', 'findings.json'), 'utf8')) as { missing: { figure: string; keys: string[] }[] };
  assert.deepEqual(emptyFindings.missing.map((m) => [m.figure, [...m.keys].sort()]), [['appendix-weight-decay', [...keys].sort()]]);

  // Slot 1: entry 2, killed after its second epoch. Slot 2: entry 0.
  const victim = cli('run', '--plan', planPath, '--index', '2', '--runs', root);
  const first = cli('run', '--plan', planPath, '--index', '0', '--runs', root);
  await victim.stderrLine(new RegExp(`${keys[2]} epoch 2/`));
  victim.proc.kill('SIGKILL');
  assert.equal((await victim.done).signal, 'SIGKILL');
  assert.equal(inspectRun(join(root, keys[2]!)).state, 'incomplete');
  assert.ok(existsSync(runPaths(join(root, keys[2]!)).lock), 'the killed task left its lock behind');

  // Slot 1 again: entry 1 through the generated sbatch script, as a SLURM array task; the
  // time-limit signal (USR1) arrives midway and the script asks SLURM to requeue the task.
  const script = join(work, 'plan.sbatch');
  const task = start('bash', [script], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77', PATH: `${fake}:${process.env.PATH}` });
  await task.stderrLine(new RegExp(`${keys[1]} epoch 1/`));
  task.proc.kill('SIGUSR1');
  const viaScript = await ok(task, 'sbatch script');
  assert.match(viaScript, /complete: entry 1 of 3/);
  assert.equal(readFileSync(join(work, 'scontrol.log'), 'utf8'), 'requeue 77_1\n');
  assert.match(await ok(first, 'entry 0'), /complete: entry 0 of 3/);

  // Only the killed run is missing now.
  const partial = await cli('reproduce', '--plan', planPath, '--runs', root, '--no-train', '--no-verify', '--out', join(work, 'report-partial')).done;
  assert.equal(partial.code, 1);
  assert.match(partial.err, /\(1 runs missing\).*plan entries 2 \(/);

  // As after a requeue onto another node: the dead task's lock names a host this process cannot
  // check, and its heartbeat stopped ten minutes ago (older than the default --stale-after 300 s).
  const lockPath = runPaths(join(root, keys[2]!)).lock;
  const dead = JSON.parse(readFileSync(lockPath, 'utf8')) as Record<string, unknown>;
  assert.equal(dead.heartbeatMs, 30_000, 'run locks heartbeat');
  writeFileSync(lockPath, JSON.stringify({ ...dead, hostname: 'node-b', pid: 4242 }));
  const tenMinutesAgo = new Date(Date.now() - 600_000);
  utimesSync(lockPath, tenMinutesAgo, tenMinutesAgo);

  // The rerun and a duplicate of it at the same time: one takes over the dead task's lock and
  // resumes, the other waits for it and then finds the run complete.
  const rerun = cli('run', '--plan', planPath, '--index', '2', '--runs', root);
  const duplicate = cli('run', '--plan', planPath, '--index', '2', '--runs', root);
  const outs = [await ok(rerun, 'rerun'), await ok(duplicate, 'duplicate')].sort();
  assert.match(outs[0]!, /^cached: entry 2 of 3/);
  assert.match(outs[1]!, /^complete: entry 2 of 3/);

  // The report from the array's runs equals the serial one.
  const report = join(work, 'report');
  await ok(cli('reproduce', '--plan', planPath, '--runs', root, '--no-train', '--no-verify', '--out', report), 'reproduce --no-train');
  assert.deepEqual(runDirs(root), [...keys].sort());
  assert.deepEqual(runDirs(serialRoot), [...keys].sort(), 'the serial report trained exactly the planned runs');
  for (const key of keys) assert.deepEqual(events(root, key), events(serialRoot, key), `rows of run ${key}`);
  const a = findings(serialReport);
  const b = findings(report);
  assert.deepEqual(b.rest, a.rest);
  assert.deepEqual(b.options, a.options);
  assert.ok((a.rest.findings as { findings: unknown[] }[])[0]!.findings.length > 0, 'the report has findings');
});

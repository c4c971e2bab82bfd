// Kill-and-resume: a run in a child process is SIGKILLed at chosen points (and at an arbitrary
// one), then resumed; its rows and checkpoints must equal those of an uninterrupted run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupBackend } from '../helpers/backend.js';
import { runExperiment, type RunResult } from '../../src/experiments/runner.js';
import { withoutTimings } from '../../src/experiments/events.js';
import { runPaths } from '../../src/experiments/store.js';
import { readJsonl } from '../../src/io/atomic.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { LockedError } from '../../src/io/lock.js';
import { tempRoot, tinySwitch } from './fixtures/configs.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/run-child.ts', import.meta.url));
const quiet = { progress: false, warn: () => {}, resumeIntervalMs: 0 } as const;
let reference: RunResult;

before(async () => {
  await setupBackend();
  reference = await runExperiment(tinySwitch(), { root: tempRoot('ref'), ...quiet });
});

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line matching `re`; rejects if the child exits first. */
  waitFor(re: RegExp): Promise<string>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Starts the fixture (node --import tsx, i.e. what `npx tsx` runs) on `root`, optionally pausing at an event. */
function startChild(root: string, pause?: { kind: 'step' | 'eval' | 'epoch'; at: number }): Child {
  const args = ['--import', 'tsx', FIXTURE, root, JSON.stringify(tinySwitch())];
  if (pause) args.push(pause.kind, String(pause.at));
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code}) before printing ${w.re}; stderr: ${err}`));
    resolve(code);
  }));
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    proc,
    exited,
    stderr: () => err,
    waitFor: (re) => {
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
    },
  };
}

async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  await child.exited;
}

function checkpointBytes(dir: string): Map<string, string> {
  const d = join(dir, 'checkpoints');
  return new Map(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f)).toString('base64')]));
}

/** Rows on disk, and the row count the resume checkpoint was written after. */
function diskState(dir: string): { rows: number; checkpointRows: number | null } {
  const p = runPaths(dir);
  const rows = existsSync(p.events) ? readJsonl(p.events).rows.length : 0;
  if (!existsSync(p.resume)) return { rows, checkpointRows: null };
  const { model, metadata } = loadCheckpoint(p.resume);
  model.dispose();
  return { rows, checkpointRows: Number(metadata.rows) };
}

async function resumeAndCompare(root: string): Promise<void> {
  const resumed = await runExperiment(tinySwitch(), { root, ...quiet });
  assert.equal(resumed.status, 'complete');
  assert.equal(resumed.cached, false);
  assert.deepEqual(withoutTimings(resumed.rows), withoutTimings(reference.rows));
  assert.deepEqual(checkpointBytes(resumed.dir), checkpointBytes(reference.dir));
}

// Epoch 1-2 train with Adam (moments in the resume checkpoint), epoch 3 with GN; 4 steps per epoch.
const KILL_POINTS = [
  { kind: 'step', at: 2, why: 'mid-epoch 1, Adam' },
  { kind: 'step', at: 7, why: 'mid-epoch 2, Adam moments restored from the checkpoint' },
  { kind: 'eval', at: 2, why: 'after the eval row, before the epoch checkpoints' },
  { kind: 'step', at: 11, why: 'mid-epoch 3, after the switch to GN' },
  { kind: 'epoch', at: 3, why: 'after the last resume checkpoint, before done.json' },
] as const;

for (const point of KILL_POINTS) {
  test(`SIGKILL at ${point.kind} ${point.at} (${point.why}) then resume gives the uninterrupted rows`, { timeout: 60_000 }, async () => {
    const root = tempRoot('kill');
    const child = startChild(root, point);
    await child.waitFor(/^PAUSED/);
    await kill(child);
    const dir = join(root, reference.key);
    assert.equal(existsSync(runPaths(dir).done), false);
    const st = diskState(dir);
    if (point.kind !== 'epoch') assert.ok(st.checkpointRows !== null && st.rows > st.checkpointRows, `rows after the checkpoint exist (${st.rows} > ${st.checkpointRows})`);
    await resumeAndCompare(root);
  });
}

test('a second process is refused (E_LOCKED, naming the holder) or waits, then takes over the lock of a killed one', { timeout: 60_000 }, async () => {
  const root = tempRoot('lock');
  const child = startChild(root, { kind: 'step', at: 5 });
  await child.waitFor(/^PAUSED/);
  await assert.rejects(runExperiment(tinySwitch(), { root, ...quiet }), (e: unknown) => {
    assert.ok(e instanceof LockedError);
    assert.equal(e.code, 'E_LOCKED');
    assert.match(e.message, new RegExp(`already being trained by pid ${child.proc.pid}.*wait: true.*--wait`));
    return true;
  });
  await assert.rejects(runExperiment(tinySwitch(), { root, ...quiet, wait: 300 }), (e: unknown) => e instanceof LockedError);
  // A waiting process gets the run once the holder is gone, and finishes it.
  const waiting = runExperiment(tinySwitch(), { root, ...quiet, wait: true });
  await new Promise((r) => setTimeout(r, 300));
  await kill(child);
  const r = await waiting;
  assert.equal(r.status, 'complete');
  assert.deepEqual(withoutTimings(r.rows), withoutTimings(reference.rows));
});

test('killed twice at arbitrary moments (no pause), resumed in between by another process', { timeout: 90_000 }, async () => {
  const root = tempRoot('random');
  const first = startChild(root);
  await first.waitFor(/^STEP 3$/);
  await kill(first);
  const second = startChild(root);
  await second.waitFor(/^STEP 9$/);
  await kill(second);
  const st = diskState(join(root, reference.key));
  assert.ok(st.rows > 0);
  await resumeAndCompare(root);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, acquireLockAsync, readLockHolder, LockedError, type LockHolder } from '../../src/io/index.js';
import { ConfigError, ExactGnError, FileError } from '../../src/util/errors.js';

const HOLDER = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-lock-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function spawnHolder(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', HOLDER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Starts a child that acquires the lock; resolves once it holds it. */
function startHolder(...args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnHolder(args);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.once('data', () => resolve(child));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code}): ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A pid that surely belongs to no live process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function writeHolder(path: string, holder: Partial<LockHolder>): void {
  writeFileSync(path, JSON.stringify({ hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z', token: 'old', ...holder }));
}

function isLocked(pid: number | null, pattern?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof LockedError && e instanceof ExactGnError, `expected LockedError, got ${String(e)}`);
    assert.equal(e.code, 'E_LOCKED');
    assert.equal(e.holder?.pid ?? null, pid);
    if (pid !== null) assert.match(e.message, new RegExp(`locked by pid ${pid}\\b`));
    assert.match(e.message, /delete .*\.lock/);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('a lock held by another live process: E_LOCKED naming its pid, then acquirable after release', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const child = await startHolder('hold', path);
    try {
      assert.equal(readLockHolder(path)?.pid, child.pid);
      assert.throws(() => acquireLock(path), isLocked(child.pid!, new RegExp(`on host ${hostname()}`)));
      await assert.rejects(acquireLockAsync(path), isLocked(child.pid!));
      // wait mode: ask the child to release, and wait for the lock without blocking the event loop
      const waiting = acquireLockAsync(path, { wait: true, timeoutMs: 30_000, pollMs: 10 });
      child.stdin!.write('release\n');
      const lock = await waiting;
      assert.equal(readLockHolder(path)?.pid, process.pid);
      lock.release();
      assert.equal(existsSync(path), false);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  }));

test('blocking wait mode gets the lock once the holder releases it', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const child = await startHolder('hold-for', path, '300');
    try {
      const lock = acquireLock(path, { wait: true, timeoutMs: 30_000, pollMs: 10 });
      assert.equal(readLockHolder(path)?.token, lock.holder.token);
      lock.release();
    } finally {
      await exited(child);
    }
  }));

test('wait mode gives up after timeoutMs with E_LOCKED', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const child = await startHolder('hold', path);
    try {
      assert.throws(() => acquireLock(path, { wait: true, timeoutMs: 50, pollMs: 10 }), isLocked(child.pid!, /gave up after waiting \d+ ms/));
      await assert.rejects(acquireLockAsync(path, { wait: true, timeoutMs: 0 }), isLocked(child.pid!, /gave up/));
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  }));

test('a stale lock from a dead pid on this host is taken over', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const dead = deadPid();
    writeHolder(path, { pid: dead });
    const lock = acquireLock(path);
    const holder = readLockHolder(path);
    assert.equal(holder?.pid, process.pid);
    assert.notEqual(holder?.token, 'old');
    lock.release();

    // a holder killed with SIGKILL cannot clean up: its lock is stale
    const child = await startHolder('hold', path);
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(readLockHolder(path)?.pid, child.pid);
    acquireLock(path).release();
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.takeover`), false, 'the takeover guard is cleaned up');
  }));

test('a lock from another host is never judged stale', () =>
  withDir((dir) => {
    const path = join(dir, '.lock');
    const dead = deadPid();
    writeHolder(path, { pid: dead, hostname: 'some-other-host' });
    assert.throws(() => acquireLock(path), isLocked(dead, /on host some-other-host.*ran on another host/));
  }));

test('an unreadable lock file is busy while fresh and stale once old', () =>
  withDir((dir) => {
    const path = join(dir, '.lock');
    writeFileSync(path, '');
    assert.throws(() => acquireLock(path), isLocked(null, /unknown process: the lock file is empty or not valid JSON/));
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquireLock(path).release();
    writeFileSync(path, '{"pid": "x"}');
    assert.throws(() => acquireLock(path, { malformedStaleMs: 60_000 }), isLocked(null));
  }));

test('the same process cannot take its own lock twice; release is idempotent and only removes its own lock', () =>
  withDir((dir) => {
    const path = join(dir, '.lock');
    const lock = acquireLock(path);
    assert.throws(() => acquireLock(path), isLocked(process.pid, /\(this process\)/));
    lock.release();
    lock.release();
    const second = acquireLock(path);
    lock.release();
    assert.equal(readLockHolder(path)?.token, second.holder.token, 'a stale handle does not remove a newer lock');
    second.release();
  }));

test('a holder that exits without releasing removes its lock file on exit', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const child = await startHolder('exit', path);
    child.stdin!.write('release\n');
    assert.equal(await exited(child), 0);
    assert.equal(existsSync(path), false);
  }));

test('processes contending for the lock (starting from a stale one) never overlap', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    writeHolder(path, { pid: deadPid() });
    const children = [0, 1, 2].map(() => spawnHolder(['count', path, '25', counter]));
    const codes = await Promise.all(children.map(exited));
    assert.deepEqual(codes, [0, 0, 0]);
    assert.equal(readFileSync(counter, 'utf8'), '75');
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.takeover`), false);
  }));

test('bad options are ConfigErrors; an unusable path is a FileError naming it and what to do', () =>
  withDir((dir) => {
    assert.throws(() => acquireLock(join(dir, 'no-such-dir', '.lock')), (e: unknown) => e instanceof FileError && e.path === join(dir, 'no-such-dir', '.lock') &&
      /cannot write: the folder .*no-such-dir does not exist; create it/.test(e.message));
    assert.throws(() => acquireLock(join(dir, '.lock'), { pollMs: 0 }), (e: unknown) => e instanceof ConfigError && e.field === 'pollMs');
    assert.throws(() => acquireLock(join(dir, '.lock'), { timeoutMs: -1 }), (e: unknown) => e instanceof ConfigError && e.field === 'timeoutMs');
  }));

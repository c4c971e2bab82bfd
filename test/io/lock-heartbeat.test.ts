// Locks across hosts and containers (a shared runs folder on a cluster): a holder that heartbeats
// keeps its lock file fresh from a worker thread, even while its main thread is busy; a lock held
// where this process cannot check the pid (another host, another pid namespace) is taken over only
// once it has stopped heartbeating for staleAfterMs; a lock naming this very pid that this process
// does not hold is the leftover of a restarted container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, readLockHolder, LockedError, type LockHolder } from '../../src/io/index.js';

const LOCK = new URL('../../src/io/lock.ts', import.meta.url).href;

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-lockhb-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function writeHolder(path: string, holder: Partial<LockHolder>, ageMs = 0): void {
  writeFileSync(path, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z', token: 'old', ...holder }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
}

const locked = (e: unknown): boolean => e instanceof LockedError && e.code === 'E_LOCKED';

function ownPidns(): string | undefined {
  try {
    return `${readlinkSync('/proc/self/ns/pid')}@${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return undefined;
  }
}

test('a heartbeating holder keeps its lock file fresh while its main thread is blocked', () =>
  withDir(async (dir) => {
    const path = join(dir, '.lock');
    const code = `const { acquireLock } = await import(${JSON.stringify(LOCK)});
      const lock = acquireLock(${JSON.stringify(path)}, { heartbeatMs: 50 });
      process.stdout.write('locked\\n');
      await new Promise((r) => setTimeout(r, 100));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500); // a long synchronous step
      lock.release();`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      void exited.then((c) => reject(new Error(`holder exited (${c}): ${err}`)));
    });
    const holder = readLockHolder(path)!;
    assert.equal(holder.pid, child.pid);
    assert.equal(holder.heartbeatMs, 50);
    await new Promise((r) => setTimeout(r, 300)); // the child is now inside its blocking wait
    const old = new Date(Date.now() - 3600_000);
    utimesSync(path, old, old);
    await new Promise((r) => setTimeout(r, 500));
    const age = Date.now() - statSync(path).mtimeMs;
    assert.ok(age < 400, `the lock file was touched ${age.toFixed(0)} ms ago while the holder's main thread was blocked`);
    assert.equal(await exited, 0, err);
    assert.throws(() => statSync(path), 'released on exit');
  }));

test('a lock from another host or container is taken over once its heartbeat is older than staleAfterMs, never before', () =>
  withDir((dir) => {
    const path = join(dir, '.lock');
    const others: Partial<LockHolder>[] = [
      { hostname: 'node-b', pid: 12345, heartbeatMs: 1000 }, // another cluster node
      // another container on this host (where /proc tells pid namespaces apart): its pid is not ours
      ...(ownPidns() === undefined ? [] : [{ pid: process.pid, pidns: 'pid:[4026530000]@another-boot', heartbeatMs: 1000 }]),
    ];
    for (const holder of others) {
      writeHolder(path, holder, 2000);
      assert.throws(() => acquireLock(path, { staleAfterMs: 60_000 }), locked, 'fresh: its holder may be alive');
      assert.throws(() => acquireLock(path), locked, 'default staleAfterMs is Infinity');
      writeHolder(path, holder, 120_000);
      const lock = acquireLock(path, { staleAfterMs: 60_000 });
      assert.equal(readLockHolder(path)?.token, lock.holder.token, 'taken over');
      lock.release();
    }
    // A holder that never promised a heartbeat is never judged stale by age (it may be a long step).
    writeHolder(path, { hostname: 'node-b', pid: 12345 }, 3600_000);
    assert.throws(() => acquireLock(path, { staleAfterMs: 1000 }), locked);
  }));

test('a lock naming this pid in this pid namespace, not held by this process, is a restarted container\'s leftover', () =>
  withDir((dir) => {
    const path = join(dir, '.lock');
    const ns = ownPidns();
    writeHolder(path, ns === undefined ? {} : { pidns: ns });
    const lock = acquireLock(path);
    assert.equal(readLockHolder(path)?.token, lock.holder.token);
    if (ns !== undefined) assert.equal(lock.holder.pidns, ns);
    assert.throws(() => acquireLock(path), (e: unknown) => locked(e) && /\(this process\)/.test((e as Error).message), 'its own live lock stays locked');
    lock.release();
  }));

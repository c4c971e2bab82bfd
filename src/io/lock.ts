/**
 * An advisory inter-process lock, so two processes never write the same run directory at once.
 * The lock is a file created exclusively (`open(path, 'wx')`) holding the owner's pid, hostname,
 * pid namespace, start time and a random token. A lock left by a dead process on this host is
 * taken over; a lock held by a live process makes acquireLock wait (poll) or throw a LockedError
 * (code E_LOCKED). By convention a run directory `dir` is locked through `join(dir, '.lock')`.
 *
 * Holders on another host (or in another container: another pid namespace) cannot be checked for
 * liveness. A holder that asks for `heartbeatMs` touches its lock file that often from a worker
 * thread (so a long synchronous step does not stop it) and says so in the file; such a lock whose
 * file has not been touched for `staleAfterMs` is stale (its holder died: a preempted cluster node,
 * a killed pod). Holders that do not heartbeat are never judged stale by age.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ExactGnError, ConfigError, check } from '../util/errors.js';

/** Who holds a lock, as written in the lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  token: string;
  /** Pid namespace and boot of the holder (Linux), e.g. 'pid:[4026531836]@<boot id>': pids are comparable only within one. */
  pidns?: string;
  /** The holder touches the lock file every this many ms while it holds it. */
  heartbeatMs?: number;
}

/** A held lock. `release()` is idempotent and also runs on normal process exit. */
export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

export interface LockOptions {
  /** Wait (poll) while a live process holds the lock instead of throwing. Default false. */
  wait?: boolean;
  /** With `wait`, give up after this many milliseconds. Default Infinity. */
  timeoutMs?: number;
  /** With `wait`, how often to retry, in milliseconds. Default 100. */
  pollMs?: number;
  /** A lock file that is unreadable (empty, not JSON) and older than this is stale. Default 10000 ms. */
  malformedStaleMs?: number;
  /** While held, touch the lock file every this many ms (from a worker thread). Default 0: never. */
  heartbeatMs?: number;
  /**
   * A lock whose holder this process cannot check (another host or pid namespace), whose holder
   * heartbeats, and whose file is older than this, is stale. Default Infinity.
   */
  staleAfterMs?: number;
}

/** The lock is held by another live process (or by one this host cannot check). Code E_LOCKED. */
export class LockedError extends ExactGnError {
  readonly path: string;
  /** The holder read from the lock file, or null when the file was unreadable. */
  readonly holder: LockHolder | null;
  constructor(path: string, holder: LockHolder | null, message: string) {
    super('E_LOCKED', message);
    this.path = path;
    this.holder = holder;
  }
}

const DEFAULTS: Required<LockOptions> = { wait: false, timeoutMs: Infinity, pollMs: 100, malformedStaleMs: 10_000, heartbeatMs: 0, staleAfterMs: Infinity };

// ---------------------------------------------------------------------------------------------
// Lock file contents and liveness
// ---------------------------------------------------------------------------------------------

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    if (v === null || typeof v !== 'object') return null;
    const ok = Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.hostname === 'string' && typeof v.startedAt === 'string' && typeof v.token === 'string';
    return ok ? (v as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Reads the holder of the lock at `path`: null when there is no lock file or it is unreadable. */
export function readLockHolder(path: string): LockHolder | null {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

let ownPidns: string | undefined | null = null;

/** This process's pid namespace and boot id (Linux), undefined where /proc does not tell. */
function pidNamespace(): string | undefined {
  if (ownPidns === null) {
    try {
      ownPidns = `${readlinkSync('/proc/self/ns/pid')}@${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
    } catch {
      ownPidns = undefined;
    }
  }
  return ownPidns;
}

function newHolder(heartbeatMs = 0): LockHolder {
  const h: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomBytes(12).toString('hex') };
  const ns = pidNamespace();
  if (ns !== undefined) h.pidns = ns;
  if (heartbeatMs > 0) h.heartbeatMs = heartbeatMs;
  return h;
}

/** Whether this process can tell if the holder's pid is alive: same host and (where known) same pid namespace. */
function checkable(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  const mine = pidNamespace();
  return holder.pidns === undefined || mine === undefined || holder.pidns === mine;
}

/** Creates `path` exclusively with `text`; false if it already exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new ConfigError('lock path', `cannot create lock file ${path} (${code ?? String(e)}); check that its directory exists and is writable`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkIfPresent(path);
    throw new ConfigError('lock path', `cannot write lock file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); check free disk space`);
  }
  closeSync(fd);
  return true;
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Held locks are released on process exit
// ---------------------------------------------------------------------------------------------

const held = new Set<() => void>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  for (const release of [...held]) {
    try {
      release();
    } catch {
      // exiting anyway; a leftover lock is detected as stale later
    }
  }
}

/** Tokens of the locks this process holds. */
const heldTokens = new Set<string>();

/** Touches `path` every `ms` from a worker thread while its content still holds `token`. */
const HEARTBEAT_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync, utimesSync } = require('node:fs');
const { path, token, ms } = workerData;
setInterval(() => {
  try {
    if (JSON.parse(readFileSync(path, 'utf8')).token !== token) return;
    const now = new Date();
    utimesSync(path, now, now);
  } catch {}
}, ms);
`;

function touchIfOurs(path: string, token: string): void {
  if (readLockHolder(path)?.token !== token) return;
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // gone or unwritable: nothing to keep fresh
  }
}

/** Starts the heartbeat of a held lock; returns its stop function. */
function startHeartbeat(path: string, holder: LockHolder): (() => void) | null {
  const ms = holder.heartbeatMs;
  if (!ms) return null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  // Should the worker fail, beat from this thread instead (between steps), so the lock never looks abandoned.
  const fallback = (): void => {
    if (stopped || timer !== null) return;
    timer = setInterval(() => touchIfOurs(path, holder.token), ms);
    timer.unref();
  };
  let w: Worker | null = null;
  try {
    // execArgv []: the worker must not inherit loaders or --input-type (its source is CommonJS).
    w = new Worker(HEARTBEAT_SOURCE, { eval: true, execArgv: [], workerData: { path, token: holder.token, ms } });
    w.unref();
    w.on('error', fallback);
    w.on('exit', fallback);
  } catch {
    fallback();
  }
  return () => {
    stopped = true;
    if (timer !== null) clearInterval(timer);
    void w?.terminate();
  };
}

function makeLock(path: string, holder: LockHolder): Lock {
  let released = false;
  heldTokens.add(holder.token);
  const heartbeat = startHeartbeat(path, holder);
  const release = (): void => {
    if (released) return;
    released = true;
    held.delete(release);
    heldTokens.delete(holder.token);
    heartbeat?.();
    // Remove the file only if it is still ours (not taken over after we were judged stale).
    if (readLockHolder(path)?.token === holder.token) unlinkIfPresent(path);
  };
  held.add(release);
  if (!exitHookInstalled) {
    process.on('exit', releaseAllOnExit);
    exitHookInstalled = true;
  }
  return { path, holder, release };
}

// ---------------------------------------------------------------------------------------------
// One attempt
// ---------------------------------------------------------------------------------------------

type Attempt = { lock: Lock } | { holder: LockHolder | null };

/**
 * Stale: the file is unreadable and old; or the holder can be checked and is a dead pid (or has
 * this process's pid without being held by it: a previous process of a restarted container); or
 * it cannot be checked, heartbeats, and has not touched the file for staleAfterMs.
 */
function isStale(path: string, holder: LockHolder | null, opts: Required<LockOptions>): boolean {
  if (holder === null) return ageMs(path) > opts.malformedStaleMs;
  if (checkable(holder)) return !isPidAlive(holder.pid) || (holder.pid === process.pid && !heldTokens.has(holder.token));
  return typeof holder.heartbeatMs === 'number' && holder.heartbeatMs > 0 && ageMs(path) > opts.staleAfterMs;
}

/**
 * Removes a stale lock, but only if it still holds exactly `observed`: stale removal is serialized
 * through a short-lived guard file, so two processes cannot both remove and recreate the lock.
 */
function removeStale(path: string, observed: string, opts: Required<LockOptions>): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, JSON.stringify(newHolder()))) {
    const g = readText(guard);
    if (g !== null && isStale(guard, parseHolder(g), opts)) {
      try {
        unlinkSync(guard);
      } catch {
        // someone else cleaned it up
      }
    }
    return;
  }
  try {
    if (readText(path) === observed) unlinkSync(path);
  } finally {
    unlinkSync(guard);
  }
}

function attempt(path: string, opts: Required<LockOptions>): Attempt {
  for (let tries = 0; tries < 8; tries++) {
    const mine = newHolder(opts.heartbeatMs);
    if (createExclusive(path, JSON.stringify(mine))) return { lock: makeLock(path, mine) };
    const text = readText(path);
    if (text === null) continue; // released in between: try again
    const holder = parseHolder(text);
    if (!isStale(path, holder, opts)) return { holder };
    try {
      removeStale(path, text, opts);
    } catch {
      // lost a race with another remover; just retry
    }
  }
  return { holder: readLockHolder(path) };
}

function lockedError(path: string, holder: LockHolder | null, waitedMs: number | null): LockedError {
  const waited = waitedMs === null ? '' : ` (gave up after waiting ${waitedMs} ms)`;
  if (holder === null) {
    return new LockedError(path, null, `${path} is locked by an unknown process: the lock file is empty or not valid JSON${waited}. ` +
      `Another process may be creating it; retry, or delete ${path} if no exact-gn process is running.`);
  }
  const who = holder.pid === process.pid && holder.hostname === hostname() ? `pid ${holder.pid} (this process)` : `pid ${holder.pid}`;
  return new LockedError(path, holder, `${path} is locked by ${who} on host ${holder.hostname} since ${holder.startedAt}${waited}. ` +
    `Another exact-gn process is using this run: wait for it to finish, or acquire with { wait: true }. ` +
    `If that process no longer exists (e.g. it ran on another host), delete ${path}.`);
}

function resolveOptions(options: LockOptions): Required<LockOptions> {
  const opts = { ...DEFAULTS, ...options };
  check(typeof opts.wait === 'boolean', 'wait', () => `expected a boolean, got ${String(opts.wait)}`);
  check(typeof opts.timeoutMs === 'number' && opts.timeoutMs >= 0, 'timeoutMs', () => `expected a number >= 0, got ${String(opts.timeoutMs)}`);
  check(typeof opts.pollMs === 'number' && opts.pollMs > 0 && Number.isFinite(opts.pollMs), 'pollMs', () => `expected a finite number > 0, got ${String(opts.pollMs)}`);
  check(typeof opts.malformedStaleMs === 'number' && opts.malformedStaleMs >= 0, 'malformedStaleMs', () => `expected a number >= 0, got ${String(opts.malformedStaleMs)}`);
  check(typeof opts.heartbeatMs === 'number' && opts.heartbeatMs >= 0 && Number.isFinite(opts.heartbeatMs), 'heartbeatMs', () => `expected a finite number >= 0, got ${String(opts.heartbeatMs)}`);
  check(typeof opts.staleAfterMs === 'number' && opts.staleAfterMs > 0, 'staleAfterMs', () => `expected a number > 0, got ${String(opts.staleAfterMs)}`);
  return opts;
}

/**
 * One attempt of a waiting acquirer that started at `start`: the lock, or how long to sleep before
 * the next attempt; throws LockedError when it must not (or may no longer) wait.
 */
function attemptOrWait(path: string, opts: Required<LockOptions>, start: number): Lock | number {
  const a = attempt(path, opts);
  if ('lock' in a) return a.lock;
  const waited = Date.now() - start;
  if (!opts.wait) throw lockedError(path, a.holder, null);
  if (waited >= opts.timeoutMs) throw lockedError(path, a.holder, waited);
  return Math.min(opts.pollMs, opts.timeoutMs - waited);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Acquires the lock file at `path`, synchronously. A lock left by a dead process on this host is
 * taken over. When a live process holds it, throws LockedError (E_LOCKED, naming the pid), or with
 * `wait: true` blocks (polling every `pollMs`) until it is free or `timeoutMs` has passed. Blocking
 * stops this thread's event loop; use acquireLockAsync where that matters.
 *
 * @example
 * const lock = acquireLock('/tmp/run/.lock');
 * try { // ... write the run ... } finally { lock.release(); }
 */
export function acquireLock(path: string, options: LockOptions = {}): Lock {
  const opts = resolveOptions(options);
  const start = Date.now();
  for (;;) {
    const r = attemptOrWait(path, opts, start);
    if (typeof r !== 'number') return r;
    sleepSync(r);
  }
}

/**
 * Like acquireLock, but waits without blocking the event loop.
 *
 * @example
 * const lock = await acquireLockAsync('/tmp/run/.lock', { wait: true, timeoutMs: 60_000 });
 * lock.release();
 */
export async function acquireLockAsync(path: string, options: LockOptions = {}): Promise<Lock> {
  const opts = resolveOptions(options);
  const start = Date.now();
  for (;;) {
    const r = attemptOrWait(path, opts, start);
    if (typeof r !== 'number') return r;
    await new Promise((resolve) => setTimeout(resolve, r));
  }
}

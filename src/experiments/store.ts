/**
 * The on-disk layout of a run, under `<root>/<key>/`:
 *   config.json                      the resolved config, key and code version
 *   events.jsonl                     append-only rows (see events.ts)
 *   checkpoints/epoch-XXXX.safetensors  the model after epoch XXXX (0000 = init), as configured
 *   checkpoints/resume.safetensors   rolling resume state (model, optimizer, position), every epoch
 *   done.json                        status and the SHA-256 of events.jsonl, written last
 *   .lock                            held by the process writing the run
 * A run is complete (a cache hit) exactly when done.json exists and the checksum of events.jsonl
 * matches it.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, FileError } from '../util/errors.js';
import { sha256Hex } from '../io/checksum.js';
import { ensureFolder, readJsonl, writeFileAtomic } from '../io/atomic.js';
import { fileError } from '../io/fs-errors.js';
import { canonicalJson } from './key.js';
import type { ResolvedConfig } from './config.js';
import type { EventRow } from './events.js';

/** Environment variable naming the default runs root. */
export const RUNS_DIR_ENV = 'EXACT_GN_RUNS_DIR';

/** The runs root: `root`, else $EXACT_GN_RUNS_DIR, else `runs` (relative to the working directory). */
export function runsRoot(root?: string): string {
  const env = process.env[RUNS_DIR_ENV];
  return resolve(root ?? (env !== undefined && env !== '' ? env : 'runs'));
}

/** Paths of the files of one run directory. */
export interface RunPaths {
  dir: string;
  config: string;
  events: string;
  done: string;
  lock: string;
  checkpoints: string;
  resume: string;
}

/**
 * The files of the run directory `dir`.
 *
 * @example
 * const { events, done } = runPaths(result.dir);
 */
export function runPaths(dir: string): RunPaths {
  const checkpoints = join(dir, 'checkpoints');
  return {
    dir,
    config: join(dir, 'config.json'),
    events: join(dir, 'events.jsonl'),
    done: join(dir, 'done.json'),
    lock: join(dir, '.lock'),
    checkpoints,
    resume: join(checkpoints, 'resume.safetensors'),
  };
}

/**
 * The file of the checkpoint after `epoch` epochs.
 *
 * @example
 * epochCheckpointPath('runs/3f9c0a1b2c3d4e5f', 0); // 'runs/3f9c0a1b2c3d4e5f/checkpoints/epoch-0000.safetensors'
 */
export function epochCheckpointPath(dir: string, epoch: number): string {
  return join(dir, 'checkpoints', `epoch-${String(epoch).padStart(4, '0')}.safetensors`);
}

/** What config.json holds. */
export interface ConfigRecord {
  key: string;
  code: string;
  config: ResolvedConfig;
}

/** What done.json holds. */
export interface DoneRecord {
  status: 'complete' | 'failed';
  key: string;
  code: string;
  /** SHA-256 of events.jsonl when the run ended. */
  eventsSha256: string;
  /** Number of rows in events.jsonl. */
  rows: number;
  /** Why the run failed (status 'failed'). */
  reason?: string;
  /**
   * The tfjs backend that ran the run's last segment (provenance only: the run key leaves the
   * backend out, since backends agree up to float32 rounding and a cached run serves any of them).
   */
  backend?: string;
  finishedAt: string;
}

/** State of a run directory. */
export type RunState =
  | { state: 'missing' }
  | { state: 'incomplete' }
  | { state: 'valid'; done: DoneRecord; rows: EventRow[]; config: ConfigRecord }
  | { state: 'damaged'; why: string };

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

function isDone(v: unknown): v is DoneRecord {
  const d = v as DoneRecord | null;
  return d !== null && typeof d === 'object' && (d.status === 'complete' || d.status === 'failed') &&
    typeof d.eventsSha256 === 'string' && typeof d.rows === 'number';
}

/**
 * Inspects a run directory: complete and intact ('valid', with its rows), still running or
 * interrupted ('incomplete'), absent ('missing'), or damaged (done.json present but the events
 * checksum, the row count or the config does not match: config.json must hash to its run key).
 * `expected` (the config the caller wants) is compared with config.json.
 *
 * @example
 * const s = inspectRun('runs/3f9c0a1b2c3d4e5f');
 * if (s.state === 'valid') console.log(s.rows.length);
 */
export function inspectRun(dir: string, expected?: ResolvedConfig): RunState {
  const p = runPaths(dir);
  // A folder where a record file belongs is not damage the runner may repair (it is not ours to delete).
  for (const f of [p.done, p.events, p.config]) {
    if (isFolder(f)) throw new FileError(f, 'is a folder where exact-gn keeps a file of the run; move it away, then run again (the run is recomputed)', 'EISDIR');
  }
  if (!existsSync(p.done)) return existsSync(p.events) || existsSync(p.config) ? { state: 'incomplete' } : { state: 'missing' };
  let done: unknown;
  let config: unknown;
  try {
    done = readJsonFile(p.done);
  } catch (e) {
    return { state: 'damaged', why: `done.json is unreadable (${(e as Error).message})` };
  }
  if (!isDone(done)) return { state: 'damaged', why: 'done.json does not hold a status and an events checksum' };
  try {
    config = readJsonFile(p.config);
  } catch (e) {
    return { state: 'damaged', why: `config.json is unreadable (${(e as Error).message})` };
  }
  const record = config as ConfigRecord;
  if (expected !== undefined && canonicalJson(record?.config) !== canonicalJson(expected)) {
    return { state: 'damaged', why: 'config.json does not match the requested config' };
  }
  // The key is the hash of (config, code) (see runKey): an edited config.json no longer matches it.
  if (record === null || typeof record !== 'object' || typeof record.key !== 'string' ||
    sha256Hex(canonicalJson({ config: record.config, code: record.code })).slice(0, 16) !== record.key) {
    return { state: 'damaged', why: 'config.json does not match its run key (edited or corrupt)' };
  }
  if (!existsSync(p.events)) return { state: 'damaged', why: 'events.jsonl is missing' };
  let bytes: Buffer;
  try {
    bytes = readFileSync(p.events);
  } catch (e) {
    return { state: 'damaged', why: `events.jsonl is unreadable (${(e as Error).message})` };
  }
  const sha = sha256Hex(bytes);
  if (sha !== done.eventsSha256) return { state: 'damaged', why: `events.jsonl has SHA-256 ${sha.slice(0, 12)}…, done.json recorded ${done.eventsSha256.slice(0, 12)}…` };
  let rows: EventRow[];
  try {
    const read = readJsonl(p.events);
    if (read.tornTail) return { state: 'damaged', why: 'events.jsonl ends in an incomplete line' };
    rows = read.rows as EventRow[];
  } catch (e) {
    return { state: 'damaged', why: (e as Error).message };
  }
  if (rows.length !== done.rows) return { state: 'damaged', why: `events.jsonl has ${rows.length} rows, done.json recorded ${done.rows}` };
  return { state: 'valid', done, rows, config: record };
}

/** Removes everything a run wrote except its lock (events, done.json, config.json, checkpoints). */
export function wipeRun(dir: string): void {
  const p = runPaths(dir);
  for (const f of [p.done, p.events, p.config]) {
    // A folder where a record file belongs is not ours to delete: say so instead of crashing.
    if (isFolder(f)) throw new FileError(f, 'is a folder where exact-gn keeps a file of the run; move it away, then run again (the run is recomputed)', 'EISDIR');
    try {
      rmSync(f, { force: true });
    } catch (e) {
      throw fileError(e, f, 'remove');
    }
  }
  try {
    rmSync(p.checkpoints, { recursive: true, force: true });
  } catch (e) {
    throw fileError(e, p.checkpoints, 'remove');
  }
  ensureFolder(p.checkpoints);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Keeps the first `count` rows of events.jsonl and drops the rest (including a torn last line),
 * rewriting the file atomically. Throws a DataError when the file has fewer rows than `count`.
 */
export function keepEventRows(path: string, count: number): EventRow[] {
  const rows = existsSync(path) ? (readJsonl(path).rows as EventRow[]) : [];
  if (rows.length < count) throw new DataError(`has ${rows.length} complete rows but the resume checkpoint was written after ${count}`, path);
  const kept = rows.slice(0, count);
  writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept;
}

/** Writes config.json (atomically). */
export function writeConfigRecord(dir: string, record: ConfigRecord): void {
  writeFileAtomic(runPaths(dir).config, `${JSON.stringify(record, null, 2)}\n`);
}

/** Writes done.json (atomically), with the checksum of events.jsonl as it is now. */
export function writeDone(dir: string, record: Omit<DoneRecord, 'eventsSha256' | 'rows' | 'finishedAt'>): DoneRecord {
  const p = runPaths(dir);
  let bytes: Buffer;
  try {
    bytes = existsSync(p.events) ? readFileSync(p.events) : Buffer.alloc(0);
  } catch (e) {
    throw fileError(e, p.events, 'read');
  }
  const rows = bytes.length === 0 ? 0 : bytes.toString('utf8').split('\n').length - 1;
  const done: DoneRecord = { ...record, eventsSha256: sha256Hex(bytes), rows, finishedAt: new Date().toISOString() };
  writeFileAtomic(p.done, `${JSON.stringify(done, null, 2)}\n`);
  return done;
}

/**
 * Keys of the runs under `root` (folders holding a config.json).
 *
 * @example
 * for (const key of listRuns()) console.log(key, inspectRun(`runs/${key}`).state);
 */
export function listRuns(root?: string): string[] {
  const r = runsRoot(root);
  if (!existsSync(r)) return [];
  let entries;
  try {
    entries = readdirSync(r, { withFileTypes: true });
  } catch (e) {
    throw fileError(e, r, 'list');
  }
  return entries
    .filter((d) => d.isDirectory() && existsSync(join(r, d.name, 'config.json')))
    .map((d) => d.name)
    .sort();
}

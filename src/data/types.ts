/**
 * The in-memory shape of a dataset split: normalized images as one row-major Float32Array
 * (n rows of d = c*h*w values, channel-major within a row) and integer labels.
 * Loaded datasets are cached and shared: treat `x` and `y` as read-only.
 */
export interface Dataset {
  /** Dataset name: `mnist`, `fashion-mnist`, `cifar10`, or a user-chosen name. */
  name: string;
  /** n x d normalized pixels, row-major; each row is channel-major (c, h, w). */
  x: Float32Array;
  /** n labels in [0, classes). */
  y: Int32Array;
  /** Number of images. */
  n: number;
  /** Values per image (c * h * w). */
  d: number;
  /** Number of classes. */
  classes: number;
  /** Image shape [channels, height, width]. */
  imageShape: [number, number, number];
}

/** The official train and test splits of a dataset. */
export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
}

/** A gathered batch: `n` rows of `d` values and their labels. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  n: number;
  d: number;
}

/** Options shared by the dataset loaders. */
export interface LoadOptions {
  /** Folder holding the files; each loader documents its default. */
  dir?: string;
  /** Keep only the first N training images (reads no more than needed where the format allows). */
  limitTrain?: number;
  /** Keep only the first N test images. */
  limitTest?: number;
  /** Reuse (and fill) the in-memory cache keyed by (name, dir, limits). Default true. */
  cache?: boolean;
}

/** Names accepted by {@link loadDataset}. */
export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar10';
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist', 'cifar10'];

/**
 * Raw (byte) splits as read from disk, and their conversion to normalized Datasets.
 */
import { normalizeBytes, type ChannelStats } from './normalize.js';
import type { Dataset, DatasetSplits } from './types.js';

/** Raw bytes of one split: n images of h x w bytes and n labels. */
export interface RawImageSplit {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  imageShape: [number, number, number];
}

/** Raw train and test splits. */
export interface RawSplits {
  train: RawImageSplit;
  test: RawImageSplit;
}

/** Normalizes a raw split into a Dataset. */
export function toDataset(name: string, raw: RawImageSplit, stats: ChannelStats, classes = 10): Dataset {
  const [c, h, w] = raw.imageShape;
  const d = c * h * w;
  return {
    name,
    x: normalizeBytes(raw.images, stats, h * w),
    y: Int32Array.from(raw.labels),
    n: raw.n,
    d,
    classes,
    imageShape: [c, h, w],
  };
}

/** Normalizes both raw splits. */
export function toSplits(name: string, raw: RawSplits, stats: ChannelStats): DatasetSplits {
  return { train: toDataset(name, raw.train, stats), test: toDataset(name, raw.test, stats) };
}

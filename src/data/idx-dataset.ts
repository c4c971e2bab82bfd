/**
 * Shared loader for MNIST-format datasets: four IDX files (train/t10k images and labels, raw or
 * .gz) in one folder, 28x28 grayscale, 10 classes.
 */
import { DataError } from '../util/errors.js';
import { findFile } from './files.js';
import { readIdx } from './idx.js';
import type { RawImageSplit, RawSplits } from './raw.js';

const CLASSES = 10;

/** Candidate file names for one IDX file (raw first, then gzip, both spellings in use). */
function candidates(prefix: string, kind: 'images' | 'labels'): string[] {
  const rank = kind === 'images' ? 3 : 1;
  const names = [`${prefix}-${kind}-idx${rank}-ubyte`, `${prefix}-${kind}.idx${rank}-ubyte`];
  return [...names, ...names.map((n) => `${n}.gz`)];
}

function locate(dir: string, prefix: string, kind: 'images' | 'labels', hint: string): string {
  const names = candidates(prefix, kind);
  const found = findFile(dir, names);
  if (found === undefined) {
    throw new DataError(`missing ${names[0]} (or ${names[2]}) in this folder; ${hint}`, dir);
  }
  return found;
}

/** Reads one split's images and labels, checking that they agree. */
export function readIdxSplit(dir: string, prefix: 'train' | 't10k', limit: number | undefined, hint: string): RawImageSplit {
  const images = readIdx(locate(dir, prefix, 'images', hint), { expectDims: 3, limit, hint });
  const labels = readIdx(locate(dir, prefix, 'labels', hint), { expectDims: 1, limit, hint });
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(`has ${labels.dims[0]} labels but ${images.file} has ${images.dims[0]} images; the two files must come from the same split. ${hint}`, labels.file);
  }
  const bad = labels.data.findIndex((v) => v >= CLASSES);
  if (bad >= 0) throw new DataError(`label ${labels.data[bad]} at index ${bad} is outside 0..${CLASSES - 1}; ${hint}`, labels.file);
  return { images: images.data, labels: labels.data, n: images.count, imageShape: [1, images.dims[1]!, images.dims[2]!] };
}

/** Reads both splits of an MNIST-format dataset folder. */
export function readIdxSplits(dir: string, hint: string, limitTrain?: number, limitTest?: number): RawSplits {
  return { train: readIdxSplit(dir, 'train', limitTrain, hint), test: readIdxSplit(dir, 't10k', limitTest, hint) };
}

/** Building a Dataset from arrays (synthetic data, tests, user data). */
import { check } from '../util/errors.js';
import type { Dataset } from './types.js';
import { assertFinite } from './validate.js';

/** Fields of {@link datasetFromArrays}. */
export interface DatasetArrays {
  name: string;
  /** n x d values, row-major, already normalized. */
  x: Float32Array;
  /** n labels in [0, classes). */
  y: Int32Array | ArrayLike<number>;
  classes: number;
  /** [c, h, w]; default [1, 1, d] with d = x.length / n. */
  imageShape?: [number, number, number];
}

/**
 * Makes a Dataset from arrays after checking sizes, labels and that x is finite.
 *
 * @example
 * const ds = datasetFromArrays({ name: 'toy', x: new Float32Array(6), y: [0, 1], classes: 2 });
 * ds.d; // 3
 */
export function datasetFromArrays(a: DatasetArrays): Dataset {
  const n = a.y.length;
  check(n > 0, 'y', () => 'needs at least one label');
  check(a.x.length % n === 0, 'x', () => `length ${a.x.length} is not a multiple of the ${n} labels`);
  const d = a.x.length / n;
  const imageShape = a.imageShape ?? [1, 1, d];
  check(imageShape[0] * imageShape[1] * imageShape[2] === d, 'imageShape', () => `[${imageShape.join(', ')}] has ${imageShape[0] * imageShape[1] * imageShape[2]} values but each row has ${d}`);
  check(Number.isInteger(a.classes) && a.classes > 0, 'classes', () => `must be a positive integer, got ${a.classes}`);
  const y = Int32Array.from(a.y);
  const bad = y.findIndex((v) => !(v >= 0 && v < a.classes));
  check(bad < 0, 'y', () => `label ${y[bad]} at index ${bad} is outside 0..${a.classes - 1}`);
  assertFinite(a.x, `${a.name} x`);
  return { name: a.name, x: a.x, y, n, d, classes: a.classes, imageShape: [...imageShape] };
}

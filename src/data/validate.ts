/** Validation of numeric inputs. */
import { DataError } from '../util/errors.js';

/**
 * Throws a DataError when `x` holds a NaN or an infinity, naming `what`, the index of the first
 * bad value and the value.
 *
 * @example
 * assertFinite(new Float32Array([1, 2]), 'inputs');       // ok
 * assertFinite(new Float32Array([1, NaN]), 'inputs');     // DataError: inputs: ... index 1 is NaN
 */
export function assertFinite(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) {
      // v - v is NaN exactly for NaN and +-Infinity
      throw new DataError(`${what}: value at index ${i} (of ${x.length}) is ${v}; inputs must be finite (check the data source and the normalization)`);
    }
  }
}

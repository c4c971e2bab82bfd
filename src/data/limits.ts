/** Validation of the `limitTrain` / `limitTest` options. */
import { check } from '../util/errors.js';

/** Checks that a limit is absent or a positive integer; returns it. */
export function checkLimit(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  check(Number.isInteger(value) && value > 0, field, () => `must be a positive integer (number of images to keep), got ${value}`);
  return value;
}

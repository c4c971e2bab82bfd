import type { Rng } from '../util/rng.js';

/**
 * A d x k matrix (row-major, float32) with orthonormal columns: the Q factor of a seeded Gaussian
 * matrix (drawn row-major), by modified Gram-Schmidt applied twice, in float64. Used for the fixed
 * readout U of the RevMLP and for random output projections.
 *
 * @example
 * const U = orthonormalColumns(new Rng(42), 784, 10); // U^T U = I (10 x 10)
 */
export function orthonormalColumns(rng: Rng, d: number, k: number): Float32Array {
  const cols: Float64Array[] = [];
  const g = new Float64Array(d * k);
  for (let i = 0; i < d * k; i++) g[i] = rng.normal();
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = g[i * k + j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i]! * v[i]!;
        for (let i = 0; i < d; i++) v[i] = v[i]! - dot * q[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) v[i] = v[i]! / norm;
    cols.push(v);
  }
  const out = new Float32Array(d * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) out[i * k + j] = cols[j]![i]!;
  return out;
}

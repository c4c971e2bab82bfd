// Brute-force Jacobians for the metric tests: J of the output z w.r.t. every trained scalar,
// column by column, by float64 central finite differences on the host reference forward pass.
import { forEachParam, type RevMLP } from '../../src/model/revmlp.js';
import { fixedToHost, hostDirectionalDerivative, paramsToHost, type HostParams } from '../../src/model/reference.js';

/** Row-major dense matrix. */
export interface Dense {
  data: Float64Array;
  rows: number;
  cols: number;
}

/**
 * J [n d, P] of z w.r.t. the trained parameters; column order = forEachParam order with W in the
 * Wt [h, d/2] layout (as flattenParams / jacobianProbe), rows sample-major (i * d + j).
 */
export function bruteForceJacobian(model: RevMLP, xHost: Float32Array, n: number): Dense {
  const fixed = fixedToHost(model);
  const theta = paramsToHost(model.params);
  const zero = (): HostParams => new Map([...theta].map(([k, v]) => [k, new Float64Array(v.length)]));
  const columns: Float64Array[] = [];
  forEachParam(model.params, (name, t, _l, _s, kind) => {
    const count = t.size;
    for (let idx = 0; idx < count; idx++) {
      const dir = zero();
      let at = idx;
      if (kind === 'W') {
        // Wt [h, half] index idx = j * half + i  <->  W [half, h] index i * h + j
        const [h, half] = t.shape as [number, number];
        const j = Math.floor(idx / half);
        const i = idx - j * half;
        at = i * h + j;
      }
      dir.get(name)![at] = 1;
      columns.push(hostDirectionalDerivative(fixed, theta, dir, xHost, n, 1e-5));
    }
  });
  const rows = columns[0]!.length;
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) data[r * cols + c] = columns[c]![r]!;
  return { data, rows, cols };
}

/** A B. */
export function matmul(a: Dense, b: Dense): Dense {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k]!;
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] = out[i * b.cols + j]! + v * b.data[k * b.cols + j]!;
    }
  }
  return { data: out, rows: a.rows, cols: b.cols };
}

export function transposeDense(a: Dense): Dense {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j]!;
  return { data: out, rows: a.cols, cols: a.rows };
}

/** (I_n (x) M^T) J: the Jacobian of the outputs M^T z_i (M [d, m] row-major). */
export function projectJacobian(J: Dense, M: ArrayLike<number>, n: number, d: number, m: number): Dense {
  const P = J.cols;
  const out = new Float64Array(n * m * P);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < m; a++) {
      const row = (i * m + a) * P;
      for (let j = 0; j < d; j++) {
        const w = M[j * m + a]!;
        if (w === 0) continue;
        const src = (i * d + j) * P;
        for (let p = 0; p < P; p++) out[row + p] = out[row + p]! + w * J.data[src + p]!;
      }
    }
  }
  return { data: out, rows: n * m, cols: P };
}

export function column(v: ArrayLike<number>): Dense {
  return { data: Float64Array.from(v), rows: v.length, cols: 1 };
}

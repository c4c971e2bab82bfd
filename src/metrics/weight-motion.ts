/**
 * How far each trained tensor moved from a reference (its value at init, or at the previous
 * checkpoint): cosine, norm ratio and relative change, in float64.
 *
 * The biases are 0 at init, so against init their cosine, norm ratio and relative change are NaN
 * (0 / 0 or x / 0); their absolute norms (`norm0`, `normT`, `distance`) are always finite. Code
 * that averages these rows must skip NaN (e.g. filter `Number.isFinite`).
 */
import { check } from '../util/errors.js';
import { forEachParam, type Params } from '../model/revmlp.js';

export interface WeightMotionRow {
  /** Checkpoint name of the tensor, e.g. `blocks.0.f.W`. */
  tensor: string;
  block: number;
  half: 'f' | 'g';
  kind: 'W' | 'b';
  /** cos(theta_0, theta_t); NaN when either is zero. */
  cosine: number;
  /** |theta_t| / |theta_0|; NaN when |theta_0| = 0. */
  normRatio: number;
  /** |theta_t - theta_0| / |theta_0|; NaN when |theta_0| = 0. */
  relChange: number;
  /** |theta_0|, |theta_t| and |theta_t - theta_0| (Frobenius). */
  norm0: number;
  normT: number;
  distance: number;
}

/** A host copy of one trained tensor (enough to compare checkpoints without keeping models). */
export interface TensorSnapshot {
  tensor: string;
  block: number;
  half: 'f' | 'g';
  kind: 'W' | 'b';
  data: Float32Array;
}

/**
 * Host copies of every trained tensor, in {@link forEachParam} order.
 *
 * @example
 * const snap0 = paramsSnapshot(model0.params);
 */
export function paramsSnapshot(params: Params): TensorSnapshot[] {
  const out: TensorSnapshot[] = [];
  forEachParam(params, (tensor, t, block, half, kind) => out.push({ tensor, block, half, kind, data: Float32Array.from(t.dataSync()) }));
  return out;
}

/**
 * One row per trained tensor comparing `paramsT` to `params0` (both with the same shapes).
 *
 * @example
 * const rows = weightMotion(model0.params, modelT.params);
 * rows.filter((r) => r.kind === 'W').map((r) => [r.tensor, r.cosine]);
 */
export function weightMotion(params0: Params, paramsT: Params): WeightMotionRow[] {
  return weightMotionFromSnapshots(paramsSnapshot(params0), paramsSnapshot(paramsT));
}

/**
 * {@link weightMotion} on host snapshots (as from {@link paramsSnapshot}).
 *
 * @example
 * weightMotionFromSnapshots(snap0, paramsSnapshot(modelT.params));
 */
export function weightMotionFromSnapshots(ref: readonly TensorSnapshot[], cur: readonly TensorSnapshot[]): WeightMotionRow[] {
  const byName = new Map(ref.map((s) => [s.tensor, s.data]));
  check(ref.length === cur.length, 'paramsT', () => `has ${cur.length} trained tensors, the reference ${ref.length}; compare parameter sets of the same architecture`);
  return cur.map(({ tensor, block, half, kind, data }) => {
    const a = byName.get(tensor);
    check(a !== undefined, 'params0', () => `has no tensor ${tensor}; compare parameter sets of the same architecture`);
    check(a.length === data.length, 'paramsT', () => `${tensor} has ${data.length} values, the reference ${a.length}`);
    return { tensor, block, half, kind, ...motion(a, data) };
  });
}

/** The measures of one tensor pair (a = reference, b = current). */
function motion(a: ArrayLike<number>, b: ArrayLike<number>): Omit<WeightMotionRow, 'tensor' | 'block' | 'half' | 'kind'> {
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let dd = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    aa += x * x;
    bb += y * y;
    ab += x * y;
    dd += (y - x) * (y - x);
  }
  const norm0 = Math.sqrt(aa);
  const normT = Math.sqrt(bb);
  const distance = Math.sqrt(dd);
  return {
    cosine: norm0 === 0 || normT === 0 ? NaN : ab / (norm0 * normT),
    normRatio: norm0 === 0 ? NaN : normT / norm0,
    relChange: norm0 === 0 ? NaN : distance / norm0,
    norm0,
    normT,
    distance,
  };
}

/**
 * Linear centered kernel alignment (CKA) between two representations of the same n samples,
 * X [n, p1] and Y [n, p2] (Kornblith et al. 2019), and its debiased variant (Nguyen et al. 2021),
 * in float64 on the host:
 *
 *   CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)),   K = X X^T, L = Y Y^T (linear kernels)
 *
 *  - biased:   HSIC(K, L) = tr(K H L H) / (n - 1)^2, H = I - 11^T / n (Gretton et al. 2005);
 *              for centered features this is |Xc^T Yc|_F^2 / (n - 1)^2.
 *  - debiased: the unbiased HSIC estimator of Song et al. (2012), with K~ = K with its diagonal
 *              zeroed (n >= 4):
 *              [tr(K~ L~) + (1^T K~ 1)(1^T L~ 1) / ((n-1)(n-2)) - 2/(n-2) 1^T K~ L~ 1] / (n (n-3)).
 *
 * Both are invariant to orthogonal transforms and isotropic scaling of either representation, and
 * to adding a constant to every sample. The debiased value removes the upward bias of CKA when
 * p is not small compared to n; it can leave [0, 1] slightly (and is NaN when a self-HSIC is <= 0).
 *
 * Routes: from the n x n Gram matrices (cost n^2 (p1 + p2) / 2) or from the feature cross-products
 * Xc^T Yc, Xc^T Xc, Yc^T Yc (cost n (p1 + p2)^2 / 2), whichever is cheaper; with centered features
 * K 1 = 0, so every term above reduces to |Xc^T Yc|_F^2 and the row norms (the Gram diagonals).
 */
import { check } from '../util/errors.js';
import { checkMatrix, crossProduct, frobeniusDot, gramMatrix, rowSquaredNorms, shapeOf, type MatrixInput, type ProductRoute } from './matrix.js';

export interface CkaOptions {
  /** Use the unbiased HSIC estimator (debiased CKA). Default false. */
  debiased?: boolean;
  /** Where the big products run (default 'auto'). */
  products?: ProductRoute;
  /** 'auto' (default) picks the cheaper of the Gram and the feature route. */
  via?: 'auto' | 'gram' | 'features';
}

/**
 * Biased HSIC of two n x n kernel matrices: tr(K H L H) / (n - 1)^2 (any symmetric K, L; they are
 * centered here).
 *
 * @example
 * hsic(K, L, n);
 */
export function hsic(K: ArrayLike<number>, L: ArrayLike<number>, n: number): number {
  checkKernel(K, n, 'hsic.K');
  checkKernel(L, n, 'hsic.L');
  return frobeniusDot(doubleCenter(K, n), L) / (n - 1) ** 2;
}

/**
 * Unbiased HSIC estimator (Song et al. 2012) of two n x n kernel matrices (n >= 4).
 *
 * @example
 * hsicUnbiased(K, L, n);
 */
export function hsicUnbiased(K: ArrayLike<number>, L: ArrayLike<number>, n: number): number {
  checkKernel(K, n, 'hsicUnbiased.K');
  checkKernel(L, n, 'hsicUnbiased.L');
  check(n >= 4, 'n', () => `the unbiased HSIC needs at least 4 samples, got ${n}`);
  const rk = offDiagRowSums(K, n);
  const rl = offDiagRowSums(L, n);
  let trKL = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) trKL += K[i * n + j]! * L[i * n + j]!;
  }
  const sk = sum(rk);
  const sl = sum(rl);
  return unbiasedFromTerms(trKL, sk, sl, frobeniusDot(rk, rl), n);
}

/**
 * CKA from two n x n linear-kernel Gram matrices (centered or not).
 *
 * @example
 * const K = gramMatrix(X, { center: true });
 * const L = gramMatrix(Y, { center: true });
 * ckaFromGrams(K, L, n);                        // linear CKA
 * ckaFromGrams(K, L, n, { debiased: true });    // debiased CKA
 */
export function ckaFromGrams(K: ArrayLike<number>, L: ArrayLike<number>, n: number, options: Pick<CkaOptions, 'debiased'> = {}): number {
  const f = options.debiased ? hsicUnbiased : hsic;
  return f(K, L, n) / Math.sqrt(f(K, K, n) * f(L, L, n));
}

/**
 * Linear CKA between representations X [n, p1] and Y [n, p2] (host matrices or tensors).
 *
 * @example
 * const X = { data: xs, rows: 256, cols: 784 };
 * linearCka(X, Y);                       // 1 when Y = c X Q (Q orthogonal, c > 0)
 * linearCka(X, Y, { debiased: true });
 */
export function linearCka(x: MatrixInput, y: MatrixInput, options: CkaOptions = {}): number {
  checkMatrix(x, 'linearCka.x');
  checkMatrix(y, 'linearCka.y');
  const [n, p1] = shapeOf(x);
  const [ny, p2] = shapeOf(y);
  check(n === ny, 'linearCka.y', () => `has ${ny} rows, x has ${n}: both must hold the same samples, one per row`);
  const { debiased = false, products = 'auto', via = 'auto' } = options;
  check(['auto', 'gram', 'features'].includes(via), 'via', () => `unknown route ${JSON.stringify(via)}; use 'auto', 'gram' or 'features'`);
  const useGram = via === 'gram' || (via === 'auto' && n < p1 + p2);
  if (useGram) {
    const K = gramMatrix(x, { center: true, products });
    const L = gramMatrix(y, { center: true, products });
    return ckaFromGrams(K, L, n, { debiased });
  }
  // Feature route on centered features: <K, L>_F = |Xc^T Yc|_F^2 and K 1 = 0.
  const cross = (a: MatrixInput, b: MatrixInput): number => {
    const c = crossProduct(a, b, { center: true, products });
    return frobeniusDot(c, c);
  };
  const kl = cross(x, y);
  const kk = cross(x, x);
  const ll = cross(y, y);
  if (!debiased) return kl / Math.sqrt(kk * ll);
  const dk = rowSquaredNorms(x, true);
  const dl = rowSquaredNorms(y, true);
  const h = (t: number, a: Float64Array, b: Float64Array): number => {
    const d = frobeniusDot(a, b);
    // K~ = K - diag: tr(K~L~) = t - d, 1^T K~ 1 = -tr K, K~ 1 = -diag K.
    return unbiasedFromTerms(t - d, -sum(a), -sum(b), d, n);
  };
  check(n >= 4, 'n', () => `the debiased CKA needs at least 4 samples, got ${n}`);
  return h(kl, dk, dl) / Math.sqrt(h(kk, dk, dk) * h(ll, dl, dl));
}

/** [tr(K~L~) + sK sL / ((n-1)(n-2)) - 2/(n-2) (K~1).(L~1)] / (n (n-3)). */
function unbiasedFromTerms(trKL: number, sk: number, sl: number, rowDot: number, n: number): number {
  return (trKL + (sk * sl) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * rowDot) / (n * (n - 3));
}

/** H K H for an n x n matrix (new array). */
function doubleCenter(K: ArrayLike<number>, n: number): Float64Array {
  const row = new Float64Array(n);
  let all = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j]!;
    row[i] = s / n;
    all += s;
  }
  all /= n * n;
  // K is symmetric, so column means equal row means.
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = K[i * n + j]! - row[i]! - row[j]! + all;
  return out;
}

function offDiagRowSums(K: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += K[i * n + j]!;
    out[i] = s;
  }
  return out;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function checkKernel(K: ArrayLike<number>, n: number, field: string): void {
  check(Number.isInteger(n) && n >= 2, `${field}.n`, () => `must be an integer >= 2, got ${n}`);
  check(K.length === n * n, field, () => `holds ${K.length} values, expected n*n = ${n * n} for n = ${n} (row-major)`);
}

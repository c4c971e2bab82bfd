/**
 * The `blas` tfjs backend: the plain `cpu` backend (MathBackendCPU, every one of its kernels) with
 * the matrix products handed to OpenBLAS through the optional Node-API addon in native/ (built by
 * `bash scripts/build-native.sh`), plus the few elementwise kernels the GN step leans on rewritten
 * as tight loops. Loading it also installs the addon's LAPACK routines (dsyevd, dpotrf, ...) as the
 * native provider of src/linalg (see src/linalg/native.ts).
 *
 * Without the addon nothing here fails at import time: {@link loadBlasBackend} throws a reason and
 * `useBackend('auto')` moves on to wasm.
 *
 * @example
 * await useBackend('blas');            // or EXACT_GN_BACKEND=blas
 * tf.matMul(a, b, false, true);        // one OpenBLAS sgemm, no transpose copy
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setNativeLinalg, type NativeLinalg } from '../linalg/native.js';
import { elementwiseKernels } from './blas-kernels.js';
import { allocFloat32, BufferPool } from './blas-pool.js';
import { ADAM_KERNEL, SGD_KERNEL } from './fused.js';

/** The functions the addon (native/src/addon.c) exports; every matrix row-major. */
export interface BlasAddon {
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void;
  dgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float64Array, b: Float64Array, beta: number, c: Float64Array): void;
  ssyrk(trans: boolean, n: number, k: number, alpha: number, a: Float32Array, beta: number, c: Float32Array): void;
  dsyevd(a: Float64Array, n: number, w: Float64Array, vectors: boolean): number;
  dsyevr(a: Float64Array, n: number, vl: number, vu: number, w: Float64Array, z: Float64Array | null): number;
  dpotrf(a: Float64Array, n: number): number;
  dpotrs(l: Float64Array, n: number, b: Float64Array, m: number): void;
  getNumThreads(): number;
  setNumThreads(threads: number): void;
  config(): string;
  /** Vectorized float32 elementwise loops (see NativeElementwise); absent in builds before them. */
  binary(op: number, mode: number, a: Float32Array, b: Float32Array, out: Float32Array, m: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** Fused Adam / SGD updates (s = [lr, b1, b2, c1, c2, eps, wd] / [lr, wd]); absent in older builds. */
  adam?(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, outW: Float32Array, outM: Float32Array, outV: Float32Array, s: Float64Array): void;
  sgd?(w: Float32Array, g: Float32Array, outW: Float32Array, s: Float64Array): void;
}

const ADDON_FILE = 'exact_gn_blas.node';
let addon: BlasAddon | null = null;
let addonError: string | null = null;

/**
 * Where the addon is looked for: `EXACT_GN_BLAS_ADDON` if set, else native/build/Release next to
 * src/ or dist/ of this package.
 */
export function blasAddonPath(): string {
  const env = process.env.EXACT_GN_BLAS_ADDON;
  if (env) return env;
  return fileURLToPath(new URL(`../../native/build/Release/${ADDON_FILE}`, import.meta.url));
}

/**
 * OpenBLAS 0.3.21 (Debian 12) does not know AMD Zen 4/5 and falls back to its AVX2 Haswell kernels;
 * its SkylakeX kernels run the same sgemm ~1.4x faster there. When the CPU has the AVX-512 subsets
 * those kernels use and the user did not choose (OPENBLAS_CORETYPE unset), choose SkylakeX. Must run
 * before the library is loaded; child processes inherit it (so a side-by-side PyTorch run on the
 * same OpenBLAS uses the same kernels).
 */
function chooseOpenBlasCore(): void {
  if (process.env.OPENBLAS_CORETYPE !== undefined || process.platform !== 'linux') return;
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    return;
  }
  const has = new Set(flags.trim().split(/\s+/));
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'].every((f) => has.has(f))) {
    process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  }
}

/**
 * The loaded addon, or null (with {@link blasAddonError} saying why). Loads it on first call;
 * `EXACT_GN_BLAS=0` disables it.
 *
 * @example
 * const b = blasAddon();
 * if (b) console.log(b.config(), b.getNumThreads());
 */
export function blasAddon(): BlasAddon | null {
  if (addon || addonError) return addon;
  if (process.env.EXACT_GN_BLAS === '0') {
    addonError = 'disabled by EXACT_GN_BLAS=0';
    return null;
  }
  const path = blasAddonPath();
  if (!existsSync(path)) {
    addonError = `the native addon is not built (${path} missing; run: bash scripts/build-native.sh)`;
    return null;
  }
  try {
    chooseOpenBlasCore();
    addon = createRequire(import.meta.url)(path) as BlasAddon;
  } catch (e) {
    addonError = `the native addon at ${path} failed to load: ${(e as Error).message.split('\n')[0]} (rebuild: bash scripts/build-native.sh)`;
  }
  return addon;
}

/** Why {@link blasAddon} returned null (null when it loaded or was not tried yet). */
export function blasAddonError(): string | null {
  return addonError;
}

/** Default most bytes of disposed outputs kept for reuse (EXACT_GN_BLAS_POOL_MB overrides). */
const POOL_MB = 512;

/**
 * MathBackendCPU (no "install tfjs-node" greeting) whose large float32 outputs come from a
 * {@link BufferPool}: every data entry is reported to the pool, so buffers are recycled exactly when
 * no tensor refers to them any more and they never reached user code.
 */
class BlasBackend extends MathBackendCPU {
  readonly pool: BufferPool;
  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false;
    const mb = Number(process.env.EXACT_GN_BLAS_POOL_MB ?? POOL_MB);
    this.pool = new BufferPool(Number.isFinite(mb) && mb >= 0 ? mb * 2 ** 20 : POOL_MB * 2 ** 20);
  }
  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const id = super.write(values, shape, dtype);
    this.pool.retain(values);
    return id;
  }
  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    if (this.data.has(dataId)) this.pool.release(this.data.get(dataId).values);
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.retain(values);
  }
  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return done;
  }
  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    if (this.data.has(dataId)) this.pool.escape(this.data.get(dataId).values);
    return super.readSync(dataId);
  }
  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

function cpuKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu kernel ${name} is not registered`);
  return k.kernelFunc;
}

function valuesOf(backend: MathBackendCPU, t: Info): Float32Array | null {
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** GEMM-equivalent FLOPs of the float32 products run on this backend so far (2 m n k each; ssyrk n^2 k). */
let matMulFlops = 0;

/**
 * Running count of the matrix-product FLOPs of the blas backend (for per-phase accounting).
 *
 * @example
 * const f0 = blasFlopCount(); tf.matMul(a, b); const gflop = (blasFlopCount() - f0) / 1e9;
 */
export function blasFlopCount(): number {
  return matMulFlops;
}

/** BatchMatMul on OpenBLAS (float32; other dtypes go to the cpu kernel). A A^T and A^T A use ssyrk. */
function batchMatMul(args: KernelArgs): Info {
  const b = addon!;
  const backend = args.backend as MathBackendCPU;
  const { a, b: bb } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const av = a.dtype === 'float32' ? valuesOf(backend, a) : null;
  const bv = bb.dtype === 'float32' ? valuesOf(backend, bb) : null;
  if (!av || !bv) return cpuKernel(tf.BatchMatMul)(args) as Info;
  const ra = a.shape.length;
  const rb = bb.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? bb.shape[rb - 1]! : bb.shape[rb - 2]!;
  const n = transposeB ? bb.shape[rb - 2]! : bb.shape[rb - 1]!;
  tf.util.assert(k === kb, () => `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${bb.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bb.shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(bb.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const out = allocFloat32(backend, batch * m * n);
  const sa = m * k;
  const sb = k * n;
  const so = m * n;
  if (batch === 1 && a.dataId === bb.dataId && transposeA !== transposeB && m === n) {
    b.ssyrk(transposeA, m, k, 1, av, 0, out); // A A^T or A^T A: half the flops, symmetric result
    matMulFlops += m * m * k;
  } else {
    matMulFlops += 2 * batch * m * n * k;
    for (let i = 0; i < batch; i++) {
      const ia = (i % batchA) * sa;
      const ib = (i % batchB) * sb;
      b.sgemm(transposeA, transposeB, m, n, k, 1, av.subarray(ia, ia + sa), bv.subarray(ib, ib + sb), 0, out.subarray(i * so, i * so + so));
    }
  }
  return backend.makeTensorInfo([...outer, m, n], 'float32', out);
}

/** _FusedMatMul: the native product, then bias and activation with the cpu kernels. */
function fusedMatMul(args: KernelArgs): Info {
  const backend = args.backend as MathBackendCPU;
  const { a, b, bias, preluActivationWeights } = args.inputs as { a: Info; b: Info; bias?: Info; preluActivationWeights?: Info };
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
    leakyreluAlpha?: number;
  };
  let current = batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } });
  const step = (next: Info): void => {
    backend.disposeIntermediateTensorInfo(current);
    current = next;
  };
  if (bias) step(cpuKernel(tf.Add)({ inputs: { a: current, b: bias }, backend, attrs: {} }) as Info);
  const act = activation ?? 'linear';
  if (act !== 'linear') {
    const unary: Record<string, string> = { relu: tf.Relu, relu6: tf.Relu6, elu: tf.Elu, sigmoid: tf.Sigmoid };
    if (act in unary) step(cpuKernel(unary[act]!)({ inputs: { x: current }, backend, attrs: {} }) as Info);
    else if (act === 'prelu') step(cpuKernel(tf.Prelu)({ inputs: { x: current, alpha: preluActivationWeights! }, backend, attrs: {} }) as Info);
    else if (act === 'leakyrelu') step(cpuKernel(tf.LeakyRelu)({ inputs: { x: current }, backend, attrs: { alpha: leakyreluAlpha ?? 0.2 } }) as Info);
    else throw new Error(`activation ${act} has not been implemented for the blas backend`);
  }
  return current;
}


/** The fused optimizer kernels (inputs w, g[, m, v]; one output per updated tensor). */
function fusedKernels(b: BlasAddon): tf.KernelConfig[] {
  const f32 = (backend: MathBackendCPU, t: Info): Float32Array => {
    const v = valuesOf(backend, t);
    if (!v || v.length !== tf.util.sizeFromShape(t.shape)) throw new Error('fused update: expected dense float32 tensors');
    return v;
  };
  return [
    {
      kernelName: ADAM_KERNEL,
      backendName: 'blas',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const be = backend as MathBackendCPU;
        const { w, g, m, v } = inputs as { w: Info; g: Info; m: Info; v: Info };
        const s = (attrs as { s: number[] }).s;
        const len = tf.util.sizeFromShape(w.shape);
        const out = [allocFloat32(be, len), allocFloat32(be, len), allocFloat32(be, len)] as const;
        b.adam!(f32(be, w), f32(be, g), f32(be, m), f32(be, v), out[0], out[1], out[2], Float64Array.from(s));
        return out.map((o) => be.makeTensorInfo(w.shape, 'float32', o));
      },
    },
    {
      kernelName: SGD_KERNEL,
      backendName: 'blas',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const be = backend as MathBackendCPU;
        const { w, g } = inputs as { w: Info; g: Info };
        const out = allocFloat32(be, tf.util.sizeFromShape(w.shape));
        b.sgd!(f32(be, w), f32(be, g), out, Float64Array.from((attrs as { s: number[] }).s));
        return be.makeTensorInfo(w.shape, 'float32', out);
      },
    },
  ];
}

export { fusedUpdates, type AdamScalars, type FusedUpdates } from './fused.js';

let registered = false;

/** Registers backend `blas` and its kernels (every cpu kernel, with the overrides above). */
function registerBlas(): void {
  if (registered) return;
  const overrides: Record<string, tf.KernelFunc> = {
    [tf.BatchMatMul]: batchMatMul as tf.KernelFunc,
    [tf._FusedMatMul]: fusedMatMul as tf.KernelFunc,
    ...elementwiseKernels(cpuKernel, typeof addon!.binary === 'function' ? addon! : null),
  };
  for (const cfg of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...cfg, backendName: 'blas', kernelFunc: overrides[cfg.kernelName] ?? cfg.kernelFunc });
  }
  if (typeof addon!.adam === 'function' && typeof addon!.sgd === 'function') for (const k of fusedKernels(addon!)) tf.registerKernel(k);
  tf.registerBackend('blas', () => new BlasBackend(), 1);
  registered = true;
}

/** src/linalg's native provider backed by the addon's LAPACK. */
export function blasLinalg(b: BlasAddon): NativeLinalg {
  return {
    name: `OpenBLAS LAPACK (${b.config().split(' ').slice(0, 2).join(' ')})`,
    symEigRows(a, n) {
      const rows = Float64Array.from(a);
      const values = new Float64Array(n);
      const info = b.dsyevd(rows, n, values, true);
      if (info !== 0) throw new Error(`LAPACK dsyevd failed to converge (info = ${info}) on a ${n} x ${n} matrix`);
      return { values, rows };
    },
    symEigvals(a, n) {
      const work = Float64Array.from(a);
      const values = new Float64Array(n);
      const info = b.dsyevd(work, n, values, false);
      if (info !== 0) throw new Error(`LAPACK dsyevd failed to converge (info = ${info}) on a ${n} x ${n} matrix`);
      return values;
    },
    cholesky(a, n, shift, pivotTol) {
      const l = Float64Array.from(a);
      if (shift !== 0) for (let i = 0; i < n; i++) l[i * n + i] = l[i * n + i]! - shift;
      if (b.dpotrf(l, n) !== 0) return null;
      for (let i = 0; i < n; i++) {
        const p = l[i * n + i]!;
        if (!(p * p > pivotTol)) return null;
      }
      return l;
    },
    choleskySolveInPlace(l, n, x, m) {
      b.dpotrs(l, n, x, m);
    },
    gemm(transA, transB, m, n, k, a, bm, c) {
      b.dgemm(transA, transB, m, n, k, 1, a, bm, 0, c);
    },
  };
}

/**
 * Loader for `useBackend` (registered from src/backend/index.ts): loads the addon, registers the
 * backend and installs the native linear algebra. Resolves to a detail string; throws the reason
 * when the addon is missing.
 */
export async function loadBlasBackend(): Promise<string> {
  const b = blasAddon();
  if (!b) throw new Error(addonError ?? 'the native addon is unavailable');
  registerBlas();
  setNativeLinalg(blasLinalg(b));
  const cfg = b.config().split(' ');
  return `${cfg.slice(0, 2).join(' ')} ${cfg[cfg.length - 2] ?? ''}, ${b.getNumThreads()} threads`.replace(/\s+,/, ',');
}

// matMulT and fastTransposeFlags live in ./matmul.ts (no Node builtins: the lecture page uses them too).
export { fastTransposeFlags, matMulT } from './matmul.js';

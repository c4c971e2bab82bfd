/**
 * Elementwise and layout kernels of the `blas` backend that replace the tfjs `cpu` ones on the
 * shapes the GN step and the optimizers use (n x h float32 tensors): tight typed-array loops instead
 * of the cpu backend's generic per-element index arithmetic. Any other dtype or shape goes to the cpu
 * kernel unchanged, so results are identical (same float32 operations in the same order).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { allocFloat32 } from './blas-pool.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;
type CpuKernel = (name: string) => tf.KernelFunc;

function f32(backend: MathBackendCPU, t: Info): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** out = op(a, b) elementwise; b (or a) may be a scalar or a trailing block broadcast over rows. */
type Binary = (a: Float32Array, b: Float32Array, out: Float32Array) => void;

/**
 * A float32 binary kernel for: equal shapes; a scalar on either side; or the smaller operand's shape
 * equal to the trailing dims of the larger one (e.g. [n, m] + [m]). Everything else: cpu kernel.
 */
function binaryKernel(name: string, cpu: CpuKernel, same: Binary, rowBroadcast: (big: Float32Array, small: Float32Array, out: Float32Array, bigFirst: boolean) => void): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as { a: Info; b: Info };
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (av && bv) {
      if (sameShape(a.shape, b.shape)) {
        const out = allocFloat32(backend, av.length);
        same(av, bv, out);
        return backend.makeTensorInfo(a.shape, 'float32', out);
      }
      const aBig = a.shape.length >= b.shape.length;
      const big = aBig ? a : b;
      const small = aBig ? b : a;
      const trailing = big.shape.slice(big.shape.length - small.shape.length);
      if (small.shape.length < big.shape.length && sameShape(trailing, small.shape) && tf.util.sizeFromShape(small.shape) > 0) {
        const out = allocFloat32(backend, tf.util.sizeFromShape(big.shape));
        rowBroadcast(aBig ? av : bv, aBig ? bv : av, out, aBig);
        return backend.makeTensorInfo(big.shape, 'float32', out);
      }
    }
    return cpu(name)(args) as Info;
  };
}

/** The trailing-broadcast loop for an operation f(x, y) with x from `a` and y from `b`. */
function broadcastLoop(f: (x: number, y: number) => number): (big: Float32Array, small: Float32Array, out: Float32Array, bigFirst: boolean) => void {
  return (big, small, out, bigFirst) => {
    const m = small.length;
    for (let r = 0; r < big.length; r += m) {
      if (bigFirst) for (let j = 0; j < m; j++) out[r + j] = f(big[r + j]!, small[j]!);
      else for (let j = 0; j < m; j++) out[r + j] = f(small[j]!, big[r + j]!);
    }
  };
}

function unaryKernel(name: string, cpu: CpuKernel, op: (x: Float32Array, out: Float32Array, attrs: tf.NamedAttrMap) => void): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: Info };
    const xv = f32(backend, x);
    if (!xv) return cpu(name)(args) as Info;
    const out = allocFloat32(backend, xv.length);
    op(xv, out, args.attrs ?? {});
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

/** 2-D transpose in 32 x 32 tiles. */
function transpose2d(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        const ri = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[ri + j]!;
      }
    }
  }
  return out;
}

function transposeKernel(cpu: CpuKernel): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: Info };
    const perm = (args.attrs as { perm: number[] }).perm;
    const xv = f32(backend, x);
    if (!xv || x.shape.length !== 2 || perm[0] !== 1 || perm[1] !== 0) return cpu(tf.Transpose)(args) as Info;
    const [r, c] = x.shape as [number, number];
    return backend.makeTensorInfo([c, r], 'float32', transpose2d(xv, r, c, allocFloat32(backend, r * c)));
  };
}

/** Slice of a 2-D float32 tensor (rows copied as contiguous segments). */
function sliceKernel(cpu: CpuKernel): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: Info };
    const xv = f32(backend, x);
    if (!xv || x.shape.length !== 2) return cpu(tf.Slice)(args) as Info;
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    tf.slice_util.assertParamsValid(x as tf.TensorInfo as tf.Tensor, b, s);
    const cols = x.shape[1]!;
    const [r0, c0] = b as [number, number];
    const [nr, nc] = s as [number, number];
    if (nc === cols) return cpu(tf.Slice)(args) as Info; // contiguous: the cpu kernel returns a view
    const out = allocFloat32(backend, nr * nc);
    for (let i = 0; i < nr; i++) {
      const src = (r0 + i) * cols + c0;
      out.set(xv.subarray(src, src + nc), i * nc);
    }
    return backend.makeTensorInfo([nr, nc], 'float32', out);
  };
}

/**
 * The replacements, by kernel name (`cpu` returns the cpu backend's kernel for the fallbacks).
 *
 * @example
 * const overrides = elementwiseKernels((name) => tf.getKernel(name, 'cpu')!.kernelFunc);
 */
export function elementwiseKernels(cpu: CpuKernel): Record<string, tf.KernelFunc> {
  return {
    [tf.Add]: binaryKernel(tf.Add, cpu, (a, b, o) => {
      for (let i = 0; i < o.length; i++) o[i] = a[i]! + b[i]!;
    }, broadcastLoop((x, y) => x + y)),
    [tf.Sub]: binaryKernel(tf.Sub, cpu, (a, b, o) => {
      for (let i = 0; i < o.length; i++) o[i] = a[i]! - b[i]!;
    }, broadcastLoop((x, y) => x - y)),
    [tf.Multiply]: binaryKernel(tf.Multiply, cpu, (a, b, o) => {
      for (let i = 0; i < o.length; i++) o[i] = a[i]! * b[i]!;
    }, broadcastLoop((x, y) => x * y)),
    [tf.RealDiv]: binaryKernel(tf.RealDiv, cpu, (a, b, o) => {
      for (let i = 0; i < o.length; i++) o[i] = a[i]! / b[i]!;
    }, broadcastLoop((x, y) => x / y)),
    [tf.Relu]: unaryKernel(tf.Relu, cpu, (x, o) => {
      for (let i = 0; i < o.length; i++) {
        const v = x[i]!;
        o[i] = v < 0 ? 0 : v; // NaN stays NaN, as in the cpu kernel
      }
    }),
    [tf.Step]: unaryKernel(tf.Step, cpu, (x, o, attrs) => {
      const alpha = (attrs as { alpha?: number }).alpha ?? 0;
      for (let i = 0; i < o.length; i++) {
        const v = x[i]!;
        o[i] = v > 0 ? 1 : v !== v ? NaN : alpha;
      }
    }),
    [tf.Square]: unaryKernel(tf.Square, cpu, (x, o) => {
      for (let i = 0; i < o.length; i++) o[i] = x[i]! * x[i]!;
    }),
    [tf.Sqrt]: unaryKernel(tf.Sqrt, cpu, (x, o) => {
      for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]!);
    }),
    [tf.Transpose]: transposeKernel(cpu),
    [tf.Slice]: sliceKernel(cpu),
  };
}

/**
 * Elementwise and layout kernels of the `blas` backend that replace the tfjs `cpu` ones on the
 * shapes the GN step and the optimizers use (n x h float32 tensors): the addon's vectorized C loops
 * when built with them, else tight branch-free typed-array loops, instead of the cpu backend's
 * generic per-element index arithmetic. Any other dtype or shape goes to the cpu kernel unchanged, and
 * results are bit-identical to the cpu kernels (same correctly rounded float32 operations).
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

/**
 * The loops of one binary operation, each written out (no per-element callback): equal shapes; a
 * scalar `b` or `a`; `b` (or `a`) repeated along the rows of the other (its shape = their trailing dims).
 */
interface BinaryLoops {
  same(a: Float32Array, b: Float32Array, out: Float32Array): void;
  scalarB(a: Float32Array, s: number, out: Float32Array): void;
  scalarA(s: number, b: Float32Array, out: Float32Array): void;
  rowsB(a: Float32Array, b: Float32Array, out: Float32Array): void;
  rowsA(a: Float32Array, b: Float32Array, out: Float32Array): void;
}

/** The addon's vectorized elementwise loops (see native/src/addon.c), when built. */
export interface NativeElementwise {
  binary(op: number, mode: number, a: Float32Array, b: Float32Array, out: Float32Array, m: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
}

/** The JS loops of an operation, or the same through the addon (operation code `op`). */
function nativeLoops(nat: NativeElementwise, op: number): BinaryLoops {
  const scalar = new Float32Array(1);
  return {
    same: (a, b, o) => nat.binary(op, 0, a, b, o, 0),
    scalarB: (a, s, o) => {
      scalar[0] = s;
      nat.binary(op, 1, a, scalar, o, 0);
    },
    scalarA: (s, b, o) => {
      scalar[0] = s;
      nat.binary(op, 2, scalar, b, o, 0);
    },
    rowsB: (a, b, o) => nat.binary(op, 3, a, b, o, b.length),
    rowsA: (a, b, o) => nat.binary(op, 4, a, b, o, a.length),
  };
}

/** A float32 binary kernel over {@link BinaryLoops}; every other case goes to the cpu kernel. */
function binaryKernel(name: string, cpu: CpuKernel, loops: BinaryLoops): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as { a: Info; b: Info };
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (av && bv) {
      if (sameShape(a.shape, b.shape)) {
        const out = allocFloat32(backend, av.length);
        loops.same(av, bv, out);
        return backend.makeTensorInfo(a.shape, 'float32', out);
      }
      const aBig = a.shape.length >= b.shape.length;
      const big = aBig ? a : b;
      const small = aBig ? b : a;
      const sv = aBig ? bv : av;
      const trailing = big.shape.slice(big.shape.length - small.shape.length);
      if (small.shape.length < big.shape.length && sameShape(trailing, small.shape) && sv.length > 0) {
        const out = allocFloat32(backend, tf.util.sizeFromShape(big.shape));
        if (sv.length === 1) {
          if (aBig) loops.scalarB(av, sv[0]!, out);
          else loops.scalarA(sv[0]!, bv, out);
        } else if (aBig) loops.rowsB(av, bv, out);
        else loops.rowsA(av, bv, out);
        return backend.makeTensorInfo(big.shape, 'float32', out);
      }
    }
    return cpu(name)(args) as Info;
  };
}

const ADD: BinaryLoops = {
  same: (a, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! + b[i]!;
  },
  scalarB: (a, s, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! + s;
  },
  scalarA: (s, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = s + b[i]!;
  },
  rowsB: (a, b, o) => {
    const m = b.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[r + j]! + b[j]!;
  },
  rowsA: (a, b, o) => {
    const m = a.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[j]! + b[r + j]!;
  },
};
const SUB: BinaryLoops = {
  same: (a, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! - b[i]!;
  },
  scalarB: (a, s, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! - s;
  },
  scalarA: (s, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = s - b[i]!;
  },
  rowsB: (a, b, o) => {
    const m = b.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[r + j]! - b[j]!;
  },
  rowsA: (a, b, o) => {
    const m = a.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[j]! - b[r + j]!;
  },
};
const MUL: BinaryLoops = {
  same: (a, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! * b[i]!;
  },
  scalarB: (a, s, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! * s;
  },
  scalarA: (s, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = s * b[i]!;
  },
  rowsB: (a, b, o) => {
    const m = b.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[r + j]! * b[j]!;
  },
  rowsA: (a, b, o) => {
    const m = a.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[j]! * b[r + j]!;
  },
};
const DIV: BinaryLoops = {
  same: (a, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! / b[i]!;
  },
  scalarB: (a, s, o) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! / s;
  },
  scalarA: (s, b, o) => {
    for (let i = 0; i < o.length; i++) o[i] = s / b[i]!;
  },
  rowsB: (a, b, o) => {
    const m = b.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[r + j]! / b[j]!;
  },
  rowsA: (a, b, o) => {
    const m = a.length;
    for (let r = 0; r < o.length; r += m) for (let j = 0; j < m; j++) o[r + j] = a[j]! / b[r + j]!;
  },
};

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
 * Sum of a float32 matrix over rows (axis 0), columns (axis 1) or everything, accumulated in float64
 * in the same order as the cpu kernel (which transposes first), without its generic transpose.
 */
function sumKernel(cpu: CpuKernel): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const xv = f32(backend, x);
    if (!xv || x.shape.length !== 2) return cpu(tf.Sum)(args) as Info;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort();
    const [r, c] = x.shape as [number, number];
    let out: Float32Array;
    let shape: number[];
    if (axes.length === 1 && axes[0] === 0) {
      const acc = new Float64Array(c);
      for (let i = 0; i < r; i++) {
        const ri = i * c;
        for (let j = 0; j < c; j++) acc[j] = acc[j]! + xv[ri + j]!;
      }
      out = Float32Array.from(acc);
      shape = keepDims ? [1, c] : [c];
    } else if (axes.length === 1 && axes[0] === 1) {
      out = new Float32Array(r);
      for (let i = 0; i < r; i++) {
        let s = 0;
        for (let j = i * c; j < i * c + c; j++) s += xv[j]!;
        out[i] = s;
      }
      shape = keepDims ? [r, 1] : [r];
    } else {
      return cpu(tf.Sum)(args) as Info;
    }
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/**
 * The replacements, by kernel name (`cpu` returns the cpu backend's kernel for the fallbacks).
 *
 * @example
 * const overrides = elementwiseKernels((name) => tf.getKernel(name, 'cpu')!.kernelFunc);
 */
export function elementwiseKernels(cpu: CpuKernel, nat: NativeElementwise | null = null): Record<string, tf.KernelFunc> {
  const loops = (js: BinaryLoops, op: number): BinaryLoops => (nat ? nativeLoops(nat, op) : js);
  const unary = (op: number, js: (x: Float32Array, o: Float32Array, attrs: tf.NamedAttrMap) => void) =>
    nat ? (x: Float32Array, o: Float32Array, attrs: tf.NamedAttrMap) => nat.unary(op, x, o, (attrs as { alpha?: number }).alpha ?? 0) : js;
  return {
    [tf.Add]: binaryKernel(tf.Add, cpu, loops(ADD, 0)),
    [tf.Sub]: binaryKernel(tf.Sub, cpu, loops(SUB, 1)),
    [tf.Multiply]: binaryKernel(tf.Multiply, cpu, loops(MUL, 2)),
    [tf.RealDiv]: binaryKernel(tf.RealDiv, cpu, loops(DIV, 3)),
    // Branch-free loops (random signs make branches mispredict: 4x slower); the rare special values
    // get a predictable fix-up so the results stay those of the cpu kernels bit for bit.
    [tf.Relu]: unaryKernel(tf.Relu, cpu, unary(0, (x, o) => {
      for (let i = 0; i < o.length; i++) {
        const v = x[i]!;
        o[i] = v * +(v > 0) + 0; // max(0, v): NaN stays NaN, -0 becomes +0
        if (v === -Infinity) o[i] = 0;
      }
    })),
    [tf.Step]: unaryKernel(tf.Step, cpu, unary(1, (x, o, attrs) => {
      const alpha = (attrs as { alpha?: number }).alpha ?? 0;
      if (alpha === 0) {
        for (let i = 0; i < o.length; i++) {
          const v = x[i]!;
          o[i] = +(v > 0);
          if (v !== v) o[i] = NaN;
        }
      } else {
        for (let i = 0; i < o.length; i++) {
          const v = x[i]!;
          o[i] = v > 0 ? 1 : v !== v ? NaN : alpha;
        }
      }
    })),
    [tf.Square]: unaryKernel(tf.Square, cpu, unary(2, (x, o) => {
      for (let i = 0; i < o.length; i++) o[i] = x[i]! * x[i]!;
    })),
    [tf.Sqrt]: unaryKernel(tf.Sqrt, cpu, unary(3, (x, o) => {
      for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]!);
    })),
    [tf.Transpose]: transposeKernel(cpu),
    [tf.Slice]: sliceKernel(cpu),
    [tf.Sum]: sumKernel(cpu),
  };
}

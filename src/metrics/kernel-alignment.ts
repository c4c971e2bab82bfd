/**
 * Kernel alignment (Cristianini et al. 2002) between two kernel matrices on the same samples, and
 * the NTK "rate of change" between consecutive checkpoints (1 - alignment; Fort et al. 2020 call
 * it the kernel velocity).
 */
import { check } from '../util/errors.js';
import { frobeniusDot } from './matrix.js';

/** A kernel matrix, or an {@link EmpiricalNtk}-like object carrying one. */
export type KernelInput = ArrayLike<number> | { kernel: ArrayLike<number> };

function kernelOf(k: KernelInput): ArrayLike<number> {
  return 'kernel' in k ? k.kernel : k;
}

/**
 * <K0, Kt>_F / (|K0|_F |Kt|_F): 1 for identical kernels (or positive multiples), in [-1, 1];
 * NaN when either kernel is zero.
 *
 * @example
 * kernelAlignment(empiricalNtk(model0, probe), empiricalNtk(modelT, probe));
 * kernelAlignment([2, 1, 1, 2], [4, 2, 2, 4]); // 1
 */
export function kernelAlignment(K0: KernelInput, Kt: KernelInput): number {
  const a = kernelOf(K0);
  const b = kernelOf(Kt);
  check(a.length === b.length, 'kernelAlignment', () => `the kernels differ in size (${a.length} vs ${b.length} entries); build both on the same probe set and output`);
  const ab = frobeniusDot(a, b);
  const aa = frobeniusDot(a, a);
  const bb = frobeniusDot(b, b);
  if (aa === 0 || bb === 0) return NaN;
  return ab / Math.sqrt(aa * bb);
}

/**
 * 1 - alignment between each pair of consecutive kernels: `kernels.length - 1` values
 * (entry i compares checkpoint i and i + 1). 0 means the kernel did not rotate.
 *
 * @example
 * const rates = ntkRateOfChange(checkpoints.map((m) => empiricalNtk(m, probe)));
 */
export function ntkRateOfChange(kernels: readonly KernelInput[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < kernels.length; i++) out.push(1 - kernelAlignment(kernels[i - 1]!, kernels[i]!));
  return out;
}

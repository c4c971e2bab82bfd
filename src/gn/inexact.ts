/** The one-line explanation of which GN blocks did not take the exact GN step, and why. */
import type { BlockDiagnostics, GNOptions } from './step.js';

/**
 * Says which blocks of a GN step are not exact (blocks counted from 1, with the rank each
 * pseudo-inverse kept out of the batch size n) and why: a truncated solve (rank < n: the batch is
 * larger than the rank the block can reach), or a pinv method / noise that never solves
 * J dTheta = T exactly. Null when every block is exact.
 *
 * @example
 * const { blocks } = gnUpdate(model, x, labels, { pinv: 'damped' });
 * inexactBlocksMessage(blocks, { pinv: 'damped' });
 * // 'GN blocks not exact (blocks counted from 1): block 1 (f rank 32/32, g rank 32/32), ...; pinv "damped" does not solve J dTheta = T exactly'
 */
export function inexactBlocksMessage(blocks: readonly BlockDiagnostics[], gn: Partial<GNOptions> = {}): string | null {
  const bad = blocks.filter((b) => !b.exact);
  if (bad.length === 0) return null;
  const pinv = gn.pinv ?? 'truncated';
  const noise = (gn.noise ?? 0) > 0;
  const what = bad.map((b) => `block ${b.block + 1} (f rank ${b.f.rank}/${b.f.n}, g rank ${b.g.rank}/${b.g.n})`).join(', ');
  const why = pinv === 'transpose' || pinv === 'damped' || noise
    ? `pinv "${pinv}"${noise ? ' with noise' : ''} does not solve J dTheta = T exactly`
    : 'rank < n: the right inverse is a truncated least-squares solve there, not the exact GN step (use a batch no larger than the rank for exact steps)';
  return `GN blocks not exact (blocks counted from 1): ${what}; ${why}`;
}

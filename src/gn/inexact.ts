/** The one-line explanation of which GN blocks did not take the exact GN step, and why. */
import type { RevMLPConfig } from '../model/config.js';
import { DEFAULT_GN, type BlockDiagnostics, type GNOptions } from './step.js';

/** The model sizes that bound the rank a block's A can reach (RevMLP config fields). */
export type RankLimits = Pick<RevMLPConfig, 'inputDim' | 'hidden' | 'firstBlockLinear'> & Partial<Pick<RevMLPConfig, 'bias'>>;

/**
 * The largest rank A = [s(X V^T), 1] of block `block` (from 0) can have, whatever the batch:
 * its column count (h, or d/2 without the bottleneck, plus the bias column), and for a linear
 * block also d/2 + 1 (A is then a linear image of the d/2-dimensional input, plus the ones column).
 *
 * @example
 * reachableRank(0, { inputDim: 784, hidden: 8000, firstBlockLinear: true }); // 393: the linear block 1 of MNIST
 * reachableRank(1, { inputDim: 784, hidden: 8000, firstBlockLinear: true }); // 8001
 */
export function reachableRank(block: number, m: RankLimits): number {
  const half = m.inputDim / 2;
  const bias = m.bias === false ? 0 : 1;
  const columns = (m.hidden ?? half) + bias;
  return block === 0 && m.firstBlockLinear ? Math.min(columns, half + bias) : columns;
}

/**
 * Says which blocks of a GN step are not exact (blocks counted from 1, with the rank each
 * pseudo-inverse kept out of the batch size n) and why, naming the true cause:
 * - a pinv method or noise that never solves J dTheta = T exactly ('damped', 'transpose', noise);
 * - the batch is larger than the rank the block can reach (needs `model`: h + 1, or d/2 + 1 for a
 *   linear block), so the step is a least-squares fit there by construction;
 * - otherwise the truncation of the pseudo-inverse (singular values below max(rtol * s_max, atol)
 *   dropped), which at rtol 1e-2, atol 1e-5 is the paper's own setting, not a mistake.
 * Null when every block is exact.
 *
 * @example
 * const { blocks } = gnUpdate(model, x, labels);
 * inexactBlocksMessage(blocks, {}, model.config);
 * // 'GN blocks not exact (blocks counted from 1): block 2 (f rank 120/128, g rank 118/128); the truncated
 * //  pseudo-inverse dropped singular values below max(rtol * s_max, atol) with rtol 0.01, atol 0.00001: the paper's
 * //  setting, ...'
 */
export function inexactBlocksMessage(blocks: readonly BlockDiagnostics[], gn: Partial<GNOptions> = {}, model?: RankLimits): string | null {
  const bad = blocks.filter((b) => !b.exact);
  if (bad.length === 0) return null;
  const pinv = gn.pinv ?? DEFAULT_GN.pinv;
  const rtol = gn.rtol ?? DEFAULT_GN.rtol;
  const atol = gn.atol ?? DEFAULT_GN.atol;
  const noise = (gn.noise ?? 0) > 0;
  const what = bad.map((b) => `block ${b.block + 1} (f rank ${b.f.rank}/${b.f.n}, g rank ${b.g.rank}/${b.g.n})`).join(', ');
  const head = `GN blocks not exact (blocks counted from 1): ${what}`;
  if (pinv === 'transpose' || pinv === 'damped' || noise) {
    return `${head}; pinv "${pinv}"${noise ? ' with noise' : ''} does not solve J dTheta = T exactly`;
  }
  const causes: string[] = [];
  if (model !== undefined) {
    const capped = bad.filter((b) => Math.max(b.f.n, b.g.n) > reachableRank(b.block, model));
    if (capped.length > 0) {
      const list = capped.map((b) => `block ${b.block + 1} reaches rank ${reachableRank(b.block, model)}${b.block === 0 && model.firstBlockLinear ? ' (linear: d/2 + 1)' : ''}`).join(', ');
      causes.push(`the batch (n = ${capped[0]!.f.n}) is larger than the rank the block can reach (${list}), so the step there is a least-squares fit by construction (as in the paper; a batch no larger than that rank would be exact)`);
    }
    if (capped.length === bad.length) return `${head}; ${causes.join('; ')}`;
  }
  if (pinv === 'truncated' && (rtol > 0 || atol > 0)) {
    const paper = rtol === DEFAULT_GN.rtol && atol === DEFAULT_GN.atol;
    causes.push(
      `the truncated pseudo-inverse dropped singular values below max(rtol * s_max, atol) with rtol ${rtol}, atol ${atol}` +
        (paper
          ? ': the paper\'s own setting (it drops directions of ill-conditioned A even at full rank), not a mistake; gn.pinv "none" or gn.rtol 0 takes the exact step'
          : '; gn.pinv "none" or gn.rtol 0 takes the exact step'),
    );
  } else if (model === undefined) {
    causes.push('rank < n: the batch is larger than the rank the block can reach, so the step there is a least-squares fit (a batch no larger than that rank would be exact)');
  } else {
    causes.push('the Gram matrix A A^T is numerically singular at this batch (rank < n even without truncation)');
  }
  return `${head}; ${causes.join('; ')}`;
}

/**
 * Live exactness check for the report and notebooks: on real MNIST images, every block's GN update
 * must change the network output by exactly the target T to first order (J_l dTheta_l = T). The
 * realized change is measured twice: by the hand-written JVP (float32) and by central finite
 * differences of a float64 forward pass on the host, which shares no code with the GN step.
 */
import { tf } from '../backend/index.js';
import { loadMnist } from '../data/mnist.js';
import { functionSpaceTarget, gnUpdate, type UpdateRule } from '../gn/step.js';
import type { PinvMethod } from '../linalg/index.js';
import { RevMLP, cloneParams, disposeParams, restrictToBlock } from '../model/revmlp.js';
import { fixedToHost, hostDirectionalDerivative, paramsToHost } from '../model/reference.js';

export interface ExactnessOptions {
  /** Batch: the first n MNIST training images (default 64). */
  n: number;
  /** Bottleneck width (default 512). */
  hidden: number;
  /** Rows checked by float64 finite differences (default 8; the JVP check uses all n). */
  fdRows: number;
  seed: number;
}

export interface ExactnessRow {
  weights: string;
  pinv: PinvMethod;
  rule: UpdateRule;
  block: number;
  /** Directions kept by the f and g solves (n = full). */
  rank_f: number;
  rank_g: number;
  /** |J_l dTheta_l - T| / |T| with the hand-written JVP (float32). */
  residual_jvp: number;
  /** The same with float64 central finite differences on the first fdRows rows. */
  residual_fd64: number;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>, len: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < len; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Measures J_l dTheta_l against T for each block, both pseudo-inverses (exact 'none', paper
 * 'truncated') and both rules, at init and with the weights scaled to std 0.03 (x30: the rules then differ by ~30% at h = 512).
 *
 * @example
 * const rows = verifyExactness({ n: 64 });
 * rows.filter((r) => r.pinv === 'none' && r.rule === 'block').every((r) => r.residual_fd64 < 1e-3);
 */
export function verifyExactness(input: Partial<ExactnessOptions> = {}): ExactnessRow[] {
  const o: ExactnessOptions = { n: 64, hidden: 512, fdRows: 8, seed: 42, ...input };
  const { train } = loadMnist({ limitTrain: o.n });
  const d = train.d;
  const x = tf.tensor2d(train.x, [o.n, d]);
  const model = RevMLP.init({ inputDim: d, hidden: o.hidden, blocks: 2, classes: 10, seed: o.seed });
  const rows: ExactnessRow[] = [];
  try {
    for (const [weights, scale] of [['init (W std 1e-3)', 1], ['scaled (W std 0.03)', 30]] as const) {
      if (scale !== 1) model.setParams(cloneParams(model.params, scale));
      const logits = model.logits(x);
      const e = functionSpaceTarget(logits.dataSync(), train.y, o.n, 10, 'ce-identity');
      logits.dispose();
      const T = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(e), [o.n, 10]), model.Ut).dataSync());
      const fixed = fixedToHost(model);
      const theta = paramsToHost(model.params);
      for (const pinv of ['none', 'truncated'] as const) {
        for (const rule of ['block', 'half-coupling'] as const) {
          const { update, blocks } = gnUpdate(model, x, train.y, { pinv, rule });
          for (const b of blocks) {
            const u = restrictToBlock(update, b.block);
            const jvp = model.jvp(x, u);
            const fd = hostDirectionalDerivative(fixed, theta, paramsToHost(u), train.x.subarray(0, o.fdRows * d), o.fdRows, 1e-4);
            rows.push({
              weights, pinv, rule, block: b.block + 1, rank_f: b.f.rank, rank_g: b.g.rank,
              residual_jvp: relErr(jvp.dataSync(), T, T.length),
              residual_fd64: relErr(fd, T, o.fdRows * d),
            });
            jvp.dispose();
            disposeParams(u);
          }
          disposeParams(update);
        }
      }
    }
  } finally {
    x.dispose();
    model.dispose();
  }
  return rows;
}

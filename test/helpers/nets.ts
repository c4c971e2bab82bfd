// Small nets and data shared by the numerical tests.
import { tf, tidy } from '../../src/backend/index.js';
import { Rng } from '../../src/util/rng.js';
import { RevMLP, mapParams, type Params } from '../../src/model/revmlp.js';
import type { RevMLPConfigInput } from '../../src/model/config.js';

/** A model whose trained W are drawn with std `wStd` (instead of 1e-3) and b with std `bStd`. */
export function tinyModel(cfg: RevMLPConfigInput, wStd = 0.3, bStd = 0.1): RevMLP {
  const model = RevMLP.init(cfg);
  const rng = new Rng(1234 + (cfg.seed ?? 0));
  const next = tidy(() =>
    mapParams(model.params, (t, name) => {
      const std = name.endsWith('.W') ? wStd : bStd;
      return tf.tensor(rng.normalArray(t.size, std), t.shape);
    }),
  );
  model.setParams(next as Params);
  return model;
}

/** Random inputs [n, d] (host copy and tensor) and labels in [0, k). */
export function randomBatch(n: number, d: number, k: number, seed = 7): { xHost: Float32Array; x: tf.Tensor2D; labels: Int32Array } {
  const rng = new Rng(seed);
  const xHost = rng.normalArray(n * d, 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(k);
  return { xHost, x: tf.tensor2d(xHost, [n, d]), labels };
}

/** A random parameter direction with the model's shapes. */
export function randomDirection(model: RevMLP, seed = 99): Params {
  const rng = new Rng(seed);
  return tidy(() => mapParams(model.params, (t) => tf.tensor(rng.normalArray(t.size, 1), t.shape)));
}

export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

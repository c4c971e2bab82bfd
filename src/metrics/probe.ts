/**
 * Fixed random probes for the NTK diagnostics. The network output is either `z` (the full
 * d-dimensional output of the last block, as in the paper's NTK similarity) or the `logits`
 * o = z U. Probes are drawn on the host from a seed, so they are the same on every backend and
 * for every checkpoint of a run.
 */
import { tf } from '../backend/index.js';
import { check } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { RevMLP } from '../model/revmlp.js';

/** Which network output the kernel is taken of. */
export type NtkOutput = 'z' | 'logits';
export const NTK_OUTPUTS: readonly NtkOutput[] = ['z', 'logits'];

/**
 * Per-sample width of an output: d for `z`, k for `logits`.
 *
 * @example
 * outputWidth(model, 'logits'); // 10
 */
export function outputWidth(model: RevMLP, output: NtkOutput): number {
  check(NTK_OUTPUTS.includes(output), 'output', () => `unknown output ${JSON.stringify(output)}; use 'z' or 'logits'`);
  return output === 'z' ? model.config.inputDim : model.config.classes;
}

export interface ProbeOptions {
  /** Output the probe lives on (default 'z'). */
  output?: NtkOutput;
  /** Seed of the probe (default 0). */
  seed?: number;
}

/**
 * A seeded standard-normal probe v of the output's shape, [n, d] or [n, k] (the caller owns it).
 *
 * @example
 * const v = randomProbe(model, 256, { output: 'z', seed: 0 });
 * const sim = ntkProbeSimilarity(model0, modelT, x, v);
 * v.dispose();
 */
export function randomProbe(model: RevMLP, n: number, options: ProbeOptions = {}): tf.Tensor2D {
  const { output = 'z', seed = 0 } = options;
  check(Number.isInteger(n) && n >= 1, 'n', () => `must be a positive integer, got ${n}`);
  const width = outputWidth(model, output);
  const data = new Rng(seed).fork(`ntk-probe/${output}`).normalArray(n * width, 1);
  return tf.tensor2d(data, [n, width]);
}

/** Checks that v has the output's shape for the batch x. */
export function checkProbe(model: RevMLP, x: tf.Tensor2D, v: tf.Tensor2D, output: NtkOutput): void {
  const width = outputWidth(model, output);
  check(
    v.rank === 2 && v.shape[0] === x.shape[0] && v.shape[1] === width,
    'v',
    () => `the probe must have the shape of the '${output}' output, [${x.shape[0]}, ${width}], got [${v.shape.join(', ')}]`,
  );
}

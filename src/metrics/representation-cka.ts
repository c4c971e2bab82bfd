/**
 * CKA between the representations of two models after each half-coupling (2L of them: after f
 * and after g of every block, see RevMLP.representations), on the same batch: to init (model at
 * epoch 0 vs epoch t) or across runs (e.g. GN vs Adam at matched epochs).
 */
import type { tf } from '../backend/index.js';
import { check } from '../util/errors.js';
import type { RevMLP } from '../model/revmlp.js';
import { ckaFromGrams } from './cka.js';
import { gramMatrix, type ProductRoute } from './matrix.js';

/** CKA of one half-coupling's representation. */
export interface HalfCka {
  /** Position among the 2L representations (2 l for f, 2 l + 1 for g). */
  index: number;
  block: number;
  half: 'f' | 'g';
  /** Linear CKA (Kornblith et al. 2019). */
  cka: number;
  /** Debiased linear CKA (NaN with fewer than 4 samples). */
  debiasedCka: number;
}

export interface RepresentationCkaOptions {
  /** Where the Gram products run (default 'auto'). */
  products?: ProductRoute;
}

/**
 * The centered Gram matrices (n x n, float64) of the 2L representations of `model` on `x`:
 * compute them once per checkpoint and compare many pairs with {@link ckaFromRepresentationGrams}.
 *
 * @example
 * const grams0 = representationGrams(model0, x);
 */
export function representationGrams(model: RevMLP, x: tf.Tensor2D, options: RepresentationCkaOptions = {}): Float64Array[] {
  const reps = model.representations(x);
  try {
    return reps.map((r) => gramMatrix(r, { center: true, products: options.products ?? 'auto' }));
  } finally {
    for (const r of reps) r.dispose();
  }
}

/**
 * Per-half-coupling CKA from two lists of representation Grams (as from {@link representationGrams}).
 *
 * @example
 * ckaFromRepresentationGrams(grams0, gramsT, x.shape[0]);
 */
export function ckaFromRepresentationGrams(a: readonly Float64Array[], b: readonly Float64Array[], n: number): HalfCka[] {
  check(a.length === b.length, 'grams', () => `the two models have ${a.length} and ${b.length} representations; compare models with the same number of blocks`);
  return a.map((ga, index) => ({
    index,
    block: Math.floor(index / 2),
    half: index % 2 === 0 ? 'f' : 'g',
    cka: ckaFromGrams(ga, b[index]!, n),
    debiasedCka: n >= 4 ? ckaFromGrams(ga, b[index]!, n, { debiased: true }) : NaN,
  }));
}

/**
 * CKA between the representations of two models after each half-coupling, on the batch x.
 *
 * @example
 * representationCka(gnModel, adamModel, x).map((r) => r.cka);
 */
export function representationCka(modelA: RevMLP, modelB: RevMLP, x: tf.Tensor2D, options: RepresentationCkaOptions = {}): HalfCka[] {
  check(
    modelA.config.blocks === modelB.config.blocks && modelA.config.inputDim === modelB.config.inputDim,
    'modelB',
    () => `has ${modelB.config.blocks} blocks on d = ${modelB.config.inputDim}, modelA ${modelA.config.blocks} on d = ${modelA.config.inputDim}; CKA per half-coupling needs matching architectures`,
  );
  return ckaFromRepresentationGrams(representationGrams(modelA, x, options), representationGrams(modelB, x, options), x.shape[0]);
}

/**
 * CKA to init: per half-coupling (2L values), between the model at epoch 0 and at epoch t.
 *
 * @example
 * const rows = ckaToInit(model0, modelT, x);   // rows[2 * l].cka: after f of block l
 */
export function ckaToInit(model0: RevMLP, modelT: RevMLP, x: tf.Tensor2D, options: RepresentationCkaOptions = {}): HalfCka[] {
  return representationCka(model0, modelT, x, options);
}

/**
 * Checks of optimizer state loaded from outside (a checkpoint, a resume file, an API caller):
 * the step counter and the tensors, so a corrupt state is reported as such instead of surfacing
 * later as "the model has diverged".
 */
import { CheckpointError, ConfigError, show } from '../util/errors.js';

/** The state an optimizer loads (see Optimizer.loadState). */
export interface OptimizerStateInput {
  step: number;
  tensors: Map<string, { data: Float32Array; shape: number[] }>;
}

/** Largest step counter accepted: far beyond any run, and exact in a float64. */
const MAX_STEP = Number.MAX_SAFE_INTEGER;

/**
 * Throws a ConfigError (field `optimizer state...`) unless `state.step` is an integer in
 * [0, 2^53) and every tensor is finite (Adam's second moments `v` also >= 0).
 *
 * @example
 * checkOptimizerState({ step: 3, tensors: new Map() }); // ok
 * checkOptimizerState({ step: 1.5, tensors: new Map() }); // ConfigError: optimizer state.step: must be a whole number of steps ...
 */
export function checkOptimizerState(state: OptimizerStateInput): void {
  if (state === null || typeof state !== 'object') throw new ConfigError('optimizer state', `expected { step, tensors }, got ${show(state)}`);
  const step: unknown = state.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > MAX_STEP) {
    throw new ConfigError('optimizer state.step', `must be a whole number of steps in [0, 2^53), got ${show(step)}; the state is corrupt (start from a fresh optimizer, or from an intact checkpoint)`);
  }
  if (!(state.tensors instanceof Map)) throw new ConfigError('optimizer state.tensors', `expected a Map of named tensors, got ${show(state.tensors)}`);
  for (const [name, t] of state.tensors) {
    if (t === null || typeof t !== 'object' || !(t.data instanceof Float32Array)) {
      throw new ConfigError(`optimizer state.${name}`, `expected { data: Float32Array, shape }, got ${show(t)}`);
    }
    const secondMoment = name.startsWith('optim.adam.v.');
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v - v !== 0 || (secondMoment && v < 0)) {
        throw new ConfigError(`optimizer state.${name}`, `holds ${v} at index ${i}${secondMoment ? ' (a second moment must be finite and >= 0)' : ' (must be finite)'}; the state is corrupt (start from a fresh optimizer, or from an intact checkpoint)`);
      }
    }
  }
}

/**
 * Parses a step counter stored as text (checkpoint metadata): absent means 0; anything but a
 * plain non-negative integer is an error naming the key (and the file: a CheckpointError).
 *
 * @example
 * parseStepCount('12', 'optimizer.adam.step'); // 12
 * parseStepCount('abc', 'optimizer.adam.step', 'model.safetensors'); // CheckpointError naming the file
 */
export function parseStepCount(text: string | undefined, key: string, file?: string): number {
  if (text === undefined) return 0;
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    const why = `must be a whole number of steps in [0, 2^53), got ${show(text)}; the checkpoint is corrupt (start from an intact one)`;
    if (file !== undefined) throw new CheckpointError(`__metadata__.${key} ${why}`, file);
    throw new ConfigError(key, why);
  }
  return n;
}

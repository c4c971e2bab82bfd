/**
 * RevMLP configuration (PAPER.md "Model: RevMLP"): input dim d (even), bottleneck width h (or null:
 * no bottleneck, square W, no V), L blocks, activation per block, bias, init std, classes k, seed.
 */
import { ConfigError, show } from '../util/errors.js';

/** Elementwise nonlinearity s_l of a block. */
export type Activation = 'linear' | 'relu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'tanh'];

export interface RevMLPConfig {
  /** d: flattened input size, even (MNIST 784, CIFAR-10 3072). */
  readonly inputDim: number;
  /** h: inverted-bottleneck width (paper 8000); null = no bottleneck (square W on d/2, no V). */
  readonly hidden: number | null;
  /** L: number of reversible blocks (paper: MNIST 2, CIFAR-10 6). */
  readonly blocks: number;
  /** k: number of classes (readout columns). */
  readonly classes: number;
  /** Train a bias b in every half-coupling (default true). */
  readonly bias: boolean;
  /** Std of the trained W at init (paper 1e-3). */
  readonly initStd: number;
  /** Seed of every random tensor of the model (V, W, U). */
  readonly seed: number;
  /** Nonlinearity s_l of blocks l >= 2 (paper: relu). */
  readonly activation: Activation;
  /** Block 1 uses the identity (paper: true). */
  readonly firstBlockLinear: boolean;
}

export const DEFAULT_MODEL: Omit<RevMLPConfig, 'inputDim' | 'hidden' | 'blocks' | 'classes'> = {
  bias: true,
  initStd: 1e-3,
  seed: 42,
  activation: 'relu',
  firstBlockLinear: true,
};

/** Input accepted by {@link modelConfig}: the four sizes are required, the rest default. */
export type RevMLPConfigInput = Pick<RevMLPConfig, 'inputDim' | 'hidden' | 'blocks' | 'classes'> &
  Partial<Omit<RevMLPConfig, 'inputDim' | 'hidden' | 'blocks' | 'classes'>>;

/**
 * Stated limits on the sizes of a model, checked before anything is allocated (a size read from a
 * file or a flag must never be able to ask for gigabytes or hours). The paper's largest model
 * (CIFAR-10: d = 3072, h = 8000, 6 blocks) is far inside them.
 */
export const MODEL_LIMITS = {
  /** d: at most 2^20 values per image. */
  inputDim: 1 << 20,
  /** h: at most 2^20. */
  hidden: 1 << 20,
  /** L: at most 1024 blocks. */
  blocks: 1024,
  /** k: at most 2^16 classes (and at most d). */
  classes: 1 << 16,
  /** Values of one weight matrix (d/2 x h): at most 2^28, i.e. 1 GiB of float32. */
  tensorValues: 2 ** 28,
  /** Trained values in all (2 L half-couplings): at most 2^31, i.e. 8 GiB of float32. */
  trainedValues: 2 ** 31,
  /** Init std of W: at most 1 (the paper uses 1e-3, its sweep reaches 1e-2); larger weights overflow float32. */
  initStd: 1,
  /** Seeds are 32-bit: integers in [0, 2^32). */
  seedEnd: 2 ** 32,
} as const;

/** The paper's largest sizes, quoted in the limit errors. */
const PAPER_MAX = { inputDim: 3072, hidden: 8000, blocks: 6, classes: 10 } as const;

const KEYS = new Set(['inputDim', 'hidden', 'blocks', 'classes', 'bias', 'initStd', 'seed', 'activation', 'firstBlockLinear']);

/**
 * Validates and fills defaults. Throws ConfigError naming the field, the value and the fix.
 *
 * @example
 * const cfg = modelConfig({ inputDim: 784, hidden: 8000, blocks: 2, classes: 10 });
 */
export function modelConfig(input: RevMLPConfigInput, prefix = 'model'): RevMLPConfig {
  if (typeof input !== 'object' || input === null) throw new ConfigError(prefix, `expected an object, got ${show(input)}`);
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) throw new ConfigError(`${prefix}.${key}`, `unknown key; allowed keys are ${[...KEYS].join(', ')}`);
  }
  const cfg: RevMLPConfig = { ...DEFAULT_MODEL, ...input };
  const posInt = (field: keyof RevMLPConfig, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ConfigError(`${prefix}.${field}`, `must be a positive integer, got ${show(v)}`);
    }
  };
  const atMost = (field: 'inputDim' | 'hidden' | 'blocks' | 'classes', v: number): void => {
    if (v > MODEL_LIMITS[field]) {
      throw new ConfigError(`${prefix}.${field}`, `must be at most ${MODEL_LIMITS[field]} (the stated limit of exact-gn; the paper's largest model uses ${PAPER_MAX[field]}), got ${show(v)}`);
    }
  };
  posInt('inputDim', cfg.inputDim);
  atMost('inputDim', cfg.inputDim);
  if (cfg.inputDim % 2 !== 0) {
    throw new ConfigError(`${prefix}.inputDim`, `must be even (the input is split into two halves), got ${cfg.inputDim}; pad the input by one feature`);
  }
  if (cfg.hidden !== null) posInt('hidden', cfg.hidden);
  if (cfg.hidden !== null) atMost('hidden', cfg.hidden);
  posInt('blocks', cfg.blocks);
  atMost('blocks', cfg.blocks);
  posInt('classes', cfg.classes);
  atMost('classes', cfg.classes);
  const perTensor = (cfg.inputDim / 2) * (cfg.hidden ?? cfg.inputDim / 2);
  if (perTensor > MODEL_LIMITS.tensorValues) {
    throw new ConfigError(`${prefix}.${cfg.hidden === null ? 'inputDim' : 'hidden'}`,
      `gives weight matrices of d/2 x h = ${cfg.inputDim / 2} x ${cfg.hidden ?? cfg.inputDim / 2} = ${perTensor} values, above the limit of ${MODEL_LIMITS.tensorValues} (1 GiB of float32); use a smaller ${cfg.hidden === null ? 'input' : 'bottleneck width h'}`);
  }
  if (2 * cfg.blocks * perTensor > MODEL_LIMITS.trainedValues) {
    throw new ConfigError(`${prefix}.blocks`, `${cfg.blocks} blocks of ${perTensor}-value weight matrices give ${2 * cfg.blocks * perTensor} trained values, above the limit of ${MODEL_LIMITS.trainedValues} (8 GiB of float32); use fewer blocks or a smaller h`);
  }
  if (cfg.classes > cfg.inputDim) {
    throw new ConfigError(`${prefix}.classes`, `must be at most inputDim (${cfg.inputDim}) for an orthonormal readout U, got ${cfg.classes}`);
  }
  if (typeof cfg.bias !== 'boolean') throw new ConfigError(`${prefix}.bias`, `must be true or false, got ${show(cfg.bias)}`);
  if (typeof cfg.firstBlockLinear !== 'boolean') {
    throw new ConfigError(`${prefix}.firstBlockLinear`, `must be true or false, got ${show(cfg.firstBlockLinear)}`);
  }
  if (typeof cfg.initStd !== 'number' || !Number.isFinite(cfg.initStd) || cfg.initStd < 0) {
    throw new ConfigError(`${prefix}.initStd`, `must be a finite number >= 0, got ${show(cfg.initStd)}`);
  }
  if (cfg.initStd > MODEL_LIMITS.initStd) {
    throw new ConfigError(`${prefix}.initStd`, `must be at most ${MODEL_LIMITS.initStd} (the paper uses 1e-3 and sweeps 1e-6 to 1e-2; larger initial weights overflow float32), got ${show(cfg.initStd)}`);
  }
  if (typeof cfg.seed !== 'number' || !Number.isInteger(cfg.seed)) throw new ConfigError(`${prefix}.seed`, `must be an integer, got ${show(cfg.seed)}`);
  if (cfg.seed < 0 || cfg.seed >= MODEL_LIMITS.seedEnd) {
    throw new ConfigError(`${prefix}.seed`, `must be in [0, 2^32) (seeds are 32-bit; a larger one would silently equal a smaller one), got ${show(cfg.seed)}`);
  }
  if (!ACTIVATIONS.includes(cfg.activation)) {
    throw new ConfigError(`${prefix}.activation`, `unknown activation ${show(cfg.activation)}; use one of ${ACTIVATIONS.join(', ')}`);
  }
  return cfg;
}

/** s_l for block l (0-based): linear for the first block when firstBlockLinear. */
export function blockActivation(cfg: RevMLPConfig, l: number): Activation {
  return l === 0 && cfg.firstBlockLinear ? 'linear' : cfg.activation;
}

/** Width of the feature matrix S of a half-coupling: h, or d/2 without bottleneck. */
export function featureWidth(cfg: RevMLPConfig): number {
  return cfg.hidden ?? cfg.inputDim / 2;
}

/** Number of trained parameters (W and b of every half-coupling). */
export function trainedParamCount(cfg: RevMLPConfig): number {
  const half = cfg.inputDim / 2;
  return 2 * cfg.blocks * (featureWidth(cfg) * half + (cfg.bias ? half : 0));
}

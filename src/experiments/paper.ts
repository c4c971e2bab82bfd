/**
 * The paper's facts, in one place (docs/paper.md, "Model", "The exact GN step", "Training
 * protocol", "Metrics"): learning rates, sizes, seeds, tolerances, probe sizes. Presets, the
 * "paper" column of every settings table and the tests read them from here; nothing restates them.
 */
import type { PaperOptimizerName } from '../optim/optimizers.js';

export type PaperData = 'mnist' | 'cifar10';
export type PaperMode = 'full' | 'mini';

export const PAPER = {
  citation: 'Buffelli, McGowan, Xu, Cioba, Shiu, Hennequin, Bernacchia. Exact, Tractable Gauss-Newton Optimization in Deep Reversible Architectures Reveal Poor Generalization. NeurIPS 2024, arXiv 2411.07979',
  /** Learning rates (GN / Adam / SGD) per batch mode and dataset. */
  lr: {
    full: { mnist: { gn: 0.5, adam: 1e-4, sgd: 0.1 }, cifar10: { gn: 0.5, adam: 1e-5, sgd: 0.01 } },
    mini: { mnist: { gn: 0.1, adam: 1e-4, sgd: 0.1 }, cifar10: { gn: 0.1, adam: 1e-4, sgd: 0.01 } },
  } as Readonly<Record<PaperMode, Readonly<Record<PaperData, Readonly<Record<PaperOptimizerName, number>>>>>>,
  /** Reversible blocks L per dataset. */
  blocks: { mnist: 2, cifar10: 6 } as Readonly<Record<PaperData, number>>,
  /** Bottleneck width h. */
  hidden: 8000,
  /** W ~ N(0, initStd^2), b = 0. */
  initStd: 1e-3,
  seeds: [42, 43, 44] as readonly number[],
  /** Full batch: the first n training images, one step per epoch. */
  fullBatchN: 1024,
  /** Mini-batch size (shuffled, last partial batch kept). */
  batchSize: 1024,
  /** Mini-batch steps per epoch. */
  stepsPerEpoch: { mnist: 59, cifar10: 49 } as Readonly<Record<PaperData, number>>,
  epochs: 100,
  /** Truncated pseudo-inverse: keep s >= max(rtol s_max, atol). */
  pinv: { rtol: 1e-2, atol: 1e-5 },
  /** NTK and CKA: one fixed training batch of this many images. */
  probeBatch: 1024,
  /** Appendix sweeps. */
  initStds: [1e-2, 1e-3, 1e-6] as readonly number[],
  gnLrs: [1e-1, 1e-3, 1e-4] as readonly number[],
  testImages: 10000,
} as const;

/** "MNIST GN 0.5, Adam 1e-4, SGD 0.1; CIFAR-10 ..." for settings tables. */
export function paperLrText(mode: PaperMode, data: readonly PaperData[] = ['mnist', 'cifar10']): string {
  const name = { mnist: 'MNIST', cifar10: 'CIFAR-10' } as const;
  return data.map((d) => {
    const lr = PAPER.lr[mode][d];
    return `${data.length > 1 ? `${name[d]} ` : ''}GN ${lr.gn}, Adam ${lr.adam}, SGD ${lr.sgd}`;
  }).join('; ');
}

/** "RevMLP h = 8000; MNIST 2 blocks, CIFAR-10 6 blocks" for settings tables. */
export function paperModelText(data: readonly PaperData[] = ['mnist', 'cifar10'], bottleneck = true): string {
  const name = { mnist: 'MNIST', cifar10: 'CIFAR-10' } as const;
  const blocks = data.map((d) => `${data.length > 1 ? `${name[d]} ` : ''}${PAPER.blocks[d]} blocks`).join(', ');
  return `${bottleneck ? `RevMLP h = ${PAPER.hidden}` : 'RevMLP without bottleneck (square W on d/2)'}; ${blocks}`;
}

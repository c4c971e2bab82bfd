/** Pieces the figure specs share: run grids over datasets x optimizers x seeds. */
import type { OptimizerName } from '../../optim/optimizers.js';
import { gnLabel, presetRun, type FigureOptions, type RunRef } from '../figure.js';
import type { PresetOptions } from '../../experiments/presets.js';

export const OPTIMIZERS: readonly OptimizerName[] = ['gn', 'adam', 'sgd'];
export const DATASET_LABEL = { mnist: 'MNIST', cifar10: 'CIFAR-10' } as const;

/** Runs of `<mode>-<data>[suffix]-<optimizer>` for every dataset, optimizer and seed. */
export function grid(
  mode: 'fullbatch' | 'minibatch',
  datasets: readonly ('mnist' | 'cifar10')[],
  options: FigureOptions,
  opts: { suffix?: string; optimizers?: readonly OptimizerName[]; tags?: Record<string, string>; extra?: Omit<PresetOptions, 'profile' | 'seed'> } = {},
): RunRef[] {
  const refs: RunRef[] = [];
  for (const data of datasets) {
    for (const opt of opts.optimizers ?? OPTIMIZERS) {
      for (const seed of options.seeds) {
        const label = opt === 'gn' ? gnLabel(options.rule) : opt;
        refs.push(presetRun(`${mode}-${data}${opts.suffix ?? ''}-${opt}`, { optimizer: label, dataset: DATASET_LABEL[data], tags: opts.tags }, options, seed, opts.extra));
      }
    }
  }
  return refs;
}

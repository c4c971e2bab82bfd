/** Pieces the figure specs share: run grids over datasets x optimizers x seeds, and findings helpers. */
import type { OptimizerName } from '../../optim/optimizers.js';
import { gnLabel, presetRun, type FigureOptions, type FigureRuns, type Finding, type RunRef } from '../figure.js';
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

/** The optimizer labels of a figure's runs, in order. */
export function labelsOf(runs: FigureRuns): string[] {
  return [...new Set(runs.refs.map((r) => r.optimizer))];
}

/** Formats a finding's number for tables. */
export function fmt(v: number, digits = 4): number | string {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : 'n/a';
}

/** A finding whose claim is "GN's value is the smallest (or largest) of all curves". */
export function extremeFinding(label: string, values: Record<string, number>, claim: string, gn: string, want: 'min' | 'max'): Finding {
  const finite = Object.entries(values).filter(([, v]) => Number.isFinite(v));
  const best = finite.length ? finite.reduce((a, b) => ((want === 'min' ? b[1] < a[1] : b[1] > a[1]) ? b : a)) : undefined;
  return {
    label,
    values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fmt(v)])),
    claim,
    holds: best !== undefined && best[0] === gn,
  };
}

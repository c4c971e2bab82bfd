/**
 * The plan of a report: every run the selected figures need (see experiments/plan.ts), for the
 * same options `reproduce` takes, so the report built afterwards with `--no-train` finds them all.
 */
import type { Device } from '../experiments/cost.js';
import { buildPlan, type Plan } from '../experiments/plan.js';
import { figureOptions, type FigureOptions } from './figure.js';
import { selectFigures } from './reproduce.js';

export interface ReportPlanOptions extends Partial<Pick<FigureOptions, 'profile' | 'seeds' | 'rule'>> {
  /** Figure ids (default: all). */
  figures?: string[];
  /** cpu (default) or gpu nodes. */
  device?: Device;
  /** The command line that asked for it (recorded in the plan). */
  command?: string;
}

/**
 * The plan of the runs of `figures` (default all), shared runs once.
 *
 * @example
 * const plan = planReport({ profile: 'paper', figures: ['fig1', 'fig2'] });
 * console.log(plan.totals.runs, plan.totals.cpuHours);
 */
export function planReport(input: ReportPlanOptions = {}): Plan {
  const options = figureOptions({ ...input, progress: false, log: () => {} });
  const specs = selectFigures(input.figures);
  const requests = specs.flatMap((spec) => spec.runs(options).map((ref) => ({ figure: spec.id, ref: ref.id, config: ref.config, fellBack: ref.fellBack })));
  return buildPlan(requests, {
    command: input.command ?? 'planReport()',
    profile: options.profile,
    rule: options.rule,
    seeds: options.seeds,
    figures: specs.map((s) => s.id),
    device: input.device ?? 'cpu',
  });
}

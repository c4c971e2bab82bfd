/**
 * Appendix · init std sweep: GN with the trained weights W initialized at std 1e-2, 1e-3 (the
 * default) and 1e-6, next to Adam. Claim: GN's early saturation and poor generalization do not
 * come from the init scale.
 */
import { DEFAULT_MODEL } from '../../model/config.js';
import { commonSettings, derivedSettings, type FigureOptions, type RunsFigureSpec } from '../figure.js';
import { appendixDeviations, sci } from './appendix-shared.js';
import { gnCurves, matchedLossFindings, sweepFigure, sweepRuns, type SweepValue } from './appendix-sweep.js';

/** Init stds of the sweep (paper: 1e-2, 1e-3, 1e-6). */
export const INIT_STDS: readonly number[] = [1e-2, 1e-3, 1e-6];

function values(): SweepValue[] {
  return INIT_STDS.map((std) => ({ what: `init std ${sci(std)}`, overrides: { model: { initStd: std } }, baseline: std === DEFAULT_MODEL.initStd }));
}

export const appendixInitStd: RunsFigureSpec = {
  from: 'runs',
  id: 'appendix-init-std',
  title: 'Appendix · GN with init std 1e-2, 1e-3, 1e-6',
  claim: 'GN generalizes worse than Adam whatever the init scale of the trained weights (std 1e-2, 1e-3 or 1e-6).',
  runs: (o: FigureOptions) => sweepRuns(o, values()),
  draw(runs) {
    return [sweepFigure(runs, 'appendix-init-std', 'GN with different init scales, mini-batch MNIST', 'GN runs whose trained weights W start at different stds (b = 0), and Adam (default init 1e-3).')];
  },
  findings(runs) {
    return matchedLossFindings(runs.table, gnCurves(runs), 'GN per init std vs Adam');
  },
  settings(o) {
    const refs = this.runs(o);
    const d = derivedSettings(refs);
    const stds = [...new Set(refs.filter((r) => r.config.optimizer.name === 'gn').map((r) => sci(r.config.model.initStd ?? DEFAULT_MODEL.initStd)))];
    return [
      ...commonSettings(o),
      { setting: 'GN init std of W', paper: '1e-2, 1e-3 (default), 1e-6', this_run: stds.join(', ') },
      { setting: 'data', paper: 'MNIST, batches of 1024 from the whole training set', this_run: d.data },
      { setting: 'model', paper: 'RevMLP h = 8000, 2 blocks', this_run: d.model },
      { setting: 'epochs', paper: '100', this_run: d.epochs },
      { setting: 'learning rates', paper: 'GN 0.1, Adam 1e-4', this_run: d.lr },
    ];
  },
  deviations: (o, runs) => appendixDeviations(o, runs),
};

/** Every main-text figure spec, by id, in report order, and its pure pieces (findings, drawings). */
import type { FigureSpec } from '../figure.js';
import { fig1 } from './fig1-fullbatch.js';
import { fig2 } from './fig2-minibatch.js';
import { fig3 } from './fig3-batch-change.js';
import { fig4 } from './fig4-ntk-cka.js';
import { fig5 } from './fig5-no-bottleneck.js';

export { fig1, fullBatchFindings, fig1Findings, drawFig1, stepsToLevel, FIG1_FACTOR, type Fig1DrawOptions } from './fig1-fullbatch.js';
export { fig2, miniBatchFindings, fig2Findings, drawFig2, miniBatchPlotRows, lastThirdTrainRate, MIN_EPOCHS_TO_JUDGE, SATURATION_PCT, saturationVerdict } from './fig2-minibatch.js';
export { fig3, batchChangeFindings, fig3Findings, drawFig3, batchChange } from './fig3-batch-change.js';
export { fig4, fig4Findings, drawFig4, ckaPanels, halfOf, lastRatePerEpoch, FIG4_PROBE } from './fig4-ntk-cka.js';
export { fig5, fig5Findings, drawFig5, FIG5_FULL, FIG5_MINI } from './fig5-no-bottleneck.js';

/** The figures of the main text, in order. */
export const MAIN_FIGURES: readonly FigureSpec[] = [fig1, fig2, fig3, fig4, fig5];

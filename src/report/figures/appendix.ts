/** The appendix figure specs, in the paper's appendix order, plus one check beyond the paper. */
import type { AnyFigureSpec } from '../figure.js';
import { appendixLongerTraining } from './appendix-longer.js';
import { appendixSwitching } from './appendix-switch.js';
import { appendixInitStd } from './appendix-init.js';
import { appendixWeights } from './appendix-weights.js';
import { appendixCkaBlocks } from './appendix-cka.js';
import { appendixGnLr } from './appendix-lr.js';
import { appendixWeightDecay } from './appendix-weight-decay.js';
import { appendixPinv } from './appendix-pinv.js';
import { appendixTestAccuracy } from './appendix-test-accuracy.js';
import { appendixUpdateRules } from './appendix-rules.js';
import { appendixApproxGn } from './beyond-approx-gn.js';

export {
  appendixLongerTraining, appendixSwitching, appendixInitStd, appendixWeights, appendixCkaBlocks, appendixGnLr, appendixWeightDecay, appendixPinv,
  appendixTestAccuracy, appendixUpdateRules, appendixApproxGn,
};
export {
  APPENDIX_QUICK_CAP, LONGER_FACTOR, PAPER_LONGER_EPOCHS, appendixRun, appendixEpochs, longerEpochs, sweepLabel, withVerticalMarker, wrappedFigure,
} from './appendix-shared.js';
export { INIT_STDS } from './appendix-init.js';
export { matchedLossFindings, testLossAtMatchedTrainLoss, largestLrFindings, gnCurves } from './appendix-sweep.js';
export { longerFindings, drawLonger, secondHalfRate, secondHalfImprovement } from './appendix-longer.js';
export { GN_LRS } from './appendix-lr.js';
export { GN_WEIGHT_DECAYS } from './appendix-weight-decay.js';
export { PINV_LEVELS, PINV_FAMILIES, type PinvFamily } from './appendix-pinv.js';
export { CKA_PROBE } from './appendix-cka.js';
export { testAccuracyFindings, gapRows } from './appendix-test-accuracy.js';
export { halfTable, lastPerHalf, motionFindings, type MotionOptions } from './appendix-checkpoints.js';
export { weightFindings } from './appendix-weights.js';
export { ckaBlockFindings } from './appendix-cka.js';
export { switchFindings, switchFindingsOf, testLossChangeAfter, finalTestLoss, switchEpoch, switchLabel } from './appendix-switch.js';
export { RULES_PROBE, RULES_LOSS_MARGIN, relativeDifference, rulesFindings, weightRms, stepRuleName } from './appendix-rules.js';
export {
  APPROX_GN_OPTIMIZERS, APPROX_LABELS, approxCurves, matchedTrainLoss, approximationExplains, directionExplains, approxGnFindings,
  generalizationRows, drawApproxGn,
} from './beyond-approx-gn.js';

/** The appendix figures, in order (the last two go beyond the paper: update rules, exact vs approximate GN). */
export const APPENDIX_FIGURES: readonly AnyFigureSpec[] = [
  appendixLongerTraining, appendixSwitching, appendixInitStd, appendixWeights, appendixCkaBlocks, appendixGnLr, appendixWeightDecay, appendixPinv,
  appendixTestAccuracy, appendixUpdateRules, appendixApproxGn,
];

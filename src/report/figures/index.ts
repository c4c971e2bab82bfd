/** Every figure spec, by id, in report order. */
import type { FigureSpec } from '../figure.js';
import { fig1 } from './fig1-fullbatch.js';
import { fig2 } from './fig2-minibatch.js';
import { fig3 } from './fig3-batch-change.js';
import { fig4 } from './fig4-ntk-cka.js';
import { fig5 } from './fig5-no-bottleneck.js';

export { fig1, fig2, fig3, fig4, fig5 };

/** The figures of the main text, in order. */
export const MAIN_FIGURES: readonly FigureSpec[] = [fig1, fig2, fig3, fig4, fig5];

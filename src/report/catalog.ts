/** Every figure the report knows, main text then appendix, by id. */
import type { AnyFigureSpec } from './figure.js';
import { MAIN_FIGURES } from './figures/index.js';
import { APPENDIX_FIGURES } from './figures/appendix.js';
import { lazyRegime } from './figures/lazy-regime.js';

/** Main text, appendix, then the lazy-vs-feature-learning answer (issue 17). */
export const ALL_FIGURES: readonly AnyFigureSpec[] = [...MAIN_FIGURES, ...APPENDIX_FIGURES, lazyRegime];

/** A figure spec by id (e.g. 'fig1'). */
export function figureById(id: string): AnyFigureSpec | undefined {
  return ALL_FIGURES.find((f) => f.id === id);
}

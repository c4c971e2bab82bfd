/** Every figure the report knows, main text then appendix, by id. */
import type { AnyFigureSpec } from './figure.js';
import { MAIN_FIGURES } from './figures/index.js';
import { APPENDIX_FIGURES } from './figures/appendix.js';

export const ALL_FIGURES: readonly AnyFigureSpec[] = [...MAIN_FIGURES, ...APPENDIX_FIGURES];

/** A figure spec by id (e.g. 'fig1'). */
export function figureById(id: string): AnyFigureSpec | undefined {
  return ALL_FIGURES.find((f) => f.id === id);
}

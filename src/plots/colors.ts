/**
 * One color per optimizer, the same in every figure. Variants of an optimizer
 * (`'gn (half-coupling)'`, `'adam+wd'`, ...) keep a related color; unknown names get a color from a
 * fixed palette chosen by a stable hash of the name, so they too are consistent across figures.
 */

/** Colors of the optimizers and variants the notebooks use. Keys are lower case. */
export const OPTIMIZER_COLORS: Readonly<Record<string, string>> = Object.freeze({
  gn: '#d62728',
  'gn (corrected)': '#d62728',
  'gn (half-coupling)': '#ff7f0e',
  'gn (damped)': '#e377c2',
  'gn (truncated)': '#8c564b',
  'gn (noise)': '#bcbd22',
  'gn+wd': '#9467bd',
  adam: '#1f77b4',
  'adam+wd': '#17becf',
  sgd: '#2ca02c',
  'adam->gn': '#7f7f7f',
  'gn->adam': '#393b79',
});

/**
 * Colors for names that are neither an optimizer nor one of its variants: `panelGrid` hands them
 * out in order of first appearance in a figure (so they differ), `colorFor` by a stable hash.
 */
export const FALLBACK_PALETTE: readonly string[] = Object.freeze([
  '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#ff7f0e', '#393b79', '#637939', '#843c39',
]);

/** True when the name is an optimizer or a variant of one (it has a fixed color). */
export function isOptimizerName(name: string): boolean {
  const key = name.trim().toLowerCase();
  return OPTIMIZER_COLORS[key] !== undefined || baseOptimizer(key) !== null;
}

const BASES = ['gn', 'adam', 'sgd'] as const;

/** The base optimizer of a variant name (`'gn (half-coupling)'` -> `'gn'`), or null. */
export function baseOptimizer(name: string): string | null {
  const key = name.trim().toLowerCase();
  for (const base of BASES) {
    if (key === base || (key.startsWith(base) && /^[\s(+\-_/:,.\[]/.test(key.slice(base.length)))) return base;
  }
  return null;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * The color of a series name: an exact entry of {@link OPTIMIZER_COLORS} (case-insensitive), else
 * its base optimizer's color, else a palette color picked by a stable hash.
 *
 * @example
 * colorFor('GN');                 // '#d62728'
 * colorFor('gn (lr 0.01)');       // '#d62728' (variant of gn)
 * colorFor('my-run') === colorFor('my-run'); // true
 */
export function colorFor(name: string): string {
  const key = name.trim().toLowerCase();
  const exact = OPTIMIZER_COLORS[key];
  if (exact !== undefined) return exact;
  const base = baseOptimizer(key);
  if (base !== null) return OPTIMIZER_COLORS[base] as string;
  return FALLBACK_PALETTE[hash(key) % FALLBACK_PALETTE.length] as string;
}

/**
 * The line dash of a series name: solid for an optimizer or a listed variant, dashed for an
 * unlisted variant (so `'gn (lr 0.01)'` is told apart from `'gn'`).
 *
 * @example
 * dashFor('adam');          // 'solid'
 * dashFor('adam (lr 1e-3)'); // 'dash'
 */
export function dashFor(name: string): 'solid' | 'dash' {
  const key = name.trim().toLowerCase();
  if (OPTIMIZER_COLORS[key] !== undefined) return 'solid';
  return baseOptimizer(key) === null ? 'solid' : 'dash';
}

/**
 * `#rrggbb` to `rgba(r,g,b,alpha)` (for shaded bands).
 *
 * @example
 * withAlpha('#d62728', 0.2); // 'rgba(214,39,40,0.2)'
 */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (m === null) return color;
  const v = parseInt(m[1] as string, 16);
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${alpha})`;
}

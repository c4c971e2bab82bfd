/** The Plotly.js bundle (plotly.js-dist-min), read once from node_modules and inlined into HTML. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ExactGnError } from '../util/errors.js';

/** Attribute on the one `<script>` that defines `window.Plotly`; its value is the Plotly version. */
export const PLOTLY_SCRIPT_ATTR = 'data-exact-gn-plotly';

let cached: { source: string; version: string } | null = null;

function load(): { source: string; version: string } {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  let file: string;
  let version = 'unknown';
  try {
    file = require.resolve('plotly.js-dist-min');
    version = (require('plotly.js-dist-min/package.json') as { version?: string }).version ?? version;
  } catch (e) {
    throw new ExactGnError('E_PLOTLY', `cannot find plotly.js-dist-min (${(e as Error).message.split('\n')[0]}); install it: npm install plotly.js-dist-min`);
  }
  // A literal "</script" would end the inline <script> early; "<\/script" means the same in JS.
  const source = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  cached = { source, version };
  return cached;
}

/**
 * The Plotly.js source, safe to put inside an inline `<script>`.
 *
 * @example
 * plotlySource().length > 1_000_000; // true (about 4.8 MB)
 */
export function plotlySource(): string {
  return load().source;
}

/**
 * Version of the bundled Plotly.js.
 *
 * @example
 * plotlyVersion(); // '4.1.2'
 */
export function plotlyVersion(): string {
  return load().version;
}

/**
 * An inline `<script>` that defines `window.Plotly` unless the page already has it (so showing it
 * twice, or in two notebooks on one page, is harmless).
 *
 * @example
 * const head = `<head>${plotlyScriptTag()}</head>`;
 */
export function plotlyScriptTag(): string {
  const { source, version } = load();
  return `<script type="text/javascript" ${PLOTLY_SCRIPT_ATTR}="${version}">\nif (typeof window.Plotly === "undefined") {\n${source}\n}\n</script>\n`;
}

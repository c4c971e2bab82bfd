/**
 * Builds the committed notebooks from their TypeScript sources, and checks that they agree.
 *
 *   npx tsx scripts/notebooks.ts build [notebooks/src/x.ts ...]   # write notebooks/x.ipynb (no outputs)
 *   npx tsx scripts/notebooks.ts check                           # exit 1 when any notebook and its source differ
 *   npx tsx scripts/notebooks.ts pull notebooks/x.ipynb [...]    # write notebooks/src/x.ts from a notebook
 *                                                                # (edited in Jupyter: cells kept, outputs dropped)
 *
 * Every notebook notebooks/<name>.ipynb has exactly one source notebooks/src/<name>.ts, in
 * jupytext's percent format (scripts/notebook-source.ts). The sources are type-checked by
 * `tsc -p tsconfig.test.json`; `check` runs in the test suite, so a notebook edited without its
 * source (or the other way round) fails CI. After editing a source: `build`, then commit both.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotebookSourceError, firstDifference, fromIpynb, parseSource, toIpynb, toSource } from './notebook-source.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NB_DIR = join(ROOT, 'notebooks');
const SRC_DIR = join(NB_DIR, 'src');

function fail(message: string): never {
  console.error(`notebooks: ${message}`);
  process.exit(2);
}

const rel = (p: string): string => relative(process.cwd(), p) || p;
const notebookOf = (src: string): string => join(NB_DIR, `${basename(src, '.ts')}.ipynb`);
const sourceOf = (nb: string): string => join(SRC_DIR, `${basename(nb, '.ipynb')}.ts`);

function listSources(): string[] {
  return existsSync(SRC_DIR) ? readdirSync(SRC_DIR).filter((f) => f.endsWith('.ts')).sort().map((f) => join(SRC_DIR, f)) : [];
}

function listNotebooks(): string[] {
  return readdirSync(NB_DIR).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(NB_DIR, f));
}

/** The notebook JSON a source file builds to; exits with the file and line on a format error. */
function render(src: string): string {
  let cells;
  try {
    cells = parseSource(readFileSync(src, 'utf8'));
  } catch (e) {
    if (e instanceof NotebookSourceError) fail(`${rel(src)}:${e.line}: ${e.message.replace(/^line \d+: /, '')}`);
    throw e;
  }
  return toIpynb(cells, `${basename(src, '.ts')}.ipynb`);
}

function build(files: string[]): void {
  const sources = files.length > 0 ? files.map((f) => resolve(f)) : listSources();
  if (sources.length === 0) fail(`no sources in ${rel(SRC_DIR)}`);
  let written = 0;
  for (const src of sources) {
    if (!existsSync(src)) fail(`no such source: ${rel(src)}`);
    if (resolve(dirname(src)) !== SRC_DIR) fail(`${rel(src)} is not in ${rel(SRC_DIR)}; notebook sources live there`);
    const nb = notebookOf(src);
    const json = render(src);
    if (existsSync(nb) && readFileSync(nb, 'utf8') === json) continue;
    writeFileSync(nb, json);
    written++;
    console.log(`wrote ${rel(nb)}`);
  }
  console.log(`notebooks: ${sources.length} source(s), ${written} notebook(s) written, ${sources.length - written} unchanged`);
}

function check(): void {
  const problems: string[] = [];
  const sources = listSources();
  for (const src of sources) {
    const nb = notebookOf(src);
    if (!existsSync(nb)) {
      problems.push(`${rel(src)} has no notebook ${rel(nb)}; run: npx tsx scripts/notebooks.ts build`);
      continue;
    }
    const diff = firstDifference(render(src), readFileSync(nb, 'utf8'));
    if (diff !== null) problems.push(`${rel(nb)} differs from its source ${rel(src)}: ${diff}. Edit the source and run npx tsx scripts/notebooks.ts build (or, to keep edits made in Jupyter, npx tsx scripts/notebooks.ts pull ${rel(nb)})`);
  }
  for (const nb of listNotebooks()) {
    if (!existsSync(sourceOf(nb))) problems.push(`${rel(nb)} has no source ${rel(sourceOf(nb))}; create it with: npx tsx scripts/notebooks.ts pull ${rel(nb)}`);
  }
  for (const p of problems) console.error(`FAIL ${p}`);
  console.log(`notebook sources: ${sources.length - problems.filter((p) => !p.includes('has no source')).length} in sync, ${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}

function pull(files: string[]): void {
  if (files.length === 0) fail('pull needs one or more notebooks/*.ipynb');
  for (const f of files) {
    const nb = resolve(f);
    if (!existsSync(nb)) fail(`no such notebook: ${rel(nb)}`);
    let source: string;
    try {
      source = toSource(fromIpynb(readFileSync(nb, 'utf8')));
    } catch (e) {
      fail(`${rel(nb)}: ${(e as Error).message}`);
    }
    const src = sourceOf(nb);
    writeFileSync(src, source);
    console.log(`wrote ${rel(src)}`);
    const again = toIpynb(parseSource(source), basename(nb));
    if (firstDifference(again, readFileSync(nb, 'utf8')) !== null) {
      console.log(`  note: ${rel(nb)} will change when rebuilt (ids, outputs or metadata are normalized): run npx tsx scripts/notebooks.ts build`);
    }
  }
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'build') build(rest);
else if (cmd === 'check') {
  if (rest.length > 0) fail('check takes no arguments (it checks every notebook and source)');
  check();
} else if (cmd === 'pull') pull(rest);
else fail(`usage: npx tsx scripts/notebooks.ts build [notebooks/src/x.ts ...] | check | pull notebooks/x.ipynb ...${cmd === undefined ? '' : ` (got ${JSON.stringify(cmd)})`}`);

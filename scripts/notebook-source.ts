/**
 * Notebook sources: a notebook written as one TypeScript file in jupytext's "percent" format, and
 * the converter between it and the committed `.ipynb` (nbformat 4.5, tslab kernel, no outputs).
 * Pure functions; scripts/notebooks.ts does the file I/O.
 *
 * The format (a cell starts at a marker line; the first marker may be preceded only by blank lines):
 *
 *   // %% [markdown]
 *   // # A title
 *   //
 *   // Markdown lines are `// ` comments (a bare `//` is a blank line).
 *
 *   // %%
 *   const x = 1;              // a code cell: the lines as they are
 *
 *   // %% tags=["figure"]
 *   show(fig);                // cell metadata as key=JSON pairs after the marker
 *
 * Blank lines around a cell's content belong to no cell (one blank line separates cells). A code
 * line that would read as a marker (`// %%` at the start of a line) cannot be represented and is an
 * error, as is a markdown line that is not a `//` comment. Cell ids are derived from the file name
 * and the cell's position (`<stem>-<index>`), so they are stable and never hand-edited.
 */

/** A cell of a source file: its kind, text (no surrounding blank lines), tags and line number. */
export interface SourceCell {
  kind: 'markdown' | 'code';
  source: string;
  tags: string[];
  /** 1-based line of the cell's marker in the source file. */
  line: number;
}

/** An nbformat 4 cell as the committed notebooks hold it (key order as written). */
export interface IpynbCell {
  cell_type: 'markdown' | 'code';
  execution_count?: null;
  metadata: { tags?: string[] };
  outputs?: never[];
  source: string[];
  id: string;
}

/** Notebook-level metadata of every committed notebook: the tslab kernel. */
export const NOTEBOOK_METADATA = {
  kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
  language_info: {
    codemirror_mode: { name: 'javascript', typescript: true },
    file_extension: '.ts',
    mimetype: 'text/typescript',
    name: 'typescript',
  },
} as const;

const MARKER = /^\/\/ %%(.*)$/;

/** A source-file problem with its line number (`file:line: message` once the file is known). */
export class NotebookSourceError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'NotebookSourceError';
  }
}

/** Parses the text after `// %%`: an optional `[markdown]`, then `key=JSON` pairs (only `tags` is used). */
function parseMarker(rest: string, line: number): { kind: 'markdown' | 'code'; tags: string[] } {
  let s = rest.trim();
  let kind: 'markdown' | 'code' = 'code';
  if (s.startsWith('[markdown]') || s.startsWith('[md]')) {
    kind = 'markdown';
    s = s.slice(s.indexOf(']') + 1).trim();
  } else if (s.startsWith('[')) {
    throw new NotebookSourceError(line, `unknown cell type ${s.slice(0, s.indexOf(']') + 1) || s}; use "// %%" (code) or "// %% [markdown]"`);
  }
  let tags: string[] = [];
  if (s !== '') {
    const m = /^tags=(\[.*\])$/.exec(s);
    let parsed: unknown;
    try {
      parsed = m === null ? undefined : JSON.parse(m[1] as string);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string')) {
      throw new NotebookSourceError(line, `cannot read the cell options ${JSON.stringify(s)}; the only option is tags=["a", "b"] (a JSON array of strings)`);
    }
    tags = parsed as string[];
  }
  return { kind, tags };
}

/** Drops blank lines at the start and end. */
function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] as string).trim() === '') a++;
  while (b > a && (lines[b - 1] as string).trim() === '') b--;
  return lines.slice(a, b);
}

/**
 * The cells of a percent-format source.
 *
 * @example
 * parseSource('// %% [markdown]\n// # Hi\n\n// %%\nconst x = 1;\n');
 * // [{ kind: 'markdown', source: '# Hi', tags: [], line: 1 }, { kind: 'code', source: 'const x = 1;', tags: [], line: 4 }]
 */
export function parseSource(text: string): SourceCell[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cells: SourceCell[] = [];
  let current: { kind: 'markdown' | 'code'; tags: string[]; line: number; body: string[] } | null = null;
  const flush = (): void => {
    if (current === null) return;
    const c = current;
    let a = 0;
    while (a < c.body.length && (c.body[a] as string).trim() === '') a++;
    const body = trimBlank(c.body.slice(a));
    const source = c.kind === 'code' ? body : body.map((l, k) => uncomment(l, c.line + 1 + a + k));
    cells.push({ kind: c.kind, source: source.join('\n'), tags: c.tags, line: c.line });
  };
  lines.forEach((l, i) => {
    const m = MARKER.exec(l);
    if (m !== null) {
      flush();
      current = { ...parseMarker(m[1] as string, i + 1), line: i + 1, body: [] };
      return;
    }
    if (current === null) {
      if (l.trim() !== '') throw new NotebookSourceError(i + 1, 'text before the first cell marker; start the file with "// %% [markdown]" or "// %%"');
      return;
    }
    current.body.push(l);
  });
  flush();
  if (cells.length === 0) throw new NotebookSourceError(1, 'no cells: a notebook source needs at least one "// %%" marker');
  return cells;
}

function uncomment(line: string, lineNo: number): string {
  if (line === '//') return '';
  if (line.startsWith('// ')) return line.slice(3);
  throw new NotebookSourceError(lineNo, `a markdown line must be a "// " comment (or a bare "//"), got ${JSON.stringify(line.slice(0, 60))}`);
}

/** The id stem of a notebook file name, as the committed notebooks use it: `01-figure1-full-batch`. */
export function idStem(fileName: string): string {
  const base = (fileName.split('/').pop() as string).split('.')[0] as string;
  return base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
}

/** Jupyter's line list: every line but the last keeps its "\n". */
function toLines(source: string): string[] {
  const lines = source.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l));
}

/** The committed notebook (JSON text, outputs empty) of a source's cells. */
export function toIpynb(cells: readonly SourceCell[], fileName: string): string {
  const stem = idStem(fileName);
  const out: IpynbCell[] = cells.map((c, i) => {
    const metadata = c.tags.length > 0 ? { tags: [...c.tags] } : {};
    return c.kind === 'markdown'
      ? { cell_type: 'markdown', metadata, source: toLines(c.source), id: `${stem}-${i}` }
      : { cell_type: 'code', execution_count: null, metadata, outputs: [], source: toLines(c.source), id: `${stem}-${i}` };
  });
  const nb = { cells: out, metadata: NOTEBOOK_METADATA, nbformat: 4, nbformat_minor: 5 };
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** A notebook's cells as source cells (outputs dropped); for porting a notebook to a source once. */
export function fromIpynb(json: string): SourceCell[] {
  const nb = JSON.parse(json) as { cells?: { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }[] };
  if (!Array.isArray(nb.cells)) throw new Error('not a notebook: no "cells" array');
  return nb.cells.map((c, i) => {
    if (c.cell_type !== 'markdown' && c.cell_type !== 'code') throw new Error(`cell ${i + 1} is a ${c.cell_type} cell; only markdown and code cells are supported`);
    const source = Array.isArray(c.source) ? c.source.join('') : c.source;
    return { kind: c.cell_type, source, tags: [...(c.metadata?.tags ?? [])], line: 0 };
  });
}

/**
 * The percent-format source of cells. Throws when a cell cannot be represented: a code line that
 * reads as a marker, or blank lines around a cell's text (the format drops them).
 */
export function toSource(cells: readonly SourceCell[]): string {
  const parts = cells.map((c, i) => {
    const lines = c.source.split('\n');
    if (c.source !== trimBlank(lines).join('\n')) throw new Error(`cell ${i + 1}: starts or ends with a blank line, which the source format drops`);
    const marker = `// %%${c.kind === 'markdown' ? ' [markdown]' : ''}${c.tags.length > 0 ? ` tags=${JSON.stringify(c.tags)}` : ''}`;
    if (c.kind === 'code') {
      const bad = lines.findIndex((l) => MARKER.test(l));
      if (bad >= 0) throw new Error(`cell ${i + 1}, line ${bad + 1}: a code line starting with "// %%" would read as a cell marker`);
      return [marker, ...lines].join('\n');
    }
    return [marker, ...lines.map((l) => (l === '' ? '//' : `// ${l}`))].join('\n');
  });
  return `${parts.join('\n\n')}\n`;
}

/** JSON with object keys sorted, so that key order (which Jupyter may change on save) does not count. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

/**
 * Where two notebooks first differ, in words; null when they hold the same content (formatting
 * and key order aside).
 */
export function firstDifference(expected: string, actual: string): string | null {
  if (expected === actual) return null;
  let a: { cells?: { source?: string | string[]; cell_type?: string }[] };
  let b: typeof a;
  try {
    a = JSON.parse(expected) as typeof a;
    b = JSON.parse(actual) as typeof a;
  } catch {
    return 'the notebook is not valid JSON';
  }
  if (canonical(a) === canonical(b)) return null;
  const ca = a.cells ?? [];
  const cb = b.cells ?? [];
  const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === undefined) return `the notebook has an extra cell ${i + 1}`;
    if (y === undefined) return `the notebook lacks cell ${i + 1} (${x.cell_type}: ${join(x.source).split('\n')[0]?.slice(0, 60)})`;
    if (canonical(x) !== canonical(y)) {
      const lx = join(x.source).split('\n');
      const ly = join(y.source).split('\n');
      const k = lx.findIndex((l, j) => l !== ly[j]);
      const at = k < 0 ? (lx.length !== ly.length ? lx.length : -1) : k;
      return at < 0
        ? `cell ${i + 1} differs in its type, id, metadata or outputs`
        : `cell ${i + 1}, line ${at + 1}: source has ${JSON.stringify(lx[at] ?? '(no line)')}, notebook has ${JSON.stringify(ly[at] ?? '(no line)')}`;
    }
  }
  return 'the notebook differs outside its cells (metadata, format or whitespace)';
}

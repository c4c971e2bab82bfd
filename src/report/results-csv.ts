/**
 * Committed results tables (results/<figure>-<what>-<profile>.csv, in the tidy format of
 * ./table.ts, written by scripts/export-results.ts) for runs too long for CI, e.g. Figure 1's MNIST
 * half in the paper profile. The report and the notebooks draw and judge them with the same figure
 * functions as live runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable, type TidyRow } from './table.js';

/** The repository's results/ folder (next to dist/ or src/). */
export function resultsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');
}

/** The '# ...' comment lines at the top of a results table file, without the '# '. */
export function tableNotes(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
}

/** A committed table: its file, the figure and profile its name gives, its comment lines, and its rows. */
export interface CommittedTable {
  path: string;
  /** 'fig1' from 'fig1-mnist-paper.csv'. */
  figure: string;
  /** 'paper' from 'fig1-mnist-paper.csv' (the last part of the name). */
  profile: string;
  /** The '# ...' lines at the top of the file (how it was made, what is partial). */
  notes: string[];
  table: TidyRow[];
}

/**
 * The committed tables of a figure (all figures when `figure` is omitted), sorted by file name;
 * none when the folder is absent.
 *
 * @example
 * committedTables('fig1')[0]?.table.length; // rows of results/fig1-mnist-paper.csv
 */
export function committedTables(figure?: string, dir = resultsDir()): CommittedTable[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv') && (figure === undefined || f.startsWith(`${figure}-`)))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const parts = f.replace(/\.csv$/, '').split('-');
      return { path, figure: parts[0]!, profile: parts.at(-1)!, notes: tableNotes(path), table: readTable(path) };
    });
}

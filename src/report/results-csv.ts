/**
 * Committed results tables (results/*.csv, written by scripts/export-results.ts) for runs too long
 * for CI, e.g. Figure 1's MNIST half in the paper profile. Notebooks and the report draw from them
 * when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figureFromRows, type ResultRow } from '../plots/rows.js';
import type { Figure } from '../plots/types.js';
import { DataError } from '../util/errors.js';

/** The repository's results/ folder (next to dist/ or src/). */
export function resultsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');
}

/** Parses a small CSV with a header line; numeric fields become numbers. */
export function readResultsCsv(path: string): ResultRow[] {
  if (!existsSync(path)) throw new DataError('no such results table (regenerate it with the command in results/README.md)', path);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  if (header.length < 2) throw new DataError('not a results table: the first line must name the columns', path);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new DataError(`line ${i + 2} has ${cells.length} fields, expected ${header.length}`, path);
    return Object.fromEntries(header.map((h, j) => {
      const c = cells[j]!;
      const n = Number(c);
      return [h, c !== '' && Number.isFinite(n) ? n : c];
    }));
  });
}

/** Figure 1 (MNIST, paper profile) from results/fig1-mnist-paper.csv, or null when the file is absent. */
export function paperFigure1Mnist(path = join(resultsDir(), 'fig1-mnist-paper.csv')): { figure: Figure; rows: ResultRow[]; caption: string } | null {
  if (!existsSync(path)) return null;
  const rows = readResultsCsv(path);
  const partial = [...new Set(rows.filter((r) => r.status === 'partial').map((r) => String(r.optimizer)))];
  const seeds = [...new Set(rows.map((r) => r.seed))].join(', ');
  return {
    rows,
    figure: figureFromRows(rows, {
      x: 'step', y: ['train_loss', 'train_acc'], groupBy: 'optimizer', seedKey: 'seed', logY: ['train_loss'], groupOrder: ['gn', 'adam', 'sgd'],
      yTitles: { train_loss: 'training loss', train_acc: 'training accuracy' }, xTitle: 'step (= epoch)',
      title: 'Figure 1, MNIST, paper profile (h = 8000, first 1024 images, 100 steps)', name: 'fig1-mnist-paper',
    }),
    caption: `From ${path}: paper settings, seeds ${seeds}, GN rule block.${partial.length ? ` Runs still unfinished when the table was written: ${partial.join(', ')} (their curves stop early; resume them with scripts/paper-fig1-mnist.sh).` : ''}`,
  };
}

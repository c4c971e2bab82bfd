/**
 * Committed results tables (results/*.csv, written by scripts/export-results.ts) for runs too long
 * for CI, e.g. Figure 1's MNIST half in the paper profile. Notebooks and the report draw from them
 * when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figureFromRows, type ResultRow } from '../plots/rows.js';
import { pointStats } from '../plots/stats.js';
import type { Figure } from '../plots/types.js';
import { DataError } from '../util/errors.js';
import { firstBelow, mean, type Finding } from './figure.js';
import { fmt } from './figures/shared.js';

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

/** Optimizers of the Figure 1 table, in drawing order. */
const FIG1_OPTIMIZERS = ['gn', 'adam', 'sgd'] as const;

/** Seeds' mean ± population std of the finite values, e.g. '0.195 ± 0.004'; 'n/a' when none. */
function meanStd(v: readonly number[], digits = 3): string {
  const { mean: [m], std: [s], count: [n] } = pointStats(v.map((x) => [x]), 1);
  if (n === 0) return 'n/a';
  return n === 1 ? String(fmt(m!, digits)) : `${fmt(m!, digits)} ± ${fmt(s!, 2)}`;
}

/**
 * Sorted integer steps as ranges, e.g. [1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10'; 'none' when empty.
 *
 * @example
 * stepRanges([1, 91, 92, 93]); // '1, 91-93'
 */
export function stepRanges(steps: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j + 1 < steps.length && steps[j + 1] === steps[j]! + 1) j++;
    parts.push(j === i ? String(steps[i]) : `${steps[i]}-${steps[j]}`);
    i = j + 1;
  }
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * "What we see" in the committed Figure 1 paper-profile table, computed from its rows (per
 * optimizer, mean ± std over the seeds present): training loss at matched steps, steps until the
 * training loss is 10x below its initial value and until 100% training accuracy, final test
 * accuracy, how long GN's loss stays the lowest, and whether GN reaches a lower full-batch training
 * loss far sooner (the 10x reduction in at most half the steps of Adam and SGD).
 *
 * @example
 * const f = paperFigure1Findings(readResultsCsv('results/fig1-mnist-paper.csv'));
 * f.find((x) => x.claim)?.holds; // true when GN gets there far sooner
 */
export function paperFigure1Findings(rows: readonly ResultRow[]): Finding[] {
  const opts = FIG1_OPTIMIZERS.filter((o) => rows.some((r) => r.optimizer === o));
  const byOpt = new Map(opts.map((o) => [o as string, rows.filter((r) => r.optimizer === o)]));
  const of = (o: string) => byOpt.get(o) ?? [];
  const seedsOf = (o: string) => [...new Set(of(o).map((r) => r.seed))];
  const at = (o: string, step: number, col: string) =>
    seedsOf(o).map((s) => of(o).find((r) => r.seed === s && r.step === step)?.[col]).map((v) => (typeof v === 'number' ? v : NaN));
  const lastStep = (o: string) => Math.min(...seedsOf(o).map((s) => Math.max(...of(o).filter((r) => r.seed === s).map((r) => Number(r.step)))));
  const perOpt = (f: (o: string) => number | string) => Object.fromEntries(opts.map((o) => [o, f(o)]));
  const findings: Finding[] = [];
  findings.push({
    label: 'runs (seeds, steps reached, status)',
    values: perOpt((o) => `${seedsOf(o).length} seed(s) [${seedsOf(o).join(', ')}], step ${lastStep(o)}${of(o).some((r) => r.status === 'partial') ? ', partial' : ''}`),
  });
  if (opts.length === 0) return findings;
  const matched = Math.min(...opts.map(lastStep));
  for (const step of [10, 25, 50].filter((s) => s < matched)) {
    findings.push({ label: `training loss at step ${step}`, values: perOpt((o) => meanStd(at(o, step, 'train_loss'))) });
  }
  const others = opts.filter((o) => o !== 'gn');
  findings.push({ label: `training loss at step ${matched} (the last step every run reached)`, values: perOpt((o) => meanStd(at(o, matched, 'train_loss'))) });
  if (opts.includes('gn') && others.length > 0) {
    // Where the seed-mean curves cross: the steps at which each rival is below GN, and GN's lead.
    const loss = (o: string, s: number) => mean(at(o, s, 'train_loss'));
    const range = Array.from({ length: matched }, (_, i) => i + 1);
    const below = Object.fromEntries(others.map((o) => [o, range.filter((s) => loss(o, s) < loss('gn', s))]));
    const lowest = range.filter((s) => others.every((o) => !below[o]!.includes(s)));
    findings.push({
      label: `steps (of 1-${matched}) at which GN has the lowest training loss, and at which each rival is below GN`,
      values: perOpt((o) => (o === 'gn' ? `${lowest.length} steps: ${stepRanges(lowest)}` : `below GN at ${stepRanges(below[o]!)}`)),
    });
  }
  const init = mean(opts.flatMap((o) => at(o, 0, 'train_loss')));
  const steps = perOpt((o) => firstBelow(of(o), 'step', 'train_loss', init / 10)) as Record<string, number>;
  const gnSteps = steps.gn ?? NaN;
  findings.push({
    label: `steps until the seed-mean training loss is 10x below its initial value (${fmt(init / 10, 3)})`,
    values: perOpt((o) => (Number.isFinite(steps[o]!) ? steps[o]! : `not reached by step ${lastStep(o)}`)),
    claim: 'GN gets there far sooner (at most half the steps of Adam and SGD)',
    holds: Number.isFinite(gnSteps) && others.every((o) => !(steps[o]! < 2 * gnSteps) && (Number.isFinite(steps[o]!) || lastStep(o) >= 2 * gnSteps)),
  });
  findings.push({
    label: 'first step with 100% training accuracy (seed mean)',
    values: perOpt((o) => {
      const s = firstBelow(of(o).map((r) => ({ ...r, miss: 1 - Number(r.train_acc) })), 'step', 'miss', 0);
      return Number.isFinite(s) ? s : `not by step ${lastStep(o)}`;
    }),
  });
  findings.push({ label: 'test accuracy at each run\'s last step', values: perOpt((o) => meanStd(seedsOf(o).map((s) => Number(of(o).filter((r) => r.seed === s).at(-1)?.test_acc)), 4)) });
  return findings;
}

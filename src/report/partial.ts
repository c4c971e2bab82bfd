/**
 * The `partial:` comment lines of a committed results table: one per run of the figure that the
 * table lacks or has unfinished, written by scripts/export-results.ts --allow-partial and read by
 * the claims table (a table with such lines is "partly run") and by the merge of a new export with
 * the previous table (./committed.ts).
 *   'MNIST/sgd/42 (not started; produce it with: node bin/exact-gn.js run ...)'
 *   'MNIST/gn (half-coupling)/42 (120 rows; resume with: node bin/exact-gn.js run ...)'
 */

/** The line of a run not in the runs folder. */
export function notStartedLine(runId: string, produce: string): string {
  return `${runId} (not started; produce it with: ${produce})`;
}

/** The line of an unfinished run whose `rows` event rows so far are in the table. */
export function unfinishedLine(runId: string, rows: number, produce: string): string {
  return `${runId} (${rows} rows; resume with: ${produce})`;
}

/**
 * The run id of a partial line, with or without its 'partial: ' prefix (a line of another shape is
 * returned whole).
 *
 * @example
 * partialRunId('partial: MNIST/gn (half-coupling)/42 (120 rows; resume with: ...)'); // 'MNIST/gn (half-coupling)/42'
 */
export function partialRunId(line: string): string {
  const text = line.replace(/^partial:\s*/, '');
  return /^(.*?) \((?:not started|\d+ rows);/.exec(text)?.[1] ?? text;
}

const PREFIX = 'partial: ';

/** A partial line as the table's comment line (with its 'partial: ' prefix). */
export function partialNote(line: string): string {
  return `${PREFIX}${line}`;
}

/** The partial lines (without the prefix) among a table's comment lines. */
export function partialNotes(notes: readonly string[]): string[] {
  return notes.filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length));
}

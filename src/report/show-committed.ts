/**
 * For notebooks: draws and judges every committed results table of some figures (results/*.csv,
 * e.g. the medium profile's) with the figures' own functions, and shows them in the cell.
 */
import { show, showTable } from '../plots/notebook.js';
import { figureById } from './catalog.js';
import { judgeCommitted } from './committed.js';
import { findingTable } from './figure.js';
import { committedTables } from './results-csv.js';

/**
 * Shows the committed tables of `ids` (figures and findings); says so when there is none yet.
 * Returns how many tables it showed.
 *
 * @example
 * showCommittedTables(['fig2'], 'Figure 2, mini-batch saturation');
 */
export function showCommittedTables(ids: readonly string[], what: string, dir?: string): number {
  let n = 0;
  for (const id of ids) {
    const spec = figureById(id);
    if (spec === undefined) throw new Error(`unknown figure ${JSON.stringify(id)}`);
    const tables = committedTables(id, dir);
    if (tables.length === 0) console.log(`${what} (${id}): no committed table yet (results/README.md says how to make one)`);
    for (const c of tables) {
      const judged = judgeCommitted(spec, c.table, c.profile);
      console.log(`${what}: ${c.path.split(/[\\/]/).at(-1)} (${c.profile} profile). ${c.notes.join(' ')}`);
      for (const d of judged.figures) show(d.figure, { name: `${d.name}-${c.profile}` });
      showTable(findingTable(judged.findings));
      n++;
    }
  }
  return n;
}

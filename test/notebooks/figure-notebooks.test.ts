// The figure notebooks tell their experiments (issue 15): each quotes its claim from docs/paper.md,
// runs through the runner into the tidy table, offers the DataFrame view, draws from the table and
// calls the findings functions; and no two are one template with the figure's name swapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const NOTEBOOKS = [
  '01-figure1-full-batch', '02-figure2-mini-batch', '03-figure3-per-batch-loss-change', '04-figure4-ntk-and-cka', '05-figure5-no-bottleneck',
  '10-appendix-longer-training-and-switching', '11-appendix-gn-hyperparameters-and-regularization', '12-appendix-weights-cka-test-accuracy',
  '13-appendix-update-rules', '14-beyond-exact-vs-approximate-gn',
];
const source = (name: string) => readFileSync(new URL(`../../notebooks/src/${name}.ts`, import.meta.url), 'utf8');
const paper = readFileSync(new URL('../../docs/paper.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

/** Code cells, with figure names replaced, so that a swapped name still counts as the same cell. */
function codeCells(text: string): string[] {
  return text.split(/^\/\/ %%.*$/m).map((c) => c.trim()).filter((c) => c !== '' && !c.startsWith('//')).map((c) => c.replace(/fig\d|appendix[A-Z]\w*/g, 'FIG'));
}

for (const name of NOTEBOOKS) {
  test(`${name}: quotes its claim from docs/paper.md and goes runs -> table -> figure -> findings`, () => {
    const text = source(name);
    const quotes = [...text.matchAll(/^\/\/ > (.*)$/gm)].map((m) => m[1]!.replace(/\[\.\.\.\]/g, '').trim()).filter((q) => q.length > 20);
    assert.ok(quotes.length > 0, 'a quoted claim');
    for (const q of quotes) for (const piece of q.split(/\s{2,}|\[\.\.\.\]/)) assert.ok(paper.includes(piece.trim()), `quoted from docs/paper.md: ${JSON.stringify(piece)}`);
    // The runner: notebook 1 spells out the loop (runExperiment, tidyRows); the others call the library's runFigure, which runs it.
    assert.ok(text.includes('runFigure(') || (text.includes('runExperiment(') && text.includes('tidyRows(')), `${name} trains through the runner (runFigure, or runExperiment and tidyRows)`);
    for (const call of ['tableFrame(', '.settings(options)', '.deviations(options']) assert.ok(text.includes(call), `${name} calls ${call}`);
    assert.match(text, /Findings\(|findings\(/, 'the findings functions');
  });
}

test('no two figure notebooks share more than the settings and deviations cells', () => {
  for (let i = 0; i < NOTEBOOKS.length; i++) {
    for (let j = i + 1; j < NOTEBOOKS.length; j++) {
      const a = new Set(codeCells(source(NOTEBOOKS[i]!)));
      const shared = codeCells(source(NOTEBOOKS[j]!)).filter((c) => a.has(c));
      assert.ok(shared.length <= 2, `${NOTEBOOKS[i]} and ${NOTEBOOKS[j]} share ${shared.length} code cells:\n${shared.join('\n---\n')}`);
    }
  }
});

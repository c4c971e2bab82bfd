// %% [markdown]
// # Figure 1 · Full-batch training: GN vs Adam vs SGD
//
// **Setting.** Full batch: the *first 1024* training images form a single batch, and every epoch is one step. This is
// where exact GN should shine: it solves for the function-space step exactly, so on the data it sees it should fit
// far faster than first-order methods.
//
// **What to look for.** The training loss (log scale) of GN drops by orders of magnitude in a few steps; Adam and SGD
// take many more. The accuracy panel shows the same on the training batch.
//
// This notebook runs the figure's experiments through the runner (cached and resumable: re-running a cell costs
// nothing once a run is complete), draws the panels, and ends with conclusions **computed from the results**.
// Switches: `EXACT_GN_PROFILE=quick|paper` (quick by default: sized for a CPU) and `EXACT_GN_RULE=block|half-coupling`
// (the corrected GN rule, or the paper-era one).

// %%
import { useBackend, figureOptions, findingTable, runFigure, fig1, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);
console.log(fig1.title);
console.log(`claim: ${fig1.claim}`);

// %% [markdown]
// ## Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(fig1.settings(options));

// %% [markdown]
// ## Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runs = await runFigure(fig1, options);
const analysis = fig1.analyze ? await fig1.analyze(runs) : [];

// %% [markdown]
// ## The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of fig1.draw(runs, analysis)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig1.deviations(options, runs)) console.log(`- ${d}`);

// %% [markdown]
// ## What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findings = fig1.findings(runs, analysis);
showTable(findingTable(findings));
const checked = findings.filter((f) => f.holds !== undefined);
console.log(`${checked.filter((f) => f.holds).length} of ${checked.length} checked claims hold in this run (profile ${options.profile}, rule ${options.rule}).`);
for (const f of checked.filter((f) => !f.holds)) console.log(`not shown here: ${f.claim} (${f.label})`);

// %% [markdown]
// ## The paper profile (committed results)
//
// The MNIST half of Figure 1 at the paper's settings ($h = 8000$, the first 1024 images, 100 steps) takes 8-11 minutes per optimizer and seed on a quiet 2-core CPU with the native BLAS backend (about 1.5 hours for three optimizers and three seeds), too long for CI, so its results table is committed under `results/` (regenerate it with `bash scripts/paper-fig1-mnist.sh`). It is drawn here when present.

// %% tags=["figure"]
import { paperFigure1Findings, paperFigure1Mnist } from "exact-gn";
const paper = paperFigure1Mnist();
if (paper === null) console.log("results/fig1-mnist-paper.csv is not present: run bash scripts/paper-fig1-mnist.sh");
else {
  console.log(paper.caption);
  show(paper.figure, { name: "fig1-mnist-paper" });
  // What we see, computed from the table (mean ± std over the seeds it holds).
  const paperFindings = paperFigure1Findings(paper.rows);
  showTable(findingTable(paperFindings));
  for (const f of paperFindings.filter((f) => f.holds !== undefined)) console.log(`${f.holds ? "shown" : "NOT shown"}: ${f.claim} (${f.label})`);
}

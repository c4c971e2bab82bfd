// %% [markdown]
// # Figure 3 · Per-batch loss change: GN overfits each batch
//
// **Setting.** The same runs as Figure 2 (they are loaded from the cache if notebook 02 ran). For every step we record
// the loss of the batch *before* and *right after* its own update: $100\,(L_B(\text{after}) - L_B(\text{before}))/L_B(\text{before})$.
//
// **What to look for.** GN's per-batch change stays strongly negative (each step fits its own batch) even late in
// training, when the overall losses of Figure 2 have flattened: the step overfits the batch instead of learning
// features that transfer.
//
// This notebook runs the figure's experiments through the runner (cached and resumable: re-running a cell costs
// nothing once a run is complete), draws the panels, and ends with conclusions **computed from the results**.
// Switches: `EXACT_GN_PROFILE=quick|paper` (quick by default: sized for a CPU) and `EXACT_GN_RULE=block|half-coupling`
// (the corrected GN rule, or the paper-era one).

// %%
import { useBackend, figureOptions, findingTable, runFigure, fig3, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);
console.log(fig3.title);
console.log(`claim: ${fig3.claim}`);

// %% [markdown]
// ## Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(fig3.settings(options));

// %% [markdown]
// ## Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runs = await runFigure(fig3, options);
const analysis = fig3.analyze ? await fig3.analyze(runs) : [];

// %% [markdown]
// ## The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of fig3.draw(runs, analysis)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig3.deviations(options, runs)) console.log(`- ${d}`);

// %% [markdown]
// ## What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findings = fig3.findings(runs, analysis);
showTable(findingTable(findings));
const checked = findings.filter((f) => f.holds !== undefined);
console.log(`${checked.filter((f) => f.holds).length} of ${checked.length} checked claims hold in this run (profile ${options.profile}, rule ${options.rule}).`);
for (const f of checked.filter((f) => !f.holds)) console.log(`not shown here: ${f.claim} (${f.label})`);

// %% [markdown]
// # Figure 4 · NTK and representations: lazy or not?
//
// **Setting.** Mini-batch MNIST runs of GN (the corrected *and* the paper-era rule), Adam and SGD. Their checkpoints are
// analysed on a fixed probe batch: NTK similarity to init $\cos(\Theta_0 v, \Theta_t v)$ with $\Theta v = J(J^\top v)$
// for a fixed random $v$, the NTK rate of change between consecutive checkpoints (1 − Frobenius alignment of the
// explicit empirical NTK), and linear CKA to init after the first, middle and last half-coupling.
//
// **Why it matters.** The paper's arXiv text says GN stays in the lazy regime (NTK and representations barely move);
// its revised abstract says the NTK does change. The numbers at the end of this notebook say which holds *here*, for
// each rule.
//
// This notebook runs the figure's experiments through the runner (cached and resumable: re-running a cell costs
// nothing once a run is complete), draws the panels, and ends with conclusions **computed from the results**.
// Switches: `EXACT_GN_PROFILE=quick|paper` (quick by default: sized for a CPU) and `EXACT_GN_RULE=block|half-coupling`
// (the corrected GN rule, or the paper-era one).

// %%
import { useBackend, figureOptions, findingTable, runFigure, fig4, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);
console.log(fig4.title);
console.log(`claim: ${fig4.claim}`);

// %% [markdown]
// ## Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(fig4.settings(options));

// %% [markdown]
// ## Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runs = await runFigure(fig4, options);
const analysis = fig4.analyze ? await fig4.analyze(runs) : [];

// %% [markdown]
// ## The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of fig4.draw(runs, analysis)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig4.deviations(options, runs)) console.log(`- ${d}`);

// %% [markdown]
// ## What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findings = fig4.findings(runs, analysis);
showTable(findingTable(findings));
const checked = findings.filter((f) => f.holds !== undefined);
console.log(`${checked.filter((f) => f.holds).length} of ${checked.length} checked claims hold in this run (profile ${options.profile}, rule ${options.rule}).`);
for (const f of checked.filter((f) => !f.holds)) console.log(`not shown here: ${f.claim} (${f.label})`);

// %% [markdown]
// # Figure 5 · Without the inverted bottleneck
//
// **Setting.** The RevMLP *without* the inverted bottleneck: $f(x) = W s(x) + b$ with a square $W$ on $d/2$, no $V$,
// 6 blocks, CIFAR-10 (full batch and mini-batch). Without the bottleneck, $A$ has only $d/2+1$ columns, so exactness
// needs $n \le d/2 + 1$.
//
// **What to look for.** The same trends as with the bottleneck: GN fastest on the full batch, saturating with mini-batches.
//
// This notebook runs the figure's experiments through the runner (cached and resumable: re-running a cell costs
// nothing once a run is complete), draws the panels, and ends with conclusions **computed from the results**.
// Switches: `EXACT_GN_PROFILE=quick|paper` (quick by default: sized for a CPU) and `EXACT_GN_RULE=block|half-coupling`
// (the corrected GN rule, or the paper-era one).

// %%
import { useBackend, figureOptions, findingTable, runFigure, fig5, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);
console.log(fig5.title);
console.log(`claim: ${fig5.claim}`);

// %% [markdown]
// ## Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(fig5.settings(options));

// %% [markdown]
// ## Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runs = await runFigure(fig5, options);
const analysis = fig5.analyze ? await fig5.analyze(runs) : [];

// %% [markdown]
// ## The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of fig5.draw(runs, analysis)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig5.deviations(options, runs)) console.log(`- ${d}`);

// %% [markdown]
// ## What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findings = fig5.findings(runs, analysis);
showTable(findingTable(findings));
const checked = findings.filter((f) => f.holds !== undefined);
console.log(`${checked.filter((f) => f.holds).length} of ${checked.length} checked claims hold in this run (profile ${options.profile}, rule ${options.rule}).`);
for (const f of checked.filter((f) => !f.holds)) console.log(`not shown here: ${f.claim} (${f.label})`);

// %% [markdown]
// # Appendix · Weights, representations and test accuracy
//
// Three looks at the mini-batch runs of Figure 2 (loaded from the cache when notebook 02 ran): how far each
// optimizer moves the weights of every half-coupling, how much the representation after every half-coupling changes
// (CKA to init, for all 6 CIFAR-10 blocks and both MNIST blocks), and the test accuracy with the generalization gap.
//
// Each section runs its experiments through the runner (cached and resumable; runs with the same config are shared
// with the other notebooks), draws the panels, and ends with conclusions **computed from the results**. In the quick
// profile (default) the appendix runs have the size of Figure 2's quick MNIST runs (capped at h = 512, batches of 128
// from 1024 training images, 8 epochs), so the plain GN, Adam and SGD runs are Figure 2's own and all appendix notebooks
// run in minutes on a CPU; the paper profile uses the paper's settings. Switches: `EXACT_GN_PROFILE=quick|paper` and
// `EXACT_GN_RULE=block|half-coupling`.

// %%
import { useBackend, figureOptions, findingTable, runFigure, appendixWeights, appendixCkaBlocks, appendixTestAccuracy, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Weight cosine similarity and norm ratio per half-coupling
//
// **Setting.** For every trained $W$ at the last checkpoint: $\cos(W_0, W_\text{end})$ and $|W_\text{end}|/|W_0|$ (the
// biases start at 0, so they have no cosine to init). **Why it matters.** The arXiv text reads GN as lazy (parameters
// barely move); with the small init ($10^{-3}$), any optimizer that learns must grow $W$ far beyond its init.

// %%
console.log(appendixWeights.title);
console.log(`claim: ${appendixWeights.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixWeights.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsWeights = await runFigure(appendixWeights, options);
const analysisWeights = appendixWeights.analyze ? await appendixWeights.analyze(runsWeights) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixWeights.draw(runsWeights, analysisWeights)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixWeights.deviations(options, runsWeights)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsWeights = appendixWeights.findings(runsWeights, analysisWeights);
showTable(findingTable(findingsWeights));
const checkedWeights = findingsWeights.filter((f) => f.verdict !== undefined);
console.log(`${checkedWeights.filter((f) => f.verdict === "shown").length} of ${checkedWeights.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedWeights.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## CKA to init for every block
//
// **Setting.** Linear CKA between the representation after each half-coupling at init and at each checkpoint, on a
// fixed probe batch, for every block. **What to look for.** Whether GN's representations stay closer to init than
// Adam's and SGD's in *every* block, not just the first, middle and last ones of Figure 4.

// %%
console.log(appendixCkaBlocks.title);
console.log(`claim: ${appendixCkaBlocks.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixCkaBlocks.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsCka = await runFigure(appendixCkaBlocks, options);
const analysisCka = appendixCkaBlocks.analyze ? await appendixCkaBlocks.analyze(runsCka) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixCkaBlocks.draw(runsCka, analysisCka)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixCkaBlocks.deviations(options, runsCka)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsCka = appendixCkaBlocks.findings(runsCka, analysisCka);
showTable(findingTable(findingsCka));
const checkedCka = findingsCka.filter((f) => f.verdict !== undefined);
console.log(`${checkedCka.filter((f) => f.verdict === "shown").length} of ${checkedCka.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedCka.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## Mini-batch comparison with test accuracy
//
// **Setting.** Figure 2's runs, drawn as test accuracy and the gap between test loss and training loss.
// **What to look for.** GN's final test accuracy against Adam's and SGD's, and whether it stops improving early.

// %%
console.log(appendixTestAccuracy.title);
console.log(`claim: ${appendixTestAccuracy.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixTestAccuracy.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsAcc = await runFigure(appendixTestAccuracy, options);
const analysisAcc = appendixTestAccuracy.analyze ? await appendixTestAccuracy.analyze(runsAcc) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixTestAccuracy.draw(runsAcc, analysisAcc)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixTestAccuracy.deviations(options, runsAcc)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsAcc = appendixTestAccuracy.findings(runsAcc, analysisAcc);
showTable(findingTable(findingsAcc));
const checkedAcc = findingsAcc.filter((f) => f.verdict !== undefined);
console.log(`${checkedAcc.filter((f) => f.verdict === "shown").length} of ${checkedAcc.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedAcc.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

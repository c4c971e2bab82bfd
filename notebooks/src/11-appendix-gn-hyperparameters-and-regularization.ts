// %% [markdown]
// # Appendix · GN hyperparameters and regularization
//
// Can a hyperparameter or a regularizer rescue GN's generalization? Two sweeps first: the scale of the initial weights
// (a smaller init keeps the network closer to linear for longer) and GN's learning rate (the step realizes
// $-\text{lr}\cdot L\cdot T$ in function space, so a smaller rate takes smaller function-space steps). Then regularization:
// the usual one, weight decay on the parameters, and regularizing the step itself: GN's right inverse
// $A^+ = A^\top (A A^\top)^+$ can be truncated more coarsely (rtol), damped ($(A A^\top + \lambda I)^{-1}$, Tikhonov), or
// perturbed with noise on the solved coefficients every step.
//
// Each section runs its experiments through the runner (cached and resumable; runs with the same config are shared
// with the other notebooks), draws the panels, and ends with conclusions **computed from the results**. In the quick
// profile (default) the appendix runs have the size of Figure 2's quick MNIST runs (capped at h = 512, batches of 128
// from 1024 training images, 8 epochs), so the plain GN, Adam and SGD runs are Figure 2's own and all appendix notebooks
// run in minutes on a CPU; the paper profile uses the paper's settings. Switches: `EXACT_GN_PROFILE=quick|paper` and
// `EXACT_GN_RULE=block|half-coupling`.

// %%
import { useBackend, figureOptions, findingTable, runFigure, appendixInitStd, appendixGnLr, appendixWeightDecay, appendixPinv, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## GN with init std 1e-2, 1e-3, 1e-6
//
// **Setting.** GN on mini-batch MNIST with the trained weights $W$ initialized at std $10^{-2}$, $10^{-3}$ (the default)
// and $10^{-6}$, and Adam at the default init. **What to look for.** Whether any init scale lets GN reach Adam's test loss.

// %%
console.log(appendixInitStd.title);
console.log(`claim: ${appendixInitStd.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixInitStd.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsInit = await runFigure(appendixInitStd, options);
const analysisInit = appendixInitStd.analyze ? await appendixInitStd.analyze(runsInit) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixInitStd.draw(runsInit, analysisInit)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixInitStd.deviations(options, runsInit)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsInit = appendixInitStd.findings(runsInit, analysisInit);
showTable(findingTable(findingsInit));
const checkedInit = findingsInit.filter((f) => f.verdict !== undefined);
console.log(`${checkedInit.filter((f) => f.verdict === "shown").length} of ${checkedInit.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedInit.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## GN learning rates 1e-1, 1e-3, 1e-4
//
// **Setting.** GN with learning rates $10^{-1}$ (Figure 2's), $10^{-3}$ and $10^{-4}$, and Adam. **What to look for.**
// Whether smaller GN steps generalize better, or only train slower.

// %%
console.log(appendixGnLr.title);
console.log(`claim: ${appendixGnLr.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixGnLr.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsLr = await runFigure(appendixGnLr, options);
const analysisLr = appendixGnLr.analyze ? await appendixGnLr.analyze(runsLr) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixGnLr.draw(runsLr, analysisLr)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixGnLr.deviations(options, runsLr)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsLr = appendixGnLr.findings(runsLr, analysisLr);
showTable(findingTable(findingsLr));
const checkedLr = findingsLr.filter((f) => f.verdict !== undefined);
console.log(`${checkedLr.filter((f) => f.verdict === "shown").length} of ${checkedLr.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedLr.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## GN with weight decay vs GN vs Adam
//
// **Setting.** GN without and with weight decay ($\theta \leftarrow \theta - \text{lr}\,(d\theta + \text{wd}\,\theta)$),
// and Adam without weight decay, mini-batch MNIST. PAPER.md gives no weight-decay value; the one used is stated below.

// %%
console.log(appendixWeightDecay.title);
console.log(`claim: ${appendixWeightDecay.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixWeightDecay.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsWd = await runFigure(appendixWeightDecay, options);
const analysisWd = appendixWeightDecay.analyze ? await appendixWeightDecay.analyze(runsWd) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixWeightDecay.draw(runsWd, analysisWd)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixWeightDecay.deviations(options, runsWd)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsWd = appendixWeightDecay.findings(runsWd, analysisWd);
showTable(findingTable(findingsWd));
const checkedWd = findingsWd.filter((f) => f.verdict !== undefined);
console.log(`${checkedWd.filter((f) => f.verdict === "shown").length} of ${checkedWd.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedWd.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## Regularized pseudo-inverse: truncation, damping, noise
//
// **Setting.** One column per regularization of the pseudo-inverse, each with plain GN (truncated SVD, rtol $10^{-2}$, as
// in the paper) and Adam for reference. PAPER.md names the three regularizations but not their levels; the levels used
// are stated below. **What to look for.** Whether any regularized step ends with a test loss as low as Adam's.

// %%
console.log(appendixPinv.title);
console.log(`claim: ${appendixPinv.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixPinv.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsPinv = await runFigure(appendixPinv, options);
const analysisPinv = appendixPinv.analyze ? await appendixPinv.analyze(runsPinv) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixPinv.draw(runsPinv, analysisPinv)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixPinv.deviations(options, runsPinv)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsPinv = appendixPinv.findings(runsPinv, analysisPinv);
showTable(findingTable(findingsPinv));
const checkedPinv = findingsPinv.filter((f) => f.verdict !== undefined);
console.log(`${checkedPinv.filter((f) => f.verdict === "shown").length} of ${checkedPinv.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedPinv.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

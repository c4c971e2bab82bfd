// %% [markdown]
// # Appendix · Longer training and optimizer switching
//
// Two appendix experiments on mini-batch training. Does GN's early saturation (Figure 2) persist when everyone trains
// longer? And is it a property of the *weights* GN reaches, or of the *steps* GN takes: what happens when GN continues
// from Adam-trained weights, and when Adam takes over from GN?
//
// Each section runs its experiments through the runner (cached and resumable; runs with the same config are shared
// with the other notebooks), draws the panels, and ends with conclusions **computed from the results**. In the quick
// profile (default) the appendix runs have the size of Figure 2's quick MNIST runs (capped at h = 512, batches of 128
// from 1024 training images, 8 epochs), so the plain GN, Adam and SGD runs are Figure 2's own and all appendix notebooks
// run in minutes on a CPU; the paper profile uses the paper's settings. Switches: `EXACT_GN_PROFILE=quick|paper` and
// `EXACT_GN_RULE=block|half-coupling`.

// %%
import { useBackend, figureOptions, findingTable, runFigure, appendixLongerTraining, appendixSwitching, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Longer training: does GN stall?
//
// **Setting.** Mini-batch MNIST, GN vs Adam vs SGD, trained several times longer than the standard runs (the dotted line
// marks the standard length). **What to look for.** Whether GN's losses flatten while Adam's and SGD's keep going down;
// the findings compare how much each curve improves over the second half of training.

// %%
console.log(appendixLongerTraining.title);
console.log(`claim: ${appendixLongerTraining.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixLongerTraining.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsLonger = await runFigure(appendixLongerTraining, options);
const analysisLonger = appendixLongerTraining.analyze ? await appendixLongerTraining.analyze(runsLonger) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixLongerTraining.draw(runsLonger, analysisLonger)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixLongerTraining.deviations(options, runsLonger)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsLonger = appendixLongerTraining.findings(runsLonger, analysisLonger);
showTable(findingTable(findingsLonger));
const checkedLonger = findingsLonger.filter((f) => f.verdict !== undefined);
console.log(`${checkedLonger.filter((f) => f.verdict === "shown").length} of ${checkedLonger.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedLonger.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

// %% [markdown]
// ## Optimizer switching: Adam then GN, GN then Adam
//
// **Setting.** Half the epochs with one optimizer, then the other (`adam->gn`, `gn->adam`), next to plain GN and Adam;
// the dotted line marks the switch. The last row is the loss change of each batch right after its own update
// (Figure 3's measurement). **What to look for.** After switching to GN, does the test loss keep improving as Adam's
// would, or stall while each GN step still overfits its batch? After switching to Adam, does training recover?

// %%
console.log(appendixSwitching.title);
console.log(`claim: ${appendixSwitching.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixSwitching.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsSwitch = await runFigure(appendixSwitching, options);
const analysisSwitch = appendixSwitching.analyze ? await appendixSwitching.analyze(runsSwitch) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixSwitching.draw(runsSwitch, analysisSwitch)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixSwitching.deviations(options, runsSwitch)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsSwitch = appendixSwitching.findings(runsSwitch, analysisSwitch);
showTable(findingTable(findingsSwitch));
const checkedSwitch = findingsSwitch.filter((f) => f.verdict !== undefined);
console.log(`${checkedSwitch.filter((f) => f.verdict === "shown").length} of ${checkedSwitch.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedSwitch.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

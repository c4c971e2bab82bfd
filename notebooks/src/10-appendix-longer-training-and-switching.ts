// %% [markdown]
// # Appendix · Longer training and optimizer switching
//
// **The paper's claims** (docs/paper.md, "Figures to reproduce", Appendix):
//
// > longer training (GN stalls, Adam/SGD keep improving); optimizer switching (50 epochs of one, then the other; GN
// > saturates even from Adam-trained weights)
//
// Two questions about Figure 2's saturation: does it persist when everyone trains longer, and is it a property of the
// *weights* GN reaches or of the *steps* GN takes?
//
// **Longer training, made testable.** Over the second half of training, GN's test loss and epoch training loss improve
// by fewer % per epoch than Adam's and SGD's, and Adam and SGD end with a higher test accuracy. These three are judged
// from the results table with three values (shown / not shown beyond two pooled standard deviations, inconclusive
// within them or when the run is too short). The switching findings are still yes/no comparisons of seed means.

// %%
import {
  useBackend, figureOptions, findingTable, runFigure, appendixLongerTraining, appendixSwitching, validateConfig,
  optimizerForEpoch, runExperiment, tidyRows, runLabels, tableFrame, secondHalfRate, longerFindings, show, showTable,
  type TidyRow, type RunResult,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Longer training: does GN stall?
//
// ### Settings: the paper and this run

// %%
showTable(appendixLongerTraining.settings(options));

// %% [markdown]
// ### The runs, through the runner, into one table

// %%
const refsLonger = appendixLongerTraining.runs(options);
const resultsLonger: RunResult[] = [];
const tableLonger: TidyRow[] = [];
for (const ref of refsLonger) {
  const t0 = Date.now();
  const result = await runExperiment(ref.config, { progress: false });
  resultsLonger.push(result);
  tableLonger.push(...tidyRows(runLabels(ref, result), result.rows));
  console.log(`${ref.id}: ${result.cached ? "cached" : `trained in ${((Date.now() - t0) / 1000).toFixed(0)} s`} (${result.status}), ${result.config.epochs} epochs`);
}
const dfLonger = await tableFrame(tableLonger);
showTable(dfLonger.query(dfLonger["metric"].eq("test_loss")).groupby(["curve", "epoch"]).col(["value"]).mean());

// %% [markdown]
// ### Stalling, measured
//
// `secondHalfRate(table, curve, loss)` is, per seed, $100\,(L_{mid} - L_{end}) / L_{mid} / (end - mid)$ with
// $mid = \lfloor E/2 \rfloor$: the relative improvement per epoch over the second half. A stalled curve is near 0.

// %%
for (const curve of [...new Set(tableLonger.map((r) => r.curve))]) {
  const t = secondHalfRate(tableLonger, curve, "test_loss").map((v) => v.toFixed(2));
  const tr = secondHalfRate(tableLonger, curve, "train_loss").map((v) => v.toFixed(2));
  console.log(`${curve}: test loss ${t.join(", ")} %/epoch; epoch training loss ${tr.join(", ")} %/epoch (per seed)`);
}

// %% [markdown]
// ### The figure, from the table (the dotted line marks the standard length)

// %% tags=["figure"]
for (const f of appendixLongerTraining.draw(tableLonger, options)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### The findings

// %%
showTable(findingTable(longerFindings(tableLonger)));

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixLongerTraining.deviations(options, { refs: refsLonger, results: resultsLonger })) console.log(`- ${d}`);

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
// ### The switch, in the open
//
// A switching run is one config with `switchAt`: the runner asks `optimizerForEpoch(config, epoch)` which optimizer
// trains each epoch, and starts the second optimizer with fresh state (Adam's moments begin at zero) from the
// weights the first one reached.

// %%
for (const ref of appendixSwitching.runs(options).filter((r) => r.config.switchAt !== undefined && r.seed === options.seeds[0])) {
  const cfg = validateConfig(ref.config);
  const plan = Array.from({ length: cfg.epochs }, (_, i) => optimizerForEpoch(cfg, i + 1).optimizer);
  console.log(`${ref.optimizer}: ${plan.map((o, i) => `${i + 1}:${o.name}${o.name === "gn" ? "" : ` lr ${o.lr}`}`).join(" ")}`);
}

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

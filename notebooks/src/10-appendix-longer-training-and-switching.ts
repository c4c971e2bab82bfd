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
// **Longer training, made testable.** Over the second half of training, GN's test loss and epoch training loss each
// improve by less than X = 10% in all while Adam's and SGD's improve by more (`saturationVerdict`), and Adam and SGD
// each end with a higher test accuracy (twice the binomial standard error on the test set). These are judged
// from the results table with three values (shown / not shown beyond two pooled standard deviations, inconclusive
// within them or when the run is too short).
//
// **Switching, made testable.** After Adam's half, the run that switches to GN improves its test loss by less than the
// run that keeps Adam; the run that switches from GN to Adam ends with a lower test loss than plain GN; and the first GN
// epoch after the switch cuts each batch's loss more than the last Adam epoch did. **What would not show it:** GN
// improving the test loss from Adam's weights as much as Adam does (then saturation is about the weights GN reaches,
// not its steps), or Adam unable to rescue GN's weights.

// %%
import {
  useBackend, tf, figureOptions, findingTable, appendixLongerTraining, appendixSwitching, validateConfig,
  optimizerForEpoch, runExperiment, tidyRows, runLabels, tableFrame, secondHalfRate, longerFindings, show, showTable,
  loadDataset, miniBatches, gatherBatch, loadCheckpoint, checkpointsOf, createOptimizer, crossEntropyHost, switchEpoch,
  switchFindings, testLossChangeAfter, finalTestLoss, batchChange, where, meanStdText, RevMLP,
  type TidyRow, type RunResult, type LabeledRow, type FigureRuns,
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
// The finding reads the whole improvement over the half, `secondHalfImprovement` (this times the epochs), against X.

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
// Half the epochs with one optimizer, then the other (`adam->gn`, `gn->adam`), next to plain GN and Adam. If GN's
// saturation is a property of its *steps*, GN started from Adam-trained weights saturates too, and Adam started from
// GN's weights improves again.
//
// ### Settings: the paper and this run

// %%
showTable(appendixSwitching.settings(options));

// %% [markdown]
// ### The switch, in the config
//
// A switching run is one config with `switchAt`: the runner asks `optimizerForEpoch(config, epoch)` which optimizer
// trains each epoch, and starts the second optimizer with fresh state (Adam's moments begin at zero) from the
// weights the first one reached.

// %%
const refsSwitch = appendixSwitching.runs(options);
for (const ref of refsSwitch.filter((r) => r.config.switchAt !== undefined && r.seed === options.seeds[0])) {
  const cfg = validateConfig(ref.config);
  const plan = Array.from({ length: cfg.epochs }, (_, i) => optimizerForEpoch(cfg, i + 1).optimizer);
  console.log(`${ref.optimizer}: ${plan.map((o, i) => `${i + 1}:${o.name}${o.name === "gn" ? "" : ` lr ${o.lr}`}`).join(" ")}`);
}

// %% [markdown]
// ### The runs, through the runner, into one table
//
// The plain GN and Adam runs are Figure 2's (cached when notebook 02 ran). The loop keeps the labelled rows the drawing
// reads beside the tidy table.

// %%
const resultsSwitch: RunResult[] = [];
const tableSwitch: TidyRow[] = [];
const labelledSwitch: LabeledRow[] = [];
for (const ref of refsSwitch) {
  const result = await runExperiment(ref.config, { progress: false });
  resultsSwitch.push(result);
  tableSwitch.push(...tidyRows(runLabels(ref, result), result.rows));
  for (const row of result.rows) labelledSwitch.push({ ...row, optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
  console.log(`${ref.id}: ${result.cached ? "cached" : "trained"} (${result.status}), optimizer ${runLabels(ref, result).optimizer}`);
}
const runsSwitch: FigureRuns = { options: options, refs: refsSwitch, results: resultsSwitch, rows: labelledSwitch, table: tableSwitch };
const atSwitch = switchEpoch(runsSwitch);
const dfSwitch = await tableFrame(tableSwitch);
showTable(dfSwitch.query(dfSwitch["metric"].eq("test_loss").and(dfSwitch["epoch"].ge(atSwitch))).groupby(["curve", "epoch"]).col(["value"]).mean());

// %% [markdown]
// ### One GN step and one Adam step from Adam-trained weights
//
// Load the `adam->gn` run's last checkpoint before the switch (weights Adam trained), take one batch, and from those
// same weights take one GN step and one step of a fresh Adam (the runs' own learning rates). For each: the loss of that
// batch before and after (Figure 3's per-batch change) and the test loss before and after. A step that overfits its
// batch cuts the batch's loss far more than it moves the test loss.

// %%
const adamGnIdx = refsSwitch.findIndex((r) => r.optimizer.startsWith("adam->gn") && r.seed === options.seeds[0]);
const adamGnCfg = validateConfig(refsSwitch[adamGnIdx]!.config);
const beforeSwitch = checkpointsOf(resultsSwitch[adamGnIdx]!).filter((c) => c.epoch <= atSwitch);
const ckptSwitch = beforeSwitch[beforeSwitch.length - 1]!;
const dataSwitch = loadDataset(adamGnCfg.dataset.name, { limitTrain: adamGnCfg.dataset.limitTrain, limitTest: adamGnCfg.dataset.limitTest });
const idxSwitch = miniBatches(dataSwitch.train, adamGnCfg.batch.mode === "mini" ? adamGnCfg.batch.size : dataSwitch.train.n, ckptSwitch.epoch, adamGnCfg.seed)[0]!;
const bSwitch = gatherBatch(dataSwitch.train, idxSwitch);
const xbSwitch = tf.tensor2d(bSwitch.x, [bSwitch.n, bSwitch.d]);
const xtSwitch = tf.tensor2d(dataSwitch.test.x, [dataSwitch.test.n, dataSwitch.test.d]);
const ceOf = (net: RevMLP, x: tf.Tensor2D, y: Int32Array, n: number) => tf.tidy(() => crossEntropyHost(net.logits(x).dataSync(), y, n, 10));
const fromAdamWeights = [adamGnCfg.switchAt!.optimizer, adamGnCfg.optimizer].map((optCfg) => {
  const net = loadCheckpoint(ckptSwitch.path).model;             // the same Adam-trained weights for both steps
  const opt = createOptimizer(optCfg);
  const batchBefore = ceOf(net, xbSwitch, bSwitch.y, bSwitch.n), testBefore = ceOf(net, xtSwitch, dataSwitch.test.y, dataSwitch.test.n);
  opt.step(net, xbSwitch, bSwitch.y);
  const batchAfter = ceOf(net, xbSwitch, bSwitch.y, bSwitch.n), testAfter = ceOf(net, xtSwitch, dataSwitch.test.y, dataSwitch.test.n);
  opt.dispose(); net.dispose();
  return { step: `${optCfg.name} (lr ${optCfg.lr})`, weights: `adam->gn, epoch ${ckptSwitch.epoch}`, "L_B before": batchBefore, "L_B change (%)": (100 * (batchAfter - batchBefore)) / batchBefore,
    "test loss before": testBefore, "test loss change (%)": (100 * (testAfter - testBefore)) / testBefore };
});
showTable(fromAdamWeights);
tf.dispose([xbSwitch, xtSwitch]);

// %% [markdown]
// ### The figure, from the runs (the dotted line marks the switch)

// %% tags=["figure"]
for (const f of appendixSwitching.draw(runsSwitch, [])) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### The findings
//
// Three comparisons of per-seed numbers from the table, each judged with `compareSeeds` (shown / not shown beyond two
// pooled standard deviations, else inconclusive): `testLossChangeAfter(table, curve, at)` is the % change of the test
// loss from the switch to the end, `finalTestLoss(table, curve)` the last test loss, `batchChange(table, curve, from, to)`
// Figure 3's mean per-batch change over epochs from..to.

// %%
const mnistSwitch = where(tableSwitch, { dataset: "MNIST" });
for (const curve of [...new Set(mnistSwitch.map((r) => r.curve))]) {
  console.log(`MNIST ${curve}: test loss change after epoch ${atSwitch}: ${meanStdText(testLossChangeAfter(mnistSwitch, curve, atSwitch))} %; final test loss ${meanStdText(finalTestLoss(mnistSwitch, curve))}; ` +
    `per-batch change epoch ${atSwitch + 1}: ${meanStdText(batchChange(mnistSwitch, curve, atSwitch + 1, atSwitch + 1))} %`);
}
showTable(findingTable(switchFindings(tableSwitch, atSwitch)));

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixSwitching.deviations(options, runsSwitch)) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["appendix-longer", "appendix-switch"], "Appendix, longer training and switching");

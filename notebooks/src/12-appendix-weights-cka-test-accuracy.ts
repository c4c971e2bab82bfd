// %% [markdown]
// # Appendix · Weights, representations and test accuracy
//
// **The paper's claims** (docs/paper.md, "Claim in one paragraph" and "Figures to reproduce", Appendix):
//
// > The arXiv text says training stays in the lazy regime (NTK and representations barely move); the NeurIPS page abstract was later revised to say the NTK does change (feature learning) while generalization stays poor.
// >
// > weight cosine per half-coupling; CKA for all 6 CIFAR blocks
// >
// > mini-batch comparison with test accuracy
//
// Three looks at Figure 2's mini-batch runs: how far each optimizer moves the trained $W$ of every half-coupling
// ($\cos(W_0, W_\text{end})$ and $|W_\text{end}|/|W_0|$), how much the representation after every half-coupling changes
// (linear CKA to init, every block), and the test accuracy with the generalization gap.
//
// **What would show the lazy reading:** GN's weights and representations stay closer to init than Adam's and SGD's in
// every half-coupling, and GN ends with the lowest test accuracy. **What would not:** GN moving its weights or
// representations as much as (or more than) the others while still generalizing worse: then poor generalization is
// not laziness (the revised abstract's reading).

// %%
import {
  useBackend, tf, figureOptions, findingTable, appendixWeights, appendixCkaBlocks, appendixTestAccuracy, loadDataset,
  loadCheckpoint, checkpointsOf, linearCka, ckaToInit, gramMatrix, frobeniusDot, runExperiment, tidyRows, runLabels,
  tableFrame, where, show, showTable, type TidyRow, type RunResult, type LabeledRow, type FigureRuns,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
const probeImages = 128;   // training images of the CKA computed by hand below (the analysis uses CKA_PROBE)
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Settings: the paper and this run (the runs are Figure 2's; the analyses read their checkpoints)

// %%
const settingRows = [...appendixWeights.settings(options), ...appendixCkaBlocks.settings(options), ...appendixTestAccuracy.settings(options)];
showTable(settingRows.filter((r, i) => settingRows.findIndex((q) => q.setting === r.setting && q.this_run === r.this_run) === i));

// %% [markdown]
// ## Figure 2's runs, through the runner, into the table
//
// Cached when notebook 02 ran. The checkpoints are verified first, since the analyses below read them.

// %%
const refsShared = appendixWeights.runs(options);
const resultsShared: RunResult[] = [];
const tableShared: TidyRow[] = [];
const labelledShared: LabeledRow[] = [];
for (const ref of refsShared) {
  const result = await runExperiment(ref.config, { progress: false, verifyCheckpoints: true });
  resultsShared.push(result);
  tableShared.push(...tidyRows(runLabels(ref, result), result.rows));
  for (const row of result.rows) labelledShared.push({ ...row, optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
  console.log(`${ref.id}: ${result.cached ? "cached" : "trained"} (${result.status}), checkpoints at epochs ${checkpointsOf(result).map((c) => c.epoch).join(", ")}`);
}
const runsShared: FigureRuns = { options: options, refs: refsShared, results: resultsShared, rows: labelledShared, table: tableShared };

// %% [markdown]
// ## One tensor's weight motion, by hand
//
// For each optimizer's first-seed MNIST run: load its first and last checkpoints, take $W$ of the last half-coupling
// (block $L$, $g$), and compute $\cos(W_0, W_\text{end}) = \langle W_0, W_\text{end}\rangle / (|W_0|\,|W_\text{end}|)$ and
// $|W_\text{end}| / |W_0|$ on the host. The library's numbers (the analysis below) are compared with these.

// %%
const firstSeedMnist = refsShared.map((ref, i) => ({ ref: ref, result: resultsShared[i]! })).filter((p) => p.ref.seed === options.seeds[0] && p.ref.dataset === "MNIST");
const byHandWeights = firstSeedMnist.map(({ ref, result }) => {
  const cks = checkpointsOf(result);
  const m0 = loadCheckpoint(cks[0]!.path).model, mT = loadCheckpoint(cks[cks.length - 1]!.path).model;
  const L = m0.config.blocks;
  const w0 = m0.params[L - 1]!.g.Wt.dataSync(), wT = mT.params[L - 1]!.g.Wt.dataSync();
  let dot = 0, n0 = 0, nT = 0;
  for (let i = 0; i < w0.length; i++) { dot += w0[i]! * wT[i]!; n0 += w0[i]! ** 2; nT += wT[i]! ** 2; }
  m0.dispose(); mT.dispose();
  return { curve: ref.optimizer, which: `block ${L} g`, epoch: cks[cks.length - 1]!.epoch, "cos(W0, W_end)": dot / Math.sqrt(n0 * nT), "|W_end| / |W0|": Math.sqrt(nT / n0) };
});
showTable(byHandWeights);

// %% [markdown]
// ## One CKA per half-coupling, by hand
//
// Linear CKA between two representations $X$, $Y$ of the same $n$ images (rows): with centered Grams
// $K = \bar X \bar X^\top$, $L = \bar Y \bar Y^\top$, $\text{CKA} = \langle K, L\rangle_F / (|K|_F\,|L|_F)$. For GN's
// first-seed MNIST run at init and at its last checkpoint, the representation after every half-coupling
// (`model.representations(x)`); the by-hand value, `linearCka`, and `ckaToInit` (what the analysis calls) side by side.

// %%
const gnPair = firstSeedMnist.find((p) => p.ref.optimizer.startsWith("gn"))!;
const gnCks = checkpointsOf(gnPair.result);
const probeData = loadDataset("mnist", { limitTrain: probeImages }).train;
const xProbe = tf.tensor2d(probeData.x, [probeData.n, probeData.d]);
const gn0 = loadCheckpoint(gnCks[0]!.path).model, gnT = loadCheckpoint(gnCks[gnCks.length - 1]!.path).model;
const reps0 = gn0.representations(xProbe), repsT = gnT.representations(xProbe);
const viaLibrary = ckaToInit(gn0, gnT, xProbe);
const ckaByHand = reps0.map((r0, i) => {
  const K = gramMatrix(r0, { center: true }), Lg = gramMatrix(repsT[i]!, { center: true });
  const byHand = frobeniusDot(K, Lg) / Math.sqrt(frobeniusDot(K, K) * frobeniusDot(Lg, Lg));
  return { "half-coupling": `block ${Math.floor(i / 2) + 1} ${i % 2 === 0 ? "f" : "g"}`, "CKA by hand": byHand, linearCka: linearCka(r0, repsT[i]!), ckaToInit: viaLibrary[i]!.cka };
});
showTable(ckaByHand);
tf.dispose([...reps0, ...repsT, xProbe]);
gn0.dispose(); gnT.dispose();

// %% [markdown]
// ## The analyses over every checkpoint
//
// The same two measurements for every trained $W$ and every half-coupling, at every checkpoint of each first-seed run
// (src/metrics `analyzeRuns`), as rows the figures and findings read. The weight rows must agree with the by-hand table.

// %%
const weightRows = await appendixWeights.analyze!(runsShared);
const ckaRows = await appendixCkaBlocks.analyze!(runsShared);
for (const h of byHandWeights) {
  const lib = weightRows.find((r) => r.dataset === "MNIST" && r.optimizer_label === h.curve && r.which === h.which && r.epoch === h.epoch);
  console.log(`${h.curve} ${h.which}: cos by hand ${h["cos(W0, W_end)"].toFixed(6)}, library ${Number(lib?.weight_cos_init).toFixed(6)}; ratio by hand ${h["|W_end| / |W0|"].toFixed(4)}, library ${Number(lib?.weight_norm_ratio).toFixed(4)}`);
}

// %% tags=["figure"]
for (const f of [...appendixWeights.draw(runsShared, weightRows), ...appendixCkaBlocks.draw(runsShared, ckaRows), ...appendixTestAccuracy.draw(runsShared, [])]) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## The findings
//
// Test accuracy from the table (the DataFrame view: last epoch, mean per curve), then each section's findings. The
// weight and CKA findings read the first seed's analysis rows as a results table (`halfTable`) and compare the
// optimizers: weights by the relative change $|W_t - W_0| / |W_0|$ and the norm ratio (with $W_0$ at std 1e-3 the
// cosine is about $|W_0| / |W_t|$ for every optimizer, so it is shown, not judged); accuracy against twice the
// binomial standard error of the difference on the test set.

// %%
const dfShared = await tableFrame(tableShared);
const lastEpochShared = Math.max(...where(tableShared, { metric: "test_acc" }).map((r) => r.epoch));
showTable(dfShared.query(dfShared["metric"].eq("test_acc").and(dfShared["epoch"].eq(lastEpochShared))).groupby(["dataset", "curve"]).col(["value"]).mean());
showTable(findingTable([
  ...appendixWeights.findings(runsShared, weightRows),
  ...appendixCkaBlocks.findings(runsShared, ckaRows),
  ...appendixTestAccuracy.findings(runsShared, []),
]));

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of new Set([...appendixWeights.deviations(options, runsShared), ...appendixCkaBlocks.deviations(options, runsShared), ...appendixTestAccuracy.deviations(options, runsShared)])) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["appendix-weights", "appendix-cka-blocks", "appendix-test-accuracy"], "Appendix, weights, CKA and test accuracy");

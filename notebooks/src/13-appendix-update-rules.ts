// %% [markdown]
// # Appendix (beyond the paper) · Corrected vs paper-era GN update rule
//
// **The paper's text** (docs/paper.md, "The exact GN step", 3) gives two block rules:
//
// > dTheta_g = A_2^+ (t2 - J_g(Y1) (A_1 dTheta_f)) <- "corrected" block rule
// >
// > The older, paper-era rule drops the correction term (each half-coupling treated as its own layer).
// >
// > The published figures were most likely made with the older rule. Support both; default to the corrected one, and show the difference.
//
// and says the two agree near init (weights of order $10^{-3}$) and differ by about 20% once the weights are of
// order 0.3. The correction term $J_g(Y_1)\,A_1 d\Theta_f$ is how $g$'s input moves when $f$'s parameters move; with
// $W \approx 10^{-3}$, $J_g \approx 0$ and the rules coincide.
//
// **What would show it.** On one fixed batch, the two rules' updates differ little at init and clearly more at the last
// checkpoint of a trained run; the corrected rule realizes the target $T$ more closely on the ReLU blocks; and the
// paper's conclusions (test loss, NTK similarity, CKA) come out the same under both rules. **What would not:** the rules
// differing already at init (a bug in one of them), no growth of the difference as the weights grow, or the paper-era
// rule changing the outcome of training.

// %%
import {
  useBackend, tf, figureOptions, appendixUpdateRules, validateConfig, loadDataset, miniBatches, gatherBatch, RevMLP,
  gnUpdate, functionSpaceTarget, halfForward, halfJvpInput, paramsToHost, zipParams, disposeParams, crossEntropyHost,
  relativeDifference, weightRms, loadCheckpoint, checkpointsOf, runExperiment, tidyRows, runLabels, tableFrame,
  findingTable, show, showTable, DEFAULT_GN, type TidyRow, type RunResult, type LabeledRow, type FigureRuns,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds. Both rules always run (one run each).
const options = figureOptions();
const stepLr = 0.1;   // the learning rate of the one step taken by hand below (the paper's mini-batch GN lr)
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | one-step lr: ${stepLr}`);

// %% [markdown]
// ## Settings: the paper and this run

// %%
showTable(appendixUpdateRules.settings(options));

// %% [markdown]
// ## One GN step under both rules, from the same weights
//
// Take the corrected run's config and its first training batch, build the initial model, and compute both rules'
// updates (`gnUpdate` with `rule: "block"` and `rule: "half-coupling"`). Per tensor: the rules agree on every $f$ (its
// target $t_1$ does not depend on the rule) and differ on $g$. For the last block the correction term is computed by
// hand: its input is $y_1$, the first half of the output $z$; $t = T$; $x_2 = y_2 - g(y_1)$;
// $A_1 d\Theta_f = $ `halfForward(f, dTheta_f, x2)`; and $J_g(y_1)\,(A_1 d\Theta_f)$ with `halfJvpInput`. Then each rule's
// step $\theta - \text{lr}\, d\Theta$ and the realized change of the batch's loss.

// %%
const refsRules = appendixUpdateRules.runs(options);
const cfgRules = validateConfig(refsRules[0]!.config);
const dataRules = loadDataset(cfgRules.dataset.name, { limitTrain: cfgRules.dataset.limitTrain });
const firstIdx = miniBatches(dataRules.train, cfgRules.batch.mode === "mini" ? cfgRules.batch.size : dataRules.train.n, 0, cfgRules.seed)[0]!;
const batchRules = gatherBatch(dataRules.train, firstIdx);
const xRules = tf.tensor2d(batchRules.x, [batchRules.n, batchRules.d]);
const gnBase = { ...DEFAULT_GN, ...cfgRules.optimizer.gn, residual: true };
const batchLoss = (net: RevMLP, params = net.params) => tf.tidy(() => crossEntropyHost(net.forward(xRules, params).logits.dataSync(), batchRules.y, batchRules.n, 10));
const fro = (t: tf.Tensor) => tf.tidy(() => tf.norm(t).dataSync()[0]!);

function bothRulesOneStep(net: RevMLP, weights: string) {
  const corrected = gnUpdate(net, xRules, batchRules.y, { ...gnBase, rule: "block" });
  const paperEra = gnUpdate(net, xRules, batchRules.y, { ...gnBase, rule: "half-coupling" });
  const hc = paramsToHost(corrected.update), hp = paramsToHost(paperEra.update);
  const perTensor = [...hc.keys()].map((k) => {
    const a = hc.get(k)!, b = hp.get(k)!;
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += a[i]! ** 2; }
    return { weights: weights, tensor: k, "|dθ corrected|": Math.sqrt(den), "|dθ paper-era − dθ corrected| / |dθ corrected|": Math.sqrt(num / Math.max(den, 1e-300)) };
  });
  // The correction term of the last block, by hand.
  const L = net.fixed.length, half = batchRules.d / 2;
  const correction = tf.tidy(() => {
    const { z, logits } = net.forward(xRules);
    const e = functionSpaceTarget(logits.dataSync(), batchRules.y, batchRules.n, 10, gnBase.target);
    const T = tf.matMul<tf.Tensor2D>(tf.tensor2d(Float32Array.from(e), [batchRules.n, 10]), net.Ut);   // T = e U^T
    const y1 = tf.slice(z, [0, 0], [-1, half]) as tf.Tensor2D, y2 = tf.slice(z, [0, half], [-1, half]) as tf.Tensor2D;
    const t2 = tf.slice(T, [0, half], [-1, half]);
    const fx = net.fixed[L - 1]!, pr = net.params[L - 1]!;
    const x2 = tf.sub(y2, halfForward(fx.g, pr.g, y1).out) as tf.Tensor2D;                  // x2 = y2 - g(y1)
    const dy1 = halfForward(fx.f, corrected.update[L - 1]!.f, x2).out;                     // A_1 dTheta_f
    const term = halfJvpInput(fx.g, pr.g, tf.matMul<tf.Tensor2D>(y1, fx.g.Vt!), dy1);     // J_g(y1) (A_1 dTheta_f)
    return { "|J_g(y1) A_1 dθ_f|": fro(term), "|t2|": fro(t2), ratio: fro(term) / fro(t2) };
  });
  const before = batchLoss(net);
  const after = (u: typeof corrected.update) => {
    const stepped = zipParams(net.params, u, (w, dw) => tf.sub(w, tf.mul(dw, stepLr)));
    const v = batchLoss(net, stepped);
    disposeParams(stepped);
    return v;
  };
  const summary = {
    weights: weights, "weight RMS": weightRms(net),
    "|dθ_pe − dθ_c| / |dθ_c| (library)": relativeDifference(corrected.update, paperEra.update),
    "correction / |t2| (last block)": correction.ratio,
    "residual corrected (max block)": Math.max(...corrected.blocks.map((b) => b.residual!)),
    "residual paper-era (max block)": Math.max(...paperEra.blocks.map((b) => b.residual!)),
    "L_B before": before,
    "L_B change corrected (%)": (100 * (after(corrected.update) - before)) / before,
    "L_B change paper-era (%)": (100 * (after(paperEra.update) - before)) / before,
  };
  disposeParams(corrected.update); disposeParams(paperEra.update);
  return { perTensor: perTensor, summary: summary, correction: correction };
}

const net0 = RevMLP.init(cfgRules.model);
const atInitRules = bothRulesOneStep(net0, "init");
net0.dispose();
showTable(atInitRules.perTensor);
showTable([atInitRules.summary]);

// %% [markdown]
// At init the correction term is tiny against $t_2$ ($J_g$ scales with $W_g \approx 10^{-3}$), so the two updates
// nearly coincide. The same step from trained weights follows below, once the runs exist.
//
// ## Both runs through the runner, into the table
//
// One GN run per rule (cached; the corrected one is Figure 2's GN run in the quick profile). The loop also keeps the
// labelled rows the figure's analysis reads.

// %%
const resultsRules: RunResult[] = [];
const tableRules: TidyRow[] = [];
const labelledRules: LabeledRow[] = [];
for (const ref of refsRules) {
  const result = await runExperiment(ref.config, { progress: false, verifyCheckpoints: true });
  resultsRules.push(result);
  tableRules.push(...tidyRows(runLabels(ref, result), result.rows));
  for (const row of result.rows) labelledRules.push({ ...row, optimizer_label: ref.optimizer, dataset: ref.dataset, seed: ref.seed, run: ref.id } as LabeledRow);
  console.log(`${ref.id} (rule ${result.config.optimizer.gn?.rule}): ${result.cached ? "cached" : "trained"} (${result.status}), ${checkpointsOf(result).length} checkpoints`);
}
const runsRules: FigureRuns = { options: options, refs: refsRules, results: resultsRules, rows: labelledRules, table: tableRules };
const dfRules = await tableFrame(tableRules);
const lastEpochRules = Math.max(...tableRules.map((r) => r.epoch));
showTable(dfRules.query(dfRules["metric"].eq("test_loss").and(dfRules["epoch"].eq(lastEpochRules))).groupby(["curve"]).col(["value"]).mean());

// %% [markdown]
// ## The same step from the trained weights
//
// The last checkpoint of the corrected run, the same batch, both rules again.

// %%
const lastCkpt = checkpointsOf(resultsRules[0]!)[checkpointsOf(resultsRules[0]!).length - 1]!;
const trainedRules = loadCheckpoint(lastCkpt.path).model;
const atEndRules = bothRulesOneStep(trainedRules, `epoch ${lastCkpt.epoch} (corrected run)`);
trainedRules.dispose();
showTable(atEndRules.perTensor.filter((r) => r.tensor.includes(".g.")));
showTable([atInitRules.summary, atEndRules.summary]);
console.log(`correction term / |t2| of the last block: ${atInitRules.correction.ratio.toExponential(2)} at init, ${atEndRules.correction.ratio.toExponential(2)} at epoch ${lastCkpt.epoch}`);
xRules.dispose();

// %% [markdown]
// ## Along training: the analysis at every checkpoint, and the figure
//
// `appendixUpdateRules.analyze` repeats the comparison above at every checkpoint of both runs (seed
// `options.seeds[0]`), and adds the NTK similarity and CKA to init of each run. The figures are drawn from its rows
// and from the runs' table.

// %%
const analysisRules = await appendixUpdateRules.analyze!(runsRules);
console.log(`${analysisRules.length} analysis rows: ${[...new Set(analysisRules.map((r) => r.kind))].join(", ")}`);

// %% tags=["figure"]
for (const f of appendixUpdateRules.draw(runsRules, analysisRules)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ## The findings
//
// `appendixUpdateRules.findings(runs, analysis)` (the library's `rulesFindings`) judges the two rules' numbers with
// three-valued verdicts: the update comparison runs on one seed, so it uses the single-seed margin of `compareSeeds`
// and `compareToLevel`; the final test losses are an equivalence test per seed (`agreeWithin`, 5%). Whether the rule
// changes the lazy-or-not conclusion is judged in Figure 4 (the rule gap against the GN-vs-Adam gap), not against a
// fixed 0.9: here the NTK similarity and CKA are shown as measurements.

// %%
showTable(findingTable(appendixUpdateRules.findings(runsRules, analysisRules)));

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of appendixUpdateRules.deviations(options, runsRules)) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["appendix-update-rules"], "Appendix, update rules");

// %% [markdown]
// # Figure 1 · Full-batch training: does exact GN converge much faster?
//
// **The paper's claim** (docs/paper.md, "Claim in one paragraph" and "Figures to reproduce", 1):
//
// > With it: full-batch GN drives the training loss down far faster than Adam/SGD [...]
// >
// > Full-batch (1024 images): train loss and accuracy vs step, GN vs Adam vs SGD, MNIST and CIFAR-10. GN converges much faster.
//
// **What would show it.** On the same batch, GN brings the training loss 10x below its initial value in at most half
// the steps Adam and SGD need (seed by seed), and at one tenth of the run GN's loss is below theirs. Each comparison
// counts only when the seed means differ by more than two pooled standard deviations (with a single seed, by more
// than a 5% margin, and the verdict says so).
//
// **What would not.** A rival that gets there in fewer than twice GN's steps, or a GN loss that is not the lowest
// early on. A run too short for anyone to reach the level, or seeds that disagree, gives *inconclusive*.
//
// The notebook first takes one GN step apart by hand, then trains every run of the figure through the runner,
// puts the results in one long table, draws the figure from that table and judges it with the same small pure
// functions the report uses.

// %%
import {
  useBackend, tf, figureOptions, fig1, validateConfig, loadDataset, fullBatch, RevMLP, functionSpaceTarget,
  crossEntropyHost, gnUpdate, zipParams, disposeParams, runExperiment, tidyRows, runLabels, tableFrame, where,
  drawFig1, fig1Findings, stepsToLevel, findingTable, committedTables, show, showTable,
  type TidyRow, type RunResult,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Settings: the paper and this run
//
// The paper column comes from the paper-facts module (`PAPER`), the right-hand column from the run configs
// `fig1.runs(options)` returns.

// %%
showTable(fig1.settings(options));

// %% [markdown]
// ## One GN step, taken apart
//
// The first run of the figure is MNIST with GN. Its config fixes the model and the batch: the first $n$ training
// images. One step: the function-space target $T = (\mathrm{softmax}(o) - y)\,U^\top$, one pseudo-inverse solve
// per half-coupling (how many directions the truncation keeps is the *rank*), then
// $\theta \leftarrow \theta - \eta\, \Delta\theta$. Every block realizes $T$ to first order, so the network output
// should move by $-\eta L T$; below we measure how much it really moved.

// %%
const first = fig1.runs(options)[0];
const config = validateConfig(first.config);
if (config.batch.mode !== "full") throw new Error("Figure 1 runs are full-batch");
const n = config.batch.n;
const { train } = loadDataset(config.dataset.name, { limitTrain: n });
const batch = fullBatch(train, n);
const x = tf.tensor2d(batch.x, [batch.n, batch.d]);
const model = RevMLP.init(config.model);
const eta = config.optimizer.lr;
const L = config.model.blocks;

const before = model.forward(x);
const lossBefore = crossEntropyHost(before.logits.dataSync(), batch.y, n, 10);
const e = functionSpaceTarget(before.logits.dataSync(), batch.y, n, 10, config.optimizer.gn!.target);
const T = tf.matMul(tf.tensor2d(Float32Array.from(e), [n, 10]), model.Ut);
console.log(`${first.id}: n = ${n} images, d = ${batch.d}, h = ${config.model.hidden}, L = ${L} blocks, lr = ${eta}`);
console.log(`loss before the step: ${lossBefore.toFixed(4)};  target T: [${T.shape}], |T|_F = ${tf.norm(T).dataSync()[0].toFixed(4)}`);

const step = gnUpdate(model, x, batch.y, config.optimizer.gn!);
showTable(step.blocks.map((b) => ({
  block: b.block + 1, "rank kept, f": b.f.rank, "rank kept, g": b.g.rank, batch: n,
  "exact (all n directions kept)": b.exact,
})));

// %% [markdown]
// Block 1 is linear, so its $A$ has rank at most $d/2 + 1$, and the paper's truncation ($r_{tol} = 10^{-2}$) drops
// the weakest directions: where the rank is below $n$ the step is a truncated least-squares step, not the exact one.
// Now apply the step and compare the realized output change with the first-order prediction $-\eta L T$.

// %%
model.setParams(zipParams(model.params, step.update, (w, d) => tf.sub(w, tf.mul(d, eta))));
const after = model.forward(x);
const realized = tf.sub(after.z, before.z);
const predicted = tf.mul(T, -eta * L);
const dot = tf.sum(tf.mul(realized, predicted)).dataSync()[0];
const nr = tf.norm(realized).dataSync()[0];
const np = tf.norm(predicted).dataSync()[0];
const lossAfter = crossEntropyHost(after.logits.dataSync(), batch.y, n, 10);
showTable([{
  "cos(realized, -lr L T)": dot / (nr * np), "|realized| / |lr L T|": nr / np,
  "loss before": lossBefore, "loss after one step": lossAfter, "change (%)": (100 * (lossAfter - lossBefore)) / lossBefore,
}]);
tf.dispose([x, before.z, before.logits, after.z, after.logits, T, realized, predicted]);
disposeParams(step.update);
model.dispose();

// %% [markdown]
// ## Every run of the figure, through the runner
//
// `fig1.runs(options)` lists the runs: MNIST and CIFAR-10 (Fashion-MNIST with the CIFAR settings when the CIFAR-10
// files are absent, labelled so), GN, Adam and SGD, each seed. The runner caches complete runs, so rerunning this
// cell costs nothing. Each run's event rows become rows of one long table: one number per row.

// %%
const refs = fig1.runs(options);
const results: RunResult[] = [];
const table: TidyRow[] = [];
for (const ref of refs) {
  const t0 = Date.now();
  const result = await runExperiment(ref.config, { progress: false });
  results.push(result);
  table.push(...tidyRows(runLabels(ref, result), result.rows));
  console.log(`${ref.id}: ${result.cached ? "cached" : `trained in ${((Date.now() - t0) / 1000).toFixed(0)} s`} (${result.status})`);
}
console.log(`${table.length} rows; columns: ${Object.keys(table[0]).join(", ")}`);
showTable(table.slice(0, 6));

// %% [markdown]
// The same table as a danfojs DataFrame, to filter and group in a cell. For example the training loss at one tenth
// of the run, mean over seeds, per dataset and curve:

// %%
const df = await tableFrame(table);
const tenth = Math.max(1, Math.round(Math.max(...table.map((r) => r.step)) / 10));
const atTenth = df.query(df["metric"].eq("train_loss").and(df["step"].eq(tenth)));
showTable(atTenth.groupby(["dataset", "curve"]).col(["value"]).mean());

// %% [markdown]
// ## The figure, drawn from the table
//
// `drawFig1(table, caption, options)`: the knobs are the log scale of the loss, the curve order and the title.

// %% tags=["figure"]
const drawn = drawFig1(table, `${options.profile} profile, seeds ${options.seeds.join(", ")}, GN rule ${options.rule}.`, {
  logLoss: true, order: ["gn", "gn (half-coupling)", "adam", "sgd"], title: "Full-batch training loss and accuracy",
});
console.log(drawn.caption);
show(drawn.figure, { name: drawn.name });

// %% [markdown]
// ## The findings
//
// The verdicts come from small pure functions of the table. `stepsToLevel` is the measurement behind the first one:
// per seed, the first step at which the training loss is 10x below its initial value (a run that never gets
// there counts as its last step + 1, flagged as censored).

// %%
for (const curve of ["gn", "adam", "sgd"]) {
  const r = stepsToLevel(where(table, { dataset: "MNIST" }), curve);
  console.log(`MNIST ${curve}: steps to ${r.level.toFixed(3)} per seed = ${r.steps.join(", ")}${r.censored.some(Boolean) ? " (censored: not reached)" : ""}`);
}
const findings = fig1Findings(table);
showTable(findingTable(findings));

// %% [markdown]
// ## The paper profile, from the committed table
//
// The MNIST half at the paper's size ($h = 8000$, 1024 images, 100 steps, seeds 42-44) takes about 1.5 hours on a
// 2-core CPU, so its table ships with the package (`results/fig1-mnist-paper.csv`, same format). The same drawing
// and the same findings functions judge it.

// %% tags=["figure"]
const [paper] = committedTables("fig1");
if (paper === undefined) console.log("no committed Figure 1 table found");
else {
  for (const note of paper.notes) console.log(note);
  show(drawFig1(paper.table, "paper profile, committed table.", { title: "Figure 1, MNIST, paper profile (committed)" }).figure, { name: "fig1-paper" });
  showTable(findingTable(fig1Findings(paper.table)));
}

// %% [markdown]
// ## Deviations from the paper

// %%
for (const d of fig1.deviations(options, { refs: refs, results: results })) console.log(`- ${d}`);

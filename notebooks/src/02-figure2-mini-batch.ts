// %% [markdown]
// # Figure 2 · Mini-batch training: does GN saturate early?
//
// **The paper's claim** (docs/paper.md, "Claim in one paragraph" and "Figures to reproduce", 2):
//
// > [...] but with mini-batches GN saturates early on both train and test loss [...]
// >
// > Mini-batch: train loss, test loss, test accuracy; GN saturates early, Adam gets lower.
//
// "Saturates" needs a number before it can fail. Here it means:
//
// 1. *GN saturates early*: over the last third of training GN's epoch training loss (the mean of the pre-update batch
//    losses) improves by less than X = 10% in all while Adam's improves by more (`SATURATION_PCT`, `saturationVerdict`),
//    **and** GN's test loss reaches its minimum at an earlier epoch than Adam's;
// 2. *Adam gets lower*: Adam ends with a lower test loss and 3. a lower training loss than GN; 4. a higher test
//    accuracy, judged against twice the binomial standard error of the difference on the test set
//    ($\sqrt{p(1-p)/n}$ per accuracy: about 1.8 points on 500 test images, 0.4 on 10k), not a fixed 5%.
//
// **Shown** when the seed means differ in that direction by more than two pooled standard deviations, **not shown**
// when they differ as much the other way, **inconclusive** otherwise, or when the run is too short (fewer than three
// epochs, GN still improving by more than X, or GN's test loss still falling at the last epoch: saturation cannot be
// seen yet).

// %%
import {
  useBackend, runFigure, figureOptions, fig2, validateConfig, loadDataset, miniBatches,
  tableFrame, where, epochMean, lastThird, lastThirdTrainRate, drawFig2, fig2Findings, findingTable, show, showTable,
} from "exact-gn";

const backend = await useBackend();
// Change a setting here and rerun: profile "quick" | "paper", seeds, rule "block" | "half-coupling".
const options = figureOptions({ rule: (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling" });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Settings: the paper and this run

// %%
showTable(fig2.settings(options));

// %% [markdown]
// ## What one epoch is
//
// An epoch shuffles the training images with the run's seed and cuts them into batches; the last, partial batch is
// kept (the paper's 60000 MNIST images in batches of 1024 give 59 steps). The plan depends only on (seed, epoch), so a
// resumed run sees the same batches.

// %%
const gnRef = fig2.runs(options).find((r) => r.optimizer.startsWith("gn") && r.dataset === "MNIST")!;
const gnConfig = validateConfig(gnRef.config);
const { train } = loadDataset(gnConfig.dataset.name, { limitTrain: gnConfig.dataset.limitTrain });
const size = gnConfig.batch.mode === "mini" ? gnConfig.batch.size : train.n;
const plan = miniBatches(train, size, 0, gnConfig.seed);
console.log(`${train.n} training images, batch ${size}: ${plan.length} steps per epoch; batch sizes ${plan.map((b) => b.length).join(", ")}`);
console.log(`first images of epoch 1's first batch: ${Array.from(plan[0].slice(0, 8)).join(", ")} (epoch 2 reshuffles: ${Array.from(miniBatches(train, size, 1, gnConfig.seed)[0].slice(0, 8)).join(", ")})`);

// %% [markdown]
// ## Every run of the figure, through the runner

// %%
// Notebook 1 spells this loop out; here it is the library's `runFigure`: each run trained or read from the
// cache, its rows labelled into the long table (`refs`, `results` and `table` as there).
const { refs, results, table } = await runFigure(fig2, { ...options, progress: false });
console.log(`${table.length} rows`);

// %% [markdown]
// The test loss of every curve and epoch, grouped from the DataFrame view of the table:

// %%
const df = await tableFrame(table);
const test = df.query(df["metric"].eq("test_loss"));
showTable(test.groupby(["dataset", "curve", "epoch"]).col(["value"]).mean());

// %% [markdown]
// ## Saturation, measured by hand
//
// The training loss of an epoch is the mean of its batches' losses before their updates (`batch_loss` rows). Over the
// last third of training, the relative improvement per epoch is $100\,(L_{from} - L_{to}) / L_{from} / (to - from)$.
// The loop below computes it for the GN run from the rows; `lastThirdTrainRate` is the function the findings call.

// %%
const window = lastThird(where(table, { dataset: "MNIST" }));   // the last third of the MNIST runs
const gnRows = where(table, { run: gnRef.id, metric: "batch_loss" });
const perEpoch = new Map<number, number[]>();
for (const r of gnRows) perEpoch.set(r.epoch, [...(perEpoch.get(r.epoch) ?? []), r.value]);
const epochLoss = (e: number) => perEpoch.get(e)!.reduce((a, b) => a + b, 0) / perEpoch.get(e)!.length;
const byHand = (100 * (epochLoss(window.from) - epochLoss(window.to))) / epochLoss(window.from) / (window.to - window.from);
console.log(`${gnRef.id}: epoch training loss ${epochLoss(window.from).toFixed(4)} at epoch ${window.from}, ${epochLoss(window.to).toFixed(4)} at epoch ${window.to}`);
console.log(`improvement per epoch over the last third: ${byHand.toFixed(2)} %/epoch by hand, ${lastThirdTrainRate(where(table, { dataset: "MNIST" }), gnRef.optimizer)[0].toFixed(2)} from lastThirdTrainRate`);
showTable(epochMean(where(table, { dataset: "MNIST" }), "batch_loss").map((r) => ({ curve: r.curve, seed: r.seed, epoch: r.epoch, "epoch training loss": r.value })).filter((r) => r.epoch >= window.from));

// %% [markdown]
// ## The figure, drawn from the table
//
// `drawFig2(table, caption, order)`: losses on log axes (first figure) and test accuracy (second), one column per dataset.

// %% tags=["figure"]
for (const d of drawFig2(table, `${options.profile} profile, seeds ${options.seeds.join(", ")}, GN rule ${options.rule}.`, ["gn", "gn (half-coupling)", "adam", "sgd"])) {
  console.log(`${d.name}: ${d.caption}`);
  show(d.figure, { name: d.name });
}

// %% [markdown]
// ## The findings

// %%
const findings = fig2Findings(table);
showTable(findingTable(findings));
for (const f of findings.filter((x) => x.verdict === "inconclusive")) console.log(`inconclusive: ${f.label}: ${f.why}`);

// %% [markdown]
// ## Deviations from the paper
//
// In the quick profile the runs are a few epochs on a subset of the training set, so a plateau there would also be
// a data limit; the verdicts above say *inconclusive (too short)* when they cannot tell.

// %%
for (const d of fig2.deviations(options, { refs: refs, results: results })) console.log(`- ${d}`);

// %% [markdown]
// ## Committed results tables (medium and paper profiles)
//
// Runs too long for a notebook ship as results tables under `results/` (the same tidy format, with the checkpoint
// analyses included; results/README.md lists the command that regenerates each). When one exists for this
// figure, the same drawing and findings functions judge it here; until then this says so.

// %%
import { showCommittedTables } from "exact-gn";
showCommittedTables(["fig2"], "Figure 2, mini-batch saturation");

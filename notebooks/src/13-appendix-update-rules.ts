// %% [markdown]
// # Appendix (beyond the paper) · Corrected vs paper-era GN update rule
//
// The paper-era code most likely solved each half-coupling as its own layer; the corrected block rule accounts for
// the change $f$'s update causes in $g$'s input: $d\Theta_g = A_2^+ (t_2 - J_g(Y_1)\,A_1 d\Theta_f)$. The two agree
// near init (weights $\sim 10^{-3}$, $J_g \approx 0$) and drift apart as the weights grow. This notebook measures the drift
// along real runs, how well each rule realizes the target $T$, and whether the paper's conclusions depend on the rule.
//
// Each section runs its experiments through the runner (cached and resumable; runs with the same config are shared
// with the other notebooks), draws the panels, and ends with conclusions **computed from the results**. In the quick
// profile (default) the appendix runs have the size of Figure 2's quick MNIST runs (capped at h = 512, batches of 128
// from 1024 training images, 8 epochs), so the plain GN, Adam and SGD runs are Figure 2's own and all appendix notebooks
// run in minutes on a CPU; the paper profile uses the paper's settings. Switches: `EXACT_GN_PROFILE=quick|paper` and
// `EXACT_GN_RULE=block|half-coupling`.

// %%
import { useBackend, figureOptions, findingTable, runFigure, appendixUpdateRules, show, showTable } from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({ rule: RULE });
console.log(`backend: ${backend.summary} | profile: ${options.profile} | seeds: ${options.seeds.join(", ")} | GN rule: ${options.rule}`);

// %% [markdown]
// ## Both rules along training
//
// **Setting.** Two GN runs on mini-batch MNIST, one per rule. At each of their checkpoints both rules' updates are
// computed on the same fixed batch: their relative difference, and per block the residual $|J_l d\theta_l - T|/|T|$
// of the first-order output change (0 for an exact step). Then losses, NTK similarity and CKA of the two runs.

// %%
console.log(appendixUpdateRules.title);
console.log(`claim: ${appendixUpdateRules.claim}`);

// %% [markdown]
// ### Settings: the paper and this run
//
// Every value in the right-hand column is read from the run configs, not restated.

// %%
showTable(appendixUpdateRules.settings(options));

// %% [markdown]
// ### Run the experiments
//
// Each line names a run, whether it was trained or loaded from the cache, and where its results live.

// %%
const runsRules = await runFigure(appendixUpdateRules, options);
const analysisRules = appendixUpdateRules.analyze ? await appendixUpdateRules.analyze(runsRules) : [];

// %% [markdown]
// ### The figure
//
// Interactive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line).

// %% tags=["figure"]
for (const f of appendixUpdateRules.draw(runsRules, analysisRules)) {
  console.log(`${f.name}: ${f.caption}`);
  show(f.figure, { name: f.name });
}

// %% [markdown]
// ### Deviations from the paper

// %%
for (const d of appendixUpdateRules.deviations(options, runsRules)) console.log(`- ${d}`);

// %% [markdown]
// ### What we see
//
// Each row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it.

// %%
const findingsRules = appendixUpdateRules.findings(runsRules, analysisRules);
showTable(findingTable(findingsRules));
const checkedRules = findingsRules.filter((f) => f.verdict !== undefined);
console.log(`${checkedRules.filter((f) => f.verdict === "shown").length} of ${checkedRules.length} checked claims shown in this run (profile ${options.profile}, rule ${options.rule}); these appendix verdicts compare seed means without their spread.`);
for (const f of checkedRules.filter((f) => f.verdict !== "shown")) console.log(`${f.verdict}: ${f.claim} (${f.label})`);

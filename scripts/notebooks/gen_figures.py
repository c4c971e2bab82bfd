"""Generates the figure notebooks (one per figure spec) from one template: narrative first, short code cells."""
import sys, os
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from nbgen import md, code, write

HERE = os.path.dirname(__file__)
NB = os.path.join(HERE, '..', '..', 'notebooks')

FIGS = [
    ('01-figure1-full-batch', 'fig1', 'Figure 1 · Full-batch training: GN vs Adam vs SGD', r"""
**Setting.** Full batch: the *first 1024* training images form a single batch, and every epoch is one step. This is
where exact GN should shine: it solves for the function-space step exactly, so on the data it sees it should fit
far faster than first-order methods.

**What to look for.** The training loss (log scale) of GN drops by orders of magnitude in a few steps; Adam and SGD
take many more. The accuracy panel shows the same on the training batch.
"""),
    ('02-figure2-mini-batch', 'fig2', 'Figure 2 · Mini-batch training: GN saturates early', r"""
**Setting.** Mini-batches of 1024, shuffled every epoch, last partial batch kept. CIFAR-10 runs add RandomResizedCrop.

**What to look for.** Whether GN's training *and* test loss stop improving early (saturate) while Adam keeps going and
ends lower, and how the test accuracies compare at the end.
"""),
    ('03-figure3-per-batch-loss-change', 'fig3', 'Figure 3 · Per-batch loss change: GN overfits each batch', r"""
**Setting.** The same runs as Figure 2 (they are loaded from the cache if notebook 02 ran). For every step we record
the loss of the batch *before* and *right after* its own update: $100\,(L_B(\text{after}) - L_B(\text{before}))/L_B(\text{before})$.

**What to look for.** GN's per-batch change stays strongly negative (each step fits its own batch) even late in
training, when the overall losses of Figure 2 have flattened: the step overfits the batch instead of learning
features that transfer.
"""),
    ('04-figure4-ntk-and-cka', 'fig4', 'Figure 4 · NTK and representations: lazy or not?', r"""
**Setting.** Mini-batch MNIST runs of GN (the corrected *and* the paper-era rule), Adam and SGD. Their checkpoints are
analysed on a fixed probe batch: NTK similarity to init $\cos(\Theta_0 v, \Theta_t v)$ with $\Theta v = J(J^\top v)$
for a fixed random $v$, the NTK rate of change between consecutive checkpoints (1 − Frobenius alignment of the
explicit empirical NTK), and linear CKA to init after the first, middle and last half-coupling.

**Why it matters.** The paper's arXiv text says GN stays in the lazy regime (NTK and representations barely move);
its revised abstract says the NTK does change. The numbers at the end of this notebook say which holds *here*, for
each rule.
"""),
    ('05-figure5-no-bottleneck', 'fig5', 'Figure 5 · Without the inverted bottleneck', r"""
**Setting.** The RevMLP *without* the inverted bottleneck: $f(x) = W s(x) + b$ with a square $W$ on $d/2$, no $V$,
6 blocks, CIFAR-10 (full batch and mini-batch). Without the bottleneck, $A$ has only $d/2+1$ columns, so exactness
needs $n \le d/2 + 1$.

**What to look for.** The same trends as with the bottleneck: GN fastest on the full batch, saturating with mini-batches.
"""),
]

GENERIC = r"""
This notebook runs the figure's experiments through the runner (cached and resumable: re-running a cell costs
nothing once a run is complete), draws the panels, and ends with conclusions **computed from the results**.
Switches: `EXACT_GN_PROFILE=quick|paper` (quick by default: sized for a CPU) and `EXACT_GN_RULE=block|half-coupling`
(the corrected GN rule, or the paper-era one).
"""


def setup_code(fids, log_fid=None):
    """The first code cell: imports, backend, options (and the title and claim of `log_fid`)."""
    names = ", ".join(fids)
    src = f"""
import {{ useBackend, figureOptions, findingTable, runFigure, {names}, show, showTable }} from "exact-gn";

const backend = await useBackend();
const RULE = (process.env.EXACT_GN_RULE ?? "block") as "block" | "half-coupling";
const options = figureOptions({{ rule: RULE }});
console.log(`backend: ${{backend.summary}} | profile: ${{options.profile}} | seeds: ${{options.seeds.join(", ")}} | GN rule: ${{options.rule}}`);
"""
    if log_fid is not None:
        src += f"""console.log({log_fid}.title);
console.log(`claim: ${{{log_fid}.claim}}`);
"""
    return code(src)


def body_cells(fid, h="##", v=""):
    """Settings, runs, figure, deviations and findings of one spec; `v` suffixes the variable names."""
    return [
        md(f"{h} Settings: the paper and this run\n\nEvery value in the right-hand column is read from the run configs, not restated."),
        code(f"showTable({fid}.settings(options));"),
        md(f"{h} Run the experiments\n\nEach line names a run, whether it was trained or loaded from the cache, and where its results live."),
        code(f"const runs{v} = await runFigure({fid}, options);\nconst analysis{v} = {fid}.analyze ? await {fid}.analyze(runs{v}) : [];"),
        md(f"{h} The figure\n\nInteractive: hover for values, click a legend entry to hide an optimizer in every panel. Bands are ± one standard deviation across seeds (a single seed draws a plain line)."),
        code(f"""
for (const f of {fid}.draw(runs{v}, analysis{v})) {{
  console.log(`${{f.name}}: ${{f.caption}}`);
  show(f.figure, {{ name: f.name }});
}}
""", figure=True),
        md(f"{h} Deviations from the paper"),
        code(f"for (const d of {fid}.deviations(options, runs{v})) console.log(`- ${{d}}`);"),
        md(f"{h} What we see\n\nEach row is a measurement taken from the runs above, the paper's qualitative claim about it, and whether this run shows it."),
        code(f"""
const findings{v} = {fid}.findings(runs{v}, analysis{v});
showTable(findingTable(findings{v}));
const checked{v} = findings{v}.filter((f) => f.holds !== undefined);
console.log(`${{checked{v}.filter((f) => f.holds).length}} of ${{checked{v}.length}} checked claims hold in this run (profile ${{options.profile}}, rule ${{options.rule}}).`);
for (const f of checked{v}.filter((f) => !f.holds)) console.log(`not shown here: ${{f.claim}} (${{f.label}})`);
"""),
    ]


def figure_cells(fid, title, intro):
    """The cells of a one-figure notebook."""
    return [md("# " + title + "\n" + intro + GENERIC), setup_code([fid], fid), *body_cells(fid)]


# Figure 1 also shows the committed paper-profile results table (too long a run for CI).
PAPER_RESULTS = {
    'fig1': [
        md("## The paper profile (committed results)\n\nThe MNIST half of Figure 1 at the paper's settings ($h = 8000$, the first 1024 images, 100 steps) takes 8-11 minutes per optimizer and seed on a quiet 2-core CPU with the native BLAS backend (about 1.5 hours for three optimizers and three seeds), too long for CI, so its results table is committed under `results/` (regenerate it with `bash scripts/paper-fig1-mnist.sh`). It is drawn here when present."),
        code("""
import { paperFigure1Findings, paperFigure1Mnist } from "exact-gn";
const paper = paperFigure1Mnist();
if (paper === null) console.log("results/fig1-mnist-paper.csv is not present: run bash scripts/paper-fig1-mnist.sh");
else {
  console.log(paper.caption);
  show(paper.figure, { name: "fig1-mnist-paper" });
  // What we see, computed from the table (mean ± std over the seeds it holds).
  const paperFindings = paperFigure1Findings(paper.rows);
  showTable(findingTable(paperFindings));
  for (const f of paperFindings.filter((f) => f.holds !== undefined)) console.log(`${f.holds ? "shown" : "NOT shown"}: ${f.claim} (${f.label})`);
}
""", figure=True),
    ],
}

if __name__ == "__main__":
    for stem, fid, title, intro in FIGS:
        write(os.path.join(NB, stem + '.ipynb'), figure_cells(fid, title, intro) + PAPER_RESULTS.get(fid, []))

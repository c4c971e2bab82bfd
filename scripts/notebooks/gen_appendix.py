"""Generates the appendix notebooks (10-13): related appendix figure specs share a notebook, each spec gets the
same sections as a main-figure notebook (settings, runs, figure, deviations, computed findings)."""
import sys, os
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.dirname(__file__))
from nbgen import md, code, write
from gen_figures import NB, setup_code, body_cells

GENERIC = r"""
Each section runs its experiments through the runner (cached and resumable; runs with the same config are shared
with the other notebooks), draws the panels, and ends with conclusions **computed from the results**. In the quick
profile (default) the appendix runs have the size of Figure 2's quick MNIST runs (capped at h = 512, batches of 128
from 1024 training images, 8 epochs), so the plain GN, Adam and SGD runs are Figure 2's own and all appendix notebooks
run in minutes on a CPU; the paper profile uses the paper's settings. Switches: `EXACT_GN_PROFILE=quick|paper` and
`EXACT_GN_RULE=block|half-coupling`.
"""

# (stem, notebook title, intro, [(spec variable, variable suffix, section heading, section narrative)])
NOTEBOOKS = [
    ('10-appendix-longer-training-and-switching', 'Appendix · Longer training and optimizer switching', r"""
Two appendix experiments on mini-batch training. Does GN's early saturation (Figure 2) persist when everyone trains
longer? And is it a property of the *weights* GN reaches, or of the *steps* GN takes: what happens when GN continues
from Adam-trained weights, and when Adam takes over from GN?
""", [
        ('appendixLongerTraining', 'Longer', 'Longer training: does GN stall?', r"""
**Setting.** Mini-batch MNIST, GN vs Adam vs SGD, trained several times longer than the standard runs (the dotted line
marks the standard length). **What to look for.** Whether GN's losses flatten while Adam's and SGD's keep going down;
the findings compare how much each curve improves over the second half of training.
"""),
        ('appendixSwitching', 'Switch', 'Optimizer switching: Adam then GN, GN then Adam', r"""
**Setting.** Half the epochs with one optimizer, then the other (`adam->gn`, `gn->adam`), next to plain GN and Adam;
the dotted line marks the switch. The last row is the loss change of each batch right after its own update
(Figure 3's measurement). **What to look for.** After switching to GN, does the test loss keep improving as Adam's
would, or stall while each GN step still overfits its batch? After switching to Adam, does training recover?
"""),
    ]),
    ('11-appendix-gn-hyperparameters-and-regularization', 'Appendix · GN hyperparameters and regularization', r"""
Can a hyperparameter or a regularizer rescue GN's generalization? Two sweeps first: the scale of the initial weights
(a smaller init keeps the network closer to linear for longer) and GN's learning rate (the step realizes
$-\text{lr}\cdot L\cdot T$ in function space, so a smaller rate takes smaller function-space steps). Then regularization:
the usual one, weight decay on the parameters, and regularizing the step itself: GN's right inverse
$A^+ = A^\top (A A^\top)^+$ can be truncated more coarsely (rtol), damped ($(A A^\top + \lambda I)^{-1}$, Tikhonov), or
perturbed with noise on the solved coefficients every step.
""", [
        ('appendixInitStd', 'Init', 'GN with init std 1e-2, 1e-3, 1e-6', r"""
**Setting.** GN on mini-batch MNIST with the trained weights $W$ initialized at std $10^{-2}$, $10^{-3}$ (the default)
and $10^{-6}$, and Adam at the default init. **What to look for.** Whether any init scale lets GN reach Adam's test loss.
"""),
        ('appendixGnLr', 'Lr', 'GN learning rates 1e-1, 1e-3, 1e-4', r"""
**Setting.** GN with learning rates $10^{-1}$ (Figure 2's), $10^{-3}$ and $10^{-4}$, and Adam. **What to look for.**
Whether smaller GN steps generalize better, or only train slower.
"""),
        ('appendixWeightDecay', 'Wd', 'GN with weight decay vs GN vs Adam', r"""
**Setting.** GN without and with weight decay ($\theta \leftarrow \theta - \text{lr}\,(d\theta + \text{wd}\,\theta)$),
and Adam without weight decay, mini-batch MNIST. PAPER.md gives no weight-decay value; the one used is stated below.
"""),
        ('appendixPinv', 'Pinv', 'Regularized pseudo-inverse: truncation, damping, noise', r"""
**Setting.** One column per regularization of the pseudo-inverse, each with plain GN (truncated SVD, rtol $10^{-2}$, as
in the paper) and Adam for reference. PAPER.md names the three regularizations but not their levels; the levels used
are stated below. **What to look for.** Whether any regularized step ends with a test loss as low as Adam's.
"""),
    ]),
    ('12-appendix-weights-cka-test-accuracy', 'Appendix · Weights, representations and test accuracy', r"""
Three looks at the mini-batch runs of Figure 2 (loaded from the cache when notebook 02 ran): how far each
optimizer moves the weights of every half-coupling, how much the representation after every half-coupling changes
(CKA to init, for all 6 CIFAR-10 blocks and both MNIST blocks), and the test accuracy with the generalization gap.
""", [
        ('appendixWeights', 'Weights', 'Weight cosine similarity and norm ratio per half-coupling', r"""
**Setting.** For every trained $W$ at the last checkpoint: $\cos(W_0, W_\text{end})$ and $|W_\text{end}|/|W_0|$ (the
biases start at 0, so they have no cosine to init). **Why it matters.** The arXiv text reads GN as lazy (parameters
barely move); with the small init ($10^{-3}$), any optimizer that learns must grow $W$ far beyond its init.
"""),
        ('appendixCkaBlocks', 'Cka', 'CKA to init for every block', r"""
**Setting.** Linear CKA between the representation after each half-coupling at init and at each checkpoint, on a
fixed probe batch, for every block. **What to look for.** Whether GN's representations stay closer to init than
Adam's and SGD's in *every* block, not just the first, middle and last ones of Figure 4.
"""),
        ('appendixTestAccuracy', 'Acc', 'Mini-batch comparison with test accuracy', r"""
**Setting.** Figure 2's runs, drawn as test accuracy and the gap between test loss and training loss.
**What to look for.** GN's final test accuracy against Adam's and SGD's, and whether it stops improving early.
"""),
    ]),
    ('13-appendix-update-rules', 'Appendix (beyond the paper) · Corrected vs paper-era GN update rule', r"""
The paper-era code most likely solved each half-coupling as its own layer; the corrected block rule accounts for
the change $f$'s update causes in $g$'s input: $d\Theta_g = A_2^+ (t_2 - J_g(Y_1)\,A_1 d\Theta_f)$. The two agree
near init (weights $\sim 10^{-3}$, $J_g \approx 0$) and drift apart as the weights grow. This notebook measures the drift
along real runs, how well each rule realizes the target $T$, and whether the paper's conclusions depend on the rule.
""", [
        ('appendixUpdateRules', 'Rules', 'Both rules along training', r"""
**Setting.** Two GN runs on mini-batch MNIST, one per rule. At each of their checkpoints both rules' updates are
computed on the same fixed batch: their relative difference, and per block the residual $|J_l d\theta_l - T|/|T|$
of the first-order output change (0 for an exact step). Then losses, NTK similarity and CKA of the two runs.
"""),
    ]),
]


def notebook_cells(title, intro, specs):
    cells = [md("# " + title + "\n" + intro + GENERIC), setup_code([fid for fid, _, _, _ in specs])]
    for fid, v, heading, narrative in specs:
        cells.append(md("## " + heading + "\n" + narrative))
        cells.append(code(f"console.log({fid}.title);\nconsole.log(`claim: ${{{fid}.claim}}`);"))
        cells.extend(body_cells(fid, "###", v))
    return cells


if __name__ == "__main__":
    for stem, title, intro, specs in NOTEBOOKS:
        write(os.path.join(NB, stem + '.ipynb'), notebook_cells(title, intro, specs))

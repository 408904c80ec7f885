"""The imbalanced paper's claim table: every ledger row it produces, in ledger order (theory and CPU rows, the
tuned-lr sanity row, then the GPU-scale rows), with its kind, statement, figures, the function that computes it,
the rule that holds it and its verdict-rule key. The one place a row's statement and figures are written:
``claims.py`` and ``gpu/claims.py`` build their specs from it (metrics and criteria stay there), the rule files
take their figure lists from it. Every row is in rule ``imbalanced_claims``'s ``imbalanced/claims.csv``; the
GPU-scale rows are those computed in ``gpu/claims.py`` (their figures are drawn by ``imbalanced_gpu_figures``).
C17-levels repeats C17 under C17's verdict rule at each level, so only C17 names that key.
"""

from __future__ import annotations

from muonrepro.ledger.claim_table import ClaimTable, Entry
from muonrepro.ledger.sanity_lr import edge_entry

_CLAIMS = "muonrepro.imbalanced.claims."
_GPU = "muonrepro.imbalanced.gpu.claims."
_RULE = "imbalanced_claims"
_CPU_RULES = "imbalanced.claims.rules."
_GPU_RULES = "imbalanced_gpu.claims.rules."
_THEORY = _CLAIMS + "theory_claim"

TABLE = ClaimTable(
    "imbalanced",
    (
        Entry(
            "C1",
            "theorem",
            "DM Lemma: Sigma_yx and Sigma_xx share the right basis V; s^yx_c = mu p_c, s^xx_c = mu^2 p_c + sigma_x^2",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C2",
            "theorem",
            "Prop 1: SpecGD from zero init grows every component at rate eta until it saturates at r_c (minority first)",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C3",
            "theorem",
            "GD closed form alpha_c(t) = r_c (1 - (1 - eta s^xx_c)^t)",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C4",
            "theorem",
            "NGD/NGF follows the GF path (time reparametrisation)",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C5",
            "theorem",
            "Theorem 1: for t <= t*, GF minus SpecGF minority loss >= mu t/4 and balanced loss >= mu t/2",
            ("loss_gaps",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C6",
            "theorem",
            "Theorem 2: for t <= t*, NGF minus SpecGF minority loss >= mu t/2",
            ("loss_gaps",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C7",
            "theorem",
            "Prop 2 / depth: per-layer SpecGD saturates at (r_c^{1/L} - eps)/eta; relative spread Delta T",
            ("depth",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C8",
            "theorem",
            "Early-stopped SpecGF beats every stopping time of GF in balanced and worst-class accuracy (DM)",
            ("dm_accuracy",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C9",
            "theorem",
            "Muon (beta = 0.9) follows SpecGD",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C10",
            "theorem",
            "SignGD equals SpecGD only for axis-aligned means",
            ("fig2_trajectories",),
            _THEORY,
            _RULE,
        ),
        Entry(
            "C11",
            "empirical",
            "Fig 4: early-stopped SpecGD beats any stopping point of NGD/SignGD (and GD) in balanced and worst-class "
            "accuracy",
            ("fig4_linear_ce",),
            _CLAIMS + "_linear_ce_claim",
            _RULE,
            _CPU_RULES + "C11",
        ),
        Entry(
            "C12",
            "empirical",
            "E1 Colored-MNIST: Muon learns minority groups earlier than NMD and Signum",
            ("cmnist_groups",),
            _CLAIMS + "_cmnist_claim12",
            _RULE,
            _CPU_RULES + "C12",
        ),
        Entry(
            "C17",
            "empirical",
            "Fig 6: with Muon, the minority-vs-majority learning-time gap is smaller for a 4-layer than a 2-layer MLP",
            ("fig6_depth",),
            _CLAIMS + "_cmnist_claim17",
            _RULE,
            _CPU_RULES + "C17",
        ),
        Entry(
            "C17-levels",
            "extension",
            "C17's verdict (the minority-vs-majority learning-time gap is smaller for the deeper MLP, Muon) does not "
            "depend on the learning level",
            ("fig6_depth",),
            _CLAIMS + "_cmnist_claim17_levels",
            _RULE,
        ),
        edge_entry(_RULE),  # the shared sanity row: ledger.sanity_lr.edge_claim builds it from this entry
        Entry(
            "C13",
            "empirical",
            "E2 CIFAR-10 STEP-20: Muon learns minority classes earlier than SGD and narrows the majority-minority gap",
            ("e2_cifar_step",),
            _GPU + "cifar_claim",
            _RULE,
            _GPU_RULES + "C13",
        ),
        Entry(
            "C13-cifar100",
            "empirical",
            "E2 CIFAR-100 STEP-20: Muon learns minority classes earlier than SGD and narrows the majority-minority gap",
            ("e2_cifar_step",),
            _GPU + "cifar_claim",
            _RULE,
            _GPU_RULES + "C13-cifar100",
        ),
        Entry(
            "C14",
            "empirical",
            "E3 MNIST-CIFAR dominoes: decoded worst-group accuracy of Muon, Shampoo and Adam far above SGD's",
            ("e3_dominoes",),
            _GPU + "dominoes_claim",
            _RULE,
            _GPU_RULES + "C14",
        ),
        Entry(
            "C15a",
            "empirical",
            "E4 MultiNLI: worst-group accuracy of Muon and Shampoo above SGD; Adam >= Muon",
            ("e4_multinli",),
            _GPU + "multinli_claim",
            _RULE,
            _GPU_RULES + "C15a",
        ),
        Entry(
            "C15b",
            "empirical",
            "E5 CelebA: worst-group accuracy of Muon and Shampoo above SGD",
            ("e5_celeba",),
            _GPU + "celeba_claim",
            _RULE,
            _GPU_RULES + "C15b",
        ),
        Entry(
            "C16",
            "empirical",
            "E6 TinyStories: loss on rare-token buckets falls faster (relative to frequent) for Muon than Adam and SGD",
            ("e6_tinystories",),
            _GPU + "tinystories_claim",
            _RULE,
            _GPU_RULES + "C16",
        ),
    ),
)

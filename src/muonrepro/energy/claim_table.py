"""The energy paper's claim table: every ledger row it produces, in ledger order, with its kind, statement, figures,
the function that computes it, the rule that writes it and its verdict-rule key (``ledger.claim_table``).

This is the one place a row's statement and figures are written: ``claims`` builds every row's spec from it
(``TABLE.spec``) and ``workflow/rules/energy.smk`` its figure list (``TABLE.figures()``). The values, metrics and
criteria, which depend on the config and the run, stay in ``claims``. ``sanity-lr`` is the
shared ``ledger.sanity_lr.edge_claim``'s row (its entry: ``edge_entry``).
"""

from __future__ import annotations

from muonrepro.ledger.claim_table import ClaimTable, Entry
from muonrepro.ledger.sanity_lr import edge_entry

_CLAIMS = "muonrepro.energy.claims."
_RULE = "energy_claims"
_RULES = "energy.claims.rules."

TABLE = ClaimTable(
    "energy",
    (
        Entry(
            "C3",
            "theorem",
            "On a quadratic with Kronecker Hessian, total energy = squared H2 norm of the closed "
            "loop and splits per mode as lambda_i mu_j a_ij(0)^2/(1-rho_ij^2)",
            ("theory_checks",),
            _CLAIMS + "theory_claims",
            _RULE,
        ),
        Entry(
            "C4",
            "theorem",
            "Among controllers with a common weighted-mean rate, uniform per-mode rates minimise total energy (Jensen)",
            ("theory_checks",),
            _CLAIMS + "theory_claims",
            _RULE,
        ),
        Entry(
            "C5",
            "theorem",
            "The polar step UV^T moves every Kronecker-eigenbasis mode at the same rate, whatever its curvature",
            ("theory_checks",),
            _CLAIMS + "theory_claims",
            _RULE,
        ),
        Entry(
            "instrument-kfac",
            "instrument",
            "Instrument: the K-FAC curvature Sigma_x kron Sigma_delta that the per-mode estimator divides by gives the "
            "same damped Newton decrement as the exact Gauss-Newton block of each monitored layer, on the runs it "
            "measures (C6a and C6c rest on it)",
            (),
            _CLAIMS + "instrument_claim",
            _RULE,
        ),
        Entry(
            "C6a",
            "empirical",
            "Muon has the smallest Gini coefficient of per-mode energy {E_ij} on every monitored hidden matrix",
            ("gini",),
            _CLAIMS + "gini_claim",
            _RULE,
            _RULES + "C6a",
        ),
        Entry(
            "C6b",
            "empirical",
            "Muon has the smallest cumulative energy E = sum_t ||delta_t||^2 on two of three (our reading: "
            "architectures)",
            ("cumulative_energy",),
            _CLAIMS + "energy_claim",
            _RULE,
            _RULES + "C6b",
        ),
        Entry(
            "C6c",
            "empirical",
            "Muon's energy advantage is concentrated in the low-curvature tail of the spectrum",
            ("curvature_deciles",),
            _CLAIMS + "tail_claim",
            _RULE,
            _RULES + "C6c",
        ),
        Entry(
            "C5-runs",
            "extension",
            "Ours, not the paper's (its C5 is about the exact polar step on the quadratic): Muon's actual updates lie "
            "nearer the Kronecker eigenbasis than SGD's and AdamW's along the MNIST runs",
            ("offdiag",),
            _CLAIMS + "offdiag_claim",
            _RULE,
            _RULES + "C5-runs",
        ),
        Entry(
            "sanity-acc",
            "sanity",
            "Sanity: every MNIST MLP run trains to a reasonable test accuracy "
            "(not a paper claim; the paper's accuracies are unknown)",
            ("training_curves",),
            _CLAIMS + "accuracy_claim",
            _RULE,
        ),
        edge_entry(_RULE),
        Entry(
            "C6a-sensitivity",
            "extension",
            "C6a's verdict (smallest Gini on every monitored matrix) does not depend on the reading of the estimator",
            ("reading_robustness",),
            _CLAIMS + "sensitivity_claims",
            _RULE,
        ),
        Entry(
            "C6b-sensitivity",
            "extension",
            "C6b's verdict (smallest cumulative energy on two of three) does not depend on the reading of the "
            "estimator",
            ("reading_robustness",),
            _CLAIMS + "sensitivity_claims",
            _RULE,
        ),
        Entry(
            "C6c-sensitivity",
            "extension",
            "C6c's verdict (advantage concentrated in the low-curvature tail) does not depend on the reading of the "
            "estimator",
            ("reading_robustness",),
            _CLAIMS + "sensitivity_claims",
            _RULE,
        ),
        Entry(
            "C5-runs-sensitivity",
            "extension",
            "C5-runs's verdict (updates nearer the Kronecker eigenbasis) does not depend on the reading of the "
            "estimator",
            ("reading_robustness",),
            _CLAIMS + "sensitivity_claims",
            _RULE,
        ),
    ),
    # drawn by rule energy_figures without a row of their own; training_robustness: the training-settings robustness
    # target (energy_robustness_figures, outside rule all), whose robustness.csv is no ledger
    other_figures=("energy_trajectory", "per_mode_heatmap", "training_robustness"),
)

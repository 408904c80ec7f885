"""The preconditioning paper's claim table: every ledger row of rule ``precond_claims`` (A1-A15, the extensions
E1-E3 and the ``sanity-lr`` row), in ledger order.

This is the one place a row's kind, statement (its ``claim`` text) and figures are written: the checks in
``muonrepro.precond.checks`` build their row specs from it (``TABLE.spec``) and ``workflow/rules/precond.smk``
takes its figure list from it (``TABLE.figures()``). What a row measures, its criterion and its verdict stay in
its check. E3's statement quotes ``config precond.l1_budget.slack_unaligned`` (field ``{slack}``). The
``sanity-lr`` row is built by the shared ``muonrepro.ledger.sanity_lr.edge_claim`` from its entry here.
"""

from __future__ import annotations

from muonrepro.ledger.claim_table import ClaimTable, Entry
from muonrepro.ledger.sanity_lr import edge_entry

TABLE = ClaimTable(
    "precond",
    (
        Entry(
            "A1",
            "empirical",
            "Simplified Muon (exact msgn, geometric step S1) converges linearly on matrix factorization (C2)",
            ("R1_mf_convergence",),
            "muonrepro.precond.checks.convergence.a1",
            "precond_claims",
            "precond.claims.rules.A1",
        ),
        Entry(
            "A2",
            "empirical",
            "Muon's iteration count to epsilon is independent of kappa on matrix factorization (C2)",
            ("R2_mf_iterations",),
            "muonrepro.precond.checks.convergence.a2",
            "precond_claims",
            "precond.claims.rules.A2",
        ),
        Entry(
            "A3",
            "empirical",
            "Muon's iteration count to epsilon is independent of kappa on in-context linear regression (C2)",
            ("R5_icl_iterations",),
            "muonrepro.precond.checks.convergence.a3",
            "precond_claims",
            "precond.claims.rules.A3",
        ),
        Entry(
            "A4",
            "empirical",
            "GD's iteration count grows with kappa on matrix factorization (best constant step)",
            ("R2_mf_iterations",),
            "muonrepro.precond.checks.baselines.a4",
            "precond_claims",
            "precond.claims.rules.A4",
        ),
        Entry(
            "A5",
            "empirical",
            "GD's iteration count grows with kappa on ICL (closed form, best step of the grid)",
            ("R5_icl_iterations",),
            "muonrepro.precond.checks.baselines.a5",
            "precond_claims",
            "precond.claims.rules.A5",
        ),
        Entry(
            "A6",
            "empirical",
            "Muon beats GD (C3): far fewer iterations at large kappa",
            ("R2_mf_iterations", "R5_icl_iterations"),
            "muonrepro.precond.checks.baselines.a6",
            "precond_claims",
            "precond.claims.rules.A6",
        ),
        Entry(
            "A7",
            "empirical",
            "Muon beats Adam (C3) in a rotated spectral basis",
            ("R1_mf_convergence", "R8b_adam_rotation"),
            "muonrepro.precond.checks.baselines.a7",
            "precond_claims",
            "precond.claims.rules.A7",
        ),
        Entry(
            "A8",
            "theorem",
            "Scalar decoupling on MF (C4): aligned Muon iterates follow the per-mode scalar recursion",
            ("R3_mf_modes",),
            "muonrepro.precond.checks.theory_rows.a8",
            "precond_claims",
        ),
        Entry(
            "A8-R3",
            "theorem",
            "Scalar decoupling on MF (C4), on the R3 runs: aligned Muon iterates follow the per-mode scalar recursion",
            ("R3_mf_modes",),
            "muonrepro.precond.checks.theory_rows.a8_r3",
            "precond_claims",
        ),
        Entry(
            "A9",
            "theorem",
            "Scalar decoupling on ICL (C4): Q^T B_t Q stays diagonal and follows b <- b - eta_t sign(gam b - 1)",
            ("R6_icl_modes",),
            "muonrepro.precond.checks.theory_rows.a9",
            "precond_claims",
        ),
        Entry(
            "A10",
            "theorem",
            "Every mode converges in the same way (C4): |e_t,i| / eta_t <= 1/(1-q) (Lemma L1 on matrix iterates)",
            ("R3_mf_modes",),
            "muonrepro.precond.checks.theory_rows.a10",
            "precond_claims",
        ),
        Entry(
            "A11",
            "theorem",
            "Lemma L1 is tight and q >= 1/2 is needed (scalar sweep)",
            ("R7_step_rules",),
            "muonrepro.precond.checks.theory_rows.a11",
            "precond_claims",
        ),
        Entry(
            "A12",
            "theorem",
            "The predicted Muon iteration bound holds (T_Muon for aligned MF, T_Muon^ICL for ICL)",
            ("R2_mf_iterations", "R5_icl_iterations"),
            "muonrepro.precond.checks.theory_rows.a12",
            "precond_claims",
        ),
        Entry(
            "A13",
            "empirical",
            "Constant-step Muon (S0) does not converge linearly: the error floors at O(eta)",
            ("R7_step_rules",),
            "muonrepro.precond.checks.ablations.a13",
            "precond_claims",
            "precond.claims.rules.A13",
        ),
        Entry(
            "A14",
            "theorem",
            "The closed-form ICL population loss is correct",
            ("R4_icl_convergence",),
            "muonrepro.precond.checks.theory_rows.a14",
            "precond_claims",
        ),
        Entry(
            "A15",
            "empirical",
            "An exact polar factor is needed: NS5 in place of msgn loses the kappa-free convergence (caution)",
            ("R8_orthogonalizer",),
            "muonrepro.precond.checks.ablations.a15",
            "precond_claims",
            "precond.claims.rules.A15",
        ),
        Entry(
            "E1",
            "extension",
            "(extension, ours) Simplified Muon is kappa-free on asymmetric MF from a small random init (§3.1, §8)",
            ("X1_extensions",),
            "muonrepro.precond.checks.convergence.e1",
            "precond_claims",
            "precond.claims.rules.E1",
        ),
        Entry(
            "E2",
            "extension",
            "(extension, ours) Simplified Muon with one shared S1 schedule is kappa-free on the two-factor "
            "(u, U) ICL model (spec §5.5 expects this to be fragile)",
            ("X1_extensions",),
            "muonrepro.precond.checks.convergence.e2",
            "precond_claims",
            "precond.claims.rules.E2",
        ),
        Entry(
            "E3",
            "extension",
            "(extension, ours) With the spec's tight step budget on MF from a small random start (outside Lemma L1's "
            "budget condition with the spec §8 slack {slack}), simplified Muon can stall: every run that misses "
            "epsilon has a remaining step budget below its remaining distance (spec §5.1 budget condition)",
            ("R2_mf_iterations",),
            "muonrepro.precond.checks.convergence.e3",
            "precond_claims",
        ),
        edge_entry("precond_claims", "muonrepro.precond.claims.lr_edge_claim"),
    ),
)

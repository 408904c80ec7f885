"""Preconditioning paper (Ma, Huang, Chi, Chen, arXiv 2601.13474): spec ``papers/preconditioning.md``.

Modules, one concept each (float64 numpy throughout, batched over a leading run axis):

- ``problems.spectra``: condition-number spectra, their seeded interior jitter, random rotations (spec §3).
- ``problems.mf``: symmetric and asymmetric matrix factorization (spec §3.1).
- ``problems.icl``: reduced and two-factor in-context linear regression, closed-form population loss (§3.2).
- ``instances``: one problem instance per seed from the config (a seed draws the basis, the start and the
  spectrum's jitter, so seeds are replicates at a fixed kappa).
- ``steps``: step-size rules S0-S3 (spec §4.3).
- ``optimizers``: simplified Muon (msgn or NS5 via ``optim.orthogonalize_np``), GD, Adam (spec §4.2, §4.4, §5.7).
- ``runner``: the batched iteration loop with first-reach counts and early stopping.
- ``budget``: Lemma L1's budget condition (eta0/(1-q) >= slack x initial distance), eta0 from it, and each
  run's outcome (reached / stalled / budget) (issue 25, ``docs/precond-instruments.md``).
- ``scalar``: scalar recursions, Lemma L1, predicted iteration counts, GD closed forms (spec §5).
- ``sweep``: per-problem sweeps over kappa, seeds and methods (spec §6, R1-R6); ``sweep.mf``, ``sweep.icl``.
- ``ablation``: step-rule and orthogonalizer ablations (spec §6 R7, R8; checks A13, A15).
- ``theory``: Lemma L1 sweeps and the Monte-Carlo loss check (spec §5.1, checks A10, A11, A14).
- ``checks``: checks A1-A15 (+ extensions) turned into claims-ledger rows (spec §7): empirical rows from
  per-seed effects judged by ``stats.verdict``, theorem rows as float64 pass/fail.
- ``table``: table T1 (spec §6).
- ``claims``: loads the result tables and writes the ledger, T1 and run metadata.
- ``layout``: file names of the output contract and config slices for the rules.
"""

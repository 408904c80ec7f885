"""Preconditioning paper (Ma, Huang, Chi, Chen, arXiv 2601.13474): spec ``papers/preconditioning.md``.

Modules, one concept each (float64 numpy throughout, batched over a leading run axis):

- ``spectra``: condition-number spectra and random rotations (spec §3).
- ``polar``: numpy wrappers of the shared ``orthogonalize`` (msgn and NS5, spec §4.1, §5.7).
- ``mf``: symmetric and asymmetric matrix factorization (spec §3.1).
- ``icl``: reduced and two-factor in-context linear regression, closed-form population loss (§3.2).
- ``steps``: step-size rules S0-S3 (spec §4.3).
- ``optimizers``: simplified Muon, GD, Adam update rules (spec §4.2, §4.4).
- ``runner``: the batched iteration loop with first-reach counts and early stopping.
- ``scalar``: scalar recursions, Lemma L1, predicted iteration counts, GD closed forms (spec §5).
- ``sweep``: per-problem sweeps over kappa, seeds and methods (spec §6, R1-R6).
- ``ablation``: step-rule and orthogonalizer ablations (spec §6 R7, R8; checks A13, A15).
- ``theory``: Lemma L1 sweeps and the Monte-Carlo loss check (spec §5.1, checks A10, A11, A14).
- ``checks``: checks A1-A15 (+ extensions) turned into claims-ledger rows (spec §7).
- ``table``: table T1 (spec §6).
- ``claims``: loads the result tables and writes the ledger, T1 and run metadata.
- ``layout``: file names of the output contract and config slices for the rules.
"""

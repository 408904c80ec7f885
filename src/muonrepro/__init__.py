"""muon-repro: reproduction code for three 2026 papers on the Muon optimizer.

One home per paper: ``energy`` (spectral equalization and total training energy), ``precond``
(preconditioning benefits of spectral orthogonalization), ``imbalanced`` (Muon on imbalanced data, with
its GPU-scale experiments in ``imbalanced.gpu``); on shared machinery: ``optim`` (the one
orthogonalization, Muon and the normalized family), ``training`` (the one loop, checkpoints, lr
selection), ``models``, ``data``, ``stats`` (verdict statistics over seeds), ``ledger`` (claim rows,
theory-check tables, the report), ``plotting`` (one figure style), ``pipeline`` (what the rule files
need), ``util``.
"""

__version__ = "0.1.0"

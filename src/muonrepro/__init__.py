"""muon-repro: reproduction code for three 2026 papers on the Muon optimizer.

Subpackages, one concept each: ``optim`` (orthogonalize, Muon and the normalized family),
``models``, ``data``, ``train``, ``energy`` (spectral-equalization paper), ``theory``
(imbalanced-data and preconditioning papers), ``claims`` (the claims ledger), ``util``.
"""

__version__ = "0.1.0"

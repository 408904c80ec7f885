"""The imbalanced-data paper (Vasudeva et al., ICLR 2026; spec ../shared/papers/imbalanced.md).

Modules, one concept each:
``data_model`` (DM, moments, Lemma; §1.1), ``losses`` (population / per-class loss and accuracy; §1.3),
``dynamics`` (full-matrix GD/NGD/SignGD/SpecGD/Muon and closed forms; §1.4, §2.1-2.3),
``theorems`` (flows, Theorems 1-2 sweeps; §2.4), ``deep_linear`` (per-layer SpecGD, Delta T; §2.5),
``early_stopping`` (DM accuracies along SpecGF / GF; §2.7a), ``checks`` (all theory checks),
``linear_ce`` (Fig. 4), ``cmnist`` (Colored-MNIST training; E1, Fig. 6), ``curves`` (lr selection,
curves.parquet), ``claims`` (ledger rows), ``claims_job`` (the ledger from the claims rule's files); each CPU rule's job,
``<what>_job(smk)``, sits beside its computation (``cmnist_data_job`` in ``muonrepro.data.colored_mnist``); ``gpu``: the
GPU-scale experiments.
"""

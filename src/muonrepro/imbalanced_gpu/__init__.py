"""The imbalanced-data paper's GPU-scale experiments (spec imbalanced.md §3 E2-E6, §4.3-§4.7, §5 items 13-16).

``status``: which datasets are on disk (no torch import: used at Snakemake parse time);
``datasets``: builds an experiment's tensors; ``train``: one (experiment, optimizer, seed) run with
per-group metrics and decoded accuracy; ``claims``: ledger rows C13-C16.
"""

"""The imbalanced-data paper's GPU-scale experiments (spec imbalanced.md §3 E2-E6, §4.3-§4.7, §5 items 13-16).

``status``: which datasets are on disk (no torch import: used at Snakemake parse time);
``datasets``: builds an experiment's tensors; ``loop``: the epoch loop every experiment shares
(evaluation schedule, divergence, checkpoint/resume); tasks ``vision`` (ResNets: per-group and
decoded accuracy), ``nli`` (BERT on MultiNLI), ``lm`` (a small GPT on TinyStories: loss per
token-frequency bucket); ``train``: one (experiment, optimizer, seed) run; ``select``: the lr
selection on the validation split; ``groups``: group accuracies; ``claims``: ledger rows C13-C16.

The rules' jobs (``<what>_job(smk)``, one per workflow script): ``status.data_status_job``,
``datasets.build_job``, ``select.tune_job``, ``lr_choice`` (``lr_round_job``, ``select_lr_job``),
``train_job.train_job`` and ``metrics.metrics_job``.
"""

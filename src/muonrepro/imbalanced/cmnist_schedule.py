"""How many epochs a Colored-MNIST (depth, optimizer) job trains: arithmetic on the config, free of torch, so that
the training job and the workflow (which imports it as it parses, for the jobs' runtime) share it."""

from __future__ import annotations


def cmnist_tuning(sizes: dict, grid: list[float], early_fraction: float) -> int:
    """Epochs of the first seed's tuning runs under ``sizes.tune_seeds: first`` (0: every seed trains every lr for the
    whole run, as under ``all`` or with one lr). They last the early window the choice scores (the first
    ``early_fraction`` of the whole run's steps), so their score is the whole run's; the window must be whole epochs."""
    if sizes.get("tune_seeds", "all") == "all" or len(grid) < 2:
        return 0
    epochs = early_fraction * sizes["epochs"]
    if abs(epochs - round(epochs)) > 1e-9 or round(epochs) < 1:
        raise ValueError(
            f"tune_seeds: first needs the early window (imbalanced.claims.early_fraction {early_fraction:g} x "
            f"epochs {sizes['epochs']}) to be a whole number of epochs, got {epochs:g}"
        )
    return round(epochs)


def cmnist_job_epochs(sizes: dict, grid: list[float], early_fraction: float) -> int:
    """Epochs one (depth, optimizer) job trains before any grid extension (its runtime estimate)."""
    tune = cmnist_tuning(sizes, grid, early_fraction)
    seeds = len(sizes["seeds"])
    return tune * len(grid) + sizes["epochs"] * seeds if tune else sizes["epochs"] * seeds * len(grid)

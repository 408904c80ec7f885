"""The one learning-rate selection: scores on a validation split carved from the training data, never
on test.

``choose(scores, mode, fallback)``: ``scores`` maps a candidate (an lr, or an (lr, stopping step) pair)
to its validation score, ``None`` for a diverged run. The best score by ``mode`` (``max`` for
accuracies, ``min`` for losses) wins; ties go to the smaller candidate (the smaller lr); when every
candidate diverged the ``fallback`` (the configured lr) is kept and the rule says so.

``select_lr(grid, fallback, train, mode)``: trains each lr of the grid with ``train(lr) -> score or
None`` and chooses. An empty or one-element grid trains nothing.
"""

from __future__ import annotations

from collections.abc import Callable


def choose(scores: dict, mode: str, fallback) -> tuple[object, str]:
    """(chosen candidate, why)."""
    if mode not in ("max", "min"):
        raise ValueError(f"lr selection mode must be 'max' or 'min', got {mode!r}")
    ok = {c: s for c, s in scores.items() if s is not None}
    if not ok:
        return fallback, "every candidate diverged: the configured value is kept"
    sign = 1.0 if mode == "max" else -1.0
    best = max(sorted(ok), key=lambda c: sign * ok[c])  # sorted: the first (smallest) of tied candidates wins
    return best, f"{mode} of the validation score; ties -> the smaller"


def select_lr(grid: list[float], fallback: float, train: Callable[[float], float | None], mode: str = "max") -> dict:
    """Train each lr of ``grid`` (validation score or None if diverged) and choose; returns the choice record
    ``{"lr", "tuned", "grid", "scores", "rule"}`` written next to the result."""
    grid = sorted(float(g) for g in grid)
    if len(grid) <= 1:
        lr = grid[0] if grid else float(fallback)
        return {"lr": lr, "tuned": False, "grid": grid, "scores": {}, "rule": "no lr grid: the configured lr"}
    scores = {lr: train(lr) for lr in grid}
    lr, why = choose(scores, mode, float(fallback))
    return {"lr": float(lr), "tuned": True, "grid": grid, "scores": {str(k): v for k, v in scores.items()}, "rule": why}

"""The one learning-rate selection: scores on a validation split carved from the training data, never
on test.

``choose(scores, mode, fallback)``: ``scores`` maps a candidate (an lr, or an (lr, stopping step) pair)
to its validation score, ``None`` for a diverged run. The best score by ``mode`` (``max`` for
accuracies, ``min`` for losses) wins; ties go to the smaller candidate (the smaller lr); when every
candidate diverged the ``fallback`` (the configured lr) is kept and the rule says so.

``select_lr(grid, fallback, train, mode, max_extensions)``: trains each lr of the grid with
``train(lr) -> score or None`` and chooses. An empty or one-element grid trains nothing.

A choice at an edge of the grid is not a choice: the best lr may lie beyond it. The rule, written down
before any paper-scale rerun (config ``lr_selection.max_extensions``): while the chosen lr is the grid's
smallest or largest, train one more lr one geometric step past that edge (the ratio of the two outermost
lrs on that side, ``past_edge``) and choose again, at most ``max_extensions`` times. A choice still at an
edge after that is recorded as such (``edge`` in the choice record), never passed off as interior.
``extend_grid`` is that loop for any experiment: ``train(lrs)`` trains lrs, ``choose_lr(grid)`` chooses
among those trained.

Its variants, each named by what it selects, all through ``choose`` (and ``extend_grid`` where lrs are trained):
``energy.runs.select_mlp_lr`` (the lr of one MNIST MLP, validation accuracy after the tuning epochs);
``imbalanced.curves.linear_ce_choice`` (a rule's (lr, stopping step) at the peak of the seed-mean validation curve;
the claim rows read the step back with the same function) and ``imbalanced.curves.cmnist_choice`` (a Colored-MNIST
lr, early-window validation minority accuracy); ``select_lr`` itself over the validation scores of ``imbalanced.gpu.select.score``
(a GPU-scale task's lr, its configured validation metric). The precond sweeps are not a selection on data: the paper's baselines are tuned as the best of
their grid on the optimization objective itself (fewest iterations to the target, ``precond.sweep.common.best_rows``,
spec §4.4), with the same grid-edge rule (``past_edge``).
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


def past_edge(grid: list[float], lr) -> float | None:
    """The lr one geometric step past the edge of ``grid`` that ``lr`` lies on, or None when ``lr`` is interior
    (or not in the grid, or the grid has fewer than two lrs): below the smallest ``g0 * g0 / g1``, above the
    largest ``gn * gn / g(n-1)``, rounded to 12 significant digits."""
    g = sorted(float(x) for x in grid)
    if len(g) < 2 or lr is None or lr not in (g[0], g[-1]):
        return None
    nxt = g[0] * g[0] / g[1] if lr == g[0] else g[-1] * g[-1] / g[-2]
    return float(f"{nxt:.12g}")


def extend_grid(
    grid: list[float],
    train: Callable[[list[float]], None],
    choose_lr: Callable[[list[float]], float | None],
    max_extensions: int,
) -> tuple[list[float], str]:
    """Train ``grid``, then extend it past the edge the choice lies on until the choice is interior (the module's
    rule). Returns (every lr trained, sorted; the edge status in words: ``interior``, ``no usable lr`` or the
    edge it is still on after ``max_extensions`` extensions)."""
    grid = sorted(float(g) for g in grid)
    train(grid)
    for _ in range(max_extensions):
        nxt = past_edge(grid, choose_lr(grid))
        if nxt is None:
            break
        train([nxt])
        grid = sorted(grid + [nxt])
    return grid, edge_status(grid, choose_lr(grid), max_extensions)


def edge_status(grid: list[float], lr, max_extensions: int) -> str:
    """``not tuned`` (fewer than two lrs), ``interior``, ``no usable lr``, or which edge the choice is on after
    ``max_extensions`` extensions."""
    if len(grid) < 2:
        return "not tuned"
    if lr is None:
        return "no usable lr"
    if past_edge(grid, lr) is None:
        return "interior"
    side = "smallest" if lr == min(grid) else "largest"
    return f"at the {side} lr trained ({max_extensions} extension(s) allowed): the best lr may lie beyond it"


def select_lr(
    grid: list[float],
    fallback: float,
    train: Callable[[float], float | None],
    mode: str = "max",
    max_extensions: int = 0,
) -> dict:
    """Train each lr of ``grid`` (validation score or None if diverged) and choose, extending the grid past an edge
    choice (``extend_grid``); returns the choice record ``{"lr", "tuned", "grid", "configured_grid", "scores",
    "rule", "edge"}`` written next to the result."""
    grid = sorted(float(g) for g in grid)
    if len(grid) <= 1:
        lr = grid[0] if grid else float(fallback)
        return {
            "lr": lr,
            "tuned": False,
            "grid": grid,
            "configured_grid": grid,
            "scores": {},
            "rule": "no lr grid: the configured lr",
            "edge": "not tuned",
        }
    scores: dict[float, float | None] = {}

    def train_all(lrs):
        scores.update({lr: train(lr) for lr in lrs})

    def choose_lr(lrs):
        lr, _ = choose({k: scores[k] for k in lrs}, mode, None)
        return lr

    trained, edge = extend_grid(grid, train_all, choose_lr, max_extensions)
    lr, why = choose(scores, mode, float(fallback))
    return {
        "lr": float(lr),
        "tuned": True,
        "grid": trained,
        "configured_grid": grid,
        "scores": {str(k): scores[k] for k in trained},
        "rule": why,
        "edge": edge,
    }

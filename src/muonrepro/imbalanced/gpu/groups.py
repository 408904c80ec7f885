"""Group accuracies and their summaries (minority/majority means, worst group, balanced, average)."""

from __future__ import annotations

import torch


def group_accuracy(pred, y, g, n_groups):
    correct = torch.zeros(n_groups, device=y.device).index_add_(0, g, (pred == y).float())
    count = torch.bincount(g, minlength=n_groups).float()
    return correct, count


def summarize(
    correct: torch.Tensor, count: torch.Tensor, names: list[str], minority: list[int], majority: list[int]
) -> dict[str, float]:
    """Group accuracies and the summaries (minority/majority means, worst group, balanced, average)."""
    present = count > 0
    acc = correct / count.clamp(min=1)
    out = {names[g]: acc[g].item() for g in range(len(names)) if present[g]}

    def mean_over(groups):
        gs = [g for g in groups if present[g]]
        return acc[gs].mean().item() if gs else float("nan")

    out.update(
        minority=mean_over(minority),
        majority=mean_over(majority),
        worst_group=acc[present].min().item(),
        balanced=acc[present].mean().item(),
        average=(correct.sum() / count.sum()).item(),
    )
    return out


def balanced_subsample(g: torch.Tensor, n_groups: int, gen: torch.Generator) -> torch.Tensor:
    """The same number (the smallest non-empty group's size) of random indices from every present group."""
    idx = [torch.nonzero(g.cpu() == k).flatten() for k in range(n_groups)]
    m = min(len(i) for i in idx if len(i))
    return torch.cat([i[torch.randperm(len(i), generator=gen)[:m]] for i in idx if len(i)])

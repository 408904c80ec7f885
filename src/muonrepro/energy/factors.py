"""K-FAC factors of each monitored layer on a fixed probe set (spec energy.md §4.1).

For layer l with input x_b and pre-activation y_b = W_l x_b (+ b_l):
- Sigma_x = (1/N) sum_b x_b x_b^T (uncentered second moment),
- Sigma_delta = (1/N) sum_b g_b g_b^T with g_b = d loss_b / d y_b per sample, labels sampled from
  the model's softmax (true Fisher = GGN for cross-entropy) or the real labels ("empirical"),
- G = (1/N) sum_b delta_b x_b^T, the full-probe gradient of the mean loss with REAL labels,
- direct = (1/N) sum_b ||delta_b||^2 with real labels (the per-step direct energy).

Per-sample pre-activation gradients come from ONE backward pass per label set for all layers:
with a summed loss, d(sum_b loss_b)/d y_b = d loss_b / d y_b since sample b's loss depends only on
its own row.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def layer_factors(model, x, y, sampled_y=None):
    """List over monitored layers of dicts with float64 ``Sx``, ``Sd``, ``G`` and float ``direct``.

    ``sampled_y`` None means the empirical Fisher (Sigma_delta from real labels).
    """
    n = len(x)
    with torch.enable_grad():
        logits, inputs, preacts = model.forward_with_activations(x)
        real = torch.autograd.grad(F.cross_entropy(logits, y, reduction="sum"), preacts, retain_graph=sampled_y is not None)
        fisher = real if sampled_y is None else torch.autograd.grad(F.cross_entropy(logits, sampled_y, reduction="sum"), preacts)
    out = []
    for xin, d_real, g in zip(inputs, real, fisher):
        xin = xin.detach().double()
        d_real, g = d_real.double(), g.double()
        out.append({
            "Sx": xin.T @ xin / n,
            "Sd": g.T @ g / n,
            "G": d_real.T @ xin / n,
            "direct": float((d_real * d_real).sum() / n),
        })
    return out


def sample_labels(model, x, generator):
    """Labels drawn from the model's softmax with a seeded generator (device-independent draw)."""
    with torch.no_grad():
        probs = torch.softmax(model(x).double(), dim=1).cpu()
    return torch.multinomial(probs, 1, generator=generator).squeeze(1).to(x.device)

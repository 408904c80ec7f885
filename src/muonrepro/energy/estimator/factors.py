"""K-FAC factors of each monitored layer on a fixed probe set (spec energy.md §4.1).

For layer l with input x_b and pre-activation y_b = W_l x_b (+ b_l), and J_b = d logits_b / d y_b:
the per-sample gradient of the cross-entropy with label c is g_bc = J_b^T (p_b - e_c). One batched
backward pass (one cotangent per class, ``is_grads_batched``) gives J_b^T e_c for every class, and
from it every Sigma_delta variant of the sensitivity analysis, with no further backward pass:

- ``sampled<k>``: (1/Nk) sum_b sum_s g_{b,y_s} g_{b,y_s}^T, labels y_s drawn from the model's softmax
  (Monte-Carlo true Fisher = GGN for cross-entropy), k draws per image;
- ``exact_ggn``: (1/N) sum_b sum_c p_bc g_bc g_bc^T, the expectation over all classes, exactly;
- ``empirical``: the real labels (empirical Fisher).

Also Sigma_x = (1/N) sum_b x_b x_b^T (uncentered), the full-probe gradient of the mean loss with
REAL labels G = (1/N) sum_b delta_b x_b^T, and the direct energy (1/N) sum_b ||delta_b||^2 of the
abstract's delta = dL/dy with REAL labels, at two places y (``probe_factors``): each monitored
layer's pre-activation (``direct``, per layer) and the network output, the logits
(``direct_logits``: delta_b = softmax_b - e_{y_b} for the cross-entropy). delta_b is the gradient
of sample b's own loss (the batch-mean loss's gradient times N).
"""

from __future__ import annotations

import re
import weakref

import torch

SIGMA_DELTA = re.compile(r"sampled(?P<k>\d+)|exact_ggn|empirical")


def _check_variant(v: str) -> int:
    m = SIGMA_DELTA.fullmatch(v)
    if not m:
        raise ValueError(f"unknown Sigma_delta variant {v!r}: sampled<k>, exact_ggn or empirical")
    return int(m["k"]) if m["k"] else 0


def class_vjps(model, x):
    """Softmax probabilities (N, C), layer inputs, and per layer J^T e_c stacked as (C, N, m)."""
    logits, inputs, preacts = model.forward_with_activations(x)
    n, c = logits.shape
    cot = torch.eye(c, dtype=logits.dtype, device=logits.device).unsqueeze(1).expand(c, n, c)
    vjps = torch.autograd.grad(logits, preacts, grad_outputs=cot, is_grads_batched=True)
    return torch.softmax(logits.detach(), dim=1), [t.detach() for t in inputs], vjps


def sample_labels(probs: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """(N, k) labels drawn from ``probs`` with a seeded CPU generator (the same draw on any device)."""
    return torch.multinomial(probs.double().cpu(), k, replacement=True, generator=generator).to(probs.device)


def _input_gram(x: torch.Tensor) -> torch.Tensor:
    """(1/N) x^T x in float64 for the first layer, whose input is the probe set itself: the same
    tensor at every log of a run, so its gram (784 x 784 from N x 784, the largest matmul of a log)
    is computed once. Keyed on the live tensor object and its in-place version counter; a new or
    modified tensor is recomputed. Callers must not modify the returned matrix in place."""
    hit = _INPUT_GRAM.get("entry")
    if hit is not None and hit[0]() is x and hit[1] == x._version:
        return hit[2]
    xd = x.detach().double()
    S = xd.T @ xd / len(x)
    _INPUT_GRAM["entry"] = (weakref.ref(x), x._version, S)
    return S


_INPUT_GRAM: dict = {}


def layer_factors(model, x, y, variants=("sampled1",), generator: torch.Generator | None = None):
    """List over monitored layers of dicts: float64 ``Sx``, ``G``, ``direct`` and ``Sd[variant]``
    (``probe_factors`` without the output-layer energy)."""
    return probe_factors(model, x, y, variants, generator)[0]


def output_direct_energy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """(1/N) sum_b ||softmax(logits_b) - e_{y_b}||^2: the per-sample cross-entropy gradient at the logits."""
    delta = torch.softmax(logits.double(), dim=1)
    delta[torch.arange(len(y), device=y.device), y] -= 1.0
    return float(delta.square().sum() / len(y))


def probe_factors(model, x, y, variants=("sampled1",), generator: torch.Generator | None = None):
    """(layers, output): ``layers`` a list over monitored layers of dicts with float64 ``Sx``, ``G``,
    ``direct`` and ``Sd[variant]``; ``output`` = {"direct_logits": the direct energy at the logits}.

    With ``exact_ggn`` among the variants, or when more label sets are needed than there are
    classes, the backward pass takes one cotangent per class (``class_vjps``). Otherwise it takes
    one cotangent p - e_label per label set actually needed (the real labels, then each sampled
    draw): for the primary reading (``sampled1``) 2 instead of 10, the same numbers up to round-off.
    """
    ks = {v: _check_variant(v) for v in variants}
    n = len(x)
    idx = torch.arange(n, device=x.device)
    with torch.enable_grad():
        logits, inputs, preacts = model.forward_with_activations(x)
    c = logits.shape[1]
    probs = torch.softmax(logits.detach(), dim=1)
    draws = {k: sample_labels(probs, k, generator) for k in sorted(set(ks.values()) - {0})}
    labels = [y] + [d[:, r] for _, d in sorted(draws.items()) for r in range(d.shape[1])]
    per_label = "exact_ggn" not in ks and len(labels) < c
    eye = torch.eye(c, dtype=logits.dtype, device=logits.device)
    cot = probs.unsqueeze(0) - eye[torch.stack(labels)] if per_label else eye.unsqueeze(1).expand(c, n, c)
    vjps = torch.autograd.grad(logits, preacts, grad_outputs=cot, is_grads_batched=True)
    out = []
    for li, (xin, jte) in enumerate(zip(inputs, vjps)):
        xin, jte = xin.detach().double(), jte.double()
        if per_label:  # jte[l] = J^T (p - e_label_l)
            delta, jp = jte[0], None
        else:  # jte[c] = J^T e_c
            jp = torch.einsum("nc,cnm->nm", probs.double(), jte)  # J^T p
            delta = jp - jte[y, idx]  # real-label per-sample gradient
        sx = _input_gram(x) if li == 0 and inputs[0] is x else xin.T @ xin / n
        f = {"Sx": sx, "G": delta.T @ xin / n, "direct": float((delta * delta).sum() / n), "Sd": {}}
        for v, k in ks.items():
            if v == "empirical":
                g = delta
            elif v == "exact_ggn":
                g = (jp.unsqueeze(0) - jte) * probs.double().T.sqrt().unsqueeze(-1)  # sqrt(p_c) g_c
                g = g.reshape(-1, g.shape[-1])
            elif per_label:
                first = 1 + sum(kk for kk in sorted(draws) if kk < k)  # rows of this draw in jte
                g = jte[first : first + k].transpose(0, 1).reshape(-1, delta.shape[-1]) / k**0.5
            else:
                s = draws[k]  # (N, k)
                g = (jp.unsqueeze(1) - jte[s, idx.unsqueeze(1)]).reshape(-1, jp.shape[-1]) / k**0.5
            f["Sd"][v] = g.T @ g / n
        out.append(f)
    return out, {"direct_logits": output_direct_energy(logits.detach(), y)}

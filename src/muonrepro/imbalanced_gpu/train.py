"""One (experiment, optimizer, seed) run: per-group test accuracy over training and decoded accuracy.

Images stay uint8 on the device and are normalised per batch (random 4-pixel-shift crop + flip when
the dataset says ``augment``). Evaluation ``evals_per_epoch`` times per epoch (and at step 0) on the
test split gives one row per group (CIFAR: per class) plus ``minority``/``majority`` (mean over
those groups), ``worst_group``, ``balanced`` (mean over groups) and ``average`` (sample accuracy).
At each epoch end, where the dataset has a held-out ``val`` split, the "decoded" accuracy: the
features (``model.features``) are frozen, a multinomial logistic regression is fitted on a
group-balanced subsample of ``val`` (DFR-style last-layer retraining, Kirichenko et al. 2023) and
evaluated on test (metric ``decoded_test_acc``). On CUDA: bf16 autocast and channels-last (``amp``,
``channels_last``). A checkpoint at each epoch end lets a preempted job resume.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F

from muonrepro.models.resnet import resnet
from muonrepro.optim.registry import build_optimizer
from muonrepro.util.io import atomic_torch_save

REGISTRY_NAME = {"adam": "adamw"}
COLUMNS = ["optimizer", "seed", "epoch", "step", "metric", "group", "value"]


class Normalizer:
    def __init__(self, mean, std, device, channels_last: bool):
        self.mean = torch.tensor(mean, device=device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=device).view(1, -1, 1, 1)
        self.cl = channels_last

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = (x.float() / 255.0 - self.mean) / self.std
        return x.contiguous(memory_format=torch.channels_last) if self.cl else x


def augment(x: torch.Tensor, gen: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop after zero padding by ``pad`` and random horizontal flip (uint8 or float, NCHW)."""
    n, _, h, w = x.shape
    p = F.pad(x, (pad, pad, pad, pad))
    i = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(x.device)
    j = torch.randint(0, 2 * pad + 1, (n,), generator=gen).to(x.device)
    flip = (torch.rand(n, generator=gen) < 0.5).to(x.device)
    rows = i[:, None] + torch.arange(h, device=x.device)
    cols = j[:, None] + torch.arange(w, device=x.device)
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    b = torch.arange(n, device=x.device)[:, None, None]
    return p.permute(0, 2, 3, 1)[b, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def summarize(correct: torch.Tensor, count: torch.Tensor, names: list[str], minority: list[int],
              majority: list[int]) -> dict[str, float]:
    """Group accuracies and the summaries (minority/majority means, worst group, balanced, average)."""
    present = count > 0
    acc = correct / count.clamp(min=1)
    out = {names[g]: acc[g].item() for g in range(len(names)) if present[g]}

    def mean_over(groups):
        gs = [g for g in groups if present[g]]
        return acc[gs].mean().item() if gs else float("nan")

    out.update(minority=mean_over(minority), majority=mean_over(majority), worst_group=acc[present].min().item(),
               balanced=acc[present].mean().item(), average=(correct.sum() / count.sum()).item())
    return out


@torch.no_grad()
def _outputs(fn, x, norm, batch, amp):
    outs = []
    for i in range(0, len(x), batch):
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            outs.append(fn(norm(x[i:i + batch])).float())
    return torch.cat(outs) if outs else torch.empty(0)


def group_accuracy(pred, y, g, n_groups):
    correct = torch.zeros(n_groups, device=y.device).index_add_(0, g, (pred == y).float())
    count = torch.bincount(g, minlength=n_groups).float()
    return correct, count


def balanced_subsample(g: torch.Tensor, n_groups: int, gen: torch.Generator) -> torch.Tensor:
    """The same number (the smallest non-empty group's size) of random indices from every present group."""
    idx = [torch.nonzero(g.cpu() == k).flatten() for k in range(n_groups)]
    m = min(len(i) for i in idx if len(i))
    return torch.cat([i[torch.randperm(len(i), generator=gen)[:m]] for i in idx if len(i)])


def fit_logistic(f: torch.Tensor, y: torch.Tensor, n_classes: int, l2: float, max_iter: int) -> tuple:
    """Multinomial logistic regression (standardised features, L2 penalty ``l2 * ||W||^2``, LBFGS)."""
    mu, sd = f.mean(0), f.std(0).clamp(min=1e-6)
    z = (f - mu) / sd
    W = torch.zeros(f.shape[1], n_classes, device=f.device, requires_grad=True)
    b = torch.zeros(n_classes, device=f.device, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(z @ W + b, y) + l2 * (W ** 2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return lambda feats: ((feats - mu) / sd) @ W.detach() + b.detach()


def decoded_accuracy(model, data, norm, batch, amp, l2, max_iter, seed) -> tuple[torch.Tensor, torch.Tensor]:
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    sub = balanced_subsample(data["val_group"], len(data["group_names"]), gen).to(data["val_x"].device)
    fv = _outputs(model.features, data["val_x"][sub], norm, batch, amp)
    head = fit_logistic(fv, data["val_y"][sub], data["n_classes"], l2, max_iter)
    ft = _outputs(model.features, data["test_x"], norm, batch, amp)
    model.train()
    return group_accuracy(head(ft).argmax(1), data["test_y"], data["test_group"], len(data["group_names"]))


def _fingerprint(blob: dict) -> str:
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run(data: dict, model_cfg: dict, optimizer: str, opt_cfg: dict, epochs: int, batch_size: int,
        evals_per_epoch: int, seed: int, device: str | torch.device, decode: dict, checkpoint: str | Path | None = None,
        amp: bool = True, channels_last: bool = True, eval_batch: int = 1024) -> pd.DataFrame:
    """Train one model; tidy rows ``optimizer, seed, epoch, step, metric, group, value``."""
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    amp, cl = amp and cuda, channels_last and cuda
    d = {k: (v.to(dev) if torch.is_tensor(v) else v) for k, v in data.items()}
    names, n_groups = d["group_names"], len(d["group_names"])
    norm = Normalizer(d["mean"], d["std"], dev, cl)
    torch.manual_seed(seed)
    model = resnet(model_cfg["depth"], d["n_classes"], model_cfg["width"], model_cfg["stem"]).to(dev)
    if cl:
        model = model.to(memory_format=torch.channels_last)
    opt = build_optimizer(model, REGISTRY_NAME.get(optimizer, optimizer), opt_cfg, opt_cfg["lr"])
    gen = torch.Generator().manual_seed(seed)
    n = len(d["train_y"])
    per_epoch = math.ceil(n / batch_size)
    eval_at = {round(per_epoch * k / evals_per_epoch) for k in range(1, evals_per_epoch + 1)}
    fp = _fingerprint({"model": model_cfg, "opt": optimizer, "cfg": opt_cfg, "epochs": epochs, "bs": batch_size,
                       "evals": evals_per_epoch, "seed": seed, "decode": decode, "n": n, "amp": amp})
    rows, step, start, diverged = [], 0, 0, False
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=False)
        if state.get("fingerprint") == fp:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            gen.set_state(state["generator"])
            rows, step, start = state["rows"], state["step"], state["epoch"]
            print(f"resumed from {ckpt} at epoch {start}")
        else:
            print(f"ignoring checkpoint {ckpt}: made with other settings")

    def evaluate(decoded: bool):
        model.eval()
        pred = _outputs(model, d["test_x"], norm, eval_batch, amp).argmax(1)
        model.train()
        ep = step / per_epoch
        res = summarize(*group_accuracy(pred, d["test_y"], d["test_group"], n_groups), names,
                        d["minority_groups"], d["majority_groups"])
        rows.extend((optimizer, seed, ep, step, "test_acc", g, v) for g, v in res.items())
        if decoded and "val_x" in d and len(d["val_y"]):
            res = summarize(*decoded_accuracy(model, d, norm, eval_batch, amp, decode["l2"], decode["max_iter"], seed),
                            names, d["minority_groups"], d["majority_groups"])
            rows.extend((optimizer, seed, ep, step, "decoded_test_acc", g, v) for g, v in res.items())

    if start == 0 and not rows:
        evaluate(decoded=False)
    model.train()
    for epoch in range(start, epochs):
        perm = torch.randperm(n, generator=gen).to(dev)
        loss_sum, loss_n = torch.zeros((), device=dev), 0
        for b in range(per_epoch):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            x = d["train_x"][idx]
            if d.get("augment"):
                x = augment(x, gen)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                loss = F.cross_entropy(model(norm(x)).float(), d["train_y"][idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.detach()
            loss_n += 1
            if b + 1 in eval_at:
                mean_loss = (loss_sum / loss_n).item()
                rows.append((optimizer, seed, step / per_epoch, step, "train_loss", "average", mean_loss))
                loss_sum.zero_()
                loss_n = 0
                if not math.isfinite(mean_loss):
                    rows.append((optimizer, seed, step / per_epoch, step, "diverged", "average", 1.0))
                    diverged = True
                    break
                evaluate(decoded=b + 1 == per_epoch)
        if diverged:
            break
        if ckpt is not None:
            atomic_torch_save({"fingerprint": fp, "model": model.state_dict(), "optimizer": opt.state_dict(),
                               "generator": gen.get_state(), "rows": rows, "step": step, "epoch": epoch + 1}, ckpt)
    return pd.DataFrame(rows, columns=COLUMNS)

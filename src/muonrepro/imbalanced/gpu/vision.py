"""Image experiments (CIFAR STEP, dominoes, CelebA): a ResNet task for the one training loop (``training.loop.fit``), per-group and decoded accuracy.

Images stay uint8 on the device and are normalised per batch (random 4-pixel-shift crop + flip when
the dataset says ``augment``). Evaluation ``evals_per_epoch`` times per epoch (and at step 0) on the
test split gives one row per group (CIFAR: per class) plus ``minority``/``majority`` (mean over
those groups), ``worst_group``, ``balanced`` (mean over groups) and ``average`` (sample accuracy).
At each epoch end, where the dataset has a held-out ``val`` split and does not say ``decode: False`` (CIFAR's
val split only serves the lr selection), the "decoded" accuracy: the
features (``model.features``) are frozen, a multinomial logistic regression is fitted on a
group-balanced subsample of ``val`` (DFR-style last-layer retraining, Kirichenko et al. 2023) and
evaluated on test (metric ``decoded_test_acc``). On CUDA: bf16 autocast and channels-last (``amp``,
``channels_last``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from muonrepro.imbalanced.gpu.groups import balanced_subsample, group_accuracy, summarize
from muonrepro.models.resnet import resnet
from muonrepro.util.device import autocast


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
    # contiguous NCHW: the gather leaves a channels-last layout, on which the CPU conv backward of some batch
    # sizes aborts the process (torch 2.14, oneDNN: "free(): invalid next size"); channels-last is chosen, on CUDA
    # only, by the Normalizer
    return p.permute(0, 2, 3, 1)[b, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2).contiguous()


@torch.no_grad()
def _outputs(fn, x, norm, batch, amp):
    outs = []
    for i in range(0, len(x), batch):
        with autocast(x.device, amp):
            outs.append(fn(norm(x[i : i + batch])).float())
    return torch.cat(outs) if outs else torch.empty(0)


def fit_logistic(f: torch.Tensor, y: torch.Tensor, n_classes: int, l2: float, max_iter: int) -> tuple:
    """Multinomial logistic regression (standardised features, L2 penalty ``l2 * ||W||^2``, LBFGS)."""
    mu, sd = f.mean(0), f.std(0).clamp(min=1e-6)
    z = (f - mu) / sd
    W = torch.zeros(f.shape[1], n_classes, device=f.device, requires_grad=True)
    b = torch.zeros(n_classes, device=f.device, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(z @ W + b, y) + l2 * (W**2).sum()
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


class VisionTask:
    """A ResNet on one image dataset dict (``datasets.build``), data on ``device``; see ``loop`` for the protocol.

    Evaluation: test accuracy per group and the summaries; at epoch ends, where the dataset has a
    ``val`` split, the decoded accuracy (``decode``: ``l2``, ``max_iter``).
    """

    def __init__(
        self,
        data: dict,
        model_cfg: dict,
        seed: int,
        device,
        decode: dict,
        amp: bool = True,
        channels_last: bool = True,
        eval_batch: int = 1024,
    ):
        dev = torch.device(device)
        cuda = dev.type == "cuda"
        self.amp, cl = amp and cuda, channels_last and cuda
        self.d = {k: (v.to(dev) if torch.is_tensor(v) else v) for k, v in data.items()}
        self.norm = Normalizer(self.d["mean"], self.d["std"], dev, cl)
        torch.manual_seed(seed)
        self.model = resnet(model_cfg["depth"], self.d["n_classes"], model_cfg["width"], model_cfg["stem"]).to(dev)
        if cl:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.n_train = len(self.d["train_y"])
        self.decode, self.seed, self.eval_batch = decode, seed, eval_batch

    def loss(self, idx, gen):
        x = self.d["train_x"][idx]
        if self.d.get("augment"):
            x = augment(x, gen)
        with autocast(x.device, self.amp):
            out = self.model(self.norm(x))
        return F.cross_entropy(out.float(), self.d["train_y"][idx])

    def _summary(self, correct_count):
        d = self.d
        return summarize(*correct_count, d["group_names"], d["minority_groups"], d["majority_groups"]).items()

    def evaluate(self, end_of_epoch: bool):
        d = self.d
        pred = _outputs(self.model, d["test_x"], self.norm, self.eval_batch, self.amp).argmax(1)
        rows = [
            ("test_acc", g, v)
            for g, v in self._summary(group_accuracy(pred, d["test_y"], d["test_group"], len(d["group_names"])))
        ]
        if end_of_epoch and d.get("decode", True) and len(d.get("val_y", [])):
            acc = decoded_accuracy(
                self.model,
                d,
                self.norm,
                self.eval_batch,
                self.amp,
                self.decode["l2"],
                self.decode["max_iter"],
                self.seed,
            )
            rows += [("decoded_test_acc", g, v) for g, v in self._summary(acc)]
        return rows

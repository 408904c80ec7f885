"""TinyStories long-tail language modelling (E6): a small GPT task for the one training loop (``training.loop.fit``), loss per token-frequency bucket.

The dataset dict is ``data.tinystories.build_tinystories`` (word-level ids, bucket per id, bucket 0 =
rarest, ``<unk>`` = bucket -1). Ours, not the paper's (its model, context and protocol are unknown):

- Training examples: the training stream cut into windows of ``context + 1`` tokens starting every
  ``context`` tokens (window i = tokens ``i*context .. (i+1)*context``), so inputs never overlap and
  every token after the first is a target exactly once; ``n_train`` = number of windows. Windows
  are gathered by index arithmetic from one device-resident int64 tensor.
- ``loss``: mean next-token cross-entropy over all positions of the windows (bf16 autocast on CUDA).
- ``evaluate``: the same windows of the test stream (the valid file, capped at build time), all of
  them, in batches. Rows ``("test_loss", "bucket<k>", mean CE over test targets in bucket k)`` and
  ``("test_acc", "bucket<k>", top-1 accuracy)`` for every bucket with test targets (an empty bucket
  gives no row), plus group ``"average"`` over all counted targets. Targets equal to ``<unk>`` are
  counted nowhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from muonrepro.models.gpt import GPT
from muonrepro.util.device import autocast


def n_windows(n_tokens: int, context: int) -> int:
    return max(0, (n_tokens - 1) // context)


def windows(tokens: torch.Tensor, idx: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets [len(idx), context] of the windows ``idx`` (window i starts at token i*context)."""
    w = tokens[idx[:, None] * context + torch.arange(context + 1, device=tokens.device)]
    return w[:, :-1], w[:, 1:]


class LMTask:
    """A ``GPT`` on one TinyStories dataset dict, data on ``device``; see ``loop`` for the protocol.

    ``model_cfg``: ``context``, ``n_layers``, ``d_model``, ``n_heads`` and optionally ``dropout`` (0).
    """

    def __init__(self, data: dict, model_cfg: dict, seed: int, device, amp: bool = True, eval_batch: int = 64):
        dev = torch.device(device)
        self.amp, self.eval_batch = amp and dev.type == "cuda", eval_batch
        self.context = int(model_cfg["context"])
        self.train, self.test = data["train_tokens"].to(dev), data["test_tokens"].to(dev)
        self.bucket, self.group_names = data["bucket"].to(dev), list(data["group_names"])
        self.n_train, self.n_test = n_windows(len(self.train), self.context), n_windows(len(self.test), self.context)
        if self.n_train < 1 or self.n_test < 1:
            raise ValueError(
                f"TinyStories: {len(self.train)} train / {len(self.test)} test tokens make no window "
                f"of context {self.context} + 1"
            )
        torch.manual_seed(seed)
        self.model = GPT(
            len(data["vocab"]),
            self.context,
            model_cfg["n_layers"],
            model_cfg["d_model"],
            model_cfg["n_heads"],
            model_cfg.get("dropout", 0.0),
        ).to(dev)

    def _logits(self, x):
        with autocast(x.device, self.amp):
            return self.model(x).float()

    def loss(self, idx, gen):
        x, y = windows(self.train, idx, self.context)
        return F.cross_entropy(self._logits(x).flatten(0, 1), y.flatten())

    def evaluate(self, end_of_epoch: bool):
        k = len(self.group_names)
        dev = self.test.device
        ce_sum, hit_sum, count = (torch.zeros(k, dtype=torch.float64, device=dev) for _ in range(3))
        with torch.no_grad():
            for s in range(0, self.n_test, self.eval_batch):
                x, y = windows(
                    self.test, torch.arange(s, min(s + self.eval_batch, self.n_test), device=dev), self.context
                )
                logits, y = self._logits(x).flatten(0, 1), y.flatten()
                b = self.bucket[y]
                keep = b >= 0
                ce = F.cross_entropy(logits, y, reduction="none")[keep].double()
                hit = (logits.argmax(1) == y)[keep].double()
                ce_sum.index_add_(0, b[keep], ce)
                hit_sum.index_add_(0, b[keep], hit)
                count.index_add_(0, b[keep], torch.ones_like(ce))
        rows = []
        for metric, total in (("test_loss", ce_sum), ("test_acc", hit_sum)):
            rows += [(metric, self.group_names[g], (total[g] / count[g]).item()) for g in range(k) if count[g] > 0]
            rows.append((metric, "average", (total.sum() / count.sum().clamp(min=1)).item()))
        return rows

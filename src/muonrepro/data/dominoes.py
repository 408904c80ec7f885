"""MNIST-CIFAR dominoes (spec imbalanced.md §4.4; Shah et al. 2020, Kirichenko et al. 2023).

Each image stacks an MNIST digit (top; 28x28 resized to 32x32, grey replicated to 3 channels) on a
CIFAR-10 image (bottom): 3 x 64 x 32. The label is the CIFAR class (core feature: automobile vs
truck by default). In training the digit agrees with the label (digit ``digits[y]``) with
probability ``spurious`` and is the other digit otherwise; the held-out ``val`` split (for the
"decoded" last-layer retraining) and the test split pair digits with labels independently, in equal
numbers. Groups: (label, digit), index ``2 * y + digit_index``; the majority groups are the two
where the digit agrees with the label.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from muonrepro.data.cifar import MEAN as CIFAR_MEAN
from muonrepro.data.cifar import STD as CIFAR_STD
from muonrepro.data.cifar import load_cifar


def _mnist_images(x: torch.Tensor, y: torch.Tensor, digit: int, n: int, gen: torch.Generator) -> torch.Tensor:
    idx = torch.nonzero(y == digit).flatten()
    pick = idx[torch.randint(len(idx), (n,), generator=gen)]
    img = x[pick].reshape(-1, 1, 28, 28).float()
    img = F.interpolate(img, size=(32, 32), mode="bilinear", align_corners=False)
    return img.round().clamp(0, 255).to(torch.uint8).expand(-1, 3, -1, -1)


def _assemble(cifar_x, labels, digit_idx, mnist_x, mnist_y, digits, gen):
    top = torch.empty(len(labels), 3, 32, 32, dtype=torch.uint8)
    for j, d in enumerate(digits):
        m = digit_idx == j
        if m.any():
            top[m] = _mnist_images(mnist_x, mnist_y, d, int(m.sum()), gen)
    return torch.cat([top, cifar_x], dim=2)


def _balanced_digits(labels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Digit index independent of the label, half and half within each label."""
    out = torch.empty_like(labels)
    for c in (0, 1):
        idx = torch.nonzero(labels == c).flatten()
        d = (torch.arange(len(idx)) % 2)[torch.randperm(len(idx), generator=gen)]
        out[idx] = d
    return out


def build_dominoes(
    cifar_root,
    mnist: dict,
    spurious: float,
    cifar_classes=(1, 9),
    digits=(0, 1),
    n_train_per_class: int | None = None,
    n_val_per_class: int = 500,
    n_test_per_class: int | None = None,
    seed: int = 0,
    verify_md5: bool = True,
) -> dict:
    if not 0.0 <= spurious <= 1.0:
        raise ValueError(f"spurious strength must be in [0, 1], got {spurious}")
    raw = load_cifar(cifar_root, "cifar10", verify_md5)
    gen = torch.Generator().manual_seed(seed)
    out = {
        "name": "dominoes",
        "n_classes": 2,
        "group_names": [f"{raw['classes'][c]}/digit{d}" for c in cifar_classes for d in digits],
        "majority_groups": [0, 3],
        "minority_groups": [1, 2],
        "mean": tuple((CIFAR_MEAN["cifar10"][i] + 0.1307) / 2 for i in range(3)),
        "std": tuple((CIFAR_STD["cifar10"][i] + 0.3081) / 2 for i in range(3)),
        "augment": False,
        "spurious": spurious,
        "cifar_classes": list(cifar_classes),
        "digits": list(digits),
    }
    for split in ("train", "test"):
        y_all = raw[f"{split}_y"]
        parts = {"train": [], "val": []} if split == "train" else {"test": []}
        for lab, c in enumerate(cifar_classes):
            idx = torch.nonzero(y_all == c).flatten()
            idx = idx[torch.randperm(len(idx), generator=gen)]
            if split == "train":
                n_val = min(n_val_per_class, len(idx) // 2)
                parts["val"].append((idx[:n_val], lab))
                rest = idx[n_val:]
                parts["train"].append((rest if n_train_per_class is None else rest[:n_train_per_class], lab))
            else:
                parts["test"].append((idx if n_test_per_class is None else idx[:n_test_per_class], lab))
        mx, my = (mnist["train_x"], mnist["train_y"]) if split == "train" else (mnist["test_x"], mnist["test_y"])
        for name, chunks in parts.items():
            sel = torch.cat([i for i, _ in chunks])
            labels = torch.cat([torch.full((len(i),), lab, dtype=torch.int64) for i, lab in chunks])
            if name == "train":
                agree = torch.rand(len(labels), generator=gen) < spurious
                digit_idx = torch.where(agree, labels, 1 - labels)
            else:
                digit_idx = _balanced_digits(labels, gen)
            out[f"{name}_x"] = _assemble(raw[f"{split}_x"][sel], labels, digit_idx, mx, my, digits, gen)
            out[f"{name}_y"] = labels
            out[f"{name}_group"] = 2 * labels + digit_idx
    return out

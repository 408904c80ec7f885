"""Build one experiment's dataset dict (uint8 images, labels, groups; saved as ``data.pt``).

Keys: ``{train,val,test}_{x,y,group}`` (``val``: the held-out, group-balanced split of the decoded
accuracy; CIFAR has none), ``n_classes``, ``group_names``, ``minority_groups``, ``majority_groups``,
``mean``/``std`` (per-channel normalisation), ``augment`` (random crop + flip for CIFAR).
"""

from __future__ import annotations

import torch

from muonrepro.data.celeba import build_celeba
from muonrepro.data.cifar import build_cifar_step
from muonrepro.data.dominoes import build_dominoes


def build(exp: str, data_cfg: dict, cfg: dict, sizes: dict, seed: int, mnist_path: str | None = None) -> dict:
    """``cfg``: the experiment's method slice (``imbalanced_gpu.<exp>``), ``sizes``: its scale slice."""
    verify = data_cfg["verify_md5"]
    if exp in ("cifar10", "cifar100"):
        return build_cifar_step(data_cfg["cifar_root"], exp, list(cfg["minority"]), cfg["ratio"], sizes.get("n_max"),
                                sizes.get("n_test_per_class"), seed, verify)
    if exp == "dominoes":
        mnist = torch.load(mnist_path, weights_only=False)
        return build_dominoes(data_cfg["cifar_root"], mnist, cfg["spurious"], tuple(cfg["cifar_classes"]),
                              tuple(cfg["digits"]), sizes.get("n_train_per_class"), sizes["n_val_per_class"],
                              sizes.get("n_test_per_class"), seed, verify)
    if exp == "celeba":
        return build_celeba(data_cfg["celeba_root"], cfg["target"], cfg["attribute"], sizes["image_size"],
                            sizes.get("n_train"), sizes.get("n_val"), sizes.get("n_test"), seed, verify)
    raise ValueError(f"no dataset builder for experiment {exp!r}")


def summary(data: dict) -> dict:
    """Counts per split and group (for the log and the metadata)."""
    out = {}
    for split in ("train", "val", "test"):
        if f"{split}_group" in data:
            c = torch.bincount(data[f"{split}_group"], minlength=len(data["group_names"])).tolist()
            out[split] = dict(zip(data["group_names"], c))
    return out

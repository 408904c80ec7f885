"""Build one experiment's dataset dict (saved as ``data.pt``); ``task`` says which training task reads it.

Images (``task: vision``): ``{train,val,test}_{x,y,group}`` (uint8 images; ``val``: the held-out split of
the lr selection and of the decoded accuracy), ``n_classes``, ``group_names``, ``minority_groups``,
``majority_groups``, ``mean``/``std`` (per-channel normalisation), ``augment`` (random crop + flip for
CIFAR). MultiNLI (``task: nli``): token ids instead of images (``data.multinli.build_multinli``).
TinyStories (``task: lm``): token streams and frequency buckets (``data.tinystories.build_tinystories``).
"""

from __future__ import annotations

import json

import torch

from muonrepro.data.celeba import build_celeba
from muonrepro.data.cifar import build_cifar_step
from muonrepro.data.dominoes import build_dominoes
from muonrepro.util.io import atomic_torch_save, load_tensors


def build(exp: str, data_cfg: dict, cfg: dict, sizes: dict, seed: int, mnist_path: str | None = None) -> dict:
    """``cfg``: the experiment's method slice (``imbalanced_gpu.<exp>``), ``sizes``: its scale slice."""
    verify = data_cfg["verify_md5"]
    if exp in ("cifar10", "cifar100"):
        return build_cifar_step(
            data_cfg["cifar_root"],
            exp,
            list(cfg["minority"]),
            cfg["ratio"],
            sizes.get("n_max"),
            sizes.get("n_test_per_class"),
            seed,
            verify,
            sizes.get("n_val_per_class", 0),
        )
    if exp == "dominoes":
        mnist = load_tensors(mnist_path)
        return build_dominoes(
            data_cfg["cifar_root"],
            mnist,
            cfg["spurious"],
            tuple(cfg["cifar_classes"]),
            tuple(cfg["digits"]),
            sizes.get("n_train_per_class"),
            sizes["n_val_per_class"],
            sizes.get("n_test_per_class"),
            seed,
            verify,
        )
    if exp == "celeba":
        return build_celeba(
            data_cfg["celeba_root"],
            cfg["target"],
            cfg["attribute"],
            sizes["image_size"],
            sizes.get("n_train"),
            sizes.get("n_val"),
            sizes.get("n_test"),
            seed,
            verify,
        )
    if exp == "multinli":
        from muonrepro.data.multinli import build_multinli

        return build_multinli(
            data_cfg["multinli_root"],
            data_cfg["bert_dir"],
            sizes["max_len"],
            sizes.get("n_train"),
            sizes.get("n_val"),
            sizes.get("n_test"),
            cfg["val_fraction"],
            seed,
        )
    if exp == "tinystories":
        from muonrepro.data.tinystories import build_tinystories

        return build_tinystories(
            data_cfg["tinystories_root"],
            cfg["vocab_size"],
            cfg["n_buckets"],
            sizes.get("n_train_tokens"),
            sizes.get("n_test_tokens"),
            cfg["val_fraction"],
        )
    raise ValueError(f"no dataset builder for experiment {exp!r}")


def summary(data: dict) -> dict:
    """Counts per split and group (for the log and the metadata)."""
    out = {}
    for split in ("train", "val", "test"):
        if f"{split}_group" in data:
            c = torch.bincount(data[f"{split}_group"], minlength=len(data["group_names"])).tolist()
            out[split] = dict(zip(data["group_names"], c))
    return out


def build_job(smk) -> None:
    """Rule imbalanced_gpu_build: experiment ``wildcards.exp``'s dataset (``build``: ``params.data``, ``cfg``,
    ``sizes``, ``seed``; ``input.mnist`` where the experiment reads MNIST) from the raw files; its counts to the
    log."""
    p = smk.params
    data = build(smk.wildcards.exp, p.data, p.cfg, p.sizes, p.seed, getattr(smk.input, "mnist", None))
    print(json.dumps(summary(data), indent=1))
    atomic_torch_save(data, smk.output[0])

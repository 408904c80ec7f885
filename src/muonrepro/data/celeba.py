"""CelebA Blond_Hair x Male groups through ``torchvision.datasets.CelebA`` (spec imbalanced.md §4.6; Sagawa et al. 2020).

``build_celeba`` reads the official files torchvision reads (``<root>/celeba/list_attr_celeba.txt``,
``list_eval_partition.txt``, ``identity_CelebA.txt``, ``list_bbox_celeba.txt``,
``list_landmarks_align_celeba.txt``, ``img_align_celeba/*.jpg``; md5 of the text files checked
unless ``verify_md5=False``) with ``download=False``, resizes the aligned 178x218 crops to
``image_size`` (centre crop to a square) and keeps uint8 tensors. Target: ``target`` (Blond_Hair);
spurious attribute: ``attribute`` (Male); groups ``2 * y + a``. Splits: the official train / valid /
test partition; ``valid`` is the held-out split of the decoded (last-layer retraining) accuracy.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision import transforms
from torchvision.datasets import CelebA

MEAN, STD = (0.5063, 0.4258, 0.3832), (0.3107, 0.2904, 0.2897)
TEXT_FILES = [
    "list_attr_celeba.txt",
    "identity_CelebA.txt",
    "list_bbox_celeba.txt",
    "list_landmarks_align_celeba.txt",
    "list_eval_partition.txt",
]


def fetch_hint(root: str, key: str = "imbalanced_gpu.data.celeba_root") -> str:
    return (
        f"CelebA not found: expected {Path(root) / 'celeba'}/ with img_align_celeba/ and the five list files "
        f'(config key {key}). Download it with: python -c "import torchvision; '
        f"torchvision.datasets.CelebA('{root}', download=True)\" (needs gdown; Google Drive quotas often "
        f"refuse it: then fetch img_align_celeba.zip and the list files from the CelebA website and unzip there)"
    )


def expected_files(root) -> list[Path]:
    base = Path(root) / "celeba"
    return [base / f for f in TEXT_FILES] + [base / "img_align_celeba"]


class _CelebAUnverified(CelebA):
    file_list = [(fid, None, name) for fid, _, name in CelebA.file_list]


def _subset(n_all: int, n: int | None, gen) -> torch.Tensor:
    if n is None or n >= n_all:
        return torch.arange(n_all)
    return torch.sort(torch.randperm(n_all, generator=gen)[:n]).values


def build_celeba(
    root,
    target: str = "Blond_Hair",
    attribute: str = "Male",
    image_size: int = 64,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    verify_md5: bool = True,
) -> dict:
    cls = CelebA if verify_md5 else _CelebAUnverified
    tf = transforms.Compose([transforms.CenterCrop(178), transforms.Resize(image_size), transforms.PILToTensor()])
    gen = torch.Generator().manual_seed(seed)
    out = {
        "name": "celeba",
        "n_classes": 2,
        "mean": MEAN,
        "std": STD,
        "augment": False,
        "group_names": [
            f"{'' if y else 'not_'}{target}/{'' if a else 'not_'}{attribute}" for y in (0, 1) for a in (0, 1)
        ],
        "target": target,
        "attribute": attribute,
    }
    for split, ours, n in (("train", "train", n_train), ("valid", "val", n_val), ("test", "test", n_test)):
        ds = cls(str(root), split=split, target_type="attr", transform=tf, download=False)
        ti, ai = ds.attr_names.index(target), ds.attr_names.index(attribute)
        idx = _subset(len(ds), n, gen)
        # filled in place: one uint8 copy of the split in memory (a stack over a list would hold two)
        x = torch.empty(len(idx), 3, image_size, image_size, dtype=torch.uint8)
        for k, i in enumerate(idx.tolist()):
            x[k] = ds[i][0]
        out[f"{ours}_x"] = x
        y, a = ds.attr[idx, ti].long(), ds.attr[idx, ai].long()
        out[f"{ours}_y"], out[f"{ours}_group"] = y, 2 * y + a
    counts = torch.bincount(out["train_group"], minlength=4).float()
    out["minority_groups"] = [g for g in range(4) if counts[g] < 0.5 * counts.mean()]
    out["majority_groups"] = [g for g in range(4) if g not in out["minority_groups"]]
    return out

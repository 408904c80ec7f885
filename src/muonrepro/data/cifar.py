"""CIFAR-10/100 through ``torchvision.datasets.CIFAR10/CIFAR100`` and the STEP imbalance (spec imbalanced.md §4.3).

``load_cifar(root, name)`` reads the pickled batches torchvision reads (``cifar-10-batches-py/`` or
``cifar-100-python/`` under ``root``), with torchvision's md5 checks unless ``verify_md5=False``
(synthetic test data). Unverified files are pickles of unknown origin, so they are read with a restricted
unpickler (plain containers and numpy arrays only, torchvision's file layout): a planted pickle that would
run code is refused, and nothing in it runs. ``step_indices`` keeps
``n_max`` images of each majority class and ``n_max // ratio`` of each minority class (Cao et al.
2019 "STEP"; which classes are minority is a config value).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import CIFAR10, CIFAR100

FOLDERS = {"cifar10": CIFAR10, "cifar100": CIFAR100}
MEAN = {"cifar10": (0.4914, 0.4822, 0.4465), "cifar100": (0.5071, 0.4865, 0.4409)}
STD = {"cifar10": (0.2470, 0.2435, 0.2616), "cifar100": (0.2673, 0.2564, 0.2762)}


def fetch_hint(name: str, root: str, key: str = "imbalanced_gpu.data.cifar_root") -> str:
    cls = FOLDERS[name].__name__
    return (
        f"{name} not found: expected {Path(root) / FOLDERS[name].base_folder}/ (config key {key}). "
        f"Download it with: python -c \"import torchvision; torchvision.datasets.{cls}('{root}', download=True)\""
    )


def expected_files(name: str, root: str | Path) -> list[Path]:
    cls = FOLDERS[name]
    base = Path(root) / cls.base_folder
    return [base / f for f, _ in cls.train_list + cls.test_list] + [base / cls.meta["filename"]]


# what a CIFAR batch may hold: dicts, lists, strings, numbers and numpy arrays (as numpy pickles them)
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class UnsafePickleError(pickle.UnpicklingError):
    """An unverified CIFAR file that holds more than plain containers and numpy arrays; nothing in it was run."""


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"refusing global {module}.{name}: an unverified CIFAR file may hold only containers and numpy arrays "
            "(it was not made by the CIFAR authors, or was altered; nothing in it was run)"
        )


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as f:
        try:
            return _ArraysOnly(f, encoding="latin1").load()
        except UnsafePickleError as e:
            raise UnsafePickleError(
                f"{path}: {e}. Delete it, or use the official files with verify_md5: true"
            ) from None


def _read_unverified(cls, root: str | Path, train: bool) -> tuple[np.ndarray, list, list]:
    """torchvision's reading of a CIFAR folder (its file lists and keys), through the restricted unpickler."""
    base = Path(root) / cls.base_folder
    missing = [str(p) for p in expected_files(cls.__name__.lower(), root) if not p.is_file()]
    if missing:
        raise RuntimeError(f"Dataset not found or corrupted: missing {missing}")
    data, targets = [], []
    for fname, _ in cls.train_list if train else cls.test_list:
        entry = _unpickle(base / fname)
        data.append(entry["data"])
        targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
    classes = _unpickle(base / cls.meta["filename"])[cls.meta["key"]]
    return np.vstack(data).reshape(-1, 3, 32, 32), targets, list(classes)


def load_cifar(root: str | Path, name: str, verify_md5: bool = True) -> dict:
    """uint8 tensors ``train_x`` (N, 3, 32, 32), int64 ``train_y``, same for test, and the class names."""
    if name not in FOLDERS:
        raise ValueError(f"unknown CIFAR {name!r}; known: {sorted(FOLDERS)}")
    out = {}
    for split, train in (("train", True), ("test", False)):
        if verify_md5:
            ds = FOLDERS[name](str(root), train=train, download=False)
            x, y, classes = ds.data.transpose(0, 3, 1, 2), ds.targets, ds.classes
        else:
            x, y, classes = _read_unverified(FOLDERS[name], root, train)
        out[f"{split}_x"] = torch.from_numpy(np.ascontiguousarray(x))
        out[f"{split}_y"] = torch.as_tensor(y, dtype=torch.int64)
        out["classes"] = list(classes)
    return out


def step_indices(y: torch.Tensor, minority: list[int], ratio: float, n_max: int | None, seed: int) -> torch.Tensor:
    """Indices of a STEP-imbalanced subset: ``n_max`` (default: the largest class) per majority
    class, ``max(1, n_max // ratio)`` per minority class, drawn at random (seeded), sorted."""
    y = torch.as_tensor(y)
    classes = torch.unique(y).tolist()
    counts = torch.bincount(y)
    n_max = int(counts.max()) if n_max is None else int(min(n_max, counts.max()))
    n_min = max(1, int(n_max // ratio))
    gen = torch.Generator().manual_seed(seed)
    keep = []
    for c in classes:
        idx = torch.nonzero(y == c).flatten()
        n = min(len(idx), n_min if c in set(minority) else n_max)
        keep.append(idx[torch.randperm(len(idx), generator=gen)[:n]])
    return torch.sort(torch.cat(keep)).values


def balanced_indices(y: torch.Tensor, per_class: int | None, seed: int) -> torch.Tensor:
    """``per_class`` random indices of every class (all when None), sorted."""
    if per_class is None:
        return torch.arange(len(y))
    gen = torch.Generator().manual_seed(seed)
    keep = [
        idx[torch.randperm(len(idx), generator=gen)[:per_class]]
        for c in torch.unique(y).tolist()
        for idx in [torch.nonzero(y == c).flatten()]
    ]
    return torch.sort(torch.cat(keep)).values


def build_cifar_step(
    root,
    name: str,
    minority: list[int],
    ratio: float,
    n_max: int | None,
    n_test_per_class: int | None,
    seed: int,
    verify_md5: bool = True,
    n_val_per_class: int = 0,
) -> dict:
    """The experiment dataset (see ``imbalanced_gpu.datasets``): groups = classes.

    ``n_val_per_class`` (ours) training images per class are held out first as a class-balanced
    validation split (for the lr selection); the STEP subset is drawn from the rest, so the
    imbalance ratio is unchanged. The test split is the standard balanced one.
    """
    raw = load_cifar(root, name, verify_md5)
    k = len(raw["classes"])
    bad = [c for c in minority if not 0 <= c < k]
    if bad:
        raise ValueError(f"minority classes {bad} outside 0..{k - 1} for {name}")
    va = (
        balanced_indices(raw["train_y"], n_val_per_class, seed + 2)
        if n_val_per_class
        else torch.zeros(0, dtype=torch.long)
    )
    rest = torch.ones(len(raw["train_y"]), dtype=torch.bool)
    rest[va] = False
    pool = torch.nonzero(rest).flatten()
    tr = pool[step_indices(raw["train_y"][pool], minority, ratio, n_max, seed)]
    te = balanced_indices(raw["test_y"], n_test_per_class, seed + 1)
    return {
        "name": name,
        "task": "vision",
        "n_classes": k,
        "group_names": list(raw["classes"]),
        "minority_groups": sorted(minority),
        "majority_groups": [c for c in range(k) if c not in set(minority)],
        "mean": MEAN[name],
        "std": STD[name],
        "augment": True,
        "decode": False,
        **{
            f"{split}_{key}": raw[f"{src}_{key if key != 'group' else 'y'}"][idx].clone()
            for split, src, idx in (("train", "train", tr), ("val", "train", va), ("test", "test", te))
            for key in ("x", "y", "group")
        },
    }

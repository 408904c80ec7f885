"""Colored-MNIST with a spurious colour (spec imbalanced.md §4.2; claims 12, 17).

Recipe (INFERRED, spec §4.2): 10 fixed RGB colours, colour c belongs to digit class c. In training a
class-c image gets colour c with probability ``correlation`` (0.99), otherwise one of the other 9
colours uniformly. Validation and test colours are uniform and independent of the class. The image
is grey-level (x) RGB colour, 3 x 28 x 28. Groups are (class, colour), id ``10 * class + colour``;
majority groups have colour == class colour, minority groups the other 90.

``build_colored_mnist`` only draws subsets and colours (uint8 grey images, labels, colour ids);
``colorize`` turns them into normalised float features on the training device.
"""

from __future__ import annotations

import torch

from muonrepro.util.io import atomic_torch_save, load_tensors

N_CLASSES = 10
# ours: ten well separated colours (matplotlib tab10), RGB in [0, 1]
DEFAULT_PALETTE = [
    [0.122, 0.467, 0.706],
    [1.000, 0.498, 0.055],
    [0.173, 0.627, 0.173],
    [0.839, 0.153, 0.157],
    [0.580, 0.404, 0.741],
    [0.549, 0.337, 0.294],
    [0.890, 0.467, 0.761],
    [0.498, 0.498, 0.498],
    [0.737, 0.741, 0.133],
    [0.090, 0.745, 0.812],
]
MEAN, STD = 0.1307, 0.3081  # the MNIST pixel normalisation, applied per channel


def assign_colors(y: torch.Tensor, correlation: float, gen: torch.Generator) -> torch.Tensor:
    """Colour ids: y with probability ``correlation``, else uniform over the other 9 colours."""
    if not 0.0 <= correlation <= 1.0:
        raise ValueError(f"correlation must be in [0, 1], got {correlation}")
    keep = torch.rand(len(y), generator=gen) < correlation
    shift = torch.randint(1, N_CLASSES, (len(y),), generator=gen)
    return torch.where(keep, y, (y + shift) % N_CLASSES)


def random_colors(n: int, gen: torch.Generator) -> torch.Tensor:
    """Colour ids independent of the class, uniform over the 10 colours."""
    return torch.randint(0, N_CLASSES, (n,), generator=gen)


def group_ids(y: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    return N_CLASSES * y + colors


def is_majority(y: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    return y == colors


def build_colored_mnist(
    mnist: dict,
    n_train: int,
    n_val: int,
    n_test: int,
    correlation: float,
    seed: int,
    palette: list[list[float]] | None = None,
) -> dict:
    """Subsets and colours from the prepared MNIST dict (``train_x`` uint8 (60000, 784), ...).

    Train and validation are disjoint random subsets of the MNIST training set; the test set is a
    random subset of the MNIST test set. Returns uint8 images and int64 labels / colours / groups.
    """
    n_pool = len(mnist["train_y"])
    if n_train + n_val > n_pool:
        raise ValueError(f"n_train + n_val = {n_train + n_val} exceeds the {n_pool} MNIST training images")
    if n_test > len(mnist["test_y"]):
        raise ValueError(f"n_test = {n_test} exceeds the {len(mnist['test_y'])} MNIST test images")
    palette = torch.tensor(DEFAULT_PALETTE if palette is None else palette, dtype=torch.float32)
    if palette.shape != (N_CLASSES, 3):
        raise ValueError(f"palette must be {N_CLASSES} RGB triples, got shape {tuple(palette.shape)}")
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n_pool, generator=gen)
    tr, va = perm[:n_train], perm[n_train : n_train + n_val]
    te = torch.randperm(len(mnist["test_y"]), generator=gen)[:n_test]
    out = {"palette": palette, "correlation": correlation, "seed": seed}
    for split, src, idx in (("train", "train", tr), ("val", "train", va), ("test", "test", te)):
        y = mnist[f"{src}_y"][idx].long()
        c = assign_colors(y, correlation, gen) if split == "train" else random_colors(len(y), gen)
        out[f"{split}_x"] = mnist[f"{src}_x"][idx].reshape(len(idx), -1).to(torch.uint8).contiguous()
        out[f"{split}_y"] = y
        out[f"{split}_color"] = c
        out[f"{split}_group"] = group_ids(y, c)
    return out


def colorize(x_uint8: torch.Tensor, colors: torch.Tensor, palette: torch.Tensor, device) -> torch.Tensor:
    """(n, 784) uint8 grey + colour ids -> (n, 3 * 784) float32 features on ``device``:
    channel ch of pixel i is (grey_i / 255 * palette[colour, ch] - MEAN) / STD."""
    grey = x_uint8.to(device=device, dtype=torch.float32) / 255.0
    rgb = palette.to(device)[colors.to(device)]  # (n, 3)
    img = grey[:, None, :] * rgb[:, :, None]  # (n, 3, 784)
    return ((img - MEAN) / STD).reshape(len(x_uint8), -1)


def group_counts(y: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """(10, 10) counts of (class, colour)."""
    return torch.bincount(group_ids(y, colors), minlength=N_CLASSES**2).reshape(N_CLASSES, N_CLASSES)


def cmnist_data_job(smk) -> None:
    """Rule imbalanced_cmnist_data: the Colored-MNIST subsets and colour draws (``params.cfg`` at ``params.sizes``)
    from the prepared MNIST tensors ``input.mnist``."""
    cfg, sizes = smk.params.cfg, smk.params.sizes
    mnist = load_tensors(smk.input.mnist, map_location="cpu")
    data = build_colored_mnist(
        mnist,
        sizes["n_train"],
        sizes["n_val"],
        sizes["n_test"],
        cfg["correlation"],
        cfg["data_seed"],
        cfg.get("palette"),
    )
    atomic_torch_save(data, smk.output[0])

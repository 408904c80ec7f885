"""Tiny datasets in the exact on-disk formats the real loaders read (no md5: use verify_md5=False).

CIFAR: torchvision's pickled batches (``cifar-10-batches-py/data_batch_1..5, test_batch,
batches.meta``; ``cifar-100-python/train, test, meta``), uint8 ``data`` rows of 3072 bytes (R, G, B
planes). CelebA: the five space-separated list files and ``img_align_celeba/*.jpg`` (178x218).
MNIST: the ``results/data/mnist.pt`` dict the workflow's data rule writes. Images carry a
class-dependent colour so that a model can learn something in a few steps.
"""

import pickle
from pathlib import Path

import numpy as np
import torch

CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _images(labels, k, rng, hw=32):
    base = np.random.default_rng(1234).integers(0, 256, size=(k, 3, 1, 1))  # same class colours in every split
    x = base[labels] + rng.integers(-40, 40, size=(len(labels), 3, hw, hw))
    return np.clip(x, 0, 255).astype(np.uint8)


def make_cifar10(root, per_class_train=20, per_class_test=10, seed=0):
    rng = np.random.default_rng(seed)
    base = Path(root) / "cifar-10-batches-py"
    base.mkdir(parents=True, exist_ok=True)
    ytr = np.repeat(np.arange(10), per_class_train)
    rng.shuffle(ytr)
    xtr = _images(ytr, 10, rng).reshape(len(ytr), -1)
    for i, chunk in enumerate(np.array_split(np.arange(len(ytr)), 5), start=1):
        with open(base / f"data_batch_{i}", "wb") as f:
            pickle.dump(
                {
                    "batch_label": f"training batch {i} of 5",
                    "labels": ytr[chunk].tolist(),
                    "data": xtr[chunk],
                    "filenames": [f"{j}.png" for j in chunk],
                },
                f,
            )
    yte = np.repeat(np.arange(10), per_class_test)
    with open(base / "test_batch", "wb") as f:
        pickle.dump(
            {
                "batch_label": "testing batch 1 of 1",
                "labels": yte.tolist(),
                "data": _images(yte, 10, rng).reshape(len(yte), -1),
                "filenames": [],
            },
            f,
        )
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CIFAR10_NAMES, "num_cases_per_batch": 10000, "num_vis": 3072}, f)
    return ytr, yte


def make_cifar100(root, per_class_train=3, per_class_test=2, seed=0):
    rng = np.random.default_rng(seed)
    base = Path(root) / "cifar-100-python"
    base.mkdir(parents=True, exist_ok=True)
    for split, per in (("train", per_class_train), ("test", per_class_test)):
        y = np.repeat(np.arange(100), per)
        with open(base / split, "wb") as f:
            pickle.dump(
                {
                    "fine_labels": y.tolist(),
                    "coarse_labels": (y // 5).tolist(),
                    "data": _images(y, 100, rng).reshape(len(y), -1),
                    "filenames": [],
                },
                f,
            )
    with open(base / "meta", "wb") as f:
        pickle.dump(
            {"fine_label_names": [f"c{i}" for i in range(100)], "coarse_label_names": [f"s{i}" for i in range(20)]}, f
        )


def make_mnist_pt(path, n_train=200, n_test=100, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        y = torch.arange(n) % 10
        x = (torch.rand(n, 784, generator=g) * 60).to(torch.uint8)
        x[:, :392] += (y[:, None] * 19).to(torch.uint8)
        out[f"{split}_x"], out[f"{split}_y"] = x, y
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(out, path)
    return out


ATTRS = ["5_o_Clock_Shadow", "Blond_Hair", "Male", "Young"]


def make_celeba(root, n=(24, 12, 12), seed=0):
    """Official layout: partition 0/1/2 = train/valid/test; attributes in {-1, 1}; 178x218 JPEGs."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = Path(root) / "celeba"
    (base / "img_align_celeba").mkdir(parents=True, exist_ok=True)
    names, part, attrs = [], [], []
    for split, count in enumerate(n):
        for j in range(count):
            blond, male = j % 2, (j // 2) % 2
            names.append(f"{len(names) + 1:06d}.jpg")
            part.append(split)
            attrs.append([int(rng.integers(0, 2)) * 2 - 1, 2 * blond - 1, 2 * male - 1, 1])
            colour = np.array([200, 180, 60]) if blond else np.array([60, 40, 30])
            img = np.clip(colour + rng.integers(-20, 20, size=(218, 178, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(img).save(base / "img_align_celeba" / names[-1], quality=90)
    total = len(names)
    with open(base / "list_eval_partition.txt", "w") as f:
        f.writelines(f"{a} {p}\n" for a, p in zip(names, part))
    with open(base / "identity_CelebA.txt", "w") as f:
        f.writelines(f"{a} {i % 7 + 1}\n" for i, a in enumerate(names))
    with open(base / "list_attr_celeba.txt", "w") as f:
        f.write(f"{total}\n" + " ".join(ATTRS) + " \n")
        f.writelines(f"{a} " + " ".join(f"{v:2d}" for v in row) + "\n" for a, row in zip(names, attrs))
    with open(base / "list_bbox_celeba.txt", "w") as f:
        f.write(f"{total}\nimage_id x_1 y_1 width height\n")
        f.writelines(f"{a} 95 71 226 313\n" for a in names)
    with open(base / "list_landmarks_align_celeba.txt", "w") as f:
        f.write(
            f"{total}\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\n"
        )
        f.writelines(f"{a} 69 109 106 113 77 142 73 152 108 154\n" for a in names)
    return names, part, attrs

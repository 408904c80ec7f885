"""Is an experiment's raw data on disk? Paths only (no torch import): Snakemake calls this at parse time.

Every experiment has one status dict: ``present``, ``runnable`` (= present), ``missing`` (expected
paths), ``config_key``, ``download`` and ``message``: for missing data the one message that names
the config key, the expected path and the download command of every missing part (MultiNLI also
needs the BERT tokenizer and, for BERT-base fine-tuning, its pretrained weights).
"""

from __future__ import annotations

from pathlib import Path

EXPERIMENTS = ("cifar10", "cifar100", "dominoes", "celeba", "multinli", "tinystories")
_CIFAR = {
    "cifar10": (
        "cifar-10-batches-py",
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"],
        "CIFAR10",
    ),
    "cifar100": ("cifar-100-python", ["train", "test", "meta"], "CIFAR100"),
}
_CELEBA = [
    "list_attr_celeba.txt",
    "identity_CelebA.txt",
    "list_bbox_celeba.txt",
    "list_landmarks_align_celeba.txt",
    "list_eval_partition.txt",
    "img_align_celeba",
]
BERT_WEIGHTS = "model.safetensors"


def requirements(exp: str, data: dict, pretrained: bool = False) -> list[tuple[str, list[Path], str]]:
    """(config key, expected paths, download command) of each part of an experiment's raw data.

    ``pretrained``: MultiNLI fine-tunes pretrained BERT-base (needs its config and weights besides the
    tokenizer's vocabulary); at a scale that trains a small BERT from scratch only ``vocab.txt`` is needed.
    """
    if exp in ("cifar10", "cifar100", "dominoes"):
        name = "cifar10" if exp == "dominoes" else exp
        root = data["cifar_root"]
        folder, files, cls = _CIFAR[name]
        return [
            (
                "imbalanced_gpu.data.cifar_root",
                [Path(root) / folder / f for f in files],
                f"python -c \"import torchvision; torchvision.datasets.{cls}('{root}', download=True)\"",
            )
        ]
    if exp == "celeba":
        root = data["celeba_root"]
        return [
            (
                "imbalanced_gpu.data.celeba_root",
                [Path(root) / "celeba" / f for f in _CELEBA],
                f"python -c \"import torchvision; torchvision.datasets.CelebA('{root}', download=True)\" (needs "
                f"gdown; if Google Drive refuses, fetch img_align_celeba.zip and the five list files from the CelebA "
                f"site into {Path(root) / 'celeba'} and unzip)",
            )
        ]
    if exp == "multinli":
        root, bert = data["multinli_root"], data["bert_dir"]
        files = ["vocab.txt"] + (["config.json", BERT_WEIGHTS] if pretrained else [])
        return [
            (
                "imbalanced_gpu.data.multinli_root",
                [Path(root) / "multinli_1.0_train.jsonl", Path(root) / "multinli_1.0_dev_matched.jsonl"],
                f"wget https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip && "
                f"unzip -j multinli_1.0.zip 'multinli_1.0/*.jsonl' -d {root}",
            ),
            (
                "imbalanced_gpu.data.bert_dir",
                [Path(bert) / f for f in files],
                f"huggingface-cli download bert-base-uncased {' '.join(files)} --local-dir {bert}",
            ),
        ]
    if exp == "tinystories":
        root = data["tinystories_root"]
        return [
            (
                "imbalanced_gpu.data.tinystories_root",
                [Path(root) / "TinyStories-train.txt", Path(root) / "TinyStories-valid.txt"],
                f"huggingface-cli download roneneldan/TinyStories TinyStories-train.txt TinyStories-valid.txt "
                f"--repo-type dataset --local-dir {root}",
            )
        ]
    raise ValueError(f"unknown experiment {exp!r}; known: {EXPERIMENTS}")


def raw_files(exp: str, data: dict, pretrained: bool = False) -> list[Path]:
    """Every expected file (not directory) of an experiment: the inputs of its dataset build."""
    return [p for _, paths, _ in requirements(exp, data, pretrained) for p in paths if not p.is_dir()]


def data_status(exp: str, data: dict, pretrained: bool = False) -> dict:
    reqs = requirements(exp, data, pretrained)
    parts = []
    for key, paths, cmd in reqs:
        miss = [str(p) for p in paths if not p.exists()]
        if miss:
            parts.append((key, paths, cmd, miss))
    missing = [m for *_, miss in parts for m in miss]
    if parts:
        message = f"{exp}: data missing: " + "; ".join(
            f"expected {Path(paths[0]).parent}/ ({len(miss)} of {len(paths)} files absent, e.g. {miss[0]}); set config "
            f"key {key} or download it with: {cmd}"
            for key, paths, cmd, miss in parts
        )
    else:
        message = f"{exp}: data present under " + ", ".join(str(Path(paths[0]).parent) for _, paths, _ in reqs)
    return {
        "experiment": exp,
        "present": not parts,
        "runnable": not parts,
        "config_key": ", ".join(k for k, *_ in (parts or reqs)),
        "missing": missing,
        "download": " ; ".join(c for _, _, c, *_ in (parts or reqs)),
        "message": message,
    }


def data_status_job(smk) -> None:
    """Rule imbalanced_gpu_data_status: the status of every experiment found at parse time (``params.status``,
    ``data_status``), its messages to the log."""
    from muonrepro.util.io import atomic_write_json  # here: this module is read at parse time, paths only

    status = smk.params.status
    for st in status.values():
        print(st["message"])
    atomic_write_json(status, smk.output[0])

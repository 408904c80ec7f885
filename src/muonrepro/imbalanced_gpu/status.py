"""Is an experiment's raw data on disk? Paths only (no torch import): Snakemake calls this at parse time.

Every experiment has one status dict: ``present``, ``missing`` (expected paths), ``runnable`` (the
pipeline implements it) and ``message``: for missing data the one message that names the config
key, the expected path and the download command; for an unimplemented one why it is not run.
"""

from __future__ import annotations

from pathlib import Path

EXPERIMENTS = ("cifar10", "cifar100", "dominoes", "celeba", "multinli", "tinystories")
IMPLEMENTED = ("cifar10", "cifar100", "dominoes", "celeba")
NOT_IMPLEMENTED = {
    "multinli": "BERT-base fine-tuning (transformers, pretrained bert-base-uncased) is not implemented in this "
                "pipeline yet; the MultiNLI group builder is (muonrepro.data.multinli)",
    "tinystories": "the small-GPT TinyStories run is not implemented in this pipeline yet; the token-frequency "
                   "bucket builder is (muonrepro.data.tinystories)",
}
_CIFAR = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"],
                "CIFAR10"),
    "cifar100": ("cifar-100-python", ["train", "test", "meta"], "CIFAR100"),
}
_CELEBA = ["list_attr_celeba.txt", "identity_CelebA.txt", "list_bbox_celeba.txt", "list_landmarks_align_celeba.txt",
           "list_eval_partition.txt", "img_align_celeba"]


def expected(exp: str, data: dict) -> tuple[str, list[Path], str]:
    """(config key, expected paths, download command) of an experiment's raw data."""
    if exp in ("cifar10", "cifar100", "dominoes"):
        name = "cifar10" if exp == "dominoes" else exp
        root = data["cifar_root"]
        folder, files, cls = _CIFAR[name]
        return ("imbalanced_gpu.data.cifar_root", [Path(root) / folder / f for f in files],
                f"python -c \"import torchvision; torchvision.datasets.{cls}('{root}', download=True)\"")
    if exp == "celeba":
        root = data["celeba_root"]
        return ("imbalanced_gpu.data.celeba_root", [Path(root) / "celeba" / f for f in _CELEBA],
                f"python -c \"import torchvision; torchvision.datasets.CelebA('{root}', download=True)\" (needs gdown; "
                f"if Google Drive refuses, fetch img_align_celeba.zip and the five list files from the CelebA site "
                f"into {Path(root) / 'celeba'} and unzip)")
    if exp == "multinli":
        root = data["multinli_root"]
        return ("imbalanced_gpu.data.multinli_root",
                [Path(root) / "multinli_1.0_train.jsonl", Path(root) / "multinli_1.0_dev_matched.jsonl"],
                f"wget https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip && "
                f"unzip -j multinli_1.0.zip 'multinli_1.0/*.jsonl' -d {root}")
    if exp == "tinystories":
        root = data["tinystories_root"]
        return ("imbalanced_gpu.data.tinystories_root",
                [Path(root) / "TinyStories-train.txt", Path(root) / "TinyStories-valid.txt"],
                f"huggingface-cli download roneneldan/TinyStories TinyStories-train.txt TinyStories-valid.txt "
                f"--repo-type dataset --local-dir {root}")
    raise ValueError(f"unknown experiment {exp!r}; known: {EXPERIMENTS}")


def data_status(exp: str, data: dict) -> dict:
    key, paths, cmd = expected(exp, data)
    missing = [str(p) for p in paths if not p.exists()]
    present = not missing
    runnable = present and exp in IMPLEMENTED
    if not present:
        where = Path(paths[0]).parent
        message = (f"{exp}: data missing, expected {where}/ ({len(missing)} of {len(paths)} files absent, e.g. "
                   f"{missing[0]}); set config key {key} or download it with: {cmd}")
    elif exp not in IMPLEMENTED:
        message = f"{exp}: data present but {NOT_IMPLEMENTED[exp]}"
    else:
        message = f"{exp}: data present under {Path(paths[0]).parent}"
    return {"experiment": exp, "present": present, "runnable": runnable, "config_key": key,
            "missing": missing, "download": cmd, "message": message}

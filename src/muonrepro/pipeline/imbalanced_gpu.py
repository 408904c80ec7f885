"""Config views of the imbalanced paper's GPU-scale rules (``workflow/rules/imbalanced_gpu.smk``)."""

from __future__ import annotations

from muonrepro.imbalanced.gpu.status import raw_files as _raw_files
from muonrepro.pipeline import resources

METHOD_ONLY = ("model", "optimizers", "batch_size", "select_by", "optimizer_overrides")  # not read by the build
RUN_ONLY = ("epochs", "minutes_per_epoch", "bert", "model")  # scale keys the dataset build does not read
# ours: host memory at paper scale holds a whole dataset (CelebA at 128 px is ~10 GB of uint8) besides the model
MEM_MB = {"paper": 48000, "small": 4000}


def build_inputs(exp: str, IG: dict, pretrained_bert: bool) -> dict:
    """The raw files an experiment's dataset is built from (they exist: only such experiments get jobs)."""
    return {
        "raw": [str(p) for p in _raw_files(exp, IG["data"], pretrained_bert)],
        **({"mnist": "results/data/mnist.pt"} if exp == "dominoes" else {}),
    }


def build_config(exp: str, IG: dict, IGS: dict) -> tuple[dict, dict]:
    """(method settings, sizes) that the dataset build reads: a change to the rest does not rebuild it."""
    return (
        {k: v for k, v in IG[exp].items() if k not in METHOD_ONLY},
        {k: v for k, v in IGS[exp].items() if k not in RUN_ONLY},
    )


def run_files(exp: str, IG: dict, IGS: dict, suffix: str) -> list[str]:
    return [
        f"results/imbalanced/gpu/{exp}/runs/{o}_seed{s}.{suffix}" for o in IG[exp]["optimizers"] for s in IGS["seeds"]
    ]


def sizes(exp: str, IGS: dict) -> dict:
    return {**IGS[exp], "evals_per_epoch": IGS["evals_per_epoch"]}


def minutes_per_epoch(exp: str, IGS: dict) -> float:
    return IGS[exp].get("minutes_per_epoch", IGS["minutes_per_epoch"])


def train_resources(scale: str, IGS: dict) -> dict:
    r = resources.training(
        scale, lambda wc: IGS[wc.exp]["epochs"], minutes_per_epoch=lambda wc: minutes_per_epoch(wc.exp, IGS)
    )
    return {**r, "mem_mb": lambda wildcards, attempt: MEM_MB[scale] * attempt}


def lr_grid(exp: str, opt: str, IGS: dict) -> list[float]:
    """The scale's lr grid of one (experiment, optimizer); [] keeps the configured lr."""
    return list(IGS.get("lr_grid", {}).get(exp, {}).get(opt, []))


def tune_resources(scale: str, IGS: dict) -> dict:
    r = resources.training(
        scale,
        lambda wc: resources.tuning_epochs(IGS["tune_epochs"], len(lr_grid(wc.exp, wc.ig_opt, IGS))),
        minutes_per_epoch=lambda wc: minutes_per_epoch(wc.exp, IGS),
    )
    return {**r, "mem_mb": lambda wildcards, attempt: MEM_MB[scale] * attempt}

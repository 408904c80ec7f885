"""Resource requests of the rules: scheduler tokens locally, sbatch flags under profiles/slurm
(gpu -> --gpus, cpus_per_gpu -> --cpus-per-gpu, mem_mb -> --mem, runtime -> -t). Runtime and memory
grow with each retry (``attempt``); a retried training run resumes from its checkpoint."""

from __future__ import annotations

from collections.abc import Callable

# ours: minutes per training epoch on a GPU (paper scale) and on a CPU (small scale), + 10 to start
MINUTES_PER_EPOCH = {"paper": 3, "small": 6}
# ours: minutes per epoch of an MNIST-size MLP (60k images, width <= 512) on one CPU core, with margin; these
# jobs run on CPUs at every scale (a GPU would idle: the small scale trains one in well under a minute)
MLP_CPU_MINUTES_PER_EPOCH = 2
TRAIN_MEM_MB = {"paper": 16000, "small": 4000}
EXTRACT = {"paper": (16000, 120), "small": (4000, 30)}  # float64 K-FAC over every snapshot of a run


def _call(x, wildcards):
    return x(wildcards) if callable(x) else x


def training(
    scale: str, epochs: int | Callable, mem_mb: int | None = None, minutes_per_epoch: float | Callable | None = None
) -> dict:
    """A training job: one GPU at paper scale; ``epochs`` (a number or a function of the wildcards)
    sets the runtime."""
    mem = mem_mb or TRAIN_MEM_MB[scale]
    per_epoch = MINUTES_PER_EPOCH[scale] if minutes_per_epoch is None else minutes_per_epoch
    return {
        "gpu": 1 if scale == "paper" else 0,
        "cpus_per_gpu": 2,
        "mem_mb": lambda wildcards, attempt: mem * attempt,
        "runtime": lambda wildcards, attempt: (10 + _call(per_epoch, wildcards) * _call(epochs, wildcards)) * attempt,
    }


def cpu_training(
    scale: str,
    epochs: int | Callable,
    mem_mb: int | None = None,
    minutes_per_epoch: float | Callable = MLP_CPU_MINUTES_PER_EPOCH,
) -> dict:
    """A training job that runs on one CPU core at every scale (the MNIST-size MLPs): no GPU request."""
    mem = mem_mb or TRAIN_MEM_MB[scale]
    return {
        "gpu": 0,
        "mem_mb": lambda wildcards, attempt: mem * attempt,
        "runtime": lambda wildcards, attempt: (
            (10 + _call(minutes_per_epoch, wildcards) * _call(epochs, wildcards)) * attempt
        ),
    }


def tuning_epochs(tune_epochs: int, grid_size: int) -> int:
    """Epochs an lr-selection job trains: every lr of the grid, none without a grid."""
    return tune_epochs * grid_size if grid_size > 1 else 0


def extraction(scale: str) -> dict:
    """CPU-only jobs heavier than the profile's default-resources (the energy extractions)."""
    mem, minutes = EXTRACT[scale]
    return {
        "gpu": 0,
        "mem_mb": lambda wildcards, attempt: mem * attempt,
        "runtime": lambda wildcards, attempt: minutes * attempt,
    }

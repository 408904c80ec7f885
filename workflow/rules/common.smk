# The only file that reads `config` directly: it validates it, resolves the scale preset and gives
# the helpers rules use in `params:`.
import json
from pathlib import Path

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

SCALE = config["scale"]
PAPERS = config["papers"]
ENV = "../../envs/muonrepro.yaml"
E = config["energy"]
ES = config["scales"][SCALE]["energy"]
ARCHS = [f"mlp{d}" for d in E["depths"]]
OPTS = list(E["optimizers"])


wildcard_constraints:
    arch="mlp[0-9]+",
    opt="|".join(OPTS),
    seed="[0-9]+",


def notebook(name):
    """Path of a figure notebook (inputs are relative to the working directory, not this file)."""
    return str(Path(workflow.basedir) / "workflow" / "notebooks" / f"{name}.py")


def mnist_root():
    root = config["data"]["mnist_root"]
    if root != "auto":
        return root
    shared = Path("../shared/data/mnist")
    return str(shared) if shared.exists() else "resources/mnist"


def arch_depth(wildcards):
    return int(wildcards.arch.removeprefix("mlp"))


def energy_model(wildcards):
    return {"depth": arch_depth(wildcards), "width": E["width"], "bias": E["bias"]}


def energy_opt_cfg(wildcards):
    return E["optimizers"][wildcards.opt]


def energy_runs(pattern):
    return expand(pattern, arch=ARCHS, opt=OPTS, seed=ES["seeds"])


def lr_grid(wildcards):
    return ES.get("lr_grid", {}).get(wildcards.opt, [E["optimizers"][wildcards.opt]["lr"]])


def train_resources(kind):
    """GPU and runtime requests of training rules (scheduler tokens; SLURM turns them into sbatch flags)."""
    paper = SCALE == "paper"
    res = {"gpu": 1 if paper else 0, "runtime": 240 if paper else 30, "mem_mb": 16000 if paper else 4000}
    if kind == "tune":
        res["runtime"] = 120 if paper else 30
    return res


def energy_figures():
    return expand("results/figures/energy/{name}.png", name=ENERGY_FIGURES)


ENERGY_FIGURES = ["theory_checks", "gini", "cumulative_energy", "per_mode_heatmap", "curvature_deciles", "training_curves"]


def final_targets():
    targets = []
    if "energy" in PAPERS:
        targets += energy_figures()
    if "precond" in PAPERS:
        targets += PRECOND_TARGETS  # defined in precond.smk
    if "imbalanced" in PAPERS:
        targets += IMBALANCED_TARGETS  # defined in imbalanced.smk
    return targets


def report_seeds():
    return {p: config["scales"][SCALE][p].get("seeds", "n/a") for p in PAPERS}


def paper_claims():
    return expand("results/{paper}/claims.csv", paper=PAPERS)

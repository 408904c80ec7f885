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


def mnist_root_param(wildcards):
    """data.mnist_root as a rule parameter (a function, so that the linter does not take the folder of
    the declared raw files for a hard-coded path prefix)."""
    return mnist_root()


def mnist_raw_files():
    """The raw MNIST files under data.mnist_root that exist at parse time (inputs of data_mnist, so
    replacing one reruns everything downstream); none when torchvision is to download them."""
    root = Path(mnist_root())
    for raw in (root / "raw", root / "MNIST" / "raw"):
        files = sorted(str(f) for f in raw.glob("*-ubyte*")) if raw.is_dir() else []
        if files:
            return files
    return []


def arch_depth(wildcards):
    return int(wildcards.arch.removeprefix("mlp"))


def energy_model(wildcards):
    return {"depth": arch_depth(wildcards), "width": E["width"], "bias": E["bias"]}


def energy_opt_cfg(wildcards):
    return E["optimizers"][wildcards.opt]


def sensitivity_grid():
    """The part of the sensitivity grid that the per-run extraction needs (the rest is post-processing)."""
    g = E["sensitivity"]
    return {k: g[k] for k in ("sigma_delta", "thresholds", "damping", "mode_identity")}


def primary_reading():
    """The primary reading (energy.estimator), in the sensitivity table's terms."""
    return {"sigma_delta": E["estimator"]["sigma_delta"], "threshold": f"thr{E['estimator']['rel_threshold']:g}",
            "mode_identity": "rank", "energy": "cumulative", "tail_binning": "time_avg", "gini_variant": "plain"}


def energy_runs(pattern):
    return expand(pattern, arch=ARCHS, opt=OPTS, seed=ES["seeds"])


def lr_grid(wildcards):
    return ES.get("lr_grid", {}).get(wildcards.opt, [E["optimizers"][wildcards.opt]["lr"]])


def train_resources(kind):
    """Requests of the training rules (kind "tune" or "train"): scheduler tokens locally, sbatch flags
    under profiles/slurm (gpu -> --gpus, cpus_per_gpu -> --cpus-per-gpu, mem_mb -> --mem,
    runtime -> -t). One GPU at paper scale. Runtime (minutes; ours: 3 min per epoch on a GPU, 6 on a
    CPU, + 10 to start) scales with the epochs the job trains; runtime and memory grow with each
    retry (`attempt`), and a retried run resumes from its epoch checkpoint."""
    paper = SCALE == "paper"
    per_epoch, mem = (3, 16000) if paper else (6, 4000)

    def epochs(wildcards):
        if kind == "tune":
            grid = lr_grid(wildcards)
            return ES.get("tune_epochs", 0) * len(grid) if len(grid) > 1 else 0
        return ES["epochs"]

    return {
        "gpu": 1 if paper else 0,
        "cpus_per_gpu": 2,
        "mem_mb": lambda wildcards, attempt: mem * attempt,
        "runtime": lambda wildcards, attempt: (10 + per_epoch * epochs(wildcards)) * attempt,
    }


def cpu_resources(kind):
    """Requests of CPU-only rules that are heavier than profiles/slurm's default-resources
    (kind "extract": float64 K-FAC over every snapshot of a run on the probe set). No GPU."""
    paper = SCALE == "paper"
    mem, minutes = (16000, 120) if paper else (4000, 30)
    return {
        "gpu": 0,
        "mem_mb": lambda wildcards, attempt: mem * attempt,
        "runtime": lambda wildcards, attempt: minutes * attempt,
    }


# Code-change tracking. Snakemake reruns a `script:` job when its script changes, but not when a
# module of the muonrepro package that the script imports changes. Each rule therefore declares the
# package sources its script imports (transitively, read from the import statements) as an input
# named `code`: editing loop.py reruns the training rules and what depends on them, not extraction's
# upstream; a touched but unchanged file reruns nothing (Snakemake compares checksums of small inputs).
# The sources are those of the `muonrepro` that the workflow's Python imports (an editable install:
# this checkout's src/).
import ast
import importlib.util
import os

MUONREPRO_DIR = Path(importlib.util.find_spec("muonrepro").submodule_search_locations[0]).resolve()


def _module_file(module):
    """Source file of a muonrepro module name, or None (e.g. a name imported from a module)."""
    base = MUONREPRO_DIR.joinpath(*module.split(".")[1:])
    for cand in (base / "__init__.py", base.with_suffix(".py")):
        if cand.is_file():
            return cand
    return None


def _muonrepro_imports(path, module=None):
    """muonrepro module names imported anywhere in ``path`` (``module``: its own name, for relative imports)."""
    package = (module if path.name == "__init__.py" else module.rpartition(".")[0]).split(".") if module else []
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return {n for n in names if n == "muonrepro" or n.startswith("muonrepro.")}


_SOURCES = {}


def package_sources(script):
    """Sorted muonrepro source files (with their parent packages' __init__.py) that a workflow
    script (a name in workflow/scripts/) or notebook (a path) imports, transitively."""
    path = Path(script) if script.endswith(".py") else Path(workflow.basedir) / "workflow" / "scripts" / f"{script}.py"
    if path not in _SOURCES:
        seen, todo = {}, _muonrepro_imports(path)
        while todo:
            parts = todo.pop().split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
                name = ".".join(parts[:i])
                if name not in seen:
                    seen[name] = _module_file(name)
                    if seen[name] is not None:
                        todo |= _muonrepro_imports(seen[name], name)
        # relative to the working directory, so that moving the checkout together with its results
        # (the usual case: results/ inside the checkout) does not change the set of inputs
        _SOURCES[path] = sorted({os.path.relpath(f) for f in seen.values() if f is not None})
    return _SOURCES[path]


def energy_figures():
    return expand("results/figures/energy/{name}.png", name=ENERGY_FIGURES)


SENSITIVITY_FIGURES = ["sensitivity_heatmap"]
ENERGY_FIGURES = ["theory_checks", "gini", "cumulative_energy", "per_mode_heatmap", "curvature_deciles", "training_curves"]


def final_targets():
    targets = []
    if "energy" in PAPERS:
        targets += energy_figures() + expand("results/figures/energy/{name}.png", name=SENSITIVITY_FIGURES)
    if "precond" in PAPERS:
        targets += PRECOND_TARGETS  # defined in precond.smk
    if "imbalanced" in PAPERS:
        targets += IMBALANCED_TARGETS  # defined in imbalanced.smk
    if "imbalanced_gpu" in PAPERS:
        targets += IG_TARGETS  # defined in imbalanced_gpu.smk
    return targets


def report_seeds():
    return {p: config["scales"][SCALE][p].get("seeds", "n/a") for p in PAPERS}


def paper_claims():
    return expand("results/{paper}/claims.csv", paper=PAPERS)

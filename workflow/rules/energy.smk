# Rules of the energy paper (spectral equalization and total training energy, HiLD @ ICML 2026):
# per-optimizer lr selection on a validation split -> monitored MNIST-MLP runs (weight snapshots,
# resumable checkpoints) -> per-run extraction (primary reading; the sensitivity grid) -> tidy tables
# -> theory checks, claims rows and figures.
from muonrepro.pipeline import energy as pipeline_energy

E = config["energy"]
ES = config["scales"][SCALE]["energy"]
ARCHS = [f"mlp{d}" for d in E["depths"]]
OPTS = list(E["optimizers"])
ENERGY_FIGURES = [
    "theory_checks",
    "gini",
    "cumulative_energy",
    "per_mode_heatmap",
    "curvature_deciles",
    "training_curves",
]
ENERGY_RUNS = expand("{arch}_{opt}_s{seed}", arch=ARCHS, opt=OPTS, seed=ES["seeds"])
ENERGY_TARGETS = [
    "results/energy/claims.csv",
    *expand("results/figures/energy/{name}.png", name=ENERGY_FIGURES + ["sensitivity_heatmap"]),
]


wildcard_constraints:
    arch="mlp[0-9]+",
    opt="|".join(OPTS),
    seed="[0-9]+",


rule energy_select_lr:
    input:
        mnist="results/data/mnist.pt",
        code=script_sources("energy/select_lr"),
    output:
        "results/energy/lr/{arch}_{opt}.json",
    log:
        "logs/energy/select_lr/{arch}_{opt}.log",
    benchmark:
        "benchmarks/energy/select_lr/{arch}_{opt}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.cpu_training(
            SCALE,
            lambda wildcards: pipeline_resources.tuning_epochs(
                ES.get("tune_epochs", 0), len(pipeline_energy.lr_grid(E, ES, wildcards.opt))
            ),
        ),
    params:
        model=lambda wildcards: pipeline_energy.model(E, wildcards.arch),
        opt_cfg=lambda wildcards: E["optimizers"][wildcards.opt],
        grid=lambda wildcards: pipeline_energy.lr_grid(E, ES, wildcards.opt),
        n_train=ES["n_train"],
        val_size=ES["val_size"],
        epochs=ES["tune_epochs"],
        batch_size=E["batch_size"],
        device=config["device"],
    script:
        "../scripts/energy/select_lr.py"


rule energy_train:
    input:
        mnist="results/data/mnist.pt",
        lr="results/energy/lr/{arch}_{opt}.json",
        code=script_sources("energy/train"),
    output:
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        history="results/energy/runs/{arch}_{opt}_s{seed}/history.csv",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        timing="results/energy/runs/{arch}_{opt}_s{seed}/timing.json",
    log:
        "logs/energy/train/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/train/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.cpu_training(SCALE, ES["epochs"]),
    params:
        model=lambda wildcards: pipeline_energy.model(E, wildcards.arch),
        opt_cfg=lambda wildcards: E["optimizers"][wildcards.opt],
        n_train=ES["n_train"],
        epochs=ES["epochs"],
        batch_size=E["batch_size"],
        log_every=ES["log_every"],
        device=config["device"],
        checkpoint="results/energy/checkpoints/{arch}_{opt}_s{seed}.pt",
    script:
        "../scripts/energy/train.py"


rule energy_extract:
    input:
        mnist="results/data/mnist.pt",
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        code=script_sources("energy/extract"),
    output:
        per_mode="results/energy/per_mode/{arch}_{opt}_s{seed}.parquet",
        summary="results/energy/extract/{arch}_{opt}_s{seed}.json",
        logs="results/energy/extract/{arch}_{opt}_s{seed}_logs.parquet",
    log:
        "logs/energy/extract/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/extract/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.extraction(SCALE),
    params:
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        device=config["device"],
    script:
        "../scripts/energy/extract.py"


rule energy_aggregate:
    input:
        summaries=expand("results/energy/extract/{run}.json", run=ENERGY_RUNS),
        histories=expand("results/energy/runs/{run}/history.csv", run=ENERGY_RUNS),
        metas=expand("results/energy/runs/{run}/meta.json", run=ENERGY_RUNS),
        code=script_sources("energy/aggregate"),
    output:
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
    log:
        "logs/energy/aggregate.log",
    conda:
        ENV
    script:
        "../scripts/energy/aggregate.py"


rule energy_sensitivity_extract:
    input:
        mnist="results/data/mnist.pt",
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        code=script_sources("energy/sensitivity_extract"),
    output:
        "results/energy/sensitivity/units/{arch}_{opt}_s{seed}.parquet",
    log:
        "logs/energy/sensitivity/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/sensitivity/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.extraction(SCALE),
    params:
        grid=pipeline_energy.sensitivity_grid(E),
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        device=config["device"],
    script:
        "../scripts/energy/sensitivity_extract.py"


rule energy_sensitivity:
    input:
        units=expand("results/energy/sensitivity/units/{run}.parquet", run=ENERGY_RUNS),
        code=script_sources("energy/sensitivity"),
    output:
        units="results/energy/sensitivity.csv",
        readings="results/energy/sensitivity_readings.csv",
        summary="results/energy/sensitivity_summary.csv",
    log:
        "logs/energy/sensitivity.log",
    benchmark:
        "benchmarks/energy/sensitivity.tsv"
    conda:
        ENV
    params:
        grid=E["sensitivity"],
        primary=pipeline_energy.primary_reading(E),
        tail_bins=E["claims"]["tail_bins"],
        scale=SCALE,
    script:
        "../scripts/energy/sensitivity.py"


rule energy_theory:
    input:
        code=script_sources("energy/theory"),
    output:
        "results/energy/theory_checks.csv",
    log:
        "logs/energy/theory.log",
    benchmark:
        "benchmarks/energy/theory.tsv"
    conda:
        ENV
    params:
        seed=0,
    script:
        "../scripts/energy/theory.py"


rule energy_claims:
    input:
        code=script_sources("energy/claims"),
        theory="results/energy/theory_checks.csv",
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
        sensitivity="results/energy/sensitivity_summary.csv",
    output:
        "results/energy/claims.csv",
    log:
        "logs/energy/claims.log",
    conda:
        ENV
    params:
        scale=SCALE,
        min_acc=E["claims"]["min_test_acc"][SCALE],
        tail_bins=E["claims"]["tail_bins"],
        estimator=E["estimator"],
    script:
        "../scripts/energy/claims.py"


rule energy_figures:
    input:
        code=notebook_sources("energy_figures"),
        notebook=notebook("energy_figures"),
        theory="results/energy/theory_checks.csv",
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
        per_mode=expand(
            "results/energy/per_mode/{arch}_{opt}_s{seed}.parquet", arch=ARCHS[-1], opt=OPTS, seed=ES["seeds"][0]
        ),
    output:
        **{
            name: report(
                f"results/figures/energy/{name}.png",
                caption=f"../report/energy_{name}.rst",
                category="Energy paper",
            )
            for name in ENERGY_FIGURES
        },
        executed="results/energy/figures.ipynb",
    log:
        "logs/energy/figures.log",
    conda:
        ENV
    params:
        nb={
            "scale": SCALE,
            "estimator": E["estimator"],
            "width": E["width"],
            "tail_bins": E["claims"]["tail_bins"],
            "dpi": FIGURES["dpi"],
        },
    script:
        "../scripts/run_notebook.py"


rule energy_sensitivity_figures:
    input:
        code=notebook_sources("energy_sensitivity_figures"),
        notebook=notebook("energy_sensitivity_figures"),
        readings="results/energy/sensitivity_readings.csv",
        summary="results/energy/sensitivity_summary.csv",
    output:
        executed="results/energy/sensitivity_figures.ipynb",
        sensitivity_heatmap=report(
            "results/figures/energy/sensitivity_heatmap.png",
            caption="../report/energy_sensitivity_heatmap.rst",
            category="Energy paper",
        ),
    log:
        "logs/energy/sensitivity_figures.log",
    conda:
        ENV
    params:
        nb={"scale": SCALE, "primary": pipeline_energy.primary_reading(E), "dpi": FIGURES["dpi"]},
    script:
        "../scripts/run_notebook.py"

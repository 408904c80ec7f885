# Rules of the energy paper (spectral equalization and total training energy, HiLD @ ICML 2026):
# per-optimizer lr selection on a validation split -> monitored MNIST-MLP runs (log-spaced weight
# snapshots with the update after each, resumable checkpoints) -> per-run extraction (one pass: the
# primary reading and the sensitivity grid) -> tidy tables -> theory checks, claims rows and figures. The training-settings
# robustness runs (target `energy_robustness_figures`, outside rule all) are the energy_robust_* rules at the end of this file.
from muonrepro.energy import claim_table as energy_table
from muonrepro.energy import rules as energy_rules

E = config["energy"]
ES = config["scales"][SCALE]["energy"]
ARCHS = [f"mlp{d}" for d in E["depths"]]
OPTS = list(E["optimizers"])
# the figures of rule energy_figures: the claim table's, less the two that have a figure rule of their own
# (energy_sensitivity_figures, energy_robustness_figures)
ENERGY_FIGURES = [f for f in energy_table.TABLE.figures() if f not in ("reading_robustness", "training_robustness")]
ENERGY_RUNS = expand("{arch}_{opt}_s{seed}", arch=ARCHS, opt=OPTS, seed=ES["seeds"])
ENERGY_GROUPS = expand("{arch}_s{seed}", arch=ARCHS, seed=ES["seeds"])
ROBUST = energy_rules.robustness_variants(E)  # training-settings variants (rule energy_robustness)
ROBUST_RUNS = [(a, o, s) for a in ARCHS for o in OPTS for s in ES["seeds"]]
ENERGY_TARGETS = [
    result("energy/claims.csv"),
    *expand(result("figures/energy/{name}.png"), name=ENERGY_FIGURES + ["reading_robustness"]),
]


wildcard_constraints:
    variant=energy_rules.variant_pattern(ROBUST),
    arch="mlp[0-9]+",
    opt="|".join(OPTS),
    seed="[0-9]+",


rule energy_select_lr:
    input:
        mnist=MNIST_PT,
        code=script_sources("energy/select_lr"),
    output:
        result("energy/lr/{arch}_{opt}.json"),
    log:
        logfile("energy/select_lr/{arch}_{opt}.log"),
    benchmark:
        benchfile("energy/select_lr/{arch}_{opt}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.cpu_training(
            SCALE,
            lambda wildcards: pipeline_resources.tuning_epochs(
                ES.get("tune_epochs", 0), len(energy_rules.lr_grid(E, ES, wildcards.opt))
            ),
        ),
    params:
        model=lambda wildcards: energy_rules.model(E, wildcards.arch),
        opt_cfg=lambda wildcards: E["optimizers"][wildcards.opt],
        grid=lambda wildcards: energy_rules.lr_grid(E, ES, wildcards.opt),
        n_train=ES["n_train"],
        val_size=ES["val_size"],
        epochs=ES["tune_epochs"],
        batch_size=E["batch_size"],
        max_extensions=config["lr_selection"]["max_extensions"],
        device=config["device"],
    script:
        "../scripts/energy/select_lr.py"


rule energy_train:
    input:
        mnist=MNIST_PT,
        lr=result("energy/lr/{arch}_{opt}.json"),
        code=script_sources("energy/train"),
    output:
        snapshots=result("energy/runs/{arch}_{opt}_s{seed}/snapshots.pt"),
        history=result("energy/runs/{arch}_{opt}_s{seed}/history.csv"),
        meta=result("energy/runs/{arch}_{opt}_s{seed}/meta.json"),
        timing=result("energy/runs/{arch}_{opt}_s{seed}/timing.json"),
    log:
        logfile("energy/train/{arch}_{opt}_s{seed}.log"),
    benchmark:
        benchfile("energy/train/{arch}_{opt}_s{seed}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.cpu_training(SCALE, ES["epochs"]),
    params:
        model=lambda wildcards: energy_rules.model(E, wildcards.arch),
        opt_cfg=lambda wildcards: E["optimizers"][wildcards.opt],
        n_train=ES["n_train"],
        epochs=ES["epochs"],
        batch_size=E["batch_size"],
        n_snapshots=ES["n_snapshots"],
        lr_factor=1.0,
        device=config["device"],
        checkpoint=result("energy/checkpoints/{arch}_{opt}_s{seed}.pt"),
    script:
        "../scripts/energy/train.py"


rule energy_extract:
    input:
        mnist=MNIST_PT,
        snapshots=result("energy/runs/{arch}_{opt}_s{seed}/snapshots.pt"),
        meta=result("energy/runs/{arch}_{opt}_s{seed}/meta.json"),
        code=script_sources("energy/extract"),
    output:
        per_mode=result("energy/per_mode/{arch}_{opt}_s{seed}.parquet"),
        summary=result("energy/extract/{arch}_{opt}_s{seed}.json"),
        logs=result("energy/extract/{arch}_{opt}_s{seed}_logs.parquet"),
        arrays=temp(result("energy/sensitivity/arrays/{arch}_{opt}_s{seed}.npz")),
    log:
        logfile("energy/extract/{arch}_{opt}_s{seed}.log"),
    benchmark:
        benchfile("energy/extract/{arch}_{opt}_s{seed}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.extraction(SCALE),
    params:
        estimator=E["estimator"],
        grid=energy_rules.sensitivity_grid(E),
        grid_stride=ES["grid_snapshot_stride"],
        probe_size=ES["probe_size"],
        device=config["device"],
    script:
        "../scripts/energy/extract.py"


rule energy_aggregate:
    input:
        summaries=expand(result("energy/extract/{run}.json"), run=ENERGY_RUNS),
        per_modes=expand(result("energy/per_mode/{run}.parquet"), run=ENERGY_RUNS),
        logs=expand(result("energy/extract/{run}_logs.parquet"), run=ENERGY_RUNS),
        histories=expand(result("energy/runs/{run}/history.csv"), run=ENERGY_RUNS),
        metas=expand(result("energy/runs/{run}/meta.json"), run=ENERGY_RUNS),
        code=script_sources("energy/aggregate"),
    output:
        **{t: result(f"energy/{f}") for t, f in energy_rules.TABLE_FILES.items()},
    log:
        logfile("energy/aggregate.log"),
    benchmark:
        benchfile("energy/aggregate.tsv")
    conda:
        ENV
    params:
        mode_set=E["estimator"]["mode_set"],
        n_bins=E["estimator"]["n_deciles"],
    script:
        "../scripts/energy/aggregate.py"


# The per-run arrays of the reading grid (energy_extract's temporary `arrays`) are large (float64 per mode
# and reading): the `common` mode set needs every optimizer's arrays of an architecture and seed at once,
# so a change to one run re-extracts the runs of its group.
rule energy_sensitivity_units:
    input:
        arrays=lambda wildcards: expand(
            result("energy/sensitivity/arrays/{arch}_{opt}_s{seed}.npz"), opt=OPTS, **wildcards
        ),
        metas=lambda wildcards: expand(result("energy/runs/{arch}_{opt}_s{seed}/meta.json"), opt=OPTS, **wildcards),
        code=script_sources("energy/sensitivity_units"),
    output:
        units=result("energy/sensitivity/units/{arch}_s{seed}.parquet"),
        offdiag=result("energy/sensitivity/units/{arch}_s{seed}_offdiag.parquet"),
    log:
        logfile("energy/sensitivity_units/{arch}_s{seed}.log"),
    benchmark:
        benchfile("energy/sensitivity_units/{arch}_s{seed}.tsv")
    conda:
        ENV
    threads: 1
    params:
        n_bins=E["estimator"]["n_deciles"],
    script:
        "../scripts/energy/sensitivity_units.py"


rule energy_sensitivity:
    input:
        units=expand(result("energy/sensitivity/units/{group}.parquet"), group=ENERGY_GROUPS),
        offdiag=expand(result("energy/sensitivity/units/{group}_offdiag.parquet"), group=ENERGY_GROUPS),
        code=script_sources("energy/sensitivity"),
    output:
        readings=result("energy/sensitivity_readings.csv"),
        robustness=result("energy/reading_robustness.csv"),
    log:
        logfile("energy/sensitivity.log"),
    benchmark:
        benchfile("energy/sensitivity.tsv")
    conda:
        ENV
    params:
        grid=E["sensitivity"],
        primary=energy_rules.primary_readings(E),
        criteria=energy_rules.criteria(config),
    script:
        "../scripts/energy/sensitivity.py"


# Instrument check of the per-mode estimator (issue 25): on a few snapshots of every run, the K-FAC curvature's
# damped Newton decrement against the exact Gauss-Newton one of each monitored layer, on the first
# energy.instrument.probe_subsample images of the probe set. One job for all runs (about 1 s per run at small scale).
rule energy_instrument:
    input:
        mnist=MNIST_PT,
        snapshots=expand(result("energy/runs/{run}/snapshots.pt"), run=ENERGY_RUNS),
        metas=expand(result("energy/runs/{run}/meta.json"), run=ENERGY_RUNS),
        code=script_sources("energy/instrument"),
    output:
        result("energy/instrument.csv"),
    log:
        logfile("energy/instrument.log"),
    benchmark:
        benchfile("energy/instrument.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.extraction(SCALE),
    params:
        instrument={**E["instrument"], "probe_subsample": E["instrument"]["probe_subsample"][SCALE]},
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        tail_share=E["claims"]["tail_bins"] / E["estimator"]["n_deciles"],
        device=config["device"],
    script:
        "../scripts/energy/instrument.py"


rule energy_theory:
    input:
        code=script_sources("energy/theory"),
    output:
        result("energy/theory_checks.csv"),
    log:
        logfile("energy/theory.log"),
    benchmark:
        benchfile("energy/theory.tsv")
    conda:
        ENV
    params:
        seed=0,
    script:
        "../scripts/energy/theory.py"


rule energy_claims:
    input:
        **{t: result(f"energy/{f}") for t, f in energy_rules.CLAIMS_TABLE_FILES.items()},
        code=script_sources("energy/claims"),
        theory=result("energy/theory_checks.csv"),
        robustness=result("energy/reading_robustness.csv"),
        instrument=result("energy/instrument.csv"),
        lr_choices=expand(result("energy/lr/{arch}_{opt}.json"), arch=ARCHS, opt=OPTS),
    output:
        result("energy/claims.csv"),
    log:
        logfile("energy/claims.log"),
    conda:
        ENV
    params:
        **energy_rules.claims_params(config, SCALE),
    script:
        "../scripts/energy/claims.py"


rule energy_figures:
    input:
        **{t: result(f"energy/{f}") for t, f in energy_rules.TABLE_FILES.items()},
        code=notebook_sources("energy_figures"),
        notebook=notebook("energy_figures"),
        theory=result("energy/theory_checks.csv"),
        per_mode=expand(
            result("energy/per_mode/{arch}_{opt}_s{seed}.parquet"), arch=ARCHS[-1], opt=OPTS, seed=ES["seeds"]
        ),
    output:
        **{
            name: report(
                result(f"figures/energy/{name}.png"),
                caption=f"../report/energy_{name}.rst",
                category="Energy paper",
            )
            for name in ENERGY_FIGURES
        },
        executed=result("energy/figures.ipynb"),
    log:
        logfile("energy/figures.log"),
    conda:
        ENV
    params:
        nb={
            "scale": SCALE,
            "out": OUT,
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
        robustness=result("energy/reading_robustness.csv"),
    output:
        executed=result("energy/sensitivity_figures.ipynb"),
        reading_robustness=report(
            result("figures/energy/reading_robustness.png"),
            caption="../report/energy_reading_robustness.rst",
            category="Energy paper",
        ),
    log:
        logfile("energy/sensitivity_figures.log"),
    conda:
        ENV
    params:
        nb={"scale": SCALE, "dpi": FIGURES["dpi"]},
    script:
        "../scripts/run_notebook.py"


# ---------------------------------------------------------------------------------------------
# Robustness of the empirical verdicts to the training settings, which are ours: each setting of
# energy.robustness changed on its own (lr x factor per optimizer, Muon's auxiliary AdamW betas, probe
# size, width), same seeds and statistics as the default run. Runs a change touches are retrained /
# re-extracted under results/<scale>/energy/robustness/<variant>/, the others are the default run's.
# Target: `snakemake --cores all energy_robustness_figures` (not part of rule all) -> results/<scale>/energy/robustness.csv
# and figures/energy/training_robustness.png.


rule energy_robust_train:
    input:
        mnist=MNIST_PT,
        lr=result("energy/lr/{arch}_{opt}.json"),
        code=script_sources("energy/robust_train"),
    output:
        snapshots=result("energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/snapshots.pt"),
        history=result("energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/history.csv"),
        meta=result("energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/meta.json"),
        timing=result("energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/timing.json"),
    log:
        logfile("energy/robustness/{variant}/train/{arch}_{opt}_s{seed}.log"),
    benchmark:
        benchfile("energy/robustness/{variant}/train/{arch}_{opt}_s{seed}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.training(SCALE, ES["epochs"]),
    params:
        model=lambda wildcards: energy_rules.variant_train_params(E, ROBUST, wildcards)["model"],
        opt_cfg=lambda wildcards: energy_rules.variant_train_params(E, ROBUST, wildcards)["opt_cfg"],
        n_train=ES["n_train"],
        epochs=ES["epochs"],
        batch_size=E["batch_size"],
        n_snapshots=ES["n_snapshots"],
        lr_factor=lambda wildcards: energy_rules.variant_train_params(E, ROBUST, wildcards)["lr_factor"],
        device=config["device"],
        checkpoint=result("energy/robustness/{variant}/checkpoints/{arch}_{opt}_s{seed}.pt"),
    script:
        "../scripts/energy/robust_train.py"


rule energy_robust_extract:
    input:
        mnist=MNIST_PT,
        snapshots=lambda wildcards: energy_rules.variant_file(ROBUST, wildcards, "train", "snapshots.pt", OUT),
        meta=lambda wildcards: energy_rules.variant_file(ROBUST, wildcards, "train", "meta.json", OUT),
        code=script_sources("energy/robust_extract"),
    output:
        per_mode=result("energy/robustness/{variant}/per_mode/{arch}_{opt}_s{seed}.parquet"),
        summary=result("energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.json"),
        logs=result("energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}_logs.parquet"),
    log:
        logfile("energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.log"),
    benchmark:
        benchfile("energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.extraction(SCALE),
    params:
        estimator=E["estimator"],
        probe_size=lambda wildcards: energy_rules.variant_probe_size(ES, ROBUST, wildcards),
        device=config["device"],
    script:
        "../scripts/energy/robust_extract.py"


rule energy_robust_verdicts:
    input:
        unpack(lambda wildcards: energy_rules.variant_inputs(ROBUST, wildcards.variant, ROBUST_RUNS, OUT)),
        code=script_sources("energy/robust_verdicts"),
    output:
        result("energy/robustness/{variant}/verdicts.csv"),
    log:
        logfile("energy/robustness/{variant}/verdicts.log"),
    conda:
        ENV
    params:
        setting=lambda wildcards: ROBUST[wildcards.variant]["setting"],
        value=lambda wildcards: ROBUST[wildcards.variant]["value"],
        criteria=energy_rules.criteria(config),
        estimator=E["estimator"],
    script:
        "../scripts/energy/robust_verdicts.py"


rule energy_robustness:
    input:
        verdicts=expand(result("energy/robustness/{variant}/verdicts.csv"), variant=ROBUST),
        code=script_sources("energy/robustness"),
    output:
        result("energy/robustness.csv"),
    log:
        logfile("energy/robustness.log"),
    conda:
        ENV
    script:
        "../scripts/energy/robustness.py"


rule energy_robustness_figures:  # the target: `snakemake --cores all energy_robustness_figures`
    input:
        code=notebook_sources("energy_robustness_figures"),
        notebook=notebook("energy_robustness_figures"),
        robustness=result("energy/robustness.csv"),
    output:
        executed=result("energy/robustness_figures.ipynb"),
        training_robustness=report(
            result("figures/energy/training_robustness.png"),
            caption="../report/energy_training_robustness.rst",
            category="Energy paper",
        ),
    log:
        logfile("energy/robustness_figures.log"),
    conda:
        ENV
    params:
        nb={"scale": SCALE, "dpi": FIGURES["dpi"]},
    script:
        "../scripts/run_notebook.py"

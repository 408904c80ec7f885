# Robustness of the energy paper's empirical verdicts to the training settings, which are ours: each
# setting of energy.robustness changed on its own (lr x factor per optimizer, Muon's auxiliary AdamW betas,
# probe size, width), same seeds and statistics as the default run. Runs that a change touches are
# retrained / re-extracted under results/energy/robustness/<variant>/, the others are the default run's.
# Target: `snakemake --cores all robustness` (not part of rule all) -> results/energy/robustness.csv.
import re

ROBUST = pipeline_energy.robustness_variants(E)
ROBUST_RUNS = [(a, o, s) for a in ARCHS for o in OPTS for s in ES["seeds"]]


wildcard_constraints:
    variant="|".join(re.escape(v) for v in ROBUST),


use rule energy_train as energy_robust_train with:
    output:
        snapshots="results/energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        history="results/energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/history.csv",
        meta="results/energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/meta.json",
        timing="results/energy/robustness/{variant}/runs/{arch}_{opt}_s{seed}/timing.json",
    log:
        "logs/energy/robustness/{variant}/train/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/robustness/{variant}/train/{arch}_{opt}_s{seed}.tsv"
    params:
        model=lambda wildcards: pipeline_energy.model(E, wildcards.arch, ROBUST[wildcards.variant]["width"]),
        opt_cfg=lambda wildcards: ROBUST[wildcards.variant]["opt_cfg"].get(wildcards.opt, E["optimizers"][wildcards.opt]),
        lr_factor=lambda wildcards: ROBUST[wildcards.variant]["lr_factor"].get(wildcards.opt, 1.0),
        checkpoint="results/energy/robustness/{variant}/checkpoints/{arch}_{opt}_s{seed}.pt",


use rule energy_extract as energy_robust_extract with:
    input:
        mnist="results/data/mnist.pt",
        snapshots=lambda wildcards: pipeline_energy.variant_prefix(
            ROBUST[wildcards.variant], wildcards.variant, wildcards.opt, "train"
        )
        + "/runs/{arch}_{opt}_s{seed}/snapshots.pt".format(**wildcards),
        meta=lambda wildcards: pipeline_energy.variant_prefix(
            ROBUST[wildcards.variant], wildcards.variant, wildcards.opt, "train"
        )
        + "/runs/{arch}_{opt}_s{seed}/meta.json".format(**wildcards),
        code=script_sources("energy/extract"),
    output:
        per_mode="results/energy/robustness/{variant}/per_mode/{arch}_{opt}_s{seed}.parquet",
        summary="results/energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.json",
        logs="results/energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}_logs.parquet",
    log:
        "logs/energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/robustness/{variant}/extract/{arch}_{opt}_s{seed}.tsv"
    params:
        probe_size=lambda wildcards: round(ES["probe_size"] * ROBUST[wildcards.variant]["probe_factor"]),


rule energy_robust_verdicts:
    input:
        unpack(lambda wildcards: pipeline_energy.variant_inputs(ROBUST, wildcards.variant, ROBUST_RUNS)),
        code=script_sources("energy/robust_verdicts"),
    output:
        "results/energy/robustness/{variant}/verdicts.csv",
    log:
        "logs/energy/robustness/{variant}/verdicts.log",
    conda:
        ENV
    params:
        setting=lambda wildcards: ROBUST[wildcards.variant]["setting"],
        value=lambda wildcards: ROBUST[wildcards.variant]["value"],
        criteria=pipeline_energy.criteria(config),
        estimator=E["estimator"],
    script:
        "../scripts/energy/robust_verdicts.py"


rule energy_robustness:
    input:
        verdicts=expand("results/energy/robustness/{variant}/verdicts.csv", variant=ROBUST),
        code=script_sources("energy/robustness"),
    output:
        "results/energy/robustness.csv",
    log:
        "logs/energy/robustness.log",
    conda:
        ENV
    script:
        "../scripts/energy/robustness.py"


rule robustness:
    input:
        "results/energy/robustness.csv",

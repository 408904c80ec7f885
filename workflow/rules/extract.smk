# Metric extraction of the energy paper: per-mode energy, Gini, direct energy, curvature bins,
# computed from each run's weight snapshots on a fixed probe set (no retraining).


rule energy_extract:
    input:
        mnist="results/data/mnist.pt",
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
    output:
        per_mode="results/energy/per_mode/{arch}_{opt}_s{seed}.parquet",
        summary="results/energy/extract/{arch}_{opt}_s{seed}.json",
        logs="results/energy/extract/{arch}_{opt}_s{seed}_logs.parquet",
    params:
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        device=config["device"],
    threads: 1
    log:
        "logs/energy/extract/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/extract/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_extract.py"


rule energy_aggregate:
    input:
        summaries=energy_runs("results/energy/extract/{arch}_{opt}_s{seed}.json"),
        histories=energy_runs("results/energy/runs/{arch}_{opt}_s{seed}/history.csv"),
        metas=energy_runs("results/energy/runs/{arch}_{opt}_s{seed}/meta.json"),
    output:
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
    log:
        "logs/energy/aggregate.log",
    conda:
        ENV
    script:
        "../scripts/energy_aggregate.py"

# Metric extraction of the energy paper: per-mode energy, Gini, direct energy, curvature bins,
# computed from each run's weight snapshots on a fixed probe set (no retraining).


rule energy_extract:
    input:
        mnist="results/data/mnist.pt",
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        code=package_sources("energy_extract"),
    output:
        per_mode="results/energy/per_mode/{arch}_{opt}_s{seed}.parquet",
        summary="results/energy/extract/{arch}_{opt}_s{seed}.json",
        logs="results/energy/extract/{arch}_{opt}_s{seed}_logs.parquet",
    params:
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        device=config["device"],
    resources:
        **cpu_resources("extract"),
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
        code=package_sources("energy_aggregate"),
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


rule energy_sensitivity_extract:
    input:
        mnist="results/data/mnist.pt",
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        code=package_sources("energy_sensitivity_extract"),
    output:
        "results/energy/sensitivity/units/{arch}_{opt}_s{seed}.parquet",
    params:
        grid=sensitivity_grid(),
        estimator=E["estimator"],
        probe_size=ES["probe_size"],
        device=config["device"],
    resources:
        **cpu_resources("extract"),
    threads: 1
    log:
        "logs/energy/sensitivity/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/sensitivity/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_sensitivity_extract.py"


rule energy_sensitivity:
    input:
        units=energy_runs("results/energy/sensitivity/units/{arch}_{opt}_s{seed}.parquet"),
        code=package_sources("energy_sensitivity"),
    output:
        units="results/energy/sensitivity.csv",
        readings="results/energy/sensitivity_readings.csv",
        summary="results/energy/sensitivity_summary.csv",
    params:
        grid=E["sensitivity"],
        primary=primary_reading(),
        tail_bins=E["claims"]["tail_bins"],
        scale=SCALE,
    log:
        "logs/energy/sensitivity.log",
    benchmark:
        "benchmarks/energy/sensitivity.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_sensitivity.py"

# Training jobs of the energy paper: per-optimizer lr selection on a validation split, then the
# monitored runs (weight snapshots every log_every steps, a resumable checkpoint per epoch).


rule energy_select_lr:
    input:
        mnist="results/data/mnist.pt",
        code=package_sources("energy_select_lr"),
    output:
        "results/energy/lr/{arch}_{opt}.json",
    params:
        model=energy_model,
        opt_cfg=energy_opt_cfg,
        grid=lr_grid,
        n_train=ES["n_train"],
        val_size=ES["val_size"],
        epochs=ES["tune_epochs"],
        batch_size=E["batch_size"],
        device=config["device"],
    resources:
        **train_resources("tune"),
    threads: 1
    log:
        "logs/energy/select_lr/{arch}_{opt}.log",
    benchmark:
        "benchmarks/energy/select_lr/{arch}_{opt}.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_select_lr.py"


rule energy_train:
    input:
        mnist="results/data/mnist.pt",
        lr="results/energy/lr/{arch}_{opt}.json",
        code=package_sources("energy_train"),
    output:
        snapshots="results/energy/runs/{arch}_{opt}_s{seed}/snapshots.pt",
        history="results/energy/runs/{arch}_{opt}_s{seed}/history.csv",
        meta="results/energy/runs/{arch}_{opt}_s{seed}/meta.json",
        timing="results/energy/runs/{arch}_{opt}_s{seed}/timing.json",
    params:
        model=energy_model,
        opt_cfg=energy_opt_cfg,
        n_train=ES["n_train"],
        epochs=ES["epochs"],
        batch_size=E["batch_size"],
        log_every=ES["log_every"],
        device=config["device"],
        checkpoint="results/energy/checkpoints/{arch}_{opt}_s{seed}.pt",
    resources:
        **train_resources("train"),
    threads: 1
    log:
        "logs/energy/train/{arch}_{opt}_s{seed}.log",
    benchmark:
        "benchmarks/energy/train/{arch}_{opt}_s{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_train.py"

# Rules of the imbalanced-data paper (Vasudeva et al., ICLR 2026; spec ../shared/papers/imbalanced.md):
# theory checks (float64, CPU), the Fig. 4 linear cross-entropy model, Colored-MNIST MLPs, then the
# tidy curves, the claims ledger rows (§5 items 1-17, with the GPU-scale experiments of
# imbalanced_gpu.smk) and the figures.
from muonrepro.imbalanced import claim_table as imbalanced_table
from muonrepro.imbalanced import rules as imbalanced_rules

I = config["imbalanced"]
IS = config["scales"][SCALE]["imbalanced"]
IMB_LAYERS = I["cmnist"]["depths"]
IMB_OPTS = list(I["cmnist"]["optimizers"])
IMBALANCED_FIGURES = imbalanced_table.TABLE.figures(computed_in="muonrepro.imbalanced.claims")  # CPU rows' figures


IMB_LINEAR_RUNS = expand(result("imbalanced/linear_ce/seed{seed}.parquet"), seed=IS["linear_ce"]["seeds"])
IMB_CMNIST_RUNS = (
    []  # left out of this run: its ledger rows say pending
    if "cmnist" in config["pending"]
    else expand(
        result("imbalanced/cmnist/L{layers}_{imb_opt}_seed{seed}.parquet"),
        layers=IMB_LAYERS,
        imb_opt=IMB_OPTS,
        seed=IS["cmnist"]["seeds"],
    )
)


IMBALANCED_TARGETS = [
    result("imbalanced/claims.csv"),
    *expand(result("figures/imbalanced/{name}.png"), name=IMBALANCED_FIGURES),
    *IG_TARGETS,
]


rule imbalanced_theory:
    input:
        code=script_sources("imbalanced/theory"),
    output:
        checks=result("imbalanced/theory_checks.csv"),
        depth=result("imbalanced/depth.csv"),
        trajectories=result("imbalanced/theory_trajectories.parquet"),
        paths=result("imbalanced/theory_paths.parquet"),
        sweep=result("imbalanced/theory_sweep.parquet"),
        meta=result("imbalanced/theory_meta.json"),
    log:
        logfile("imbalanced/theory.log"),
    benchmark:
        benchfile("imbalanced/imbalanced_theory.tsv")
    conda:
        ENV
    threads: 1
    params:
        **imbalanced_rules.theory_params(config, SCALE),
    script:
        "../scripts/imbalanced/theory.py"


rule imbalanced_linear_ce:
    input:
        code=script_sources("imbalanced/linear_ce"),
    output:  # every seed in one job: a choice at a grid edge (seed-mean validation) trains one more lr for all
        curves=IMB_LINEAR_RUNS,
        meta=expand(result("imbalanced/linear_ce/seed{seed}.json"), seed=IS["linear_ce"]["seeds"]),
    log:
        logfile("imbalanced/linear_ce/all_seeds.log"),
    benchmark:
        benchfile("imbalanced/imbalanced_linear_ce/all_seeds.tsv")
    conda:
        ENV
    threads: 1
    params:
        **imbalanced_rules.linear_ce_params(config, SCALE),
    script:
        "../scripts/imbalanced/linear_ce.py"


rule imbalanced_cmnist_data:
    input:
        code=script_sources("imbalanced/cmnist_data"),
        mnist=MNIST_PT,
    output:
        result("imbalanced/colored_mnist.pt"),
    log:
        logfile("imbalanced/cmnist_data.log"),
    conda:
        ENV
    params:
        **imbalanced_rules.cmnist_data_params(config, SCALE),
    script:
        "../scripts/imbalanced/cmnist_data.py"


rule imbalanced_cmnist_train:
    input:
        code=script_sources("imbalanced/cmnist_train"),
        data=result("imbalanced/colored_mnist.pt"),
    output:  # every seed of one (depth, optimizer) in one job: one process start, one data load
        curves=expand(
            result("imbalanced/cmnist/L{{layers}}_{{imb_opt}}_seed{seed}.parquet"), seed=IS["cmnist"]["seeds"]
        ),
        meta=expand(result("imbalanced/cmnist/L{{layers}}_{{imb_opt}}_seed{seed}.json"), seed=IS["cmnist"]["seeds"]),
    log:
        logfile("imbalanced/cmnist/L{layers}_{imb_opt}.log"),
    benchmark:
        benchfile("imbalanced/imbalanced_cmnist_train/L{layers}_{imb_opt}.tsv")
    wildcard_constraints:
        layers="[0-9]+",
        imb_opt="|".join(IMB_OPTS),
    conda:
        ENV
    threads: 1
    resources:
        **pipeline_resources.cpu_training(
            SCALE, lambda wildcards: imbalanced_rules.cmnist_epochs(config, SCALE, wildcards.imb_opt)
        ),
    params:
        **imbalanced_rules.cmnist_train_params(config, SCALE),
        checkpoint=result("imbalanced/checkpoints/cmnist_L{layers}_{imb_opt}"),
    script:
        "../scripts/imbalanced/cmnist_train.py"


rule imbalanced_curves:
    input:
        code=script_sources("imbalanced/curves"),
        trajectories=result("imbalanced/theory_trajectories.parquet"),
        linear_ce=IMB_LINEAR_RUNS,
        cmnist=IMB_CMNIST_RUNS,
    output:
        curves=result("imbalanced/curves.parquet"),
        selection=result("imbalanced/lr_selection.csv"),
    log:
        logfile("imbalanced/curves.log"),
    conda:
        ENV
    params:
        **imbalanced_rules.curves_params(config),
    script:
        "../scripts/imbalanced/curves.py"


rule imbalanced_claims:
    input:
        code=script_sources("imbalanced/claims"),
        checks=result("imbalanced/theory_checks.csv"),
        curves=result("imbalanced/curves.parquet"),
        selection=result("imbalanced/lr_selection.csv"),
        gpu_status=result("imbalanced/gpu/data_status.json"),
        gpu_metrics=expand(result("imbalanced/gpu/{exp}/metrics.parquet"), exp=IG_RUN),
        gpu_skipped=expand(result("imbalanced/gpu/{exp}/skipped.json"), exp=IG_RUN),
    output:
        result("imbalanced/claims.csv"),
    log:
        logfile("imbalanced/claims.log"),
    conda:
        ENV
    params:
        **imbalanced_rules.claims_params(config, SCALE),
    script:
        "../scripts/imbalanced/claims.py"


rule imbalanced_figures:
    input:
        code=notebook_sources("imbalanced_figures"),
        notebook=notebook("imbalanced_figures"),
        checks=result("imbalanced/theory_checks.csv"),
        depth=result("imbalanced/depth.csv"),
        paths=result("imbalanced/theory_paths.parquet"),
        sweep=result("imbalanced/theory_sweep.parquet"),
        curves=result("imbalanced/curves.parquet"),
        selection=result("imbalanced/lr_selection.csv"),
    output:
        **{
            name: report(
                result(f"figures/imbalanced/{name}.png"),
                caption=f"../report/imbalanced_{name}.rst",
                category="Imbalanced-data paper",
            )
            for name in IMBALANCED_FIGURES
        },
        executed=result("imbalanced/figures.ipynb"),
    log:
        logfile("imbalanced/figures.log"),
    conda:
        ENV
    params:
        nb=imbalanced_rules.figures_params(config, SCALE),
    script:
        "../scripts/run_notebook.py"

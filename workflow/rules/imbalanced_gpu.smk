# Rules of the imbalanced-data paper's GPU-scale experiments (spec ../shared/papers/imbalanced.md §3 E2-E6,
# §4.3-§4.7, §5 items 13-16): CIFAR-10/100 STEP-20, MNIST-CIFAR dominoes, CelebA (ResNets), MultiNLI (BERT),
# TinyStories (a small GPT). Chain per experiment: build the dataset -> select each optimizer's lr on the
# validation split -> train each (optimizer, seed) -> metrics -> claims and figures. Which datasets exist is
# decided at parse time, so the DAG never needs an absent file: experiments without data get no jobs, and the
# claims rule writes `not_run` rows that say what is missing (config key, expected path, download command).
from muonrepro.imbalanced.gpu import settings as ig_settings
from muonrepro.imbalanced.gpu.status import data_status
from muonrepro.imbalanced.gpu import rules as ig_rules
from muonrepro.imbalanced import claim_table as imbalanced_table

IG = config["imbalanced_gpu"]
IGS = config["scales"][SCALE]["imbalanced_gpu"]
IG_PRETRAINED_BERT = IGS["multinli"]["bert"] is None
IG_STATUS = {e: data_status(e, IG["data"], pretrained=IG_PRETRAINED_BERT) for e in IG["experiments"]}
IG_RUN = [e for e in IG["experiments"] if IG_STATUS[e]["runnable"]]
IG_OPTS = sorted({o for e in IG_RUN for o in IG[e]["optimizers"]}) or ["sgd"]
IG_FIGURES = imbalanced_table.TABLE.figures(computed_in="muonrepro.imbalanced.gpu")  # from the claim table
IG_TARGETS = expand(result("figures/imbalanced/{name}.png"), name=IG_FIGURES)
# printed once when a run starts (never by a dry run, --lint or --report): the onstart handler in the Snakefile
IG_NOTICES = [f"imbalanced_gpu: {st['message']}" for st in IG_STATUS.values() if not st["present"]]
# the lr grid of one (experiment, optimizer) after `rounds` rounds of the grid-edge rule, each round's next lr read
# from its checkpoint's output (Snakemake runs a round once the lrs before it are tuned)
ig_grid = lambda wildcards, rounds: ig_rules.extended_grid(
    ig_rules.lr_grid(wildcards.exp, wildcards.ig_opt, IGS),
    rounds,
    lambda r: ig_rules.round_next(
        checkpoints.imbalanced_gpu_lr_round.get(exp=wildcards.exp, ig_opt=wildcards.ig_opt, round=r).output[0]
    ),
)


wildcard_constraints:
    exp="|".join(IG_RUN) or "(?!)",
    ig_opt="|".join(IG_OPTS),
    lr="[0-9.e+-]+",


rule imbalanced_gpu_data_status:
    input:
        code=script_sources("imbalanced_gpu/data_status"),
    output:
        result("imbalanced/gpu/data_status.json"),
    log:
        logfile("imbalanced/gpu/data_status.log"),
    conda:
        ENV
    params:
        status=IG_STATUS,
    script:
        "../scripts/imbalanced_gpu/data_status.py"


rule imbalanced_gpu_build:
    input:
        unpack(lambda wildcards: ig_rules.build_inputs(wildcards.exp, IG, IG_PRETRAINED_BERT, MNIST_PT)),
        code=script_sources("imbalanced_gpu/build"),
    output:
        result("imbalanced/gpu/{exp}/data.pt"),
    log:
        logfile("imbalanced/gpu/{exp}/build.log"),
    benchmark:
        benchfile("imbalanced/gpu/build/{exp}.tsv")
    conda:
        ENV
    resources:
        **ig_rules.build_resources(SCALE, IGS),
    params:
        data=IG["data"],
        cfg=lambda wildcards: ig_rules.build_config(wildcards.exp, IG, IGS)[0],
        sizes=lambda wildcards: ig_rules.build_config(wildcards.exp, IG, IGS)[1],
        seed=IG["data_seed"],
    script:
        "../scripts/imbalanced_gpu/build.py"


rule imbalanced_gpu_tune:
    input:
        data=result("imbalanced/gpu/{exp}/data.pt"),
        code=script_sources("imbalanced_gpu/tune"),
    output:
        result("imbalanced/gpu/{exp}/tune/{ig_opt}_lr{lr}.json"),
    log:
        logfile("imbalanced/gpu/{exp}/tune/{ig_opt}_lr{lr}.log"),
    benchmark:
        benchfile("imbalanced/gpu/tune/{exp}/{ig_opt}_lr{lr}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **ig_rules.tune_resources(SCALE, IGS),
    params:
        model=lambda wildcards: ig_settings.model_config(wildcards.exp, IG, IGS),
        opt_cfg=lambda wildcards: ig_settings.optimizer_config(wildcards.exp, wildcards.ig_opt, IG),
        epochs=IGS["tune_epochs"],
        batch_size=lambda wildcards: IG[wildcards.exp]["batch_size"],
        select_by=lambda wildcards: IG[wildcards.exp]["select_by"],
        decode=IG["decode"],
        amp=IG["amp"],
        channels_last=IG["channels_last"],
        device=config["device"],
    script:
        "../scripts/imbalanced_gpu/tune.py"


checkpoint imbalanced_gpu_lr_round:
    input:
        tuned=lambda wildcards: ig_rules.tune_files(
            wildcards.exp, wildcards.ig_opt, ig_grid(wildcards, int(wildcards.round)), OUT
        ),
        code=script_sources("imbalanced_gpu/lr_round"),
    output:
        result("imbalanced/gpu/{exp}/lr/{ig_opt}_round{round}.json"),
    log:
        logfile("imbalanced/gpu/{exp}/select_lr/{ig_opt}_round{round}.log"),
    wildcard_constraints:
        round="[0-9]+",
    conda:
        ENV
    params:
        mode=lambda wildcards: IG[wildcards.exp]["select_by"]["mode"],
    script:
        "../scripts/imbalanced_gpu/lr_round.py"


rule imbalanced_gpu_select_lr:
    input:
        tuned=lambda wildcards: ig_rules.tune_files(
            wildcards.exp, wildcards.ig_opt, ig_grid(wildcards, config["lr_selection"]["max_extensions"]), OUT
        ),
        code=script_sources("imbalanced_gpu/select_lr"),
    output:
        result("imbalanced/gpu/{exp}/lr/{ig_opt}.json"),
    log:
        logfile("imbalanced/gpu/{exp}/select_lr/{ig_opt}.log"),
    conda:
        ENV
    params:
        lr=lambda wildcards: ig_settings.optimizer_config(wildcards.exp, wildcards.ig_opt, IG)["lr"],
        grid=lambda wildcards: ig_rules.lr_grid(wildcards.exp, wildcards.ig_opt, IGS),
        select_by=lambda wildcards: IG[wildcards.exp]["select_by"],
        epochs=IGS["tune_epochs"],
        max_extensions=config["lr_selection"]["max_extensions"],
    script:
        "../scripts/imbalanced_gpu/select_lr.py"


rule imbalanced_gpu_train:
    input:
        data=result("imbalanced/gpu/{exp}/data.pt"),
        lr=result("imbalanced/gpu/{exp}/lr/{ig_opt}.json"),
        code=script_sources("imbalanced_gpu/train"),
    output:
        metrics=result("imbalanced/gpu/{exp}/runs/{ig_opt}_seed{seed}.parquet"),
        meta=result("imbalanced/gpu/{exp}/runs/{ig_opt}_seed{seed}.json"),
    log:
        logfile("imbalanced/gpu/{exp}/train/{ig_opt}_seed{seed}.log"),
    benchmark:
        benchfile("imbalanced/gpu/train/{exp}/{ig_opt}_seed{seed}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **ig_rules.train_resources(SCALE, IGS),
    params:
        model=lambda wildcards: ig_settings.model_config(wildcards.exp, IG, IGS),
        opt_cfg=lambda wildcards: ig_settings.optimizer_config(wildcards.exp, wildcards.ig_opt, IG),
        sizes=lambda wildcards: ig_rules.sizes(wildcards.exp, IGS),
        batch_size=lambda wildcards: IG[wildcards.exp]["batch_size"],
        decode=IG["decode"],
        amp=IG["amp"],
        channels_last=IG["channels_last"],
        device=config["device"],
        checkpoint=result("imbalanced/gpu/{exp}/checkpoints/{ig_opt}_seed{seed}.pt"),
    script:
        "../scripts/imbalanced_gpu/train.py"


rule imbalanced_gpu_metrics:
    input:
        runs=lambda wildcards: ig_rules.run_files(wildcards.exp, IG, IGS, "parquet", OUT),
        metas=lambda wildcards: ig_rules.run_files(wildcards.exp, IG, IGS, "json", OUT),
        code=script_sources("imbalanced_gpu/metrics"),
    output:
        metrics=result("imbalanced/gpu/{exp}/metrics.parquet"),
        skipped=result("imbalanced/gpu/{exp}/skipped.json"),
    log:
        logfile("imbalanced/gpu/{exp}/metrics.log"),
    conda:
        ENV
    script:
        "../scripts/imbalanced_gpu/metrics.py"


rule imbalanced_gpu_figures:
    input:
        notebook=notebook("imbalanced_gpu_figures"),
        status=result("imbalanced/gpu/data_status.json"),
        metrics=expand(result("imbalanced/gpu/{exp}/metrics.parquet"), exp=IG_RUN),
        code=notebook_sources("imbalanced_gpu_figures"),
    output:
        **{
            name: report(
                result(f"figures/imbalanced/{name}.png"),
                caption=f"../report/imbalanced_gpu_{name}.rst",
                category="Imbalanced-data paper (GPU scale)",
            )
            for name in IG_FIGURES
        },
        executed=result("imbalanced/gpu/figures.ipynb"),
    log:
        logfile("imbalanced/gpu/figures.log"),
    conda:
        ENV
    params:
        nb={"scale": SCALE, "claims": IG["claims"], "optimizers": IG["optimizers"], "dpi": FIGURES["dpi"]},
    script:
        "../scripts/run_notebook.py"

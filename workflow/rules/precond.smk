# Rules of the preconditioning paper (spec ../shared/papers/preconditioning.md, issue 4):
# per-problem sweeps -> merged iteration table; ablations and theory checks; claims ledger A1-A15,
# table T1 and figures R1-R8. Everything is float64 on CPU and seeded. Config slices come from
# muonrepro.precond.layout.
from muonrepro.precond import claim_table as precond_table
from muonrepro.precond import layout as precond_layout
from muonrepro.precond.layout import config_slice

P = config["precond"]
PS = config["scales"][SCALE]["precond"]
PRECOND_PROBLEMS = list(P["problems"])
PRECOND_FIGURES = precond_table.TABLE.figures()  # the figures of the ledger rows (claim_table.py)
PRECOND_TARGETS = [
    result("precond/claims.csv"),
    result("precond/table_T1.csv"),
    *expand(result("figures/precond/{name}.png"), name=PRECOND_FIGURES),
]


wildcard_constraints:
    problem="|".join(PRECOND_PROBLEMS),


rule precond_sweep:
    input:
        code=script_sources("precond/sweep"),
    output:
        iterations=result("precond/sweep/{problem}_iterations.csv"),
        info=result("precond/sweep/{problem}_info.csv"),
        curves=result("precond/sweep/{problem}_curves.parquet"),
    log:
        logfile("precond/sweep_{problem}.log"),
    benchmark:
        benchfile("precond/sweep_{problem}.tsv")
    priority: 10  # the longest jobs of the default run: start them first
    conda:
        ENV
    threads: 1
    params:
        precond=lambda wildcards: precond_layout.sweep_params(config, wildcards.problem),
        preset=PS,
    script:
        "../scripts/precond/sweep.py"


rule precond_iterations:
    input:
        code=script_sources("precond/iterations"),
        iterations=expand(result("precond/sweep/{p}_iterations.csv"), p=PRECOND_PROBLEMS),
        info=expand(result("precond/sweep/{p}_info.csv"), p=PRECOND_PROBLEMS),
    output:
        iterations=result("precond/iterations.csv"),
        info=result("precond/problem_info.csv"),
    log:
        logfile("precond/iterations.log"),
    conda:
        ENV
    script:
        "../scripts/precond/iterations.py"


rule precond_ablation:
    input:
        code=script_sources("precond/ablation"),
    output:
        steps_curves=result("precond/ablation/steps_curves.parquet"),
        steps=result("precond/ablation/steps.csv"),
        ns5_curves=result("precond/ablation/ns5_curves.parquet"),
        ns5=result("precond/ablation/ns5.csv"),
    log:
        logfile("precond/ablation.log"),
    benchmark:
        benchfile("precond/ablation.tsv")
    conda:
        ENV
    threads: 1
    params:
        precond=config_slice(P, "spectrum", "spectrum_jitter", "msgn_rel_cutoff", "ablation", "claims", problems=["mf"]),
        preset=PS,
    script:
        "../scripts/precond/ablation.py"


rule precond_lemma:
    input:
        code=script_sources("precond/lemma"),
    output:
        scalar=result("precond/theory/lemma_scalar.csv"),
        matrix=result("precond/theory/lemma_matrix.csv"),
        decoupling=result("precond/theory/decoupling_mf.csv"),
    log:
        logfile("precond/lemma.log"),
    benchmark:
        benchfile("precond/lemma.tsv")
    conda:
        ENV
    threads: 1
    params:
        precond=config_slice(
            P,
            "spectrum",
            "spectrum_jitter",
            "msgn_rel_cutoff",
            "lemma",
            "decoupling",
            "claims",
            problems=["mf_aligned"],
        ),
        preset=PS,
    script:
        "../scripts/precond/lemma.py"


rule precond_montecarlo:
    input:
        code=script_sources("precond/montecarlo"),
    output:
        result("precond/theory/icl_montecarlo.csv"),
    log:
        logfile("precond/montecarlo.log"),
    benchmark:
        benchfile("precond/montecarlo.tsv")
    conda:
        ENV
    threads: 1
    params:
        precond=config_slice(P, "spectrum", "icl_mc"),
        preset=PS,
    script:
        "../scripts/precond/montecarlo.py"


rule precond_claims:
    input:
        code=script_sources("precond/claims"),
        iterations=result("precond/iterations.csv"),
        info=result("precond/problem_info.csv"),
        curves=expand(result("precond/sweep/{problem}_curves.parquet"), problem=precond_layout.CURVE_PROBLEMS),
        steps=result("precond/ablation/steps.csv"),
        ns5=result("precond/ablation/ns5.csv"),
        lemma_scalar=result("precond/theory/lemma_scalar.csv"),
        lemma_matrix=result("precond/theory/lemma_matrix.csv"),
        decoupling=result("precond/theory/decoupling_mf.csv"),
        mc=result("precond/theory/icl_montecarlo.csv"),
    output:
        claims=result("precond/claims.csv"),
        table=result("precond/table_T1.csv"),
        meta=result("precond/meta.json"),
    log:
        logfile("precond/claims.log"),
    conda:
        ENV
    params:
        **precond_layout.claims_params(config, SCALE),
    script:
        "../scripts/precond/claims.py"


rule precond_figures:
    input:
        notebook=notebook("precond_figures"),
        code=notebook_sources("precond_figures"),
        iterations=result("precond/iterations.csv"),
        info=result("precond/problem_info.csv"),
        curves=expand(result("precond/sweep/{problem}_curves.parquet"), problem=PRECOND_PROBLEMS),
        steps_curves=result("precond/ablation/steps_curves.parquet"),
        steps=result("precond/ablation/steps.csv"),
        ns5_curves=result("precond/ablation/ns5_curves.parquet"),
        table=result("precond/table_T1.csv"),
    output:
        **{
            name: report(
                result(f"figures/precond/{name}.png"),
                caption=f"../report/precond_{name}.rst",
                category="Preconditioning paper",
            )
            for name in PRECOND_FIGURES
        },
        executed=result("precond/figures.ipynb"),
    log:
        logfile("precond/figures.log"),
    conda:
        ENV
    params:
        nb=precond_layout.figures_params(config, SCALE),
    script:
        "../scripts/run_notebook.py"

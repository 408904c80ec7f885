# The claims ledger and the reproduction report: per-paper rows -> results/claims.csv ->
# results/REPRODUCTION.md and the ledger page of `snakemake --report`.


rule ledger_merge:
    input:
        code=script_sources("ledger/merge"),
        claims=expand("results/{paper}/claims.csv", paper=PAPERS),
    output:
        "results/claims.csv",
    log:
        "logs/ledger/merge.log",
    conda:
        ENV
    script:
        "../scripts/ledger/merge.py"


rule ledger_report:
    input:
        code=script_sources("ledger/report"),
        claims="results/claims.csv",
        figures=PAPER_TARGETS,
        metas=expand("results/energy/runs/{run}/meta.json", run=ENERGY_RUNS) if "energy" in PAPERS else [],
    output:
        md=report("results/REPRODUCTION.md", caption="../report/reproduction.rst", category="0 Summary"),
        rst="results/report/summary.rst",
        html=report("results/report/index.html", caption="../report/reproduction_html.rst", category="0 Summary"),
    log:
        "logs/ledger/report.log",
    conda:
        ENV
    params:
        scale=SCALE,
        seeds={p: config["scales"][SCALE][p].get("seeds", "n/a") for p in PAPERS},
    script:
        "../scripts/ledger/report.py"

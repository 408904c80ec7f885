# The reproduction report: results/REPRODUCTION.md and the ledger page of `snakemake --report`.


rule report_summary:
    input:
        code=package_sources("report_summary"),
        claims="results/claims.csv",
        figures=final_targets(),
        metas=energy_runs("results/energy/runs/{arch}_{opt}_s{seed}/meta.json") if "energy" in PAPERS else [],
    output:
        md=report("results/REPRODUCTION.md", caption="../report/reproduction.rst", category="0 Summary"),
        rst="results/report/summary.rst",
    params:
        scale=SCALE,
        seeds=report_seeds(),
    log:
        "logs/report_summary.log",
    conda:
        ENV
    script:
        "../scripts/report_summary.py"

# The claims ledger and the reproduction report: per-paper rows -> results/<scale>/claims.csv ->
# results/<scale>/REPRODUCTION.md and the ledger page of `snakemake --report`.
from muonrepro.ledger.pages import seed_lists


rule ledger_merge:
    input:
        code=script_sources("ledger/merge"),
        claims=expand(result("{paper}/claims.csv"), paper=PAPERS),
    output:
        result("claims.csv"),
    log:
        logfile("ledger/merge.log"),
    conda:
        ENV
    script:
        "../scripts/ledger/merge.py"


rule ledger_report:
    input:
        code=script_sources("ledger/report"),
        claims=result("claims.csv"),
        figures=PAPER_TARGETS,
        metas=(expand(result("energy/runs/{run}/meta.json"), run=ENERGY_RUNS) if "energy" in PAPERS else [])
        + ([result("precond/meta.json")] if "precond" in PAPERS else [])
        + ([result("imbalanced/theory_meta.json")] if "imbalanced" in PAPERS else []),
    output:
        md=report(result("REPRODUCTION.md"), caption="../report/reproduction.rst", category="0 Summary"),
        rst=result("report/summary.rst"),
        html=report(result("report/index.html"), caption="../report/reproduction_html.rst", category="0 Summary"),
    log:
        logfile("ledger/report.log"),
    conda:
        ENV
    params:
        scale=SCALE,
        seeds=seed_lists(config, SCALE, PAPERS),
    script:
        "../scripts/ledger/report.py"

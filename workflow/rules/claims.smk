# Claims ledger: per-paper rows -> results/claims.csv.


rule energy_claims:
    input:
        code=package_sources("energy_claims"),
        theory="results/energy/theory_checks.csv",
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
        sensitivity="results/energy/sensitivity_summary.csv",
    output:
        "results/energy/claims.csv",
    params:
        scale=SCALE,
        min_acc=E["claims"]["min_test_acc"][SCALE],
        tail_bins=E["claims"]["tail_bins"],
        estimator=E["estimator"],
    log:
        "logs/energy/claims.log",
    conda:
        ENV
    script:
        "../scripts/energy_claims.py"


rule claims_merge:
    input:
        code=package_sources("claims_merge"),
        claims=paper_claims(),
    output:
        "results/claims.csv",
    log:
        "logs/claims_merge.log",
    conda:
        ENV
    script:
        "../scripts/claims_merge.py"

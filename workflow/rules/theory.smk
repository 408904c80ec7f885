# Theorem checks of the energy paper (float64 closed forms vs simulation; spec energy.md §5).


rule energy_theory:
    input:
        code=package_sources("energy_theory"),
    output:
        "results/energy/theory_checks.csv",
    params:
        seed=0,
    log:
        "logs/energy/theory.log",
    benchmark:
        "benchmarks/energy/theory.tsv"
    conda:
        ENV
    script:
        "../scripts/energy_theory.py"

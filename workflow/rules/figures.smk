# Figure notebooks (jupytext py:percent, run by papermill through workflow/scripts/run_notebook.py).


rule energy_figures:
    input:
        code=package_sources(notebook("energy_figures")),
        notebook=notebook("energy_figures"),
        theory="results/energy/theory_checks.csv",
        gini="results/energy/gini.csv",
        accuracy="results/energy/accuracy.csv",
        bins="results/energy/curvature_bins.csv",
        per_mode=expand("results/energy/per_mode/{arch}_{opt}_s{seed}.parquet", arch=ARCHS[-1], opt=OPTS, seed=ES["seeds"][0]),
    output:
        executed="results/energy/figures.ipynb",
        **{
            name: report(
                f"results/figures/energy/{name}.png",
                caption=f"../report/energy_{name}.rst",
                category="Energy paper",
            )
            for name in ENERGY_FIGURES
        },
    params:
        nb={"scale": SCALE, "estimator": E["estimator"], "width": E["width"], "tail_bins": E["claims"]["tail_bins"],
            "dpi": E["figures"]["dpi"]},
    log:
        "logs/energy/figures.log",
    conda:
        ENV
    script:
        "../scripts/run_notebook.py"


rule energy_sensitivity_figures:
    input:
        code=package_sources(notebook("energy_sensitivity")),
        notebook=notebook("energy_sensitivity"),
        readings="results/energy/sensitivity_readings.csv",
        summary="results/energy/sensitivity_summary.csv",
    output:
        executed="results/energy/sensitivity_figures.ipynb",
        sensitivity_heatmap=report(
            "results/figures/energy/sensitivity_heatmap.png",
            caption="../report/energy_sensitivity_heatmap.rst",
            category="Energy paper",
        ),
    params:
        nb={"scale": SCALE, "primary": primary_reading()},
    log:
        "logs/energy/sensitivity_figures.log",
    conda:
        ENV
    script:
        "../scripts/run_notebook.py"

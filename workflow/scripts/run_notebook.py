"""Every figure rule: run its jupytext figure notebook with papermill (muonrepro.notebook.run_job)."""

from muonrepro.notebook import run_job

run_job(snakemake)

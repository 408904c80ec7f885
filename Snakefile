# muon-repro: reproduce three 2026 papers on the Muon optimizer, from raw data to a claims ledger.
# Usage: `snakemake --cores all` (small scale, CPU); `snakemake --config scale=paper --profile profiles/slurm`.
from snakemake.utils import min_version

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/precond.smk"
include: "workflow/rules/imbalanced.smk"
include: "workflow/rules/imbalanced_gpu.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        "results/claims.csv",
        "results/REPRODUCTION.md",
        final_targets(),

# muon-repro: reproduce three 2026 papers on the Muon optimizer, from raw data to a claims ledger.
# Usage: `snakemake --cores all` (small scale, CPU); `snakemake --config scale=paper --profile profiles/slurm`.
# Outputs of scale <s> go to results/<s>/ (logs/<s>/, benchmarks/<s>/); the MNIST tensors to results/data/.
from snakemake.utils import min_version

min_version("9.0")


configfile: f"{workflow.basedir}/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/energy.smk"
include: "workflow/rules/precond.smk"
include: "workflow/rules/imbalanced_gpu.smk"
include: "workflow/rules/imbalanced.smk"


PAPER_TARGETS = (
    (ENERGY_TARGETS if "energy" in PAPERS else [])
    + (PRECOND_TARGETS if "precond" in PAPERS else [])
    + (IMBALANCED_TARGETS if "imbalanced" in PAPERS else [])
)


include: "workflow/rules/ledger.smk"


rule all:
    default_target: True
    input:
        result("claims.csv"),
        result("REPRODUCTION.md"),
        PAPER_TARGETS,


onstart:
    for notice in IG_NOTICES if "imbalanced" in PAPERS else []:
        print(notice, file=sys.stderr)

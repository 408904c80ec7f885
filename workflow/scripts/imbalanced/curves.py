"""Rule imbalanced_curves: lr selection and the tidy results/<scale>/imbalanced/curves.parquet."""

import sys

from muonrepro.imbalanced.stages import curves_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
inp = snakemake.input
curves_stage(
    inp.trajectories,
    list(inp.linear_ce),
    list(inp.cmnist),
    snakemake.params.early_fraction,
    dict(snakemake.output.items()),
    snakemake.params.max_extensions,
)

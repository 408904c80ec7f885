"""Rule imbalanced_claims: ledger rows of the imbalanced paper (spec §5 items 1-12 and 17)."""

import sys

from muonrepro.theory.imbalanced.pipeline import claims_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
claims_stage(snakemake.input.checks, snakemake.input.curves, snakemake.params.cfg, snakemake.params.scale,
             snakemake.output[0])

"""Rule imbalanced_curves: lr selection and the tidy results/<scale>/imbalanced/curves.parquet
(muonrepro.imbalanced.curves.curves_job)."""

import sys

from muonrepro.imbalanced.curves import curves_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
curves_job(snakemake)

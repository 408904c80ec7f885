"""Rule imbalanced_gpu_data_status: which datasets were found at parse time, and what to do about the others
(muonrepro.imbalanced.gpu.status.data_status_job)."""

import sys

from muonrepro.imbalanced.gpu.status import data_status_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
data_status_job(snakemake)

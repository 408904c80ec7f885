"""Rule imbalanced_gpu_data_status: which datasets were found at parse time, and what to do about the others."""

import sys

from muonrepro.util.io import atomic_write_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
status = snakemake.params.status
for st in status.values():
    print(st["message"])
atomic_write_json(status, snakemake.output[0])

"""Rule energy_select_lr: choose the lr of the grid on a held-out validation split
(muonrepro.energy.runs.select_lr_job)."""

import sys

from muonrepro.energy.runs import select_lr_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
select_lr_job(snakemake)

"""Rule energy_sensitivity_units: statistics of every reading for the runs of one architecture and seed (the
``common`` mode set needs every optimizer's run) (muonrepro.energy.estimator.units.sensitivity_units_job)."""

import sys

from muonrepro.energy.estimator.units import sensitivity_units_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
sensitivity_units_job(snakemake)

"""Rule energy_instrument: the K-FAC curvature of the per-mode estimator against the exact Gauss-Newton on a probe
subsample, a few snapshots of every run (muonrepro.energy.estimator.instrument.instrument_job)."""

import sys

from muonrepro.energy.estimator.instrument import instrument_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
instrument_job(snakemake)

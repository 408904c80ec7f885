"""The reproduction report: REPRODUCTION.md and the first page of `snakemake --report`."""

# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Energy paper: does one change of a training setting flip a claim's verdict?
# Per claim, the default training and each single change of a training setting (`energy/robustness.csv`,
# made by `snakemake --cores all energy_robustness_figures`, outside rule all).
# Drawn by `muonrepro.energy.one_change_figure` (what each row shows is computed there, and tested).

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
dpi = 130

# %%
import pandas as pd

from muonrepro import notebook
from muonrepro.energy import one_change_figure

nb = notebook.preamble(outputs, dpi, scale, ours="every training setting (the paper does not state them)")
table = pd.read_csv(inputs["robustness"], keep_default_na=False)  # "n/a" and "" are values, not missing
nb.save(one_change_figure.draw(table, "training", scale), "training_robustness")

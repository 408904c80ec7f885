# Included first: it validates `config`, resolves the scale preset and names the shared config views
# (each paper's rule file then takes its own sections for its rules' `params:`). Logic lives in tested functions of muonrepro.pipeline.
import sys

from snakemake.utils import validate

# this checkout's package, for the parsing process and (through PYTHONPATH) for every job, in any
# software environment: the conda env installs only the dependencies
SRC = f"{workflow.basedir}/src"
sys.path.insert(0, SRC)

from muonrepro.pipeline.sources import export_checkout

export_checkout(SRC)

from muonrepro.pipeline import config_checks
from muonrepro.pipeline import data as pipeline_data
from muonrepro.pipeline import resources as pipeline_resources
from muonrepro.pipeline.sources import package_sources

# keys written twice in a config file, non-finite numbers (the schema's bounds let NaN through), the schema (a number that YAML read as a
# string, such as 1e-3, gets a hint), then the cross-field rules (muonrepro.pipeline.config_rules)
config_checks.check_duplicate_keys(workflow.configfiles)  # config.yaml and every --configfile overlay
config_checks.check_finite(config)
with config_checks.schema_hints(config):
    validate(config, schema="../schemas/config.schema.yaml")
config_checks.check_config(config)

SCALE = config["scale"]
PAPERS = config["papers"]
# Where outputs go: one root per scale, so that scales never overwrite each other. Every rule names its
# files through result(), logfile() and benchfile() (a path relative to the scale's root; wildcards in
# single braces). The MNIST tensors, built from the raw files only, are shared by the scales (DATA).
OUT = f"results/{SCALE}/"
LOGS = f"logs/{SCALE}/"
BENCH = f"benchmarks/{SCALE}/"
DATA = "results/data/"
MNIST_PT = f"{DATA}mnist.pt"
result = lambda path: f"{OUT}{path}"
logfile = lambda path: f"{LOGS}{path}"
benchfile = lambda path: f"{BENCH}{path}"
ENV = "../../envs/muonrepro.yaml"
SCRIPTS = f"{workflow.basedir}/workflow/scripts"
NOTEBOOKS = f"{workflow.basedir}/workflow/notebooks"
MNIST_ROOT = pipeline_data.mnist_root(config["data"]["mnist_root"], workflow.basedir)
if {"energy", "imbalanced"} & set(PAPERS):  # the papers that read MNIST: fail now, before any job, if it is absent
    pipeline_data.require_mnist(MNIST_ROOT, config["data"]["download"])
FIGURES = config["figures"]  # plotting-only settings, a notebook parameter of every figure rule


# the muonrepro sources a workflow script (``<paper>/<rule suffix>``) or figure notebook (``<rule>``)
# imports: the rule's `code` input; and a notebook's path (relative to the working directory)
script_sources = lambda name: package_sources(f"{SCRIPTS}/{name}.py")
notebook_sources = lambda name: package_sources(f"{NOTEBOOKS}/{name}.py")
notebook = lambda name: f"{NOTEBOOKS}/{name}.py"

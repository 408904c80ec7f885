#!/usr/bin/env bash
# The GPU check (performance issue): one prepared call on one GPU machine, <= 8 minutes.
#   - the CUDA-only code paths of the GPU-scale tasks (bf16 autocast, channels-last, SDPA under autocast)
#     on tiny fixtures in the real data formats;
#   - our Muon step vs torch.optim.Muon on CUDA;
#   - one paper-scale energy training run, timed.
# Writes bench/gpu_results.json and the "GPU check" section of bench/results.md.
# MNIST: a folder with raw/ IDX files, default .data/mnist in this checkout (git-ignored; copy
# ../shared/data/mnist there before sending the tree to the GPU machine), or MNIST_DIR=...
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 -c "import torch, snakemake, pandas, transformers, pytorch_optimizer" 2>/dev/null \
    || python3 -m pip install -q -e ".[test]"
exec timeout 480 python3 bench/gpu_check.py --mnist "${MNIST_DIR:-.data/mnist}" "$@"

#!/usr/bin/env bash
# The GPU check: one prepared call on one GPU machine, <= 8 minutes.
#   - the CUDA-only code paths of the GPU-scale tasks (bf16 autocast, channels-last, SDPA under autocast) on tiny
#     fixtures in the real data formats: the tests marked gpu (pytest -m gpu);
#   - bench/gpu.py: our Muon step vs torch.optim.Muon on CUDA, and one paper-scale energy training run, timed
#     (bench/gpu_results.json and the GPU section of bench/results.md).
# MNIST: a folder with raw/ IDX files, default .data/mnist in this checkout (git-ignored; copy
# ../shared/data/mnist there before sending the tree to the GPU machine), or MNIST_DIR=...
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 -c "import torch, snakemake, pandas, transformers, pytorch_optimizer, pytest" 2>/dev/null \
    || python3 -m pip install -q -e ".[test]"
status=0  # the timings run even where a test fails; the exit status says whether all passed
timeout 180 python3 -m pytest -q -p no:cacheprovider -m gpu tests/imbalanced/gpu/test_cuda_paths.py || status=$?
timeout 300 python3 bench/gpu.py --mnist "${MNIST_DIR:-.data/mnist}" "$@" || status=$?
exit "$status"

"""The tiny workflow through `--profile profiles/slurm` on a real SLURM cluster (tests/integration/slurm/conftest.py).

Checks that every job was submitted with sbatch and completed there, that the training rules were
given a GPU by the scheduler (CUDA_VISIBLE_DEVICES inside the job) and that no more jobs than GPUs
ran at once while others waited for one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
# the rules given a GPU here. energy_select_lr also asks for one at paper scale, but at the tiny
# config's small scale it trains nothing (its lr grid has one value); a second GPU wave of it would
# only make the test longer
GPU_RULES = ("energy_train",)
HARD_TIMEOUT = 600  # a hang guard, not a speed goal: the whole workflow takes ~200-270 s on the 2-core test cluster

pytestmark = [pytest.mark.workflow, pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not found at {MNIST}")]


class QueuePoller(threading.Thread):
    """Samples squeue every 0.2 s: per sample, one row per job (id, state, reason, comment, GPUs asked)."""

    FORMAT = "%i|%T|%r|%k"

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[list[dict]] = []
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            res = subprocess.run(["squeue", "-h", "-t", "all", "-o", self.FORMAT], capture_output=True, text=True)
            gres = subprocess.run(
                ["squeue", "-h", "-t", "all", "-O", "JobID:20,tres-per-job:100"], capture_output=True, text=True
            )
            tres = dict(line.split(None, 1) for line in gres.stdout.splitlines() if len(line.split(None, 1)) == 2)
            rows = []
            for line in res.stdout.splitlines():
                jobid, state, reason, comment = line.split("|", 3)
                rows.append(
                    {
                        "jobid": jobid,
                        "state": state,
                        "reason": reason,
                        "comment": comment,
                        "tres": tres.get(jobid, "").strip(),
                    }
                )
            self.samples.append(rows)
            time.sleep(0.2)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)


def _is_gpu_job(row):
    return any(row["comment"].startswith(f"rule_{r}_") for r in GPU_RULES)


# Snakemake, run with the plugin's status polling capped at 2 s. The plugin waits 10 s longer after
# every poll that finds no finished job (up to 180 s), which suits real clusters; here each job takes
# ~15 s and one status interval per stage would double the test's time. Submission, the sbatch
# flags and the job states are the plugin's own.
SNAKEMAKE = """
import sys
from snakemake_executor_plugin_slurm import Executor
_base = Executor.next_seconds_between_status_checks
Executor.next_seconds_between_status_checks = property(
    _base.fget, lambda self, value: _base.fset(self, None if value is None else min(value, 2)))
from snakemake.cli import main
sys.argv[0] = "snakemake"
main()
"""

JOB_BLOCK = re.compile(
    r"^(?P<indent>\s*)(?P<local>local)?rule (?P<rule>\w+):\n(?P<body>(?:(?P=indent)\s+\S.*\n)*)", re.M
)


def _jobs(text):
    """(rule, wildcards) of the job blocks in Snakemake output: all, local ones, those inside a group job."""
    jobs, local, grouped = set(), set(), set()
    for m in JOB_BLOCK.finditer(text):
        wc = re.search(r"^\s+wildcards: (.*)$", m["body"], re.M)
        job = (m["rule"], wc[1] if wc else "")
        (local if m["local"] else jobs).add(job)
        if m["indent"]:
            grouped.add(job)
    return jobs, local, grouped


def test_tiny_workflow_on_slurm(slurm_cluster, tmp_path):
    wd = tmp_path / "wd"
    wd.mkdir()
    tiny = yaml.safe_load((ROOT / "tests" / "config" / "tiny.yaml").read_text())
    tiny["papers"] = ["energy"]
    tiny["data"] = {"mnist_root": str(MNIST), "download": False}
    tiny["energy"]["depths"] = [1]  # 3 runs: enough to queue for the 2 GPUs
    cfg = wd / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(tiny))
    cmd = [
        sys.executable,
        "-c",
        SNAKEMAKE,
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(wd),
        "--profile",
        str(ROOT / "profiles" / "slurm"),
        "--configfile",
        str(cfg),
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--slurm-keep-successful-logs",
        "--latency-wait",
        "10",
        # the tiny config is small scale (no GPU requests): ask for one as paper scale does
        "--set-resources",
        *(f"{r}:gpu=1" for r in GPU_RULES),
    ]
    poller = QueuePoller()
    poller.start()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=wd,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        out, _ = proc.communicate(timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(
            f"workflow on SLURM exceeded {HARD_TIMEOUT}s:\n{out[-6000:]}\n"
            f"slurmctld.log:\n{slurm_cluster.ctld_log.read_text()[-3000:]}"
        )
    finally:
        poller.stop()
    elapsed = time.monotonic() - t0
    ctld = slurm_cluster.ctld_log.read_text()
    assert proc.returncode == 0, f"snakemake failed ({proc.returncode}):\n{out[-8000:]}\nslurmctld.log:\n{ctld[-3000:]}"
    print(f"tiny workflow on SLURM: {elapsed:.0f} s")

    # every job but the target rule `all` ran inside a SLURM job: its block is in a SLURM job log
    planned, local, grouped = _jobs(out)
    assert local == {("all", "")}, f"jobs run outside SLURM: {local}"
    assert {r for r, _ in planned} >= {
        "data_mnist",
        "energy_theory",
        "energy_select_lr",
        "energy_train",
        "energy_extract",
        "energy_aggregate",
        "energy_figures",
        "energy_claims",
        "ledger_merge",
    }
    ran = set()
    for log in (wd / ".snakemake" / "slurm_logs").rglob("*.log"):
        ran |= _jobs(log.read_text())[0]
    assert ran == planned, f"planned but not run in SLURM: {planned - ran}"
    # each submission is an sbatch job that slurmctld accepted and saw finish
    submitted = dict(re.findall(r"^Job (\S+) has been submitted with SLURM jobid (\d+)", out, re.M))
    ctld_submitted = set(re.findall(r"_slurm_rpc_submit_batch_job: JobId=(\d+)", ctld))
    ctld_done = set(re.findall(r"_job_complete: JobId=(\d+) done", ctld))
    assert set(submitted.values()) == ctld_submitted, (submitted, ctld_submitted)
    assert ctld_submitted <= ctld_done, f"not completed in SLURM: {ctld_submitted - ctld_done}"
    # profiles/slurm batches the small jobs: fewer submissions than jobs, as group jobs
    groups = re.findall(r"Group job (\w+) \(", out)
    assert {"prep", "energy_summary", "ledger"} <= set(groups), groups
    assert len(submitted) == len(planned - grouped) + len(groups) < len(planned), (len(submitted), len(planned))

    # the scheduler allocated the GPUs: never more GPU jobs running than GPUs, and some waited for one
    running = [[r for r in s if r["state"] == "RUNNING" and _is_gpu_job(r)] for s in poller.samples]
    waited = [
        r
        for s in poller.samples
        for r in s
        if r["state"] == "PENDING" and _is_gpu_job(r) and r["reason"] == "Resources"
    ]
    assert max(map(len, running)) == slurm_cluster.n_gpus, "GPU jobs never filled both GPUs"
    assert all(len(s) <= slurm_cluster.n_gpus for s in running)
    assert waited, "no GPU job ever waited for a free GPU"
    assert all(r["tres"] == "gres:gpu:1" for s in running for r in s), running
    assert not [r for s in poller.samples for r in s if "gpu" in r["tres"] and not _is_gpu_job(r)], (
        "GPU given to a CPU job"
    )
    # inside each training job SLURM set CUDA_VISIBLE_DEVICES to the GPU it was given
    out_root = wd / "results" / "small"  # the output root of the tiny config's scale (the default)
    timings = sorted((out_root / "energy" / "runs").glob("*/timing.json"))
    assert len(timings) == 3
    for timing in timings:
        t = json.loads(timing.read_text())
        assert t["CUDA_VISIBLE_DEVICES"] in {str(i) for i in range(slurm_cluster.n_gpus)}, (timing, t)
        assert t["SLURM_JOB_ID"] in ctld_submitted, (timing, t)

    claims = pd.read_csv(out_root / "claims.csv")
    assert set(claims["claim_id"]) >= {"C3", "C4", "C5", "C6a", "sanity-acc"}

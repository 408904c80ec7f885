"""The sbatch command lines profiles/slurm produces, the way snakemake-executor-plugin-slurm tests
itself (its tests/tests.py): MagicMock jobs, `subprocess.Popen` patched, the submit string checked.

The jobs' resources are not made up here: they are what Snakemake computes for the real rules at
paper scale under the profile (read from a dry run), with the account and partition a user adds to
the profile as the README says. No SLURM needed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from unittest.mock import MagicMock, patch

import pytest
import yaml

slurm = pytest.importorskip("snakemake_executor_plugin_slurm", reason="snakemake-executor-plugin-slurm not installed")
from snakemake_executor_plugin_slurm.submit_string import get_submit_command  # noqa: E402
from snakemake_executor_plugin_slurm.utils import set_gres_string  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"


def _user_profile(tmp: Path) -> Path:
    """profiles/slurm with the README's user settings filled in (account, partition, GPU partition)."""
    text = PROFILE.read_text()
    text = re.sub(r"#\s*slurm_account: \"myaccount\"", 'slurm_account: "proj42"', text)
    text = re.sub(r"#\s*slurm_partition: \"cpu\"", 'slurm_partition: "cpu"', text)
    text = re.sub(r"^# set-resources:", "set-resources:", text, flags=re.M)
    text = re.sub(
        r"^#   (imbalanced_gpu_\w+): \{slurm_partition: \"gpu\"\}", r'  \1: {slurm_partition: "gpu"}', text, flags=re.M
    )
    prof = tmp / "profile"
    prof.mkdir()
    (prof / "config.yaml").write_text(text)
    cfg = yaml.safe_load(text)
    assert cfg["default-resources"]["slurm_account"] == "proj42", "README's account line not found in the profile"
    assert cfg["set-resources"]["imbalanced_gpu_train"] == {"slurm_partition": "gpu"}
    return prof


def _resources(line: str) -> dict:
    out = {}
    for item in line.split(", "):
        k, _, v = item.partition("=")
        out[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    return out


@pytest.fixture(scope="module")
def paper_resources(tmp_path_factory):
    """{attempt: {rule: resources of its first job}} from `snakemake -n --profile <user profile>
    --config scale=paper --attempt N` for the first try and the first retry (run side by side), with the
    GPU-scale datasets present (placeholder files) so that their GPU jobs are planned."""
    from muonrepro.pipeline.plan import placeholder_data

    tmp = tmp_path_factory.mktemp("sbatch")
    prof = _user_profile(tmp)
    data_cfg = yaml.safe_load((ROOT / "config.yaml").read_text())["imbalanced_gpu"]["data"]
    procs = {}
    for attempt in (1, 2):
        wd = tmp / f"attempt{attempt}"
        wd.mkdir()
        placeholder_data(wd, data_cfg)
        procs[attempt] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "snakemake",
                "-s",
                str(ROOT / "Snakefile"),
                "--directory",
                str(wd),
                "-n",
                "--profile",
                str(prof),
                "--config",
                "scale=paper",
                "papers=[energy,imbalanced]",
                "--attempt",
                str(attempt),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    found = {}
    for attempt, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-3000:] + err[-3000:]
        found[attempt] = {}
        for m in re.finditer(r"^\s*(?:local)?rule (\w+):\n((?:\s+\S.*\n)*)", out, re.M):
            r = re.search(r"^\s+resources: (.*)$", m[2], re.M)
            w = re.search(r"^\s+wildcards: (.*)$", m[2], re.M)
            if r and m[1] not in found[attempt]:
                found[attempt][m[1]] = {**_resources(r[1]), "wildcards": w[1] if w else ""}
    return found


def _settings():
    """ExecutorSettings from the profile's `slurm-*` keys."""
    prof = yaml.safe_load(PROFILE.read_text())
    kw = {k.removeprefix("slurm-").replace("-", "_"): v for k, v in prof.items() if k.startswith("slurm-")}
    return slurm.ExecutorSettings(**kw)


@pytest.fixture
def mock_job():
    """A job with the given resources, as in the plugin's own tests."""

    def _create_job(name, threads=1, **resources):
        # spec: an unset resource is missing (getattr default), not a MagicMock
        mock_resources = MagicMock(spec=[*resources, "get"])
        mock_resources.get.side_effect = lambda key, default=None: resources.get(key, default)
        for key, value in resources.items():
            setattr(mock_resources, key, value)
        job = MagicMock()
        job.resources = mock_resources
        job.name = name
        job.threads = threads
        job.wildcards = {}
        job.is_group.return_value = False
        job.jobid = 1
        return job

    return _create_job


def _params(tmp_path):
    return {
        "run_uuid": "run",
        "slurm_logfile": str(tmp_path / "%j.log"),
        "comment_str": "c",
        "account": "",
        "partition": "",
        "workdir": str(tmp_path),
    }


def _sbatch(job, tmp_path) -> str:
    """The full sbatch call Executor.run_job would make (subprocess.Popen patched)."""
    ex = slurm.Executor.__new__(slurm.Executor)
    ex.workflow = MagicMock()
    ex.workflow.executor_settings = _settings()
    ex.workflow.workdir_init = str(tmp_path)
    ex.logger = MagicMock()
    ex.run_uuid = "run"
    ex.slurm_logdir = tmp_path / "slurm_logs"
    ex._failed_nodes, ex._submitted_job_clusters = set(), set()
    ex._fallback_account_arg = ex._fallback_partition = ex._partitions = ex._main_event_loop = None
    ex.format_job_exec = lambda job: "python -m snakemake --target-jobs x"
    ex.report_job_submission = MagicMock()
    ex.report_job_error = MagicMock()
    with (
        patch("subprocess.Popen") as popen,
        patch("snakemake_executor_plugin_slurm.validate_account", side_effect=lambda a, logger: a),
    ):
        process = MagicMock()
        process.communicate.return_value = ("4242", "")
        process.returncode = 0
        popen.return_value = process
        ex.run_job(job)
    assert not ex.report_job_error.called, ex.report_job_error.call_args
    info = ex.report_job_submission.call_args[0][0]
    assert info.external_jobid == "4242"
    return popen.call_args[0][0]


def test_gpu_scale_training_requests_one_gpu_at_paper_scale(paper_resources, mock_job, tmp_path):
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    igs = cfg["scales"]["paper"]["imbalanced_gpu"]
    paper_resources = paper_resources[1]
    for rule in ("imbalanced_gpu_tune", "imbalanced_gpu_train"):
        r = {k: v for k, v in paper_resources[rule].items() if k != "wildcards"}
        assert r["gpu"] == 1 and r["cpus_per_gpu"] == 2 and r["mem_mb"] == 48000
        job = mock_job(rule, **r)
        call = get_submit_command(job, _params(tmp_path), settings=_settings()) + set_gres_string(job)
        assert " --gpus=1" in call and "--cpus-per-gpu=2" in call and " --mem 48000" in call
        assert "--cpus-per-task" not in call and "--ntasks" not in call  # GPU jobs: no task geometry
        assert " --requeue" in call  # preemption: SLURM requeues
    # runtime follows the config: 10 min + the experiment's minutes per epoch x its epochs
    train = paper_resources["imbalanced_gpu_train"]
    exp = re.search(r"exp=(\w+)", train["wildcards"])[1]
    minutes = igs[exp].get("minutes_per_epoch", igs["minutes_per_epoch"])
    assert train["runtime"] == 10 + minutes * igs[exp]["epochs"]
    r = {k: v for k, v in train.items() if k != "wildcards"}
    call = _sbatch(mock_job("imbalanced_gpu_train", **r), tmp_path)
    assert f" -t {train['runtime']}" in call and " -A proj42" in call and " -p gpu" in call and " --gpus=1" in call


def test_mnist_mlps_train_on_cpus_at_paper_scale(paper_resources, mock_job, tmp_path):
    """The MNIST MLPs (energy paper, Colored-MNIST) train in minutes on one CPU core: no GPU is held for them."""
    paper_resources = paper_resources[1]
    for rule in ("energy_select_lr", "energy_train", "imbalanced_cmnist_train"):
        r = {k: v for k, v in paper_resources[rule].items() if k != "wildcards"}
        assert r["gpu"] == 0 and "cpus_per_gpu" not in r, (rule, r)
        call = _sbatch(mock_job(rule, **r), tmp_path)
        assert "--gpus" not in call and " -p cpu" in call and " --cpus-per-task=1" in call
    assert paper_resources["energy_train"]["runtime"] == 10 + 2 * 15  # 2 CPU minutes per epoch, 15 epochs


def test_cpu_rules_request_no_gpu(paper_resources, mock_job, tmp_path):
    paper_resources = paper_resources[1]
    ext = {k: v for k, v in paper_resources["energy_extract"].items() if k != "wildcards"}
    assert ext["gpu"] == 0 and ext["mem_mb"] == 16000 and ext["runtime"] == 120
    theory = {k: v for k, v in paper_resources["energy_theory"].items() if k != "wildcards"}  # default-resources
    assert theory["mem_mb"] == 4000 and theory["runtime"] == 30 and "gpu" not in theory
    for rule, r, mem, minutes in [("energy_extract", ext, 16000, 120), ("energy_theory", theory, 4000, 30)]:
        job = mock_job(rule, **r)
        call = get_submit_command(job, _params(tmp_path), settings=_settings()) + set_gres_string(job)
        assert "--gpus" not in call and "--gres" not in call and "--cpus-per-gpu" not in call
        assert " --ntasks=1" in call and " --cpus-per-task=1" in call
        assert f" --mem {mem}" in call and f" -t {minutes}" in call
        full = _sbatch(job, tmp_path)
        assert " -A proj42" in full and " -p cpu" in full and "--gpus" not in full
        assert full.startswith("sbatch ") and '--wrap="python -m snakemake' in full


def test_retries_get_more_time_and_memory(paper_resources):
    """profiles/slurm resubmits failed jobs; training and extraction ask for twice the runtime and
    memory on the first retry (after TIMEOUT or OUT_OF_MEMORY), and training resumes from its checkpoint."""
    prof = yaml.safe_load(PROFILE.read_text())
    assert prof["executor"] == "slurm" and prof["retries"] >= 1 and prof["keep-going"] is True
    assert prof["slurm-requeue"] is True and prof["rerun-incomplete"] is True
    first, retry = paper_resources[1], paper_resources[2]
    for rule in ("energy_select_lr", "energy_train", "energy_extract"):
        assert retry[rule]["runtime"] == 2 * first[rule]["runtime"], rule
        assert retry[rule]["mem_mb"] == 2 * first[rule]["mem_mb"], rule
        assert retry[rule]["gpu"] == first[rule]["gpu"]
    assert retry["energy_theory"]["runtime"] == first["energy_theory"]["runtime"]  # default-resources: fixed


DEFAULT_PROFILE = ROOT / "profiles" / "default" / "config.yaml"


def test_profile_settings_reach_snakemake():
    """What `snakemake --profile profiles/slurm` really runs with, after Snakemake merged the profile
    with the workflow profile profiles/default (which wins key by key)."""
    from snakemake.cli import parse_args

    _, args = parse_args(["-s", str(ROOT / "Snakefile"), "--profile", str(ROOT / "profiles" / "slurm")])
    assert args.executor == "slurm" and args.retries == 2 and args.rerun_incomplete
    assert args.slurm_requeue is True
    assert args.groups["energy_aggregate"] == "energy_summary" and args.group_components["prep"] == 2
    assert args.keep_going is True

"""Preemption and determinism of the training job (workflow/scripts/energy_train.py, run as Snakemake
would run it, in a child process).

A run killed with SIGKILL at a random moment and started again (after deleting its outputs, as
Snakemake does with an incomplete job under --rerun-incomplete; the epoch checkpoint is a param, not
an output, so it survives) finishes with snapshots.pt, history.csv and meta.json byte-identical to
an uninterrupted run. timing.json holds the wall-clock time and is the one output allowed to differ.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest

RESULTS = ("snapshots", "history", "meta")  # byte-identical outputs; timing.json is not
EPOCHS = 10
TRIALS = 6  # >= 5 kills, at random points spread over the run


def _outputs(smk) -> dict[str, bytes]:
    return {k: Path(getattr(smk.output, k)).read_bytes() for k in RESULTS}


def _job(jobs, fake_mnist, config_defaults, out, opt):
    cfg = config_defaults["energy"]["optimizers"][opt]
    return jobs.train_job(fake_mnist, out, opt=opt, opt_cfg=cfg, lr=cfg["lr"], width=64, epochs=EPOCHS)


@pytest.fixture(scope="module")
def reference(jobs, fake_mnist, config_defaults, tmp_path_factory):
    """One uninterrupted run per optimizer: its outputs, and when its checkpoints appeared."""
    jobs.boot()
    ref = {}
    for opt in ("muon", "adamw", "sgd"):
        smk = _job(jobs, fake_mnist, config_defaults, tmp_path_factory.mktemp(f"ref_{opt}"), opt)
        p = jobs.start("energy_train", smk)
        times = jobs.checkpoints_seen(p, Path(smk.params.checkpoint))
        p.join(60)
        assert p.exitcode == 0 and len(times) >= EPOCHS - 2, times
        ref[opt] = (_outputs(smk), times)
        assert not Path(smk.params.checkpoint).exists(), "checkpoint not removed after a finished run"
    return ref


def test_same_config_and_seed_give_identical_files(jobs, fake_mnist, config_defaults, reference, tmp_path):
    """Determinism on CPU: a fresh run in another folder writes the same bytes."""
    smk = _job(jobs, fake_mnist, config_defaults, tmp_path, "muon")
    jobs.run("energy_train", smk)
    assert _outputs(smk) == reference["muon"][0]
    hist = Path(smk.output.history).read_text()
    assert len(hist.splitlines()) == 1 + EPOCHS and "nan" not in hist


def test_sigkill_at_random_points_then_resume_is_byte_identical(jobs, fake_mnist, config_defaults, reference, tmp_path):
    """Each trial kills a run after a random number of epoch checkpoints (0: before the first one;
    EPOCHS: while the outputs are written) plus a random fraction of an epoch."""
    rng = random.Random(20260707)
    after = [round(EPOCHS * (i + rng.random()) / TRIALS) for i in range(TRIALS)]
    resumed, killed = [], 0
    for trial, n_ckpt in enumerate(after):
        opt = ("muon", "adamw", "sgd")[trial % 3]
        ref, times = reference[opt]
        epoch_s = (times[-1] - times[0]) / max(1, len(times) - 1)
        out = tmp_path / f"trial{trial}"
        smk = _job(jobs, fake_mnist, config_defaults, out, opt)
        p = jobs.start("energy_train", smk)
        jobs.checkpoints_seen(p, Path(smk.params.checkpoint), stop_after=n_ckpt)
        time.sleep(rng.random() * (times[0] if n_ckpt == 0 else epoch_s))
        if p.is_alive():
            p.kill()  # SIGKILL: no cleanup of any kind
            killed += 1
        p.join(10)
        # Snakemake marks the job incomplete and deletes its outputs before running it again
        for k in (*RESULTS, "timing"):
            Path(getattr(smk.output, k)).unlink(missing_ok=True)
        jobs.run("energy_train", smk)
        text = Path(smk.log[0]).read_text()
        if "resumed from" in text:
            resumed.append(int(text.split("resumed from", 1)[1].split("(epoch ", 1)[1].split(",")[0]))
        assert _outputs(smk) == ref, (
            f"trial {trial} ({opt}, killed after {n_ckpt} checkpoints) differs from the uninterrupted run"
        )
        assert not Path(smk.params.checkpoint).exists()
        shutil.rmtree(out)
    assert killed >= 5, f"only {killed} of {TRIALS} kills hit a running job: {after}"
    # the kills landed in different phases of the run: several resumed, from different epochs
    assert len(set(resumed)) >= 3 and min(resumed) >= 1, (after, resumed)


def test_sigkill_then_a_code_edit_discards_the_checkpoint(jobs, fake_mnist, config_defaults, tmp_path):
    """SIGKILL after a few epoch checkpoints, then an edit of one of the job's declared code sources (a copy
    of energy/runs.py in the job's `code` list): the rerun discards the checkpoint, saying so in its log, and
    its outputs equal those of a fresh run of the new code."""
    sources = [Path(s) for s in jobs.energy_train_sources()]
    i = next(i for i, s in enumerate(sources) if s.parts[-2:] == ("energy", "runs.py"))
    edited = tmp_path / "code" / "runs.py"
    edited.parent.mkdir()
    shutil.copy(sources[i], edited)
    code = [str(edited) if j == i else str(s) for j, s in enumerate(sources)]
    cfg = config_defaults["energy"]["optimizers"]["muon"]

    def job(out):
        return jobs.train_job(
            fake_mnist, out, opt="muon", opt_cfg=cfg, lr=cfg["lr"], width=64, epochs=EPOCHS, code=code
        )

    smk = job(tmp_path / "killed")
    ckpt = Path(smk.params.checkpoint)
    p = jobs.start("energy_train", smk)
    jobs.checkpoints_seen(p, ckpt, stop_after=3)
    assert p.is_alive(), "the run ended before it could be killed"
    p.kill()
    p.join(10)
    assert ckpt.exists(), "the killed run left no checkpoint: nothing to discard"
    for k in (*RESULTS, "timing"):
        Path(getattr(smk.output, k)).unlink(missing_ok=True)
    edited.write_text(edited.read_text() + "\n# edited after the kill: a new version of the code\n")
    jobs.run("energy_train", smk)
    log = Path(smk.log[0]).read_text()
    assert f"discarding checkpoint {ckpt}: made with other code" in log and "resumed from" not in log, log
    fresh = job(tmp_path / "fresh")
    jobs.run("energy_train", fresh)
    assert "discarding" not in Path(fresh.log[0]).read_text()
    assert _outputs(smk) == _outputs(fresh)
    assert not ckpt.exists()


def test_extraction_of_the_same_run_gives_identical_files(jobs, fake_mnist, config_defaults, tmp_path):
    """Determinism downstream of training: energy_extract twice on one run's snapshots (all four files: the
    primary reading's three and the sensitivity grid's arrays)."""
    from types import SimpleNamespace

    from muonrepro.energy.rules import sensitivity_grid

    cfg = config_defaults["energy"]["optimizers"]["muon"]
    train = jobs.train_job(
        fake_mnist, tmp_path / "train", opt="muon", opt_cfg=cfg, lr=cfg["lr"], width=16, epochs=2, n_snapshots=6
    )
    jobs.run("energy_train", train)
    outs = []
    for i in range(2):
        d = tmp_path / f"extract{i}"
        smk = SimpleNamespace(
            input=SimpleNamespace(mnist=str(fake_mnist), snapshots=train.output.snapshots, meta=train.output.meta),
            output=SimpleNamespace(
                per_mode=str(d / "per_mode.parquet"),
                summary=str(d / "summary.json"),
                logs=str(d / "logs.parquet"),
                arrays=str(d / "arrays.npz"),
            ),
            params=SimpleNamespace(
                estimator=config_defaults["energy"]["estimator"],
                grid=sensitivity_grid(config_defaults["energy"]),
                probe_size=100,
                device="cpu",
            ),
            log=[str(d / "extract.log")],
            threads=1,
        )
        d.mkdir()
        jobs.run("energy_extract", smk)
        outs.append(tuple(Path(f).read_bytes() for f in vars(smk.output).values()))
    assert outs[0] == outs[1]

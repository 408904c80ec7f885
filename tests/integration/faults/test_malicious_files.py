"""Every path that reads a torch (pickle) file refuses a planted malicious one without running it.

Each file below holds an object whose unpickling runs ``exec`` and writes a marker file (``Payload`` in
conftest.py). Loading it with ``torch.load(weights_only=False)`` would run it (checked once, so that the
payload is known to work); every loader of the pipeline goes through ``util.io.load_tensors``, which
refuses it with an error that names the file and says what to do, and the marker never appears.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from muonrepro.util.io import UnsafeFileError

ROOT = Path(__file__).resolve().parents[3]


def _refused(text: str, path) -> bool:
    return f"refusing to load {path}" in text and "nothing in it was run" in text and "Unsupported global" in text


def test_the_payload_runs_when_loaded_unsafely(jobs, tmp_path):
    """Control: the planted file really runs code under weights_only=False (so the tests below mean something)."""
    marker = tmp_path / "marker"
    evil = jobs.plant_malicious(tmp_path / "evil.pt", marker)
    torch.load(evil, weights_only=False)
    assert marker.exists()


def test_no_loader_bypasses_load_tensors():
    """Every torch.load of the package and the workflow scripts is the one in util.io.load_tensors."""
    hits = [
        f"{f.relative_to(ROOT)}:{i}"
        for d in ("src", "workflow")
        for f in (ROOT / d).rglob("*.py")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(r"(?<!`)\b(torch\.load|pickle\.loads?)\(", line) and not line.lstrip().startswith("#")
    ]
    assert len(hits) == 1 and hits[0].startswith("src/muonrepro/util/io.py:"), hits


def test_checkpoint_is_discarded_with_a_log_line_and_the_run_starts_fresh(jobs, fake_mnist, config_defaults, tmp_path):
    cfg = config_defaults["energy"]["optimizers"]["muon"]
    marker = tmp_path / "marker"
    ref = jobs.train_job(fake_mnist, tmp_path / "ref", opt="muon", opt_cfg=cfg, lr=cfg["lr"], width=16, epochs=2)
    jobs.run("energy_train", ref)
    smk = jobs.train_job(fake_mnist, tmp_path / "run", opt="muon", opt_cfg=cfg, lr=cfg["lr"], width=16, epochs=2)
    ckpt = jobs.plant_malicious(Path(smk.params.checkpoint), marker, step=torch.tensor(3))
    jobs.run("energy_train", smk)
    log = Path(smk.log[0]).read_text()
    assert not marker.exists()
    assert f"discarding checkpoint {ckpt}: it cannot be read safely (UnsafeFileError" in log and _refused(log, ckpt), (
        log
    )
    assert "resumed from" not in log and not ckpt.exists()
    for k in ("snapshots", "history", "meta"):  # a fresh run: the same files as one that never saw the planted file
        assert Path(getattr(smk.output, k)).read_bytes() == Path(getattr(ref.output, k)).read_bytes(), k


def _failed_job(jobs, script, smk) -> str:
    with pytest.raises(AssertionError) as e:
        jobs.run(script, smk)
    return str(e.value)


def test_snapshots_are_refused_by_energy_extract(jobs, fake_mnist, config_defaults, tmp_path):
    marker = tmp_path / "marker"
    run = tmp_path / "runs" / "mlp1_muon_s0"
    snaps = jobs.plant_malicious(run / "snapshots.pt", marker, total_steps=10)
    (run / "meta.json").write_text(json.dumps({"diverged": False, "config": {"lr": 0.02}}))
    d = tmp_path / "extract"
    smk = SimpleNamespace(
        input=SimpleNamespace(mnist=str(fake_mnist), snapshots=str(snaps), meta=str(run / "meta.json")),
        output=SimpleNamespace(
            per_mode=str(d / "per_mode.parquet"), summary=str(d / "summary.json"), logs=str(d / "logs.parquet")
        ),
        params=SimpleNamespace(estimator=config_defaults["energy"]["estimator"], probe_size=100, device="cpu"),
        log=[str(tmp_path / "extract.log")],
        threads=1,
    )
    log = _failed_job(jobs, "energy_extract", smk)
    assert not marker.exists()
    assert "UnsafeFileError" in log and _refused(log, snaps), log
    assert not d.exists()


@pytest.mark.parametrize("script", ["imbalanced_gpu_train", "imbalanced_gpu_tune"])
def test_gpu_dataset_is_refused_by_the_training_and_lr_tuning_jobs(jobs, config_defaults, tmp_path, script):
    marker = tmp_path / "marker"
    data = jobs.plant_malicious(tmp_path / "cifar10" / "data.pt", marker, train_y=torch.zeros(4, dtype=torch.long))
    lr = tmp_path / "lr.json"
    lr.write_text(json.dumps({"lr": 0.1}))
    opt_cfg = config_defaults["imbalanced_gpu"]["optimizers"]["sgd"]
    smk = SimpleNamespace(
        input=SimpleNamespace(data=str(data), lr=str(lr), code=[]),
        output=SimpleNamespace(metrics=str(tmp_path / "metrics.parquet"), meta=str(tmp_path / "meta.json")),
        params=SimpleNamespace(
            model={"depth": 18, "stem": "cifar"},
            opt_cfg=opt_cfg,
            grid=[0.03, 0.1],
            epochs=1,
            sizes={"epochs": 1, "evals_per_epoch": 1},
            batch_size=8,
            select_by={"metric": "test_acc", "group": "balanced", "mode": "max"},
            decode={"l2": 1e-3, "max_iter": 10},
            amp=False,
            channels_last=False,
            device="cpu",
            checkpoint=str(tmp_path / "ckpt.pt"),
        ),
        wildcards=SimpleNamespace(exp="cifar10", ig_opt="sgd", seed="0", lr="0.1"),
        log=[str(tmp_path / f"{script}.log")],
        threads=1,
    )
    log = _failed_job(jobs, script, smk)
    assert not marker.exists()
    assert "UnsafeFileError" in log and _refused(log, data), log


def test_mnist_is_refused_by_the_dominoes_builder(jobs, tmp_path, config_defaults):
    from muonrepro.imbalanced.gpu.datasets import build

    marker = tmp_path / "marker"
    mnist = jobs.plant_malicious(tmp_path / "results" / "data" / "mnist.pt", marker)
    IG = config_defaults["imbalanced_gpu"]
    sizes = config_defaults["scales"]["small"]["imbalanced_gpu"]["dominoes"]
    with pytest.raises(UnsafeFileError) as e:
        build("dominoes", IG["data"], IG["dominoes"], sizes, 0, mnist_path=str(mnist))
    assert not marker.exists() and _refused(str(e.value), mnist), str(e.value)


def test_mnist_is_refused_by_every_other_reader(jobs, tmp_path, config_defaults):
    """The energy runs' split, the extraction's probe set and the Colored-MNIST build read mnist.pt too."""
    from muonrepro.data.colored_mnist import cmnist_data_job
    from muonrepro.energy.probe import probe_set
    from muonrepro.energy.runs import load_split

    marker = tmp_path / "marker"
    mnist = jobs.plant_malicious(tmp_path / "mnist.pt", marker)
    readers = [
        lambda: load_split(mnist, 1000, 0, "cpu"),
        lambda: probe_set(mnist, 10, 0, "cpu"),
        lambda: cmnist_data_job(
            SimpleNamespace(
                input=SimpleNamespace(mnist=str(mnist)),
                params=SimpleNamespace(cfg=config_defaults["imbalanced"]["cmnist"], sizes={}),
                output=[str(tmp_path / "c.pt")],
            )
        ),
    ]
    for read in readers:
        with pytest.raises(UnsafeFileError) as e:
            read()
        assert _refused(str(e.value), mnist), str(e.value)
    assert not marker.exists() and not (tmp_path / "c.pt").exists()


def test_colored_mnist_is_refused_by_the_cmnist_train_job(jobs, tmp_path, config_defaults):
    from muonrepro.imbalanced.cmnist import cmnist_train_job

    marker = tmp_path / "marker"
    data = jobs.plant_malicious(tmp_path / "colored_mnist.pt", marker)
    out = SimpleNamespace(curves=[str(tmp_path / "curves.parquet")], meta=[str(tmp_path / "meta.json")])
    sizes = config_defaults["scales"]["small"]["imbalanced"]["cmnist"]
    params = {"cfg": config_defaults["imbalanced"]["cmnist"], "sizes": sizes, "seeds": [0], "device": "cpu"}
    smk = SimpleNamespace(
        input=SimpleNamespace(data=str(data), code=[]),
        params=SimpleNamespace(**params, checkpoint=None, early_fraction=0.25, max_extensions=0),
        wildcards=SimpleNamespace(layers="2", imb_opt="muon"),
        output=out,
        threads=torch.get_num_threads(),  # as it is: the job sets it
    )
    with pytest.raises(UnsafeFileError) as e:
        cmnist_train_job(smk)
    assert not marker.exists() and _refused(str(e.value), data), str(e.value)
    assert not Path(out.curves[0]).exists()

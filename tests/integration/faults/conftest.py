"""Shared pieces of the fault tests: a small synthetic MNIST-shaped dataset, and a way to run the
workflow's own job scripts (workflow/scripts/*.py) in a child process that a test may SIGKILL.

The children are forked from a forkserver that has imported torch and the package once, so a job
starts in milliseconds instead of seconds (the scripts themselves run unchanged, with the same
`snakemake` object attributes Snakemake would give them).
"""

from __future__ import annotations

import copy
import multiprocessing
import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

from muonrepro.pipeline.naming import rule_script
from muonrepro.pipeline.sources import package_sources

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "workflow" / "scripts"


@pytest.fixture(scope="session")
def fake_mnist(tmp_path_factory) -> Path:
    """results/data/mnist.pt's layout (uint8 images, int64 labels) with 1200 + 300 seeded images whose
    label is readable from the pixels, so that training makes progress."""
    g = torch.Generator().manual_seed(0)
    protos = torch.randint(0, 256, (10, 784), generator=g, dtype=torch.uint8)

    def split(n):
        y = torch.randint(0, 10, (n,), generator=g)
        noise = torch.randint(0, 64, (n, 784), generator=g, dtype=torch.uint8)
        return (protos[y] // 2 + noise).to(torch.uint8), y

    train_x, train_y = split(1200)
    test_x, test_y = split(300)
    path = tmp_path_factory.mktemp("data") / "mnist.pt"
    torch.save({"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}, path)
    return path


@pytest.fixture(scope="session")
def config_defaults() -> dict:
    """config.yaml with the schema's defaults filled in, as the workflow sees it."""
    from snakemake.utils import validate

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(cfg, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    return cfg


@pytest.fixture(scope="session")
def forkserver():
    ctx = multiprocessing.get_context("forkserver")
    # torch._dynamo: torch.optim.Optimizer imports it on first use (seconds); import it once here
    ctx.set_forkserver_preload(
        [
            "torch",
            "torch._dynamo",
            "pandas",
            "pyarrow",
            "muonrepro.energy.runs",
            "muonrepro.energy.probe",
            "muonrepro.util.io",
            "muonrepro.util.meta",
        ]
    )
    return ctx


def energy_train_sources() -> list[str]:
    """The package sources rule energy_train declares as its `code` input (what its checkpoint is matched on)."""
    return package_sources(SCRIPTS / rule_script("energy_train"))


def train_job(
    mnist: Path,
    out: Path,
    *,
    opt: str,
    opt_cfg: dict,
    lr: float,
    depth=2,
    width=32,
    n_train=1200,
    epochs=6,
    batch_size=50,
    n_snapshots=8,
    seed=0,
    code=None,
) -> SimpleNamespace:
    """The `snakemake` object of one energy_train job writing into ``out``."""
    (out / "lr.json").parent.mkdir(parents=True, exist_ok=True)
    (out / "lr.json").write_text(f'{{"lr": {lr}}}')
    run = out / "runs" / f"mlp{depth}_{opt}_s{seed}"
    return SimpleNamespace(
        input=SimpleNamespace(mnist=str(mnist), lr=str(out / "lr.json"), code=code or energy_train_sources()),
        output=SimpleNamespace(
            snapshots=str(run / "snapshots.pt"),
            history=str(run / "history.csv"),
            meta=str(run / "meta.json"),
            timing=str(run / "timing.json"),
        ),
        params=SimpleNamespace(
            model={"depth": depth, "width": width, "bias": True},
            opt_cfg=copy.deepcopy(opt_cfg),
            n_train=n_train,
            epochs=epochs,
            batch_size=batch_size,
            n_snapshots=n_snapshots,
            lr_factor=1.0,
            device="cpu",
            checkpoint=str(out / "checkpoints" / f"mlp{depth}_{opt}_s{seed}.pt"),
        ),
        wildcards=SimpleNamespace(arch=f"mlp{depth}", opt=opt, seed=str(seed)),
        log=[str(out / "train.log")],
        threads=1,
    )


def checkpoints_seen(p, ckpt: Path, stop_after=None) -> list[float]:
    """Seconds after start at which each new epoch checkpoint appeared (each is a new file, renamed
    into place), while the child ``p`` runs; returns early once ``stop_after`` were seen."""
    t0, last, times = time.monotonic(), None, []
    while p.is_alive() and (stop_after is None or len(times) < stop_after):
        try:
            st = ckpt.stat()
            if (st.st_ino, st.st_mtime_ns, st.st_size) != last:
                last = (st.st_ino, st.st_mtime_ns, st.st_size)
                times.append(time.monotonic() - t0)
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    return times


class Payload:
    """Unpickling this object runs ``exec``, which writes ``marker`` (what a planted malicious file would do)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('code ran while loading')",))


def plant_malicious(path: Path, marker: Path, **plain) -> Path:
    """A torch file at ``path`` (the zip format torch.save writes, so mmap loads read it too) whose pickle runs
    code when loaded with weights_only=False; ``plain`` entries are ordinary tensors/values beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({**plain, "payload": Payload(marker)}, path)
    return path


def start(ctx, script: str, smk: SimpleNamespace):
    """Start the script of rule ``script`` (workflow/scripts/<paper>/<suffix>.py) in a child process with
    ``smk`` as its `snakemake` object."""
    p = ctx.Process(
        target=runpy.run_path,
        args=(str(SCRIPTS / rule_script(script)),),
        kwargs={"init_globals": {"snakemake": smk}, "run_name": "__main__"},
    )
    p.start()
    return p


def run(ctx, script: str, smk: SimpleNamespace, timeout=120) -> float:
    """Run a job script to completion in a child; its wall time in seconds."""
    t0 = time.monotonic()
    p = start(ctx, script, smk)
    p.join(timeout)
    if p.exitcode != 0:
        p.kill()
        log = Path(smk.log[0])
        raise AssertionError(f"{script} exited with {p.exitcode}:\n{log.read_text()[-3000:] if log.exists() else ''}")
    return time.monotonic() - t0


@pytest.fixture(scope="session")
def jobs(forkserver):
    """Helpers for tests: jobs.train_job(...), jobs.start(script, smk), jobs.run(script, smk)."""

    def boot():  # start the forkserver (it imports the preloaded modules once)
        p = forkserver.Process(target=time.sleep, args=(0,))
        p.start()
        p.join()

    return SimpleNamespace(
        ctx=forkserver,
        train_job=train_job,
        checkpoints_seen=checkpoints_seen,
        plant_malicious=plant_malicious,
        energy_train_sources=energy_train_sources,
        boot=boot,
        start=lambda script, smk: start(forkserver, script, smk),
        run=lambda script, smk, timeout=120: run(forkserver, script, smk, timeout),
    )

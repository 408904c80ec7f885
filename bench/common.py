"""Shared helpers of the benchmarks: paired timing, machine facts, config and data.

Every ratio is measured side by side: the candidates of one comparison run interleaved within each
repeat (order alternating between repeats), after a warm-up, with the same data on the same device
and a fixed ``torch.set_num_threads``. Each call is timed by wall clock and by process CPU time
(``time.process_time``): on a shared machine the wall time includes waiting for a core, the CPU
time does not (with one torch thread it is what the call costs on an idle machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch
import yaml

from muonrepro.util.meta import git_commit, package_versions

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"


# ------------------------------------------------------------------------------------------ timing


def sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)  # wall seconds
    cpu: list[float] = field(default_factory=list)  # process CPU seconds (all threads)

    @property
    def cpu_min(self) -> float:
        return min(self.cpu)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def paired(candidates: dict, repeats: int, warmup: int = 1, device="cpu") -> dict[str, Timing]:
    """Time each zero-argument callable ``repeats`` times, interleaved, order alternating per repeat.

    A callable may return a float: then that is its time (it timed itself, e.g. excluding setup);
    otherwise its wall time is used.
    """
    names = list(candidates)
    for _ in range(warmup):
        for name in names:
            candidates[name]()
            sync(device)
    out = {name: Timing() for name in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            sync(device)
            c0, t0 = time.process_time(), time.perf_counter()
            got = candidates[name]()
            sync(device)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            out[name].times.append(got if isinstance(got, float) else dt)
            out[name].cpu.append(dc)
    return out


def ratio(num: Timing, den: Timing) -> dict:
    """Per-repeat wall-time ratios num/den (median, min, max), the ratio of the fastest repeats, and
    the same two from process CPU time (``cpu_of_min``, ``cpu_median``)."""
    rs = [a / b for a, b in zip(num.times, den.times)]
    out = {"median": statistics.median(rs), "min": min(rs), "max": max(rs), "of_min": num.min / den.min}
    if num.cpu and den.cpu and min(den.cpu) > 0:
        out["cpu_of_min"] = num.cpu_min / den.cpu_min
        out["cpu_median"] = statistics.median(a / b for a, b in zip(num.cpu, den.cpu))
    return out


# ------------------------------------------------------------------------------------------ facts


def _proc(path: str, key: str) -> str | None:
    """The value of the first ``key`` line of a /proc file (None where there is none)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), None)


def cpu_model() -> str:
    return _proc("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def bf16_hardware() -> str:
    """CPU features that make bfloat16 matmuls fast (they decide item 3 on CPU)."""
    flags = _proc("/proc/cpuinfo", "flags")
    if flags is None:
        return "unknown"
    have = [f for f in ("avx512_bf16", "amx_bf16", "amx_tile") if f in flags.split()]
    return ", ".join(have) if have else "none (no AVX512-BF16 / AMX)"


def machine_facts(threads: int) -> dict:
    kb = _proc("/proc/meminfo", "MemTotal")  # "24641304 kB"
    mem = f"{int(kb.split()[0]) / 2**20:.1f} GiB" if kb else "unknown"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (no CUDA device visible to torch)"
    try:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": mem,
        "gpu": gpu,
        "bf16_hardware": bf16_hardware(),
        "torch_threads": threads,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git_commit(REPO),
        "load_average_at_start": load,
        "versions": package_versions(),
    }


# ------------------------------------------------------------------------------------------ config / data


def load_config(path: Path | None = None) -> dict:
    return yaml.safe_load(open(path or REPO / "config.yaml"))


def mnist_pt(explicit: str | None, cfg: dict, workdir: Path) -> Path:
    """A prepared MNIST tensor file: ``--mnist-pt``, else results/data/mnist.pt of this checkout,
    else prepared now (md5-checked, by the package) from ``data.mnist_root`` or ../shared/data/mnist."""
    if explicit:
        return Path(explicit)
    built = REPO / "results" / "data" / "mnist.pt"
    if built.exists():
        return built
    from muonrepro.data.mnist import prepare_mnist
    from muonrepro.util.io import atomic_torch_save

    root = cfg["data"]["mnist_root"]
    if root == "auto":
        shared = REPO.parent / "shared" / "data" / "mnist"
        root = str(shared if shared.exists() else REPO / "resources" / "mnist")
    out = workdir / "mnist.pt"
    with tempfile.TemporaryDirectory() as staging:
        atomic_torch_save(prepare_mnist(root, staging, download=cfg["data"]["download"]), out)
    return out


def replace_block(md: Path, name: str, block: str) -> None:
    """Put ``block`` into ``md`` between ``<!-- name -->`` and ``<!-- /name -->`` (replacing what is there, or
    appended at the end): how a bench that measures one part updates ``results.md`` without re-rendering the
    rest, which other benches wrote from their own measurements."""
    text = md.read_text() if md.exists() else ""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{block.rstrip()}\n{end}\n"
    if start in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    md.write_text(text)


def keep_blocks(md: Path, text: str) -> None:
    """Write ``text`` to ``md`` followed by the ``<!-- name -->`` blocks the old ``md`` had: how a bench re-renders its
    report without dropping the blocks other benches wrote into it (``replace_block``)."""
    old = md.read_text() if md.exists() else ""
    blocks = [m[0] for m in re.finditer(r"<!-- ([\w-]+) -->\n.*?<!-- /\1 -->\n", old, re.S)]
    md.write_text(text.rstrip("\n") + "\n" + "".join("\n" + b for b in blocks))


def bench_parser(name: str, doc: str) -> argparse.ArgumentParser:
    """The command line of a bench that writes ``bench/<name>.md`` from ``bench/<name>.json``: ``--render`` (re-write
    the md from the json, measuring nothing); the bench adds its own options."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--render", action="store_true", help=f"re-write {name}.md from {name}.json")
    return ap


def write_report(name: str, render, res: dict | None = None) -> str:
    """Write ``res`` (None: keep what is there) to ``bench/<name>.json``, then ``bench/<name>.md`` rendered from
    that json; returns the md."""
    js = BENCH / f"{name}.json"
    if res is not None:
        js.write_text(json.dumps(res, indent=1, default=str) + "\n")
    md = render(json.loads(js.read_text()))
    (BENCH / f"{name}.md").write_text(md)
    return md


# ------------------------------------------------------------------------------------------ goals
# (one place: the bench that measures a goal and the goals table, bench/goals.py, judge it by the same numbers)
DEFAULT_RUN_GOAL_S = 600  # the whole default pipeline in a fresh copy, wall seconds on the bench machine
PAPER_SCALE_GOAL_MIN = 90  # the CPU papers at paper scale, wall minutes on 2 cores
SNAPSHOT_DISK_GOAL_GB = 2.0  # the energy snapshots at paper scale
CMNIST_GOAL_JOB_MIN = 180  # Colored-MNIST at paper scale, job minutes
LOOP_GOAL = 0.9  # our training loop / a bare loop, throughput


def cpu_papers_met(paper_scale: dict) -> bool:
    """The paper-scale goal, from ``paper_scale.json``: the CPU papers within it (the measured wall time of whole runs,
    else job time / cores), and no total only a lower bound."""
    wall = paper_scale.get("runs_wall_min") or paper_scale["cpu_papers_wall_min"]
    return wall <= PAPER_SCALE_GOAL_MIN and not paper_scale["cpu_papers_lower_bound"]


def met(ok: bool) -> str:
    """A goal's cell in the bench reports."""
    return "met" if ok else "**missed**"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

"""A real single-node SLURM cluster for the tests: Debian 12's slurmctld/slurmd/munge (22.05), run
as root without systemd, with two fake GPUs.

The cluster lives in a fresh /tmp folder; only slurm.conf and gres.conf go to /etc/slurm (the
jobstep plugin strips SLURM_* variables, so SLURM_CONF cannot point elsewhere) and are removed
afterwards. No slurmdbd: Snakemake must query with `--slurm-status-command squeue`, which the plugin
accepts when MinJobAge >= 120 s. DefMemPerCPU is set, or jobs would serialise. The GPUs are
character devices made with mknod (`c 1 3`, /dev/null's numbers): Slurm counts and hands them out
(`--gpus=1` sets CUDA_VISIBLE_DEVICES) without any GPU being there. Every daemon is started by us and
stopped by its PID.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SLURM_CONF = Path("/etc/slurm/slurm.conf")
GRES_CONF = Path("/etc/slurm/gres.conf")
MARK = "# written by muon-repro tests/integration/slurm for a throw-away test cluster; removed after the test"
EXECUTABLES = {
    "munged": "munge",
    "slurmctld": "slurmctld",
    "slurmd": "slurmd",
    "sbatch": "slurm-client",
    "squeue": "slurm-client",
    "scontrol": "slurm-client",
    "sinfo": "slurm-client",
}
PORTS = (6817, 6818)  # slurmctld, slurmd
N_GPUS = 2
LOCK = Path("/tmp/muonrepro-slurm-test.lock")


def _which(exe):
    return shutil.which(exe) or next(
        (str(p) for d in ("/usr/sbin", "/usr/bin", "/sbin") if (p := Path(d) / exe).exists()), None
    )


def _port_busy(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def skip_reason() -> str | None:
    """Why the real-SLURM tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (starts munged, slurmctld and slurmd); CI runs .ci/run as root"
    missing = sorted({pkg for exe, pkg in EXECUTABLES.items() if _which(exe) is None})
    if missing:
        return (
            f"Debian packages missing: {' '.join(missing)} (apt-get install slurmctld slurmd slurm-client "
            "munge; listed in .ci/debian-packages.txt)"
        )
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm not installed (pip install -e '.[test]')"
    for conf in (SLURM_CONF, GRES_CONF):
        if conf.exists() and MARK not in conf.read_text(errors="replace"):
            return f"{conf} exists and is not ours (a real SLURM installation?): not overwriting it"
    busy = [p for p in PORTS if _port_busy(p)]
    if busy:
        return f"SLURM ports {busy} are in use (another slurmctld/slurmd running?)"
    return None


@dataclass
class Cluster:
    dir: Path
    node: str
    n_gpus: int
    pids: dict

    @property
    def ctld_log(self) -> Path:
        return self.dir / "slurmctld.log"

    def run(self, *cmd, check=True, timeout=30) -> str:
        res = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr}")
        return res.stdout


def _slurm_conf(d: Path, node: str) -> str:
    return f"""{MARK}
ClusterName=muonrepro-test
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge.sock
SlurmctldPort={PORTS[0]}
SlurmdPort={PORTS[1]}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# without slurmdbd Snakemake polls squeue, which sees finished jobs only for MinJobAge seconds
MinJobAge=300
DefMemPerCPU=500
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
GresTypes=gpu
# the node claims more CPUs and memory than the machine has, so that only the GPU count limits
# how many training jobs run at once
SlurmdParameters=config_overrides
NodeName={node} NodeAddr=127.0.0.1 CPUs=8 RealMemory=64000 Gres=gpu:{N_GPUS} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _wait(pred, timeout, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def _session_pids(sid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if os.getsid(int(p.name)) == sid:
                    out.append(int(p.name))
            except OSError:
                pass
    return out


def _start_ticks(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def _stepds(since: int) -> list[int]:
    """PIDs of slurmstepd processes started after tick ``since`` (our slurmd's start: no other slurmd
    was running, as its port was free). slurmstepd detaches from slurmd, so it is found by name."""
    out = []
    for p in Path("/proc").iterdir():
        try:
            if (
                p.name.isdigit()
                and (p / "cmdline").read_bytes().startswith(b"slurmstepd:")
                and _start_ticks(int(p.name)) >= since
            ):
                out.append(int(p.name))
        except OSError:
            pass
    return out


def _kill(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _stop(pids: dict):
    """Cancel all jobs, let their job steps end, then stop each daemon by its PID (SIGTERM, then
    SIGKILL); job-step processes still alive after that are killed by PID, with their sessions."""
    slurmd = pids.get("slurmd")
    since = _start_ticks(slurmd.pid) if slurmd is not None and slurmd.poll() is None else None
    if pids.get("slurmctld") is not None and pids["slurmctld"].poll() is None:
        try:
            ids = subprocess.run(
                ["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=10
            ).stdout.split()
            if ids:
                subprocess.run(["scancel", *ids], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass
    if since is not None:
        t0 = time.monotonic()
        while _stepds(since) and time.monotonic() - t0 < 15:
            time.sleep(0.2)
        left = _stepds(since)
        for pid in left:
            try:
                _kill(_session_pids(os.getsid(pid)))
            except ProcessLookupError:
                pass
        _kill(left)
    procs = [p for p in pids.values() if p is not None]
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
    for p in procs:  # each daemon was started in a new session (sid == its pid): its helpers
        _kill(_session_pids(p.pid))


@pytest.fixture(scope="module")
def slurm_cluster():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    lock = open(LOCK, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pytest.skip(f"another test SLURM cluster is running ({LOCK} is locked)")
    d = Path(tempfile.mkdtemp(prefix="muonslurm-", dir="/tmp"))
    d.chmod(0o755)
    node = socket.gethostname().split(".")[0]
    pids: dict = {}
    ok = False
    try:
        for sub in ("state", "spool", "gpus"):
            (d / sub).mkdir()
        for i in range(N_GPUS):  # fake GPUs: character devices with /dev/null's numbers
            os.mknod(d / "gpus" / f"gpu{i}", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        key = d / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        out = open(d / "daemons.out", "w")
        pids["munged"] = subprocess.Popen(
            [
                "munged",
                "--foreground",
                "--force",
                f"--socket={d}/munge.sock",
                f"--key-file={key}",
                f"--pid-file={d}/munged.pid",
                f"--seed-file={d}/munged.seed",
                f"--log-file={d}/munged.log",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(lambda: (d / "munge.sock").exists(), 15, "munged's socket")
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(_slurm_conf(d, node))
        GRES_CONF.write_text(f"{MARK}\nAutoDetect=off\nNodeName={node} Name=gpu File={d}/gpus/gpu[0-{N_GPUS - 1}]\n")
        pids["slurmctld"] = subprocess.Popen(
            ["slurmctld", "-D", "-i"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        pids["slurmd"] = subprocess.Popen(
            ["slurmd", "-D", "-N", node], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        cluster = Cluster(d, node, N_GPUS, pids)

        def idle():
            for name, p in pids.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited ({p.returncode}); see {d}/daemons.out")
            res = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
            return res.returncode == 0 and res.stdout.strip() == "idle"

        _wait(idle, 60, "the node to become idle")
        yield cluster
        ok = True
    finally:
        _stop(pids)
        for conf in (SLURM_CONF, GRES_CONF):
            if conf.exists() and MARK in conf.read_text(errors="replace"):
                conf.unlink()
        if ok:
            shutil.rmtree(d, ignore_errors=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()

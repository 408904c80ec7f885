"""The cluster plan: job blocks of a dry run -> requested GPU-hours and CPU-hours per rule."""

import pytest

from muonrepro.pipeline import plan

DRY_RUN = """
[Tue Dec  1 00:53:15 2026]
rule imbalanced_gpu_train:
    input: a
    wildcards: exp=cifar10, ig_opt=sgd, seed=0
    resources: tmpdir=/tmp, mem_mb=48000, mem=48 GB, disk_mb=<TBD>, runtime=310, gpu=1, cpus_per_gpu=2
Shell command: None

rule energy_train:
    log: logs/paper/energy/train/mlp1_sgd_s0.log
    benchmark: benchmarks/paper/energy/train/mlp1_sgd_s0.tsv
    wildcards: arch=mlp1, opt=sgd, seed=0
    resources: tmpdir=/tmp, mem_mb=16000, runtime=40, gpu=0
    threads: 2

localrule all:
    input: x
"""


def test_parse_jobs_reads_each_block():
    jobs = plan.parse_jobs(DRY_RUN)
    assert jobs["rule"].tolist() == ["imbalanced_gpu_train", "energy_train"]  # rule all is not a job to submit
    assert jobs.set_index("rule").loc["imbalanced_gpu_train", ["gpu", "cpus", "runtime", "mem_mb"]].tolist() == [
        1,
        2,
        310,
        48000,
    ]
    assert jobs.set_index("rule").loc["energy_train", "cpus"] == 2  # threads for a CPU job
    assert jobs["wildcards"].tolist() == [
        {"exp": "cifar10", "ig_opt": "sgd", "seed": "0"},
        {"arch": "mlp1", "opt": "sgd", "seed": "0"},
    ]
    assert jobs["benchmark"].tolist() == ["", "benchmarks/paper/energy/train/mlp1_sgd_s0.tsv"]
    assert jobs["log"].tolist() == ["", "logs/paper/energy/train/mlp1_sgd_s0.log"]


def test_summarize_hours_and_total():
    t = plan.summarize(plan.parse_jobs(DRY_RUN + DRY_RUN))
    assert t.loc["imbalanced_gpu_train", "jobs"] == 2
    assert t.loc["imbalanced_gpu_train", "gpu_hours"] == pytest.approx(2 * 310 / 60)
    assert t.loc["imbalanced_gpu_train", "cpu_hours"] == pytest.approx(2 * 2 * 310 / 60)
    assert t.loc["energy_train", "gpu_hours"] == 0 and t.loc["energy_train", "cpu_hours"] == pytest.approx(
        2 * 2 * 40 / 60
    )
    assert t.loc["total", "jobs"] == 4 and t.loc["total", "max_mem_gb"] == 48
    md = plan.to_markdown(t)
    assert md.splitlines()[-1].startswith("| **total** | 4 |")


def test_placeholder_data_makes_every_experiment_runnable(tmp_path):
    from muonrepro.imbalanced.gpu.status import EXPERIMENTS, data_status

    data = {
        "cifar_root": "resources/cifar",
        "celeba_root": "resources/celeba",
        "multinli_root": "resources/multinli",
        "tinystories_root": "resources/tinystories",
        "bert_dir": "resources/hf/bert-base-uncased",
    }
    plan.placeholder_data(tmp_path, data)
    absolute = {k: str(tmp_path / v) for k, v in data.items()}
    assert all(data_status(e, absolute, pretrained=True)["runnable"] for e in EXPERIMENTS)


def test_dry_run_reads_the_job_blocks_snakemake_prints(tmp_path):
    (tmp_path / "Snakefile").write_text(
        'rule all:\n    input: expand("out/{x}.txt", x=["a", "b"])\n\n'
        'rule make:\n    output: "out/{x}.txt"\n    benchmark: "bench/{x}.tsv"\n    resources: runtime=5\n'
        '    shell: "touch {output}"\n'
    )
    jobs = plan.dry_run(["--cores", "1"], cwd=tmp_path)
    assert sorted(w["x"] for w in jobs["wildcards"]) == ["a", "b"] and set(jobs["rule"]) == {"make"}
    assert set(jobs["benchmark"]) == {"bench/a.tsv", "bench/b.tsv"} and set(jobs["runtime"]) == {5}
    with pytest.raises(RuntimeError, match="the dry run failed"):
        plan.dry_run(["--cores", "1", "no_such_target"], cwd=tmp_path)

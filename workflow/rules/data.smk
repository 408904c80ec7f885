# Dataset preparation: raw MNIST (md5-checked) -> uint8 tensors, built once for every paper.
# The raw files are not inputs: every copy that passes the canonical md5 check has the same bytes, so a
# re-copied, restored or touched dataset (a newer mtime) must not rerun hours of training.


rule data_mnist:
    input:
        code=script_sources("data/mnist"),
    output:
        tensors=MNIST_PT,
        meta=f"{DATA}mnist.json",
    log:
        "logs/data/mnist.log",
    conda:
        ENV
    params:
        root=lambda wildcards: MNIST_ROOT,
        download=config["data"]["download"],
    script:
        "../scripts/data/mnist.py"

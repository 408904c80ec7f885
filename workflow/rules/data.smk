# Dataset preparation: raw MNIST (md5-checked) -> uint8 tensors, built once for every paper.


rule data_mnist:
    input:
        code=script_sources("data/mnist"),
        raw=pipeline_data.mnist_raw_files(MNIST_ROOT),
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

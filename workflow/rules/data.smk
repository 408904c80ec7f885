# Dataset preparation: raw MNIST (md5-checked) -> uint8 tensors, built once for every paper.


rule data_mnist:
    input:
        code=package_sources("data_mnist"),
        raw=mnist_raw_files(),
    output:
        tensors="results/data/mnist.pt",
        meta="results/data/mnist.json",
    params:
        root=mnist_root_param,
        download=config["data"]["download"],
    log:
        "logs/data/mnist.log",
    conda:
        ENV
    script:
        "../scripts/data_mnist.py"

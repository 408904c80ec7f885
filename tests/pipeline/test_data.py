"""Where the raw MNIST is: the configured root, or (``auto``) the offline copy if present; and the raw
files that exist under a root."""

import pytest

from muonrepro.pipeline import data

RAW = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]


def touch(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(b"")


def test_a_configured_root_is_used_as_is(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SHARED_MNIST", tmp_path)  # present, but not asked for
    assert data.mnist_root("/data/mnist") == "/data/mnist"


def test_auto_uses_the_offline_copy_beside_the_checkout(tmp_path):
    """Found relative to the checkout (the workflow's base folder), whatever the working directory is."""
    (tmp_path / "shared" / "data" / "mnist").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    assert data.mnist_root("auto", tmp_path / "repo") == str((tmp_path / "shared" / "data" / "mnist").resolve())


def test_auto_falls_back_to_resources(tmp_path):
    (tmp_path / "repo").mkdir()
    assert data.mnist_root("auto", tmp_path / "repo") == "resources/mnist"


@pytest.mark.parametrize("layout", ["raw", "MNIST/raw"])
def test_raw_files_in_either_layout_sorted(tmp_path, layout):
    touch(tmp_path / layout, reversed(RAW))
    assert data.mnist_raw_files(str(tmp_path)) == [str(tmp_path / layout / n) for n in RAW]


def test_raw_files_include_compressed_files_and_skip_others(tmp_path):
    touch(tmp_path / "raw", ["train-images-idx3-ubyte.gz", "README", "processed.pt"])
    assert data.mnist_raw_files(str(tmp_path)) == [str(tmp_path / "raw" / "train-images-idx3-ubyte.gz")]


def test_raw_files_prefer_raw_over_mnist_raw(tmp_path):
    touch(tmp_path / "raw", RAW[:1])
    touch(tmp_path / "MNIST" / "raw", RAW)
    assert data.mnist_raw_files(str(tmp_path)) == [str(tmp_path / "raw" / RAW[0])]


def test_an_empty_raw_folder_falls_through_to_mnist_raw(tmp_path):
    (tmp_path / "raw").mkdir()
    touch(tmp_path / "MNIST" / "raw", RAW[:2])
    assert data.mnist_raw_files(str(tmp_path)) == [str(tmp_path / "MNIST" / "raw" / n) for n in RAW[:2]]


def test_no_raw_files_when_torchvision_is_to_download_them(tmp_path):
    assert data.mnist_raw_files(str(tmp_path / "absent")) == []
    assert data.mnist_raw_files(str(tmp_path)) == []


def test_require_mnist_fails_in_one_message_naming_folder_and_command(tmp_path):
    root = tmp_path / "m"
    for download, probe, why in (
        (False, lambda url: True, "data.download is false"),
        (True, lambda url: False, "mirror does not answer"),
    ):
        with pytest.raises(data.DataMissingError) as e:
            data.require_mnist(str(root), download, probe=probe)
        msg = str(e.value)
        assert why in msg and str(root.resolve()) in msg
        assert f"torchvision.datasets.MNIST('{root.resolve()}', download=True)" in msg


def test_require_mnist_passes_with_files_or_a_reachable_mirror(tmp_path):
    data.require_mnist(str(tmp_path / "m"), True, probe=lambda url: True)  # the data_mnist job downloads
    raw = tmp_path / "m" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"x")

    def must_not_probe(url):
        raise AssertionError("files are present: no network check")

    data.require_mnist(str(tmp_path / "m"), False, probe=must_not_probe)

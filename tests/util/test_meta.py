"""Provenance in the run metadata: the commit of the code that ran (not of the working directory), whether
its tracked files differed from that commit, and a hash of the difference."""

import subprocess

import pytest

from muonrepro.util.meta import checkout_root, dirty_note, git_commit, provenance, run_metadata


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q")
    (r / "a.py").write_text("x = 1\n")
    _git(r, "add", "a.py")
    _git(r, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    return r


def test_clean_and_dirty_trees_are_told_apart(repo):
    clean = provenance(repo)
    assert clean["git_dirty"] is False and clean["git_diff_sha256"] == "" and len(clean["git_commit"]) == 40
    (repo / "untracked.txt").write_text("not code of the run")  # untracked files do not make a tree dirty
    assert provenance(repo)["git_dirty"] is False
    (repo / "a.py").write_text("x = 2\n")
    one = provenance(repo)
    assert one["git_dirty"] is True and one["git_commit"] == clean["git_commit"] and len(one["git_diff_sha256"]) == 64
    (repo / "a.py").write_text("x = 3\n")
    assert provenance(repo)["git_diff_sha256"] != one["git_diff_sha256"]  # two different edits, two hashes


def test_outside_a_checkout_nothing_is_claimed(tmp_path):
    p = provenance(tmp_path)
    assert p["git_commit"] == "unknown" and p["git_dirty"] is None and p["git_diff_sha256"] == ""


def test_the_commit_is_the_code_checkouts_whatever_the_working_directory(tmp_path, monkeypatch):
    expected = git_commit(checkout_root())
    monkeypatch.chdir(tmp_path)  # snakemake --directory elsewhere: git in the working directory says nothing
    assert git_commit() == expected
    meta = run_metadata({"k": 1}, seed=0, device="cpu")
    assert meta["git_commit"] == expected and meta["checkout"] == str(checkout_root())
    assert meta["workdir"] == str(tmp_path) and "git_dirty" in meta


def test_dirty_note_only_when_some_result_is_dirty():
    assert dirty_note([{"git_dirty": False}, {"git_dirty": None}]) == ""
    note = dirty_note([{"git_dirty": False}, {"git_dirty": True, "git_diff_sha256": "ab" * 32}])
    assert note.startswith("1 of 2 results came from a tree with uncommitted changes") and "abababababab" in note

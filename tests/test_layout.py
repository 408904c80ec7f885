"""The layout conventions that lead from a rule, a figure or a ledger row to its code.

Rule ``<prefix>_<suffix>`` lives in ``workflow/rules/<prefix>.smk`` and runs
``workflow/scripts/<prefix>/<suffix>.py``; a figure rule (``*_figures``) runs the notebook
``workflow/notebooks/<rule>.py`` through ``workflow/scripts/run_notebook.py``. Rule names are literal
(greppable), rule files define no functions, every script and notebook belongs to a rule and every script is one
call of its job function, every figure has a caption, and modules stay small.
"""

import ast
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from muonrepro.pipeline.naming import rule_script, split_rule

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "workflow" / "rules"
SCRIPTS = ROOT / "workflow" / "scripts"
NOTEBOOKS = ROOT / "workflow" / "notebooks"
REPORT = ROOT / "workflow" / "report"
RULE_FILES = sorted(RULES.glob("*.smk"))
RUN_NOTEBOOK = "run_notebook.py"

MAX_MODULE_LINES = 450
# Ratchet: modules over MAX_MODULE_LINES today. Split one and remove it here; never add one.
LONG_MODULES: set[str] = set()

# a rule (or checkpoint) header, with its indentation: `rule energy_train:`
HEADER = re.compile(r"^(?P<indent>[ \t]*)(?:rule|checkpoint)\b[ \t]*(?P<name>[^:\n]*):", re.M)
TOP_LEVEL = re.compile(r"^\S", re.M)  # the next top-level statement ends a rule's block
SCRIPT = re.compile(r"^\s+script:\s*\n\s+\"(?P<path>[^\"]+)\"", re.M)
NOTEBOOK = re.compile(r"\bnotebook=notebook\(\"(?P<name>[^\"]+)\"\)")
CODE = re.compile(r"\bcode=(?P<fn>script_sources|notebook_sources)\(\"(?P<name>[^\"]+)\"\)")


def rule_blocks(path: Path) -> dict[str, str]:
    """Rule name -> the text of its block, for every top-level rule of a rule file."""
    text = path.read_text()
    blocks = {}
    for m in HEADER.finditer(text):
        if m["indent"]:
            continue  # test_rule_names_are_literal reports it
        nxt = TOP_LEVEL.search(text, m.end())
        body = text[m.end() : nxt.start() if nxt else len(text)]
        # a comment line at column 0 inside the block does not end it; only code does
        while nxt and text[nxt.start()] == "#":
            nxt = TOP_LEVEL.search(text, nxt.end())
            body = text[m.end() : nxt.start() if nxt else len(text)]
        blocks[m["name"].strip()] = body
    return blocks


ALL_RULES = {name: (path, body) for path in RULE_FILES for name, body in rule_blocks(path).items()}


def is_figure_rule(name: str) -> bool:
    return name.endswith("_figures")


def test_the_rule_files_are_found():
    assert {p.stem for p in RULE_FILES} >= {"common", "data", "ledger"}
    assert any(is_figure_rule(n) for n in ALL_RULES) and len(ALL_RULES) > 10


@pytest.mark.parametrize("path", [ROOT / "Snakefile", *RULE_FILES], ids=lambda p: p.name)
def test_rule_names_are_literal(path):
    """Every rule is a top-level `rule <identifier>:` line, so `grep -rn "rule energy_train"` finds it;
    no rule is generated in a loop, by `use rule` or through the workflow object."""
    text = path.read_text()
    for m in HEADER.finditer(text):
        assert not m["indent"], f"{path.name}: rule {m['name']!r} is indented (generated in a loop?)"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", m["name"].strip()), f"{path.name}: rule name {m['name']!r}"
    assert not re.search(r"^\s*use\s+rule\b", text, re.M), f"{path.name}: `use rule` makes names that grep misses"
    assert "workflow.rule(" not in text, path.name


def test_snakefile_holds_only_rule_all():
    assert [m["name"].strip() for m in HEADER.finditer((ROOT / "Snakefile").read_text())] == ["all"]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_prefix_matches_its_rule_file(path):
    for name in rule_blocks(path):
        assert split_rule(name)[0] == path.stem, f"rule {name} belongs in workflow/rules/{split_rule(name)[0]}.smk"


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_script_at_the_conventional_path(name):
    path, body = ALL_RULES[name]
    scripts = SCRIPT.findall(body)
    assert len(scripts) == 1, f"rule {name} ({path.name}) runs no script: directive"
    if is_figure_rule(name):
        assert scripts[0] == f"../scripts/{RUN_NOTEBOOK}", name
        assert NOTEBOOK.findall(body) == [name], f'rule {name}: input notebook=notebook("{name}")'
        assert (NOTEBOOKS / f"{name}.py").is_file(), f"workflow/notebooks/{name}.py missing"
    else:
        assert scripts[0] == f"../scripts/{rule_script(name)}", f"rule {name} runs {scripts[0]}"
        assert (SCRIPTS / rule_script(name)).is_file(), f"workflow/scripts/{rule_script(name)} missing"


@pytest.mark.parametrize("name", sorted(ALL_RULES))
def test_code_input_is_the_sources_of_the_rules_own_script(name):
    _, body = ALL_RULES[name]
    want = ("notebook_sources", name) if is_figure_rule(name) else ("script_sources", rule_script(name)[: -len(".py")])
    assert [(m["fn"], m["name"]) for m in CODE.finditer(body)] == [want], f'rule {name}: code={want[0]}("{want[1]}")'


def test_every_script_belongs_to_a_rule():
    used = {RUN_NOTEBOOK} | {rule_script(n) for n in ALL_RULES if not is_figure_rule(n)}
    present = {str(p.relative_to(SCRIPTS)) for p in SCRIPTS.rglob("*.py")}
    assert present - used == set(), "scripts no rule runs"


JOB_SCRIPTS = sorted(str(p.relative_to(SCRIPTS)) for p in SCRIPTS.rglob("*.py") if p.name != RUN_NOTEBOOK)


@pytest.mark.parametrize("script", JOB_SCRIPTS)
def test_every_script_is_one_call_of_its_job(script):
    """The one convention: a docstring naming the rule, ``import sys``, the import of one ``<what>_job`` from the
    package, the log redirect, and ``<what>_job(snakemake)``; the job reads and writes the files."""
    rule = next(n for n in ALL_RULES if not is_figure_rule(n) and rule_script(n) == script)
    body = ast.parse((SCRIPTS / script).read_text()).body
    kinds = [type(n).__name__ for n in body]
    assert kinds == ["Expr", "Import", "ImportFrom", "Assign", "Expr"], f"{script}: {kinds}"
    doc, imp_sys, imp_job, log, call = body
    assert re.match(rf"(Rule|Checkpoint) {rule}:", doc.value.value), f"{script}: the docstring names rule {rule}"
    assert ast.unparse(imp_sys) == "import sys"
    assert imp_job.module.startswith("muonrepro.") and len(imp_job.names) == 1, script
    job = imp_job.names[0].name
    assert job.endswith("_job"), f"{script}: {job} is not a <what>_job"
    assert ast.unparse(log) == "sys.stderr = sys.stdout = open(snakemake.log[0], 'w')", script
    assert ast.unparse(call) == f"{job}(snakemake)", script


def test_the_notebook_runner_is_one_call_of_its_job():
    body = ast.parse((SCRIPTS / RUN_NOTEBOOK).read_text()).body
    assert [ast.unparse(n) for n in body[1:]] == ["from muonrepro.notebook import run_job", "run_job(snakemake)"]


def test_every_notebook_belongs_to_a_figure_rule():
    present = {p.stem for p in NOTEBOOKS.glob("*.py")}
    assert present - {n for n in ALL_RULES if is_figure_rule(n)} == set(), "notebooks no rule runs"


@pytest.mark.parametrize("path", [ROOT / "Snakefile", *RULE_FILES], ids=lambda p: p.name)
def test_rule_files_define_no_functions(path):
    """Logic the rules need is a tested function of muonrepro.pipeline."""
    found = re.findall(r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+", path.read_text(), re.M)
    assert not found, f"{path.name}: {found}; move them to src/muonrepro/pipeline/"


def module_lines() -> dict[str, int]:
    return {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in sorted((ROOT / "src" / "muonrepro").rglob("*.py"))
    }


def test_modules_are_small():
    long = {p: n for p, n in module_lines().items() if n > MAX_MODULE_LINES and p not in LONG_MODULES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them): {long}"


def test_the_list_of_long_modules_only_shrinks():
    lines = module_lines()
    stale = sorted(p for p in LONG_MODULES if lines.get(p, 0) <= MAX_MODULE_LINES)
    assert not stale, f"remove from LONG_MODULES in tests/test_layout.py (split or gone): {stale}"


@contextmanager
def parsed_workflow(tmp_path, **config):
    """The workflow as Snakemake parses it (default config, updated by ``config``)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    raw = tmp_path / "mnist" / "raw"  # a stand-in for the raw MNIST files, which the parse checks for
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"")
    config = {"data": {"mnist_root": str(raw.parent), "download": False}, **config}
    with SnakemakeApi(OutputSettings()) as api:
        yield api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(config=config),
            snakefile=ROOT / "Snakefile",
            workdir=tmp_path,
        )._workflow  # the parsed workflow (no public accessor for its rules)


def test_every_figure_has_a_caption(tmp_path):
    """Every file a rule writes under results/<scale>/figures/ is a report item with a caption in
    workflow/report/, and every caption there belongs to an output (the workflow as Snakemake parses
    it, default config)."""
    from snakemake.io import is_flagged

    captions, figures = set(), []
    with parsed_workflow(tmp_path) as workflow:
        figure_dir = f"results/{workflow.config['scale']}/figures/"
        for rule in workflow.rules:
            for f in rule.output:
                caption = f.flags["report"].caption if is_flagged(f, "report") else None
                if caption is not None:
                    captions.add(Path(str(caption)).resolve())
                if str(f).startswith(figure_dir):
                    figures.append(str(f))
                    assert caption is not None, f"rule {rule.name}: {f} without report(..., caption=...)"
                    assert Path(str(caption)).resolve().parent == REPORT, (
                        f"{f}: caption {caption} not in workflow/report"
                    )
                    assert Path(str(caption)).is_file(), f"{f}: caption {caption} missing"
    assert figures
    unused = {p.name for p in REPORT.glob("*.rst")} - {p.name for p in captions} - {"workflow.rst"}
    assert not unused, f"captions of no output in workflow/report/: {sorted(unused)}"


@pytest.mark.parametrize("scale", ["small", "paper"])
def test_every_rule_writes_under_its_scale_folders(tmp_path, scale):
    """Scales never overwrite each other: every file a rule writes (outputs, log, benchmark, the checkpoint
    it keeps in params) and every file rule all asks for is under results/<scale>/, logs/<scale>/ or
    benchmarks/<scale>/, except the MNIST tensors built from the raw files alone (results/data/, with its
    log in logs/data/), which the scales share."""
    shared = ("results/data/", "logs/data/")
    own = (f"results/{scale}/", f"logs/{scale}/", f"benchmarks/{scale}/")
    written = []
    with parsed_workflow(tmp_path, scale=scale) as workflow:
        for rule in workflow.rules:
            paths = [*rule.output, *rule.log, *([rule.benchmark] if rule.benchmark else [])]
            paths += [v for k, v in rule.params.items() if k == "checkpoint"]
            paths += [f for f in rule.input if rule.name == "all" or str(f).startswith("results/")]
            written += [(rule.name, str(p)) for p in paths]
    assert len(written) > 100
    outside = [(r, p) for r, p in written if not p.startswith(own + shared)]
    assert not outside, f"written outside the scale's folders: {outside}"
    assert {p for _, p in written if p.startswith(shared)} == {
        "results/data/mnist.pt",
        "results/data/mnist.json",
        "logs/data/mnist.log",
    }

"""Run a jupytext py:percent figure notebook with papermill (parameters from the rule's params)."""

import jupytext
import papermill

nb = jupytext.read(snakemake.input.notebook)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
params = dict(snakemake.params.nb)
params["inputs"] = {
    k: (str(v) if isinstance(v, str) else [str(x) for x in v])
    for k, v in snakemake.input.items()
    if k not in ("notebook", "code")
}
params["outputs"] = {k: str(v) for k, v in snakemake.output.items() if k != "executed"}
papermill.execute_notebook(
    nb, snakemake.output.executed, parameters=params, kernel_name="python3", log_output=False, progress_bar=False
)

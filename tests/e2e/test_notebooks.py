"""The notebooks as a user runs them: executed headless (nbclient, the current interpreter's
kernel) against a fresh embedded store the notebook fills with the sample corpus through the
real ingestion pipeline. A failing cell fails the test; the notebooks carry no outputs in git."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.e2e
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL = "kag-test"
#: What each notebook must have printed (beyond running without error).
EXPECTED = {
    "curation.ipynb": ("items waiting", "rejected:", "replaced by", "decisions in batch", "undid"),
    "explore.ipynb": ("-[", "citations"),
}


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernel spec for this interpreter (the venv's), in a private Jupyter data dir."""
    from ipykernel.kernelspec import install

    data = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL, prefix=str(data / "prefix"))
    spec = data / "prefix" / "share" / "jupyter" / "kernels" / KERNEL
    (data / "kernels").mkdir(exist_ok=True)
    spec.rename(data / "kernels" / KERNEL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_DATA_DIR", str(data))
        yield KERNEL


@pytest.mark.parametrize("name", ["curation.ipynb", "explore.ipynb"])
def test_notebook_has_no_outputs_in_git(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["curation.ipynb", "explore.ipynb"])
def test_notebook_runs_headless(
    name: str, kernel_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("KAG_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("KAG_STORE", f"embedded:{tmp_path / 'notebook.db'}")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    printed = "".join(
        str(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "ingested 36 sample documents" in printed
    for expected in EXPECTED[name]:
        assert expected in printed

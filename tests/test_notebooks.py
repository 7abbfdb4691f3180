"""Notebooks are code: outputs stripped in git, paired with py:percent scripts, and they run."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
EXPLORATION = [p for p in NOTEBOOKS if p.parent.name == "notebooks"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, (
                f"{path.name}: strip outputs (jupyter nbconvert --clear-output)"
            )
            assert cell.execution_count is None, f"{path.name}: strip execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_paired_script_matches(path):
    script = path.with_suffix(".py")
    assert script.exists(), f"{path.name} has no paired py:percent script (jupytext --sync)"
    from_script = jupytext.read(script)
    from_nb = nbformat.read(path, as_version=4)
    src = [c.source for c in from_script.cells]
    assert src == [c.source for c in from_nb.cells], (
        f"{path.name} and its .py differ: run jupytext --sync"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_report_notebooks_have_one_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if path.parent.name == "reports":
        assert len(tagged) == 1
    else:
        assert len(tagged) <= 1


#: Smaller resampling counts for the test run (the notebooks' own defaults are for reading).
QUICK = {
    "03-chain.ipynb": {"n_boot": 100, "n_draws": 2000},
    "04-lead-loop-people.ipynb": {"n_boot": 100},
    "05-bring-your-own-data.ipynb": {"n_boot": 100},
}


def test_the_exploration_notebooks_are_numbered_01_to_05():
    assert [p.name[:3] for p in EXPLORATION] == ["01-", "02-", "03-", "04-", "05-"]


@pytest.mark.parametrize("path", EXPLORATION, ids=lambda p: p.name)
def test_exploration_notebook_opens_with_its_question(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and "**Question" in first.source, (
        f"{path.name}: the first cell states the question in plain language"
    )


@pytest.mark.parametrize("path", EXPLORATION, ids=lambda p: p.name)
def test_exploration_notebook_uses_no_relative_data_path(path):
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert "../" not in source and "data/sample" not in source.replace("`data/sample`", ""), (
        f"{path.name}: find the sample with sat.load_sample_exports(), not a relative path"
    )


@pytest.mark.parametrize("path", EXPLORATION, ids=lambda p: p.name)
def test_exploration_notebook_runs_from_another_folder(path, tmp_path):
    """Each notebook runs top to bottom in a fresh kernel whose working directory is not
    notebooks/ (proving it finds its data without relative paths); a failed truth check is an
    AssertionError in a cell, which fails the run."""
    papermill = pytest.importorskip("papermill")
    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        parameters=QUICK.get(path.name, {}),
        kernel_name="satisfaction",
        cwd=str(tmp_path),
        progress_bar=False,
    )

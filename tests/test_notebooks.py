"""Notebooks are code: outputs stripped in git, paired with py:percent scripts, and they run."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from satisfaction.report import execute_notebook

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


@pytest.mark.parametrize("path", EXPLORATION, ids=lambda p: p.name)
def test_exploration_notebook_runs(path, tmp_path):
    execute_notebook(path, tmp_path / path.name, cwd=path.parent)

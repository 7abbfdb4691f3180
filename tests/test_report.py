"""The report runner: papermill execution, parameters in metadata, HTML without code, failures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from satisfaction.report import (
    ReportError,
    ReportJob,
    data_fingerprint,
    execute_notebook,
    run_reports,
    to_html,
    write_index,
)

HERE = Path(__file__).parent / "notebooks"


def test_execute_records_parameters_in_metadata(tmp_path):
    out = execute_notebook(
        HERE / "simple.ipynb",
        tmp_path / "q" / "simple.ipynb",
        {"quarter": "2026Q3", "unit": "Helpdesk"},
    )
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters == {"quarter": "2026Q3", "unit": "Helpdesk"}
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "report for 2026Q3 / Helpdesk" in text


def test_failing_cell_raises_report_error_with_cell_and_error(tmp_path):
    with pytest.raises(ReportError) as info:
        execute_notebook(HERE / "broken.ipynb", tmp_path / "broken.ipynb", {"quarter": "2026Q3"})
    err = info.value
    assert err.ename == "ValueError"
    assert "no data for 2026Q3" in err.evalue
    assert err.cell is not None and err.cell >= 2
    assert "broken.ipynb" in str(err)


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        execute_notebook(tmp_path / "nope.ipynb", tmp_path / "out.ipynb")


def test_html_hides_code_but_keeps_output(tmp_path):
    out = execute_notebook(HERE / "simple.ipynb", tmp_path / "simple.ipynb", {"quarter": "2026Q2"})
    page = to_html(out).read_text(encoding="utf-8")
    assert "report for 2026Q2" in page
    assert "print(f" not in page


def test_run_reports_in_parallel_keeps_going_after_a_failure(tmp_path):
    jobs = [
        ReportJob("ok", HERE / "simple.ipynb", tmp_path / "ok.ipynb", {"quarter": "2026Q1"}),
        ReportJob("bad", HERE / "broken.ipynb", tmp_path / "bad.ipynb", {"quarter": "2026Q1"}),
    ]
    manifest = run_reports(jobs, n_jobs=2)
    assert list(manifest["status"]) == ["ok", "failed"]
    assert Path(manifest.loc[0, "html"]).exists()
    assert "ValueError" in manifest.loc[1, "error"]
    index = write_index(tmp_path, manifest, title="Reports 2026Q1", meta={"quarter": "2026Q1"})
    page = index.read_text(encoding="utf-8")
    assert 'href="ok.html"' in page and "not produced" in page


def test_data_fingerprint_changes_with_the_data(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    first = data_fingerprint([tmp_path])
    assert first == data_fingerprint([tmp_path])
    (tmp_path / "a.csv").write_text("x\n2\n")
    assert data_fingerprint([tmp_path]) != first

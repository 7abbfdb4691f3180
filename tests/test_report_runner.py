"""The report runner: papermill parameters, warm kernels, offline HTML, failures, Dask."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from satisfaction.report import (
    ReportError,
    ReportJob,
    data_fingerprint,
    execute_notebook,
    report_notebook,
    run_reports,
    to_html,
    write_index,
    write_manifest,
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
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


def test_warm_kernel_forgets_the_previous_notebook(tmp_path):
    """The same kernel runs both notebooks, but the second sees none of the first's names."""
    execute_notebook(HERE / "simple.ipynb", tmp_path / "a.ipynb", {"unit": "A"})
    out = execute_notebook(HERE / "leak.ipynb", tmp_path / "b.ipynb")
    nb = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "unit defined: False" in text


def test_failing_cell_raises_report_error_with_cell_and_error(tmp_path):
    with pytest.raises(ReportError) as info:
        execute_notebook(HERE / "broken.ipynb", tmp_path / "broken.ipynb", {"quarter": "2026Q3"})
    err = info.value
    assert err.ename == "ValueError"
    assert "no data for 2026Q3" in err.evalue
    assert err.cell is not None and err.cell >= 2
    assert "broken.ipynb" in str(err)
    assert (tmp_path / "broken.ipynb").exists(), "the executed notebook keeps the traceback"


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        execute_notebook(tmp_path / "nope.ipynb", tmp_path / "out.ipynb")


def test_html_hides_code_and_loads_nothing_from_the_network(tmp_path):
    out = execute_notebook(HERE / "simple.ipynb", tmp_path / "simple.ipynb", {"quarter": "2026Q2"})
    page = to_html(out, title="<b>T</b>").read_text(encoding="utf-8")
    assert "report for 2026Q2" in page
    assert "print(f" not in page
    for cdn in (
        "require.js",
        "require.min.js",
        "MathJax",
        "mathjax",
        "mermaid",
        "cdnjs",
        "unpkg",
        "jsdelivr",
        "fonts.googleapis",
        "<script",
    ):
        assert cdn not in page, cdn
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in page


def test_run_reports_keeps_going_after_a_failure(tmp_path):
    jobs = [
        ReportJob("ok", HERE / "simple.ipynb", tmp_path / "ok.ipynb", {"quarter": "2026Q1"}),
        ReportJob("bad", HERE / "broken.ipynb", tmp_path / "bad.ipynb", {"quarter": "2026Q1"}),
    ]
    manifest = run_reports(jobs, n_jobs=1, log_file=tmp_path / "report.log")
    assert list(manifest["status"]) == ["ok", "failed"]
    assert Path(manifest.loc[0, "html"]).exists()
    assert "ValueError" in manifest.loc[1, "error"]
    index = write_index(tmp_path, manifest, title="Reports <2026Q1>", meta={"quarter": "2026Q1"})
    page = index.read_text(encoding="utf-8")
    assert 'href="ok.html"' in page and "Not produced" in page
    assert "Reports &lt;2026Q1&gt;" in page


def test_manifest_csv_neutralises_formula_cells(tmp_path):
    frame = pd.DataFrame({"name": ["=1+1", "+SUM(A1)", "-2", "@x", "\tx", "fine"], "n": range(6)})
    text = write_manifest(frame, tmp_path / "m.csv").read_text(encoding="utf-8")
    assert "'=1+1" in text and "'+SUM(A1)" in text and "'@x" in text and "'-2" in text
    assert "\n=1+1" not in text


def test_report_notebooks_are_package_data():
    for kind in ("organisation", "unit"):
        path = report_notebook(kind)
        assert path.exists() and path.parent.name == "notebooks"
        assert "satisfaction" in path.parts


def test_data_fingerprint_changes_with_the_data(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    first = data_fingerprint([tmp_path])
    assert first == data_fingerprint([tmp_path])
    (tmp_path / "a.csv").write_text("x\n2\n")
    assert data_fingerprint([tmp_path]) != first


def test_same_batch_on_a_dask_cluster(tmp_path):
    """``--scheduler``: the jobs run on a distributed cluster's workers (here a LocalCluster)."""
    distributed = pytest.importorskip("distributed")
    jobs = [
        ReportJob(f"u{i}", HERE / "simple.ipynb", tmp_path / f"u{i}.ipynb", {"unit": f"U{i}"})
        for i in range(3)
    ] + [ReportJob("bad", HERE / "broken.ipynb", tmp_path / "bad.ipynb", {"quarter": "Q"})]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        manifest = run_reports(
            jobs, scheduler=cluster.scheduler_address, log_file=tmp_path / "report.log"
        )
    assert list(manifest["name"]) == ["u0", "u1", "u2", "bad"]
    assert list(manifest["status"]) == ["ok", "ok", "ok", "failed"], manifest["error"].tolist()
    nb = nbformat.read(tmp_path / "u2.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters == {"unit": "U2"}


def test_unreachable_scheduler_is_one_clear_sentence(tmp_path):
    pytest.importorskip("distributed")
    import dask

    from satisfaction.errors import SatisfactionError

    job = ReportJob("u", HERE / "simple.ipynb", tmp_path / "u.ipynb")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(SatisfactionError, match="could not reach the Dask scheduler"),
    ):
        run_reports([job], scheduler="tcp://127.0.0.1:9")

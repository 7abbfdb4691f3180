"""Quarterly reports: papermill runs of the parameterised notebooks, rendered to HTML.

One call re-runs every report notebook for the organisation and for each unit
large enough to be reported on, in parallel, renders each to HTML with the code
hidden, and writes an index page:

    reports/{quarter}/organisation.ipynb   (executed, parameters in metadata.papermill)
    reports/{quarter}/organisation.html    (for leadership: no code, no respondent rows)
    reports/{quarter}/unit-{slug}.html
    reports/{quarter}/index.html

The notebooks hold one ``parameters`` cell and little code; the logic lives in
the package. Every report records the package version, its parameters and the
fingerprint of the data it was made from.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import config
from .errors import SatisfactionError

__all__ = [
    "ReportError",
    "ReportJob",
    "REPORT_NOTEBOOKS",
    "data_fingerprint",
    "slugify",
    "kernel_name",
    "execute_notebook",
    "to_html",
    "run_reports",
    "write_index",
    "quarterly_report",
]

#: The parameterised report notebooks, by report kind.
REPORT_NOTEBOOKS = {
    "organisation": config.NOTEBOOKS_DIR / "reports" / "organisation.ipynb",
    "unit": config.NOTEBOOKS_DIR / "reports" / "unit.ipynb",
}


class ReportError(SatisfactionError, RuntimeError):
    """A report notebook failed; carries the notebook, cell index, error name and value."""

    def __init__(self, notebook: str | Path, cell: int | None, ename: str, evalue: str):
        self.notebook = str(notebook)
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        where = f"cell {cell}" if cell is not None else "setup"
        super().__init__(
            f"report notebook '{notebook}' failed in {where}: {ename}: {evalue}; "
            "open the executed .ipynb beside the report to see the traceback"
        )


@dataclass(frozen=True)
class ReportJob:
    """One notebook run: which notebook, where its outputs go, with which parameters."""

    name: str
    notebook: Path
    output: Path
    parameters: dict[str, Any] = field(default_factory=dict)


def slugify(name: str) -> str:
    """A file-name-safe slug of a unit name.

    >>> slugify("Tietohallinto / Pääkaupunkiseutu")
    'tietohallinto-paakaupunkiseutu'
    """
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "unit"


def data_fingerprint(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the names and bytes of the data files a report was made from.

    Directories are walked (sorted, files only), so the same data gives the
    same fingerprint on every machine.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x;y\\n1;2\\n")
    >>> len(data_fingerprint([d]))
    64
    """
    digest = hashlib.sha256()
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def kernel_name() -> str:
    """The Jupyter kernel reports run on: ``satisfaction`` if registered (``make`` does), else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return "satisfaction" if "satisfaction" in specs else "python3"


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    kernel: str | None = None,
    cwd: str | Path | None = None,
    timeout: int = 600,
) -> Path:
    """Execute a notebook with papermill, injecting ``parameters``.

    Parameters
    ----------
    notebook, output : path
        The notebook to run and where the executed copy goes (folders are made).
    parameters : dict, optional
        Values for the notebook's ``parameters`` cell; papermill records them in
        ``metadata.papermill.parameters`` of the output.
    kernel : str, optional
        Jupyter kernel name (default :func:`kernel_name`).
    cwd : path, optional
        Working directory of the kernel (default: the notebook's folder).
    timeout : int
        Seconds one cell may run.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    ReportError
        With the cell index, error name and value when a cell fails.
    """
    import papermill as pm

    notebook, output = Path(notebook), Path(output)
    if not notebook.exists():
        raise ReportError(notebook, None, "FileNotFoundError", "the notebook does not exist")
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters or {},
            kernel_name=kernel or kernel_name(),
            language="python",
            cwd=str(cwd or notebook.parent),
            progress_bar=False,
            execution_timeout=timeout,
        )
    except pm.PapermillExecutionError as exc:
        raise ReportError(notebook, exc.cell_index, exc.ename, exc.evalue) from None
    return output


def to_html(
    notebook: str | Path,
    output: str | Path | None = None,
    *,
    hide_code: bool = True,
    title: str | None = None,
) -> Path:
    """Render an executed notebook to a self-contained HTML page, code hidden by default.

    ``title`` is the page title (default: the notebook's file name).
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    output = Path(output) if output else notebook.with_suffix(".html")
    exporter = HTMLExporter(
        exclude_input=hide_code, exclude_input_prompt=hide_code, exclude_output_prompt=hide_code
    )
    resources = {"metadata": {"name": title or notebook.stem}}
    body, _ = exporter.from_notebook_node(
        nbformat.read(notebook, as_version=4), resources=resources
    )
    output.write_text(body, encoding="utf-8")
    return output


def _run_one(job: ReportJob, html_too: bool, kernel: str | None) -> dict[str, Any]:
    start = time.perf_counter()
    row: dict[str, Any] = {
        "name": job.name,
        "notebook": str(job.notebook),
        "ipynb": str(job.output),
    }
    try:
        execute_notebook(job.notebook, job.output, job.parameters, kernel=kernel)
        row["html"] = str(to_html(job.output, title=job.name)) if html_too else None
        row["status"], row["error"] = "ok", None
    except ReportError as exc:
        row["html"], row["status"], row["error"] = None, "failed", str(exc)
    row["seconds"] = round(time.perf_counter() - start, 2)
    return row


def run_reports(
    jobs: Sequence[ReportJob],
    *,
    n_jobs: int = 2,
    html: bool = True,
    kernel: str | None = None,
    raise_on_error: bool = False,
) -> pd.DataFrame:
    """Run report jobs in parallel processes; one row per job.

    Returns
    -------
    DataFrame
        ``name, notebook, ipynb, html, status, error, seconds``. A failed job is
        a row with ``status == "failed"`` and the error sentence; the others still run.
    """
    if n_jobs <= 1 or len(jobs) <= 1:
        rows = [_run_one(job, html, kernel) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            rows = list(pool.map(_run_one, jobs, [html] * len(jobs), [kernel] * len(jobs)))
    manifest = pd.DataFrame(
        rows, columns=["name", "notebook", "ipynb", "html", "status", "error", "seconds"]
    )
    failed = manifest[manifest["status"] != "ok"]
    if raise_on_error and len(failed):
        raise SatisfactionError(
            f"{len(failed)} of {len(manifest)} reports failed, first: {failed['error'].iloc[0]}"
        )
    return manifest


def write_index(
    out_dir: str | Path, manifest: pd.DataFrame, *, title: str, meta: dict[str, Any]
) -> Path:
    """Write ``index.html`` linking every rendered report, with the run's provenance."""
    out_dir = Path(out_dir)
    items = []
    for row in manifest.itertuples():
        if row.status == "ok" and row.html:
            rel = Path(row.html).relative_to(out_dir)
            items.append(f'<li><a href="{html.escape(str(rel))}">{html.escape(row.name)}</a></li>')
        else:
            items.append(
                f"<li>{html.escape(row.name)}: not produced ({html.escape(str(row.error))})</li>"
            )
    meta_rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in meta.items()
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
        "th{text-align:left;padding-right:1em}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{''.join(items)}</ul>"
        f"<h2>How these reports were made</h2><table>{meta_rows}</table></body></html>"
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def quarterly_report(
    quarter: str | None = None,
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    prepared_dir: str | Path | None = None,
    units: str | Sequence[str] = "all",
    min_group_size: int = config.MIN_GROUP_SIZE,
    n_jobs: int = 2,
    html: bool = True,
) -> pd.DataFrame:
    """Re-run every report notebook for one quarter: the organisation and each reportable unit.

    Parameters
    ----------
    quarter : str, optional
        ``YYYYQn``; default the latest quarter in the data.
    data_dir : path, optional
        Raw exports (``pulse.csv``, ``customers.xlsx``); default ``data/sample``.
    out_dir : path, optional
        Where ``{quarter}/`` goes; default ``reports/``.
    prepared_dir : path, optional
        Where the scored, identifier-free responses are written for the notebooks;
        default ``data/processed/report-{quarter}`` (never inside ``out_dir``).
    units : "all", "none" or list of str
        Which unit reports to make. Only units whose employee figures are shown
        under the anonymity rules get a report of their own.
    min_group_size : int
        Anonymity threshold passed to every notebook.
    n_jobs : int
        Notebooks run at once.
    html : bool
        Render each executed notebook to HTML (code hidden).

    Returns
    -------
    DataFrame
        The run's manifest (see :func:`run_reports`), also written as
        ``{quarter}/manifest.csv`` beside ``index.html``.
    """
    from .reportdata import prepare_report_data, quarter_summary

    data_dir = Path(data_dir) if data_dir is not None else config.SAMPLE_DATA_DIR
    data = prepare_report_data(data_dir)
    quarter = quarter or data.quarters[-1]
    if quarter not in data.quarters:
        raise SatisfactionError(
            f"quarter {quarter!r} is not in the data in '{data_dir}' "
            f"(it covers {', '.join(data.quarters)}); pass one of those with --quarter"
        )
    prepared = (
        Path(prepared_dir) if prepared_dir else config.PROCESSED_DATA_DIR / f"report-{quarter}"
    )
    data.save(prepared)
    target = Path(out_dir or config.REPORTS_DIR) / quarter
    common = {
        "quarter": quarter,
        "prepared": str(prepared.resolve()),
        "min_group_size": min_group_size,
        "data_fingerprint": data_fingerprint([data_dir / "pulse.csv", data_dir / "customers.xlsx"]),
    }
    jobs = [
        ReportJob(
            "Organisation", REPORT_NOTEBOOKS["organisation"], target / "organisation.ipynb", common
        )
    ]
    summary = quarter_summary(data, quarter, min_group_size=min_group_size)
    reportable = summary.loc[~summary["employees_suppressed"].astype(bool), "unit"].tolist()
    if units == "none":
        chosen: list[str] = []
    elif units == "all":
        chosen = reportable
    else:
        unknown = [u for u in units if u not in reportable]
        if unknown:
            raise SatisfactionError(
                f"no report can be made for unit(s) {unknown} in {quarter}: unknown, or fewer "
                f"than {min_group_size} respondents; reportable units are {reportable}"
            )
        chosen = list(units)
    for unit in chosen:
        jobs.append(
            ReportJob(
                unit,
                REPORT_NOTEBOOKS["unit"],
                target / f"unit-{slugify(unit)}.ipynb",
                {**common, "unit": unit},
            )
        )
    manifest = run_reports(jobs, n_jobs=n_jobs, html=html)
    from . import __version__

    write_index(
        target,
        manifest,
        title=f"Employee and customer experience reports, {quarter}",
        meta={
            "package": f"satisfaction {__version__}",
            "quarter": quarter,
            "anonymity threshold": min_group_size,
            "data fingerprint": common["data_fingerprint"],
            "reports": f"{(manifest['status'] == 'ok').sum()} of {len(manifest)} made",
        },
    )
    manifest.to_csv(target / "manifest.csv", index=False)
    return manifest

"""The quarterly run: prepare once, publish once, write artefacts, run the notebooks, index.

    exports --read/clean once--> prepared frames (no identifiers, under data/processed)
      --suppress with the previous quarter--> published table (what may be shown)
      --artefacts--> {quarter}/data/*.parquet --notebooks on warm kernels--> offline HTML
      --> index.html, manifest.csv, report.log

A unit whose page cannot be prepared (whatever the reason) is a failed row of the
manifest and the index, never the end of the batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config
from ..errors import SatisfactionError
from .artefacts import read_artefact, write_artefacts, write_unit_artefacts
from .index import look_first, write_index, write_manifest
from .prepared import prepare_report_data
from .runner import MANIFEST_COLUMNS, ReportJob, data_fingerprint, quiet_jupyter, run_reports
from .tables import published

__all__ = ["REPORT_NOTEBOOKS", "report_notebook", "quarterly_report"]

log = logging.getLogger(__name__)

#: The parameterised report notebooks shipped with the package, by report kind.
REPORT_NOTEBOOKS = {
    "organisation": "organisation.ipynb",
    "unit": "unit.ipynb",
}


def report_notebook(kind: str) -> Path:
    """The path of a report notebook shipped as package data (``satisfaction/notebooks``)."""
    from ..options import check_option

    check_option(kind, list(REPORT_NOTEBOOKS), "kind", "report_notebook")
    return config.REPORT_NOTEBOOKS_DIR / REPORT_NOTEBOOKS[kind]


def _failed_row(name: str, unit_id: str, error: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "unit",
        "unit_id": unit_id,
        "notebook": "",
        "ipynb": "",
        "html": None,
        "status": "failed",
        "error": error,
        "seconds": 0.0,
    }


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
    scheduler: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Re-run every report notebook for one quarter: the organisation and each unit.

    Parameters
    ----------
    quarter : str, optional
        ``YYYYQn``; default the latest quarter in the data.
    data_dir : path, optional
        Raw exports (``pulse.csv``, ``customers.xlsx``, optionally ``units.csv`` and
        ``hr_events.csv`` for response rates); default ``data/sample``.
    out_dir : path, optional
        Where ``{quarter}/`` goes; default ``reports/``.
    prepared_dir : path, optional
        Where the scored, identifier-free responses are kept; default
        ``data/processed/report-{quarter}`` (never inside ``out_dir``).
    units : "all", "none" or list of str
        Which unit pages to make. Every unit with responses this quarter gets a
        page; where its figures may not be shown, the page says so and nothing else.
    min_group_size : int
        Anonymity threshold.
    n_jobs : int
        Local worker processes, each with one warm kernel.
    html : bool
        Render each executed notebook to offline HTML.
    scheduler : str or distributed.Client, optional
        Run the notebooks on an existing Dask cluster instead (``dask`` extra).
    progress : bool
        A progress bar over notebooks.

    Returns
    -------
    DataFrame
        The run's manifest (see :func:`satisfaction.report.run_reports`), also
        written as ``{quarter}/manifest.csv`` beside ``index.html`` and ``report.log``.

    Raises
    ------
    SatisfactionError
        When the data cannot be read at all, the quarter is not in the data, or a
        unit asked for by name is not in the data.
    """
    from .. import __version__

    started = time.perf_counter()
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
    artefacts = target / "data"
    log_file = target / "report.log"
    target.mkdir(parents=True, exist_ok=True)
    fingerprint = data_fingerprint(
        [data_dir / f for f in ("pulse.csv", "customers.xlsx", "units.csv", "hr_events.csv")]
    )
    meta = {
        "package": f"satisfaction {__version__}",
        "quarter": quarter,
        "anonymity threshold": min_group_size,
        "data fingerprint (SHA-256 of the raw exports)": fingerprint,
    }
    with quiet_jupyter(log_file):
        pub = published(data, min_group_size=min_group_size)
        pages = write_artefacts(data, pub, quarter, artefacts, meta)
    by_label = {p.label: p for p in pages}
    if isinstance(units, str):
        from ..options import check_option

        check_option(units, ["all", "none"], "units", "quarterly_report")
    if units == "none":
        chosen = []
    elif units == "all":
        chosen = pages
    else:
        unknown = [u for u in units if u not in by_label]
        if unknown:
            raise SatisfactionError(
                f"no unit named {unknown} has responses in {quarter} in '{data_dir}'; "
                f"units with responses: {sorted(by_label)[:20]}"
            )
        chosen = [by_label[u] for u in units]
    common = {
        "quarter": quarter,
        "artefacts": str(artefacts.resolve()),
        "min_group_size": min_group_size,
        "data_fingerprint": fingerprint,
    }
    jobs = [
        ReportJob(
            "Organisation",
            report_notebook("organisation"),
            target / "organisation.ipynb",
            common,
            kind="organisation",
            title=f"Organisation, {quarter}",
        )
    ]
    early: list[dict[str, Any]] = []
    for page in chosen:
        try:
            write_unit_artefacts(pub, quarter, page, artefacts)
        except Exception as exc:  # one unit's trouble never stops the batch
            log.exception("unit %r: page data not written", page.label)
            early.append(
                _failed_row(
                    page.label, page.unit_id, f"page data not written: {type(exc).__name__}: {exc}"
                )
            )
            continue
        jobs.append(
            ReportJob(
                page.label,
                report_notebook("unit"),
                target / f"{page.slug}.ipynb",
                {
                    **common,
                    "unit": page.label,
                    "unit_id": page.unit_id,
                    "slug": page.slug,
                    "shown": page.shown,
                },
                kind="unit" if page.shown else "unit-withheld",
                unit_id=page.unit_id,
                title=f"{page.label}, {quarter}",
            )
        )
    manifest = run_reports(
        jobs, n_jobs=n_jobs, html=html, scheduler=scheduler, log_file=log_file, progress=progress
    )
    if early:
        manifest = pd.concat(
            [manifest, pd.DataFrame(early, columns=MANIFEST_COLUMNS)], ignore_index=True
        )
    made = int((manifest["status"] == "ok").sum())
    headline = read_artefact(artefacts, "organisation-headline")["sentence"].tolist()
    first = look_first(read_artefact(artefacts, "organisation-heatmap"))
    write_index(
        target,
        manifest,
        title=f"Employee and customer experience reports, {quarter}",
        meta={
            **meta,
            "pages": f"{made} of {len(manifest)} made",
            "run time": f"{time.perf_counter() - started:.1f} s",
        },
        headline=headline,
        first=first,
    )
    write_manifest(manifest, target / "manifest.csv")
    return manifest

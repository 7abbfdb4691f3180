"""The quarterly reports: prepared data once, artefacts, warm-kernel notebooks, offline HTML, index.

One call (:func:`quarterly_report`, or ``satisfaction report``) runs the whole quarter:

    reports/{quarter}/index.html            what happened, what to look at first, every page
    reports/{quarter}/organisation.html     for leadership: no code, no respondent rows, no
                                            group below the anonymity threshold
    reports/{quarter}/unit-<slug>-<id>.html one per unit (a "below the threshold" page when
                                            its figures may not be shown)
    reports/{quarter}/*.ipynb               the executed notebooks (parameters in metadata.papermill)
    reports/{quarter}/data/                 every table's and figure's source data, and run.json
    reports/{quarter}/manifest.csv          what was made, how long it took, what failed
    reports/{quarter}/report.log            the kernels' output and Jupyter's warnings

Modules: :mod:`.prepared` (read, clean, score once), :mod:`.tables` (the one
privacy path), :mod:`.artefacts`, :mod:`.pages` (escaped HTML for the notebooks),
:mod:`.safety` (escapes and slugs), :mod:`.runner` (papermill parameters, warm
kernels, offline template, local processes or Dask), :mod:`.index`,
:mod:`.quarterly` (the run).
"""

from __future__ import annotations

from . import pages
from .artefacts import UnitPage, load_run, read_artefact, write_artefacts, write_unit_artefacts
from .index import look_first, write_index, write_manifest
from .prepared import (
    LABELS,
    ReportData,
    headcount,
    net_promoter,
    prepare_report_data,
    previous_quarter,
)
from .quarterly import REPORT_NOTEBOOKS, quarterly_report, report_notebook
from .runner import (
    MANIFEST_COLUMNS,
    TEMPLATE_DIR,
    ReportError,
    ReportJob,
    data_fingerprint,
    execute_notebook,
    kernel_name,
    quiet_jupyter,
    render_job,
    run_reports,
    to_html,
)
from .safety import markdown_text, slugify, spreadsheet_cell, unit_label, unit_slug
from .tables import (
    INDICES,
    ORGANISATION,
    headline,
    heatmap_data,
    published,
    trend,
    unit_status,
    unit_summary,
    unit_table,
)

__all__ = [
    "pages",
    "quarterly_report",
    "REPORT_NOTEBOOKS",
    "report_notebook",
    "ReportData",
    "LABELS",
    "prepare_report_data",
    "net_promoter",
    "previous_quarter",
    "headcount",
    "INDICES",
    "ORGANISATION",
    "published",
    "headline",
    "heatmap_data",
    "trend",
    "unit_status",
    "unit_summary",
    "unit_table",
    "UnitPage",
    "write_artefacts",
    "write_unit_artefacts",
    "read_artefact",
    "load_run",
    "ReportError",
    "ReportJob",
    "MANIFEST_COLUMNS",
    "TEMPLATE_DIR",
    "data_fingerprint",
    "kernel_name",
    "execute_notebook",
    "to_html",
    "render_job",
    "run_reports",
    "quiet_jupyter",
    "write_index",
    "write_manifest",
    "look_first",
    "slugify",
    "unit_slug",
    "unit_label",
    "markdown_text",
    "spreadsheet_cell",
]

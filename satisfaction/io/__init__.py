"""Read survey exports (CSV, XLSX, Parquet) into a tidy frame; write processed data.

:func:`read_export` reads one export as it is: answers stay the raw text labels
or numbers of the file (cleaning them is :func:`satisfaction.cleaning.clean`'s job). It
detects the CSV dialect (separator, decimal comma, encoding, Excel's ``sep=;``
line) from the first 64 KB, matches the columns to the instrument's items and
says what it found in :class:`ExportReport`. Anything it cannot read as it is
raises one :class:`~satisfaction.errors.InputError` naming the file, the line as
a text editor shows it (the header is line 1; for XLSX the sheet and spreadsheet
row) or the column, and how to fix it. Each row's line is kept for cleaning
(:mod:`satisfaction.io.provenance`); Excel error values and spelled-out missing
values are kept as text for cleaning to log (:mod:`satisfaction.io.spellings`).

Examples
--------
>>> import tempfile, pathlib
>>> import satisfaction as sat
>>> text = "respondent_id;LQ1 ;lq2;lq3;lq4\\nE1;Täysin samaa mieltä;4;4;En osaa sanoa\\n"
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pulse.csv"
>>> _ = path.write_bytes(text.encode("cp1252"))
>>> ex = sat.read_export(path, sat.default_instrument(), items=["lq1", "lq2", "lq3", "lq4"])
>>> ex.report.encoding, ex.report.sep, ex.report.items
('cp1252', ';', ('lq1', 'lq2', 'lq3', 'lq4'))
>>> ex.data.loc[0, "lq1"]
'Täysin samaa mieltä'
"""

from __future__ import annotations

from ._common import META_COLUMNS
from .export import Export, ExportReport, read_export
from .processed import write_processed
from .registers import HR_EVENT_NAMES, read_hr_events, read_units

__all__ = [
    "Export",
    "ExportReport",
    "read_export",
    "write_processed",
    "META_COLUMNS",
    "read_hr_events",
    "read_units",
    "HR_EVENT_NAMES",
]

"""Names and helpers every reader shares: the meta columns, the column key, the error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["META_COLUMNS", "_key", "_item_keys", "_fail"]

#: Columns that are not items but that cleaning and linking use; matched like items.
META_COLUMNS = ("respondent_id", "unit", "period", "submitted_at", "duration_s", "language")


def _key(name: Any) -> str:
    """Column-name key for matching: whitespace dropped, case folded."""
    return "".join(str(name).split()).casefold()


def _item_keys(instrument: Any, items: Any) -> set[str]:
    """Keys of the expected item columns: the instrument's items and the ``items=`` asked for."""
    ids = instrument.item_ids if instrument is not None else ()
    return {_key(i) for i in (*ids, *(items or ()))}


def _fail(
    path: Path,
    what: str,
    fix: str,
    *,
    row: int | None = None,
    column: Any = None,
    sheet: str | None = None,
    place: str | None = None,
):
    """One InputError sentence: ``file '...', line 5, column 'lq1': what; fix``.

    ``row`` is a line of a text file as an editor numbers it (the header is line
    1), or with ``sheet`` a spreadsheet row; ``place`` is a ready-made location
    (:func:`~satisfaction.io.provenance.row_place`).
    """
    where = f"file '{path}'"
    if sheet is not None:
        where += f", sheet {sheet!r}"
    if place is not None:
        where += f", {place}"
    elif row is not None:
        where += f", row {row}" if sheet is not None else f", line {row}"
    if column is not None:
        where += f", column '{column}'"
    return InputError(f"{where}: {what}; {fix}")

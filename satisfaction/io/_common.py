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


def _fail(path: Path, what: str, fix: str, *, row: int | None = None, column: Any = None):
    where = f"file '{path}'"
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column '{column}'"
    return InputError(f"{where}: {what}; {fix}")

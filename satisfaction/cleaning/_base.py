"""Shared helpers of the cleaning steps: the log format and item resolution."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ..instruments import DONT_KNOW_LABELS, LANGUAGES, Instrument, normalise_label
from ..io.provenance import row_place, source_rows
from ..options import check_option

__all__ = ["LOG_COLUMNS", "CARELESS_METHODS"]

#: Columns of every cleaning log. ``row`` is the row's position in the raw frame;
#: ``line`` its line in the file as a text editor shows it (the header is line 1;
#: for XLSX the spreadsheet row), when the frame came from
#: :func:`~satisfaction.io.read_export`.
LOG_COLUMNS = ("row", "line", "respondent", "column", "old", "new", "rule", "action", "reason")
_CAT_COLUMNS = ("column", "old", "new", "rule", "action", "reason")
CARELESS_METHODS = ("longstring", "irv", "speed", "mahalanobis")


# --------------------------------------------------------------------------- logs


def _empty_log() -> pd.DataFrame:
    frame = {col: pd.Categorical([]) for col in LOG_COLUMNS}
    frame["row"] = pd.array([], dtype="Int64")
    frame["line"] = pd.array([], dtype="Int64")
    frame["respondent"] = pd.array([], dtype="str")
    return pd.DataFrame(frame)


def _ids(data: pd.DataFrame, id_col: str | None, pos: np.ndarray):
    """The respondent ids at positions ``pos`` as text (taken before converting)."""
    if id_col is None or id_col not in data.columns:
        return pd.array([None] * len(pos), dtype="str")
    taken = data[id_col].iloc[pos]
    if taken.dtype != "str":
        taken = taken.astype("str")
    return taken.array


def _text(value: Any, n: int) -> pd.Categorical:
    """A log column as a categorical: a scalar repeated, an array, or a categorical."""
    if isinstance(value, pd.Categorical):
        return value
    if isinstance(value, np.ndarray):
        return pd.Categorical(value.astype(object))
    if value is None:
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[str(value)])


def _line_array(lines: np.ndarray):
    """Source lines as a nullable integer array (unknown -> NA)."""
    out = pd.array(lines, dtype="Int64")
    unknown = lines <= 0
    if unknown.any():
        out[unknown] = pd.NA
    return out


def _log(
    data: pd.DataFrame,
    pos: np.ndarray,
    *,
    id_col: str | None,
    column: Any,
    old: Any,
    new: Any,
    rule: str,
    action: str,
    reason: str,
) -> pd.DataFrame:
    """A log block for the rows at positions ``pos`` of ``data``."""
    n = len(pos)
    if n == 0:
        return _empty_log()
    labels = data.index.to_numpy()[pos]
    lines = source_rows(data, labels)
    return pd.DataFrame(
        {
            "row": pd.array(labels, dtype="Int64"),
            "line": _line_array(lines),
            "respondent": _ids(data, id_col, pos),
            "column": _text(column, n),
            "old": _text(old, n),
            "new": _text(new, n),
            "rule": _text(rule, n),
            "action": _text(action, n),
            "reason": _text(reason, n),
        }
    )


def _missing_log(
    data: pd.DataFrame,
    pos: np.ndarray,
    column: Any,
    old: Any,
    rule: str,
    reason: str,
    *,
    id_col: str | None,
) -> pd.DataFrame:
    """A log block for the values at positions ``pos`` of ``column`` that were set missing."""
    return _log(
        data,
        pos,
        id_col=id_col,
        column=column,
        old=old,
        new=None,
        rule=rule,
        action="set_missing",
        reason=reason,
    )


def _column_log(column: str, old: str, new: str, rule: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array([None], dtype="Int64"),
            "line": pd.array([None], dtype="Int64"),
            "respondent": pd.array([None], dtype="str"),
            "column": _text(column, 1),
            "old": _text(old, 1),
            "new": _text(new, 1),
            "rule": _text(rule, 1),
            "action": _text("recode", 1),
            "reason": _text(reason, 1),
        }
    )


def _concat_logs(logs: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack log blocks; categorical columns get the union of the blocks' categories."""
    blocks = [b for b in logs if len(b)]
    if not blocks:
        return _empty_log()
    out = {}
    for col in LOG_COLUMNS:
        parts = [b[col] for b in blocks]
        if col in _CAT_COLUMNS:
            parts = [
                p if isinstance(p.dtype, pd.CategoricalDtype) else p.astype("category")
                for p in parts
            ]
            cats = pd.Index(sorted({str(c) for p in parts for c in p.cat.categories}), dtype=object)
            codes = []
            for p in parts:
                mapper = cats.get_indexer(p.cat.categories.astype(str))
                own = p.cat.codes.to_numpy()
                mapped = np.full(len(own), -1, dtype=np.int64)
                hit = own >= 0
                mapped[hit] = mapper[own[hit]]
                codes.append(mapped)
            out[col] = pd.Categorical.from_codes(np.concatenate(codes), categories=cats)
        else:
            out[col] = pd.concat(parts, ignore_index=True).array
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- items


def _specs(data: pd.DataFrame, items, scale) -> list[tuple[str, int, int, bool]]:
    """(column, low, high, reverse) for each item present; check the columns exist."""
    if isinstance(items, Instrument):
        return [(i.id, i.low, i.high, i.reverse) for i in items.items if i.id in data.columns]
    if isinstance(items, str):
        items = [items]
    if scale is None:
        scale = (1, 5)
    try:
        low, high = (int(scale[0]), int(scale[1]))
    except (TypeError, ValueError, IndexError):
        raise CleaningError(
            f"scale={scale!r} must be two integers (low, high), e.g. scale=(1, 5)"
        ) from None
    if low >= high:
        raise CleaningError(f"scale={scale!r}: low must be below high, e.g. scale=(1, 5)")
    out = []
    for col in items:
        if col not in data.columns:
            raise CleaningError(
                f"column {col!r} is not in the data (its columns are "
                f"{', '.join(map(str, list(data.columns)[:12]))}); pass the item columns it has"
            )
        out.append((col, low, high, False))
    return out


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _factorize(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the distinct values of a text column."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), s.cat.categories
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def _number(text: str) -> float | None:
    t = text.strip().replace(",", ".").replace("\u2212", "-")
    try:
        return float(t)
    except ValueError:
        return None


def _codes_text(cats: pd.Index, codes: np.ndarray) -> pd.Categorical:
    """The raw answers at ``codes`` as a categorical of their text."""
    text = pd.Index(cats.astype(str))
    if text.is_unique:
        return pd.Categorical.from_codes(codes, categories=text)
    return pd.Categorical(np.asarray(text, dtype=object)[codes])


def _source(data: pd.DataFrame) -> str:
    """``"file '...': "`` when the frame came from :func:`~satisfaction.io.read_export`."""
    source = data.attrs.get("source") if hasattr(data, "attrs") else None
    return f"file '{source}': " if source else ""


def _where(data: pd.DataFrame, label: Any) -> str:
    """``"file 'x.csv', line 7"`` (or ``"index 7"`` for a frame not read from a file)."""
    source = data.attrs.get("source") if hasattr(data, "attrs") else None
    place = row_place(data, label)
    return f"file '{source}', {place}" if source else place


def _languages(languages: Iterable[str] | None, where: str) -> list[str] | None:
    """Check each language code against the instrument's languages."""
    if languages is None:
        return None
    if isinstance(languages, str):
        languages = [languages]
    return [check_option(lang, LANGUAGES, "languages", where) for lang in languages]


def _dk_keys(languages: Iterable[str] | None, labels: Iterable[str] | None) -> set[str]:
    langs = languages if languages is not None else DONT_KNOW_LABELS
    keys = {normalise_label(lab) for lang in langs for lab in DONT_KNOW_LABELS[lang]}
    keys |= {normalise_label(lab) for lab in labels or ()}
    return keys


def _numeric_or_fail(data: pd.DataFrame, col: str, step: str) -> np.ndarray:
    s = data[col]
    if not _is_numeric(s):
        raise CleaningError(
            f"{step}: column {col!r} still holds text ({s.dtype}); run recode_labels(data, items) first"
        )
    return s.to_numpy(dtype=float, na_value=np.nan)

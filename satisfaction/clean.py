"""Clean raw survey answers, logging every dropped or changed row and value.

Each step is a small pure function ``step(data, items, ...) -> (data, log)``:
the input frame is never modified, and ``log`` is a tidy frame with one row per
dropped or changed row or value (columns :data:`LOG_COLUMNS`). :func:`clean`
chains them in a sensible order and checks that

    rows in = rows out + rows logged as dropped.

Steps, in the order :func:`clean` runs them:

1. :func:`dont_know_to_missing` -- "En osaa sanoa", "Kan inte säga", "Don't know" -> missing;
2. :func:`recode_labels` -- Finnish, Swedish and English Likert labels -> 1-5;
3. :func:`check_range` -- values outside an item's scale -> missing;
4. :func:`drop_empty` -- rows with no answer to any item are dropped;
5. :func:`drop_duplicates` -- the same respondent twice in a period: keep the latest;
6. :func:`flag_careless` -- straight-lining, low variability, speeding, outliers (flag or drop);
7. :func:`reverse_code` -- reverse-keyed items: new = low + high - old.

Examples
--------
>>> import pandas as pd
>>> import satisfaction as sat
>>> raw = pd.DataFrame({
...     "respondent_id": ["E1", "E2", "E2"],
...     "period": ["2026-01"] * 3,
...     "submitted_at": pd.to_datetime(["2026-01-03", "2026-01-04", "2026-01-05"]),
...     "lq1": ["Täysin samaa mieltä", "4", "En osaa sanoa"],
...     "ex5": ["Agree", "Helt av annan åsikt", "2"],
... })
>>> out = sat.clean(raw, sat.default_instrument(), careless=None)
>>> out.data[["respondent_id", "lq1", "ex5"]]
    respondent_id  lq1  ex5
row
0              E1  5.0  2.0
2              E2  NaN  4.0
>>> out.log[["row", "column", "rule", "action"]]
    row column          rule       action
0     2    lq1     dont_know  set_missing
1     1    NaN     duplicate         drop
2  <NA>    ex5  reverse_code       recode
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import CleaningError
from .instruments import DONT_KNOW, DONT_KNOW_LABELS, Instrument, label_map, normalise_label

__all__ = [
    "Cleaned",
    "LOG_COLUMNS",
    "clean",
    "recode_labels",
    "dont_know_to_missing",
    "check_range",
    "reverse_code",
    "drop_empty",
    "drop_duplicates",
    "flag_careless",
    "careless_metrics",
]

#: Columns of every cleaning log.
LOG_COLUMNS = ("row", "respondent", "column", "old", "new", "rule", "action", "reason")
_CAT_COLUMNS = ("column", "rule", "action", "reason")
CARELESS_METHODS = ("longstring", "irv", "speed", "mahalanobis")


# --------------------------------------------------------------------------- logs


def _empty_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array([], dtype="Int64"),
            "respondent": pd.array([], dtype="str"),
            "column": pd.Categorical([]),
            "old": pd.array([], dtype="str"),
            "new": pd.array([], dtype="str"),
            "rule": pd.Categorical([]),
            "action": pd.Categorical([]),
            "reason": pd.Categorical([]),
        }
    )


def _ids(data: pd.DataFrame, id_col: str | None, pos: np.ndarray) -> np.ndarray:
    if id_col is None or id_col not in data.columns:
        return np.full(len(pos), None, dtype=object)
    values = data[id_col].to_numpy(dtype=object)[pos]
    return values


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
    rows = data.index.to_numpy()[pos]

    def text(value):
        if isinstance(value, np.ndarray):
            return pd.Series(value, dtype=object, copy=False).astype("str").array
        return pd.array([None if value is None else str(value)] * n, dtype="str")

    respondent = _ids(data, id_col, pos)
    return pd.DataFrame(
        {
            "row": pd.array(rows, dtype="Int64"),
            "respondent": text(respondent),
            "column": pd.Categorical([column] * n if column is not None else [None] * n),
            "old": text(old),
            "new": text(new),
            "rule": pd.Categorical([rule] * n),
            "action": pd.Categorical([action] * n),
            "reason": pd.Categorical([reason] * n),
        }
    )


def _column_log(column: str, old: str, new: str, rule: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.array([None], dtype="Int64"),
            "respondent": pd.array([None], dtype="str"),
            "column": pd.Categorical([column]),
            "old": pd.array([old], dtype="str"),
            "new": pd.array([new], dtype="str"),
            "rule": pd.Categorical([rule]),
            "action": pd.Categorical(["recode"]),
            "reason": pd.Categorical([reason]),
        }
    )


def _concat_logs(logs: Iterable[pd.DataFrame]) -> pd.DataFrame:
    blocks = [b for b in logs if len(b)]
    if not blocks:
        return _empty_log()
    out = {}
    for col in LOG_COLUMNS:
        parts = [b[col] for b in blocks]
        if col in _CAT_COLUMNS:
            parts = [p if isinstance(p.dtype, pd.CategoricalDtype) else p.astype("category")
                     for p in parts]
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
        raise CleaningError(f"scale={scale!r} must be two integers (low, high), e.g. scale=(1, 5)") from None
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


def _dk_keys(languages: Iterable[str] | None, labels: Iterable[str] | None) -> set[str]:
    langs = languages if languages is not None else DONT_KNOW_LABELS
    keys = {normalise_label(lab) for lang in langs for lab in DONT_KNOW_LABELS[lang]}
    keys |= {normalise_label(lab) for lab in labels or ()}
    return keys


# --------------------------------------------------------------------------- steps


def dont_know_to_missing(
    data: pd.DataFrame,
    items,
    *,
    labels: Iterable[str] | None = None,
    codes: Iterable[float] | None = None,
    languages: Iterable[str] | None = None,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set "don't know" answers to missing, logging each one.

    Parameters
    ----------
    data : DataFrame
        Raw answers (text labels, numbers or both).
    items : list of str or Instrument
        The item columns.
    labels : iterable of str, optional
        Extra don't-know labels, on top of :data:`~satisfaction.instruments.DONT_KNOW_LABELS`
        (matched ignoring case, spacing and punctuation).
    codes : iterable of float, optional
        Numeric don't-know codes of the export (e.g. ``[6]`` or ``[-1, 99]``).
    languages : iterable of str, optional
        Languages whose don't-know labels are used (default all: fi, sv, en).
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with don't-knows missing (categorical columns keep their type).
    log : DataFrame
        One row per value set missing, rule ``dont_know``, ``old`` = the raw answer.

    Notes
    -----
    A don't-know is not a skipped item: :func:`clean`'s summary counts them apart
    (``dont_know`` per item vs ``skipped`` per item).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lq1": ["4", " en osaa SANOA ", None], "lq2": [6, 2, 3]})
    >>> out, log = dont_know_to_missing(d, ["lq1", "lq2"], codes=[6], id_col=None)
    >>> out["lq1"].tolist(), out["lq2"].tolist()
    (['4', nan, nan], [nan, 2.0, 3.0])
    >>> log[["row", "column", "old", "rule"]]
       row column              old       rule
    0    1    lq1   en osaa SANOA   dont_know
    1    0    lq2                6  dont_know
    """
    specs = _specs(data, items, None)
    keys = _dk_keys(languages, labels)
    code_set = [float(c) for c in codes or ()]
    out = data.copy(deep=False)
    logs = []
    for col, _low, _high, _rev in specs:
        s = data[col]
        if _is_numeric(s):
            if not code_set:
                continue
            values = s.to_numpy(dtype=float, na_value=np.nan)
            mask = np.isin(values, code_set)
            if not mask.any():
                continue
            pos = np.flatnonzero(mask)
            out[col] = s.astype(float).mask(mask)
            old = np.array([f"{v:g}" for v in values[pos]], dtype=object)
        else:
            codes_, cats = _factorize(s)
            is_dk = np.array(
                [
                    (not isinstance(c, (int, float, np.number)) and normalise_label(c) in keys)
                    or (_number(str(c)) in code_set if code_set else False)
                    for c in cats
                ],
                dtype=bool,
            )
            if not is_dk.any():
                continue
            mask = np.zeros(len(s), dtype=bool)
            valid = codes_ >= 0
            mask[valid] = is_dk[codes_[valid]]
            pos = np.flatnonzero(mask)
            if not len(pos):
                continue
            if isinstance(s.dtype, pd.CategoricalDtype):
                out[col] = s.cat.remove_categories(list(cats[is_dk]))
            else:
                out[col] = s.mask(mask)
            old = np.asarray(cats.astype(str), dtype=object)[codes_[pos]]
        logs.append(_log(data, pos, id_col=id_col, column=col, old=old, new=None, rule="dont_know",
                         action="set_missing", reason="don't-know answer set to missing"))
    return out, _concat_logs(logs)


def recode_labels(
    data: pd.DataFrame,
    items,
    *,
    scale: tuple[int, int] = (1, 5),
    unknown_labels: str = "error",
    mapping: Mapping[str, Any] | None = None,
    languages: Iterable[str] | None = None,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn text answers into numbers: Likert labels in Finnish, Swedish or English, numeric text.

    Parameters
    ----------
    data : DataFrame
        Raw answers. Numeric columns pass unchanged.
    items : list of str or Instrument
        The item columns. With an Instrument each item's own scale is used; Likert
        labels are recognised for 1-5 items only (0-10 items such as ``enps``,
        ``nps`` take numbers).
    scale : tuple of int
        Scale of the listed items when ``items`` is a list.
    unknown_labels : {"error", "missing"}
        A label that is neither a Likert label, a don't-know nor a number: raise a
        :class:`~satisfaction.errors.CleaningError` listing every such label with
        its count, or set it missing (logged, rule ``unknown_label``).
    mapping : mapping, optional
        Extra labels -> values (``{"Kyllä": 5}``), matched ignoring case, spacing
        and punctuation; a value ``None`` sets the label missing (logged).
    languages : iterable of str, optional
        Label languages to recognise (default all: ``fi``, ``sv``, ``en``).
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with the item columns as ``float64``.
    log : DataFrame
        One row per value whose meaning changed: don't-knows (rule ``dont_know``),
        unknown labels set missing (``unknown_label``) and labels mapped to missing
        (``mapping``).

    Notes
    -----
    Labels are matched after :func:`~satisfaction.instruments.normalise_label`
    (case, spacing, punctuation folded), so ``" täysin SAMAA mieltä! "`` is 5. The
    mapping is computed once per distinct value (a column's categories), then
    applied to the integer codes: linear in the rows, no Python loop over them.

    The bulk translation of a recognised label or a numeric text into its number
    is *not* logged (it is the same answer written another way; logging a million
    of them would bury the few changes that matter). Every value that changes
    meaning -- a don't-know, an unknown label, a label mapped to missing -- is
    logged, one row per value.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ex1": ["Samaa mieltä", "Helt av samma åsikt", "strongly AGREE", "3"]})
    >>> out, log = recode_labels(d, ["ex1"], id_col=None)
    >>> out["ex1"].tolist(), len(log)
    ([4.0, 5.0, 5.0, 3.0], 0)
    >>> d = pd.DataFrame({"ex1": ["Agree", "Kyllä", "Kyllä"]})
    >>> recode_labels(d, ["ex1"], id_col=None)
    Traceback (most recent call last):
    ...
    satisfaction.errors.CleaningError: unknown answer labels in 1 column: column 'ex1' has 'Kyllä' (2) ...
    >>> out, log = recode_labels(d, ["ex1"], unknown_labels="missing", id_col=None)
    >>> out["ex1"].tolist(), log["rule"].tolist()
    ([4.0, nan, nan], ['unknown_label', 'unknown_label'])
    """
    if unknown_labels not in ("error", "missing"):
        raise CleaningError(f"unknown_labels={unknown_labels!r} is not an option; use 'error' or 'missing'")
    specs = _specs(data, items, scale)
    likert = label_map(languages) if languages is not None else label_map()
    dk = _dk_keys(languages, None)
    user = {normalise_label(k): v for k, v in (mapping or {}).items()}
    out = data.copy(deep=False)
    logs: list[pd.DataFrame] = []
    unknown: list[tuple[str, list[tuple[str, int]], int]] = []
    pending: list[tuple[str, np.ndarray, np.ndarray]] = []
    for col, low, high, _rev in specs:
        s = data[col]
        if _is_numeric(s):
            if s.dtype != np.float64:
                out[col] = s.astype("float64")
            continue
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            raise CleaningError(
                f"column {col!r} holds {s.dtype} values, not answers; re-export it as numbers or labels"
            )
        codes, cats = _factorize(s)
        n = len(cats)
        values = np.full(n, np.nan)
        kind = np.zeros(n, dtype=np.int8)  # 0 value, 1 dont_know, 2 unknown, 3 mapped missing
        for j, c in enumerate(cats):
            if isinstance(c, (int, float, np.number)) and not isinstance(c, bool):
                values[j] = float(c)
                continue
            key = normalise_label(c)
            if key in user:
                v = user[key]
                if v is None or v is DONT_KNOW or (isinstance(v, float) and np.isnan(v)):
                    kind[j] = 1 if v is DONT_KNOW else 3
                else:
                    values[j] = float(v)
                continue
            if (low, high) == (1, 5) and key in likert:
                v = likert[key]
                if v is DONT_KNOW:
                    kind[j] = 1
                else:
                    values[j] = float(v)
                continue
            if key in dk:
                kind[j] = 1
                continue
            num = _number(str(c))
            if num is not None:
                values[j] = num
            else:
                kind[j] = 2
        valid = codes >= 0
        result = np.full(len(s), np.nan)
        result[valid] = values[codes[valid]]
        code_kind = np.zeros(len(s), dtype=np.int8)
        code_kind[valid] = kind[codes[valid]]
        if (kind == 2).any():
            counts = np.bincount(codes[valid], minlength=n)
            labels = [(str(cats[j]), int(counts[j])) for j in np.flatnonzero(kind == 2) if counts[j]]
            if labels:
                first = int(np.flatnonzero(code_kind == 2)[0])
                unknown.append((col, sorted(labels, key=lambda t: -t[1]), first))
        old_text = np.asarray(cats.astype(str), dtype=object)
        pending.append((col, code_kind, codes, old_text))
        out[col] = result
    if unknown and unknown_labels == "error":
        parts = []
        for col, labels, _first in unknown:
            shown = ", ".join(f"{lab!r} ({cnt})" for lab, cnt in labels[:8])
            more = f" and {len(labels) - 8} more" if len(labels) > 8 else ""
            parts.append(f"column {col!r} has {shown}{more}")
        col0, _labels0, first0 = unknown[0]
        row0 = data.index[first0]
        who = ""
        if id_col is not None and id_col in data.columns:
            who = f", respondent {data[id_col].iloc[first0]!r}"
        raise CleaningError(
            f"unknown answer labels in {len(unknown)} column{'s' if len(unknown) > 1 else ''}: "
            f"{'; '.join(parts)} (first at row {row0}{who}); pass unknown_labels='missing' to set "
            "them missing (logged) or mapping={'<label>': <value>} to recode them"
        )
    for col, code_kind, codes, old_text in pending:
        for k, rule, reason in (
            (1, "dont_know", "don't-know answer set to missing"),
            (2, "unknown_label", "unknown answer label set to missing"),
            (3, "mapping", "label mapped to missing by the user's mapping"),
        ):
            pos = np.flatnonzero(code_kind == k)
            if len(pos):
                logs.append(_log(data, pos, id_col=id_col, column=col, old=old_text[codes[pos]],
                                 new=None, rule=rule, action="set_missing", reason=reason))
    return out, _concat_logs(logs)


def _numeric_or_fail(data: pd.DataFrame, col: str, step: str) -> np.ndarray:
    s = data[col]
    if not _is_numeric(s):
        raise CleaningError(
            f"{step}: column {col!r} still holds text ({s.dtype}); run recode_labels(data, items) first"
        )
    return s.to_numpy(dtype=float, na_value=np.nan)


def check_range(
    data: pd.DataFrame,
    items,
    scale: tuple[int, int] = (1, 5),
    *,
    integer: bool = True,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set values outside an item's scale (or between its points) to missing, logging each.

    Parameters
    ----------
    data : DataFrame
        Numeric answers (after :func:`recode_labels`).
    items : list of str or Instrument
        The item columns (with an Instrument, each item's own scale).
    scale : tuple of int
        ``(low, high)`` of the listed items.
    integer : bool
        Also treat values between scale points (``3.5`` on a 1-5 scale) as invalid.
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with invalid values missing.
    log : DataFrame
        One row per value set missing, rule ``out_of_range``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lq1": [1, 5, 7, 0], "enps": [10, 11, 0, -1]})
    >>> out, log = check_range(d, ["lq1"], id_col=None)
    >>> out["lq1"].tolist(), log["old"].tolist()
    ([1.0, 5.0, nan, nan], ['7', '0'])
    """
    specs = _specs(data, items, scale)
    out = data.copy(deep=False)
    logs = []
    for col, low, high, _rev in specs:
        v = _numeric_or_fail(data, col, "check_range")
        bad = ~np.isnan(v) & ((v < low) | (v > high))
        if integer:
            bad |= ~np.isnan(v) & (v != np.round(v))
        if not bad.any():
            continue
        pos = np.flatnonzero(bad)
        new = v.copy()
        new[pos] = np.nan
        out[col] = new
        old = np.array([f"{x:g}" for x in v[pos]], dtype=object)
        logs.append(_log(data, pos, id_col=id_col, column=col, old=old, new=None,
                         rule="out_of_range", action="set_missing",
                         reason=f"outside the scale {low}-{high} or not a scale point"))
    return out, _concat_logs(logs)


def reverse_code(
    data: pd.DataFrame,
    items,
    scale: tuple[int, int] = (1, 5),
    *,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reverse-code reverse-keyed items: new = low + high - old.

    Parameters
    ----------
    data : DataFrame
        Numeric answers.
    items : list of str or Instrument
        The columns to reverse. With an Instrument: its reverse-keyed items present
        in ``data``, each on its own scale.
    scale : tuple of int
        ``(low, high)`` of the listed items.
    id_col : str, optional
        Unused (kept for a uniform signature).

    Returns
    -------
    data : DataFrame
        A copy with the items reversed (missing values stay missing).
    log : DataFrame
        ONE row per reversed column (``row`` is missing), rule ``reverse_code``,
        ``old`` = how many values were reversed.

    Notes
    -----
    Reverse-keying changes every answered value of a column in the same known
    way, so it is logged once per column with the count, not once per value (a
    million identical log rows would tell nothing more).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ex5": [1.0, 2.0, None, 5.0]})
    >>> out, log = reverse_code(d, ["ex5"], scale=(1, 5))
    >>> out["ex5"].tolist(), log.loc[0, "old"]
    ([5.0, 4.0, nan, 1.0], '3 values')
    """
    if isinstance(items, Instrument):
        specs = [(i.id, i.low, i.high, True) for i in items.reverse_items if i.id in data.columns]
    else:
        specs = _specs(data, items, scale)
    out = data.copy(deep=False)
    logs = []
    for col, low, high, _rev in specs:
        v = _numeric_or_fail(data, col, "reverse_code")
        out[col] = (low + high) - v
        n = int((~np.isnan(v)).sum())
        logs.append(_column_log(col, f"{n} values", f"{low} + {high} - value", "reverse_code",
                                "reverse-keyed item reversed (logged once per column)"))
    return out, _concat_logs(logs)


def drop_empty(
    data: pd.DataFrame, items, *, id_col: str | None = "respondent_id"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows that answer none of the items (after don't-knows became missing).

    Returns
    -------
    data : DataFrame
        The rows with at least one answer.
    log : DataFrame
        One row per dropped row, rule ``all_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lq1": [4.0, None], "lq2": [None, None]})
    >>> out, log = drop_empty(d, ["lq1", "lq2"], id_col=None)
    >>> len(out), log["rule"].tolist()
    (1, ['all_missing'])
    """
    specs = _specs(data, items, None)
    cols = [c for c, *_ in specs]
    if not cols:
        return data.copy(deep=False), _empty_log()
    empty = data[cols].isna().all(axis=1).to_numpy()
    pos = np.flatnonzero(empty)
    log = _log(data, pos, id_col=id_col, column=None, old=None, new=None, rule="all_missing",
               action="drop", reason="no item answered")
    return data.loc[~empty], log


def _times(data: pd.DataFrame, time_col: str) -> np.ndarray:
    s = data[time_col]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = parsed.isna() & s.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise CleaningError(
                f"column {time_col!r}, row {data.index[i]}: {s.iloc[i]!r} is not a date and time; "
                "fix it (YYYY-MM-DD HH:MM:SS) or pass time_col=None to keep the last row in file order"
            )
        s = parsed
    return s.to_numpy(dtype="datetime64[ns]").view(np.int64)


def drop_duplicates(
    data: pd.DataFrame,
    *,
    id_col: str = "respondent_id",
    period_col: str | None = "period",
    time_col: str | None = "submitted_at",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one submission per respondent and period: the latest; log the others.

    Parameters
    ----------
    data : DataFrame
        Answers with a respondent column.
    id_col : str
        Respondent identifier. Rows with a missing id are never treated as duplicates.
    period_col : str, optional
        Survey period; ``None`` (or absent) keeps one row per respondent overall.
    time_col : str, optional
        Submission time; the latest is kept (missing times count as earliest). ``None``
        (or absent) keeps the last row in file order.

    Returns
    -------
    data : DataFrame
        The kept rows, in their original order.
    log : DataFrame
        One row per dropped row, rule ``duplicate``: ``old`` is the dropped row's
        submission time, ``new`` names the row kept.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"respondent_id": ["a", "a", "b"], "period": ["2026-01"] * 3,
    ...                   "submitted_at": ["2026-01-05 10:00", "2026-01-02 09:00", "2026-01-03 12:00"]})
    >>> out, log = drop_duplicates(d)
    >>> out.index.tolist(), log[["row", "respondent", "new"]].values.tolist()
    ([0, 2], [[1, 'a', 'kept row 0']])
    """
    if id_col not in data.columns:
        raise CleaningError(
            f"drop_duplicates: the respondent column {id_col!r} is not in the data; "
            "pass id_col='<column>' or skip duplicate removal"
        )
    keys = [id_col] + ([period_col] if period_col is not None and period_col in data.columns else [])
    n = len(data)
    if time_col is not None and time_col in data.columns:
        t = _times(data, time_col)
        order = np.argsort(t, kind="stable")
    else:
        t = None
        order = np.arange(n)
    ordered = data[keys].iloc[order]
    has_id = ordered[keys].notna().all(axis=1).to_numpy()
    dup_sorted = ordered.duplicated(keep="last").to_numpy() & has_id
    if not dup_sorted.any():
        return data.copy(deep=False), _empty_log()
    gid = ordered.groupby(keys, sort=False, dropna=True, observed=True).ngroup().to_numpy()
    last = pd.Series(np.arange(n)).groupby(gid).transform("last").to_numpy()
    dropped_pos = order[dup_sorted]
    kept_pos = order[last[dup_sorted]]
    kept_rows = data.index.to_numpy()[kept_pos]
    new = np.char.add("kept row ", kept_rows.astype(str)).astype(object)
    if t is not None:
        old = pd.to_datetime(pd.Series(t[dropped_pos]).where(t[dropped_pos] != np.iinfo(np.int64).min))
        old = old.astype(str).to_numpy(dtype=object)
    else:
        old = np.full(len(dropped_pos), None, dtype=object)
    sort = np.argsort(dropped_pos)
    dropped_pos, old, new = dropped_pos[sort], old[sort], new[sort]
    keep = np.ones(n, dtype=bool)
    keep[dropped_pos] = False
    what = "respondent and period" if len(keys) > 1 else "respondent"
    log = _log(data, dropped_pos, id_col=id_col, column=None, old=old, new=new, rule="duplicate",
               action="drop", reason=f"same {what} as a later submission; kept the latest")
    return data.loc[keep], log


# --------------------------------------------------------------------------- careless


def _matrix(data: pd.DataFrame, items, scale) -> tuple[np.ndarray, list[str]]:
    specs = _specs(data, items, scale)
    cols = [c for c, *_ in specs]
    if not cols:
        raise CleaningError("flag_careless: no item columns given; pass the items to check")
    x = np.column_stack([_numeric_or_fail(data, c, "flag_careless") for c in cols])
    return x, cols


def careless_metrics(
    data: pd.DataFrame,
    items,
    *,
    duration_col: str | None = "duration_s",
) -> pd.DataFrame:
    """Per-respondent careless-responding indices, one column each.

    Returns
    -------
    DataFrame
        Same index as ``data``; columns ``n_answered``, ``longstring`` (longest run
        of identical consecutive answers, skipping missing items), ``irv``
        (standard deviation of the answered items, ddof=1), ``mahalanobis`` (squared
        distance from the complete-case centroid; missing if any item is missing)
        and ``duration`` (seconds, if ``duration_col`` is present).

    Notes
    -----
    Longstring (Johnson 2005) and IRV (Dunn et al. 2018) as in R's ``careless``
    package (``careless::longstring``, ``careless::irv``), except that missing
    items are skipped rather than breaking a run. Mahalanobis ``D^2 = (x - m)' S^-1 (x - m)``
    with the complete cases' mean ``m`` and covariance ``S`` (pseudo-inverse).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [3, 1, 4], "b": [3, 2, None], "c": [3, 2, 4]})
    >>> careless_metrics(d, ["a", "b", "c"], duration_col=None)[["n_answered", "longstring"]]
       n_answered  longstring
    0           3           3
    1           3           2
    2           2           2
    """
    x, _cols = _matrix(data, items, None)
    n, k = x.shape
    present = ~np.isnan(x)
    n_answered = present.sum(axis=1)
    prev = np.full(n, np.nan)
    run = np.zeros(n, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    for j in range(k):
        v = x[:, j]
        here = present[:, j]
        same = here & (v == prev)
        run = np.where(here, np.where(same, run + 1, 1), run)
        prev = np.where(here, v, prev)
        best = np.maximum(best, run)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(present, x, 0.0)
        mean = xm.sum(axis=1) / np.maximum(n_answered, 1)
        dev = np.where(present, x - mean[:, None], 0.0)
        irv = np.sqrt((dev**2).sum(axis=1) / (n_answered - 1))
    irv[n_answered < 2] = np.nan
    complete = present.all(axis=1)
    d2 = np.full(n, np.nan)
    if complete.sum() > k + 1:
        xc = x[complete]
        centre = xc.mean(axis=0)
        inv = np.linalg.pinv(np.cov(xc, rowvar=False))
        diff = xc - centre
        d2[complete] = np.einsum("ij,jk,ik->i", diff, inv, diff)
    out = pd.DataFrame(
        {"n_answered": n_answered, "longstring": best, "irv": irv, "mahalanobis": d2},
        index=data.index,
    )
    if duration_col is not None and duration_col in data.columns:
        out["duration"] = pd.to_numeric(data[duration_col], errors="coerce").to_numpy(dtype=float)
    return out


def flag_careless(
    data: pd.DataFrame,
    items,
    method: str | Sequence[str] = "longstring",
    *,
    threshold: float | None = None,
    min_duration: float | None = None,
    duration_col: str = "duration_s",
    alpha: float = 0.001,
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag careless responding: straight-lining, low variability, speeding, outliers.

    Parameters
    ----------
    data : DataFrame
        Numeric answers, in the direction respondents saw them (before reverse-coding).
    items : list of str or Instrument
        Items answered on the same scale.
    method : str or list of str
        ``"longstring"``, ``"irv"``, ``"speed"``, ``"mahalanobis"`` or several.
    threshold : float, optional
        longstring: flag runs of at least this many identical answers (default:
        every answered item identical, with at least ``max(3, ceil(k/2))`` of the
        ``k`` items answered). irv: flag ``irv <= threshold`` (default 0, i.e. no
        variability over at least 3 answered items).
    min_duration : float, optional
        speed: flag completion times below this many seconds (default: below a
        third of the median duration).
    duration_col : str
        Completion time in seconds (speed).
    alpha : float
        mahalanobis: flag ``D^2`` above the chi-square ``1 - alpha`` quantile with
        ``k`` degrees of freedom (complete cases only).
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with a boolean column ``flag_<method>`` per method.
    log : DataFrame
        One row per flagged row and method (action ``flag``); nothing is dropped.

    Notes
    -----
    See :func:`careless_metrics` for the indices. Flags are evidence, not
    verdicts: :func:`clean` drops flagged rows only with ``careless="drop"``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [3, 1, 4, 2], "b": [3, 2, 4, 2], "c": [3, 2, 5, 3],
    ...                   "duration_s": [200, 180, 20, 210]})
    >>> out, log = flag_careless(d, ["a", "b", "c"], ["longstring", "speed"], id_col=None)
    >>> out[["flag_longstring", "flag_speed"]].to_numpy().tolist()
    [[True, False], [False, False], [False, True], [False, False]]
    """
    methods = [method] if isinstance(method, str) else list(method)
    bad = [m for m in methods if m not in CARELESS_METHODS]
    if bad:
        raise CleaningError(f"careless method {bad[0]!r} is unknown; use {', '.join(CARELESS_METHODS)}")
    if "speed" in methods and duration_col not in data.columns:
        raise CleaningError(
            f"flag_careless(method='speed') needs the completion time column {duration_col!r}; "
            "pass duration_col='<column>' or leave 'speed' out"
        )
    metrics = careless_metrics(data, items, duration_col=duration_col if "speed" in methods else None)
    k = len(_specs(data, items, None))
    out = data.copy(deep=False)
    logs = []
    for m in methods:
        if m == "longstring":
            ls = metrics["longstring"].to_numpy()
            if threshold is None:
                need = max(3, int(np.ceil(k / 2)))
                flag = (ls == metrics["n_answered"].to_numpy()) & (metrics["n_answered"].to_numpy() >= need)
                reason = "every answered item identical (straight-lining)"
            else:
                flag = ls >= threshold
                reason = f"run of at least {threshold:g} identical answers (straight-lining)"
            value = ls
        elif m == "irv":
            irv = metrics["irv"].to_numpy()
            cut = 0.0 if threshold is None else float(threshold)
            flag = (irv <= cut) & (metrics["n_answered"].to_numpy() >= 3)
            reason = f"answer variability (SD across items) at most {cut:g}"
            value = irv
        elif m == "speed":
            dur = metrics["duration"].to_numpy()
            cut = float(np.nanmedian(dur)) / 3 if min_duration is None else float(min_duration)
            flag = dur < cut
            reason = f"completed in under {cut:g} s" + (
                " (a third of the median duration)" if min_duration is None else ""
            )
            value = dur
        else:
            from scipy.stats import chi2

            d2 = metrics["mahalanobis"].to_numpy()
            cut = float(chi2.ppf(1 - alpha, df=k))
            with np.errstate(invalid="ignore"):
                flag = d2 > cut
            reason = f"Mahalanobis D2 above the chi-square({k}) {1 - alpha:g} quantile {cut:.1f}"
            value = d2
        flag = np.asarray(flag, dtype=bool)
        out[f"flag_{m}"] = flag
        pos = np.flatnonzero(flag)
        old = np.array([f"{v:.4g}" for v in value[pos]], dtype=object)
        logs.append(_log(data, pos, id_col=id_col, column=f"flag_{m}", old=old, new="True",
                         rule=f"careless_{m}", action="flag", reason=reason))
    return out, _concat_logs(logs)


# --------------------------------------------------------------------------- clean


@dataclass
class Cleaned:
    """The result of :func:`clean`.

    Attributes
    ----------
    data : DataFrame
        The clean rows, indexed by their position in the raw frame (index name ``row``).
    log : DataFrame
        One row per dropped or changed row or value: ``row, respondent, column,
        old, new, rule, action, reason`` (``action`` is ``drop``, ``set_missing``,
        ``recode`` or ``flag``).
    summary : DataFrame
        Counts per rule and column: ``rule, column, action, n``, plus ``skipped``
        (empty in the raw export) per item, apart from ``dont_know``.
    items : tuple of str
        The item columns cleaned.
    n_in, n_out : int
        Rows in and out.
    """

    data: pd.DataFrame
    log: pd.DataFrame
    summary: pd.DataFrame
    items: tuple[str, ...] = ()
    n_in: int = 0
    n_out: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def n_dropped(self) -> int:
        """Rows dropped (each logged once with action ``drop``)."""
        return self.n_in - self.n_out

    def _repr_html_(self) -> str:
        head = f"<b>Cleaned</b>: {self.n_in} rows in, {self.n_out} out, {self.n_dropped} dropped"
        return head + self.summary.to_html(index=False)


def _summary(log: pd.DataFrame, skipped: dict[str, int]) -> pd.DataFrame:
    if len(log):
        counts = (
            log.groupby(["rule", "column", "action"], observed=True, dropna=False, sort=False)
            .size()
            .reset_index(name="n")
        )
        counts = counts[counts["n"] > 0]
        rc = log["rule"] == "reverse_code"
        if rc.any():  # one log row per column: report the number of values reversed
            per = log.loc[rc].set_index("column")["old"].str.extract(r"(\d+)")[0].astype(int)
            mask = counts["rule"] == "reverse_code"
            counts.loc[mask, "n"] = counts.loc[mask, "column"].map(per).to_numpy()
    else:
        counts = pd.DataFrame({"rule": [], "column": [], "action": [], "n": []})
    skip = pd.DataFrame(
        {"rule": "skipped", "column": list(skipped), "action": "none", "n": list(skipped.values())}
    )
    out = pd.concat([counts.astype({"rule": str, "column": object, "action": str}), skip],
                    ignore_index=True)
    out["column"] = out["column"].astype(object).where(out["column"].notna(), None)
    out["n"] = out["n"].astype(int)
    return out.reset_index(drop=True)


def clean(
    raw: pd.DataFrame,
    instrument: Instrument,
    *,
    items: Sequence[str] | None = None,
    id_col: str = "respondent_id",
    period_col: str | None = "period",
    time_col: str | None = "submitted_at",
    duration_col: str | None = "duration_s",
    unknown_labels: str = "error",
    mapping: Mapping[str, Any] | None = None,
    dont_know_codes: Iterable[float] | None = None,
    careless: str | None = "flag",
    careless_methods: Sequence[str] | None = None,
    min_duration: float | None = None,
    duplicates: bool = True,
    drop_all_missing: bool = True,
) -> Cleaned:
    """Clean one raw export: recode, check, de-duplicate, flag careless responding, reverse-key.

    Parameters
    ----------
    raw : DataFrame
        Raw answers (e.g. ``read_export(...).data``); never modified.
    instrument : Instrument
        Gives the items, their scales and which are reverse-keyed.
    items : sequence of str, optional
        Clean only these items (default: every instrument item in ``raw``).
    id_col, period_col, time_col, duration_col : str
        Respondent, period, submission time and completion time (seconds) columns;
        absent columns switch off the steps that need them.
    unknown_labels : {"error", "missing"}
        See :func:`recode_labels`.
    mapping : mapping, optional
        Extra label -> value pairs, see :func:`recode_labels`.
    dont_know_codes : iterable of float, optional
        Numeric don't-know codes of the export (e.g. ``[6]``).
    careless : {"flag", "drop", None}
        Add ``flag_<method>`` columns (default), drop the flagged rows (logged), or
        skip the checks.
    careless_methods : sequence of str, optional
        Default ``("longstring", "speed")`` (speed only if ``duration_col`` exists);
        see :func:`flag_careless`. Run on the construct items of the survey's
        most common scale, before reverse-coding.
    min_duration : float, optional
        Seconds below which a response is speeding (default a third of the median).
    duplicates, drop_all_missing : bool
        Run :func:`drop_duplicates` and :func:`drop_empty`.

    Returns
    -------
    Cleaned
        ``data`` (indexed by raw row position), ``log`` and ``summary``.

    Raises
    ------
    CleaningError
        Unknown labels (with ``unknown_labels="error"``), text left in an item,
        unparseable submission times, or (a bug) a broken row count.

    Notes
    -----
    The invariant ``len(raw) == len(data) + rows logged with action "drop"`` (and
    that kept and dropped rows partition the raw rows) is checked before
    returning. Reverse-coding and the bulk label -> number recoding are logged
    once per column and not at all, respectively (see :func:`reverse_code`,
    :func:`recode_labels`); every don't-know, unknown label, out-of-range value
    and dropped or flagged row has its own log row.

    Examples
    --------
    >>> import pandas as pd
    >>> import satisfaction as sat
    >>> raw = pd.DataFrame({"respondent_id": ["a", "b", "c"], "lq1": ["4", "9", None],
    ...                     "lq2": ["Agree", "Eos", "2"]})
    >>> out = sat.clean(raw, sat.default_instrument(), careless=None)
    >>> out.data[["lq1", "lq2"]]
         lq1  lq2
    row
    0    4.0  4.0
    2    NaN  2.0
    >>> out.summary
               rule column       action  n
    0     dont_know    lq2  set_missing  1
    1  out_of_range    lq1  set_missing  1
    2   all_missing   None         drop  1
    3       skipped    lq1         none  1
    4       skipped    lq2         none  0
    """
    if not isinstance(raw, pd.DataFrame):
        raise CleaningError(f"clean needs a DataFrame, got {type(raw).__name__}; pass read_export(...).data")
    if not isinstance(instrument, Instrument):
        raise CleaningError(
            f"clean needs an Instrument, got {type(instrument).__name__}; use sat.default_instrument()"
        )
    if careless not in ("flag", "drop", None):
        raise CleaningError(f"careless={careless!r} is not an option; use 'flag', 'drop' or None")
    if raw.columns.duplicated().any():
        dup = raw.columns[raw.columns.duplicated()][0]
        raise CleaningError(f"column {dup!r} appears twice in the data; rename or drop one of them")
    present = [i for i in instrument.items if i.id in raw.columns]
    if items is not None:
        unknown = [i for i in items if i not in instrument.item_ids]
        if unknown:
            raise CleaningError(f"items={unknown!r} are not items of instrument {instrument.name!r}")
        absent = [i for i in items if i not in raw.columns]
        if absent:
            raise CleaningError(f"item column(s) {absent} are not in the data; read them or leave them out")
        present = [i for i in present if i.id in items]
    if not present:
        raise CleaningError(
            f"none of the columns ({', '.join(map(str, list(raw.columns)[:10]))}) is an item of "
            f"instrument {instrument.name!r}; read the export with read_export(path, instrument)"
        )
    ids = [i.id for i in present]
    idc = id_col if id_col in raw.columns else None
    notes = []
    n_in = len(raw)
    data = raw.copy(deep=False)
    data.index = pd.RangeIndex(n_in, name="row")
    skipped = {c: int(data[c].isna().sum()) for c in ids}
    logs = []

    def by_scale(low_high):
        return [i.id for i in present if (i.low, i.high) == low_high]

    scales = sorted({(i.low, i.high) for i in present})
    data, log = dont_know_to_missing(data, ids, codes=dont_know_codes, id_col=idc)
    logs.append(log)
    for sc in scales:
        data, log = recode_labels(data, by_scale(sc), scale=sc, unknown_labels=unknown_labels,
                                  mapping=mapping, id_col=idc)
        logs.append(log)
    for sc in scales:
        data, log = check_range(data, by_scale(sc), sc, id_col=idc)
        logs.append(log)
    if drop_all_missing:
        data, log = drop_empty(data, ids, id_col=idc)
        logs.append(log)
    if duplicates:
        if idc is None:
            notes.append(f"no column {id_col!r}: duplicates were not checked")
        else:
            data, log = drop_duplicates(
                data, id_col=idc,
                period_col=period_col if period_col in data.columns else None,
                time_col=time_col if time_col in data.columns else None,
            )
            logs.append(log)
    if careless is not None and len(data):
        construct_items = [i for i in present if instrument.construct_of(i.id) is not None]
        pool = construct_items or present
        common = max({(i.low, i.high) for i in pool},
                     key=lambda sc: sum((i.low, i.high) == sc for i in pool))
        citems = [i.id for i in pool if (i.low, i.high) == common]
        if careless_methods is None:
            methods = ["longstring"] + (["speed"] if duration_col in data.columns else [])
        else:
            methods = list(careless_methods)
        if len(citems) >= 2 and methods:
            data, log = flag_careless(data, citems, methods, min_duration=min_duration,
                                      duration_col=duration_col or "duration_s", id_col=idc)
            logs.append(log)
            if careless == "drop":
                flags = data[[f"flag_{m}" for m in methods]].to_numpy()
                hit = flags.any(axis=1)
                pos = np.flatnonzero(hit)
                which = np.array(
                    [", ".join(m for m, f in zip(methods, row, strict=True) if f) for row in flags[pos]],
                    dtype=object,
                )
                logs.append(_log(data, pos, id_col=idc, column=None, old=which, new=None,
                                 rule="careless", action="drop",
                                 reason="flagged as careless responding (careless='drop')"))
                data = data.loc[~hit]
        else:
            notes.append("careless responding was not checked (fewer than 2 items on one scale)")
    data, log = _reverse_listed(data, present, idc)
    logs.append(log)
    full = _concat_logs(logs)
    _check_invariant(n_in, data, full)
    return Cleaned(data=data, log=full, summary=_summary(full, skipped), items=tuple(ids),
                   n_in=n_in, n_out=len(data), notes=tuple(notes))


def _reverse_listed(data: pd.DataFrame, present, idc) -> tuple[pd.DataFrame, pd.DataFrame]:
    logs = []
    for item in present:
        if item.reverse:
            data, log = reverse_code(data, [item.id], (item.low, item.high), id_col=idc)
            logs.append(log)
    return data, _concat_logs(logs)


def _check_invariant(n_in: int, data: pd.DataFrame, log: pd.DataFrame) -> None:
    dropped = log.loc[log["action"] == "drop", "row"].to_numpy(dtype=np.int64)
    kept = data.index.to_numpy(dtype=np.int64)
    ok = (
        n_in == len(kept) + len(dropped)
        and len(np.unique(dropped)) == len(dropped)
        and not np.isin(dropped, kept).any()
        and (len(kept) == 0 or (kept.min() >= 0 and kept.max() < n_in))
    )
    if not ok:
        raise CleaningError(
            f"internal error: {n_in} rows in but {len(kept)} out and {len(dropped)} logged as dropped; "
            "the cleaning log is incomplete -- please report this with the data's shape"
        )

"""Value-level steps: don't-know -> missing, labels -> numbers, range checks, reverse keys."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CleaningError
from ..instruments import DONT_KNOW, Instrument, label_map, normalise_label
from ..io.spellings import EXCEL_ERRORS, MISSING_SPELLINGS, excel_error_code, spelling_kind
from ..options import check_option
from ._base import (
    _codes_text,
    _column_log,
    _concat_logs,
    _dk_keys,
    _factorize,
    _is_numeric,
    _languages,
    _missing_log,
    _number,
    _numeric_or_fail,
    _specs,
    _where,
)

_ERROR_KEYS = sorted({code.lower() for code in EXCEL_ERRORS})
_MISSING_KEYS = sorted({text.lower() for text in MISSING_SPELLINGS} | {""})
_KEYS = _ERROR_KEYS + _MISSING_KEYS  # one lookup table: key -> kind
_KINDS = np.array([1] * len(_ERROR_KEYS) + [2] * len(_MISSING_KEYS), dtype=np.int8)
_FIRST = (  # how a spelling can start, after spaces: a cheap filter before folding the text
    r"^\s*(?:["
    + "".join(sorted({re.escape(c) for k in _KEYS if k for c in (k[0], k[0].upper())}))
    + r"]|$)"
)


_SPELLED = "missing by spelling: text that means no value, set to missing"


def _error_reason(text: str) -> str:
    """``"Excel error #DIV/0! (division by zero) set to missing"``."""
    code = excel_error_code(text)
    return f"Excel error {code} ({EXCEL_ERRORS[code]}) set to missing"


def _spelling_codes(s: pd.Series) -> np.ndarray:
    """Per value: 0 an answer (or missing), 1 an Excel error, 2 a missing spelling, 3 empty text.

    Vectorised (pyarrow's string kernels on text columns, ``.str`` methods on object
    columns) so that an id column of a million distinct values costs milliseconds;
    non-text values are never either kind.
    """
    out = np.zeros(len(s), dtype=np.int8)
    if s.dtype != object and pd.api.types.is_string_dtype(s.dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        # only values that start like a spelling (or are blank) are folded and looked up
        maybe = pc.fill_null(pc.match_substring_regex(arr, _FIRST), False)
        pos = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
        if not len(pos):
            return out
        some = arr.take(pa.array(pos))
        folded = pc.utf8_lower(pc.utf8_trim_whitespace(some))
        idx = pc.index_in(folded, value_set=pa.array(_KEYS))
        idx = pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)
        hit = idx >= 0
        out[pos[hit]] = _KINDS[idx[hit]]
        empty = pc.fill_null(pc.equal(pc.utf8_length(some), 0), False)
        out[pos[empty.to_numpy(zero_copy_only=False)]] = 3
        return out
    try:
        folded = s.str.strip().str.lower()
    except AttributeError:  # no text at all (an object column of numbers)
        return out
    out[folded.isin(_ERROR_KEYS).to_numpy(dtype=bool, na_value=False)] = 1
    out[(folded.isin(_MISSING_KEYS) | folded.eq("")).to_numpy(dtype=bool, na_value=False)] = 2
    out[s.str.len().eq(0).to_numpy(dtype=bool, na_value=False)] = 3
    return out


__all__ = [
    "spelled_to_missing",
    "numbers_to_float",
    "dont_know_to_missing",
    "recode_labels",
    "check_range",
    "reverse_code",
]


def spelled_to_missing(
    data: pd.DataFrame, columns, *, id_col: str | None = "respondent_id"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set Excel error values and spelled-out missing values to missing, logging each one.

    Parameters
    ----------
    data : DataFrame
        Raw data (e.g. ``read_export(...).data``).
    columns : list of str or Instrument
        The columns to look at (items and meta columns such as ``period``); with an
        Instrument, its items present in ``data``. Absent columns are ignored.
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with those cells missing (categorical columns keep their type).
    log : DataFrame
        One row per value set missing: rule ``excel_error`` (reason: the error's
        meaning, e.g. "Excel error #DIV/0! (division by zero)") or
        ``missing_spelling`` (reason: "missing by spelling").

    Notes
    -----
    What counts as either is listed in :mod:`satisfaction.io.spellings`. An empty
    cell is a skipped answer: nothing changes, so nothing is logged (:func:`clean`
    counts skips per item as ``skipped``); an empty string (``""``, as
    ``pandas.read_csv(keep_default_na=False)`` reads an empty cell) is an empty
    cell too and is set missing without a log row. A spelled missing value or an
    Excel error is not a skip: it is logged here and counted under its own rule.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lq1": ["4", "#DIV/0!", "NA", None], "period": ["2026-01", "#N/A", "", "-"]})
    >>> out, log = spelled_to_missing(d, ["lq1", "period"], id_col=None)
    >>> out["lq1"].tolist(), out["period"].tolist()
    (['4', nan, nan, nan], ['2026-01', nan, nan, nan])
    >>> log[["row", "column", "old", "rule"]]
       row  column      old              rule
    0    1     lq1  #DIV/0!       excel_error
    1    2     lq1       NA  missing_spelling
    2    1  period     #N/A       excel_error
    3    3  period        -  missing_spelling
    """
    if isinstance(columns, Instrument):
        columns = [i.id for i in columns.items]
    elif isinstance(columns, str):
        columns = [columns]
    out = data.copy(deep=False)
    logs = []
    for col in dict.fromkeys(c for c in columns if c in data.columns):
        s = data[col]
        if _is_numeric(s) or not (
            s.dtype == object
            or pd.api.types.is_string_dtype(s.dtype)
            or isinstance(s.dtype, pd.CategoricalDtype)
        ):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):  # classify the categories, then the rows
            cats = s.cat.categories
            per_cat = _spelling_codes(pd.Series(cats, dtype=object))
            if not per_cat.any():
                continue
            codes = s.cat.codes.to_numpy()
            kind = np.where(codes >= 0, per_cat[np.maximum(codes, 0)], 0)
            out[col] = s.cat.remove_categories(list(cats[per_cat > 0]))
        else:
            kind = _spelling_codes(s)
            if not kind.any():
                continue
            out[col] = s.mask(kind > 0)
        for code, rule in ((1, "excel_error"), (2, "missing_spelling")):
            pos = np.flatnonzero(kind == code)
            if not len(pos):
                continue
            old = np.array([str(v) for v in s.iloc[pos]], dtype=object)
            if rule == "excel_error":
                reason = np.array([_error_reason(v) for v in old], dtype=object)
            else:
                reason = _SPELLED
            logs.append(_missing_log(data, pos, col, old, rule, reason, id_col=id_col))
    return out, _concat_logs(logs)


_NOT_A_NUMBER = "not a number: {what} must be a number, e.g. 245 or 245.5; set to missing"


def numbers_to_float(
    data: pd.DataFrame,
    column: str,
    *,
    what: str = "the value",
    id_col: str | None = "respondent_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a numeric meta column (e.g. the completion time) as numbers, logging what is not one.

    A decimal comma (``"245,5"``) is read as a decimal point. Text that is not a number
    (``"4 min"``, ``"abc"``) is set to missing and logged (rule ``not_a_number``); an
    empty cell stays missing without a log row, as a skip. Run :func:`spelled_to_missing`
    first: Excel errors and spelled missing values are logged there under their own rules.

    Parameters
    ----------
    data : DataFrame
        Raw data; absent ``column`` returns it unchanged.
    column : str
        The column to read as numbers.
    what : str
        How the log's reason names the column ("the completion time in seconds").
    id_col : str, optional
        The respondent column named in the log.

    Returns
    -------
    data : DataFrame
        A copy with ``column`` as float.
    log : DataFrame
        One row per value set missing.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"duration_s": ["245", "12,5", "4 min", None]})
    >>> out, log = numbers_to_float(d, "duration_s", id_col=None)
    >>> out["duration_s"].tolist()
    [245.0, 12.5, nan, nan]
    >>> log[["row", "old", "rule", "action"]]
       row    old          rule       action
    0    2  4 min  not_a_number  set_missing
    """
    if column not in data.columns:
        return data, _concat_logs([])
    s = data[column]
    out = data.copy(deep=False)
    if _is_numeric(s):
        out[column] = s.astype(float)
        return out, _concat_logs([])
    text = s.astype(object)
    values = pd.to_numeric(text, errors="coerce")
    blank = text.isna() | text.map(lambda v: isinstance(v, str) and not v.strip())
    comma = values.isna() & ~blank
    if comma.any():
        values[comma] = pd.to_numeric(
            text[comma].astype(str).str.strip().str.replace(",", ".", regex=False),
            errors="coerce",
        )
    bad = np.flatnonzero((values.isna() & ~blank).to_numpy())
    out[column] = values.astype(float)
    if not len(bad):
        return out, _concat_logs([])
    old = np.array([str(v) for v in s.iloc[bad]], dtype=object)
    reason = _NOT_A_NUMBER.format(what=what)
    return out, _concat_logs(
        [_missing_log(data, bad, column, old, "not_a_number", reason, id_col=id_col)]
    )


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
    languages = _languages(languages, "dont_know_to_missing")
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
                    (
                        not isinstance(c, (int, float, np.number))
                        and normalise_label(c) in keys
                        and spelling_kind(c) is None  # "N/A" is a missing spelling
                    )
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
            old = _codes_text(cats, codes_[pos])
        logs.append(
            _missing_log(
                data, pos, col, old, "dont_know", "don't-know answer set to missing", id_col=id_col
            )
        )
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
        A label that is neither a Likert label, a don't-know, an Excel error, a
        missing spelling (see :func:`spelled_to_missing`) nor a number: raise a
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
        unknown labels set missing (``unknown_label``), labels mapped to missing
        (``mapping``), Excel errors (``excel_error``) and missing spellings
        (``missing_spelling``).

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
    satisfaction.errors.CleaningError: index 1: unknown answer labels in 1 column: column 'ex1' has 'Kyllä' (2); ...
    >>> out, log = recode_labels(d, ["ex1"], unknown_labels="missing", id_col=None)
    >>> out["ex1"].tolist(), log["rule"].tolist()
    ([4.0, nan, nan], ['unknown_label', 'unknown_label'])
    """
    unknown_labels = check_option(
        unknown_labels, ("error", "missing"), "unknown_labels", "recode_labels"
    )
    languages = _languages(languages, "recode_labels")
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
        # 0 value, 1 dont_know, 2 unknown, 3 mapped missing, 4 Excel error, 5 missing spelling
        kind = np.zeros(n, dtype=np.int8)
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
            spelled = spelling_kind(c)
            if spelled is not None:
                kind[j] = 4 if spelled == "excel_error" else 5
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
            labels = [
                (str(cats[j]), int(counts[j])) for j in np.flatnonzero(kind == 2) if counts[j]
            ]
            if labels:
                first = int(np.flatnonzero(code_kind == 2)[0])
                unknown.append((col, sorted(labels, key=lambda t: -t[1]), first))
        pending.append((col, code_kind, codes, cats))
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
            f"{_where(data, row0)}{who}: unknown answer labels in {len(unknown)} "
            f"column{'s' if len(unknown) > 1 else ''}: {'; '.join(parts)}; the first of them "
            "is in this row; pass unknown_labels='missing' to set "
            "them missing (logged) or mapping={'<label>': <value>} to recode them"
        )
    for col, code_kind, codes, cats in pending:
        for k, rule, reason in (
            (1, "dont_know", "don't-know answer set to missing"),
            (2, "unknown_label", "unknown answer label set to missing"),
            (3, "mapping", "label mapped to missing by the user's mapping"),
            (4, "excel_error", None),
            (5, "missing_spelling", _SPELLED),
        ):
            pos = np.flatnonzero(code_kind == k)
            if len(pos):
                old = _codes_text(cats, codes[pos])
                if reason is None:
                    reason = np.array([_error_reason(str(v)) for v in old], dtype=object)
                logs.append(_missing_log(data, pos, col, old, rule, reason, id_col=id_col))
    return out, _concat_logs(logs)


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
        logs.append(
            _missing_log(
                data,
                pos,
                col,
                old,
                "out_of_range",
                f"outside the scale {low}-{high} or not a scale point",
                id_col=id_col,
            )
        )
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
        logs.append(
            _column_log(
                col,
                f"{n} values",
                f"{low} + {high} - value",
                "reverse_code",
                "reverse-keyed item reversed (logged once per column)",
            )
        )
    return out, _concat_logs(logs)

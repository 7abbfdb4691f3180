"""Small-group suppression of aggregate tables (primary and complementary), and their margins."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError
from ._suppressor import _Entry, _Equation, _Suppressor

__all__ = ["suppress", "margins"]


def _group_label(by: list[str], key: tuple) -> str:
    return ", ".join(f"{b}={v}" for b, v in zip(by, key, strict=True))


def _check_counts(table: pd.DataFrame, count_col: str, where: str) -> np.ndarray:
    if count_col not in table.columns:
        raise InputError(
            f"{where} has no count column {count_col!r}; name it with count_col=... "
            "(the number of people each row describes)"
        )
    raw = table[count_col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | (values < 0) | (values % 1 != 0)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}, row {pos}, column {count_col!r}: {raw.iloc[pos]!r} is not a count; "
            "counts must be whole numbers >= 0 without missing values"
        )
    return values.to_numpy(dtype=np.int64)


def _resolve_by(table: pd.DataFrame, by: str | Sequence[str] | None, count_col: str) -> list[str]:
    if by is None:
        by = [
            c
            for c in table.columns
            if c != count_col
            and c not in ("suppressed", "suppression_reason")
            and not pd.api.types.is_numeric_dtype(table[c])
        ]
        if not by:
            raise InputError(
                "suppress() cannot tell the grouping columns; name them with by='unit' "
                "or by=['division', 'unit']"
            )
    by = [by] if isinstance(by, str) else list(by)
    if not 1 <= len(by) <= 2:
        raise InputError(
            f"suppress() handles one or two grouping levels, got by={by}; "
            "aggregate to at most two levels first"
        )
    for b in by:
        if b not in table.columns:
            raise InputError(
                f"grouping column {b!r} is not in the table; use one of {list(table.columns)}"
            )
    dup = table.duplicated(subset=by)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"table row {pos} repeats the group {_group_label(by, tuple(table.iloc[pos][by]))}; "
            "aggregate to one row per group before suppressing"
        )
    return by


def _margin_levels(total: Any, by: list[str]) -> tuple[list[str], int | None, bool]:
    """(levels whose subtotals are published, explicit grand total, grand total published)."""
    if total is False:
        return [], None, False
    if total is None or total is True:
        return (list(by) if len(by) == 2 else []), None, True
    if isinstance(total, (int, np.integer)) and not isinstance(total, bool):
        if len(by) != 1:
            raise InputError(
                "a numeric total= is only meaningful for one grouping level; for two levels use "
                "total=True (all margins shown), a list of levels, or False"
            )
        return [], int(total), True
    levels = [total] if isinstance(total, str) else list(total)
    for lev in levels:
        if lev not in by or len(by) != 2:
            raise InputError(
                f"total={total!r} names {lev!r}, which is not one of the two grouping levels {by}; "
                "use total=True, False, a number, or a list of levels whose subtotals are shown"
            )
    return levels, None, True


def _previous_shown(
    previous: pd.DataFrame, by: list[str], count_col: str, k: int
) -> dict[tuple, int]:
    if not isinstance(previous, pd.DataFrame):
        raise InputError(
            f"previous= must be the previous period's table (a DataFrame), got {type(previous).__name__}"
        )
    missing = [b for b in by if b not in previous.columns]
    if missing:
        raise InputError(
            f"the previous period's table has no grouping column {missing[0]!r}; "
            "give it the same grouping columns as the current table"
        )
    if "suppressed" in previous.columns:
        shown = previous[~previous["suppressed"].astype(bool)]
        counts = _check_counts(shown, count_col, "the previous period's table")
    else:  # raw: assume every cell of at least k people was shown (the safe assumption)
        counts_all = _check_counts(previous, count_col, "the previous period's table")
        keep = (counts_all == 0) | (counts_all >= k)
        shown = previous[keep]
        counts = counts_all[keep]
    keys = [tuple(r) for r in shown[by].itertuples(index=False, name=None)]
    return dict(zip(keys, counts.tolist(), strict=True))


def suppress(
    table: pd.DataFrame,
    count_col: str = "n",
    by: str | Sequence[str] | None = None,
    min_group_size: int = config.MIN_GROUP_SIZE,
    total: bool | int | str | Sequence[str] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Blank every cell about fewer than ``min_group_size`` people, and enough others to protect them.

    Parameters
    ----------
    table : DataFrame
        One row per group (one grouping level, e.g. ``unit``) or per pair of
        groups (two levels, e.g. ``division`` x ``unit``), with a count column
        and any value columns (means, percentages ...) describing the group.
    count_col : str
        The column holding the number of people each row describes (default ``"n"``).
    by : str or list of str, optional
        The grouping column(s); by default every non-numeric column except
        ``count_col``.
    min_group_size : int
        The anonymity threshold (default :data:`satisfaction.config.MIN_GROUP_SIZE`, 5).
    total : bool, int, str or list of str, optional
        Which totals the reader can see. ``None`` or ``True`` (default): the
        grand total, and with two levels also every row and column subtotal
        (margins). ``False``: no totals are shown anywhere. A number (one level
        only): the published total when it is larger than the table's sum (the
        remainder is a group not in the table). A level name or list of level
        names (two levels): only the subtotals per value of those levels, plus
        the grand total.
    previous : DataFrame, optional
        The previous period's table for the same groups, either as published by
        this function (with its ``suppressed`` column) or raw (then every cell of
        at least ``min_group_size`` people is taken as shown, the safe
        assumption since it compares the most cells). A group shown
        in both periods whose count changed by 1 to ``min_group_size - 1`` is
        suppressed now, since the change would describe that few joiners or leavers.

    Returns
    -------
    DataFrame
        A copy of ``table`` (same rows and order) with every column other than
        the grouping columns blanked in suppressed rows (the count column becomes
        a nullable integer with ``<NA>``), and two added columns: ``suppressed``
        (bool) and ``suppression_reason`` (``""`` for shown rows, else e.g.
        ``"primary: n < 5"``, ``"previous: n changed by 3 since the previous
        period"`` or ``"complementary: protects unit=B"``). :func:`margins` (``out``)
        gives the margins (``level, group, n, suppressed, suppression_reason``)
        so that report code shows only the margins not suppressed.

    Raises
    ------
    InputError
        Missing or non-count values in the count column, repeated groups, more
        than two levels, or a ``total`` smaller than the table's sum.

    Notes
    -----
    The table is seen as a system of published linear equations: every shown
    margin equals the sum of its cells (one equation for a single level with a
    total; for two levels one per row, one per column and the grand total). The
    algorithm is the classic row/column ("hypercube") heuristic, made safe by a
    linear audit after each step:

    1. *Primary*: a cell (or margin) with ``0 < n < min_group_size`` is suppressed;
       so is a cell whose change since ``previous`` is ``0 < |n - n_prev| <
       min_group_size``. These are *sensitive*. Empty cells (``n = 0``) describe
       nobody and stay shown.
    2. *Audit*: with the suppressed counts as unknowns, a suppressed value is
       *determined* when its unit vector lies in the row space of the equations
       (checked with an SVD projector). A determined sensitive value is a leak.
    3. For each equation whose margin is known, the hidden (suppressed and not
       determined) cells must be zero or at least two cells, and sum to 0 or to at
       least ``min_group_size`` people; otherwise the subtraction "margin minus
       shown cells" would reveal fewer people than the threshold.
    4. Every subset of the hidden cells is also checked: a subset sum that lies
       in the row space (derivable by any combination of equations) must be 0 or
       at least ``min_group_size``. With more than 16 hidden cells this runs on
       each connected component (cells sharing a row or column) of at most 16
       cells, so sums mixing components through the grand total are not enumerated.
    5. On a violation, one more cell is suppressed in an equation involved: the
       smallest non-empty shown cell that alone lifts the hidden sum to the
       threshold, preferring a cell whose other line already has a suppression
       (so as not to start a new one); if no shown cell is left in those lines,
       the margin itself is suppressed. Steps 2-5 repeat until no violation is
       left; each round suppresses one more entry, so it stops.

    The result is correct rather than minimal: it may suppress more than an
    optimal (integer-programming) method would. Exact disclosure with the
    nonnegativity of counts is not audited (only linear derivability), and step
    4 is partial for large tables (see there; steps 2-3 always apply). Totals are not
    compared across periods; only cells shown in both periods are.

    Examples
    --------
    Respondents per unit in one month of the sample organisation:

    >>> import satisfaction as sat
    >>> pulse = sat.load_sample().pulse
    >>> month = pulse[pulse["period"] == pulse["period"].min()]
    >>> table = month.groupby("unit", as_index=False).agg(n=("ex1", "size"), ex1=("ex1", "mean"))
    >>> out = suppress(table, by="unit")
    >>> bool((out.loc[~out["suppressed"], "n"] >= 5).all()), sat.guard(out) is out
    (True, True)

    Two levels with row and column margins shown:

    >>> t = pd.DataFrame({"division": ["D1", "D1", "D2", "D2"], "period": ["Q1", "Q2"] * 2,
    ...                   "n": [3, 30, 20, 25]})
    >>> suppress(t, by=["division", "period"])[["division", "period", "n", "suppressed"]]
      division period     n  suppressed
    0       D1     Q1  <NA>        True
    1       D1     Q2  <NA>        True
    2       D2     Q1  <NA>        True
    3       D2     Q2  <NA>        True

    A group that lost 2 people since the previous period is hidden, with a partner:

    >>> now = pd.DataFrame({"unit": ["A", "B", "C"], "n": [18, 40, 30]})
    >>> before = pd.DataFrame({"unit": ["A", "B", "C"], "n": [20, 40, 30]})
    >>> suppress(now, by="unit", previous=before)["suppression_reason"].tolist()
    ['previous: n changed by 2 since the previous period', '', 'complementary: protects unit=A']
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"suppress() needs a DataFrame, got {type(table).__name__}")
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise InputError(f"min_group_size must be a whole number >= 1, got {min_group_size!r}")
    k = int(min_group_size)
    base = table.drop(columns=["suppressed", "suppression_reason"], errors="ignore")
    by = _resolve_by(base, by, count_col)
    counts = _check_counts(base, count_col, "the table")
    levels, explicit_total, grand_shown = _margin_levels(total, by)
    keys = [tuple(r) for r in base[by].itertuples(index=False, name=None)]

    entries: list[_Entry] = [
        _Entry("cell", _group_label(by, key), int(v), row=r)
        for r, (key, v) in enumerate(zip(keys, counts, strict=True))
    ]
    n_cells = len(entries)
    equations: list[_Equation] = []
    margin_rows: list[tuple[str, Hashable, int]] = []  # (level, group, entry index)

    if grand_shown:
        members = list(range(n_cells))
        if explicit_total is not None:
            rest = explicit_total - int(counts.sum())
            if rest < 0:
                raise InputError(
                    f"total={explicit_total} is smaller than the sum of {count_col!r} "
                    f"({int(counts.sum())}); pass the published total or total=True"
                )
            entries.append(_Entry("hidden", "the groups outside the table", rest, suppressed=True))
            members.append(len(entries) - 1)
        entries.append(_Entry("margin", "total", sum(entries[m].value for m in members)))
        equations.append(_Equation(len(entries) - 1, members))
        margin_rows.append(("total", "total", len(entries) - 1))
    for lev in levels:
        li = by.index(lev)
        groups: dict[Hashable, list[int]] = {}
        for r, key in enumerate(keys):
            groups.setdefault(key[li], []).append(r)
        for g, members in groups.items():
            entries.append(
                _Entry("margin", f"{lev}={g} total", int(sum(counts[m] for m in members)))
            )
            equations.append(_Equation(len(entries) - 1, members))
            margin_rows.append((lev, g, len(entries) - 1))

    for x in entries:
        if x.kind != "margin" and 0 < x.value < k:
            x.sensitive = True
            if x.kind == "cell":
                x.suppressed, x.reason = True, f"primary: n < {k}"
        elif x.kind == "margin" and 0 < x.value < k:
            x.suppressed, x.sensitive, x.reason = True, True, f"primary: n < {k}"
    if previous is not None:
        before = _previous_shown(previous, by, count_col, k)
        for key, x in zip(keys, entries[:n_cells], strict=True):
            if x.suppressed or key not in before:
                continue
            change = abs(x.value - before[key])
            if 0 < change < k:
                x.suppressed, x.sensitive = True, True
                x.reason = f"previous: n changed by {change} since the previous period"

    _Suppressor(entries, equations, k).run()

    mask = np.array([x.suppressed for x in entries[:n_cells]], dtype=bool)
    out = base.copy()
    value_cols = [c for c in out.columns if c not in by]
    out[count_col] = pd.array(counts, dtype="Int64")
    for c in value_cols:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):
            col = col.astype("boolean" if pd.api.types.is_bool_dtype(col) else "Int64")
        elif not pd.api.types.is_numeric_dtype(col):
            col = col.astype(object)
        out[c] = col.mask(mask)
    out["suppressed"] = mask
    out["suppression_reason"] = [x.reason for x in entries[:n_cells]]
    # plain records, not a frame: pandas compares attrs with == when frames are merged
    # or concatenated, and a frame there makes every later merge fail
    out.attrs["margins"] = [
        {
            "level": lev,
            "group": g,
            count_col: entries[i].value if not entries[i].suppressed else None,
            "suppressed": entries[i].suppressed,
            "suppression_reason": entries[i].reason,
        }
        for lev, g, i in margin_rows
    ]
    out.attrs["count_col"] = count_col
    return out


def margins(table: pd.DataFrame) -> pd.DataFrame:
    """The margins (totals, subtotals) of a table made by :func:`suppress`, with their suppression.

    Returns
    -------
    DataFrame
        ``level, group, <count_col>, suppressed, suppression_reason``: show only
        the rows with ``suppressed == False``.

    Examples
    --------
    >>> t = suppress(pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]}), by="unit")
    >>> margins(t)[["level", "n", "suppressed"]]
       level     n  suppressed
    0  total  55       False
    """
    if "margins" not in table.attrs:
        raise InputError(
            "margins(): the table was not made by suppress(); pass suppress()'s output"
        )
    count_col = table.attrs.get("count_col", "n")
    columns = ["level", "group", count_col, "suppressed", "suppression_reason"]
    return pd.DataFrame(table.attrs["margins"], columns=columns)

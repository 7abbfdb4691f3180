"""Small-group suppression of aggregate tables (primary and complementary), and their margins."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError
from ..options import check_option
from ._suppressor import REASONS, _Entry, _Equation, _Previous, _Suppressor

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
        check_option(b, [c for c in table.columns if c != count_col], "by", "suppress", case=True)
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
    if len(by) != 2:
        raise InputError(
            f"total={total!r} names a level, which only a two-level table has; "
            "use total=True, False or a number"
        )
    for lev in levels:
        check_option(lev, by, "total", "suppress", case=True)
    return levels, None, True


def _cell_keys(frame: pd.DataFrame, by: list[str]) -> list[tuple]:
    return [("cell", *r) for r in frame[by].itertuples(index=False, name=None)]


def _margin_members(level: str, group: Hashable, keys: list[tuple], by: list[str]) -> list[tuple]:
    if level == "total":
        return list(keys)
    li = by.index(level) + 1
    return [key for key in keys if key[li] == group]


def _previous_view(
    previous: pd.DataFrame,
    by: list[str],
    count_col: str,
    k: int,
    levels: list[str],
    grand_shown: bool,
    total: Any,
) -> _Previous:
    """The previous period as its reader saw it (see ``previous`` in :func:`suppress`)."""
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
    keys = _cell_keys(previous, by)
    if len(set(keys)) != len(keys):
        raise InputError(
            "the previous period's table repeats a group; aggregate it to one row per group"
        )
    known: dict[tuple, int] = {}
    hidden: list[tuple] = []
    truth: dict[tuple, int] = {}
    equations: list[tuple[tuple, list[tuple]]] = []
    if "suppressed" not in previous.columns:  # raw: what suppress() would have published
        raw = _check_counts(previous, count_col, "the previous period's table")
        truth = dict(zip(keys, raw.tolist(), strict=True))
        same = (
            True if isinstance(total, (int, np.integer)) and not isinstance(total, bool) else total
        )
        previous = suppress(previous, count_col=count_col, by=by, min_group_size=k, total=same)
    shown = ~previous["suppressed"].astype(bool).to_numpy()
    counts = _check_counts(previous[shown], count_col, "the previous period's table")
    known.update(
        zip([kk for kk, s in zip(keys, shown, strict=True) if s], counts.tolist(), strict=True)
    )
    hidden += [kk for kk, s in zip(keys, shown, strict=True) if not s]
    records = previous.attrs.get("margins")
    if records is None:
        if hidden:
            raise InputError(
                "the previous period's table has hidden cells but no margins (suppress() keeps "
                "them in DataFrame.attrs, which some file formats drop); pass the table as "
                "returned by suppress(), or the raw previous table"
            )
        records = [
            {"level": lev, "group": g, count_col: None, "suppressed": False}
            for lev, g in [("total", "total")] * grand_shown
            + [(lev, g) for lev in levels for g in previous[lev].unique()]
        ]
    rest = ("rest",)
    if previous.attrs.get("groups_outside"):
        hidden.append(rest)
    for rec in records:
        lev, g = rec["level"], rec["group"]
        members = _margin_members(lev, g, keys, by)
        if lev == "total" and previous.attrs.get("groups_outside"):
            members = [*members, rest]
        mkey = ("margin", lev, g)
        if rec["suppressed"]:
            hidden.append(mkey)
        elif rec.get(count_col) is not None:
            known[mkey] = int(rec[count_col])
        else:
            known[mkey] = int(sum(known[m] for m in members))
        equations.append((mkey, members))
    return _Previous(known=known, hidden=hidden, equations=equations, truth=truth)


def suppress(
    table: pd.DataFrame,
    count_col: str = "n",
    by: str | Sequence[str] | None = None,
    min_group_size: int = config.MIN_GROUP_SIZE,
    total: bool | int | str | Sequence[str] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Blank every cell about fewer than ``min_group_size`` people, and enough others that no arithmetic undoes it.

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
        The anonymity threshold ``k`` (default :data:`satisfaction.config.MIN_GROUP_SIZE`, 5).
    total : bool, int, str or list of str, optional
        Which totals the reader can see. ``None`` or ``True`` (default): the
        grand total, and with two levels also every row and column subtotal
        (margins). ``False``: no totals are shown anywhere. A number (one level
        only): the published total when it is larger than the table's sum (the
        remainder is a group not in the table). A level name or list of level
        names (two levels): only the subtotals per value of those levels, plus
        the grand total.
    previous : DataFrame, optional
        The previous period's table for the same groups, either as returned by
        this function (with its ``suppressed`` column and its margins, kept in
        ``DataFrame.attrs``) or raw. A raw table is read as the strongest reader
        would have seen it: every cell of 0 or at least ``k`` people and every
        total shown.

    Returns
    -------
    DataFrame
        A copy of ``table`` (same rows and order) with every column other than
        the grouping columns blanked in hidden rows (the count column becomes a
        nullable integer with ``<NA>``), and two added columns:

        * ``suppressed`` (bool): the row must not be shown;
        * ``suppression_reason`` (str): ``""`` for shown rows, else
          ``"below 5"`` (the group has fewer than ``k`` people),
          ``"protects a change since the previous period"`` (its count moved by
          fewer than ``k`` people since ``previous``) or ``"protects another
          cell"`` (hidden so that arithmetic cannot recover the others). No
          reason states a size.

        :func:`margins` (``out``) gives the totals and subtotals (``level, group,
        <count_col>, suppressed, suppression_reason``) so that report code shows
        only the margins that are not suppressed.

    Raises
    ------
    InputError
        Missing or non-count values in the count column, repeated groups, more
        than two levels, or a ``total`` smaller than the table's sum.
    OptionError
        ``count_col``, ``by`` or a level named in ``total`` is not a column.

    Notes
    -----
    **What the reader is assumed to know.** Every shown cell and margin of this
    table and of the previous period's table; that counts are whole numbers
    >= 0; the reasons, and the rules that produced them: empty cells are never
    hidden, so a cell hidden as "below k" holds 1 to k - 1 people, every other
    hidden cell or margin holds at least k, one hidden to protect a change lies
    within k - 1 of its previous count, and one hidden as a partner that was
    shown last period has changed by 0 or by at least k (the reader is even
    granted which of these). With these facts a reader can solve for the hidden
    counts: every count lies in an interval given by a linear programme. (That a
    count hidden for its change is not exactly its previous count is not used:
    it removes that one value, and the reason says so anyway.)

    **The guarantee.** For every hidden group of 1 to k - 1 people (a cell, a
    margin, or the remainder outside the table), the published figures still
    allow every count from 1 to k - 1: its interval contains ``[1, k - 1]``
    (or, where even hiding every other figure could not leave that much, e.g.
    two cells and their total all below k, all that hiding everything would).
    For every cell or margin shown last period whose count has changed by 1 to
    k - 1 people, the count is hidden now and its interval contains every count
    within k - 1 of the previous one that is not below k (with the same
    exception: a unit of 3 that appears beside an unchanged unit of 40 tells
    that the total grew, whatever is hidden). So a calculator
    tells the reader nothing about a small group or a small movement beyond
    what the reason already says ("fewer than k", "changed by fewer than k").
    The margin equations form a network matrix, so the interval's ends are
    reached by whole-number tables: reasoning in integers gains nothing over
    reals. No shown cell or margin describes 1 to k - 1 people, and none shown
    in both periods differs by 1 to k - 1. Finally, no set of hidden cells
    whose combined count can be derived in both periods has changed, in total,
    by 1 to k - 1 people.

    **The method.** The cells and margins below k and the small changes are
    hidden first. Each of them is then audited with
    :func:`scipy.optimize.linprog` (minimum and maximum of its count subject to
    the published equations and the bounds above); while its interval is too
    narrow, one more entry is hidden in a line that pins it: a line with a single
    hidden entry first, then a cell with enough room to move (preferring the
    smallest such cell and one whose other line already has a hidden entry),
    else the line's margin; when everything in its lines is hidden, the interval
    is what hiding everything leaves. Hiding only widens intervals, so a
    protected entry stays protected and the loop ends. The movements of sets of hidden cells
    are then checked by enumerating the sets: all of them when at most 14 cells
    are hidden, else per line (every subset of a line's hidden cells when they
    are at most 14, else all of them together); sets mixing lines of a larger
    table are not enumerated. The result is sound under the rule above,
    not minimal: an optimal (integer-programming) method may hide fewer cells.

    The rule protects counts. A value column (a mean) of a hidden row is blanked
    too; publishing other statistics of the same people (e.g. an organisation-wide
    mean beside shown unit means) needs the same care as the counts.

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

    A unit of 3 beside others. D (6 people) is its partner: the reader knows
    that B + D = 9 and that D, hidden as a partner, holds at least 5, which still
    leaves B anywhere from 1 to 4:

    >>> t = pd.DataFrame({"unit": ["A", "B", "C", "D"], "n": [40, 3, 12, 6]})
    >>> suppress(t, by="unit")[["unit", "n", "suppression_reason"]]
      unit     n     suppression_reason
    0    A    40
    1    B  <NA>                below 5
    2    C    12
    3    D  <NA>  protects another cell

    A unit that lost 2 people since the previous period is hidden; so is the
    total, which moved by the same 2 people (the other units are unchanged):

    >>> now = pd.DataFrame({"unit": ["A", "B", "C"], "n": [18, 40, 30]})
    >>> before = pd.DataFrame({"unit": ["A", "B", "C"], "n": [20, 40, 30]})
    >>> out = suppress(now, by="unit", previous=before)
    >>> out["suppression_reason"].tolist()
    ['protects a change since the previous period', '', '']
    >>> margins(out)[["level", "n", "suppressed", "suppression_reason"]]
       level     n  suppressed                           suppression_reason
    0  total  <NA>        True  protects a change since the previous period
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"suppress() needs a DataFrame, got {type(table).__name__}")
    if (
        not isinstance(min_group_size, (int, np.integer))
        or isinstance(min_group_size, bool)
        or min_group_size < 1
    ):
        raise InputError(f"min_group_size must be a whole number >= 1, got {min_group_size!r}")
    k = int(min_group_size)
    base = table.drop(columns=["suppressed", "suppression_reason"], errors="ignore")
    check_option(count_col, list(base.columns), "count_col", "suppress", case=True)
    by = _resolve_by(base, by, count_col)
    counts = _check_counts(base, count_col, "the table")
    levels, explicit_total, grand_shown = _margin_levels(total, by)
    keys = _cell_keys(base, by)

    entries: list[_Entry] = [
        _Entry("cell", _group_label(by, key[1:]), int(v), key=key)
        for key, v in zip(keys, counts, strict=True)
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
            entries.append(
                _Entry("rest", "the groups outside the table", rest, key=("rest",), suppressed=True)
            )
            entries[-1].role = "rest"
            members.append(len(entries) - 1)
        value = sum(entries[m].value for m in members)
        entries.append(_Entry("margin", "the total", value, key=("margin", "total", "total")))
        equations.append(_Equation(len(entries) - 1, members))
        margin_rows.append(("total", "total", len(entries) - 1))
    for lev in levels:
        li = by.index(lev)
        groups: dict[Hashable, list[int]] = {}
        for r, key in enumerate(keys):
            groups.setdefault(key[li + 1], []).append(r)
        for g, members in groups.items():
            value = int(sum(counts[m] for m in members))
            entries.append(_Entry("margin", f"the {lev}={g} total", value, key=("margin", lev, g)))
            equations.append(_Equation(len(entries) - 1, members))
            margin_rows.append((lev, g, len(entries) - 1))

    prev = None
    if previous is not None:
        prev = _previous_view(previous, by, count_col, k, levels, grand_shown, total)
        for x in entries:
            x.prev = prev.known.get(x.key) if x.kind != "rest" else None
    for x in entries:
        if x.kind == "rest":
            continue
        if 0 < x.value < k:
            x.suppressed, x.role = True, "small"
        elif x.prev is not None and 0 < abs(x.value - x.prev) < k and x.value >= k:
            x.suppressed, x.role = True, "change"

    _Suppressor(entries, equations, k, prev).run()

    def reason(x: _Entry) -> str:
        return REASONS[x.role].format(k=k) if x.suppressed else ""

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
    out["suppression_reason"] = [reason(x) for x in entries[:n_cells]]
    # plain records, not a frame: pandas compares attrs with == when frames are merged
    # or concatenated, and a frame there makes every later merge fail
    out.attrs["margins"] = [
        {
            "level": lev,
            "group": g,
            count_col: entries[i].value if not entries[i].suppressed else None,
            "suppressed": entries[i].suppressed,
            "suppression_reason": reason(entries[i]),
        }
        for lev, g, i in margin_rows
    ]
    out.attrs["count_col"] = count_col
    out.attrs["groups_outside"] = explicit_total is not None
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
    records = table.attrs["margins"]
    out = pd.DataFrame(records, columns=columns)
    out[count_col] = pd.array([r[count_col] for r in records], dtype="Int64")
    return out

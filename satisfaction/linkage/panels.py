"""Unit x period aggregation: from respondent scores to the tables that reports and linkage use.

Only the aggregation that reports need lives here so far: counts and means per
group, and months to quarters. Agreement indices (ICC1, ICC2, rwg) and lagged
linking come with the linkage issue.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import InputError

__all__ = ["to_quarter", "aggregate"]


def to_quarter(period: pd.Series) -> pd.Series:
    """Month labels ``YYYY-MM`` (or dates) to quarter labels ``YYYYQn``; quarters pass through.

    >>> to_quarter(pd.Series(["2025-01", "2025-06", "2025Q3"])).tolist()
    ['2025Q1', '2025Q2', '2025Q3']
    """
    text = period.astype("string")
    is_quarter = text.str.fullmatch(r"\d{4}Q[1-4]").fillna(False)
    months = pd.to_datetime(text.where(~is_quarter), format="%Y-%m", errors="coerce")
    bad = ~is_quarter & months.isna() & period.notna()
    if bad.any():
        first = period[bad].iloc[0]
        raise InputError(
            f"period value {first!r} (row {bad.idxmax()}) is neither a month 'YYYY-MM' nor a "
            "quarter 'YYYYQn'; fix the period column"
        )
    quarters = months.dt.to_period("Q").astype("string")
    return text.where(is_quarter, quarters).astype(object)


def aggregate(
    data: pd.DataFrame,
    columns: Sequence[str],
    by: Sequence[str] = ("unit", "period"),
    *,
    respondent: str | None = None,
) -> pd.DataFrame:
    """Respondent counts and means per group.

    Parameters
    ----------
    data : DataFrame
        One row per response, with the ``by`` columns and numeric ``columns``
        (scale scores such as ``EX`` from :func:`satisfaction.score`).
    columns : sequence of str
        The numeric columns to average.
    by : sequence of str
        Grouping columns.
    respondent : str, optional
        A column identifying people (an id or a pseudonymous key). When given,
        ``n`` counts distinct people, not responses: someone who answered the
        monthly pulse three times in a quarter is one person in that quarter.
        Anonymity thresholds are about people, so pass it whenever one person
        can answer more than once per group.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, ``n`` (responses in the group,
        or distinct people with ``respondent``),
        then ``<column>`` (mean of the valid values) and ``<column>_n`` (valid
        values) for each column. Nothing is suppressed here: pass the result
        through :func:`satisfaction.suppress` before it goes into a report.

    Examples
    --------
    >>> df = pd.DataFrame({"unit": ["A", "A", "B"], "period": ["2025Q1"] * 3, "EX": [4.0, 3.0, None]})
    >>> aggregate(df, ["EX"])
      unit  period  n   EX  EX_n
    0    A  2025Q1  2  3.5     2
    1    B  2025Q1  1  NaN     0
    """
    by, columns = list(by), list(columns)
    needed = by + columns + ([respondent] if respondent else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise InputError(
            f"aggregate: column(s) {missing} not in the data (it has {list(data.columns)}); "
            "score the scales first or name the right columns"
        )
    grouped = data.groupby(by, sort=True, observed=True, dropna=False)
    counts = grouped[respondent].nunique() if respondent else grouped.size()
    out = counts.rename("n").to_frame()
    for col in columns:
        out[col] = grouped[col].mean()
        out[f"{col}_n"] = grouped[col].count()
    return out.reset_index()

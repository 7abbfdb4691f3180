"""Unit x period aggregation: from respondent scores to the tables that reports and linkage use.

:func:`aggregate` gives the counts and means that reports need; :func:`unit_panel`
gives the research panel (people counted once, mean with its sampling error, ICC(1),
the reliability of each unit mean and r_wg(j)); :func:`agreement` summarises
ICC(1)/ICC(2)/r_wg(j) per construct.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..config import MIN_GROUP_SIZE
from ..errors import InputError
from ..instruments import Instrument, default_instrument
from .indices import icc, rwg_j, spearman_brown
from .periods import to_period

__all__ = ["to_quarter", "aggregate", "unit_panel", "agreement", "construct_scores"]


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


# --------------------------------------------------------------------------- unit x period panels


def _construct_sources(
    data: pd.DataFrame, instrument: Instrument | None, constructs: Sequence[str] | None
) -> dict[str, list[str]]:
    """Construct -> its item columns (empty list: the construct's score column is used as is)."""
    inst = instrument if instrument is not None else default_instrument()
    by_name = {c.name: list(c.item_ids) for c in inst.constructs}
    if constructs is None:
        chosen = [n for n, items in by_name.items() if all(i in data.columns for i in items)]
        chosen += [n for n in by_name if n in data.columns and n not in chosen]
        if not chosen:
            raise InputError(
                "unit_panel found no construct: the data has neither the items of "
                f"{list(by_name)} nor score columns with these names; pass constructs="
            )
    else:
        chosen = [constructs] if isinstance(constructs, str) else list(constructs)
    out = {}
    for name in chosen:
        items = by_name.get(name, [])
        if items and all(i in data.columns for i in items):
            out[name] = items
        elif name in data.columns:
            out[name] = []
        else:
            raise InputError(
                f"unit_panel: construct {name!r} has neither its items {items} nor a score "
                f"column in the data (columns: {list(data.columns)[:12]}...); score it first "
                "or name the right constructs"
            )
    return out


def construct_scores(
    data: pd.DataFrame,
    instrument: Instrument | None,
    constructs: Sequence[str] | None,
    where: str = "construct_scores",
) -> pd.DataFrame:
    """Construct scores per response: from the items (half of them answered), or the score column.

    Examples
    --------
    >>> df = pd.DataFrame({"ex1": [4, 5], "ex2": [4, None], "ex3": [5, None], "ex4": [3, 4],
    ...                    "ex5": [4, 4]})
    >>> construct_scores(df, None, ["EX"])["EX"].tolist()
    [4.0, 4.333333333333333]
    """
    sources = _construct_sources(data, instrument, constructs)
    out = pd.DataFrame(index=data.index)
    for name, items in sources.items():
        if items:
            x = data[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
            answered = (~np.isnan(x)).sum(axis=1)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                means = np.nanmean(x, axis=1)
            out[name] = np.where(answered >= -(-len(items) // 2), means, np.nan)
        else:
            out[name] = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
    return out


def _person_means(
    data: pd.DataFrame,
    instrument: Instrument | None,
    constructs: Sequence[str] | None,
    unit: str,
    time: str,
    period: str | Mapping,
    respondent: str | None,
) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame]:
    sources = _construct_sources(data, instrument, constructs)
    needed = [unit, time] + ([respondent] if respondent else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise InputError(
            f"unit_panel: column(s) {missing} not in the data (it has {list(data.columns)[:12]}); "
            "name the unit, period and respondent columns with unit=, time=, respondent="
        )
    frame = pd.DataFrame({"unit": data[unit].to_numpy(), "period": to_period(data[time], period)})
    frame["person"] = data[respondent].to_numpy() if respondent else np.arange(len(data))
    items_used = sorted({i for items in sources.values() for i in items})
    for item in items_used:
        frame[item] = pd.to_numeric(data[item], errors="coerce").to_numpy(dtype=float)
    scores = construct_scores(data, instrument, list(sources), "unit_panel")
    for name in sources:
        frame[name] = scores[name].to_numpy()
    responses = frame.groupby(["unit", "period"], sort=True)[list(sources)].count()
    people = frame.groupby(["unit", "period", "person"], sort=True)[
        list(sources) + items_used
    ].mean()
    return people.reset_index(), sources, responses


def unit_panel(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    constructs: Sequence[str] | None = None,
    *,
    unit: str = "unit",
    time: str = "period",
    period: str | Mapping = "quarter",
    respondent: str | None = "respondent_id",
    min_group_size: int = MIN_GROUP_SIZE,
    level: float = 0.95,
) -> pd.DataFrame:
    """Unit x period panel of construct means, with their uncertainty, agreement and reliability.

    Parameters
    ----------
    data : DataFrame
        Cleaned answers, one row per response: the unit, the period and either the items
        of the constructs (reverse-keyed items already reversed, as :func:`satisfaction.clean`
        leaves them) or construct score columns (``EX`` from :func:`satisfaction.score`).
    instrument : Instrument, optional
        Names each construct's items (default :func:`satisfaction.default_instrument`).
    constructs : list of str, optional
        Default: every construct whose items (or score column) are in ``data``.
    unit, time, respondent : str
        Column names of the unit, the period label (``YYYY-MM``, ``YYYYQn`` or a date)
        and the person. ``respondent=None`` treats every response as a different person
        (customer surveys where each answer is a new customer).
    period : {"month", "quarter", "year"} or Mapping
        The panel's period; a mapping is a custom calendar (see :func:`to_period`).
    min_group_size : int
        Rows with fewer people are flagged in ``small_group`` (never dropped; the
        report's privacy guard suppresses them).
    level : float
        Confidence level of the interval of the mean.

    Returns
    -------
    DataFrame
        One row per unit x period x construct: ``unit, period, construct, n_people,
        n_responses, mean, sd, se, ci_lower, ci_upper, icc1, icc2, rwg_j, cov_prev,
        small_group``.

    Notes
    -----
    People are counted, not responses: a person's several answers in a period are
    averaged first (their items too), then ``mean`` and ``sd`` are over people,
    ``se = sd / sqrt(n_people)`` and the interval uses Student's t with
    ``n_people - 1`` degrees of freedom. ``icc1`` is the construct's ICC(1) over all
    unit x period cells (:func:`satisfaction.linkage.icc`, as ``multilevel::ICC1``);
    ``icc2`` is the reliability of this row's mean, ``n ICC(1) / (1 + (n - 1) ICC(1))``
    with ``n = n_people`` (Spearman-Brown; the chain model uses it to correct for
    sampling error); ``rwg_j`` is the within-unit agreement of this row's people on the
    construct's items against a uniform null (:func:`satisfaction.linkage.rwg_j`;
    missing when the construct is given as a score column). ``cov_prev`` is the
    sampling-error covariance of this mean with the unit's mean of the previous period,
    ``sum(d_i,t d_i,t-1) / (n_t n_t-1)`` over the people who answered in both (``d`` a
    person's deviation from their unit-period mean): people who answer every period
    carry their own stable level into successive means, so the errors of successive
    employee means are correlated (0 with ``respondent=None``, and in a unit's first
    period). A scale's score needs half
    its items answered (rounded up), as :func:`satisfaction.score`.

    Examples
    --------
    >>> import satisfaction as sat
    >>> pulse = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])
    >>> panel = unit_panel(pulse, constructs=["LQ", "EX"], period="quarter")
    >>> panel.columns.tolist()[:6]
    ['unit', 'period', 'construct', 'n_people', 'n_responses', 'mean']
    >>> panel.groupby("construct")["icc1"].first().round(3).to_dict()
    {'EX': 0.203, 'LQ': 0.196}
    """
    _check_level(level, "unit_panel")
    people, sources, responses = _person_means(
        data, instrument, constructs, unit, time, period, respondent
    )
    inst = instrument if instrument is not None else default_instrument()
    scales = {c.name: tuple(c.items[0].scale) for c in inst.constructs}
    parts = []
    for name, items in sources.items():
        valid = people.dropna(subset=[name])
        g = valid.groupby(["unit", "period"], sort=True)
        out = g[name].agg(n_people="count", mean="mean", sd="std")
        out["n_responses"] = responses[name].reindex(out.index).to_numpy()
        out["se"] = out["sd"] / np.sqrt(out["n_people"])
        tq = stats.t.ppf(0.5 + level / 2.0, np.maximum(out["n_people"] - 1, 1))
        out["ci_lower"] = out["mean"] - tq * out["se"]
        out["ci_upper"] = out["mean"] + tq * out["se"]
        cells = valid["unit"].astype(str) + "\x00" + valid["period"].astype(str)
        icc1 = icc(valid[name], cells)["icc1"] if cells.nunique() > 1 else np.nan
        out["icc1"] = icc1
        out["icc2"] = spearman_brown(icc1, out["n_people"].to_numpy())
        if items:
            scale = scales.get(name, (1, 5))
            out["rwg_j"] = g[items].apply(lambda d, s=scale: rwg_j(d, s)).reindex(out.index)
        else:
            out["rwg_j"] = np.nan
        out["cov_prev"] = _error_cov_prev(valid, name, out["n_people"]) if respondent else 0.0
        out["small_group"] = out["n_people"] < min_group_size
        out["construct"] = name
        parts.append(out.reset_index())
    cols = [
        "unit", "period", "construct", "n_people", "n_responses", "mean", "sd", "se",
        "ci_lower", "ci_upper", "icc1", "icc2", "rwg_j", "cov_prev", "small_group",
    ]  # fmt: skip
    panel = pd.concat(parts, ignore_index=True)[cols]
    panel["n_responses"] = panel["n_responses"].astype("int64")
    return panel.sort_values(["construct", "unit", "period"], ignore_index=True)


def _error_cov_prev(valid: pd.DataFrame, name: str, n_people: pd.Series) -> np.ndarray:
    """Sampling-error covariance of each unit-period mean with the unit's previous period's."""
    d = valid[["unit", "period", "person", name]].copy()
    d["dev"] = d[name] - d.groupby(["unit", "period"])[name].transform("mean")
    order = sorted(d["period"].unique())
    rank = {p: i for i, p in enumerate(order)}
    d["k"] = d["period"].map(rank)
    prev = d[["unit", "person", "k", "dev"]].assign(k=lambda x: x["k"] + 1)
    both = d.merge(prev, on=["unit", "person", "k"], suffixes=("", "_prev"))
    both["prod"] = both["dev"] * both["dev_prev"]
    sums = both.groupby(["unit", "period"])["prod"].sum()
    n = n_people.copy()
    n_prev = n.groupby(level="unit").shift(1)
    out = (sums.reindex(n.index).fillna(0.0) / (n * n_prev)).fillna(0.0)
    return out.to_numpy()


def agreement(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    constructs: Sequence[str] | None = None,
    *,
    unit: str = "unit",
    time: str = "period",
    period: str | Mapping = "quarter",
    respondent: str | None = "respondent_id",
) -> pd.DataFrame:
    """ICC(1), ICC(2) and r_wg(j) per construct: may these answers be aggregated to units?

    Parameters
    ----------
    data, instrument, constructs, unit, time, period, respondent
        As :func:`unit_panel`; the groups are unit x period cells.

    Returns
    -------
    DataFrame
        One row per construct: ``construct, icc1, icc2, f, df1, df2, pvalue, n_groups,
        n_people, mean_group_size, rwg_j_mean, rwg_j_median`` (ICC(1)/ICC(2) as
        ``multilevel::ICC1``/``ICC2`` on person means; r_wg(j) as ``multilevel::rwg.j``
        over the cells with 2 or more people).

    Examples
    --------
    >>> import satisfaction as sat
    >>> pulse = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])
    >>> agreement(pulse, constructs=["EX"])[["construct", "icc1"]].round(2)
      construct  icc1
    0        EX   0.3
    """
    people, sources, _ = _person_means(data, instrument, constructs, unit, time, period, respondent)
    inst = instrument if instrument is not None else default_instrument()
    scales = {c.name: tuple(c.items[0].scale) for c in inst.constructs}
    rows = []
    for name, items in sources.items():
        valid = people.dropna(subset=[name])
        cells = valid["unit"].astype(str) + "\x00" + valid["period"].astype(str)
        row = {"construct": name, **icc(valid[name], cells)}
        if items:
            scale = scales.get(name, (1, 5))
            r = valid.groupby(["unit", "period"])[items].apply(lambda d, s=scale: rwg_j(d, s))
            row["rwg_j_mean"], row["rwg_j_median"] = float(r.mean()), float(r.median())
        else:
            row["rwg_j_mean"] = row["rwg_j_median"] = np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _check_level(level: float, where: str) -> None:
    if not 0.0 < float(level) < 1.0:
        raise InputError(f"{where}: level={level!r} must lie between 0 and 1, e.g. 0.95")

"""What the reports may show: every figure and table comes from one suppressed table.

:func:`published` is the report's one privacy path. It computes, for every
quarter and source (employees, customers), the unit table and the organisation
row (people counted once: each person's answers in a quarter are averaged
first), with a confidence interval for every index, and passes each through
:func:`satisfaction.suppress` with ``previous=`` the table published for the
quarter before. Everything else here (headline, trends, heatmap, unit pages)
only reads that published table, so a figure can never show a value the
units table withholds, and a unit trend shows exactly what each quarter's
report showed.

Intervals: for a scale mean, the t interval of the person means; for eNPS and
NPS (each person's latest answer in the quarter), the normal interval of the
difference of two multinomial proportions. "Beyond noise" compares two
quarters with ``|change| > 1.96 * sqrt(se_now^2 + se_before^2)``; treating the
quarters as independent samples is conservative when the same people answer
both (their answers correlate positively).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import config
from ..privacy import suppress
from .prepared import CUSTOMER, EMPLOYEE, KEY, LABELS, ReportData, previous_quarter

__all__ = [
    "INDICES",
    "SOURCE",
    "SCALE",
    "ORGANISATION",
    "published",
    "unit_table",
    "trend",
    "headline",
    "heatmap_data",
    "unit_summary",
    "unit_status",
    "reason_kind",
]

#: The headline indices, in reading order.
INDICES = ("EX", "enps", "LQ", "REP", "CSAT", "nps")
#: Which survey each index comes from.
SOURCE = {"EX": "employees", "enps": "employees", "LQ": "employees"} | {
    "REP": "customers",
    "CSAT": "customers",
    "nps": "customers",
}
#: Each index's scale (floor, ceiling): plots start at the floor.
SCALE = {"EX": (1, 5), "LQ": (1, 5), "REP": (1, 5), "CSAT": (1, 5)} | {
    "enps": (-100, 100),
    "nps": (-100, 100),
}
#: The label of the organisation's own rows.
ORGANISATION = "Organisation"
_COLUMNS = [
    "quarter",
    "unit",
    "source",
    "index",
    "n",
    "value",
    "se",
    "ci_lower",
    "ci_upper",
    "suppressed",
    "suppression_reason",
]


def _person_level(frame: pd.DataFrame, scales, nps_col: str, by) -> pd.DataFrame:
    """One row per person and group: mean of their scale scores, their latest NPS answer."""
    frame = frame.sort_values("period", kind="stable")
    grouped = frame.groupby([*by, KEY], observed=True, sort=False)
    out = grouped[list(scales)].mean()
    if nps_col in frame:
        out[nps_col] = grouped[nps_col].last()  # the latest valid answer
    return out.reset_index()


def _wide(person: pd.DataFrame, scales, nps_col: str, by) -> pd.DataFrame:
    """One row per group: n people, and value/se/ci per index (vectorised)."""
    grouped = person.groupby(by, observed=True, sort=True)
    out = grouped[KEY].nunique().rename("n").to_frame()
    for ix in scales:
        k = grouped[ix].count()
        mean, sd = grouped[ix].mean(), grouped[ix].std(ddof=1)
        se = (sd / np.sqrt(k)).where(k >= 2)
        half = pd.Series(stats.t.ppf(0.975, np.maximum(k - 1, 1)), index=k.index) * se
        out[ix], out[f"{ix}_se"] = mean.where(k > 0), se
        out[f"{ix}_ci_lower"], out[f"{ix}_ci_upper"] = mean - half, mean + half
    if nps_col in person:
        valid = person[nps_col].notna()
        flags = person.assign(
            _pro=(person[nps_col] >= 9).astype(float).where(valid),
            _det=(person[nps_col] <= 6).astype(float).where(valid),
        )
        g = flags.groupby(by, observed=True, sort=True)
        k, pro, det = g[nps_col].count(), g["_pro"].mean(), g["_det"].mean()
        value = 100 * (pro - det)
        se = 100 * np.sqrt((pro + det - (pro - det) ** 2).clip(lower=0) / k)
        out[nps_col], out[f"{nps_col}_se"] = value.where(k > 0), se.where(k > 0)
        out[f"{nps_col}_ci_lower"] = (value - 1.96 * se).clip(lower=-100)
        out[f"{nps_col}_ci_upper"] = (value + 1.96 * se).clip(upper=100)
    return out.reset_index()


def _long(table: pd.DataFrame, quarter: str, source: str, indices) -> pd.DataFrame:
    parts = []
    for ix in indices:
        if ix not in table:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "quarter": quarter,
                    "unit": table["unit"].astype(str),
                    "source": source,
                    "index": ix,
                    "n": table["n"].astype("Int64"),
                    "value": table[ix].astype(float),
                    "se": table[f"{ix}_se"].astype(float),
                    "ci_lower": table[f"{ix}_ci_lower"].astype(float),
                    "ci_upper": table[f"{ix}_ci_upper"].astype(float),
                    "suppressed": table["suppressed"].astype(bool),
                    "suppression_reason": table["suppression_reason"].astype(str),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)


def published(data: ReportData, *, min_group_size: int = config.MIN_GROUP_SIZE) -> pd.DataFrame:
    """Every unit and organisation figure of every quarter, as the reports may show them.

    For each quarter, oldest first, and each source, the unit table passes
    :func:`satisfaction.suppress` (``total=True``: the organisation's total is
    shown) with ``previous=`` the table published for the quarter before; the
    organisation row passes it too, with its own previous row.

    Parameters
    ----------
    data : ReportData
    min_group_size : int
        The anonymity threshold.

    Returns
    -------
    DataFrame
        Long format: ``quarter, unit, source, index, n, value, se, ci_lower,
        ci_upper, suppressed, suppression_reason``; ``unit`` is
        :data:`ORGANISATION` for the organisation's rows. Suppressed rows have
        no ``n``, value or interval.

    Examples
    --------
    >>> from satisfaction.report import prepare_report_data
    >>> pub = published(prepare_report_data())
    >>> shown = pub[~pub["suppressed"]]
    >>> bool((shown["n"] >= 5).all())
    True
    """
    parts = []
    sources = (
        ("employees", data.employees, EMPLOYEE, "enps"),
        ("customers", data.customers, CUSTOMER, "nps"),
    )
    for source, frame, scales, nps_col in sources:
        indices = [ix for ix in INDICES if SOURCE[ix] == source]
        units = _wide(
            _person_level(frame, scales, nps_col, ["quarter", "unit"]),
            scales,
            nps_col,
            ["quarter", "unit"],
        )
        org = _wide(
            _person_level(frame, scales, nps_col, ["quarter"]), scales, nps_col, ["quarter"]
        )
        org.insert(1, "unit", ORGANISATION)
        before_units = before_org = None
        for quarter in data.quarters:
            table = units[units["quarter"] == quarter].drop(columns="quarter")
            total = org[org["quarter"] == quarter].drop(columns="quarter")
            if table.empty:
                continue
            shown = suppress(
                table.reset_index(drop=True),
                count_col="n",
                by="unit",
                min_group_size=min_group_size,
                total=True,
                previous=before_units,
            )
            shown_org = suppress(
                total.reset_index(drop=True),
                count_col="n",
                by="unit",
                min_group_size=min_group_size,
                total=False,
                previous=before_org,
            )
            parts.append(_long(shown, quarter, source, indices))
            parts.append(_long(shown_org, quarter, source, indices))
            before_units, before_org = shown, shown_org
    out = pd.concat(parts, ignore_index=True)
    out["ix_order"] = out["index"].map({ix: i for i, ix in enumerate(INDICES)})
    out = out.sort_values(["quarter", "unit", "ix_order"]).drop(columns="ix_order")
    return out.reset_index(drop=True)[_COLUMNS]


def unit_table(pub: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """The organisation page's units table: one row per unit, blank where withheld.

    Returns
    -------
    DataFrame
        ``unit, n_employees, EX, enps, LQ, n_customers, REP, CSAT, nps``.
    """
    now = pub[(pub["quarter"] == quarter) & (pub["unit"] != ORGANISATION)]
    values = now.pivot_table(
        index="unit", columns="index", values="value", aggfunc="first", dropna=False
    )
    counts = now.drop_duplicates(["unit", "source"]).pivot_table(
        index="unit", columns="source", values="n", aggfunc="first", dropna=False
    )
    out = pd.DataFrame(index=sorted(now["unit"].unique()))
    out.index.name = "unit"
    for source, block in (
        ("employees", ("EX", "enps", "LQ")),
        ("customers", ("REP", "CSAT", "nps")),
    ):
        out[f"n_{source}"] = counts[source] if source in counts else pd.NA
        for ix in block:
            out[ix] = values[ix] if ix in values else np.nan
    out = out.reset_index()
    for col in ("n_employees", "n_customers"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    return out


def trend(pub: pd.DataFrame, unit: str = ORGANISATION) -> pd.DataFrame:
    """Quarterly values with their intervals for one unit (default: the organisation).

    Returns
    -------
    DataFrame
        ``quarter, index, label, n, value, ci_lower, ci_upper``; withheld quarters
        have no value (a line stops there rather than joining across them).
    """
    part = pub[pub["unit"] == unit]
    out = part[["quarter", "index", "n", "value", "ci_lower", "ci_upper"]].copy()
    out.insert(2, "label", out["index"].map(LABELS))
    return out.reset_index(drop=True)


def reason_kind(reason) -> str:
    """``"primary"``, ``"previous"`` or ``"complementary"`` from :func:`satisfaction.suppress`'s
    reason ("below 5", "protects a change since the previous period", "protects another
    cell"); ``""`` for a shown cell.

    Examples
    --------
    >>> reason_kind("protects a change since the previous period")
    'previous'
    """
    text = "" if reason is None or pd.isna(reason) else str(reason)
    if not text:
        return ""
    if text.startswith("below"):
        return "primary"
    if "previous period" in text:
        return "previous"
    return "complementary"


def headline(pub: pd.DataFrame, quarter: str, heads: pd.DataFrame | None = None) -> pd.DataFrame:
    """The organisation's indices this quarter against last, with CI, n and response rate.

    Returns
    -------
    DataFrame
        ``index, label, n, value, ci_lower, ci_upper, previous, change, beyond_noise,
        response_rate, sentence``. ``response_rate`` (employees only) is the
        share of the quarter's starting headcount who answered; ``sentence`` says
        in plain words whether the change since last quarter is beyond noise.
    """
    prev = previous_quarter(quarter)
    org = pub[pub["unit"] == ORGANISATION].set_index(["quarter", "index"])
    staff = np.nan
    if heads is not None and len(heads):
        staff = float(heads.loc[heads["quarter"] == quarter, "headcount"].sum()) or np.nan
    rows = []
    for ix in INDICES:
        now = org.loc[(quarter, ix)] if (quarter, ix) in org.index else None
        old = org.loc[(prev, ix)] if (prev, ix) in org.index else None
        label = LABELS[ix]
        if now is None or pd.isna(now["value"]):
            why = "not enough answers this quarter to report"
            if now is not None and reason_kind(now["suppression_reason"]) == "previous":
                why = (
                    "withheld this quarter, because the number of people answering changed "
                    f"by fewer than the anonymity threshold since {prev}, which could single "
                    "out the few who joined or left"
                )
            rows.append({"index": ix, "label": label, "sentence": f"{label}: {why}."})
            continue
        digits = 0 if ix in ("enps", "nps") else 2
        row = {
            "index": ix,
            "label": label,
            "n": int(now["n"]),
            "value": now["value"],
            "ci_lower": now["ci_lower"],
            "ci_upper": now["ci_upper"],
        }
        if SOURCE[ix] == "employees" and staff == staff:
            row["response_rate"] = min(float(now["n"]) / staff, 1.0)
        if old is None or old["suppressed"] or pd.isna(old["value"]):
            row["sentence"] = f"{label}: no comparable figure for {prev}."
        else:
            change = float(now["value"] - old["value"])
            noise = 1.96 * float(np.hypot(now["se"], old["se"]))
            beyond = bool(abs(change) > noise)
            row |= {"previous": old["value"], "change": change, "beyond_noise": beyond}
            direction = "up" if change > 0 else "down"
            if beyond:
                row["sentence"] = (
                    f"{label} is {direction} {abs(change):.{digits}f} since {prev}, more than "
                    f"the quarter-to-quarter noise (±{noise:.{digits}f}): a real change."
                )
            else:
                row["sentence"] = (
                    f"{label} moved {change:+.{digits}f} since {prev}, within the "
                    f"quarter-to-quarter noise (±{noise:.{digits}f}): no real change."
                )
        rows.append(row)
    cols = [
        "index",
        "label",
        "n",
        "value",
        "ci_lower",
        "ci_upper",
        "previous",
        "change",
        "beyond_noise",
        "response_rate",
        "sentence",
    ]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["n"] = out["n"].astype("Int64")
    return out


def heatmap_data(pub: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Units x indices: each unit's difference from the organisation this quarter.

    Returns
    -------
    DataFrame
        ``unit, index, label, n, value, difference, suppressed``; withheld cells have
        ``suppressed`` true and no ``n``, value or difference.
    """
    now = pub[pub["quarter"] == quarter]
    org = now[now["unit"] == ORGANISATION].set_index("index")["value"]
    cells = now[now["unit"] != ORGANISATION][["unit", "index", "n", "value", "suppressed"]].copy()
    cells["difference"] = cells["value"] - cells["index"].map(org)
    cells.insert(2, "label", cells["index"].map(LABELS))
    return cells.reset_index(drop=True)


def unit_status(pub: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Per unit: which sources may be shown this quarter.

    Returns
    -------
    DataFrame
        ``unit, employees_shown, customers_shown, shown`` (``shown``: either source).
    """
    now = pub[(pub["quarter"] == quarter) & (pub["unit"] != ORGANISATION)]
    flags = ~now.drop_duplicates(["unit", "source"]).set_index(["unit", "source"])["suppressed"]
    wide = flags.unstack("source").reindex(columns=["employees", "customers"])
    wide = wide.astype("boolean").fillna(False).astype(bool)
    wide.columns = ["employees_shown", "customers_shown"]
    wide["shown"] = wide["employees_shown"] | wide["customers_shown"]
    return wide.reset_index()


def unit_summary(pub: pd.DataFrame, quarter: str, unit: str) -> pd.DataFrame:
    """One unit's indices this quarter beside the organisation's, with CI and n.

    Returns
    -------
    DataFrame
        ``index, label, n, value, ci_lower, ci_upper, org_n, org_value, org_ci_lower,
        org_ci_upper``; only the indices that may be shown for the unit.
    """
    now = pub[(pub["quarter"] == quarter)]
    mine = now[(now["unit"] == unit) & ~now["suppressed"]].set_index("index")
    org = now[now["unit"] == ORGANISATION].set_index("index")
    cols = ["n", "value", "ci_lower", "ci_upper"]
    out = mine[cols].join(org[cols].add_prefix("org_"), how="left")
    out.insert(0, "label", out.index.map(LABELS))
    return out.reset_index()

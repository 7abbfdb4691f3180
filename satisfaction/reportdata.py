"""The tables behind the quarterly reports, built once per run from the raw exports.

:func:`prepare_report_data` runs the flow read -> clean -> score once, drops
every respondent identifier, and keeps one row per response with ``unit``,
``period``, ``quarter`` and the scale scores. The report notebooks then only
aggregate (:func:`quarter_summary`, :func:`trend`), and every table they show
passes :func:`satisfaction.suppress` and :func:`satisfaction.guard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .cleaning import clean
from .errors import InputError
from .instruments import Instrument, default_instrument
from .io import read_export
from .linkage import aggregate, to_quarter
from .privacy import suppress
from .scales import score

__all__ = [
    "ReportData",
    "LABELS",
    "prepare_report_data",
    "net_promoter",
    "quarter_summary",
    "trend",
    "previous_quarter",
    "lead_pairs",
]

KEY = "respondent_key"
#: Plain-language names of the constructs, for reports.
LABELS = {
    "LQ": "Leadership quality",
    "EX": "Employee experience",
    "REP": "Reputation among customers",
    "CSAT": "Customer satisfaction",
}
EMPLOYEE = ("LQ", "EX")
CUSTOMER = ("REP", "CSAT")


@dataclass(frozen=True)
class ReportData:
    """Scored responses without identifiers: ``employees`` (pulse) and ``customers``.

    Each frame has ``respondent_key`` (a run-local integer: it counts people
    without naming them, and cannot be linked back without the raw export),
    ``unit, period, quarter``, the construct scores and the single-item
    indicators (``enps``, ``stay``; ``nps``). ``log_summary`` holds the
    cleaning summaries of both sources (``source, rule, column, action, n``).
    """

    employees: pd.DataFrame
    customers: pd.DataFrame
    log_summary: pd.DataFrame

    def save(self, folder: str | Path) -> Path:
        """Write both frames as Parquet into ``folder`` (made if missing)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.employees.to_parquet(folder / "employees.parquet", index=False)
        self.customers.to_parquet(folder / "customers.parquet", index=False)
        self.log_summary.to_parquet(folder / "cleaning_summary.parquet", index=False)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ReportData:
        """Read what :meth:`save` wrote."""
        folder = Path(folder)
        if not (folder / "employees.parquet").exists():
            raise InputError(
                f"no prepared report data in '{folder}'; run satisfaction.reportdata."
                "prepare_report_data(...).save(folder) or `satisfaction report` first"
            )
        return cls(
            pd.read_parquet(folder / "employees.parquet"),
            pd.read_parquet(folder / "customers.parquet"),
            pd.read_parquet(folder / "cleaning_summary.parquet"),
        )

    @property
    def quarters(self) -> list[str]:
        """Quarters with employee or customer data, oldest first."""
        return sorted(set(self.employees["quarter"]) | set(self.customers["quarter"]))


def _scored(
    path: Path, instrument: Instrument, constructs, keep
) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = read_export(path, instrument).data
    cleaned = clean(raw, instrument, unknown_labels="missing")
    scores = score(cleaned.data, instrument, constructs=list(constructs))
    out = scores[["unit", "period", *constructs, *[k for k in keep if k in scores]]].copy()
    # people are counted, never named: identifiers become run-local integer keys
    out.insert(0, KEY, pd.factorize(scores["respondent_id"])[0])
    out["quarter"] = to_quarter(out["period"])
    return out.reset_index(drop=True), cleaned.summary


def prepare_report_data(
    data_dir: str | Path | None = None,
    instrument: Instrument | None = None,
    *,
    pulse: str = "pulse.csv",
    customers: str = "customers.xlsx",
) -> ReportData:
    """Read, clean and score both surveys; keep no respondent identifier.

    Parameters
    ----------
    data_dir : path, optional
        Folder of the raw exports (default: ``data/sample``).
    instrument : Instrument, optional
        Default: :func:`satisfaction.default_instrument`.
    pulse, customers : str
        File names of the employee pulse and the customer survey in ``data_dir``.

    Returns
    -------
    ReportData
    """
    data_dir = Path(data_dir) if data_dir is not None else config.SAMPLE_DATA_DIR
    instrument = instrument or default_instrument()
    employees, log_e = _scored(data_dir / pulse, instrument, EMPLOYEE, ("enps", "stay"))
    custs, log_c = _scored(data_dir / customers, instrument, CUSTOMER, ("nps",))
    logs = pd.concat(
        [log_e.assign(source="employees"), log_c.assign(source="customers")], ignore_index=True
    )
    return ReportData(employees, custs, logs)


def net_promoter(values: pd.Series) -> float:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6) of the valid answers.

    >>> net_promoter(pd.Series([10, 9, 8, 7, 3, None]))
    20.0
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return float("nan")
    return float(round(100 * ((v >= 9).mean() - (v <= 6).mean()), 1))


def previous_quarter(quarter: str) -> str:
    """``"2026Q1"`` -> ``"2025Q4"``.

    >>> previous_quarter("2026Q1")
    '2025Q4'
    """
    return str(pd.Period(quarter, freq="Q") - 1)


def _summary(frame: pd.DataFrame, constructs, nps_col, by) -> pd.DataFrame:
    table = aggregate(frame, list(constructs), by=by, respondent=KEY)
    nps = frame.groupby(by, observed=True)[nps_col].apply(net_promoter).rename(nps_col)
    return table.merge(nps.reset_index(), on=by, how="left")


def quarter_summary(
    data: ReportData,
    quarter: str,
    *,
    by: str = "unit",
    min_group_size: int = config.MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Per-unit figures of one quarter, small groups suppressed.

    Returns
    -------
    DataFrame
        ``unit, n_employees, LQ, EX, enps, n_customers, REP, CSAT, nps`` with
        ``suppressed`` flags per source; values of any unit with fewer than
        ``min_group_size`` respondents (and complementary cells) are blank.
    """
    emp = data.employees[data.employees["quarter"] == quarter]
    cus = data.customers[data.customers["quarter"] == quarter]
    if emp.empty and cus.empty:
        raise InputError(
            f"no responses in quarter {quarter!r}; the data cover {', '.join(data.quarters)}"
        )
    e = _summary(emp, EMPLOYEE, "enps", [by]).rename(columns={"n": "n_employees"})
    c = _summary(cus, CUSTOMER, "nps", [by]).rename(columns={"n": "n_customers"})
    e = suppress(e, count_col="n_employees", by=by, min_group_size=min_group_size, total=True)
    c = suppress(c, count_col="n_customers", by=by, min_group_size=min_group_size, total=True)
    e = e.rename(columns={"suppressed": "employees_suppressed"})
    c = c.rename(columns={"suppressed": "customers_suppressed"})
    keep_e = [by, "n_employees", *EMPLOYEE, "enps", "employees_suppressed"]
    keep_c = [by, "n_customers", *CUSTOMER, "nps", "customers_suppressed"]
    out = e[keep_e].merge(c[keep_c], on=by, how="outer")
    out["employees_suppressed"] = out["employees_suppressed"].astype("boolean").fillna(True)
    out["customers_suppressed"] = out["customers_suppressed"].astype("boolean").fillna(True)
    return out.sort_values(by).reset_index(drop=True)


def trend(
    data: ReportData,
    *,
    unit: str | None = None,
    min_group_size: int = config.MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Quarterly means of every construct, for the organisation or one unit.

    Quarters in which the unit (or organisation) had fewer than
    ``min_group_size`` respondents of a source show no value for that source.
    For one unit, a quarter is also left blank wherever that quarter's unit
    table (:func:`quarter_summary`) suppresses the unit to protect another one,
    so a unit report never shows what the organisation report withholds.

    Returns
    -------
    DataFrame
        Long format: ``quarter, construct, value, n``.
    """
    hidden: dict[str, set[str]] = {"employees": set(), "customers": set()}
    if unit is not None:
        for quarter in data.quarters:
            row = quarter_summary(data, quarter, min_group_size=min_group_size)
            row = row[row["unit"] == unit]
            for source in hidden:
                if row.empty or bool(row[f"{source}_suppressed"].iloc[0]):
                    hidden[source].add(quarter)
    rows = []
    sources = (("employees", data.employees, EMPLOYEE), ("customers", data.customers, CUSTOMER))
    for source, frame, constructs in sources:
        part = frame if unit is None else frame[frame["unit"] == unit]
        agg = aggregate(part, list(constructs), by=["quarter"], respondent=KEY)
        shown = (agg["n"] >= min_group_size) & ~agg["quarter"].isin(hidden[source])
        for construct in constructs:
            rows.append(
                pd.DataFrame(
                    {
                        "quarter": agg["quarter"],
                        "construct": construct,
                        "value": agg[construct].where(shown),
                        "n": agg["n"].where(shown),
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["construct", "quarter"]).reset_index(drop=True)


def lead_pairs(
    data: ReportData,
    *,
    lead: str = "EX",
    follow: str = "CSAT",
    lag: int = 1,
    min_group_size: int = config.MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Unit means of ``lead`` in quarter t beside unit means of ``follow`` in quarter t + ``lag``.

    Only unit-quarters where both sources reach ``min_group_size`` respondents
    are paired (hypothesis H3: employee experience moves first).

    Returns
    -------
    DataFrame
        ``unit, quarter, n_lead, <lead>, follow_quarter, n_follow, <follow>``.
    """
    frames = {}
    for name, col in (("lead", lead), ("follow", follow)):
        source = data.employees if col in data.employees else data.customers
        agg = aggregate(source, [col], by=["unit", "quarter"], respondent=KEY)
        frames[name] = agg[agg["n"] >= min_group_size][["unit", "quarter", "n", col]]
    lead_t = frames["lead"].rename(columns={"n": "n_lead"})
    lead_t["follow_quarter"] = [str(pd.Period(q, freq="Q") + lag) for q in lead_t["quarter"]]
    follow_t = frames["follow"].rename(columns={"n": "n_follow", "quarter": "follow_quarter"})
    return lead_t.merge(follow_t, on=["unit", "follow_quarter"]).reset_index(drop=True)

"""The data behind the quarterly reports, prepared once per run from the raw exports.

:func:`prepare_report_data` runs the flow read -> clean -> score once, drops
every respondent identifier, and keeps one row per response with ``unit``,
``period``, ``quarter`` and the scale scores, plus the employee headcount per
unit and quarter (for response rates) when the HR files are there. Everything
the notebooks show is computed from it in :mod:`satisfaction.report.tables`
and passes :func:`satisfaction.suppress` there.

Respondent keys are run-local integers (``pandas.factorize`` of the identifier
in the order of the export), not :func:`satisfaction.pseudonymise` pseudonyms:
the report only needs to count people within one run, the keys are never
written under ``reports/`` (only to the prepared folder under
``data/processed``), and a run-local key cannot be joined to any other data set,
whereas a keyed pseudonym is stable across runs by design.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..cleaning import clean
from ..errors import InputError
from ..instruments import Instrument, default_instrument
from ..io import read_export
from ..linkage import to_quarter
from ..scales import reliability, score
from .safety import NO_NAME, unit_label

__all__ = [
    "ReportData",
    "LABELS",
    "EMPLOYEE",
    "CUSTOMER",
    "KEY",
    "prepare_report_data",
    "net_promoter",
    "previous_quarter",
    "headcount",
]

log = logging.getLogger(__name__)

KEY = "respondent_key"
#: Plain-language names of the indices, for reports.
LABELS = {
    "EX": "Employee experience",
    "enps": "eNPS",
    "LQ": "Leadership quality",
    "REP": "Reputation among customers",
    "CSAT": "Customer satisfaction",
    "nps": "NPS",
}
#: The employee and customer indices: (scale means, net promoter item).
EMPLOYEE = ("LQ", "EX")
CUSTOMER = ("REP", "CSAT")


@dataclass(frozen=True)
class ReportData:
    """Scored responses without identifiers: ``employees`` (pulse) and ``customers``.

    Each frame has ``respondent_key`` (a run-local integer: it counts people
    without naming them), ``unit, period, quarter``, the construct scores and
    the single-item indicators (``enps``, ``stay``; ``nps``). ``log_summary``
    holds the cleaning summaries of both sources (``source, rule, column,
    action, n``) and the report's own notes (e.g. rows with no unit name).
    ``headcount`` holds ``unit, quarter, headcount`` (empty without HR files).
    """

    employees: pd.DataFrame
    customers: pd.DataFrame
    log_summary: pd.DataFrame
    headcount: pd.DataFrame | None = None
    reliability: pd.DataFrame | None = None

    def save(self, folder: str | Path) -> Path:
        """Write the frames as Parquet into ``folder`` (made if missing)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.employees.to_parquet(folder / "employees.parquet", index=False)
        self.customers.to_parquet(folder / "customers.parquet", index=False)
        self.log_summary.astype(str).to_parquet(folder / "cleaning_summary.parquet", index=False)
        self.heads.to_parquet(folder / "headcount.parquet", index=False)
        if self.reliability is not None:
            self.reliability.to_parquet(folder / "reliability.parquet", index=False)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ReportData:
        """Read what :meth:`save` wrote."""
        folder = Path(folder)
        if not (folder / "employees.parquet").exists():
            raise InputError(
                f"no prepared report data in '{folder}'; run satisfaction.report."
                "prepare_report_data(...).save(folder) or `satisfaction report` first"
            )
        heads, rel = folder / "headcount.parquet", folder / "reliability.parquet"
        return cls(
            pd.read_parquet(folder / "employees.parquet"),
            pd.read_parquet(folder / "customers.parquet"),
            pd.read_parquet(folder / "cleaning_summary.parquet"),
            pd.read_parquet(heads) if heads.exists() else None,
            pd.read_parquet(rel) if rel.exists() else None,
        )

    @property
    def heads(self) -> pd.DataFrame:
        """``unit, quarter, headcount`` (empty when the HR files were not there)."""
        if self.headcount is None:
            return pd.DataFrame({"unit": [], "quarter": [], "headcount": []})
        return self.headcount

    @property
    def quarters(self) -> list[str]:
        """Quarters with employee or customer data, oldest first."""
        return sorted(set(self.employees["quarter"]) | set(self.customers["quarter"]))

    @property
    def units(self) -> list[str]:
        """Every unit label in either survey, sorted."""
        return sorted(set(self.employees["unit"]) | set(self.customers["unit"]))


def _scored(
    path: Path, instrument: Instrument, constructs, keep
) -> tuple[pd.DataFrame, pd.DataFrame, int, pd.DataFrame]:
    raw = read_export(path, instrument).data
    cleaned = clean(raw, instrument, unknown_labels="missing")
    scores = score(cleaned.data, instrument, constructs=list(constructs))
    rel = reliability(cleaned.data, instrument, constructs=list(constructs))
    out = scores[["unit", "period", *constructs, *[k for k in keep if k in scores]]].copy()
    # units of any type (numbers, codes, empty cells) become text labels
    out["unit"] = [unit_label(u) for u in out["unit"]]
    nameless = int((out["unit"] == NO_NAME).sum())
    # people are counted, never named: identifiers become run-local integer keys
    out.insert(0, KEY, pd.factorize(scores["respondent_id"])[0])
    out["quarter"] = to_quarter(out["period"])
    return out.reset_index(drop=True), cleaned.summary, nameless, rel


def headcount(data_dir: str | Path, quarters: list[str]) -> pd.DataFrame:
    """Employees per unit at the start of each quarter, from ``units.csv`` and ``hr_events.csv``.

    Headcount at the start of the data (``headcount_start``) plus the joiners and
    minus the leavers dated before each quarter. Empty when either file is missing.

    Returns
    -------
    DataFrame
        ``unit, quarter, headcount``.
    """
    data_dir = Path(data_dir)
    units_csv, events_csv = data_dir / "units.csv", data_dir / "hr_events.csv"
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "quarter": [], "headcount": []})
    if not (units_csv.exists() and events_csv.exists()) or not quarters:
        return empty
    try:
        units = pd.read_csv(units_csv, sep=";", encoding="utf-8-sig")
        events = pd.read_csv(events_csv, sep=";", encoding="utf-8-sig")
        units["unit"] = [unit_label(u) for u in units["unit"]]
        events["unit"] = [unit_label(u) for u in events["unit"]]
        events["quarter"] = pd.PeriodIndex(pd.to_datetime(events["date"]), freq="Q").astype(str)
        sign = events["event"].map({"join": 1}).fillna(0) - events["event"].str.startswith(
            "exit"
        ).astype(int)
        events["change"] = sign
    except (KeyError, ValueError) as exc:
        log.warning("headcount not computed from %s and %s: %s", units_csv, events_csv, exc)
        return empty
    rows = []
    for quarter in quarters:
        before = events[events["quarter"] < quarter].groupby("unit")["change"].sum()
        start = units.set_index("unit")["headcount_start"]
        heads = start.add(before, fill_value=0)
        rows.append(pd.DataFrame({"unit": heads.index, "quarter": quarter, "headcount": heads}))
    return pd.concat(rows, ignore_index=True)


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

    Examples
    --------
    >>> data = prepare_report_data()
    >>> data.quarters[-1], "respondent_id" in data.employees
    ('2026Q4', False)
    """
    data_dir = Path(data_dir) if data_dir is not None else config.SAMPLE_DATA_DIR
    instrument = instrument or default_instrument()
    employees, log_e, nameless_e, rel_e = _scored(
        data_dir / pulse, instrument, EMPLOYEE, ("enps", "stay")
    )
    custs, log_c, nameless_c, rel_c = _scored(data_dir / customers, instrument, CUSTOMER, ("nps",))
    rel = pd.concat([rel_e, rel_c], ignore_index=True)
    notes = []
    for source, n, file in (("employees", nameless_e, pulse), ("customers", nameless_c, customers)):
        if n:
            log.warning("%s: %d responses have no unit name; reported as %r", file, n, NO_NAME)
            notes.append(
                {
                    "source": source,
                    "rule": "unit name",
                    "column": "unit",
                    "n": n,
                    "action": f"empty unit cell reported as {NO_NAME!r}",
                }
            )
    logs = pd.concat(
        [log_e.assign(source="employees"), log_c.assign(source="customers"), pd.DataFrame(notes)],
        ignore_index=True,
    )
    data = ReportData(employees, custs, logs)
    return ReportData(employees, custs, logs, headcount(data_dir, data.quarters), rel)


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

"""Artefacts: what the notebooks show, computed once per run and written beside the pages.

:func:`write_artefacts` takes the published table (the one privacy path, see
:mod:`satisfaction.report.tables`) and writes, under ``{quarter}/data/``, the
source data of every table and figure of every page, as Parquet, plus the run's
provenance (``run.json``). A notebook only loads its artefacts and renders them;
nothing is computed twice per unit, and the tests can check every figure's
source data against the anonymity rules.

    data/run.json                          version, parameters, fingerprint, sample sizes,
                                           reliability, suppression notes
    data/organisation-headline.parquet     the headline indices with CI, n, response rate
    data/organisation-trend.parquet        the organisation's trend (figure)
    data/organisation-units.parquet        the units table
    data/organisation-heatmap.parquet      units x indices, difference from the organisation
    data/<unit file stem>.parquet          a unit's summary and trend beside the organisation
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .prepared import ReportData, previous_quarter
from .safety import unit_id, unit_slug
from .tables import (
    ORGANISATION,
    headline,
    heatmap_data,
    reason_kind,
    trend,
    unit_status,
    unit_summary,
    unit_table,
)

__all__ = ["UnitPage", "write_artefacts", "write_unit_artefacts", "read_artefact", "load_run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitPage:
    """One unit's page: its label, stable id, file stem and what may be shown."""

    label: str
    unit_id: str
    slug: str
    employees_shown: bool
    customers_shown: bool

    @property
    def shown(self) -> bool:
        """Whether anything of the unit may be shown this quarter."""
        return self.employees_shown or self.customers_shown


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def read_artefact(folder: str | Path, name: str) -> pd.DataFrame:
    """Read one artefact (``name`` without ``.parquet``) from a run's ``data`` folder."""
    return pd.read_parquet(Path(folder) / f"{name}.parquet")


def load_run(folder: str | Path) -> dict[str, Any]:
    """The run's provenance and notes (``run.json``)."""
    return json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))


def _sample_sizes(data: ReportData, quarter: str) -> dict[str, Any]:
    emp = data.employees[data.employees["quarter"] == quarter]
    cus = data.customers[data.customers["quarter"] == quarter]
    return {
        "employee responses this quarter": int(len(emp)),
        "employees answering this quarter": int(emp["respondent_key"].nunique()),
        "customer responses this quarter": int(len(cus)),
        "customers answering this quarter": int(cus["respondent_key"].nunique()),
        "units in the data": len(data.units),
    }


def _suppression_notes(pub: pd.DataFrame, quarter: str) -> dict[str, int]:
    now = pub[(pub["quarter"] == quarter) & pub["suppressed"]]
    cells = now.drop_duplicates(["unit", "source"])
    reasons = cells["suppression_reason"].map(reason_kind)
    words = {
        "primary": "unit figures withheld: too few answered",
        "previous": "unit figures withheld: n changed by less than the threshold since last quarter",
        "complementary": "unit figures withheld to protect a smaller group",
    }
    return {
        f"{words.get(r, r)} (units x survey)": int(n) for r, n in reasons.value_counts().items()
    }


def write_artefacts(
    data: ReportData,
    pub: pd.DataFrame,
    quarter: str,
    folder: str | Path,
    meta: dict[str, Any],
) -> list[UnitPage]:
    """Write the organisation's artefacts and ``run.json``; return every unit's page plan.

    Parameters
    ----------
    data : ReportData
    pub : DataFrame
        :func:`satisfaction.report.published`.
    quarter : str
    folder : path
        The run's ``data`` folder (made if missing).
    meta : dict
        Provenance: package version, parameters, data fingerprint (copied into ``run.json``).

    Returns
    -------
    list of UnitPage
        One per unit with responses this quarter, in name order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write(headline(pub, quarter, data.heads), folder / "organisation-headline.parquet")
    _write(trend(pub), folder / "organisation-trend.parquet")
    _write(unit_table(pub, quarter), folder / "organisation-units.parquet")
    _write(heatmap_data(pub, quarter), folder / "organisation-heatmap.parquet")
    if data.reliability is not None:
        _write(data.reliability, folder / "reliability.parquet")
    run = {
        **meta,
        "quarter": quarter,
        "previous quarter": previous_quarter(quarter),
        "sample sizes": _sample_sizes(data, quarter),
        "suppression": _suppression_notes(pub, quarter),
    }
    (folder / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
    status = unit_status(pub, quarter)
    pages = [
        UnitPage(
            str(r.unit),
            unit_id(str(r.unit)),
            unit_slug(str(r.unit)),
            bool(r.employees_shown),
            bool(r.customers_shown),
        )
        for r in status.itertuples()
        if r.unit != ORGANISATION
    ]
    pages = sorted(pages, key=lambda p: p.label)
    seen: set[str] = set()
    for i, page in enumerate(pages):  # a 40-bit id collision: astronomically rare, still no clash
        if page.slug in seen:
            pages[i] = replace(page, slug=f"{page.slug}-{i}")
        seen.add(pages[i].slug)
    return pages


def write_unit_artefacts(
    pub: pd.DataFrame, quarter: str, page: UnitPage, folder: str | Path
) -> Path:
    """Write one unit's page data: its summary and trend beside the organisation's.

    Nothing is written for the quarters, sources or indices the published table
    withholds; a unit with nothing to show gets an empty file (its page says so).

    Returns
    -------
    Path
        ``data/<page.slug>.parquet`` with ``part, who, quarter, index, label, n,
        value, ci_lower, ci_upper`` (``part``: ``summary`` or ``trend``).
    """
    cols = ["part", "who", "quarter", "index", "label", "n", "value", "ci_lower", "ci_upper"]
    if page.shown:
        summary = unit_summary(pub, quarter, page.label)
        mine = summary[["index", "label", "n", "value", "ci_lower", "ci_upper"]].assign(
            part="summary", who="unit", quarter=quarter
        )
        org = summary[["index", "label", "org_n", "org_value", "org_ci_lower", "org_ci_upper"]]
        org = org.rename(columns=lambda c: c.removeprefix("org_")).assign(
            part="summary", who="organisation", quarter=quarter
        )
        shown_ix = set(summary["index"])
        own = trend(pub, page.label)
        own = own[own["index"].isin(shown_ix)].assign(part="trend", who="unit")
        whole = trend(pub)
        whole = whole[whole["index"].isin(shown_ix)].assign(part="trend", who="organisation")
        frame = pd.concat([mine, org, own, whole], ignore_index=True)[cols]
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")
    for c in ("value", "ci_lower", "ci_upper"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return _write(frame, Path(folder) / f"{page.slug}.parquet")

"""Report tables from the sample's raw exports: no identifiers, no small groups, and the quarterly run."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import assert_close

import satisfaction as sat
from satisfaction.report import quarterly_report
from satisfaction.reportdata import (
    ReportData,
    lead_pairs,
    net_promoter,
    prepare_report_data,
    quarter_summary,
    trend,
)


@pytest.fixture(scope="module")
def data():
    return prepare_report_data()


def test_prepared_data_holds_no_identifier(data):
    for frame in (data.employees, data.customers):
        assert "respondent_id" not in frame.columns
        assert not frame.astype(str).apply(lambda c: c.str.fullmatch(r"[EC]\d{4,}").any()).any()
    assert {"unit", "quarter", "LQ", "EX", "enps"} <= set(data.employees.columns)
    assert {"unit", "quarter", "REP", "CSAT", "nps"} <= set(data.customers.columns)
    assert data.quarters == [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]


def test_save_and_load_round_trip(data, tmp_path):
    back = ReportData.load(data.save(tmp_path / "prep"))
    pd.testing.assert_frame_equal(back.employees, data.employees, check_dtype=False)
    with pytest.raises(sat.InputError, match="no prepared report data"):
        ReportData.load(tmp_path / "empty")


def test_quarter_summary_counts_people_and_hides_small_units(data):
    table = quarter_summary(data, "2026Q4")
    emp = data.employees[data.employees["quarter"] == "2026Q4"]
    people = emp.groupby("unit")["respondent_key"].nunique()
    shown = table[~table["employees_suppressed"]]
    assert (shown["n_employees"] >= 5).all()
    assert (shown.set_index("unit")["n_employees"] == people[shown["unit"]]).all()
    small = people[people < 5].index
    assert len(small) >= 1, "the sample is meant to have units below the threshold"
    hidden = table.set_index("unit").loc[small]
    assert hidden["employees_suppressed"].all()
    assert hidden[["LQ", "EX", "enps"]].isna().all().all()
    # what the shown total minus the shown units reveals is never fewer than 5 people
    revealed = people.sum() - shown["n_employees"].sum()
    assert revealed == 0 or revealed >= 5


def test_unknown_quarter_is_a_clear_error(data):
    with pytest.raises(sat.InputError, match="no responses in quarter '2030Q1'"):
        quarter_summary(data, "2030Q1")


def test_trend_blanks_small_quarters(data):
    helpdesk = trend(data, unit="Helpdesk")
    emp = helpdesk[helpdesk["construct"].isin(["LQ", "EX"])]
    assert emp["value"].isna().all()  # Helpdesk has 4 employees
    org = trend(data)
    assert org["value"].notna().all()
    assert set(org["construct"]) == {"LQ", "EX", "REP", "CSAT"}


def test_net_promoter_matches_the_definition():
    rng = np.random.default_rng(3)
    v = pd.Series(rng.integers(0, 11, 1000))
    expected = 100 * ((v >= 9).mean() - (v <= 6).mean())
    assert_close(net_promoter(v), expected, kind="printed", decimals=1)  # rounded to 0.1


def test_employee_experience_leads_customer_satisfaction_in_the_sample(data):
    """H3 is built into the synthetic organisation: EX(t) relates to CSAT(t+1)."""
    pairs = lead_pairs(data)
    assert len(pairs) > 100
    assert (pairs[["n_lead", "n_follow"]] >= 5).all().all()
    assert pairs["EX"].corr(pairs["CSAT"]) > 0.1


def test_quarterly_report_end_to_end(tmp_path):
    manifest = quarterly_report(
        "2026Q3",
        out_dir=tmp_path / "reports",
        prepared_dir=tmp_path / "prep",
        units=["Payroll Services"],
        n_jobs=2,
    )
    assert list(manifest["status"]) == ["ok", "ok"], manifest["error"].tolist()
    folder = tmp_path / "reports" / "2026Q3"
    assert (folder / "index.html").exists() and (folder / "manifest.csv").exists()
    nb = nbformat.read(folder / "unit-payroll-services.ipynb", as_version=4)
    params = nb.metadata.papermill.parameters
    assert params["unit"] == "Payroll Services" and params["quarter"] == "2026Q3"
    assert len(params["data_fingerprint"]) == 64
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bE\d{5}\b|\bC\d{6}\b", text), f"{page.name} shows a respondent id"
        assert "import satisfaction" not in text, f"{page.name} shows code"
    assert "2026Q3" in (folder / "organisation.html").read_text(encoding="utf-8")


def test_quarterly_report_refuses_a_unit_below_the_threshold(tmp_path):
    with pytest.raises(sat.SatisfactionError, match="Helpdesk"):
        quarterly_report(
            "2026Q3", out_dir=tmp_path, prepared_dir=tmp_path / "prep", units=["Helpdesk"]
        )


def test_unit_trend_withholds_what_the_unit_table_suppresses():
    """A unit hidden to protect a smaller one (complementary suppression) stays hidden in its own trend."""
    sizes = {"A": 3, "B": 12, "C": 40}
    rows = [
        {
            "respondent_key": f"{u}{i}",
            "unit": u,
            "period": "2026-01",
            "quarter": "2026Q1",
            "LQ": 3.0,
            "EX": 3.0 + (u == "B"),
            "enps": 7,
        }
        for u, n in sizes.items()
        for i in range(n)
    ]
    employees = pd.DataFrame(rows)
    customers = pd.DataFrame(
        [
            {
                "respondent_key": f"c{u}{i}",
                "unit": u,
                "period": "2026Q1",
                "quarter": "2026Q1",
                "REP": 3.0,
                "CSAT": 3.0,
                "nps": 8,
            }
            for u in sizes
            for i in range(20)
        ]
    )
    data = ReportData(employees, customers, pd.DataFrame())
    table = quarter_summary(data, "2026Q1").set_index("unit")
    assert table.loc["B", "employees_suppressed"]  # complementary: protects A
    b = trend(data, unit="B").set_index("construct")
    assert b.loc[["LQ", "EX"], "value"].isna().all()
    assert b.loc[["REP", "CSAT"], "value"].notna().all()
    c = trend(data, unit="C").set_index("construct")
    assert c.loc["EX", "value"] == 3.0

"""What the reports may show, from the sample's raw exports: no identifiers, no small groups,
the previous quarter taken into account, intervals that mean what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close
from scipy import stats

import satisfaction as sat
from satisfaction.report import (
    ORGANISATION,
    ReportData,
    headline,
    heatmap_data,
    net_promoter,
    prepare_report_data,
    published,
    trend,
    unit_status,
    unit_summary,
    unit_table,
)


@pytest.fixture(scope="module")
def data():
    return prepare_report_data()


@pytest.fixture(scope="module")
def pub(data):
    return published(data)


def test_prepared_data_holds_no_identifier(data):
    for frame in (data.employees, data.customers):
        assert "respondent_id" not in frame.columns
        assert not frame.astype(str).apply(lambda c: c.str.fullmatch(r"[EC]\d{4,}").any()).any()
    assert {"unit", "quarter", "LQ", "EX", "enps"} <= set(data.employees.columns)
    assert {"unit", "quarter", "REP", "CSAT", "nps"} <= set(data.customers.columns)
    assert data.quarters == [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
    assert set(data.reliability["construct"]) == {"LQ", "EX", "REP", "CSAT"}
    assert (data.heads["headcount"] > 0).all()


def test_save_and_load_round_trip(data, tmp_path):
    back = ReportData.load(data.save(tmp_path / "prep"))
    pd.testing.assert_frame_equal(back.employees, data.employees, check_dtype=False)
    pd.testing.assert_frame_equal(back.heads, data.heads, check_dtype=False)
    with pytest.raises(sat.InputError, match="no prepared report data"):
        ReportData.load(tmp_path / "empty")


def test_published_counts_people_and_hides_small_units(data, pub):
    now = pub[(pub["quarter"] == "2026Q4") & (pub["source"] == "employees")]
    now = now[(now["index"] == "EX") & (now["unit"] != ORGANISATION)].set_index("unit")
    emp = data.employees[data.employees["quarter"] == "2026Q4"]
    people = emp.groupby("unit")["respondent_key"].nunique()
    shown = now[~now["suppressed"]]
    assert (shown["n"] >= 5).all()
    assert (shown["n"] == people[shown.index]).all()
    small = people[people < 5].index
    assert len(small) >= 1, "the sample is meant to have units below the threshold"
    assert now.loc[small, "suppressed"].all()
    assert now.loc[small, "value"].isna().all()
    revealed = people.sum() - shown["n"].sum()
    assert revealed == 0 or revealed >= 5


def test_a_unit_that_shrinks_by_two_is_not_shown_in_both_quarters():
    """The previous quarter is passed to suppression: 20 people, then 18, is never shown twice."""
    sizes = {"2026Q1": {"A": 20, "B": 30, "C": 40}, "2026Q2": {"A": 18, "B": 30, "C": 40}}
    rows, crows = [], []
    for quarter, units in sizes.items():
        month = "2026-01" if quarter == "2026Q1" else "2026-04"
        for unit, n in units.items():
            for i in range(n):
                rows.append(
                    {
                        "respondent_key": f"{unit}{i}",
                        "unit": unit,
                        "period": month,
                        "quarter": quarter,
                        "LQ": 3.0,
                        "EX": 3.0 + i % 3,
                        "enps": 7,
                    }
                )
            for i in range(10):
                crows.append(
                    {
                        "respondent_key": f"c{unit}{i}",
                        "unit": unit,
                        "period": quarter,
                        "quarter": quarter,
                        "REP": 3.0,
                        "CSAT": 3.0,
                        "nps": 8,
                    }
                )
    data = ReportData(pd.DataFrame(rows), pd.DataFrame(crows), pd.DataFrame())
    pub = published(data)
    a = pub[(pub["unit"] == "A") & (pub["index"] == "EX")].set_index("quarter")
    assert not a.loc["2026Q1", "suppressed"]
    assert a.loc["2026Q2", "suppressed"]
    assert "previous" in a.loc["2026Q2", "suppression_reason"]
    # the organisation's total, shown in 2026Q1, cannot be used to work A out either
    org = pub[(pub["unit"] == ORGANISATION) & (pub["index"] == "EX")].set_index("quarter")
    assert org.loc["2026Q2", "suppressed"]


def test_intervals_cover_the_value_and_follow_the_definitions(data, pub):
    shown = pub[~pub["suppressed"] & pub["value"].notna() & pub["ci_lower"].notna()]
    assert (shown["ci_lower"] <= shown["value"]).all()
    assert (shown["value"] <= shown["ci_upper"]).all()
    # the organisation's EX in 2025Q1: t interval of the people's mean EX (computed by hand)
    emp = data.employees[data.employees["quarter"] == "2025Q1"]
    person = emp.groupby("respondent_key")["EX"].mean().dropna()
    half = stats.t.ppf(0.975, len(person) - 1) * person.std(ddof=1) / np.sqrt(len(person))
    row = pub[(pub["unit"] == ORGANISATION) & (pub["quarter"] == "2025Q1") & (pub["index"] == "EX")]
    assert_close(row["value"].iloc[0], person.mean(), kind="roundoff")
    assert_close(row["ci_upper"].iloc[0] - row["value"].iloc[0], half, kind="roundoff")


def test_nps_interval_covers_the_truth_about_95_percent_of_the_time():
    """Simulated truth: promoters 40%, detractors 25% -> NPS 15, in each of 400 units of 150."""
    rng = np.random.default_rng(7)
    units, size = 400, 150
    answers = rng.choice([10, 8, 3], size=units * size, p=[0.40, 0.35, 0.25])
    frame = pd.DataFrame(
        {
            "respondent_key": range(units * size),
            "unit": np.repeat([f"u{i:03d}" for i in range(units)], size),
            "period": "2026Q1",
            "quarter": "2026Q1",
            "REP": 3.0,
            "CSAT": 3.0,
            "nps": answers,
        }
    )
    emp = frame.rename(columns={"REP": "LQ", "CSAT": "EX", "nps": "enps"})
    pub = published(ReportData(emp, frame, pd.DataFrame()))
    rows = pub[(pub["unit"] != ORGANISATION) & (pub["index"] == "nps")]
    assert len(rows) == units
    coverage = ((rows["ci_lower"] <= 15) & (15 <= rows["ci_upper"])).mean()
    assert 0.92 <= coverage <= 0.98
    first = rows.iloc[0]
    assert_close(
        first["value"], net_promoter(pd.Series(answers[:size])), kind="printed", decimals=1
    )


def test_headline_says_whether_the_change_is_beyond_noise(data, pub):
    head = headline(pub, "2026Q4", data.heads).set_index("index")
    assert list(head.index) == ["EX", "enps", "LQ", "REP", "CSAT", "nps"]
    shown = head[head["value"].notna()]
    assert len(shown) >= 3
    for row in shown.itertuples():
        assert row.n >= 5
        if pd.notna(row.change):
            word = "a real change" if row.beyond_noise else "no real change"
            assert word in row.sentence
    emp = head.loc[head["value"].notna() & head.index.isin(["EX", "LQ", "enps"])]
    assert emp["response_rate"].between(0, 1).all()


def test_figures_and_tables_read_the_same_published_cells(pub):
    table = unit_table(pub, "2026Q4").set_index("unit")
    heat = heatmap_data(pub, "2026Q4")
    for row in heat.itertuples():
        assert pd.isna(table.loc[row.unit, row.index]) == bool(row.suppressed)
    status = unit_status(pub, "2026Q4").set_index("unit")
    for unit in status.index[:10]:
        own = trend(pub, unit)
        cells = pub[pub["unit"] == unit]
        merged = own.merge(cells, on=["quarter", "index"], suffixes=("", "_pub"))
        assert merged["value"].equals(merged["value_pub"])
        summary = unit_summary(pub, "2026Q4", unit)
        assert set(summary["index"]) <= set(
            cells[(cells["quarter"] == "2026Q4") & ~cells["suppressed"]]["index"]
        )

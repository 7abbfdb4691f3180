"""Linkage panels: aggregation, agreement (against R multilevel/psych), lagged links, person-months, HR and unit files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close
from scipy import stats

from satisfaction.errors import InputError, OptionError
from satisfaction.linkage import (
    aggregate,
    agreement,
    icc,
    link,
    person_periods,
    rwg_j,
    spearman_brown,
    to_period,
    to_quarter,
    unit_panel,
)


def test_to_quarter_maps_months_and_keeps_quarters():
    s = pd.Series(["2025-01", "2025-03", "2025-04", "2025-12", "2026Q2"])
    assert to_quarter(s).tolist() == ["2025Q1", "2025Q1", "2025Q2", "2025Q4", "2026Q2"]


def test_to_quarter_rejects_garbage_with_the_value():
    with pytest.raises(InputError, match="'March 2025'"):
        to_quarter(pd.Series(["2025-01", "March 2025"]))


def test_aggregate_counts_and_means():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "unit": rng.choice(["A", "B", "C"], 300),
            "period": rng.choice(["2025Q1", "2025Q2"], 300),
            "EX": rng.normal(3, 1, 300),
        }
    )
    df.loc[::7, "EX"] = np.nan
    out = aggregate(df, ["EX"])
    assert out["n"].sum() == 300
    for row in out.itertuples():
        part = df[(df.unit == row.unit) & (df.period == row.period)]
        assert row.n == len(part)
        assert row.EX_n == part["EX"].notna().sum()
        assert_close(row.EX, part["EX"].mean(), kind="roundoff")


def test_aggregate_names_missing_columns():
    with pytest.raises(InputError, match=r"\['LQ'\]"):
        aggregate(pd.DataFrame({"unit": [], "period": []}), ["LQ"])


def test_aggregate_counts_people_not_responses():
    """Three monthly answers of one person in a quarter are one person (anonymity is about people)."""
    df = pd.DataFrame(
        {
            "unit": ["A"] * 5,
            "quarter": ["2025Q1"] * 5,
            "who": [1, 1, 1, 2, 3],
            "EX": [3.0, 4.0, 5.0, 2.0, 1.0],
        }
    )
    out = aggregate(df, ["EX"], by=["unit", "quarter"], respondent="who")
    assert out.loc[0, "n"] == 3
    assert out.loc[0, "EX_n"] == 5
    assert aggregate(df, ["EX"], by=["unit", "quarter"]).loc[0, "n"] == 5


# --------------------------------------------------------------------------- agreement vs R

REF = json.loads((Path(__file__).parent / "reference" / "agreement.json").read_text())


def _ref_frame():
    d = REF["data"]
    return pd.DataFrame({"group": d["group"], **{f"x{j}": d[f"x{j}"] for j in range(1, 5)}})


def test_icc_matches_multilevel_and_psych():
    """R: multilevel::ICC1/ICC2(aov(score ~ as.factor(grp))); psych::statsBy(...)$ICC1/$ICC2."""
    df = _ref_frame()
    score = df[["x1", "x2", "x3", "x4"]].mean(axis=1)
    out = icc(score, df["group"])
    assert_close(out["icc1"], REF["icc1"], kind="parity")
    assert_close(out["icc2"], REF["icc2"], kind="parity")
    assert_close([out["icc1"], out["icc2"]], [REF["psych_icc1"], REF["psych_icc2"]], kind="parity")


def test_rwg_j_matches_multilevel():
    """R: multilevel::rwg.j(items, grp, ranvar = 2), per group."""
    df = _ref_frame()
    ours = df.groupby("group")[["x1", "x2", "x3", "x4"]].apply(rwg_j)
    ref = pd.Series(REF["rwg_j"], index=[int(g) for g in REF["rwg_j_group"]])
    assert_close(ours.loc[ref.index].to_numpy(), ref.to_numpy(), kind="parity")


def test_agreement_reproduces_multilevel_through_the_panel_path():
    """The same numbers through agreement(): construct items, groups as units, one period."""
    df = _ref_frame().rename(columns={"x1": "lq1", "x2": "lq2", "x3": "lq3", "x4": "lq4"})
    df["unit"] = df["group"].astype(str)
    df["period"] = "2025-01"
    out = agreement(df, constructs=["LQ"], respondent=None).iloc[0]
    assert_close(out["icc1"], REF["icc1"], kind="parity")
    assert_close(out["icc2"], REF["icc2"], kind="parity")
    assert_close(out["rwg_j_mean"], np.mean(REF["rwg_j"]), kind="parity")


def test_spearman_brown_at_the_mean_group_size_is_icc2():
    out = icc(np.arange(12.0) % 5, list("aaabbbcccddd"))
    assert_close(spearman_brown(out["icc1"], out["mean_group_size"]), out["icc2"], kind="roundoff")


# --------------------------------------------------------------------------- periods and panels


def test_to_period_month_quarter_year_and_custom():
    s = pd.Series(["2025-01", "2025-11", "2026-04"])
    assert to_period(s, "month").tolist() == ["2025-01", "2025-11", "2026-04"]
    assert to_period(s, "quarter").tolist() == ["2025Q1", "2025Q4", "2026Q2"]
    assert to_period(s, "year").tolist() == ["2025", "2025", "2026"]
    cal = {"2025-01": "w1", "2025-11": "w2", "2026-04": "w2"}
    assert to_period(s, cal).tolist() == ["w1", "w2", "w2"]
    with pytest.raises(InputError, match="2026-04"):
        to_period(s, {"2025-01": "w1", "2025-11": "w2"})
    with pytest.raises(OptionError, match="'month', 'quarter', 'year'"):
        to_period(s, "week")
    with pytest.raises(InputError, match="cannot be split"):
        to_period(pd.Series(["2025Q1"]), "month")


@pytest.fixture(scope="module")
def pulse():
    import satisfaction as sat

    return sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])


def test_unit_panel_counts_people_and_matches_a_direct_computation():
    df = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "b", "c", "d", "e", "e"],
            "unit": ["U"] * 5 + ["V"] * 2,
            "period": ["2025-01", "2025-02", "2025-01", "2025-03", "2025-02", "2025-01", "2025-02"],
            "EX": [4.0, 2.0, 5.0, 3.0, 4.0, 1.0, 2.0],
        }
    )
    p = unit_panel(df, constructs=["EX"], min_group_size=3)
    u = p[p.unit == "U"].iloc[0]
    person = np.array([3.0, 5.0, 3.0, 4.0])  # a averaged over two months first
    assert (u.n_people, u.n_responses) == (4, 5)
    assert_close(u["mean"], person.mean(), kind="roundoff")
    assert_close(u["sd"], person.std(ddof=1), kind="roundoff")
    assert_close(u["se"], person.std(ddof=1) / 2, kind="roundoff")
    half = stats.t.ppf(0.975, 3) * u["se"]
    assert_close([u.ci_lower, u.ci_upper], [u["mean"] - half, u["mean"] + half], kind="roundoff")
    v = p[p.unit == "V"].iloc[0]
    assert v.n_people == 1 and v.small_group and not u.small_group  # flagged, not dropped
    assert np.isnan(u.rwg_j)  # a score column has no items


def test_unit_panel_on_the_sample_flags_small_units_and_gives_reliabilities(pulse):
    p = unit_panel(pulse, constructs=["EX"], period="quarter")
    assert set(p.period) == {f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)}
    assert p.small_group.any() and (p.n_people[p.small_group] < 5).all()
    assert p.n_people.sum() < p.n_responses.sum()
    assert ((p.icc2 > 0) & (p.icc2 < 1)).all()
    assert p.icc2.corr(p.n_people) > 0.5  # bigger units, more reliable means
    assert p.rwg_j.between(0, 1).all()
    monthly = unit_panel(pulse, constructs=["EX"], period="month")
    assert monthly.period.nunique() == 24


# --------------------------------------------------------------------------- link and person-months


def _long(unit, period, construct, mean, n=10):
    return pd.DataFrame(
        {"unit": unit, "period": period, "construct": construct, "n_people": n, "mean": mean}
    )


def test_link_lags_the_employee_side_and_lists_one_sided_rows():
    emp = _long(["A", "A", "B"], ["2025Q1", "2025Q2", "2025Q1"], "EX", [3.0, 3.5, 4.0])
    cus = _long(["A", "A", "C"], ["2025Q2", "2025Q3", "2025Q2"], "CSAT", [4.0, 4.5, 2.0], n=20)
    out = link(emp, cus, lag=1).set_index(["unit", "period"])
    assert out.loc[("A", "2025Q2"), "EX"] == 3.0  # EX of 2025Q1 beside CSAT of 2025Q2
    assert out.loc[("A", "2025Q3"), "EX"] == 3.5
    assert out.loc[("A", "2025Q3"), "employee_period"] == "2025Q2"
    assert out.loc[("A", "2025Q3"), ["EX_n", "CSAT_n"]].tolist() == [10, 20]
    assert out.loc[("B", "2025Q2"), "matched"] == "employee only"
    assert out.loc[("C", "2025Q2"), "matched"] == "customer only"
    assert out.loc[("C", "2025Q2"), "employee_period"] == "2025Q1"
    assert len(out) == 4
    same = link(emp, cus, lag=0).set_index(["unit", "period"])
    assert same.loc[("A", "2025Q2"), "EX"] == 3.5
    with pytest.raises(InputError, match="lag"):
        link(emp, cus, lag=-1)
    monthly = _long(["A"], ["2025-01"], "EX", [3.0])
    with pytest.raises(InputError, match="month periods and the customer panel quarter"):
        link(monthly, cus)


def test_person_periods_risk_sets_scores_before_the_month_and_exits():
    pulse = pd.DataFrame(
        {
            "respondent_id": ["E1", "E1", "E2", "E3"],
            "unit": ["A", "A", "A", "B"],
            "period": ["2025-01", "2025-03", "2025-01", "2025-04"],
            "EX": [4.0, 2.0, 3.0, 5.0],
        }
    )
    hr = pd.DataFrame(
        {
            "employee_id": ["E1", "E3", "E2"],
            "unit": ["A", "B", "A"],
            "date": pd.to_datetime(["2025-03-20", "2025-03-01", "2025-02-16"]),
            "event": ["exit_voluntary", "join", "exit_involuntary"],
        }
    )
    pp = person_periods(pulse, hr, constructs=["EX"])
    e1 = pp[pp.person == "E1"]
    assert e1.period.tolist() == ["2025-01", "2025-02", "2025-03"]  # at risk until the exit
    assert e1.EX.isna().tolist() == [True, False, False]  # strictly earlier answers only
    assert e1.EX.tolist()[1:] == [4.0, 4.0]  # March's answer does not explain March's exit
    assert e1.event.tolist() == ["none", "none", "exit_voluntary"]
    assert e1.exit_voluntary.tolist() == [0, 0, 1] and e1.stop.tolist() == [1, 2, 3]
    e2 = pp[pp.person == "E2"]
    assert e2.event.tolist() == ["none", "exit_involuntary"] and e2.exit_voluntary.sum() == 0
    e3 = pp[pp.person == "E3"]
    assert e3.period.tolist() == ["2025-03", "2025-04"]  # enters at the join
    assert e3.start.tolist() == [0, 1] and (e3.unit == "B").all()


def test_person_periods_on_the_sample_counts_every_voluntary_exit(pulse):
    import satisfaction as sat

    org = sat.load_sample()
    pp = person_periods(pulse, org.hr_events)
    assert pp.exit_voluntary.sum() == (org.hr_events.event == "exit_voluntary").sum()
    assert not pp.duplicated(["person", "period"]).any()
    assert (pp.EX_age >= 1).all() or pp.EX_age.isna().any()


def test_person_periods_rejects_unknown_events():
    hr = pd.DataFrame(
        {"employee_id": ["E1"], "unit": ["A"], "date": ["2025-01-01"], "event": ["fired"]}
    )
    pulse = pd.DataFrame({"respondent_id": ["E1"], "unit": ["A"], "period": ["2025-01"], "EX": [3]})
    with pytest.raises(InputError, match="'fired'"):
        person_periods(pulse, hr, constructs=["EX"])


# --------------------------------------------------------------------------- HR and unit files


def test_read_hr_events_and_units_on_the_sample_exports():
    import satisfaction as sat

    folder = sat.load_sample_exports()
    hr = sat.read_hr_events(folder / "hr_events.csv")
    org = sat.load_sample()
    assert len(hr.data) == len(org.hr_events)
    assert hr.data["date"].dtype.kind == "M"
    assert hr.data.event.value_counts().to_dict() == org.hr_events.event.value_counts().to_dict()
    units = sat.read_units(folder / "units.csv")
    assert units.data.reform_month.fillna("").tolist() == org.units.reform_month.fillna("").tolist()


def test_read_hr_events_names_the_file_and_line_of_a_bad_value(tmp_path):
    import satisfaction as sat

    path = tmp_path / "hr.csv"
    path.write_text(
        "employee_id;unit;date;event\nE1;A;2025-01-03;join\nE2;A;2025-02-30x;exit_voluntary\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"hr\.csv, line 3: date '2025-02-30x'"):
        sat.read_hr_events(path)
    path.write_text("employee_id;unit;date;event\nE1;A;2025-01-03;quit\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: unknown event 'quit'"):
        sat.read_hr_events(path)
    path.write_text("employee_id;date;event\nE1;2025-01-03;join\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lacks column\(s\) \['unit'\]"):
        sat.read_hr_events(path)


def test_read_units_rejects_duplicates_and_bad_months(tmp_path):
    import satisfaction as sat

    path = tmp_path / "units.csv"
    path.write_text("unit;reform_month\nA;2025-03\nB;\nA;\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 4: unit 'A' is listed twice"):
        sat.read_units(path)
    path.write_text("unit;reform_month\nA;March\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: reform_month 'March'"):
        sat.read_units(path)

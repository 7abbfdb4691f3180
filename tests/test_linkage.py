"""Aggregation to unit x period (checked against hand-computed values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from satisfaction.errors import InputError
from satisfaction.linkage import aggregate, to_quarter


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
        assert row.EX == pytest.approx(part["EX"].mean())


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

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from satisfaction.errors import OptionError  # noqa: E402
from satisfaction.linkage import (  # noqa: E402
    agreement,
    icc,
    link,
    person_periods,
    rwg_j,
    spearman_brown,
    to_period,
    unit_panel,
)

REF = json.loads((Path(__file__).parent / "reference" / "agreement.json").read_text())


def _ref_frame():
    d = REF["data"]
    return pd.DataFrame({"group": d["group"], **{f"x{j}": d[f"x{j}"] for j in range(1, 5)}})


def test_icc_matches_multilevel_and_psych():
    """R: multilevel::ICC1/ICC2(aov(score ~ as.factor(grp))); psych::statsBy(...)$ICC1/$ICC2."""
    df = _ref_frame()
    score = df[["x1", "x2", "x3", "x4"]].mean(axis=1)
    out = icc(score, df["group"])
    assert out["icc1"] == pytest.approx(REF["icc1"], rel=1e-9)
    assert out["icc2"] == pytest.approx(REF["icc2"], rel=1e-9)
    assert out["icc1"] == pytest.approx(REF["psych_icc1"], rel=1e-9)


def test_rwg_j_matches_multilevel():
    """R: multilevel::rwg.j(items, grp, ranvar = 2), per group."""
    df = _ref_frame()
    ours = df.groupby("group")[["x1", "x2", "x3", "x4"]].apply(rwg_j)
    ref = pd.Series(REF["rwg_j"], index=[int(g) for g in REF["rwg_j_group"]])
    assert np.allclose(ours.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-9, atol=1e-12)


def test_agreement_reproduces_multilevel_through_the_panel_path():
    """The same numbers through agreement(): construct items, groups as units, one period."""
    df = _ref_frame().rename(columns={"x1": "lq1", "x2": "lq2", "x3": "lq3", "x4": "lq4"})
    df["unit"] = df["group"].astype(str)
    df["period"] = "2025-01"
    out = agreement(df, constructs=["LQ"], respondent=None).iloc[0]
    assert out["icc1"] == pytest.approx(REF["icc1"], rel=1e-9)
    assert out["icc2"] == pytest.approx(REF["icc2"], rel=1e-9)
    assert out["rwg_j_mean"] == pytest.approx(np.mean(REF["rwg_j"]), rel=1e-9)


def test_spearman_brown_at_the_mean_group_size_is_icc2():
    out = icc(np.arange(12.0) % 5, list("aaabbbcccddd"))
    assert spearman_brown(out["icc1"], out["mean_group_size"]) == pytest.approx(out["icc2"])


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
    assert u["mean"] == pytest.approx(person.mean())
    assert u["sd"] == pytest.approx(person.std(ddof=1))
    assert u["se"] == pytest.approx(person.std(ddof=1) / 2)
    half = 3.182446305284263 * u["se"]  # t(0.975, 3)
    assert (u.ci_lower, u.ci_upper) == pytest.approx((u["mean"] - half, u["mean"] + half))
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

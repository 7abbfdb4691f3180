"""Aggregation to unit x period (checked against hand-computed values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close

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

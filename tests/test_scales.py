"""Tests of satisfaction.scales: scores, reliability and item analysis.

References: pingouin (alpha), R psych 2.2.9 ``psych::alpha`` and lavaan 0.6-14 one-factor
``cfa(..., std.lv = TRUE)`` on the Holzinger-Swineford data (JSON written by
tests/reference/scales/make_reference.R; no R needed here), hand computations, and
simulated data with a known one-factor truth.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
from conftest import assert_close, load_reference

import satisfaction as sat
from satisfaction.errors import InputError, OptionError, SEMWarning
from satisfaction.instruments import Construct, Instrument, Item
from satisfaction.scales import one_factor_ml

REF = Path(__file__).parent / "reference" / "scales"


def make_instrument(spec: dict[str, list[str]]) -> Instrument:
    return Instrument(
        "test",
        tuple(
            Construct(name, name, tuple(Item(i, i, i) for i in items))
            for name, items in spec.items()
        ),
    )


@pytest.fixture
def likert():
    """Two constructs of Likert items from a one-factor model each, with holes."""
    rng = np.random.default_rng(42)
    n = 800
    f = rng.normal(size=(n, 2))
    cols = {}
    for c, (name, k) in enumerate([("a", 4), ("b", 5)]):
        for j in range(k):
            x = 3 + (0.5 + 0.1 * j) * f[:, c] + rng.normal(scale=0.8, size=n)
            cols[f"{name}{j + 1}"] = np.clip(np.round(x), 1, 5)
    data = pd.DataFrame(cols)
    data = data.mask(rng.random(data.shape) < 0.06)
    data.insert(0, "unit", rng.choice(["U1", "U2", "U3"], size=n))
    data.insert(0, "respondent_id", [f"r{i}" for i in range(n)])
    data["enps"] = rng.integers(0, 11, size=n)
    inst = make_instrument(
        {"A": [f"a{j}" for j in range(1, 5)], "B": [f"b{j}" for j in range(1, 6)]}
    )
    return data, inst


# --------------------------------------------------------------------------- score


def test_score_means_answered_items_with_default_min_items(likert):
    data, inst = likert
    out = sat.score(data, inst)
    assert out.columns.tolist() == ["respondent_id", "unit", "enps", "A", "B"]
    assert out.index.equals(data.index)
    for name, items in [
        ("A", [f"a{j}" for j in range(1, 5)]),
        ("B", [f"b{j}" for j in range(1, 6)]),
    ]:
        x = data[items]
        need = math.ceil(len(items) / 2)
        expected = x.mean(axis=1).where(x.notna().sum(axis=1) >= need)
        assert_close(out[name], expected, kind="roundoff")


def test_score_min_items_int_and_dict():
    inst = sat.default_instrument()
    df = pd.DataFrame(
        {"lq1": [4, 5, 1], "lq2": [2, np.nan, np.nan], "lq3": [np.nan] * 3, "lq4": [3, np.nan, 2]}
    )
    assert sat.score(df, inst)["LQ"].round(6).tolist()[:1] == [3.0]
    assert np.isnan(sat.score(df, inst)["LQ"].iloc[1])
    assert sat.score(df, inst, min_items=1)["LQ"].tolist() == [3.0, 5.0, 1.5]
    assert np.isnan(sat.score(df, inst, min_items={"LQ": 4})["LQ"]).all()
    with pytest.raises(
        InputError, match="min_items for construct 'LQ' must be a whole number from 1 to 4"
    ):
        sat.score(df, inst, min_items=5)


def test_score_input_errors(likert):
    data, inst = likert
    with pytest.raises(InputError, match="item column 'a2' is not numeric"):
        sat.score(data.assign(a2="Agree"), inst)
    with pytest.raises(InputError, match="construct 'A' lacks item column"):
        sat.score(data.drop(columns="a3"), inst)
    with pytest.raises(OptionError, match="constructs='EX' is not one of 'A', 'B'"):
        sat.score(data, inst, constructs="EX")
    with pytest.raises(InputError, match="no item columns"):
        sat.score(data[["unit"]], inst)
    with pytest.raises(InputError, match="must be a satisfaction.Instrument"):
        sat.score(data, {"A": ["a1"]})
    only_b = sat.score(data, inst, constructs=["B"])
    assert "A" not in only_b and "B" in only_b


# --------------------------------------------------------------------------- reliability


def test_alpha_equals_pingouin_listwise(likert):
    """pingouin.cronbach_alpha(items, nan_policy='listwise'): same alpha (``roundoff``)."""
    data, inst = likert
    rel = sat.reliability(data, inst).set_index("construct")
    for name, items in [
        ("A", [f"a{j}" for j in range(1, 5)]),
        ("B", [f"b{j}" for j in range(1, 6)]),
    ]:
        complete = data[items].dropna()
        alpha, ci = pingouin.cronbach_alpha(complete, nan_policy="listwise")
        assert_close(rel.loc[name, "alpha"], alpha, kind="roundoff")
        assert rel.loc[name, "n"] == len(complete)
        # pingouin rounds its Feldt interval to 3 decimals; ours is the unrounded value
        assert_close(rel.loc[name, "alpha_ci_lower"], ci[0], kind="printed", decimals=3)
        assert_close(rel.loc[name, "alpha_ci_upper"], ci[1], kind="printed", decimals=3)


def _hs():
    return load_reference("holzinger39_reference", folder="scales")


@pytest.mark.parametrize("file", ["holzinger39", "holzinger39_missing"])
def test_reliability_and_items_match_psych_and_lavaan(file):
    """R: psych::alpha(na.omit(x)) and lavaan::cfa('f =~ items', std.lv = TRUE) (make_reference.R)."""
    ref = _hs()
    data = pd.read_csv(REF / f"{file}.csv")
    for r in ref[file]:
        inst = make_instrument({r["construct"]: r["items"]})
        rel = sat.reliability(data, inst).iloc[0]
        assert rel["n"] == r["n"] and rel["n_items"] == len(r["items"])
        # psych computes alpha and the Feldt interval in closed form: rounding only
        assert_close(rel["alpha"], r["alpha"], kind="roundoff")
        assert_close(rel["alpha_ci_lower"], r["feldt_lower"], kind="roundoff")
        assert_close(rel["alpha_ci_upper"], r["feldt_upper"], kind="roundoff")
        # lavaan's own convergence tolerance limits the agreement of the ML fit
        assert_close(rel["omega_total"], r["omega_total"], kind="parity")
        assert_close(rel["composite_reliability"], r["composite_reliability"], kind="parity")
        assert_close(rel["ave"], r["ave"], kind="parity")
        # omega's Wald interval: a defined parameter of the same one-factor model in lavaan
        assert_close(rel["omega_ci_lower"], r["omega_ci_lower"], kind="parity")
        assert_close(rel["omega_ci_upper"], r["omega_ci_upper"], kind="parity")
        assert rel["omega_ci_lower"] < rel["omega_total"] < rel["omega_ci_upper"]
        complete = data[r["items"]].dropna()
        load, _, _ = one_factor_ml(np.corrcoef(complete.to_numpy(), rowvar=False))
        assert_close(load, r["std_loadings"], kind="parity")
        items = sat.item_analysis(data, inst)
        assert items["item"].tolist() == r["items"]
        assert_close(items["item_total_r"], r["item_total_r"], kind="roundoff")
        assert_close(items["alpha_if_deleted"], r["alpha_if_deleted"], kind="roundoff")
        if file == "holzinger39":  # psych's item means and SDs are on the complete cases
            assert_close(items["mean"], r["mean"], kind="roundoff")
            assert_close(items["sd"], r["sd"], kind="roundoff")


def test_omega_cr_ave_recover_simulated_truth():
    """Simulated one-factor data with unequal item variances: population values are known."""
    rng = np.random.default_rng(2026)
    lam = np.array([0.9, 0.6, 1.2, 0.5, 0.8])  # covariance metric
    theta = np.array([0.5, 0.8, 0.7, 0.9, 0.3])
    n = 100_000
    x = rng.normal(size=(n, 1)) * lam + rng.normal(size=(n, 5)) * np.sqrt(theta)
    data = pd.DataFrame(x, columns=[f"ex{j}" for j in range(1, 6)])
    rel = sat.reliability(data, sat.default_instrument()).iloc[0]
    omega = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
    std = lam / np.sqrt(lam**2 + theta)
    cr = std.sum() ** 2 / (std.sum() ** 2 + (1 - std**2).sum())
    # n = 100000: the sampling SD of these coefficients is about 0.001
    assert_close(rel["omega_total"], omega, kind="statistical", atol=0.01)
    assert_close(rel["composite_reliability"], cr, kind="statistical", atol=0.01)
    assert_close(rel["ave"], np.mean(std**2), kind="statistical", atol=0.01)
    assert abs(omega - cr) > 0.005  # the two metrics differ here, so the test tells them apart
    # alpha is a lower bound of omega under a congeneric model
    assert rel["alpha"] < rel["omega_total"]


def test_omega_interval_covers_the_truth_at_its_nominal_rate():
    """240 simulated surveys of n = 200 from a congeneric model; the 95% interval's coverage."""
    rng = np.random.default_rng(11)
    lam = np.array([0.9, 0.6, 1.2, 0.5, 0.8])
    theta = np.array([0.5, 0.8, 0.7, 0.9, 0.3])
    omega = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
    hits, reps = 0, 240
    for _ in range(reps):
        x = rng.normal(size=(200, 1)) * lam + rng.normal(size=(200, 5)) * np.sqrt(theta)
        data = pd.DataFrame(x, columns=[f"ex{j}" for j in range(1, 6)])
        rel = sat.reliability(data, sat.default_instrument()).iloc[0]
        hits += rel["omega_ci_lower"] <= omega <= rel["omega_ci_upper"]
    # coverage 0.95 has a Monte Carlo SD of sqrt(0.95 * 0.05 / 240) = 0.014; 4 SDs
    assert_close(hits / reps, 0.95, kind="statistical", atol=0.056)


def test_reliability_small_constructs_and_bad_ci():
    inst = make_instrument({"two": ["p", "q"], "one": ["r"]})
    rng = np.random.default_rng(0)
    f = rng.normal(size=200)
    df = pd.DataFrame({c: f + rng.normal(size=200) for c in "pqr"})
    rel = sat.reliability(df, inst).set_index("construct")
    assert not np.isnan(rel.loc["two", "alpha"])
    assert np.isnan(
        rel.loc["two", ["omega_total", "composite_reliability", "ave"]].astype(float)
    ).all()
    assert np.isnan(rel.loc["one", "alpha"])
    with pytest.raises(InputError, match="ci must be"):
        sat.reliability(df, inst, ci=95)


def test_heywood_case_warns():
    rng = np.random.default_rng(3)
    f = rng.normal(size=2000)
    df = pd.DataFrame(
        {
            "a": f + 0.001 * rng.normal(size=2000),
            "b": f + rng.normal(size=2000),
            "c": rng.normal(size=2000) + 0.3 * f,
        }
    )
    with pytest.warns(SEMWarning, match="Heywood"):
        sat.reliability(df, make_instrument({"F": ["a", "b", "c"]}))


# --------------------------------------------------------------------------- item analysis


def test_item_analysis_by_hand(likert):
    data, inst = likert
    out = sat.item_analysis(data, inst)
    assert out.columns.tolist() == [
        "construct", "item", "n", "mean", "sd", "item_total_r",
        "alpha_if_deleted", "missing_rate", "dont_know_rate",
    ]  # fmt: skip
    items = [f"b{j}" for j in range(1, 6)]
    complete = data[items].dropna().to_numpy()
    for j, item in enumerate(items):
        row = out[out["item"] == item].iloc[0]
        col = data[item]
        assert row["construct"] == "B"
        assert row["n"] == col.notna().sum()
        assert_close(row["mean"], col.mean(), kind="roundoff")
        assert_close(row["sd"], col.std(), kind="roundoff")
        assert_close(row["missing_rate"], col.isna().mean(), kind="roundoff")
        assert np.isnan(row["dont_know_rate"])
        rest = np.delete(complete, j, axis=1)
        r = np.corrcoef(complete[:, j], rest.sum(axis=1))[0, 1]
        assert_close(row["item_total_r"], r, kind="roundoff")
        k = rest.shape[1]
        alpha = k / (k - 1) * (1 - rest.var(axis=0, ddof=1).sum() / rest.sum(axis=1).var(ddof=1))
        assert_close(row["alpha_if_deleted"], alpha, kind="roundoff")


def test_item_analysis_dont_know_sources():
    inst = sat.default_instrument()
    df = pd.DataFrame(
        {"csat1": [5, 4, np.nan, 4], "csat2": [4, 4, 1, np.nan], "csat3": [5, 3, 2, 2]}
    )
    raw = df.astype(object)
    raw.loc[2, "csat1"] = "En osaa sanoa"
    raw.loc[3, "csat2"] = None  # skipped, not "don't know"
    from_raw = sat.item_analysis(df, inst, raw=raw).set_index("item")
    assert from_raw["dont_know_rate"].tolist() == [0.25, 0.0, 0.0]
    assert from_raw["missing_rate"].tolist() == [0.25, 0.25, 0.0]
    flags = df.isna() & pd.DataFrame(
        {"csat1": [0, 0, 1, 0], "csat2": [0, 0, 0, 0], "csat3": [0] * 4}
    ).astype(bool)
    from_flags = sat.item_analysis(df, inst, dont_know=flags)
    assert from_flags["dont_know_rate"].tolist() == [0.25, 0.0, 0.0]
    from_counts = sat.item_analysis(df, inst, dont_know={"csat1": 1, "csat2": 0, "csat3": 2})
    assert from_counts["dont_know_rate"].tolist() == [0.25, 0.0, 0.5]
    with pytest.raises(InputError, match="same rows as data"):
        sat.item_analysis(df, inst, raw=raw.iloc[:2])


def test_on_the_sample_organisation(sample_org):
    pulse = sample_org.pulse.assign(ex5=lambda d: 6 - d["ex5"])
    inst = sat.default_instrument()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Heywood or convergence warning on the sample
        rel = sat.reliability(pulse, inst)
    assert rel["construct"].tolist() == ["LQ", "EX"]
    assert (rel["alpha"] > 0.6).all() and (rel["omega_total"] >= rel["alpha"] - 0.01).all()
    scores = sat.score(pulse, inst)
    assert scores[["LQ", "EX"]].notna().all().all()
    assert scores["LQ"].between(1, 5).all()

"""Measurement invariance: the sequence against lavaan, and planted non-invariance found.

The Holzinger-Swineford sequence is compared with lavaan 0.6-14's
``lavTestLRT(configural, metric, scalar, strict)`` (tests/reference/hs_mg_lrt.json; MLR:
hs_mg_lrt_mlr.json, method "satorra.bentler.2001"). The simulations know their truth:
one intercept (ex3 in the second group; item 2 in the third wave) is shifted by 0.5
and nothing else differs, so scalar invariance must fail and the partial search must
free exactly that intercept.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satisfaction.errors import OptionError, SEMError
from satisfaction.sem import invariance, longitudinal_invariance, longitudinal_model

REF = Path(__file__).parent / "reference"
HS = pd.read_csv(REF / "data" / "hs.csv")
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ONE_FACTOR = "EX =~ ex1 + ex2 + ex3 + ex4 + ex5"


def _lrt(name: str) -> pd.DataFrame:
    path = REF / f"{name}.json"
    assert path.exists(), f"{path} is missing; run Rscript tests/reference/make_reference.R"
    return pd.DataFrame(json.loads(path.read_text())["table"])


def planted_groups(seed: int = 11, n: int = 600, shift: float = 0.5) -> pd.DataFrame:
    """Two periods, one factor; the latent mean rises by 0.3 and ex3's intercept by ``shift``."""
    rng = np.random.default_rng(seed)
    lam = np.array([1.0, 0.8, 0.9, 0.7, 0.85])
    frames = []
    for g, mean in enumerate((0.0, 0.3)):
        f = rng.normal(mean, 1.0, n)
        x = 3.0 + np.outer(f, lam) + rng.normal(0, np.sqrt(0.5), (n, 5))
        if g == 1:
            x[:, 2] += shift
        d = pd.DataFrame(x, columns=[f"ex{j + 1}" for j in range(5)])
        d["period"] = ("before", "after")[g]
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(("estimator", "ref"), [("ML", "hs_mg_lrt"), ("MLR", "hs_mg_lrt_mlr")])
def test_sequence_matches_lavtestlrt(estimator, ref):
    res = invariance(HS_MODEL, HS, "school", estimator=estimator, partial=False)
    lrt = _lrt(ref)
    tab = res.table
    assert tab["level"].tolist() == ["configural", "metric", "scalar", "strict"]
    assert tab["df"].tolist() == lrt["Df"].tolist()
    np.testing.assert_allclose(tab["chisq"], lrt["Chisq"], rtol=1e-5)
    np.testing.assert_allclose(tab["chisq_diff"][1:], lrt["Chisq diff"][1:], rtol=1e-4)
    np.testing.assert_allclose(tab["pvalue_diff"][1:], lrt["Pr(>Chisq)"][1:], rtol=1e-3)
    assert tab["holds"].tolist() == [True, True, False, True]  # Chen (2007): scalar fails
    assert (tab["delta_cfi"][1:] == tab["cfi"].diff()[1:]).all()


def test_partial_search_frees_the_planted_intercept_only():
    data = planted_groups()
    for criterion in ("chen2007", "cheung_rensvold2002", "chisq"):
        res = invariance(ONE_FACTOR, data, "period", criterion=criterion)
        assert res.freed == ["ex3 ~ 1"], criterion
        steps = res.steps
        scalar = steps[steps["level"] == "scalar"]
        assert scalar["holds"].tolist() == [False, True]
        assert scalar["released"].tolist() == ["", "ex3 ~ 1"]
        assert res.table.set_index("level").loc["scalar", "freed"] == "ex3 ~ 1"
        assert res.table["holds"].all()


def test_partial_search_with_mlr():
    res = invariance(ONE_FACTOR, planted_groups(seed=3), "period", estimator="MLR")
    assert res.freed == ["ex3 ~ 1"]


def test_no_planted_difference_nothing_freed():
    res = invariance(ONE_FACTOR, planted_groups(seed=5, shift=0.0), "period", criterion="chisq")
    assert res.freed == [] and res.table["holds"].all()


def test_without_partial_search_the_failure_stands():
    res = invariance(ONE_FACTOR, planted_groups(), "period", partial=False)
    assert res.table["holds"].tolist() == [True, True, False, True]
    assert res.freed == []


def test_longitudinal_invariance_finds_the_wave_with_a_shifted_intercept():
    rng = np.random.default_rng(5)
    n = 800
    lam = np.array([1.0, 0.8, 0.9, 0.7])
    cov = [[1, 0.6, 0.5], [0.6, 1, 0.6], [0.5, 0.6, 1]]
    f = rng.multivariate_normal([0, 0.2, 0.4], cov, n)
    cols = {}
    for t in range(3):
        for j in range(4):
            v = 3 + lam[j] * f[:, t] + rng.normal(0, 0.7, n)
            cols[f"ex{j + 1}_t{t + 1}"] = v + (0.5 if (t, j) == (2, 1) else 0.0)
    wide = pd.DataFrame(cols)
    items, waves = ["ex1", "ex2", "ex3", "ex4"], ["t1", "t2", "t3"]
    plain = longitudinal_invariance(wide, "EX", items, waves, partial=False)
    assert plain.table["holds"].tolist() == [True, True, False, True]
    assert plain.table["df"].tolist() == [39, 45, 51, 59]
    res = longitudinal_invariance(wide, "EX", items, waves)
    assert res.freed == ["ex2_t3 ~ 1"]  # exactly the planted intercept
    assert res.table["holds"].all() and res.table["df"].tolist() == [39, 45, 50, 58]


def test_longitudinal_model_labels_items_alike_across_waves():
    syntax = longitudinal_model("EX", ["a", "b"], ["t1", "t2"], "strict")
    assert "b_t1 ~~ r2*b_t1" in syntax and "b_t2 ~~ r2*b_t2" in syntax
    assert "EX_t2 ~ NA*1" in syntax and "a_t1 ~ i1*1" in syntax
    configural = longitudinal_model("EX", ["a", "b"], ["t1", "t2"])
    assert "l2*" not in configural and "EX_t2 ~ 0*1" in configural


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"levels": ("configural", "weak")}, "levels='weak'"),
        ({"criterion": "hu_bentler"}, "criterion='hu_bentler'"),
        ({"estimator": "WLSMV"}, "estimator='WLSMV'"),
    ],
)
def test_invariance_option_errors(kwargs, fragment):
    with pytest.raises(OptionError, match=fragment):
        invariance(ONE_FACTOR, planted_groups(n=100), "period", **kwargs)


def test_invariance_levels_out_of_order():
    with pytest.raises(SEMError, match="not in order"):
        invariance(ONE_FACTOR, planted_groups(n=100), "period", levels=("scalar", "metric"))


def test_longitudinal_option_errors():
    with pytest.raises(OptionError, match="level='partial'"):
        longitudinal_model("EX", ["a", "b"], ["t1", "t2"], "partial")
    with pytest.raises(OptionError, match="criterion='x'"):
        longitudinal_invariance(pd.DataFrame(), "EX", ["a", "b"], ["t1", "t2"], criterion="x")

"""Cluster-robust standard errors and test (``fit_sem(..., cluster="unit")``) against lavaan.

Reference: ``tests/reference/hs_cluster_ml.json``, ``hs_cluster_mlr.json``,
``polidem_x_cluster_mlr.json``, ``org_cluster_ml.json`` and ``org_cluster_mlr.json``,
written by ``tests/reference/make_reference.R`` (lavaan 0.6-14)::

    hs$unit <- (seq_len(nrow(hs)) - 1) %/% 7 + 1          # 43 artificial units
    cfa(model, data = hs, estimator = "ML", cluster = "unit")
    cfa(model, data = hs, estimator = "MLR", cluster = "unit")
    polidem$unit <- (seq_len(nrow(polidem)) - 1) %/% 3 + 1  # 25 units, fixed.x covariates
    sem("dem60 =~ y1 + y2 + y3 + y4; dem60 ~ x1 + x2", data = polidem, estimator = "MLR",
        cluster = "unit")
    sem("LQ =~ lq1 + .. + lq4; EX =~ ex1 + .. + ex5; EX ~ LQ", data = org_pulse,
        estimator = "ML" / "MLR", cluster = "unit")   # sample organisation, 872 employees, 40 units

Measured here: estimates and SEs agree to 2e-6 relative (3e-5 on the estimates of the
75-case political democracy model, the optimiser's tolerance), the scaled chi-squares and
scaling factors to 1e-7 relative. The tests assert the ``parity`` and ``parity_fit``
tolerances of ``tests/conftest.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data, reference_table

from satisfaction.errors import SEMError
from satisfaction.sem import fit_sem
from satisfaction.sem.robust import adf_gamma, cluster_sums

SCALED = [
    "chisq",
    "df",
    "chisq_scaled",
    "pvalue_scaled",
    "chisq_scaling_factor",
    "baseline_chisq_scaled",
    "baseline_chisq_scaling_factor",
    "cfi_scaled",
    "tli_scaled",
    "cfi_robust",
    "tli_robust",
    "rmsea_scaled",
    "rmsea_robust",
    "rmsea_ci_lower_robust",
    "rmsea_ci_upper_robust",
]

CASES = [
    "hs_cluster_ml",
    "hs_cluster_mlr",
    "polidem_x_cluster_mlr",
    "org_cluster_ml",
    "org_cluster_mlr",
]


def case_data(case: str) -> pd.DataFrame:
    """The data of a case with its unit column, built as make_reference.R builds it."""
    if case.startswith("hs"):
        data = reference_data("hs").copy()
        data["unit"] = np.arange(len(data)) // 7 + 1
    elif case.startswith("polidem"):
        data = reference_data("polidem").copy()
        data["unit"] = np.arange(len(data)) // 3 + 1
    else:
        data = reference_data("org_pulse").copy()
    return data


def fit_case(case: str, **kw):
    ref = load_reference(case)
    estimator = "MLR" if case.endswith("mlr") else "ML"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], case_data(case), estimator=estimator, cluster="unit", **kw)
    return ref, res


@pytest.fixture(scope="module", params=CASES)
def case(request):
    return fit_case(request.param)


def test_estimates_and_cluster_robust_ses_match_lavaan(case):
    ref, res = case
    want = reference_table(ref)
    got = res.estimates.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(got) == len(want)
    for col in ["est", "se"]:
        assert_close(got[col], got[f"{col}_lav"].astype(float), kind="parity", err_msg=col)
    assert res.se_type == "robust.cluster"


def test_scaled_test_and_fit_measures_match_lavaan(case):
    ref, res = case
    fm = res.fit_measures
    for name in SCALED:
        lav = ref["fit_measures"][name.replace("_", ".")]
        assert_close(fm[name], lav, kind="parity_fit", err_msg=name)
    assert res.test["robust"]["nclusters"] == ref["nclusters"]


def test_ml_and_mlr_share_the_ses_but_not_the_test():
    """lavaan: estimator="ML" with cluster= gives MLR's SEs; its trace uses the h1 information."""
    _, ml = fit_case("hs_cluster_ml")
    _, mlr = fit_case("hs_cluster_mlr")
    assert_close(ml.estimates["se"], mlr.estimates["se"], kind="roundoff")
    assert abs(ml.fit_measures["chisq_scaled"] - mlr.fit_measures["chisq_scaled"]) > 1


def test_clusters_change_the_ses():
    """Summing scores within units is not the plain MLR sandwich (lavaan: 0.107 vs 0.132)."""
    ref = load_reference("hs_cluster_mlr")
    data = case_data("hs_cluster_mlr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit_sem(ref["syntax"], data, estimator="MLR", meanstructure=True)
        clustered = fit_sem(ref["syntax"], data, estimator="MLR", cluster="unit")
    ratio = clustered.estimates["se"] / plain.estimates["se"]
    assert np.nanmax(np.abs(ratio[plain.estimates["se"] > 0] - 1)) > 0.05


def test_one_person_per_cluster_is_plain_mlr_up_to_the_small_sample_factor():
    """With singleton clusters the sandwich is MLR's times sqrt(n / (n - 1))."""
    ref = load_reference("hs_cluster_mlr")
    data = case_data("hs_cluster_mlr")
    data["person"] = np.arange(len(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit_sem(ref["syntax"], data, estimator="MLR", meanstructure=True)
        single = fit_sem(ref["syntax"], data, estimator="MLR", cluster="person")
    n = len(data)
    assert_close(
        single.estimates["se"], plain.estimates["se"] * np.sqrt(n / (n - 1)), kind="roundoff"
    )


def test_cluster_sums_and_clustered_gamma():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    units = np.repeat(np.arange(8), 5)
    sums = cluster_sums(x, units)
    assert_close(sums[2], x[10:15].sum(axis=0), kind="roundoff")
    g = adf_gamma(x, True, cluster=units)
    z = adf_gamma(x, True)  # each case its own cluster: the ordinary Gamma
    assert g.shape == z.shape
    assert_close(adf_gamma(x, True, cluster=np.arange(40)), z, kind="roundoff")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cluster": "nope"}, "not a column"),
        ({"cluster": "unit", "estimator": "MLM"}, "cluster= is available"),
        ({"cluster": "unit", "estimator": "ULS"}, "cluster= is available"),
        ({"cluster": "one"}, "at least 2 clusters"),
        ({"cluster": "gappy"}, "no cluster value"),
    ],
)
def test_bad_cluster_options_raise_clear_errors(kwargs, match):
    ref = load_reference("hs_cluster_mlr")
    data = case_data("hs_cluster_mlr")
    data["one"] = "A"
    data["gappy"] = data["unit"].astype(float)
    data.loc[5, "gappy"] = np.nan
    with pytest.raises(SEMError, match=match):
        fit_sem(ref["syntax"], data, **kwargs)

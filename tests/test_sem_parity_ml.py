"""Parity of ML, GLS and ULS fits with lavaan 0.6-14 (tests/reference/*.json).

Each JSON names its lavaan call (``call``), e.g. ``cfa(model, data = hs)`` for
``hs_cfa_ml`` and ``sem(model, data = polidem, estimator = "GLS")`` for
``polidem_gls``; ``make_reference.R`` wrote them from the CSV files in
``tests/reference/data``. Every estimate, standard error, z, p-value, Wald
interval, std_lv and std_all, R-squared and the covariance matrix of the estimates
agree within the ``parity`` tolerance of ``tests/conftest.py``, every fit measure
within ``parity_fit``, the modification indices within ``parity_mi`` (ULS:
``parity_uls``, lavaan's own ULS optimum is only accurate to about 1e-5).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data

from satisfaction.errors import SEMWarning
from satisfaction.sem import fit_sem

CASES = {
    "hs_cfa_ml": ("hs", "ML"),
    "polidem_ml": ("polidem", "ML"),
    "polidem_gls": ("polidem", "GLS"),
    "polidem_uls": ("polidem", "ULS"),
}
FIT_NAMES = [
    "npar",
    "nobs",
    "fmin",
    "chisq",
    "df",
    "pvalue",
    "baseline_chisq",
    "baseline_df",
    "baseline_pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "rmsea_pvalue",
    "srmr",
    "logl",
    "unrestricted_logl",
    "aic",
    "bic",
]


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    ref = load_reference(request.param)
    csv, estimator = CASES[request.param]
    data = reference_data(csv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        res = fit_sem(ref["syntax"], data, estimator=estimator)
    return request.param, ref, res


def _num(values):
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)


def test_converged_and_same_rows(case):
    _, ref, res = case
    assert res.converged == ref["converged"]
    est = res.estimates
    lav = pd.DataFrame(ref["estimates"])
    assert est[["lhs", "op", "rhs"]].values.tolist() == lav[["lhs", "op", "rhs"]].values.tolist()
    labels = lav["label"].fillna("") if "label" in lav else pd.Series([""] * len(lav))
    assert est["label"].tolist() == labels.tolist()


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("est", "est"),
        ("se", "se"),
        ("z", "z"),
        ("pvalue", "pvalue"),
        ("ci_lower", "ci.lower"),
        ("ci_upper", "ci.upper"),
        ("std_lv", "std.lv"),
        ("std_all", "std.all"),
    ],
)
def test_estimates_columns(case, ours, theirs):
    name, ref, res = case
    lav = pd.DataFrame(ref["estimates"])
    got, want = res.estimates[ours].to_numpy(float), _num(lav[theirs])
    # lavaan leaves z and p-values of fixed parameters empty: so do we
    assert_close(got, want, kind="parity", err_msg=f"{name}: {ours}")


def test_fit_measures(case):
    name, ref, res = case
    fm = res.fit_measures
    lav = ref["fit_measures"]
    for key in FIT_NAMES:
        theirs = lav.get(key.replace("_", "."), lav.get(key))
        if key == "nobs":
            theirs = ref["nobs"]
        theirs = np.nan if theirs is None else float(theirs)
        kind = "exact" if key in ("npar", "nobs", "df", "baseline_df") else "parity_fit"
        assert_close(fm[key], theirs, kind=kind, err_msg=f"{name}: {key}")


def test_r2_and_vcov(case):
    _, ref, res = case
    lav_r2 = pd.Series(ref["r2"], dtype=float)
    assert list(res.r2.index) == list(lav_r2.index)
    assert_close(res.r2.to_numpy(), lav_r2.to_numpy(), kind="parity", err_msg="r2")
    v = ref["vcov"]
    lav_v = np.asarray(v["values"] if "values" in v else v["matrix"], dtype=float)
    lav_v = lav_v.reshape(len(v["rownames"]), len(v["colnames"]))
    ours = res.vcov
    # lavaan lists every labelled copy separately (equality constraints); compare by name
    names = [n for n in v["rownames"] if n in ours.index]
    idx = [v["rownames"].index(n) for n in names]
    assert len(names) >= ours.shape[0] - 1
    assert_close(ours.loc[names, names], lav_v[np.ix_(idx, idx)], kind="parity", err_msg="vcov")


def test_modindices(case):
    name, ref, res = case
    lav = pd.DataFrame(ref["modindices"])
    mi = res.modindices()
    assert mi[["lhs", "op", "rhs"]].values.tolist() == lav[["lhs", "op", "rhs"]].values.tolist()
    kind = "parity_uls" if name.endswith("uls") else "parity_mi"
    for ours, theirs in [
        ("mi", "mi"),
        ("epc", "epc"),
        ("sepc_lv", "sepc.lv"),
        ("sepc_all", "sepc.all"),
    ]:
        assert_close(mi[ours], _num(lav[theirs]), kind=kind, err_msg=f"{name}: {ours}")

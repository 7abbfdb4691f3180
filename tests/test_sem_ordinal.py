"""Polychoric correlations and DWLS/WLSMV against lavaan 0.6-14 and simulated truth.

Reference: ``tests/reference/chain_ordinal.json``, produced by ``make_reference.R`` with
``sem(model, data = chain_ordinal, ordered = names(chain_ordinal), estimator = "WLSMV")``
(and ``estimator = "DWLS"``); the polychoric correlations and thresholds are
``lavInspect(fit, "sampstat")`` and the weights ``lavInspect(fit, "wls.v")``.

Tolerances achieved (measured): polychoric correlations 3e-8, thresholds 5e-15, DWLS
weights 1e-7 (relative), estimates 1e-6, standard errors 1e-7, chi-square and scaled
chi-square 1e-5. The tests assert the tolerances of ``tests/conftest.py``: ``parity`` for
polychoric correlations, thresholds, weights, estimates and SEs, ``parity_fit`` for test
statistics and fit measures, ``printed`` for lavaan numbers copied into this file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data
from scipy.stats import multivariate_normal

from satisfaction.errors import InputError, SEMError, SEMWarning
from satisfaction.sem.ordinal import (
    bivariate_normal_cdf,
    bivariate_normal_pdf,
    fit_dwls,
    polychoric,
)


@pytest.fixture(scope="module")
def ref():
    return load_reference("chain_ordinal")


@pytest.fixture(scope="module")
def items():
    return reference_data("chain_ordinal")


@pytest.fixture(scope="module")
def poly(items):
    return polychoric(items)


@pytest.mark.parametrize("rho", [-0.999, -0.95, -0.926, -0.6, 0.0, 0.2, 0.7, 0.924, 0.95, 0.99])
def test_bivariate_cdf_matches_scipy(rho):
    rng = np.random.default_rng(7)
    h = rng.normal(scale=1.5, size=8)
    k = rng.normal(scale=1.5, size=8)
    mvn = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    expected = np.array([mvn.cdf([a, b]) for a, b in zip(h, k, strict=True)])
    got = bivariate_normal_cdf(h, k, rho)
    # in 2-D scipy evaluates Genz's BVNU (Drezner-Wesolowsky), accurate to about 1e-15 like
    # ours: two exact algorithms, so only rounding differs (measured 1.4e-16)
    assert_close(got, expected, kind="roundoff")


def test_bivariate_cdf_limits_and_symmetry():
    assert_close(bivariate_normal_cdf(np.inf, np.inf, 0.3), 1.0, kind="roundoff")
    assert_close(bivariate_normal_cdf(-np.inf, 0.5, 0.3), 0.0, kind="roundoff")
    assert_close(bivariate_normal_cdf(0.4, np.inf, 0.8), 0.6554217, kind="printed", decimals=7)
    # P(X<0, Y<0) = 1/4 + asin(rho) / (2 pi)
    for r in (-0.9, -0.3, 0.5, 0.97):
        assert_close(
            bivariate_normal_cdf(0, 0, r), 0.25 + np.arcsin(r) / (2 * np.pi), kind="roundoff"
        )
    assert_close(
        bivariate_normal_cdf(0.3, -1.2, 0.4), bivariate_normal_cdf(-1.2, 0.3, 0.4), kind="roundoff"
    )


def test_bivariate_pdf_integrates_to_cdf_derivative():
    # Plackett: d Phi2 / d rho = phi2
    h, k, r, eps = 0.3, -0.5, 0.45, 1e-6
    num = (bivariate_normal_cdf(h, k, r + eps) - bivariate_normal_cdf(h, k, r - eps)) / (2 * eps)
    assert_close(num, float(bivariate_normal_pdf(h, k, r)), kind="finite_difference")


def test_polychoric_matches_lavaan_sampstat(poly, ref):
    """lavInspect(fit, "sampstat")$cov and $th of the WLSMV fit."""
    expected = np.array(ref["polychoric"]["values"])
    assert list(poly.corr.columns) == ref["polychoric"]["colnames"]
    assert_close(poly.corr.to_numpy(), expected, kind="parity")
    th = pd.Series(ref["thresholds"])
    got = pd.Series(
        poly.thresholds.est.to_numpy(), index=poly.thresholds.lhs + "|" + poly.thresholds.rhs
    )
    assert_close(got[th.index].to_numpy(), th.to_numpy(), kind="parity")


def test_polychoric_acov_matches_lavaan_weights(poly, ref):
    """lavInspect(fit, "wls.v") is 1 / diag(NACOV) for DWLS."""
    wls_v = np.array(ref["wls_v_diag"])
    assert_close(1.0 / np.diag(poly.nacov), wls_v, kind="parity")
    assert poly.acov.shape == (len(wls_v), len(wls_v))
    assert_close(poly.acov, poly.acov.T, kind="roundoff")
    assert np.all(np.linalg.eigvalsh(poly.acov) > 0)


def test_polychoric_recovers_simulated_truth():
    """Large n: the polychoric correlation recovers the latent correlation within 0.02."""
    rng = np.random.default_rng(2026)
    truth = np.array([[1.0, 0.55, -0.3], [0.55, 1.0, 0.1], [-0.3, 0.1, 1.0]])
    z = rng.multivariate_normal(np.zeros(3), truth, size=20000)
    cuts = [[-1.5, -0.5, 0.4, 1.2], [-0.8, 0.9], [0.0]]  # 5, 3 and 2 categories
    data = pd.DataFrame({f"y{j + 1}": np.digitize(z[:, j], cuts[j]) + 1 for j in range(3)})
    pc = polychoric(data)
    # n = 20000: SE of a correlation <= 1/sqrt(n) = 0.007, of a threshold about 0.01
    assert_close(pc.corr.to_numpy(), truth, kind="statistical", atol=0.02)
    assert_close(pc.thresholds.est.to_numpy(), np.concatenate(cuts), kind="statistical", atol=0.03)
    # the asymptotic SE is honest: |error| within 4 SE
    pstar = pc.acov[-3:, -3:]
    err = pc.corr.to_numpy()[[1, 2, 2], [0, 0, 1]] - truth[[1, 2, 2], [0, 0, 1]]
    assert np.all(np.abs(err) < 4 * np.sqrt(np.diag(pstar)))


def test_polychoric_accepts_dataframe_categoricals_and_arrays():
    rng = np.random.default_rng(11)
    z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=500)
    codes = np.digitize(z, [-0.5, 0.5]) + 1
    df = pd.DataFrame(codes, columns=["a", "b"])
    labels = ["low", "mid", "high"]
    cat = pd.DataFrame(
        {
            c: pd.Categorical([labels[v - 1] for v in df[c]], categories=labels, ordered=True)
            for c in df
        }
    )
    r_num = polychoric(df).corr.loc["a", "b"]
    r_cat = polychoric(cat).corr.loc["a", "b"]
    r_arr = polychoric(codes).corr.iloc[0, 1]
    assert_close(r_num, r_cat, kind="roundoff")
    assert_close(r_num, r_arr, kind="roundoff")
    # missing values are dropped listwise
    df2 = df.astype(float)
    df2.iloc[0, 0] = np.nan
    assert polychoric(df2).n == 499


def test_polychoric_input_errors():
    df = pd.DataFrame({"a": ["x", "y"] * 10, "b": [1, 2] * 10})
    with pytest.raises(InputError, match="non-numeric"):
        polychoric(df)
    with pytest.raises(InputError, match="not columns"):
        polychoric(pd.DataFrame({"a": [1, 2] * 10, "b": [1, 2] * 10}), ["a", "zz"])
    with pytest.raises(InputError, match="single observed category"):
        polychoric(pd.DataFrame({"a": [1] * 20, "b": [1, 2] * 10}))


def _compare(model, theta, vcov, ref_est):
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    n_cmp = 0
    for r in model.partable.itertuples():
        if r.free == 0 or r.op == ":=":
            continue
        m = ref_est[(ref_est.lhs == r.lhs) & (ref_est.op == r.op) & (ref_est.rhs == r.rhs)]
        assert len(m) == 1, (r.lhs, r.op, r.rhs)
        where = f"{r.lhs} {r.op} {r.rhs}"
        assert_close(theta[r.free - 1], m.est.iloc[0], kind="parity", err_msg=where)
        assert_close(se[r.free - 1], m.se.iloc[0], kind="parity", err_msg=where)
        n_cmp += 1
    return n_cmp


@pytest.fixture(scope="module")
def chain_model(ref, items):
    from satisfaction.sem.model import Model

    return Model.from_syntax(ref["syntax"], items.columns)


def test_wlsmv_matches_lavaan(chain_model, items, poly, ref):
    """sem(model, data, ordered = names(data), estimator = "WLSMV"): estimates, robust SEs,
    scaled-shifted test, thresholds."""
    est, vcov, test = fit_dwls(chain_model, items, estimator="WLSMV", poly=poly)
    assert est.converged
    ref_est = pd.DataFrame(ref["estimates"])
    assert _compare(chain_model, est.theta, vcov, ref_est) == chain_model.n_free
    fm = ref["fit_measures"]
    for ours, theirs, kind in [
        ("chisq", "chisq", "parity_fit"),
        ("df", "df", "exact"),
        ("chisq_scaled", "chisq.scaled", "parity_fit"),
        ("chisq_scaling_factor", "chisq.scaling.factor", "parity_fit"),
        ("baseline_chisq", "baseline.chisq", "parity_fit"),
        ("baseline_chisq_scaled", "baseline.chisq.scaled", "parity_fit"),
        ("cfi", "cfi", "parity_fit"),
        ("tli", "tli", "parity_fit"),
        ("cfi_scaled", "cfi.scaled", "parity_fit"),
        ("tli_scaled", "tli.scaled", "parity_fit"),
        ("rmsea", "rmsea", "parity_fit"),
        ("rmsea_ci_upper", "rmsea.ci.upper", "parity_fit"),
        ("rmsea_scaled", "rmsea.scaled", "parity_fit"),
        ("srmr", "srmr", "parity_fit"),
        ("fmin", "fmin", "parity_fit"),
        ("npar", "npar", "exact"),
    ]:
        assert_close(test[ours], fm[theirs], kind=kind, err_msg=ours)
    shifted = ref["test"]["scaled.shifted"]
    assert_close(test["shift_parameter"], shifted["shift.parameter"], kind="parity_fit")
    assert_close(test["trace_ugamma"], shifted["trace.UGamma"], kind="parity_fit")
    # thresholds with their SEs
    th_ref = ref_est[ref_est.op == "|"]
    assert_close(test["thresholds"].est, th_ref.est, kind="parity")
    assert_close(test["thresholds"].se, th_ref.se, kind="parity")
    # residual variances of the latent responses: 1 - R^2, fixed (se 0)
    pt = chain_model.partable
    row = pt[(pt.lhs == "lq1") & (pt.op == "~~") & (pt.rhs == "lq1")].iloc[0]
    assert_close(est.theta[row.free - 1], 1 - ref["r2"]["lq1"], kind="parity")
    assert vcov[row.free - 1, row.free - 1] == 0.0


def test_dwls_matches_lavaan(chain_model, items, poly, ref):
    """sem(..., ordered = names(data), estimator = "DWLS"): same estimates, standard SEs."""
    est, vcov, test = fit_dwls(chain_model, items, estimator="DWLS", poly=poly)
    ref_est = pd.DataFrame(ref["dwls"]["estimates"])
    assert _compare(chain_model, est.theta, vcov, ref_est) == chain_model.n_free
    assert_close(test["chisq"], ref["dwls"]["fit_measures"]["chisq"], kind="parity_fit")
    assert "chisq_scaled" not in test


def test_dwls_rejects_continuous_and_bad_estimator(chain_model, items):
    with pytest.raises(SEMError, match="not in `ordered=`"):
        fit_dwls(chain_model, items, ordered=["lq1", "lq2"])
    with pytest.raises(ValueError, match="estimator='ML' is not one of 'WLSMV', 'DWLS'"):
        fit_dwls(chain_model, items, estimator="ML")


def test_fit_with_ordered_matches_lavaan(ref, items):
    """satisfaction.sem.fit_sem(model, data, ordered=...) end to end: the estimates table
    (est, se, std_all of every row lavaan reports for these parameters) and fit measures."""
    import warnings

    from satisfaction.sem import fit_sem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], items, ordered=list(items.columns))
    ours = res.estimates
    lav = pd.DataFrame(ref["estimates"])
    n_cmp = 0
    for row in ours.itertuples():
        m = lav[
            (lav.lhs == row.lhs)
            & (lav.op == row.op)
            & (lav.rhs.str.replace(" ", "") == row.rhs.replace(" ", ""))
        ]
        if len(m) != 1:
            continue
        m = m.iloc[0]
        where = f"{row.lhs} {row.op} {row.rhs}"
        assert_close(row.est, m.est, kind="parity", err_msg=where)
        assert_close(row.se, m.se, kind="parity", err_msg=where)
        assert_close(row.std_all, m["std.all"], kind="parity", err_msg=where)
        n_cmp += 1
    assert n_cmp == len(ours)  # every row of ours has a lavaan counterpart (incl. ind := a*b*c)
    fm = res.fit_measures
    assert_close(fm["chisq"], ref["fit_measures"]["chisq"], kind="parity_fit")
    assert_close(fm["chisq_scaled"], ref["fit_measures"]["chisq.scaled"], kind="parity_fit")
    assert_close(fm["cfi_scaled"], ref["fit_measures"]["cfi.scaled"], kind="parity_fit")


# 150 rows x (b1, b2, t3, l4): two binary items whose 2x2 table has an empty cell, a
# 3-category and a 5-category item (simulated once; stored here so no RNG version matters)
_SMALL = (
    "0013101410140013102410240012001210151012001200031103101210030013101410151014101310140014"
    "0002101311131014101410131014001400131023111310140013000310150012101310151014101310131013"
    "0003101410130013000310021013000100131025001300131012101500030003101310130024000200021003"
    "1013101400010015001400021013000200130002101310141013102410141013100110130003100310140013"
    "0013101310021123000210140013001400020013101500121012001300150002000200141113101410141012"
    "1015000310130014000300130013101300131015101300021114111500041014001310131014000210140003"
    "101400121015101300140014001410031014001400120015101510020014000310130013"
)


def test_tetrachoric_with_empty_cell_matches_lavaan():
    """cfa("F =~ b1 + b2 + t3 + l4", data, ordered = names(data), estimator = "WLSMV") in
    lavaan 0.6-14: sampstat, wls.v and the WLSMV fit (the b1 x b2 table has an empty cell:
    lavaan adds 0.5 keeping the margins)."""
    codes = np.array([int(c) for c in _SMALL]).reshape(-1, 4)
    data = pd.DataFrame(codes, columns=["b1", "b2", "t3", "l4"])
    pc = polychoric(data)
    r = pc.corr.to_numpy()
    got = [r[i, j] for j in range(4) for i in range(j + 1, 4)]
    lav_r = [0.5459806600, 0.5040349161, 0.3936000847, 0.2189235725, 0.1145542011, 0.6212864769]
    assert_close(got, lav_r, kind="printed", decimals=10)
    lav_th = [-0.1172440425, 1.6780705182, -0.7279132909, 1.6780705182, -2.0537489106]
    assert_close(pc.thresholds.est.to_numpy()[:5], lav_th, kind="printed", decimals=10)
    lav_w = [0.6334465875, 0.2141064577, 0.5237481044, 0.2141064577, 0.1196079532, 0.4898667305]
    lav_w += [0.6102481994, 0.3422184946, 0.3022982976, 0.6687865346, 0.7825272010, 0.1878720577]
    lav_w += [0.1116662103, 1.2364059977]
    assert_close(1.0 / np.diag(pc.nacov), lav_w, kind="printed", decimals=10)
    from satisfaction.sem.model import Model

    model = Model.from_syntax("F =~ b1 + b2 + t3 + l4", data.columns)
    est, vcov, test = fit_dwls(model, data, poly=pc)
    assert_close(est.theta[:3], [0.76785958, 1.35751491, 1.12031413], kind="printed", decimals=8)
    se = np.sqrt(np.diag(vcov))[:3]
    assert_close(se, [0.27678654, 0.28719130, 0.24688619], kind="printed", decimals=8)
    assert_close(test["chisq"], 4.96171344, kind="printed", decimals=8)
    assert_close(test["chisq_scaled"], 5.26355804, kind="printed", decimals=8)


def test_fit_ordered_with_meanstructure_fixes_intercepts(ref, items):
    """With meanstructure=True the intercepts are fixed to 0 (thresholds carry the means,
    as lavaan's delta parameterisation): same fit, intercepts reported as 0 with se 0."""
    import warnings

    from satisfaction.sem import fit_sem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], items, ordered=list(items.columns), meanstructure=True)
    assert_close(res.fit_measures["chisq"], ref["fit_measures"]["chisq"], kind="parity_fit")
    icpt = res.estimates[res.estimates.op == "~1"]
    assert len(icpt) > 0 and (icpt.est == 0).all() and (icpt.se == 0).all()


def test_polychoric_warns_for_nearly_perfect_correlation():
    """lavaan warns 'correlation between variables ... is (nearly) 1.0'; so do we."""
    a = np.repeat([1, 2, 3], 40)
    b = a.copy()
    b[:3] = 2  # almost identical items
    with pytest.warns(SEMWarning, match="nearly"):
        pc = polychoric(pd.DataFrame({"a": a, "b": b}))
    assert pc.corr.loc["a", "b"] > 0.99

"""Full-information ML for missing data against lavaan 0.6-14.

Reference: ``tests/reference/chain_fiml.json`` and ``hs_cfa_fiml.json``, written by
``tests/reference/make_reference.R``::

    sem(model, data = chain_mar, missing = "ml")   # 500 cases, 10% MAR missing, 171 patterns
    cfa(model, data = hs, missing = "ml")          # complete data, mean structure

Tolerance reached on the chain: estimates 2.2e-6, SEs 2e-7, std_all 2.7e-6, chisq and logl
2.5e-9, cfi/tli/rmsea 1e-12, srmr 2e-8, EM moments 1e-8, FIML-corrected cfi/tli/rmsea_robust
5e-9; with estimator "MLR" (``chain_fiml_mlr.json``) SEs 2.5e-7, chisq_scaled 3e-6. The tests
assert the tolerances of ``tests/conftest.py``: ``parity`` for estimates, SEs and the EM
moments, ``parity_fit`` for fit measures and test statistics, ``parity_mi`` for
modification indices.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data, reference_table
from scipy import stats

from satisfaction.errors import SEMError, SEMWarning
from satisfaction.sem import fiml, fit_sem
from satisfaction.sem.model import Model

CHAIN = reference_data("chain_mar")
HS = reference_data("hs")

MEASURES = [
    "npar",
    "fmin",
    "chisq",
    "df",
    "pvalue",
    "baseline_chisq",
    "baseline_df",
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
    "bic2",
    "cfi_robust",
    "tli_robust",
    "rmsea_robust",
    "rmsea_ci_lower_robust",
    "rmsea_ci_upper_robust",
    "rmsea_pvalue_robust",
]


def quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_sem(*args, **kwargs)


@pytest.fixture(scope="module", params=[("chain_fiml", "ml"), ("hs_cfa_fiml", "fiml")])
def case(request):
    name, missing = request.param
    ref = load_reference(name)
    data = CHAIN if name.startswith("chain") else HS
    return ref, quiet_fit(ref["syntax"], data, missing=missing), data


def test_estimates_match_lavaan(case):
    ref, res, _ = case
    want = reference_table(ref)
    got = res.estimates.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(got) == len(want) == len(res.estimates)
    for col in ["est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"]:
        lav = got[f"{col}_lav"].astype(float)
        ok = lav.notna()
        assert_close(got.loc[ok, col].astype(float), lav[ok], kind="parity", err_msg=col)


def test_defined_indirect_effect_matches_lavaan(case):
    ref, res, _ = case
    want = reference_table(ref)
    lav = want[want["op"] == ":="]
    ours = res.estimates[res.estimates["op"] == ":="]
    assert ours["lhs"].tolist() == lav["lhs"].tolist()  # the HS CFA has none
    assert len(lav) == (ref["case"] == "chain_fiml")
    assert_close(ours["est"], lav["est"], kind="parity")
    assert_close(ours["se"], lav["se"], kind="parity")


def test_fit_measures_match_lavaan(case):
    ref, res, _ = case
    fm = res.fit_measures
    for name in MEASURES:
        lav = ref["fit_measures"][name.replace("_", ".")]
        kind = "exact" if name in ("npar", "df", "baseline_df") else "parity_fit"
        assert_close(fm[name], lav, kind=kind, err_msg=name)
    assert fm["nobs"] == ref["nobs"]


def test_em_moments_and_patterns_match_lavaan():
    ref = load_reference("chain_fiml")
    observed = list(ref["h1_mean"].keys())
    pat = fiml.missing_patterns(CHAIN[observed])
    assert len(pat.observed) == ref["patterns"]
    assert sum(pat.counts) == len(CHAIN)
    h1 = fiml.em_saturated(pat)
    assert h1.converged
    assert_close(h1.mean, [ref["h1_mean"][v] for v in observed], kind="parity")
    cov = np.array(ref["h1_cov"]["values"])
    assert_close(h1.cov, cov, kind="parity")
    assert_close(h1.logl, ref["fit_measures"]["unrestricted.logl"], kind="parity_fit")


def test_loglik_is_the_sum_of_casewise_densities():
    """Brute force: sum over cases of the normal log-density of the observed part."""
    rng = np.random.default_rng(11)
    a = rng.normal(size=(4, 4))
    sigma = a @ a.T + np.eye(4)
    mu = rng.normal(size=4)
    x = rng.multivariate_normal(mu, sigma, size=40)
    x[rng.random((40, 4)) < 0.25] = np.nan
    x[0] = np.nan  # an empty row is dropped
    want = 0.0
    for row in x:
        o = ~np.isnan(row)
        if o.any():
            want += stats.multivariate_normal(mu[o], sigma[np.ix_(o, o)]).logpdf(row[o])
    pat = fiml.missing_patterns(x)
    assert pat.n_empty == 1
    assert_close(fiml.fiml_loglik(sigma, mu, pat), want, kind="roundoff")


def test_analytic_gradient_matches_finite_differences():
    ref = load_reference("chain_fiml")
    model = Model.from_syntax(ref["syntax"], CHAIN.columns, meanstructure=True)
    pat = fiml.missing_patterns(CHAIN[model.observed])
    h1 = fiml.em_saturated(pat)
    theta = model.start_values(h1.cov, h1.mean)
    grad = fiml._theta_gradient(model, theta, pat)
    h = 1e-6
    for k in (0, 5, 20, model.n_free - 1):
        e = np.zeros(model.n_free)
        e[k] = h
        num = (
            fiml._loglik_theta(model, theta + e, pat) - fiml._loglik_theta(model, theta - e, pat)
        ) / (2 * h)
        assert_close(grad[k], num, kind="finite_difference", err_msg=str(k))


def test_complete_data_fiml_equals_ml_estimates():
    """Without missing values FIML and ML give the same estimates (SEs differ: observed vs
    expected information)."""
    ml = reference_table(load_reference("hs_cfa_ml"))
    res = quiet_fit(load_reference("hs_cfa_ml")["syntax"], HS, missing="fiml")
    got = res.estimates.merge(ml, on=["lhs", "op", "rhs"], suffixes=("", "_ml"))
    assert_close(got["est"], got["est_ml"], kind="parity")


def test_empty_rows_are_dropped_with_a_warning():
    ref = load_reference("chain_fiml")
    data = CHAIN.copy()
    data.loc[len(data)] = np.nan
    model = Model.from_syntax(ref["syntax"], data.columns, meanstructure=True)
    with pytest.warns(SEMWarning, match="every model variable missing"):
        est = fiml.fit_fiml(model, data)
    assert est.converged
    fm = fiml.fiml_fit_measures(model, est.theta, data)
    assert fm["nobs"] == len(CHAIN)


def test_model_without_meanstructure_is_refused():
    ref = load_reference("chain_fiml")
    model = Model.from_syntax(ref["syntax"], CHAIN.columns)
    with pytest.raises(SEMError, match="mean structure"):
        fiml.fit_fiml(model, CHAIN)


def test_semopy_fiml_ses_are_wrong():
    """semopy 2.3.11's FIML on complete HS data: loading SEs several times too small.

    One factor, x1-x4 (fast): ours / semopy's = 6.9, 11.2, 7.2. Our FIML matches lavaan's
    ``cfa(..., missing = "ml")`` (tests above); on the two-factor CFA (visual, textual),
    measured against lavaan itself, the ratios are 3.3 to 10.7 (median 5.3).
    """
    import semopy

    syntax = "visual =~ x1 + x2 + x3 + x4"
    ours = quiet_fit(syntax, HS, missing="fiml").estimates
    ours = ours[(ours["op"] == "=~") & (ours["se"] > 0)].set_index("rhs")["se"]
    m = semopy.Model(syntax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(HS, obj="FIML")
        tab = m.inspect()
    load_rows = tab[(tab["op"] == "~") & (tab["Std. Err"] != "-")].set_index("lval")
    ratio = ours / load_rows["Std. Err"].astype(float).reindex(ours.index)
    assert ratio.min() > 2.5  # measured: 3.3 to 10.7


def test_moment_information_is_minus_the_hessian():
    """The closed-form information of (mu, vech Sigma) against finite differences."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 3))
    sigma = a @ a.T + np.eye(3)
    mu = rng.normal(size=3)
    x = rng.multivariate_normal(mu, sigma, size=60)
    x[rng.random((60, 3)) < 0.3] = np.nan
    pat = fiml.missing_patterns(x)
    sat = fiml._Saturated(3)
    theta = np.r_[mu + 0.1, (sigma * 1.1)[sat.rows, sat.cols]]  # not at the maximum
    s2, m2 = sat.implied(theta)
    info = fiml._moment_information(s2, m2, pat)
    h = 1e-5
    num = np.empty_like(info)
    for k in range(theta.size):
        e = np.zeros(theta.size)
        e[k] = h
        num[:, k] = -(
            fiml._theta_gradient(sat, theta + e, pat) - fiml._theta_gradient(sat, theta - e, pat)
        ) / (2 * h)
    assert_close(info, num, kind="finite_difference")


def test_robust_fiml_matches_lavaan_mlr():
    """lavaan: sem(model, data = chain_mar, missing = "ml", estimator = "MLR")."""
    ref = load_reference("chain_fiml_mlr")
    model = Model.from_syntax(ref["syntax"], CHAIN.columns, meanstructure=True)
    est = fiml.fit_fiml(model, CHAIN)
    vcov, test = fiml.fiml_robust(model, est.theta, CHAIN)
    se = np.sqrt(np.diag(vcov))
    table = reference_table(ref).set_index(["lhs", "op", "rhs"])
    pt = model.partable
    for _, row in pt[pt["free"] > 0].iterrows():
        lav = table.loc[(row["lhs"], row["op"], row["rhs"]), "se"]
        assert_close(se[row["free"] - 1], lav, kind="parity")
    lav_test = ref["test"]["yuan.bentler.mplus"]
    assert_close(test["trace_ugamma"], lav_test["trace.UGamma"], kind="parity_fit")
    for name in [
        "chisq_scaled",
        "pvalue_scaled",
        "chisq_scaling_factor",
        "baseline_chisq_scaled",
        "baseline_chisq_scaling_factor",
        "cfi_scaled",
        "tli_scaled",
        "rmsea_scaled",
        "rmsea_ci_lower_scaled",
        "rmsea_ci_upper_scaled",
        "rmsea_pvalue_scaled",
        "cfi_robust",
        "tli_robust",
        "rmsea_robust",
        "rmsea_ci_upper_robust",
        "rmsea_pvalue_robust",
    ]:
        lav = ref["fit_measures"][name.replace("_", ".")]
        assert_close(test[name], lav, kind="parity_fit", err_msg=name)


def test_column_without_values_is_refused():
    ref = load_reference("chain_fiml")
    data = CHAIN.copy()
    data["rep2"] = np.nan
    model = Model.from_syntax(ref["syntax"], data.columns, meanstructure=True)
    with pytest.raises(SEMError, match="rep2"):
        fiml.fit_fiml(model, data)


def test_fit_with_std_lv_and_fiml_alias_agree():
    """missing="fiml" and lavaan's "ml" are the same; std_lv only reparametrises."""
    ref = load_reference("chain_fiml")
    a = quiet_fit(ref["syntax"], CHAIN, missing="fiml", std_lv=True)
    b = quiet_fit(ref["syntax"], CHAIN, missing="ml")
    assert_close(a.fit_measures["chisq"], b.fit_measures["chisq"], kind="solver")
    assert_close(a.fit_measures["logl"], b.fit_measures["logl"], kind="solver")
    sa = a.estimates.set_index(["lhs", "op", "rhs"])["std_all"]
    sb = b.estimates.set_index(["lhs", "op", "rhs"])["std_all"]
    common = sa.index.intersection(sb.index)
    assert_close(sa[common], sb[common], kind="solver")


def test_fiml_modindices_match_lavaan(case):
    """lavaan: modindices(fit) after missing = "ml" (expected information)."""
    ref, res, data = case
    mi = fiml.fiml_modindices(res, data)
    want = pd.DataFrame(ref["modindices"]).rename(columns=lambda c: c.replace(".", "_"))
    got = mi.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(got) == len(want) == len(mi)
    for col in ["mi", "epc", "sepc_lv", "sepc_all"]:
        assert_close(got[col], got[f"{col}_lav"], kind="parity_mi", err_msg=col)

"""Robust ML (MLM, MLR) against lavaan 0.6-14.

Reference: ``tests/reference/hs_cfa_mlm.json``, ``hs_cfa_mlr.json``,
``hs_cfa_mlr_means.json``, ``polidem_x_mlm.json`` and ``polidem_x_mlr.json``, written by
``tests/reference/make_reference.R``::

    cfa(model, data = hs, estimator = "MLM")
    cfa(model, data = hs, estimator = "MLR")
    cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE)
    sem("dem60 =~ y1 + y2 + y3 + y4; dem60 ~ x1 + x2", data = polidem, estimator = "MLM")
    sem(same, estimator = "MLR")       # exogenous covariates, fixed.x = TRUE
    sem(polidem_model, data = polidem, estimator = "MLM" / "MLR")  # with ind := a*b

Tolerances (``tests/conftest.py``): estimates, SEs, z, p-values, intervals and std_all
``parity``; scaled and robust fit measures and the likelihood measures ``parity_fit``;
modification indices ``parity_mi``. At lavaan's own estimates ``robust_vcov`` reproduces
lavaan's SEs, trace of U Gamma and scaling factor to about 1e-8 on this machine; the test
asserts ``parity`` (it once asserted 1e-8 absolute and failed on an AMD EPYC by 1.2e-8).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data, reference_table

from satisfaction.errors import SEMError
from satisfaction.sem import fit_sem
from satisfaction.sem.fitindices import rmsea_ci
from satisfaction.sem.model import Model, vech_indices
from satisfaction.sem.robust import _vech_pairs, adf_gamma, robust_vcov

HS = reference_data("hs")

#: fit measures compared for each robust case (lavaan's names with "_")
SCALED = [
    "chisq",
    "df",
    "pvalue",
    "chisq_scaled",
    "df_scaled",
    "pvalue_scaled",
    "chisq_scaling_factor",
    "baseline_chisq",
    "baseline_df",
    "baseline_chisq_scaled",
    "baseline_chisq_scaling_factor",
    "cfi",
    "tli",
    "cfi_scaled",
    "tli_scaled",
    "cfi_robust",
    "tli_robust",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "rmsea_scaled",
    "rmsea_ci_lower_scaled",
    "rmsea_ci_upper_scaled",
    "rmsea_pvalue_scaled",
    "rmsea_robust",
    "rmsea_ci_lower_robust",
    "rmsea_ci_upper_robust",
    "rmsea_pvalue_robust",
    "srmr",
]

#: computed by the engine (sem/measures.py), the same for ML and robust ML
LIKELIHOOD = ["logl", "unrestricted_logl", "aic", "bic"]


def lavaan_theta(model: Model, ref: dict) -> np.ndarray:
    """lavaan's estimates in the order of ``model``'s free parameters."""
    table = reference_table(ref).set_index(["lhs", "op", "rhs"])
    pt = model.partable
    theta = np.empty(model.n_free)
    for _, row in pt[pt["free"] > 0].iterrows():
        theta[row["free"] - 1] = table.loc[(row["lhs"], row["op"], row["rhs"]), "est"]
    return theta


POLIDEM = reference_data("polidem")
CASES = [
    "hs_cfa_mlm",
    "hs_cfa_mlr",
    "hs_cfa_mlr_means",
    "polidem_x_mlm",
    "polidem_x_mlr",
    "polidem_mlm",
    "polidem_mlr",
]


@pytest.fixture(scope="module", params=CASES)
def case(request):
    ref = load_reference(request.param)
    data = POLIDEM if request.param.startswith("polidem") else HS
    kw = {"estimator": ref["options"]["estimator"]}
    kind = "MLM" if ref["options"]["test"] == "satorra.bentler" else "MLR"
    kw["estimator"] = kind
    if ref["options"]["meanstructure"]:
        kw["meanstructure"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], data, **kw)
    return ref, res, kind, data


def test_vech_order_is_the_engines():
    """The robust module's vech order must be the engine's (Jacobian rows)."""
    for p in (1, 2, 5):
        r, c = _vech_pairs(p)
        r2, c2 = vech_indices(p)
        assert np.array_equal(r, r2) and np.array_equal(c, c2)


def test_estimates_match_lavaan(case):
    ref, res, _, _ = case
    want = reference_table(ref)
    got = res.estimates.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(got) == len(want)
    for col in ["est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"]:
        lav = got[f"{col}_lav"].astype(float)
        ok = lav.notna()
        assert_close(got.loc[ok, col].astype(float), lav[ok], kind="parity", err_msg=col)


def test_scaled_fit_measures_match_lavaan(case):
    ref, res, _, _ = case
    fm = res.fit_measures
    for name in SCALED:
        lav = ref["fit_measures"][name.replace("_", ".")]
        kind = "exact" if name in ("df", "baseline_df") else "parity_fit"
        assert_close(fm[name], lav, kind=kind, err_msg=name)


def test_likelihood_measures_match_lavaan(case):
    """logl/aic/bic, conditional on fixed.x covariates as lavaan reports them."""
    ref, res, _, _ = case
    for name in LIKELIHOOD:
        lav = ref["fit_measures"][name.replace("_", ".")]
        assert_close(res.fit_measures[name], lav, kind="parity_fit", err_msg=name)


def test_robust_vcov_at_lavaan_estimates_reproduces_lavaan(case):
    """With lavaan's theta, the sandwich and the trace of U Gamma are lavaan's (``parity``:
    the same formula on the same numbers agrees to about 1e-8, but lavaan's printed
    estimates, our starting point, carry its optimiser's error)."""
    ref, res, kind, data = case
    model = res.model
    theta = lavaan_theta(model, ref)
    vcov, test = robust_vcov(model, theta, data, kind)
    se = np.sqrt(np.diag(vcov))
    table = reference_table(ref).set_index(["lhs", "op", "rhs"])
    pt = model.partable
    for _, row in pt[pt["free"] > 0].iterrows():
        lav = table.loc[(row["lhs"], row["op"], row["rhs"]), "se"]
        assert_close(
            se[row["free"] - 1],
            lav,
            kind="parity",
            err_msg=f"{row['lhs']} {row['op']} {row['rhs']}",
        )
    lav_test = ref["test"]["satorra.bentler" if kind == "MLM" else "yuan.bentler.mplus"]
    assert_close(test["trace_ugamma"], lav_test["trace.UGamma"], kind="parity_fit")
    assert_close(test["chisq_scaling_factor"], lav_test["scaling.factor"], kind="parity_fit")


def test_mlm_and_mlr_differ_from_ml():
    """The robust SEs are not the normal-theory ones (HS is not multivariate normal)."""
    ml = load_reference("hs_cfa_ml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ml["syntax"], HS, estimator="MLR")
    lav_ml = reference_table(ml)
    diff = np.abs(res.estimates["se"].to_numpy() - lav_ml["se"].to_numpy())
    assert diff.max() > 0.01


def test_adf_gamma_by_brute_force():
    """Gamma[(ij),(kl)] = mean(d_i d_j d_k d_l) - s_ij s_kl (Browne 1984), means block S."""
    rng = np.random.default_rng(4)
    x = rng.standard_exponential((50, 3))
    d = x - x.mean(axis=0)
    s = d.T @ d / 50
    r, c = _vech_pairs(3)
    want = np.empty((6, 6))
    for a in range(6):
        for b in range(6):
            i, j, k, m = r[a], c[a], r[b], c[b]
            want[a, b] = np.mean(d[:, i] * d[:, j] * d[:, k] * d[:, m]) - s[i, j] * s[k, m]
    assert_close(adf_gamma(x), want, kind="roundoff")
    g = adf_gamma(x, meanstructure=True)
    assert_close(g[:3, :3], s, kind="roundoff")
    assert_close(g[3:, 3:], want, kind="roundoff")


def test_rmsea_ci_matches_lavaan():
    """lavaan's rmsea.ci.lower/upper for the HS CFA (ML): chisq 85.306, df 24, N 301."""
    fm = load_reference("hs_cfa_ml")["fit_measures"]
    lo, hi = rmsea_ci(fm["chisq"], fm["df"], 301)
    assert_close(lo, fm["rmsea.ci.lower"], kind="parity_fit")
    assert_close(hi, fm["rmsea.ci.upper"], kind="parity_fit")


def test_bad_input_raises_clear_errors():
    ref = load_reference("hs_cfa_mlr")
    model = Model.from_syntax(ref["syntax"], HS.columns)
    theta = lavaan_theta(model, ref)
    with pytest.raises(SEMError, match="MLM"):
        robust_vcov(model, theta, HS, "WLS")
    holes = HS.copy()
    holes.loc[holes.index[3], "x5"] = np.nan
    with pytest.raises(SEMError, match="missing"):
        robust_vcov(model, theta, holes, "MLR")
    with pytest.raises(SEMError, match="x9"):
        robust_vcov(model, theta, HS.drop(columns="x9"), "MLM")


def test_semopy_robust_ses_are_not_lavaans():
    """semopy 2.3.11's ``inspect(se_robust=True)`` is not lavaan's MLR (measured, HS CFA).

    Ours match lavaan (``parity``, above); semopy's differ by up to a factor of about 2.
    """
    import semopy

    ref = load_reference("hs_cfa_mlr")
    lav = reference_table(ref)
    lav = lav[lav["se"] > 0]
    m = semopy.Model(ref["syntax"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(HS)
        tab = m.inspect(se_robust=True)
    latent = {"visual", "textual", "speed"}
    ratios = []
    for _, row in tab[tab["Std. Err"] != "-"].iterrows():
        if row["op"] == "~" and row["rval"] in latent:
            key = (row["rval"], "=~", row["lval"])
        else:
            key = (row["lval"], row["op"], row["rval"])
        hit = lav[(lav.lhs == key[0]) & (lav.op == key[1]) & (lav.rhs == key[2])]
        if hit.empty:
            hit = lav[(lav.lhs == key[2]) & (lav.op == key[1]) & (lav.rhs == key[0])]
        ratios.append(float(hit["se"].iloc[0]) / float(row["Std. Err"]))
    ratios = np.array(ratios)
    assert len(ratios) == len(lav)
    assert np.max(np.abs(ratios - 1)) > 0.5  # measured: 0.86 to 2.01


def test_modindices_after_robust_fit_match_lavaan(case):
    """lavaan's modindices() after MLM/MLR use the expected information, as after ML."""
    ref, res, _, _ = case
    mi = res.modindices()
    want = pd.DataFrame(ref["modindices"]).rename(columns=lambda c: c.replace(".", "_"))
    got = mi.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(got) == len(want)
    for col in ["mi", "epc", "sepc_all"]:
        assert_close(got[col], got[f"{col}_lav"], kind="parity_mi", err_msg=col)

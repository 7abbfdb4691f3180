"""Core SEM engine: syntax, parameter table, derivatives, estimation, results, warnings.

Reference numbers come from lavaan 0.6-14 (``Rscript``, calls named in each
test) or from simulated truth (``satisfaction.simulate.chain_sample``).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, semopy_data

import satisfaction as sat
from satisfaction.errors import ConvergenceWarning, SEMError, SEMWarning
from satisfaction.instruments import default_instrument
from satisfaction.sem import (
    Model,
    SEMResult,
    batched_fit_ml,
    chain_model,
    compare_models,
    duplication_matrix,
    fit_ml,
    fit_sem,
    vech,
)
from satisfaction.sem import defined as defmod
from satisfaction.sem import fitting as fitmod
from satisfaction.sem.estimators import dup_weight, expected_information, objective
from satisfaction.simulate import chain_sample

POLIDEM = semopy_data("political_democracy")
HS = semopy_data("holzinger39")

POLIDEM_MODEL = """
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ a1*ind60
dem65 ~ ind60 + b1*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind := a1*b1
"""

PATH_MODEL = """ y1 ~ x1 + x2
 y2 ~ y1 + x1
 f =~ y3 + y4 + y5
 f ~ y2"""


def quiet_fit(*args, **kwargs) -> SEMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        return fit_sem(*args, **kwargs)


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("syntax", "fragment"),
    [
        ("F =~ x1 + x2 + x3\nF = x4", "line 2"),
        ("F =~ x1 + x2 + x3\nind := a*b", "line 2"),
        ("F =~ x1 + x2 + nope", "'nope'"),
        ("F =~ x1 + x2\nF =~ x2", "already specified on line 1"),
        ("", "empty"),
        ("F =~ x1 + c(a, b)*x2", "multi-group"),
        ("F =~ x1 + x2 + x3\nx1 ~~ x2\nx1 == x2", "line 3"),
        ("F =~ x1 + x2 +\n x3\nh := a + sqrt(", "line 3"),
        ("x1 =~ x2 + x3 + x4", "also columns"),
        ("F =~ x1 + x2 + x3\nh := foo(a)", "line 2"),
    ],
)
def test_syntax_errors_name_the_line(syntax, fragment):
    with pytest.raises(SEMError, match=None) as info:
        Model.from_syntax(syntax, HS.columns)
    assert fragment in str(info.value)


def test_syntax_features_comments_continuation_modifiers():
    m = Model.from_syntax(
        "visual =~ NA*x1 + start(0.5)*x2 +  # comment\n   x3 ! other comment\n"
        "visual ~~ 1*visual; x1 ~~ lab*x2\nvisual ~ 1\n",
        HS.columns,
        meanstructure=True,
    )
    pt = m.partable.set_index(["lhs", "op", "rhs"])
    assert pt.loc[("visual", "=~", "x1"), "free"] > 0  # NA* frees the first loading
    assert pt.loc[("visual", "=~", "x2"), "start"] == 0.5
    assert pt.loc[("visual", "~~", "visual"), "free"] == 0
    assert pt.loc[("visual", "~~", "visual"), "value"] == 1.0
    assert pt.loc[("x1", "~~", "x2"), "label"] == "lab"
    assert pt.loc[("visual", "~1", ""), "free"] > 0  # the user freed the latent mean


def test_partable_matches_lavaan_fixed_x_meanstructure():
    """lavaan: parTable(sem(PATH_MODEL, data = PoliticalDemocracy, meanstructure = TRUE))."""
    m = Model.from_syntax(PATH_MODEL, POLIDEM.columns, meanstructure=True)
    expected = [
        ("y1", "~", "x1", 1), ("y1", "~", "x2", 2), ("y2", "~", "y1", 3), ("y2", "~", "x1", 4),
        ("f", "=~", "y3", 0), ("f", "=~", "y4", 5), ("f", "=~", "y5", 6), ("f", "~", "y2", 7),
        ("y3", "~~", "y3", 8), ("y4", "~~", "y4", 9), ("y5", "~~", "y5", 10),
        ("y1", "~~", "y1", 11), ("y2", "~~", "y2", 12), ("f", "~~", "f", 13),
        ("x1", "~~", "x1", 0), ("x1", "~~", "x2", 0), ("x2", "~~", "x2", 0),
        ("y3", "~1", "", 14), ("y4", "~1", "", 15), ("y5", "~1", "", 16), ("y1", "~1", "", 17),
        ("y2", "~1", "", 18), ("x1", "~1", "", 0), ("x2", "~1", "", 0), ("f", "~1", "", 0),
    ]  # fmt: skip
    got = list(m.partable[["lhs", "op", "rhs", "free"]].itertuples(index=False, name=None))
    assert got == expected
    assert m.observed == ["y3", "y4", "y5", "y1", "y2", "x1", "x2"]
    assert m.partable["exo"].sum() == 5


def test_partable_cfa_defaults_and_shared_labels():
    """lavaan: parTable(cfa(HS model)) — 21 free parameters, latent covariances added."""
    m = Model.from_syntax(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", HS.columns
    )
    assert m.n_free == 21
    covs = m.partable[(m.partable["op"] == "~~") & (m.partable["lhs"] != m.partable["rhs"])]
    assert list(zip(covs["lhs"], covs["rhs"], strict=True)) == [
        ("visual", "textual"),
        ("visual", "speed"),
        ("textual", "speed"),
    ]
    pd_model = Model.from_syntax(POLIDEM_MODEL, POLIDEM.columns)
    assert pd_model.n_free == 28  # labels a, b, c shared by two loadings each
    std = Model.from_syntax("F =~ x1 + x2 + x3", HS.columns, std_lv=True)
    pt = std.partable.set_index(["lhs", "op", "rhs"])
    assert pt.loc[("F", "=~", "x1"), "free"] > 0 and pt.loc[("F", "~~", "F"), "value"] == 1


# --------------------------------------------------------------------------- derivatives


def _numeric_jacobian(model, theta, h=1e-6):
    cols_s, cols_m = [], []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        sp, mp = model.implied(theta + e)
        sm, mm = model.implied(theta - e)
        cols_s.append((vech(sp) - vech(sm)) / (2 * h))
        if mp is not None:
            cols_m.append((mp - mm) / (2 * h))
    return np.column_stack(cols_s), (np.column_stack(cols_m) if cols_m else None)


@pytest.mark.parametrize("case", ["polidem", "path_means"])
def test_jacobian_matches_finite_differences(case):
    if case == "polidem":
        m = Model.from_syntax(POLIDEM_MODEL, POLIDEM.columns)
        x = POLIDEM[m.observed].to_numpy()
        mean = None
    else:
        m = Model.from_syntax(PATH_MODEL, POLIDEM.columns, meanstructure=True)
        x = POLIDEM[m.observed].to_numpy()
        mean = x.mean(axis=0)
    S = np.cov(x.T, bias=True)
    m = m.with_sample(S, mean)
    theta = m.start_values(S, mean) + np.random.default_rng(1).normal(0, 0.05, m.n_free)
    js, jm = m.jacobian(theta)
    ns, nm = _numeric_jacobian(m, theta)
    assert_close(js, ns, kind="finite_difference")
    if mean is not None:
        assert_close(jm, nm, kind="finite_difference")


def test_batched_equals_unbatched():
    m = Model.from_syntax(PATH_MODEL, POLIDEM.columns, meanstructure=True)
    x = POLIDEM[m.observed].to_numpy()
    S, mean = np.cov(x.T, bias=True), x.mean(axis=0)
    m = m.with_sample(S, mean)
    rng = np.random.default_rng(2)
    thetas = m.start_values(S, mean) + rng.normal(0, 0.05, (5, m.n_free))
    sig_b = m.implied_batch(thetas)
    jac_b, jm_b = m.jacobian_batch(thetas, with_mean=True)
    for i in range(5):
        sig, _ = m.implied(thetas[i])
        js, jm = m.jacobian(thetas[i])
        assert_close(sig_b[i], sig, kind="roundoff")
        assert_close(jac_b[i], js, kind="roundoff")
        assert_close(jm_b[i], jm, kind="roundoff")


def test_dup_weight_and_duplication_matrix():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    v = a @ a.T + np.eye(4)
    d = duplication_matrix(4)
    assert_close(dup_weight(v), d.T @ np.kron(v, v) @ d, kind="roundoff")
    sym = v + v.T
    assert_close(d @ vech(sym), sym.flatten(order="F"), kind="exact")


# --------------------------------------------------------------------------- estimation


def test_ml_estimates_and_se_match_lavaan_hs():
    """lavaan: cfa(HS.model, data = HolzingerSwineford1939); parameterEstimates()."""
    res = quiet_fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", HS)
    est = res.estimates
    assert_close(est.loc[1, ["est", "se"]], [0.554, 0.100], kind="printed", decimals=3)
    assert_close(est.loc[7, ["est", "se"]], [1.180, 0.165], kind="printed", decimals=3)
    assert_close(res.fit_measures["chisq"], 85.306, kind="printed", decimals=3)
    assert int(res.fit_measures["df"]) == 24
    assert res.converged and not res.warnings


def test_fit_ml_gradient_zero_and_information_inverse():
    m = Model.from_syntax(POLIDEM_MODEL, POLIDEM.columns)
    S = np.cov(POLIDEM[m.observed].to_numpy().T, bias=True)
    est = fit_ml(m, S, 75)
    assert est.converged
    h = 1e-6
    grad = [
        (objective(m, est.theta + h * e, S, 75) - objective(m, est.theta - h * e, S, 75)) / (2 * h)
        for e in np.eye(m.n_free)
    ]
    assert_close(grad, 0.0, kind="finite_difference")
    info = expected_information(m, est.theta)
    assert np.all(np.linalg.eigvalsh(info) > 0)


def test_batched_fit_ml_equals_looping_fit_ml():
    m = Model.from_syntax(POLIDEM_MODEL, POLIDEM.columns)
    x = POLIDEM[m.observed].to_numpy()
    S = np.cov(x.T, bias=True)
    theta_hat = fit_ml(m, S, 75).theta
    rng = np.random.default_rng(11)
    S_b = np.stack([np.cov(x[rng.integers(0, 75, 75)].T, bias=True) for _ in range(8)])
    thetas, ok = batched_fit_ml(m, S_b, 75, theta_hat)
    for i in range(8):
        single = fit_ml(m, S_b[i], 75, theta0=theta_hat)
        assert ok[i] == single.converged
        if ok[i]:
            assert_close(thetas[i], single.theta, kind="solver")
    assert ok.sum() >= 6


@pytest.mark.parametrize("estimator", ["GLS", "ULS"])
def test_batched_fit_other_estimators(estimator):
    m = Model.from_syntax("F =~ x1 + x2 + x3 + x4", HS.columns)
    x = HS[m.observed].to_numpy()
    S = np.cov(x.T)
    theta_hat = fit_ml(m, S, len(x), estimator=estimator).theta
    S_b = np.stack([S, S * 1.1])
    thetas, ok = batched_fit_ml(m, S_b, len(x), theta_hat, estimator=estimator)
    assert ok.all()
    assert_close(thetas[0], theta_hat, kind="solver")


# --------------------------------------------------------------------------- warnings


def _exact_sample(cov, n, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, cov.shape[0]))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T, bias=True))).T
    return z @ np.linalg.cholesky(cov).T


def test_heywood_case_warns():
    cov = np.array([[1.0, 0.9, 0.5], [0.9, 1.0, 0.3], [0.5, 0.3, 1.0]])  # lambda1^2 = 1.5
    data = pd.DataFrame(_exact_sample(cov, 400), columns=["a", "b", "c"])
    with pytest.warns(SEMWarning, match="Heywood"):
        res = fit_sem("F =~ a + b + c", data)
    assert any("negative" in w for w in res.warnings)


def test_non_convergence_warns(monkeypatch):
    real = fitmod.fit_ml
    monkeypatch.setattr(fitmod, "fit_ml", functools.partial(real, max_iter=1))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = fit_sem(POLIDEM_MODEL, POLIDEM)
    assert not res.converged
    assert "NOT" in repr(res) and "did NOT converge" in res.summary()


def test_small_sample_and_listwise_warn():
    data = POLIDEM.copy()
    data.iloc[:30, data.columns.get_loc("y1")] = np.nan
    with pytest.warns(SEMWarning) as record:
        res = fit_sem("dem60 =~ y1 + y2 + y3 + y4", data)
    messages = " ".join(str(r.message) for r in record)
    assert "30 of 75 rows" in messages and "only 45 observations" in messages
    assert res.data_summary["n"] == 45


def test_unidentified_model_warns_and_gives_nan_se():
    data = POLIDEM[["y1", "y2", "y3"]]
    with pytest.warns(SEMWarning, match="not be identified"):
        res = fit_sem("F =~ NA*y1 + y2 + y3", data)
    assert res.estimates["se"].isna().any()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"data": POLIDEM.to_numpy()}, "DataFrame"),
        ({"group": "g"}, "'g'"),
        ({"data": POLIDEM.assign(y1="x")}, "not numeric"),
        ({"data": POLIDEM.head(3)}, "only 3 rows"),
        ({"level": 95}, "between 0 and 1"),
    ],
)
def test_fit_input_errors(kwargs, fragment):
    args = {"model": "dem60 =~ y1 + y2 + y3 + y4", "data": POLIDEM, **kwargs}
    with pytest.raises(SEMError, match=fragment):
        fit_sem(**args)


# --------------------------------------------------------------------------- results


def test_defined_parameter_delta_method():
    res = quiet_fit(POLIDEM_MODEL, POLIDEM)
    est = res.estimates.set_index("label")
    a1, b1 = est.loc["a1", "est"], est.loc["b1", "est"]
    assert est.loc["ind", "op"] == ":="
    assert_close(est.loc["ind", "est"], a1 * b1, kind="roundoff")
    v = res.vcov
    var = b1**2 * v.loc["a1", "a1"] + a1**2 * v.loc["b1", "b1"] + 2 * a1 * b1 * v.loc["a1", "b1"]
    assert_close(est.loc["ind", "se"], np.sqrt(var), kind="finite_difference")  # delta: numeric
    # lavaan: parameterEstimates(sem(POLIDEM_MODEL), standardized = TRUE): ind 1.273 (0.358)
    assert_close(est.loc["ind", ["est", "se"]], [1.273, 0.358], kind="printed", decimals=3)
    assert_close(est.loc["ind", "std_all"], 0.396, kind="printed", decimals=3)
    assert defmod.evaluate_batch(res.model, np.stack([res.theta] * 2)).shape == (2, 1)


def test_result_tables_are_fresh_and_complete():
    res = quiet_fit(POLIDEM_MODEL, POLIDEM)
    e1 = res.estimates
    e1.loc[0, "est"] = 99.0
    assert res.estimates.loc[0, "est"] == 1.0
    assert list(res.estimates.columns) == [
        "lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
        "std_lv", "std_all"]  # fmt: skip
    fm = res.fit_measures
    for name in [
        "npar",
        "nobs",
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
        "aic",
        "bic",
    ]:
        assert name in fm.index and np.isfinite(fm[name])
    # lavaan: fitMeasures(fit): chisq 40.179, df 38, npar 28; lavInspect(fit, "r2")["dem65"]
    assert_close(fm["chisq"], 40.179, kind="printed", decimals=3)
    assert fm["df"] == 38 and fm["npar"] == 28
    assert_close(res.r2["dem65"], 0.965, kind="printed", decimals=3)
    assert res.vcov.shape == (28, 28)
    text = res.summary()
    for section in [
        "Latent Variables:",
        "Regressions:",
        "Covariances:",
        "Variances:",
        "Defined Parameters:",
        "R-Square:",
        "Comparative Fit Index (CFI)",
    ]:
        assert section in text
    html = res._repr_html_()
    assert "<table" in html and "cfi" in html


def test_modindices_hs_match_lavaan():
    """lavaan: modindices(cfa(HS.model, data = HolzingerSwineford1939), sort. = TRUE)[1:3, ]."""
    res = quiet_fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", HS)
    mi = res.modindices(sort=True)
    assert list(mi.columns) == ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]
    top = mi.head(3)
    assert list(zip(top["lhs"], top["op"], top["rhs"], strict=True)) == [
        ("visual", "=~", "x9"),
        ("x7", "~~", "x8"),
        ("visual", "=~", "x7"),
    ]
    assert_close(top["mi"], [36.411, 34.145, 18.631], kind="printed", decimals=3)
    assert_close(top[["epc", "sepc_all"]].iloc[0], [0.577, 0.515], kind="printed", decimals=3)
    assert len(res.modindices(minimum_value=10)) == 4


# --------------------------------------------------------------------------- chain, compare


@pytest.fixture(scope="module")
def chain_fits():
    sample = chain_sample(2000, seed=7, likert=False)
    inst = default_instrument()
    partial = quiet_fit(chain_model(inst, "partial"), sample.data)
    full = quiet_fit(chain_model(inst, "full"), sample.data)
    return sample, partial, full


def test_chain_model_recovers_true_structural_parameters(chain_fits):
    """Simulated truth (chain_sample, standardised latent scale) converted to the marker metric."""
    sample, partial, _ = chain_fits
    lam = sample.params.query("op == '=~'").set_index("rhs")["value"]
    true = sample.params.query("op == '~'").set_index("label")["value"]
    marker = {"LQ": lam["lq1"], "EX": lam["ex1"], "REP": lam["rep1"], "CSAT": lam["csat1"]}
    expected = {
        "a": true["a"] * marker["EX"] / marker["LQ"],
        "b": true["b"] * marker["REP"] / marker["EX"],
        "c": true["c"] * marker["CSAT"] / marker["REP"],
        "d": true["d"] * marker["CSAT"] / marker["EX"],
    }
    expected["ind_lq_csat"] = expected["a"] * (expected["b"] * expected["c"] + expected["d"])
    expected["ind_ex_csat"] = expected["b"] * expected["c"]
    expected["total_ex_csat"] = expected["d"] + expected["b"] * expected["c"]
    est = partial.estimates.set_index("label")
    for label, value in expected.items():
        assert abs(est.loc[label, "est"] - value) < 3 * est.loc[label, "se"], label
    # standardised paths are the generator's values
    for label in "abcd":
        assert abs(est.loc[label, "std_all"] - true[label]) < 0.06


def test_chain_model_syntax_and_errors():
    syntax = chain_model(default_instrument(), "partial", extra="ex1 ~~ ex2")
    assert "CSAT ~ c*REP + d*EX" in syntax and "total_ex_csat := b*c + d" in syntax
    assert "ind_lq_csat := a*b*c + a*d" in syntax
    assert syntax.endswith("ex1 ~~ ex2")
    with pytest.raises(ValueError, match="mediation='both'"):  # OptionError
        chain_model(default_instrument(), "both")
    with pytest.raises(SEMError, match="constructs"):
        chain_model(default_instrument(), constructs=("A", "EX", "REP", "CSAT"))


def test_compare_nested_full_vs_partial(chain_fits):
    _, partial, full = chain_fits
    tab = compare_models(full=full, partial=partial)
    assert list(tab["model"]) == ["partial", "full"]  # sorted by df
    assert tab.loc[1, "df_diff"] == 1
    diff = full.fit_measures["chisq"] - partial.fit_measures["chisq"]
    assert_close(tab.loc[1, "chisq_diff"], diff, kind="roundoff")
    assert tab.loc[1, "pvalue"] < 0.05  # the true direct path d = 0.10 is detected at n = 2000
    assert list(tab.columns) == [
        "model",
        "npar",
        "df",
        "chisq",
        "aic",
        "bic",
        "chisq_diff",
        "df_diff",
        "pvalue",
    ]
    assert (sat.compare_models(full, partial)["model"] == ["model2", "model1"]).all()
    with pytest.raises(SEMError, match="at least two"):
        compare_models(full)
    other = quiet_fit("F =~ x1 + x2 + x3", HS)
    with pytest.raises(SEMError, match="same data"):
        compare_models(full, other)


def test_top_level_reexports():
    assert sat.fit_sem is fit_sem and sat.chain_model is chain_model
    assert sat.SEMResult is SEMResult and sat.sem.Model is Model


@pytest.mark.parametrize(
    ("estimator", "diff", "pvalue"),
    [
        ("ML", 32.64071, 8.1688e-08),
        ("MLM", 28.35919479, 6.9483e-07),
        ("MLR", 24.28759446, 5.3213e-06),
    ],
)
def test_compare_matches_lavtestlrt(estimator, diff, pvalue):
    """lavaan: lavTestLRT(cfa(HS.model, estimator = E), cfa(HS.model + 'visual ~~ 0*speed
    textual ~~ 0*speed', estimator = E)); Satorra-Bentler 2001 for MLM and MLR."""
    m1 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    m0 = m1 + "\nvisual ~~ 0*speed\ntextual ~~ 0*speed"
    tab = compare_models(
        quiet_fit(m1, HS, estimator=estimator), quiet_fit(m0, HS, estimator=estimator)
    )
    assert_close(tab.loc[1, "chisq_diff"], diff, kind="printed", digits=7)
    assert_close(tab.loc[1, "pvalue"], pvalue, kind="printed", digits=5)
    assert ("chisq_scaled" in tab.columns) == (estimator != "ML")


def test_fixed_x_fit_measures_match_lavaan():
    """lavaan: fitMeasures(sem(PATH_MODEL, data = PoliticalDemocracy)) (fixed.x = TRUE)."""
    res = quiet_fit(PATH_MODEL, POLIDEM)
    fm = res.fit_measures
    expected = {
        "npar": 13,
        "df": 12,
        "chisq": 86.293,
        "baseline_chisq": 267.530,
        "baseline_df": 20,
        "cfi": 0.700,
        "tli": 0.500,
        "rmsea": 0.287,
        "srmr": 0.195,
        "logl": -866.051,
        "unrestricted_logl": -822.904,
        "aic": 1758.101,
        "bic": 1788.228,
    }
    for key, value in expected.items():
        assert_close(fm[key], value, kind="printed", decimals=3, err_msg=key)
    # fixed.x rows are reported with their sample values and se 0, like parameterEstimates()
    x = res.estimates.query("lhs == 'x1' and rhs == 'x2'").iloc[0]
    assert x["se"] == 0 and np.isnan(x["z"])
    assert_close(res.r2["f"], 0.587, kind="printed", decimals=3)
    res_m = quiet_fit(PATH_MODEL, POLIDEM, meanstructure=True)
    assert res_m.fit_measures["npar"] == 18
    assert_close(res_m.fit_measures["srmr"], 0.174, kind="printed", decimals=3)
    assert_close(res_m.fit_measures["aic"], 1768.101, kind="printed", decimals=3)


def test_fit_dispatches_to_the_other_estimators():
    """MLR with FIML goes through fiml.fiml_robust (lavaan: sem(..., missing = "ml",
    estimator = "MLR")); the scaled test lands in fit_measures and test["robust"]."""
    data = HS[["x1", "x2", "x3", "x4", "x5", "x6"]].copy()
    data.iloc[::7, 0] = np.nan
    res = quiet_fit("F1 =~ x1 + x2 + x3\nF2 =~ x4 + x5 + x6", data, missing="fiml", estimator="MLR")
    assert res.model.meanstructure and "chisq_scaled" in res.fit_measures.index
    assert res.test["robust"]["chisq_scaling_factor"] > 0
    assert res.data_summary["n"] == len(data)
    with pytest.raises(SEMError, match="needs estimator"):
        fit_sem("F1 =~ x1 + x2 + x3", data, missing="fiml", estimator="GLS")


def test_higher_order_and_nonrecursive_models_match_lavaan():
    """lavaan: cfa(HS + 'g =~ visual + textual + speed'); sem('y1 ~ y2 + x1; y2 ~ y1 + x2;
    y1 ~ 1', data = PoliticalDemocracy) (an intercept in the syntax implies means)."""
    ho = quiet_fit(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
        "g =~ visual + textual + speed",
        HS,
    )
    row = ho.estimates.iloc[10]
    assert (row["lhs"], row["rhs"]) == ("g", "textual")
    assert_close(row[["est", "se", "std_all"]], [0.662, 0.173, 0.525], kind="printed", decimals=3)
    assert_close(ho.fit_measures["chisq"], 85.306, kind="printed", decimals=3)
    nr = quiet_fit("y1 ~ y2 + x1\ny2 ~ y1 + x2\ny1 ~ 1", POLIDEM)
    assert nr.model.meanstructure
    est = nr.estimates
    assert est[["lhs", "op"]].iloc[[4, 10]].values.tolist() == [["y1", "~1"], ["y2", "~1"]]
    assert_close(est["est"].iloc[[2, 4, 6]], [0.299, -1.013, 11.759], kind="printed", decimals=3)
    assert_close(est["se"].iloc[[2, 4, 6]], [0.931, 1.787, 6.844], kind="printed", decimals=3)
    assert_close(nr.fit_measures["logl"], -363.422, kind="printed", decimals=3)
    assert nr.fit_measures["npar"] == 8


def test_fit_ordered_true_dispatches_to_wlsmv():
    """lavaan: sem(model, data = chain_ordinal, ordered = TRUE) (WLSMV, thresholds reported)."""
    ref_dir = __import__("pathlib").Path(__file__).parent / "reference"
    data = pd.read_csv(ref_dir / "data" / "chain_ordinal.csv")
    syntax = "LQ =~ lq1 + lq2 + lq3 + lq4\nEX =~ ex1 + ex2 + ex3 + ex4\nEX ~ LQ"
    res = quiet_fit(syntax, data, ordered=True)
    assert res.estimator == "WLSMV" and "chisq_scaled" in res.fit_measures.index
    thresholds = res.estimates[res.estimates["op"] == "|"]
    assert len(thresholds) == 8 * 4 and thresholds["se"].gt(0).all()
    with pytest.raises(SEMError, match="not observed variables"):
        fit_sem(syntax, data, ordered=["nope"])


def test_fit_bootstrap_rows():
    """se='bootstrap': free rows get bootstrap SEs and intervals, fixed rows se 0 and ci = est."""
    res = quiet_fit(
        "dem60 =~ y1 + y2 + y3 + y4\ny1 ~~ y3", POLIDEM, se="bootstrap", bootstrap=60, seed=5
    )
    est = res.estimates
    assert res.se_type == "bootstrap" and res.vcov.shape == (9, 9)
    fixed = est.iloc[0]
    assert fixed["se"] == 0 and fixed["ci_lower"] == fixed["ci_upper"] == fixed["est"]
    free = est.iloc[1:]
    assert free["se"].gt(0).all()
    assert (free["ci_lower"] < free["est"]).all() and (free["est"] < free["ci_upper"]).all()
    # robust fits bootstrap their ML estimates (issue 8; this raised SEMError before)
    mlr = fit_sem(
        "dem60 =~ y1 + y2 + y3 + y4", POLIDEM, estimator="MLR", se="bootstrap", bootstrap=60, seed=5
    )
    assert mlr.se_type == "bootstrap" and np.isfinite(mlr.fit_measures["chisq_scaled"])


def test_definitions_can_use_earlier_definitions_and_functions():
    syntax = POLIDEM_MODEL + "total := ind + cp\nratio := ind / sqrt(total^2)\n"
    syntax = syntax.replace("dem65 ~ ind60 + b1*dem60", "dem65 ~ cp*ind60 + b1*dem60")
    res = quiet_fit(syntax, POLIDEM)
    est = res.estimates.set_index("lhs")
    cp = res.estimates.query("label == 'cp'")["est"].iloc[0]
    assert_close(est.loc["total", "est"], est.loc["ind", "est"] + cp, kind="roundoff")
    assert_close(
        est.loc["ratio", "est"],
        est.loc["ind", "est"] / abs(est.loc["total", "est"]),
        kind="roundoff",
    )
    assert est.loc[["ind", "total", "ratio"], "se"].gt(0).all()
    with pytest.raises(SEMError, match="not a label"):
        Model.from_syntax(POLIDEM_MODEL + "bad := later * 2\nlater := a1", POLIDEM.columns)


def test_modindices_with_fixed_x_match_lavaan():
    """lavaan: modindices(sem(PATH_MODEL, data = PoliticalDemocracy)) (fixed.x = TRUE: the
    covariates' moments have no rows in the expected information)."""
    mi = quiet_fit(PATH_MODEL, POLIDEM).modindices().set_index(["lhs", "op", "rhs"])
    assert len(mi) == 20 and ("x2", "~~", "x2") not in mi.index
    expected = {
        ("x1", "~", "y2"): (3.028, -0.024, -0.127),
        ("x2", "~", "f"): (0.897, 0.041, 0.059),
        ("f", "~", "y1"): (27.919, 0.474, 0.568),
        ("y4", "~~", "y5"): (2.120, -1.206, -0.514),
    }
    for key, (m, epc, sall) in expected.items():
        row = mi.loc[key]
        got = row[["mi", "epc", "sepc_all"]]
        assert_close(got, [m, epc, sall], kind="printed", decimals=3, err_msg=str(key))
    assert mi.loc[("x1", "~~", "x1"), "sepc_all"] == 0


def test_modindices_of_fiml_fits_use_the_fiml_score_test():
    """result.modindices() of a FIML fit is fiml_modindices (it used to raise SEMError)."""
    from satisfaction.sem.fiml import fiml_modindices

    data = HS[["x1", "x2", "x3", "x4"]].copy()
    data.iloc[::5, 1] = np.nan
    res = quiet_fit("F =~ x1 + x2 + x3 + x4", data, missing="fiml")
    mi = res.modindices()
    direct = fiml_modindices(res, data)
    assert_close(mi["mi"].to_numpy(), direct["mi"].to_numpy(), kind="roundoff")
    assert len(mi) > 0 and np.isfinite(mi["mi"]).all()


def test_singular_sample_covariance_is_a_clear_error():
    data = POLIDEM[["y1", "y2", "y3", "y4"]].assign(y4=lambda d: d["y1"] + d["y2"])
    with pytest.raises(SEMError, match="not positive definite"):
        fit_sem("dem60 =~ y1 + y2 + y3 + y4", data)


def test_large_standardised_regression_is_not_a_heywood_case():
    rng = np.random.default_rng(3)
    x1 = rng.standard_normal(500)
    x2 = 0.9 * x1 + np.sqrt(1 - 0.81) * rng.standard_normal(500)
    y = 2.0 * x1 - 1.2 * x2 + 0.3 * rng.standard_normal(500)  # suppression: |beta| > 1
    res = quiet_fit("y ~ x1 + x2", pd.DataFrame({"y": y, "x1": x1, "x2": x2}))
    assert res.estimates["std_all"].iloc[0] > 1
    assert not any("Heywood" in w for w in res.warnings)


def test_std_lv_fit_matches_lavaan():
    """lavaan: parameterEstimates(cfa(HS.model, data = HolzingerSwineford1939, std.lv = TRUE))."""
    res = quiet_fit(
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", HS, std_lv=True
    )
    est = res.estimates
    assert_close(est.loc[[0, 1, 21], "est"], [0.900, 0.498, 0.459], kind="printed", decimals=3)
    assert_close(est.loc[[0, 1, 21], "se"], [0.081, 0.077, 0.064], kind="printed", decimals=3)
    assert_close(est.loc[0, "std_all"], 0.772, kind="printed", decimals=3)
    assert_close(res.fit_measures["chisq"], 85.306, kind="printed", decimals=3)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("estimator", "PML"),
        ("missing", "pairwise"),
        ("se", "robust.huber.whyte"),
        ("se", "boot"),
        ("ci_type", "bc"),
    ],
)
def test_fit_options_are_checked(option, value):
    """Every string option of fit_sem is checked: a typo lists the allowed values."""
    from satisfaction.errors import OptionError

    with pytest.raises(OptionError, match=f"{option}={value!r} is not one of"):
        fit_sem("dem60 =~ y1 + y2 + y3 + y4", POLIDEM, **{option: value})


def test_lavaan_se_spellings_mean_what_they_mean_in_lavaan():
    """se="robust.huber.white" used to return standard SEs silently; it is MLR's sandwich
    (lavaan: cfa(..., se = "robust.huber.white") with estimator ML uses the same SEs as
    estimator = "MLR"), and se="robust.sem" is MLM's."""
    model = "F1 =~ x1 + x2 + x3\nF2 =~ x4 + x5 + x6"
    data = HS[["x1", "x2", "x3", "x4", "x5", "x6"]]
    standard = quiet_fit(model, data)
    for spelling, est in (("robust.huber.white", "MLR"), ("robust.sem", "MLM"), ("robust", "MLM")):
        via_se = quiet_fit(model, data, se=spelling)
        direct = quiet_fit(model, data, estimator=est)
        assert via_se.estimator == est
        assert_close(via_se.estimates["se"], direct.estimates["se"], kind="roundoff")
        assert not np.allclose(via_se.estimates["se"], standard.estimates["se"])
    with pytest.raises(SEMError, match="robust.huber.white"):
        fit_sem(model, data, estimator="MLM", se="robust.huber.white")
    with pytest.raises(SEMError, match="se='robust'"):
        fit_sem(model, data, estimator="GLS", se="robust")
    with pytest.raises(SEMError, match="reports robust standard errors"):
        fit_sem(model, data, estimator="MLR", se="standard")


def test_chain_model_mediation_is_checked():
    from satisfaction.errors import OptionError
    from satisfaction.instruments import default_instrument
    from satisfaction.sem import chain_model

    with pytest.raises(OptionError, match="mediation='none'"):
        chain_model(default_instrument(), "none")


def test_convergence_failure_is_a_convergence_warning_where_it_happens(monkeypatch):
    """The warning class comes from the fact (Estimation.converged), not from its wording."""
    from satisfaction.errors import ConvergenceWarning
    from satisfaction.sem import estimators, fitting

    real = estimators.fit_ml

    def stalled(*args, **kwargs):
        out = real(*args, **kwargs)
        return estimators.Estimation(out.theta, False, 500, out.fmin, "stalled")

    monkeypatch.setattr(fitting, "fit_ml", stalled)
    with pytest.warns(ConvergenceWarning, match="stalled"):
        res = fit_sem("dem60 =~ y1 + y2 + y3 + y4", POLIDEM)
    assert not res.converged and "stalled" in res.warnings[0]

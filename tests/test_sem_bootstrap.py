"""Bootstrap and Monte Carlo intervals: against lavaan 0.6-14 and against known truths.

Reference: ``tests/reference/polidem_boot.json`` from ``make_reference.R``:
``set.seed(20260401); sem(model, data = polidem, se = "bootstrap", bootstrap = 1000)``
with ``parameterEstimates(fit, boot.ci.type = "perc")`` and ``"bca.simple"``.

Monte Carlo tolerance for comparing two bootstrap runs (ours with B = 2000, lavaan's with
B = 1000, independent resamples): the sampling SD of an estimated 2.5% quantile is about
``sqrt(.025 * .975 / B) / f(q)``; for a roughly normal bootstrap distribution with SD ``s``,
``f(q) = phi(1.96) / s``, so SD = 0.0845 s / sqrt(B / 1000). The difference of the two runs
has SD ``0.0845 s sqrt(1 + 1/2) = 0.104 s``; we allow 4.5 of those, ``0.47 s`` (s = lavaan's
bootstrap SE of that parameter), for each of the 66 limits. Bootstrap SEs: the relative SD
of an SD estimate is about ``sqrt((kurtosis - 1) / (4 B))``; with the heavy tails of variance
estimates in n = 75 we allow 20%. Other comparisons use the tolerances of
``tests/conftest.py`` (``solver``: the batched solver against single fits; ``roundoff``:
two code paths of one formula).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, load_reference, reference_data

from satisfaction.errors import ConvergenceWarning, SEMError, SEMWarning
from satisfaction.sem.bootstrapping import (
    _moments_batch,
    bootstrap,
    bootstrap_ci,
)
from satisfaction.sem.estimators import batched_fit_ml, fit_ml
from satisfaction.sem.model import Model
from satisfaction.sem.montecarlo import evaluate_definitions, monte_carlo_ci


@pytest.fixture(scope="module")
def ref():
    return load_reference("polidem_boot")


@pytest.fixture(scope="module")
def polidem():
    return reference_data("polidem")


@pytest.fixture(scope="module")
def fitted(ref, polidem):
    model = Model.from_syntax(ref["syntax"], polidem.columns)
    S = np.cov(polidem[model.observed].T, bias=True)
    est = fit_ml(model, S, len(polidem), tol=1e-12)
    assert est.converged
    return model, est.theta


@pytest.fixture(scope="module")
def boot2000(fitted, polidem):
    model, theta = fitted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bootstrap(model, polidem, theta, B=2000, seed=20260401)
    return res, caught


def test_percentile_intervals_agree_with_lavaan(boot2000, ref):
    """Every free and defined parameter: limits within 0.47 lavaan-SE (4.5 MC SDs)."""
    res, _ = boot2000
    lav = pd.DataFrame(ref["estimates"])
    ci = res.ci
    assert len(ci) == len(lav)
    fixed = ci[(lav.se == 0).to_numpy() & (lav.op != ":=").to_numpy()]
    assert len(fixed) == 3 and (fixed.ci_lower == fixed.est).all() and (fixed.se == 0).all()
    ci = ci.drop(fixed.index)
    worst = 0.0
    for k, row in ci.iterrows():
        lr = lav.iloc[k]
        assert (lr.lhs, lr.op, lr.rhs.replace(" ", "")) == (
            row.lhs,
            row.op,
            row.rhs.replace(" ", ""),
        )
        where = f"{row.lhs} {row.op} {row.rhs}"
        assert_close(row.est, lr.est, kind="parity", err_msg=where)
        tol = 0.47 * lr.se
        for ours, theirs in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
            worst = max(worst, abs(row[ours] - lr[theirs]) / lr.se)
            assert_close(row[ours], lr[theirs], kind="statistical", atol=tol, err_msg=where)
        assert_close(row.se, lr.se, kind="statistical", rtol=0.20, err_msg=where)
    assert worst < 0.47
    ind = ci[ci.lhs == "ind"].iloc[0]
    assert 0.4 < ind.ci_lower < 0.75 and 1.75 < ind.ci_upper < 2.15


def test_failed_and_inadmissible_counts_like_lavaan(boot2000, ref):
    """lavaan: 0 failed, 312 of 1000 nonadmissible (negative dem65 variance and others)."""
    res, caught = boot2000
    assert res.n_failed == 0
    # binomial MC error of the difference of two rates: sd = sqrt(p q (1/1000 + 1/2000))
    p = ref["bootstrap_nonadmissible"] / ref["bootstrap_R"]
    sd = np.sqrt(p * (1 - p) * (1 / 1000 + 1 / 2000))
    assert abs(res.n_inadmissible / res.B - p) < 4 * sd
    assert any(
        "bootstrap runs resulted in nonadmissible solutions" in str(w.message) for w in caught
    )
    assert res.thetas.shape == (2000, len(res.se))  # inadmissible ones are kept, as lavaan


def test_bca_simple_agrees_with_lavaan(fitted, polidem, boot2000, ref):
    res, _ = boot2000
    model, theta = fitted
    lav = pd.DataFrame(ref["estimates_bca_simple"])
    allboot = np.column_stack([res.thetas, res.defined])
    est = np.concatenate([theta, [res.ci.est[res.ci.lhs == n].iloc[0] for n in res.defined_names]])
    lim = bootstrap_ci(allboot, est, "bca.simple")
    rows = list(res.ci.index[res.ci.se > 0])
    for j, k in enumerate(rows):
        lr = lav.iloc[k]
        tol = 0.5 * lr.se  # bias correction moves the limits into sparser tails
        assert_close(lim[j, 0], lr["ci.lower"], kind="statistical", atol=tol)
        assert_close(lim[j, 1], lr["ci.upper"], kind="statistical", atol=tol)


def test_batched_solution_equals_single_fits(fitted, polidem):
    """The batched solver reaches the same optimum as looping the single-fit solver."""
    model, theta = fitted
    x = polidem[model.observed].to_numpy(float)
    n = len(x)
    w = np.random.default_rng(5).multinomial(n, np.full(n, 1 / n), size=40).astype(float)
    means, S = _moments_batch(x, w, np.full(40, float(n)))
    idx = np.random.default_rng(5).multinomial  # noqa: F841 - documents the resampling
    assert_close(S[3], np.cov(np.repeat(x, w[3].astype(int), axis=0).T, bias=True), kind="roundoff")
    th, conv = batched_fit_ml(model, S, n, theta, tol=1e-10)
    assert conv.all()
    for b in range(40):
        single = fit_ml(model, S[b], n, theta0=theta, tol=1e-12)
        assert_close(th[b], single.theta, kind="solver")


def test_batched_solver_with_meanstructure_and_fixed_x(polidem):
    model = Model.from_syntax(
        "y5 ~ a*x1 + x2\ny6 ~ b*y5 + x1\nind := a*b", polidem.columns, meanstructure=True
    )
    x = polidem[model.observed].to_numpy(float)
    n = len(x)
    w = np.random.default_rng(9).multinomial(n, np.full(n, 1 / n), size=12).astype(float)
    means, S = _moments_batch(x, w, np.full(12, float(n)))
    exo = np.stack([model.exo_values(S[b], means[b]) for b in range(12)])
    full = model.with_sample(np.cov(x.T, bias=True), x.mean(0))
    theta = fit_ml(full, np.cov(x.T, bias=True), n, x.mean(0)).theta
    th, conv = batched_fit_ml(model, S, n, theta, means, tol=1e-10, exo=exo)
    assert conv.all()
    for b in range(12):
        single = fit_ml(model.with_sample(S[b], means[b]), S[b], n, means[b], theta, tol=1e-12)
        assert_close(th[b], single.theta, kind="solver")


def test_same_seed_same_result(fitted, polidem):
    model, theta = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = bootstrap(model, polidem, theta, B=200, seed=7)
        b = bootstrap(model, polidem, theta, B=200, seed=7, n_jobs=2)
        c = bootstrap(model, polidem, theta, B=200, seed=8)
    assert_close(a.thetas, b.thetas, kind="roundoff")  # n_jobs=2 batches differently
    pd.testing.assert_frame_equal(a.ci, b.ci)
    assert not np.allclose(a.thetas, c.thetas)


def test_failed_resamples_are_counted_and_dropped():
    """A variable that is nonzero in one row only: resamples without that row have a
    singular covariance matrix (P = (1 - 1/n)^n, about 37%) and must fail."""
    rng = np.random.default_rng(1)
    n = 60
    x = rng.normal(size=n)
    data = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=n), "z": np.zeros(n)})
    data.loc[0, "z"] = 1.0
    model = Model.from_syntax("y ~ x + z", data.columns)
    S = np.cov(data[model.observed].T, bias=True)
    full = model.with_sample(S)
    theta = fit_ml(full, S, n).theta
    with pytest.warns(ConvergenceWarning, match="bootstrap runs failed or did not converge"):
        res = bootstrap(model, data, theta, B=300, seed=3)
    assert 0.25 * 300 < res.n_failed < 0.5 * 300
    assert res.thetas.shape[0] == 300 - res.n_failed
    assert np.isfinite(res.thetas).all()
    assert f"{res.n_failed} bootstrap runs failed or did not converge." in res.warnings


def test_interval_types_and_errors(fitted, polidem):
    model, theta = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        perc = bootstrap(model, polidem, theta, B=200, seed=2, ci_type="perc")
        bca = bootstrap(model, polidem, theta, B=200, seed=2, ci_type="bca")
        norm = bootstrap(model, polidem, theta, B=200, seed=2, ci_type="norm")
    # same resamples, same SEs; BCa shifts the limits, norm is symmetric around est - bias
    assert_close(perc.se, bca.se, kind="exact")
    assert not np.allclose(perc.ci.ci_lower, bca.ci.ci_lower)
    var = perc.ci.se > 0
    mid = ((norm.ci.ci_lower + norm.ci.ci_upper) / 2)[var]
    boot_mean = np.concatenate([perc.thetas, perc.defined], axis=1).mean(0)
    bias = boot_mean - perc.ci.est[var].to_numpy()
    assert_close(mid, perc.ci.est[var] - bias, kind="roundoff")
    with pytest.raises(SEMError, match="ci_type"):
        bootstrap(model, polidem, theta, B=10, ci_type="student")
    with pytest.raises(SEMError, match="too few"):
        bootstrap(model, polidem, theta, B=1)


def test_norm_inter_matches_boot_package():
    """boot::norm.inter: integer ranks give order statistics, else normal-scale interpolation."""
    t = np.arange(1.0, 1000.0)  # R = 999: (R + 1) * 0.025 = 25 exactly
    lim = bootstrap_ci(t[:, None], np.array([500.0]), "perc")
    # (as in R, (1 - .95) / 2 * 1000 is not exactly 25, so the rank is interpolated)
    # boot::norm.inter(1:999, c(.025, .975)) prints 25 and 975 (to 7 significant digits)
    assert_close(lim[0], [25.0, 975.0], kind="printed", digits=7)
    lim = bootstrap_ci(t[:, None], np.array([500.0]), "perc", level=0.9)
    assert_close(lim[0], [50.0, 950.0], kind="printed", digits=7)
    t2 = np.random.default_rng(0).normal(size=(20000, 1))
    lo, hi = bootstrap_ci(t2, np.array([0.0]), "perc")[0]
    # interpolation on the normal scale against numpy's linear one: apart by far less
    # than the spacing of order statistics near the 2.5% point (about 0.001 here)
    assert_close(lo, np.quantile(t2, 0.025), kind="statistical", atol=0.01)
    assert_close(hi, np.quantile(t2, 0.975), kind="statistical", atol=0.01)


def test_fit_with_bootstrap_fills_every_parameter(ref, polidem):
    from satisfaction.sem import fit_sem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        res = fit_sem(ref["syntax"], polidem, se="bootstrap", bootstrap=200, seed=11)
    est = res.estimates
    free = est.se > 0
    assert free.sum() == 33  # 31 free parameters and 2 defined ones
    assert est.loc[free, "ci_lower"].lt(est.loc[free, "est"]).all()
    assert est.loc[free, "ci_upper"].gt(est.loc[free, "est"]).all()
    ind = est[est.lhs == "ind"].iloc[0]
    assert 0.2 < ind.se < 0.5


# ----------------------------------------------------------------------------- Monte Carlo


def _fake_result(theta, vcov, definitions, labels=("a", "b", "c")):
    rows = [
        {"lhs": "m", "op": "~", "rhs": "x", "label": labels[i], "free": i + 1, "value": np.nan}
        for i in range(len(theta))
    ]
    rows += [
        {"lhs": name, "op": ":=", "rhs": expr, "label": name, "free": 0, "value": np.nan}
        for name, expr in definitions
    ]
    model = SimpleNamespace(partable=pd.DataFrame(rows))
    return SimpleNamespace(model=model, theta=np.asarray(theta, float), vcov=np.asarray(vcov))


def test_monte_carlo_product_matches_simulated_truth():
    """a ~ N(.4, .1^2), b ~ N(.3, .08^2) independent: the interval of a*b is the 2.5/97.5%
    quantiles of the product distribution (Preacher & Selig 2012); mean a*b, variance
    a^2 sb^2 + b^2 sa^2 + sa^2 sb^2 (Goodman 1960)."""
    theta, sa, sb = np.array([0.4, 0.3]), 0.1, 0.08
    res = _fake_result(theta, np.diag([sa**2, sb**2]), [("ind", "a*b")])
    mc = monte_carlo_ci(res, draws=200000, seed=1)
    row = mc.iloc[0]
    assert list(mc.columns) == ["lhs", "op", "rhs", "est", "se_mc", "ci_lower", "ci_upper", "draws"]
    assert_close(row.est, 0.4 * 0.3, kind="roundoff")
    sd = np.sqrt(0.4**2 * sb**2 + 0.3**2 * sa**2 + sa**2 * sb**2)
    # relative SD of an SD from 200000 draws: about 1 / sqrt(2 * 200000) = 0.0016
    assert_close(row.se_mc, sd, kind="statistical", rtol=0.01)
    rng = np.random.default_rng(99)
    prod = rng.normal(0.4, sa, 2_000_000) * rng.normal(0.3, sb, 2_000_000)
    lo, hi = np.quantile(prod, [0.025, 0.975])
    # SD of a 2.5% quantile from 200000 draws: sqrt(.025 * .975 / 2e5) / f(q), about 0.0004
    assert_close(row.ci_lower, lo, kind="statistical", atol=0.002)
    assert_close(row.ci_upper, hi, kind="statistical", atol=0.002)
    # the product distribution is skewed: the interval is not symmetric around a*b
    assert (row.ci_upper - row.est) > (row.est - row.ci_lower)


def test_monte_carlo_agrees_with_delta_method_for_large_n():
    """Tiny SEs (large n): the MC interval equals est -+ 1.96 delta-method SE."""
    theta = np.array([0.5, 0.4, 0.2])
    vcov = np.array([[1e-4, 2e-5, 0], [2e-5, 1e-4, 0], [0, 0, 4e-5]])
    res = _fake_result(theta, vcov, [("ind", "a*b"), ("total", "c + ind")])
    mc = monte_carlo_ci(res, draws=100000, seed=2).set_index("lhs")
    for name, grad in (("ind", [0.4, 0.5, 0]), ("total", [0.4, 0.5, 1.0])):
        g = np.array(grad)
        se = np.sqrt(g @ vcov @ g)
        est = mc.loc[name, "est"]
        # 100000 draws: relative SD of the SD 0.0022, SD of a 2.5% quantile 0.011 se
        assert_close(mc.loc[name, "se_mc"], se, kind="statistical", rtol=0.02)
        assert_close(
            mc.loc[name, "ci_lower"], est - 1.959964 * se, kind="statistical", atol=0.05 * se
        )
        assert_close(
            mc.loc[name, "ci_upper"], est + 1.959964 * se, kind="statistical", atol=0.05 * se
        )


def test_monte_carlo_on_a_fitted_model(ref, polidem):
    from satisfaction.sem import fit_sem

    res = fit_sem(ref["syntax"], polidem)
    a = monte_carlo_ci(res, draws=20000, seed=4)
    b = monte_carlo_ci(res, draws=20000, seed=4)
    pd.testing.assert_frame_equal(a, b)
    ind = a.set_index("lhs").loc["ind"]
    delta = res.estimates.set_index("lhs").loc["ind"]
    assert_close(ind.est, delta.est, kind="roundoff")
    # 20000 draws: relative SD of the SD about 0.005; the product is mildly non-normal
    assert_close(ind.se_mc, delta.se, kind="statistical", rtol=0.05)
    # lavaan's bootstrap interval (0.571, 1.923) and the MC interval agree roughly
    # (two different methods: allowance about a quarter of the SE, 0.36)
    assert_close(ind.ci_lower, 0.571, kind="statistical", atol=0.1)
    assert_close(ind.ci_upper, 1.923, kind="statistical", atol=0.1)


def test_monte_carlo_errors():
    res = _fake_result([0.5, 0.4], np.eye(2) * 0.01, [])
    with pytest.raises(SEMError, match="no defined parameters"):
        monte_carlo_ci(res)
    res = _fake_result([0.5, 0.4], np.eye(2) * 0.01, [("ind", "a*b")])
    with pytest.raises(SEMError, match="level"):
        monte_carlo_ci(res, level=1.5)
    with pytest.raises(SEMError, match="too few"):
        monte_carlo_ci(res, draws=10)


def test_evaluate_definitions_is_safe_and_vectorised():
    vals = {"a": np.array([1.0, 4.0]), "b": 2.0}
    out = evaluate_definitions([("x", "sqrt(a) * b^2"), ("y", "-x / 2 + exp(0)")], vals)
    assert_close(out["x"], [4.0, 8.0], kind="roundoff")
    assert_close(out["y"], [-1.0, -3.0], kind="roundoff")
    for bad in ("__import__('os').system('true')", "a.real", "[a, b]", "a if b else 2"):
        with pytest.raises(SEMError):
            evaluate_definitions([("z", bad)], vals)
    with pytest.raises(SEMError, match="not a parameter label"):
        evaluate_definitions([("z", "a * q")], vals)


def test_gls_bootstrap_uses_lavaans_divisor(polidem):
    """GLS/ULS resamples use S with divisor N - 1 (as fit_sem() and lavaan): the batched refits
    equal fit_ml on those matrices."""
    model = Model.from_syntax(
        "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60", polidem.columns
    )
    x = polidem[model.observed].to_numpy(float)
    n = len(x)
    S = np.cov(x.T, ddof=1)
    theta = fit_ml(model, S, n, estimator="GLS").theta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        res = bootstrap(model, polidem, theta, B=20, seed=4, estimator="GLS", n_jobs=1)
    assert res.n_failed == 0
    w = np.random.default_rng(4).multinomial(n, np.full(n, 1 / n), size=20).astype(float)
    _, Sb = _moments_batch(x, w, np.full(20, n - 1.0))
    for b in range(3):
        single = fit_ml(model, Sb[b], n, theta0=theta, estimator="GLS", tol=1e-12)
        assert_close(res.thetas[b], single.theta, kind="solver")
    with pytest.raises(SEMError, match="complete-data estimators"):
        bootstrap(model, polidem, theta, B=20, estimator="DWLS")


def test_bca_acceleration_is_the_jackknife_skewness():
    """Model 'x ~~ x' (ML variance, divisor n): the acceleration is
    a = sum(u^3) / (6 (sum u^2)^1.5), u_i = mean(theta_(.)) - theta_(i), with theta_(i)
    the leave-one-out variances (Efron 1987), and the BCa limits use it."""
    rng = np.random.default_rng(12)
    x = rng.exponential(size=80)  # skewed: a clearly nonzero acceleration
    data = pd.DataFrame({"x": x})
    model = Model.from_syntax("x ~~ x", data.columns)
    theta = np.array([x.var()])
    res = bootstrap(model, data, theta, B=500, seed=1, ci_type="bca", n_jobs=1)
    loo = np.array([np.delete(x, i).var() for i in range(len(x))])
    u = loo.mean() - loo
    a = np.sum(u**3) / (6 * np.sum(u**2) ** 1.5)
    assert_close(res.acceleration[0], a, kind="roundoff")
    assert a > 0.01
    lim = bootstrap_ci(res.thetas, theta, "bca", acceleration=res.acceleration)
    assert_close(res.ci.ci_lower.iloc[0], lim[0, 0], kind="roundoff")
    assert_close(res.ci.ci_upper.iloc[0], lim[0, 1], kind="roundoff")
    simple = bootstrap_ci(res.thetas, theta, "bca.simple")
    assert lim[0, 1] > simple[0, 1]  # positive acceleration stretches the upper tail


# --------------------------------------------------------------------------------------
# nested data and missing data (issue 8): the cluster bootstrap, FIML and robust fits
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain_fiml():
    from satisfaction.sem import fit_sem

    ref = load_reference("chain_fiml")
    data = reference_data("chain_mar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], data, missing="fiml")
    return res, data


def test_batched_fiml_refits_equal_single_fiml_fits(chain_fiml):
    """Each weighted resample's batched FIML estimate is fit_fiml() on the expanded rows."""
    from satisfaction.sem.bootstrapping.missing import fiml_refits
    from satisfaction.sem.bootstrapping.resample import resample_weights
    from satisfaction.sem.fiml import fit_fiml

    res, data = chain_fiml
    model, theta = res.model, res.theta
    x = data[model.observed].to_numpy(float)
    w = resample_weights(len(x), 6, np.random.default_rng(11))
    w[0] = 1.0  # the sample itself
    thetas, ok = fiml_refits(model, x, w, theta, np.linalg.inv(res.vcov))
    assert ok.all()
    assert_close(thetas[0], theta, kind="solver")
    for b in (1, 2, 3):
        rows = np.repeat(np.arange(len(x)), w[b].astype(int))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            single = fit_fiml(model, data.iloc[rows][model.observed].reset_index(drop=True))
        assert_close(thetas[b], single.theta, kind="solver")


def test_fiml_bootstrap_ses_agree_with_lavaans():
    """lavaan: set.seed(20260402); sem(chain_model, chain_mar, missing = "ml", se = "bootstrap",
    bootstrap = 200) (``chain_fiml_boot.json``; 20 minutes of lavaan here). Two independent
    runs of B = 200 and 1000: the relative SD of a bootstrap SE is about sqrt(1/(2B)), so that
    of their ratio is sqrt(1/400 + 1/2000) = 0.055; we allow 4 of those, 22%."""
    from satisfaction.sem import fit_sem

    ref = load_reference("chain_fiml_boot")
    data = reference_data("chain_mar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(ref["syntax"], data, missing="fiml", se="bootstrap", bootstrap=1000, seed=8)
    want = pd.DataFrame(ref["estimates"])
    got = res.estimates.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    free = got[got["se_lav"] > 0]
    assert len(free) > 30
    assert_close(free["se"], free["se_lav"], kind="statistical", rtol=0.22)


def test_cluster_bootstrap_resamples_whole_units():
    from satisfaction.sem.bootstrapping.resample import resample_weights

    units = np.repeat(np.arange(5), [1, 2, 3, 4, 10])
    w = resample_weights(len(units), 400, np.random.default_rng(2), cluster=units)
    for u in range(5):
        block = w[:, units == u]
        assert (block == block[:, :1]).all()  # a unit is drawn whole
    # each resample draws 5 units: its row count is the sum of the drawn units' sizes
    counts = w[:, [0, 1, 3, 6, 10]]
    assert (counts.sum(axis=1) == 5).all()
    assert len(np.unique(w.sum(axis=1))) > 5  # resample sizes vary


def test_cluster_bootstrap_ses_track_the_cluster_robust_ses():
    """Sample organisation, employees in 40 units (org_pulse.csv): the cluster bootstrap SEs
    estimate the same sampling variability as lavaan's cluster-robust SEs
    (``org_cluster_mlr.json``); with B = 1000 and 40 units we allow 25%."""
    from satisfaction.sem import fit_sem

    ref = load_reference("org_cluster_mlr")
    data = reference_data("org_pulse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(
            ref["syntax"],
            data,
            estimator="MLR",
            cluster="unit",
            se="bootstrap",
            bootstrap=1000,
            seed=3,
        )
        plain = fit_sem(
            ref["syntax"], data, se="bootstrap", bootstrap=1000, seed=3, meanstructure=True
        )
    want = pd.DataFrame(ref["estimates"])
    got = res.estimates.merge(want, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    free = got[got["se_lav"] > 0]
    assert_close(free["se"], free["se_lav"], kind="statistical", rtol=0.25)
    # the row bootstrap ignores the units: it differs from the cluster one
    assert np.max(np.abs(plain.estimates["se"] - res.estimates["se"])) > 0.005


def test_robust_and_fiml_fits_bootstrap_instead_of_raising(chain_fiml, polidem):
    from satisfaction.sem import fit_sem

    syntax = "dem60 =~ y1 + y2 + y3 + y4"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ml = fit_sem(syntax, polidem, se="bootstrap", bootstrap=50, seed=9)
        for est in ("MLR", "MLM"):
            rob = fit_sem(syntax, polidem, estimator=est, se="bootstrap", bootstrap=50, seed=9)
            # the same ML refits of the same resamples
            assert_close(rob.estimates["se"], ml.estimates["se"], kind="exact")
            assert np.isfinite(rob.fit_measures["chisq_scaled"])
    res, data = chain_fiml
    with pytest.raises(SEMError, match="bca"):
        bootstrap(
            res.model,
            data.assign(u=np.arange(len(data)) // 5),
            res.theta,
            B=10,
            ci_type="bca",
            missing="fiml",
            cluster=np.arange(len(data)) // 5,
        )

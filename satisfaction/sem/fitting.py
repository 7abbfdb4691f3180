"""``fit_sem()``: specify, estimate and summarise a structural equation model in one call.

The estimator modules plug in here (the ``# dispatch:`` lines): complete-data
ML/GLS/ULS (:mod:`.estimators`), robust ML "MLM"/"MLR" (:mod:`.robust`), full
information ML for missing data (:mod:`.fiml`), DWLS/WLSMV for ordinal items
(:mod:`.ordinal`) and the bootstrap (:mod:`.bootstrap`).
"""

from __future__ import annotations

import importlib
import warnings as _warnings

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, SEMError, SEMWarning
from .estimators import Estimation, expected_information, fit_ml
from .model import Model
from .result import SEMResult

__all__ = ["fit_sem", "ESTIMATOR_NAMES"]

#: every estimator name ``fit`` accepts
ESTIMATOR_NAMES = ("ML", "GLS", "ULS", "MLM", "MLR", "DWLS", "WLSMV")


def _module_function(module: str, name: str, what: str):
    """``satisfaction.sem.<module>.<name>`` or a clear SEMError if it is not there (yet)."""
    try:
        mod = importlib.import_module(f"satisfaction.sem.{module}")
        return getattr(mod, name)
    except (ImportError, AttributeError):
        raise SEMError(
            f"{what} is not available yet in this version of satisfaction "
            f"(satisfaction.sem.{module}.{name} is missing)"
        ) from None


def _prepare_data(data, model: Model, missing: str, ordered) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    if not isinstance(data, pd.DataFrame):
        raise SEMError(
            f"data must be a pandas DataFrame, not {type(data).__name__}; "
            "pass one row per respondent and one column per item"
        )
    cols = model.observed
    sub = data[cols]
    if ordered is None:
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(sub[c])]
        if bad:
            raise SEMError(
                f"column(s) {bad} are not numeric; recode answer labels to numbers "
                "first (satisfaction.cleaning.recode_labels) or pass ordered=[...]"
            )
        sub = sub.astype(float)
    if missing in ("listwise", "default"):
        keep = sub.notna().all(axis=1)
        dropped = int((~keep).sum())
        if dropped:
            notes.append(
                f"{dropped} of {len(sub)} rows have missing values in model variables "
                "and were dropped (missing='listwise'); consider missing='fiml'"
            )
        sub = sub[keep]
    return sub, notes


def _check_n(n: int, p: int, notes: list[str]) -> None:
    if n == 0:
        raise SEMError(
            "no complete rows are left to fit the model; check the data or use missing='fiml'"
        )
    if n <= p:
        raise SEMError(
            f"only {n} rows for {p} observed variables: the sample covariance matrix "
            "is singular; collect more data or fit a smaller model"
        )
    if n < max(50, 5 * p):
        notes.append(
            f"only {n} observations for {p} observed variables; estimates and "
            "standard errors may be unstable (rule of thumb: at least 5 per variable "
            "and 100 overall)"
        )


def _heywood(model: Model, theta: np.ndarray, std_all: np.ndarray) -> list[str]:
    out = []
    est = np.array([theta[f - 1] if f > 0 else np.nan for f in model._free])
    lhs_a, op_a, rhs_a = model._lhs, model._op, model._rhs
    for k in range(len(lhs_a)):
        lhs, op, rhs = lhs_a[k], op_a[k], rhs_a[k]
        if op == "~~" and lhs == rhs and np.isfinite(est[k]) and est[k] < 0:
            out.append(
                f"Heywood case: the variance of {lhs!r} is negative ({est[k]:.3f}); the "
                "model is misspecified or the sample too small"
            )
        elif op in ("=~", "~~") and lhs != rhs and np.isfinite(std_all[k]) and abs(std_all[k]) > 1:
            out.append(
                f"Heywood case: standardised '{lhs} {op} {rhs}' is {std_all[k]:.3f} (|value| > 1)"
            )
    sigma, _ = model.implied(theta)
    if np.min(np.linalg.eigvalsh(sigma)) <= 0:
        out.append("the model-implied covariance matrix is not positive definite")
    a, s, _ = model.matrices(theta)
    lv = slice(model.p, model.n_vars)
    if model.latent and np.min(np.linalg.eigvalsh(s[lv, lv])) < -1e-10:
        out.append(
            "the covariance matrix of the latent variables (residuals) is not positive definite"
        )
    return out


def _vcov_from_information(model, theta, estimator, n, S, notes):
    info = expected_information(model, theta, estimator=estimator, S=S)
    divisor = n if estimator == "ML" else n - 1
    try:
        cond = np.linalg.cond(info)
        if not np.isfinite(cond) or cond > 1e14:
            raise np.linalg.LinAlgError
        return np.linalg.inv(info) / divisor
    except np.linalg.LinAlgError:
        notes.append(
            "the information matrix is singular: the model may not be identified; "
            "standard errors are not available (fix a loading or a variance per latent)"
        )
        return None


def fit_sem(
    model,
    data: pd.DataFrame,
    estimator: str = "ML",
    missing: str = "listwise",
    se: str = "standard",
    bootstrap: int = 0,
    ci_type: str = "perc",
    level: float = 0.95,
    seed=None,
    ordered=None,
    std_lv: bool = False,
    group=None,
    meanstructure: bool | None = None,
    cluster: str | None = None,
    fixed_x: bool = True,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax.

    Parameters
    ----------
    model : str or Model
        lavaan model syntax (``=~ ~ ~~ ~1 :=``, labels ``a*x``, fixed values) or a Model.
    data : pandas.DataFrame
        One row per respondent, one numeric column per observed variable.
    estimator : {"ML", "GLS", "ULS", "MLM", "MLR", "DWLS", "WLSMV"}
        As lavaan names them (MLM: Satorra-Bentler, MLR: Huber-White / Yuan-Bentler;
        DWLS/WLSMV: polychoric correlations of ordinal items).
    missing : {"listwise", "fiml"}
        ``"fiml"`` (or lavaan's ``"ml"``) uses every observed value (needs ML).
    se : {"standard", "bootstrap"}
        ``"bootstrap"`` (or ``bootstrap > 0``) gives bootstrap SEs and intervals.
    bootstrap : int
        Number of bootstrap resamples (default 1000 when ``se="bootstrap"``).
    ci_type : {"perc", "bca.simple", "bca", "norm"}
        Bootstrap interval type.
    level : float
        Confidence level of the intervals.
    seed : int, optional
        Seed of the bootstrap.
    ordered : list of str or True, optional
        Ordinal items (``True``: all observed variables); implies WLSMV unless
        ``estimator="DWLS"``.
    std_lv : bool
        Fix latent variances to 1 instead of the first loadings.
    group : None
        Multi-group models are not supported yet (raises SEMError).
    meanstructure : bool, optional
        Default: True for FIML, else False (ordinal thresholds are handled by the
        ordinal module).
    cluster : str, optional
        Column of ``data`` naming each respondent's cluster (unit): cluster-robust
        standard errors and Yuan-Bentler scaled test, as lavaan's ``cluster =``
        (``se = "robust.cluster"``, mean structure on). With ``estimator="ML"`` or
        ``"MLR"`` (the SEs are the same; as in lavaan, ML's scaled test uses the h1
        observed information); with ``se="bootstrap"``, whole clusters are resampled.

    fixed_x : bool, default True
        lavaan's ``fixed.x``: exogenous observed covariates keep their sample moments
        (with ``missing="fiml"``, rows with a missing covariate are dropped and noted, as
        in lavaan); ``False`` models them like the other variables (FIML then uses every row).

    Returns
    -------
    SEMResult

    Raises
    ------
    SEMError
        Bad syntax, unknown variables, unusable data or an unavailable option.

    Notes
    -----
    ML standard errors come from the expected information (lavaan's default for
    complete data), ``vcov = I(theta)^-1 / N``; GLS and ULS use ``N - 1`` and the
    covariance matrix with divisor ``N - 1``, as lavaan does.

    Examples
    --------
    >>> from semopy.examples import political_democracy
    >>> data = political_democracy.get_data()
    >>> res = fit_sem("ind60 =~ x1 + x2 + x3\\ndem60 =~ y1 + y2 + y3 + y4\\n"
    ...           "dem60 ~ a*ind60", data)
    >>> row = res.estimates.iloc[7]
    >>> row["lhs"], row["op"], row["rhs"], round(float(row["est"]), 3), round(float(row["se"]), 3)
    ('dem60', '~', 'ind60', 1.439, 0.379)
    >>> round(float(res.fit_measures["cfi"]), 3)
    0.98...
    """
    est = str(estimator).upper()
    if est not in ESTIMATOR_NAMES:
        raise SEMError(f"unknown estimator {estimator!r}; use one of {', '.join(ESTIMATOR_NAMES)}")
    if group is not None:
        raise SEMError(
            "multi-group models (group=...) are not supported yet; fit each group "
            "separately or use a grouping covariate"
        )
    miss = str(missing).lower()
    if miss in ("ml", "fiml", "direct"):
        miss = "fiml"
    elif miss not in ("listwise", "default"):
        raise SEMError(f"missing={missing!r} is not supported; use 'listwise' or 'fiml'")
    if not 0 < level < 1:
        raise SEMError(f"level={level} must be between 0 and 1, e.g. 0.95")
    if ordered is not None and ordered is not False and est not in ("DWLS", "WLSMV"):
        est = "WLSMV"
    if cluster is not None:  # cluster: nested data (robust.py, bootstrapping/)
        if not isinstance(data, pd.DataFrame) or cluster not in data.columns:
            raise SEMError(f"cluster={cluster!r} is not a column of the data; name the unit column")
        if est not in ("ML", "MLR") or (miss == "fiml" and se != "bootstrap" and not bootstrap):
            raise SEMError(
                f"cluster= is available with estimator 'ML' or 'MLR' on complete data (with "
                f"missing='fiml' only with se='bootstrap'), not estimator={estimator!r}, "
                f"missing={missing!r}"
            )
        meanstructure = True if meanstructure is None else meanstructure
    if meanstructure is None:
        meanstructure = miss == "fiml"
    if isinstance(model, Model):
        spec = model
    elif isinstance(model, str):
        if not isinstance(data, pd.DataFrame):
            raise SEMError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        spec = Model.from_syntax(
            model, data.columns, meanstructure=meanstructure, std_lv=std_lv, fixed_x=fixed_x
        )
    else:
        raise SEMError(f"model must be lavaan syntax (str) or a Model, not {type(model).__name__}")
    if ordered is True:  # lavaan's ordered = TRUE: every observed variable is ordinal
        ordered = list(spec.observed)
    elif ordered is False:
        ordered = None
    elif isinstance(ordered, str):
        ordered = [ordered]
    if ordered is not None:
        ordered = list(ordered)
        unknown = [v for v in ordered if v not in spec.observed]
        if unknown:
            raise SEMError(
                f"ordered={unknown} are not observed variables of the model; "
                f"choose among {spec.observed}"
            )
    x, notes = _prepare_data(data, spec, "fiml" if miss == "fiml" else "listwise", ordered)
    units = None if cluster is None else data.loc[x.index, cluster].to_numpy()
    n, p = len(x), len(spec.observed)
    if miss != "fiml":
        _check_n(n, p, notes)
    test: dict = {}
    extra: dict = {}
    vcov = None
    base_est = "ML" if est in ("MLM", "MLR") else est
    arr = x.to_numpy(dtype=float) if ordered is None else None

    if est in ("DWLS", "WLSMV"):
        fit_dwls = _module_function(
            "ordinal", "fit_dwls", f"estimator {est!r}"
        )  # dispatch: ordinal
        estimation, vcov, test_d = fit_dwls(spec, x, ordered, est)  # dispatch: ordinal
        poly = test_d.get("polychoric")
        S = S_ml = np.asarray(poly.corr, float) if poly is not None else np.eye(p)
        mean = None
        test = {
            "ordinal": test_d,
            "fit_measures": {k: v for k, v in test_d.items() if isinstance(v, (int, float))},
        }
        base_fmin = np.nan
        if isinstance(test_d.get("thresholds"), pd.DataFrame):
            extra["thresholds"] = test_d["thresholds"]
    elif miss == "fiml":
        if base_est != "ML":
            raise SEMError(f"missing='fiml' needs estimator 'ML' or 'MLR', not {estimator!r}")
        fit_fiml = _module_function("fiml", "fit_fiml", "missing='fiml'")  # dispatch: fiml
        bind_fixed_x = _module_function("fiml", "bind_fixed_x", "fixed.x with FIML")
        spec, x, exo_notes = bind_fixed_x(spec, x)  # fixed.x covariates under FIML
        notes.extend(exo_notes)
        estimation = fit_fiml(spec, x)  # dispatch: fiml
        fiml_vcov = _module_function("fiml", "fiml_vcov", "missing='fiml'")  # dispatch: fiml
        fiml_fm = _module_function("fiml", "fiml_fit_measures", "missing='fiml'")  # dispatch: fiml
        fm = fiml_fm(spec, estimation.theta, x)  # dispatch: fiml
        test = {"fit_measures": dict(fm)}
        extra["missing"] = "fiml"
        if est == "MLR":
            fiml_robust = _module_function(
                "fiml", "fiml_robust", "MLR with missing='fiml'"
            )  # dispatch: fiml
            vcov, test_r = fiml_robust(spec, estimation.theta, x)  # dispatch: fiml
            test["robust"] = test_r
            test["fit_measures"].update(
                {
                    k: v
                    for k, v in test_r.items()
                    if isinstance(v, (int, float, np.floating))
                    and k not in ("chisq", "df", "baseline_chisq", "baseline_df")
                }
            )
        else:
            vcov = fiml_vcov(spec, estimation.theta, x)  # dispatch: fiml
        complete = x.dropna()
        S = S_ml = np.cov(complete.to_numpy(float).T, bias=True) if len(complete) > p else np.eye(p)
        mean = complete.mean().to_numpy() if len(complete) else np.zeros(p)
        sig_h1 = fm.get("h1_cov")
        if sig_h1 is not None:
            S = S_ml = np.asarray(sig_h1, float)
            mean = np.asarray(fm.get("h1_mean"), float)
        base_fmin = float(fm.get("baseline_chisq", np.nan)) / (2 * n)
        n = int(fm.get("nobs", n))
    else:
        ddof = 0 if base_est == "ML" else 1
        S_ml = np.cov(arr.T, bias=True)
        S = np.cov(arr.T, ddof=ddof)
        mean = arr.mean(axis=0)
        spec = spec.with_sample(S, mean)
        estimation = fit_ml(spec, S, n, mean if spec.meanstructure else None, estimator=base_est)
        from .measures import independence_model

        base = independence_model(spec).with_sample(S, mean)
        base_fmin = fit_ml(
            base, S, n, mean if base.meanstructure else None, estimator=base_est
        ).fmin
        if est in ("MLM", "MLR") or units is not None:
            robust_vcov = _module_function(
                "robust", "robust_vcov", f"estimator {est!r}"
            )  # dispatch: robust
            vcov, test_r = robust_vcov(spec, estimation.theta, x, est, cluster=units)
            test = {
                "robust": test_r,
                "fit_measures": {
                    k: v
                    for k, v in test_r.items()
                    if isinstance(v, (int, float, np.floating))
                    and k not in ("chisq", "df", "baseline_chisq", "baseline_df")
                },
            }
        else:
            vcov = _vcov_from_information(spec, estimation.theta, base_est, n, S, notes)
    theta = estimation.theta
    if not estimation.converged:
        notes.insert(
            0,
            f"the optimiser did not converge ({estimation.message}); the estimates "
            "are not trustworthy: check the model's identification and the data",
        )

    se_rows = ci_rows = None
    if se == "bootstrap" or bootstrap:
        if est in ("DWLS", "WLSMV"):
            raise SEMError("se='bootstrap' is available for ML, MLR, MLM, GLS and ULS (and FIML)")
        boot_fn = _module_function(
            "bootstrapping", "bootstrap", "se='bootstrap'"
        )  # dispatch: bootstrap
        boot = boot_fn(
            spec,
            x,
            theta,
            bootstrap or 1000,
            seed,
            ci_type,
            level,  # dispatch: bootstrap
            estimator=base_est,
            missing=miss,  # FIML refits of resamples with their missing values
            cluster=None if units is None else data.loc[x.index, cluster].to_numpy(),
        )  # dispatch: bootstrap
        extra["bootstrap"] = boot
        notes.extend(getattr(boot, "warnings", []))
        n_rows = len(spec.partable)
        se_rows = np.full(n_rows, np.nan)
        ci_rows = np.full((n_rows, 2), np.nan)
        ci = boot.ci
        free = spec.partable["free"].to_numpy()
        ops = spec.partable["op"].to_numpy()
        for k in range(n_rows):
            if k in ci.index:
                se_rows[k] = ci.at[k, "se"]
                ci_rows[k] = ci.at[k, "ci_lower"], ci.at[k, "ci_upper"]
            elif ops[k] != ":=" and free[k] == 0:
                se_rows[k] = 0.0
        if vcov is not None or len(boot.thetas) > 1:
            vcov = np.cov(boot.thetas.T, ddof=1).reshape(spec.n_free, spec.n_free)

    result = SEMResult(
        model=spec,
        theta=theta,
        vcov=vcov,
        estimator=est,
        n=n,
        S=S,
        mean=mean,
        fmin=estimation.fmin,
        baseline_fmin=base_fmin,
        converged=estimation.converged,
        iterations=estimation.iterations,
        warnings=notes,
        level=level,
        se="bootstrap"
        if se_rows is not None
        else (
            "robust.cluster"
            if units is not None
            else ("robust" if est in ("MLM", "MLR", "WLSMV") else "standard")
        ),
        S_ml=S_ml,
        test=test,
        se_rows=se_rows,
        ci_rows=ci_rows,
        extra=extra,
    )
    std_all = result.estimates["std_all"].to_numpy()
    result.warnings.extend(_heywood(spec, theta, std_all))
    for msg in result.warnings:
        category = ConvergenceWarning if "did not converge" in msg else SEMWarning
        _warnings.warn(msg, category, stacklevel=2)
    return result


_ = Estimation  # re-exported type of the estimators' results

"""``fit_sem()``: specify, estimate and summarise a structural equation model in one call.

``fit_sem`` checks the options, specifies the model and hands the data to one
estimation route, each returning the same :class:`Fitted` shape: complete-data
ML/GLS/ULS and robust ML "MLM"/"MLR" (:mod:`.estimators`, :mod:`.robust`), full
information ML for missing data (:mod:`.fiml`), DWLS/WLSMV for ordinal items
(:mod:`.ordinal`); multi-group models go to :mod:`.groups`. Bootstrap standard
errors are one more step on top of any complete-data ML/GLS/ULS fit
(:mod:`.bootstrapping`). Warnings are raised with their type where the fact is
known: :class:`~satisfaction.errors.ConvergenceWarning` for an optimiser that
did not converge, :class:`~satisfaction.errors.SEMWarning` for the rest.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, SEMError, SEMWarning
from ..options import check_option
from .estimators import Estimation, expected_information, fit_ml
from .model import Model
from .result import SEMResult

__all__ = ["fit_sem", "ESTIMATOR_NAMES", "SE_NAMES", "MISSING_NAMES", "CI_TYPES", "Fitted"]

#: every estimator name ``fit_sem`` accepts
ESTIMATOR_NAMES = ("ML", "GLS", "ULS", "MLM", "MLR", "DWLS", "WLSMV")
#: ``se=`` values: ours and lavaan's spellings of what we compute
SE_NAMES = ("standard", "robust", "robust.huber.white", "robust.sem", "bootstrap")
#: ``missing=`` values (lavaan's ``"ml"``/``"direct"`` are FIML)
MISSING_NAMES = ("listwise", "default", "fiml", "ml", "direct")
#: bootstrap interval types (lavaan's ``boot.ci.type``)
CI_TYPES = ("perc", "bca.simple", "bca", "norm")
#: the robust estimator each robust ``se=`` spelling belongs to (lavaan's pairs)
_ROBUST_SE = {"robust.huber.white": "MLR", "robust.sem": "MLM"}


@dataclass(frozen=True)
class Fitted:
    """What every estimation route returns; :class:`SEMResult` is built from it once."""

    model: Model
    estimation: Estimation
    vcov: np.ndarray | None
    n: int
    S: np.ndarray
    S_ml: np.ndarray
    mean: np.ndarray | None
    baseline_fmin: float
    test: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


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


def _robust_test(test_r: dict) -> dict:
    """The robust test as ``SEMResult`` takes it (its scalar measures join the fit measures)."""
    return {
        "robust": test_r,
        "fit_measures": {
            k: v
            for k, v in test_r.items()
            if isinstance(v, (int, float, np.floating))
            and k not in ("chisq", "df", "baseline_chisq", "baseline_df")
        },
    }


def _fit_complete(spec: Model, x: pd.DataFrame, est: str, notes: list[str]) -> Fitted:
    """ML, GLS, ULS (expected information) and MLM/MLR (robust sandwich) on complete data."""
    from .measures import independence_model
    from .robust import robust_vcov

    base_est = "ML" if est in ("MLM", "MLR") else est
    arr = x.to_numpy(dtype=float)
    n = len(arr)
    S_ml = np.cov(arr.T, bias=True)
    S = S_ml if base_est == "ML" else np.cov(arr.T, ddof=1)
    mean = arr.mean(axis=0)
    spec = spec.with_sample(S, mean)
    estimation = fit_ml(spec, S, n, mean if spec.meanstructure else None, estimator=base_est)
    if spec.constraints:
        return _fit_constrained(spec, estimation, est, n, S, mean)
    base = independence_model(spec).with_sample(S, mean)
    base_fmin = fit_ml(base, S, n, mean if base.meanstructure else None, estimator=base_est).fmin
    if est in ("MLM", "MLR"):
        vcov, test_r = robust_vcov(spec, estimation.theta, x, est)
        return Fitted(spec, estimation, vcov, n, S, S_ml, mean, base_fmin, _robust_test(test_r))
    vcov = _vcov_from_information(spec, estimation.theta, base_est, n, S, notes)
    return Fitted(spec, estimation, vcov, n, S, S_ml, mean, base_fmin)


def _fit_constrained(spec: Model, start: Estimation, est: str, n, S, mean) -> Fitted:
    """ML under general constraints (``a == 2*b``, ``a > 0``): see :mod:`.constraints`."""
    from .constraints import ConstraintSet, project_vcov, solve_constrained
    from .groups import ml_parts
    from .measures import independence_model

    if est != "ML":
        c = spec.constraints[0]
        raise SEMError(
            f"model syntax line {c.line}: the constraint '{c.lhs} {c.op} {c.rhs}' needs "
            f"estimator 'ML' here, not {est!r}; write equal parameters with one label instead"
        )
    m = mean if spec.meanstructure else None
    cset = ConstraintSet(spec.constraints, spec.label_map)
    theta, ok, message = solve_constrained(lambda t: ml_parts(spec, t, S, m)[:2], start.theta, cset)
    fmin, _, info = ml_parts(spec, theta, S, m)
    vcov = project_vcov(info, cset.active_jacobian(theta), n)
    estimation = Estimation(theta, ok, start.iterations, fmin, message if not ok else "converged")
    base = independence_model(spec).with_sample(S, mean)
    base_fmin = fit_ml(base, S, n, mean if base.meanstructure else None).fmin
    return Fitted(spec, estimation, vcov, n, S, S, mean, base_fmin)


def _fit_fiml(spec: Model, x: pd.DataFrame, est: str, notes: list[str]) -> Fitted:
    """Full information ML (``missing="fiml"``), with the MLR sandwich for ``estimator="MLR"``."""
    from .fiml import fiml_fit_measures, fiml_robust, fiml_vcov, fit_fiml

    estimation = fit_fiml(spec, x)
    fm = fiml_fit_measures(spec, estimation.theta, x)
    test: dict = {"fit_measures": dict(fm)}
    if est == "MLR":
        vcov, test_r = fiml_robust(spec, estimation.theta, x)
        robust = _robust_test(test_r)
        test = {"robust": test_r, "fit_measures": {**fm, **robust["fit_measures"]}}
    else:
        vcov = fiml_vcov(spec, estimation.theta, x)
    p = len(spec.observed)
    if fm.get("h1_cov") is not None:
        S, mean = np.asarray(fm["h1_cov"], float), np.asarray(fm["h1_mean"], float)
    else:  # the complete cases stand in for the saturated moments
        complete = x.dropna().to_numpy(float)
        S = np.cov(complete.T, bias=True) if len(complete) > p else np.eye(p)
        mean = complete.mean(axis=0) if len(complete) else np.zeros(p)
    n = int(fm.get("nobs", len(x)))
    base_fmin = float(fm.get("baseline_chisq", np.nan)) / (2 * n)
    extra = {"missing": "fiml", "fiml_data": x}  # kept for the FIML modification indices
    return Fitted(spec, estimation, vcov, n, S, S, mean, base_fmin, test, extra)


def _fit_ordinal(spec: Model, x: pd.DataFrame, est: str, ordered: list[str]) -> Fitted:
    """DWLS/WLSMV on polychoric correlations."""
    from .ordinal import fit_dwls

    estimation, vcov, test_d = fit_dwls(spec, x, ordered, est)
    poly = test_d.get("polychoric")
    p = len(spec.observed)
    S = np.asarray(poly.corr, float) if poly is not None else np.eye(p)
    test = {
        "ordinal": test_d,
        "fit_measures": {k: v for k, v in test_d.items() if isinstance(v, (int, float))},
    }
    extra = {}
    if isinstance(test_d.get("thresholds"), pd.DataFrame):
        extra["thresholds"] = test_d["thresholds"]
    return Fitted(spec, estimation, vcov, len(x), S, S, None, np.nan, test, extra)


def _bootstrap_vcov(fitted: Fitted, x, est, bootstrap, seed, ci_type, level):
    """The bootstrap of a complete-data fit and the covariance of its replicates."""
    from .bootstrapping import bootstrap as run_bootstrap

    boot = run_bootstrap(
        fitted.model,
        x,
        fitted.estimation.theta,
        bootstrap,
        seed,
        ci_type,
        level,
        estimator=est,
    )
    q = fitted.model.n_free
    vcov = np.cov(boot.thetas.T, ddof=1).reshape(q, q) if len(boot.thetas) > 1 else None
    return boot, vcov


def _specify(model, data, meanstructure, std_lv) -> Model:
    if isinstance(model, Model):
        return model
    if isinstance(model, str):
        if not isinstance(data, pd.DataFrame):
            raise SEMError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        return Model.from_syntax(model, data.columns, meanstructure=meanstructure, std_lv=std_lv)
    raise SEMError(f"model must be lavaan syntax (str) or a Model, not {type(model).__name__}")


def _ordered_list(ordered, spec: Model):
    if ordered is True:  # lavaan's ordered = TRUE: every observed variable is ordinal
        return list(spec.observed)
    if ordered is None or ordered is False:
        return None
    ordered = [ordered] if isinstance(ordered, str) else list(ordered)
    unknown = [v for v in ordered if v not in spec.observed]
    if unknown:
        raise SEMError(
            f"ordered={unknown} are not observed variables of the model; "
            f"choose among {spec.observed}"
        )
    return ordered


def _check_options(estimator, missing, se, ci_type, level, bootstrap, ordered):
    """Every option checked once; returns ``(estimator, missing, bootstrap resamples)``."""
    where = "fit_sem"
    est = check_option(estimator, ESTIMATOR_NAMES, "estimator", where)
    miss = check_option(missing, MISSING_NAMES, "missing", where)
    miss = "fiml" if miss in ("fiml", "ml", "direct") else "listwise"
    se_name = None if se is None else check_option(se, SE_NAMES, "se", where)
    check_option(ci_type, CI_TYPES, "ci_type", where)
    if not 0 < level < 1:
        raise SEMError(f"level={level} must be between 0 and 1, e.g. 0.95")
    if not isinstance(bootstrap, (int, np.integer)) or isinstance(bootstrap, bool) or bootstrap < 0:
        raise SEMError(f"bootstrap={bootstrap!r} must be a whole number of resamples (0 = none)")
    if ordered is not None and ordered is not False and est not in ("DWLS", "WLSMV"):
        est = "WLSMV"
    if se_name in _ROBUST_SE:  # lavaan: se="robust.huber.white" is MLR's, "robust.sem" MLM's
        want = _ROBUST_SE[se_name]
        if est == "ML":
            est = want if miss == "listwise" or want == "MLR" else est
        if est != want:
            raise SEMError(
                f"{where}: se={se!r} is the {want} sandwich; use estimator={want!r} "
                f"(or se='standard'/'robust' with estimator={estimator!r})"
            )
        se_name = "robust"
    if se_name == "standard" and est in ("MLM", "MLR", "WLSMV"):
        raise SEMError(
            f"{where}: estimator={est!r} reports robust standard errors; for normal-theory "
            "ones use estimator='ML' (or 'DWLS' for ordinal items), or drop se='standard'"
        )
    if se_name == "robust" and est == "ML":  # lavaan: robust.sem, or Huber-White under FIML
        est = "MLR" if miss == "fiml" else "MLM"
    if se_name == "robust" and est not in ("MLM", "MLR", "WLSMV"):
        raise SEMError(
            f"{where}: se='robust' needs a robust estimator; use estimator='MLR' (Huber-White), "
            f"'MLM' (Satorra-Bentler) or 'WLSMV', not {estimator!r}"
        )
    boot = bootstrap or (1000 if se_name == "bootstrap" else 0)
    if boot and (miss == "fiml" or est in ("DWLS", "WLSMV", "MLM", "MLR")):
        raise SEMError("se='bootstrap' is available for complete-data ML, GLS and ULS only")
    return est, miss, boot


def fit_sem(
    model,
    data: pd.DataFrame,
    estimator: str = "ML",
    missing: str = "listwise",
    se: str | None = None,
    bootstrap: int = 0,
    ci_type: str = "perc",
    level: float = 0.95,
    seed=None,
    ordered=None,
    std_lv: bool = False,
    group=None,
    group_equal=(),
    group_partial=(),
    meanstructure: bool | None = None,
):
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
        ``"fiml"`` (or lavaan's ``"ml"``, ``"direct"``) uses every observed value (needs ML).
    se : {None, "standard", "robust", "robust.huber.white", "robust.sem", "bootstrap"}
        Default: the estimator's own (normal-theory for ML/GLS/ULS/DWLS, robust for
        MLM/MLR/WLSMV). ``"robust.huber.white"`` (lavaan's spelling) fits MLR and
        ``"robust.sem"`` (or ``"robust"``) MLM when ``estimator="ML"``; ``"standard"``
        with a robust estimator is an error rather than ignored; ``"bootstrap"`` (or
        ``bootstrap > 0``) gives bootstrap SEs and intervals.
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
    group : str, optional
        Column whose values define the groups of a multi-group model (lavaan's
        ``group``); see :func:`satisfaction.sem.groups.fit_groups`.
    group_equal : list of str
        lavaan's ``group.equal``: ``loadings, intercepts, residuals,
        residual.covariances, lv.variances, lv.covariances, means, regressions``.
    group_partial : list of str
        lavaan's ``group.partial``: parameters exempt from ``group_equal``
        (``"x1 ~ 1"``, ``"visual =~ x3"``).
    meanstructure : bool, optional
        Default: True for FIML and multiple groups, else False (ordinal thresholds are
        handled by the ordinal module).

    Returns
    -------
    SEMResult or satisfaction.sem.groups.GroupResult
        The latter for multi-group models.

    Raises
    ------
    SEMError
        Bad syntax, unknown variables, unusable data or an unavailable option.
    OptionError
        An option value that is not one of the allowed ones.

    Warns
    -----
    ConvergenceWarning
        The optimiser did not converge.
    SEMWarning
        Dropped rows, small samples, Heywood cases, unidentified models.

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
    est, miss, boot_n = _check_options(estimator, missing, se, ci_type, level, bootstrap, ordered)
    if group is not None:
        from .groups import fit_groups

        if meanstructure is False:
            raise SEMError(
                "multi-group models always have a mean structure (lavaan's rule); "
                "drop meanstructure=False"
            )
        if boot_n or ordered not in (None, False) or miss == "fiml":
            raise SEMError(
                "multi-group models are fitted with ML or MLR on complete data here; "
                "bootstrap, ordinal items and missing='fiml' are not available with group="
            )
        return fit_groups(
            model,
            data,
            group,
            estimator=est,
            group_equal=group_equal,
            group_partial=group_partial,
            std_lv=std_lv,
            level=level,
        )
    if group_equal or group_partial:
        raise SEMError("group_equal and group_partial need group='column'; pass the group column")
    if meanstructure is None:
        meanstructure = miss == "fiml"
    spec = _specify(model, data, meanstructure, std_lv)
    ordered = _ordered_list(ordered, spec)
    x, notes = _prepare_data(data, spec, miss, ordered)
    if miss == "fiml" and est not in ("ML", "MLR") and ordered is None:
        raise SEMError(f"missing='fiml' needs estimator 'ML' or 'MLR', not {estimator!r}")
    if spec.constraints and (ordered is not None or miss == "fiml" or boot_n):
        c = spec.constraints[0]
        raise SEMError(
            f"model syntax line {c.line}: the constraint '{c.lhs} {c.op} {c.rhs}' needs a "
            "complete-data ML fit here (not ordinal items, missing='fiml' or the bootstrap); "
            "write equal parameters with one label instead"
        )
    if miss != "fiml":
        _check_n(len(x), len(spec.observed), notes)
    if ordered is not None:
        fitted = _fit_ordinal(spec, x, est, ordered)
    elif miss == "fiml":
        fitted = _fit_fiml(spec, x, est, notes)
    else:
        fitted = _fit_complete(spec, x, est, notes)
    boot, vcov = None, fitted.vcov
    if boot_n:
        boot, vcov = _bootstrap_vcov(fitted, x, est, boot_n, seed, ci_type, level)
        notes.extend(boot.warnings)
    estimation = fitted.estimation
    if not estimation.converged:
        message = (
            f"the optimiser did not converge ({estimation.message}); the estimates "
            "are not trustworthy: check the model's identification and the data"
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
        notes.insert(0, message)
    result = SEMResult(
        model=fitted.model,
        theta=estimation.theta,
        vcov=vcov,
        estimator=est,
        n=fitted.n,
        S=fitted.S,
        mean=fitted.mean,
        fmin=estimation.fmin,
        baseline_fmin=fitted.baseline_fmin,
        converged=estimation.converged,
        iterations=estimation.iterations,
        warnings=notes,
        level=level,
        se="bootstrap" if boot else ("robust" if est in ("MLM", "MLR", "WLSMV") else "standard"),
        S_ml=fitted.S_ml,
        test=fitted.test,
        extra=fitted.extra,
        bootstrap=boot,
    )
    for msg in result.warnings[0 if estimation.converged else 1 :]:
        warnings.warn(msg, SEMWarning, stacklevel=2)
    return result

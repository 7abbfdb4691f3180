"""The bootstrap itself: :func:`bootstrap` and its :class:`BootstrapResult`."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import ConvergenceWarning, SEMError, SEMWarning
from ..fiml import bind_fixed_x, fiml_vcov, fit_fiml
from ..robust import cluster_codes
from .intervals import CI_TYPES, bootstrap_ci
from .missing import fiml_refits
from .resample import (
    _acceleration,
    _chunks,
    _default_jobs,
    _defined_values,
    _definitions,
    _fit_batch,
    _inadmissible,
    _jackknife_acceleration,
    _moments_batch,
    _pd_mask,
    resample_weights,
)

__all__ = ["BootstrapResult", "bootstrap"]


@dataclass
class BootstrapResult:
    """Bootstrap replicates and the intervals computed from them.

    Attributes
    ----------
    thetas : numpy.ndarray
        (B_ok, q) estimates of the free parameters on the successful resamples.
    defined : numpy.ndarray
        (B_ok, k) values of the defined (``:=``) parameters on the same resamples.
    defined_names : list of str
        Names of the defined parameters (columns of ``defined``).
    n_failed : int
        Resamples that failed (non-positive-definite sample covariance matrix) or did not
        converge; they are dropped.
    n_inadmissible : int
        Successful resamples with an inadmissible solution (negative variance or
        non-positive-definite residual / latent covariance matrix); they are kept.
    ci : pandas.DataFrame
        One row per row of the parameter table (index = partable index; fixed parameters
        with se 0 and the interval collapsed to their value, as lavaan; fixed.x rows only
        if the model holds their sample values): ``lhs, op, rhs, label, est, se, ci_lower,
        ci_upper``.
    se : pandas.Series
        Bootstrap standard errors of the free parameters (by ``model.param_names``).
    B : int
        Resamples drawn.
    ci_type, level : str, float
        The interval type and level of ``ci``.
    warnings : list of str
        lavaan-style messages ("3 bootstrap runs failed or did not converge.").
    failed_idx, inadmissible_idx : numpy.ndarray
        Positions (0..B-1) of the failed and of the inadmissible resamples.
    acceleration : numpy.ndarray or None
        BCa acceleration constants (free, then defined parameters) for ``ci_type="bca"``.
    """

    thetas: np.ndarray
    defined: np.ndarray
    defined_names: list
    n_failed: int
    n_inadmissible: int
    ci: pd.DataFrame
    se: pd.Series
    B: int
    ci_type: str
    level: float
    warnings: list = field(default_factory=list)
    failed_idx: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    inadmissible_idx: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    acceleration: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"BootstrapResult(B={self.B}, ok={len(self.thetas)}, failed={self.n_failed}, "
            f"inadmissible={self.n_inadmissible}, ci_type={self.ci_type!r}, level={self.level})"
        )


def _ci_row(k, r, est, se, lower, upper) -> dict:
    """One row of the interval table for parameter-table row ``r`` (index ``k``)."""
    return {
        "index": k,
        "lhs": r.lhs,
        "op": r.op,
        "rhs": r.rhs,
        "label": r.label if isinstance(r.label, str) else "",
        "est": est,
        "se": se,
        "ci_lower": lower,
        "ci_upper": upper,
    }


def _fiml_resamples(model, frame: pd.DataFrame, x, weights, theta_hat, tol):
    """FIML refits of weighted resamples: batched, then one by one for the stragglers."""
    information = np.linalg.inv(fiml_vcov(model, theta_hat, frame))
    exo = None
    if (
        model.has_exo
    ):  # fixed.x: each resample's own covariate moments (the covariates are complete)
        tot = weights.sum(axis=1)
        means, S = _moments_batch(np.nan_to_num(x), weights, tot)
        exo = np.stack([model.exo_values(S[i], means[i]) for i in range(len(S))])
    thetas, conv = fiml_refits(model, x, weights, theta_hat, information, exo=exo, tol=tol)
    for i in np.flatnonzero(~conv):
        rows = np.repeat(np.arange(len(x)), weights[i].astype(int))
        sample = frame.iloc[rows].reset_index(drop=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m_i, sample, _ = bind_fixed_x(model, sample)
                est = fit_fiml(m_i, sample, theta_hat)
        except (SEMError, np.linalg.LinAlgError, ValueError):
            continue
        if est.converged:
            thetas[i], conv[i] = est.theta, True
    return thetas, conv, exo


def bootstrap(
    model,
    data: pd.DataFrame,
    theta_hat: np.ndarray,
    B: int = 1000,
    seed: int | np.random.Generator | None = None,
    ci_type: str = "perc",
    level: float = 0.95,
    n_jobs: int | None = None,
    *,
    estimator: str = "ML",
    tol: float = 1e-7,
    max_iter: int = 200,
    missing: str = "listwise",
    cluster=None,
) -> BootstrapResult:
    """Ordinary nonparametric bootstrap of a model (lavaan's ``se = "bootstrap"``).

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The specified model.
    data : pandas.DataFrame
        The raw data; rows with a missing value in a model variable are dropped first
        (listwise), then rows are resampled with replacement.
    theta_hat : numpy.ndarray
        (q,) full-sample estimates: the point estimates and the warm start of every refit.
    B : int, default 1000
        Number of resamples.
    seed : int or numpy.random.Generator, optional
        Same seed, same resamples, same result.
    ci_type : {"perc", "bca.simple", "bca", "norm"}, default "perc"
        Interval type: lavaan's ``boot.ci.type`` values ``"perc"``, ``"bca.simple"`` (bias
        corrected, no acceleration) and ``"norm"``, plus ``"bca"`` (bias-corrected and
        accelerated; the acceleration comes from a jackknife, i.e. n extra fits, also batched).
    level : float, default 0.95
        Confidence level.
    n_jobs : int, optional
        Threads over which the resamples are split (default: up to 2 cores).
    estimator : {"ML", "GLS", "ULS"}
        The estimator of the refits (the one the full sample was fitted with).
    tol, max_iter : float, int
        Convergence settings of the refits (``tol``: largest step relative to
        ``1 + max|theta|``; 1e-7 reproduces converged single fits to about 1e-6, far below
        the Monte Carlo error of any bootstrap quantity).
    missing : {"listwise", "fiml"}, default "listwise"
        ``"fiml"``: the rows are resampled with their missing values and every resample is
        refitted by FIML (``theta_hat`` must be the FIML estimates, ``estimator="ML"``),
        all resamples together (:func:`.missing.fiml_refits`).
    cluster : array-like, optional
        The cluster (unit) of each row of ``data``: a cluster bootstrap, which draws whole
        units with replacement (each resample has as many units as the data, so its number
        of rows varies) and keeps every row of a drawn unit. Not with ``ci_type="bca"``.

    Returns
    -------
    BootstrapResult
        Replicates, counts of failed and inadmissible resamples, standard errors and the
        interval table ``ci`` (every parameter-table row, defined parameters included).

    Notes
    -----
    Resample b draws row counts ``w_b ~ Multinomial(n, 1/n)``, so its covariance matrix
    (divisor n, as lavaan's ML) is ``S_b = sum_i w_bi x_i x_i' / n - m_b m_b'``: for all B at
    once this is one (B, n) x (n, p*p) matrix product. The B models are then fitted together
    by batched Fisher scoring and L-BFGS from ``theta_hat``
    (:func:`satisfaction.sem.estimators.batched_fit_ml`); the few that do not converge in the batch are
    refitted one by one with the single-fit solver's fallbacks. GLS and ULS resamples use the
    divisor n - 1, as lavaan. Standard errors are the standard deviations of the replicates
    (divisor B, as lavaan); defined parameters are evaluated on every replicate, so their
    SEs and intervals come from the resamples too. Failed resamples (non-positive-definite
    ``S_b`` or no convergence) are dropped and counted; inadmissible ones are kept and counted,
    both reported with lavaan's wording.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.model import Model
    >>> from satisfaction.sem.estimators import fit_ml
    >>> from satisfaction.sem.bootstrapping import bootstrap
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=300); m = 0.5 * x + rng.normal(size=300)
    >>> y = 0.4 * m + rng.normal(size=300)
    >>> data = pd.DataFrame({"x": x, "m": m, "y": y})
    >>> model = Model.from_syntax("m ~ a*x\\ny ~ b*m\\nind := a*b", data.columns)
    >>> model = model.with_sample(np.cov(data[model.observed].T, bias=True))
    >>> S = np.cov(data[model.observed].T, bias=True)
    >>> theta = fit_ml(model, S, 300).theta
    >>> res = bootstrap(model, data, theta, B=200, seed=1)
    >>> res.n_failed, res.ci.loc[res.ci.op == ":=", "lhs"].tolist()
    (0, ['ind'])
    """
    estimator = str(estimator).upper()
    if estimator not in ("ML", "GLS", "ULS"):
        raise SEMError(
            f"the bootstrap supports the complete-data estimators ML, GLS and ULS, not "
            f"{estimator!r}; refit with one of them."
        )
    if ci_type not in CI_TYPES:
        raise SEMError(f"ci_type={ci_type!r} is not one of {CI_TYPES}; pick one of them.")
    if not 0.0 < level < 1.0:
        raise SEMError(f"level={level} must be between 0 and 1 (e.g. 0.95).")
    B = int(B)
    if B < 2:
        raise SEMError(
            f"bootstrap={B} resamples are too few; use at least 200 (1000 for intervals)."
        )
    observed = list(model.observed)
    missing_cols = [c for c in observed if c not in data.columns]
    if missing_cols:
        raise SEMError(f"the data lack the model's observed variables {missing_cols}; add them.")
    fiml = str(missing).lower() == "fiml"
    if fiml and estimator != "ML":
        raise SEMError(f"the FIML bootstrap refits by ML, not {estimator!r}; use estimator='ML'.")
    frame = data[observed]
    codes = None
    if cluster is not None:
        if ci_type == "bca":
            raise SEMError(
                "ci_type='bca' needs a jackknife, which is not defined here for a cluster "
                "bootstrap; use 'perc', 'bca.simple' or 'norm'"
            )
        codes = cluster_codes(cluster, len(data))
    if not fiml:
        keep = frame.notna().all(axis=1).to_numpy()
        frame = frame[keep]
        codes = None if codes is None else pd.factorize(codes[keep])[0]
    x = frame.to_numpy(dtype=float)
    n = x.shape[0]
    if n < 3:
        raise SEMError(f"only {n} complete rows; the bootstrap needs data.")
    theta_hat = np.asarray(theta_hat, dtype=float)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    weights = resample_weights(n, B, rng, codes)
    if fiml:
        thetas, conv, exo_b = _fiml_resamples(model, frame, x, weights, theta_hat, tol)
        ok_pd = np.ones(B, dtype=bool)
    else:
        # sample covariance matrices with lavaan's divisor: N for ML, N - 1 for GLS and ULS
        tot = weights.sum(axis=1)
        divisor = tot if estimator == "ML" else tot - 1.0
        means, S = _moments_batch(x, weights, divisor)
        ok_pd = _pd_mask(S)
        thetas = np.full((B, theta_hat.size), np.nan)
        conv = np.zeros(B, dtype=bool)
        idx = np.flatnonzero(ok_pd)
        n_jobs = _default_jobs() if n_jobs is None else max(1, int(n_jobs))
        parts = _chunks(idx.size, n_jobs)

        def run(sl):
            ii = idx[sl]
            return ii, _fit_batch(model, S[ii], means[ii], n, theta_hat, estimator, tol, max_iter)

        if len(parts) == 1:
            results = [run(parts[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                results = list(pool.map(run, parts))
        exo_b = (
            np.full((B, len(model.exo_values(S[0], means[0]))), np.nan) if model.has_exo else None
        )
        for ii, (th, cv, exo) in results:
            thetas[ii] = th
            conv[ii] = cv
            if exo is not None:
                exo_b[ii] = exo
    exo_all = None
    good = ok_pd & conv & np.isfinite(thetas).all(axis=1)
    failed_idx = np.flatnonzero(~good)
    ok_idx = np.flatnonzero(good)
    th_ok = thetas[ok_idx]
    if model.has_exo and ok_idx.size:
        exo_all = exo_b[ok_idx]
    inadm = _inadmissible(model, th_ok, exo_all)
    defined = _defined_values(model, th_ok)
    defs = _definitions(model)

    msgs = []
    if failed_idx.size:
        msgs.append(f"{failed_idx.size} bootstrap runs failed or did not converge.")
    if inadm.any():
        msgs.append(f"{int(inadm.sum())} bootstrap runs resulted in nonadmissible solutions.")
    for msg in msgs:
        warnings.warn(msg, ConvergenceWarning if "failed" in msg else SEMWarning, stacklevel=2)
    if ok_idx.size < 2:
        raise SEMError(
            f"all but {ok_idx.size} of {B} bootstrap resamples failed; the model does not fit "
            "resamples of these data (check identification and sample size)."
        )

    # point estimates, SEs and intervals for free parameters and defined parameters
    est_def = _defined_values(model, theta_hat[None, :])[0]
    allboot = np.column_stack([th_ok, defined])
    allest = np.concatenate([theta_hat, est_def])
    acc = None
    if ci_type == "bca" and fiml:
        jack, _, _ = _fiml_resamples(model, frame, x, 1.0 - np.eye(n), theta_hat, tol)
        acc = _acceleration(model, jack)
    elif ci_type == "bca":
        acc = _jackknife_acceleration(model, x, theta_hat, estimator, tol, max_iter)
    limits = bootstrap_ci(allboot, allest, ci_type, level, acceleration=acc)
    se_all = np.std(allboot, axis=0)  # divisor B, as lavaan

    pt = model.partable
    rows = []
    q = theta_hat.size
    def_pos = {name: j for j, (name, _) in enumerate(defs)}
    for k, r in pt.iterrows():
        if r.op == ":=":
            j = q + def_pos[r.lhs]
        elif int(r.free) > 0:
            j = int(r.free) - 1
        else:
            # fixed parameter (marker loading, fixed.x covariance): se 0 and the interval
            # collapses to the value, as lavaan's parameterEstimates() shows it
            value = float(r.value) if r.value is not None else np.nan
            if np.isfinite(value):
                rows.append(_ci_row(k, r, value, 0.0, value, value))
            continue
        rows.append(_ci_row(k, r, allest[j], se_all[j], limits[j, 0], limits[j, 1]))
    ci = pd.DataFrame(rows).set_index("index")
    ci.index.name = None
    names = list(getattr(model, "param_names", [f"theta{i + 1}" for i in range(q)]))
    return BootstrapResult(
        thetas=th_ok,
        defined=defined,
        defined_names=[name for name, _ in defs],
        n_failed=int(failed_idx.size),
        n_inadmissible=int(inadm.sum()),
        ci=ci,
        se=pd.Series(se_all[:q], index=names),
        B=B,
        ci_type=ci_type,
        level=level,
        warnings=msgs,
        failed_idx=failed_idx,
        inadmissible_idx=ok_idx[inadm],
        acceleration=acc,
    )

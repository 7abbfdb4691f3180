"""Monte Carlo confidence intervals for defined parameters (Preacher & Selig 2012).

An indirect effect ``a*b`` is a product of estimates; its sampling distribution is skewed,
so the symmetric delta-method interval misplaces its limits. The Monte Carlo method draws
the parameter vector from its asymptotic normal distribution ``N(theta_hat, vcov)``, evaluates
every ``:=`` definition for each draw and takes percentiles. It needs no refitting, so
20,000 draws take milliseconds (the definitions are evaluated vectorised over all draws).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SEMError
from .defined import evaluate_definitions

__all__ = ["monte_carlo_ci", "definition_inputs", "definition_values"]


def definition_inputs(pt: pd.DataFrame) -> tuple[list[tuple[str, str]], dict[str, int | float]]:
    """Defined parameters and label -> free index (int, 0-based) or fixed value (float)."""
    op = pt["op"].to_numpy()
    lhs = pt["lhs"].to_numpy()
    rhs = pt["rhs"].to_numpy()
    label = pt["label"].to_numpy()
    free = pt["free"].to_numpy()
    value = pt["value"].to_numpy() if "value" in pt else np.full(len(pt), np.nan)
    defs = [(str(lhs[k]), str(rhs[k])) for k in np.flatnonzero(op == ":=")]
    mapping: dict[str, int | float] = {}
    for k in np.flatnonzero(op != ":="):
        lab = label[k]
        if not isinstance(lab, str) or not lab:
            continue
        if int(free[k]) > 0:
            mapping[lab] = int(free[k]) - 1
        elif lab not in mapping:
            mapping[lab] = float(value[k])
    return defs, mapping


def definition_values(mapping: dict[str, int | float], thetas: np.ndarray) -> dict:
    """Label -> column of ``thetas`` (free labels) or fixed value, for :func:`evaluate_definitions`."""
    return {lab: (thetas[..., j] if isinstance(j, int) else j) for lab, j in mapping.items()}


def monte_carlo_ci(
    result,
    draws: int = 20000,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Monte Carlo confidence intervals for the defined (``:=``) parameters of a fit.

    Parameters
    ----------
    result : SEMResult
        A fitted model with at least one defined parameter (``ind := a*b``).
    draws : int, default 20000
        Number of draws of the parameter vector.
    seed : int or numpy.random.Generator, optional
        For reproducible intervals.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per defined parameter with columns ``lhs, op, rhs, est, se_mc, ci_lower,
        ci_upper, draws``: ``est`` is the point estimate (the definition at ``theta_hat``),
        ``se_mc`` the standard deviation of the draws and the limits the
        ``(1 - level)/2`` and ``(1 + level)/2`` percentiles.

    Notes
    -----
    Preacher & Selig (2012): draw ``theta_r ~ N(theta_hat, V)``, ``r = 1..R`` (``V`` the
    estimated covariance matrix of the free parameters, robust if the fit was robust),
    compute ``f(theta_r)`` for each definition and use the empirical percentiles. The
    draws use ``V = L L'`` from a symmetric eigendecomposition so a positive semi-definite
    ``V`` (e.g. with equality constraints) also works. Unlike the bootstrap, it assumes
    the estimates are normal, but not their products.

    References
    ----------
    Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals
    for indirect effects. *Communication Methods and Measures*, 6, 77-98.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem import fit_sem
    >>> from satisfaction.sem.montecarlo import monte_carlo_ci
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=400); m = 0.5 * x + rng.normal(size=400)
    >>> y = 0.4 * m + rng.normal(size=400)
    >>> res = fit_sem("m ~ a*x\\ny ~ b*m\\nind := a*b", pd.DataFrame({"x": x, "m": m, "y": y}))
    >>> ci = monte_carlo_ci(res, draws=5000, seed=1)
    >>> ci[["lhs", "op"]].values.tolist()
    [['ind', ':=']]
    >>> bool(ci.ci_lower.iloc[0] < ci.est.iloc[0] < ci.ci_upper.iloc[0])
    True
    """
    if not 0.0 < level < 1.0:
        raise SEMError(f"level={level} must be between 0 and 1 (e.g. 0.95).")
    draws = int(draws)
    if draws < 100:
        raise SEMError(f"draws={draws} is too few for percentile limits; use at least 1000.")
    defs, mapping = definition_inputs(result.model.partable)
    if not defs:
        raise SEMError(
            "the model has no defined parameters; add one such as 'ind := a*b' to the syntax "
            "(with labelled paths) to get Monte Carlo intervals."
        )
    theta = np.asarray(result.theta, dtype=float)
    vcov = np.asarray(getattr(result.vcov, "values", result.vcov), dtype=float)
    if not np.all(np.isfinite(vcov)):
        raise SEMError(
            "the parameter covariance matrix has non-finite entries (the model may not be "
            "identified); fix the model before asking for Monte Carlo intervals."
        )
    vals, vecs = np.linalg.eigh(0.5 * (vcov + vcov.T))
    if vals.min() < -1e-8 * max(1.0, vals.max()):
        raise SEMError(
            "the parameter covariance matrix is not positive semi-definite; the model may not "
            "be identified, so Monte Carlo intervals are not meaningful."
        )
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    z = rng.standard_normal((draws, theta.size))
    thetas = theta + z @ root.T
    sim = evaluate_definitions(defs, definition_values(mapping, thetas))
    est = evaluate_definitions(defs, definition_values(mapping, theta[None, :]))
    alpha = (1.0 - level) / 2.0
    rows = []
    for name, expr in defs:
        d = np.broadcast_to(sim[name], (draws,))
        ok = np.isfinite(d)
        lo, hi = np.quantile(d[ok], [alpha, 1.0 - alpha]) if ok.any() else (np.nan, np.nan)
        rows.append(
            {
                "lhs": name,
                "op": ":=",
                "rhs": expr,
                "est": float(np.asarray(est[name]).ravel()[0]),
                "se_mc": float(np.std(d[ok], ddof=1)) if ok.sum() > 1 else np.nan,
                "ci_lower": float(lo),
                "ci_upper": float(hi),
                "draws": int(ok.sum()),
            }
        )
    return pd.DataFrame(
        rows, columns=["lhs", "op", "rhs", "est", "se_mc", "ci_lower", "ci_upper", "draws"]
    )

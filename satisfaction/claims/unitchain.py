"""H2 and H7: the chain LQ -> EX -> REP -> CSAT where employees and customers meet, the unit.

Unit x period means with the employee side lagged (:func:`satisfaction.link`) enter
as single-indicator latent variables whose error variance is fixed from their
sampling error: ``(1 - reliability) x variance`` with the reliability the mean ICC(2)
of the unit means, so small units do not attenuate the paths. The model is fitted with
the package's SEM engine; full mediation (no direct EX -> CSAT path) is compared with
partial mediation by a chi-square difference test; the indirect effects get
percentile intervals from a bootstrap that resamples units (all periods of a unit
together), each resample fitted by the engine's batched ML.

The chain is a model of lagged cross-sections: it shows that EX, REP and CSAT move
together along the chain, not which way the influence runs. A loop from customers back
to employees (REP -> CSAT -> EX, H4) also makes EX(t-1) and REP(t) correlate; the
cross-lagged models (:func:`satisfaction.claims.cross_lagged`) separate the directions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InputError, SEMWarning
from ..options import check_option
from ..sem import batched_fit_ml, chain_paths, compare_models, fit_sem

__all__ = ["chain", "chain_syntax", "MEASUREMENTS"]

#: How the unit means enter the chain model.
MEASUREMENTS = ("latent", "observed")

_CHAIN = ("LQ", "EX", "REP", "CSAT")
_DEFINED = {
    "ind_ex_csat": ("EX -> REP -> CSAT (indirect)", lambda a, b, c, d: b * c),
    "ind_lq_csat": ("LQ -> EX -> ... -> CSAT (indirect)", lambda a, b, c, d: a * b * c + a * d),
    "total_ex_csat": ("EX -> CSAT (total)", lambda a, b, c, d: b * c + d),
}
_PATHS = {
    "a": "LQ -> EX",
    "b": "EX -> REP",
    "c": "REP -> CSAT",
    "d": "EX -> CSAT (direct)",
}


def chain_syntax(
    error_variances: dict[str, float] | None = None, mediation: str = "partial"
) -> str:
    """lavaan syntax of the unit-level chain, with single-indicator latents when error variances are given.

    Parameters
    ----------
    error_variances : dict, optional
        Construct -> fixed error variance of its unit mean. ``None``: the observed-means
        path model.
    mediation : {"partial", "full"}
        ``"full"`` leaves out the direct path ``CSAT ~ d*EX`` (``d = 0``).

    Examples
    --------
    >>> print(chain_syntax(None, "full"))
    EX ~ a*LQ
    REP ~ b*EX
    CSAT ~ c*REP
    ind_ex_csat := b*c
    ind_lq_csat := a*b*c
    total_ex_csat := b*c
    """
    mediation = check_option(mediation, ("partial", "full"), "mediation", "chain_syntax")
    lines = []
    if error_variances is None:
        v = {c: c for c in _CHAIN}
    else:
        v = {c: f"{c}_true" for c in _CHAIN}
        for c in _CHAIN:
            lines += [f"{v[c]} =~ 1*{c}", f"{c} ~~ {error_variances[c]:.10g}*{c}"]
    lines.append(chain_paths(tuple(v[c] for c in _CHAIN), mediation))
    return "\n".join(lines)


def _unit_bootstrap(result, data: pd.DataFrame, units: np.ndarray, n_boot: int, seed):
    """Refit the model on resamples of whole units (batched ML); (B, 4) draws of a, b, c, d."""
    x = data[list(_CHAIN)].to_numpy(dtype=float)
    codes, uniq = pd.factorize(units)
    k = x.shape[1]
    n_u = np.bincount(codes, minlength=len(uniq)).astype(float)
    s1 = np.zeros((len(uniq), k))
    np.add.at(s1, codes, x)
    s2 = np.zeros((len(uniq), k, k))
    np.add.at(s2, codes, x[:, :, None] * x[:, None, :])
    rng = np.random.default_rng(seed)
    w = np.stack(
        [
            np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
            for _ in range(n_boot)
        ]
    )
    n = w @ n_u
    mean = (w @ s1) / n[:, None]
    cov = np.tensordot(w, s2, axes=1) / n[:, None, None] - mean[:, :, None] * mean[:, None, :]
    model = result.model
    order = [model.observed.index(c) for c in _CHAIN]
    inv = np.argsort(order)
    cov = cov[:, inv][:, :, inv] if list(model.observed) != list(_CHAIN) else cov
    thetas, ok = batched_fit_ml(model, cov, int(np.round(n.mean())), result.theta)
    names = list(model.param_names)
    idx = [names.index(p) if p in names else None for p in "abcd"]
    draws = np.column_stack([thetas[:, i] if i is not None else np.zeros(len(thetas)) for i in idx])
    return draws[np.asarray(ok, bool)]


def chain(
    linked: pd.DataFrame,
    *,
    measurement: str = "latent",
    mediation: str = "partial",
    n_boot: int = 500,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Fit the unit-level chain LQ -> EX -> REP -> CSAT (H2, H7) on a linked panel.

    Parameters
    ----------
    linked : DataFrame
        From :func:`satisfaction.link` (employee side lagged, usually ``lag=1``), with
        ``LQ, EX, REP, CSAT`` and their ``_icc2`` columns; rows matched on both sides
        are used.
    measurement : {"latent", "observed"}
        ``"latent"``: single-indicator latents with the error variance fixed from the
        reliability (mean ICC(2)) of the unit means; ``"observed"``: the plain means.
    mediation : {"partial", "full"}
        The model reported (both are fitted for the comparison row).
    n_boot : int
        Unit-bootstrap resamples for the intervals of the paths and indirect effects.
    level : float
        Confidence level (percentile intervals).
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row per path (``a, b, c, d``), per defined effect (``ind_ex_csat``: EX -> REP
        -> CSAT, H2; ``ind_lq_csat``: LQ -> ... -> CSAT, H7; ``total_ex_csat``) and a
        ``full_vs_partial`` row (the chi-square difference, its ``pvalue`` and in
        ``mediation`` the preferred model): ``label, effect, estimate, se`` (ML),
        ``pvalue, ci_lower, ci_upper`` (unit bootstrap), ``n`` (unit-periods), ``n_units,
        reliability`` (of the means, per path's outcome), ``mediation, method``.

    Examples
    --------
    >>> import satisfaction as sat
    >>> from satisfaction.claims.examples import sample_linked
    >>> out = chain(sample_linked(), n_boot=100)
    >>> out["label"].tolist()
    ['a', 'b', 'c', 'd', 'ind_ex_csat', 'ind_lq_csat', 'total_ex_csat', 'full_vs_partial']
    """
    measurement = check_option(measurement, MEASUREMENTS, "measurement", "chain")
    mediation = check_option(mediation, ("partial", "full"), "mediation", "chain")
    d = linked[linked["matched"] == "both"] if "matched" in linked.columns else linked
    missing = [c for c in (*_CHAIN, "unit") if c not in d.columns]
    if missing:
        raise InputError(
            f"chain: the linked panel lacks {missing}; link the employee panel (LQ, EX) and "
            "the customer panel (REP, CSAT) with link(employee, customer, lag=1)"
        )
    d = d.dropna(subset=list(_CHAIN)).reset_index(drop=True)
    if d["unit"].nunique() < 10 or len(d) < 30:
        raise InputError(
            f"chain: {d['unit'].nunique()} units and {len(d)} unit-periods are too few for "
            "the chain model (at least 10 units and 30 unit-periods)"
        )
    rel = {}
    for c in _CHAIN:
        col = f"{c}_icc2"
        rel[c] = float(d[col].mean()) if col in d.columns else np.nan
    if measurement == "latent":
        if any(not np.isfinite(r) for r in rel.values()):
            raise InputError(
                "chain: measurement='latent' needs the reliabilities (<C>_icc2 columns from "
                "unit_panel via link); use measurement='observed' otherwise"
            )
        errors = {c: (1.0 - rel[c]) * float(d[c].var(ddof=0)) for c in _CHAIN}
    else:
        errors = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SEMWarning)
        fits = {m: fit_sem(chain_syntax(errors, m), d[list(_CHAIN)]) for m in ("partial", "full")}
    fit = fits[mediation]
    comparison = compare_models(full=fits["full"], partial=fits["partial"])
    p_diff = float(comparison["pvalue"].dropna().iloc[0])
    preferred = "partial" if p_diff < 1 - level else "full"
    draws = _unit_bootstrap(fit, d, d["unit"].to_numpy(), n_boot, seed)
    alpha = (1 - level) / 2
    est = fit.estimates
    labelled = est.set_index(est["label"].astype(str))
    rows = []
    for lab, name in _PATHS.items():
        if lab not in labelled.index:
            continue
        r = labelled.loc[lab]
        col = "abcd".index(lab)
        lo, hi = np.quantile(draws[:, col], [alpha, 1 - alpha])
        rows.append(
            {"label": lab, "effect": name, "estimate": r["est"], "se": r["se"],
             "pvalue": r["pvalue"], "ci_lower": lo, "ci_upper": hi,
             "reliability": rel[r["lhs"].replace("_true", "")]}
        )  # fmt: skip
    for lab, (name, fn) in _DEFINED.items():
        r = labelled.loc[lab]
        values = fn(*draws.T)
        lo, hi = np.quantile(values, [alpha, 1 - alpha])
        share = np.mean(values > 0)
        rows.append(
            {"label": lab, "effect": name, "estimate": r["est"], "se": float(np.std(values)),
             "pvalue": float(min(1.0, 2 * min(share, 1 - share))), "ci_lower": lo,
             "ci_upper": hi, "reliability": np.nan}
        )  # fmt: skip
    rows.append(
        {"label": "full_vs_partial", "effect": "full vs partial mediation (chi-square difference)",
         "estimate": float(comparison["chisq_diff"].dropna().iloc[0]), "se": np.nan,
         "pvalue": p_diff, "ci_lower": np.nan, "ci_upper": np.nan, "reliability": np.nan}
    )  # fmt: skip
    out = pd.DataFrame(rows)
    out["n"] = len(d)
    out["n_units"] = d["unit"].nunique()
    out["mediation"] = preferred
    how = (
        "single-indicator latent unit means, error variance (1 - ICC(2)) x variance"
        if measurement == "latent"
        else "observed unit means"
    )
    out["method"] = (
        f"unit-level chain SEM (ML, {mediation} mediation), employee side lagged; {how}; "
        f"percentile CI from {len(draws)} unit-bootstrap resamples"
    )
    return out

"""Scales: construct scores, reliability (alpha, omega, CR, AVE) and item analysis.

Every function takes clean respondent-level data (one row per answer sheet, one
numeric column per item, reverse-keyed items already reversed and "don't know"
already missing, as :mod:`satisfaction.cleaning` leaves them) and an
:class:`~satisfaction.instruments.Instrument` saying which items measure which
construct.

Examples
--------
>>> import satisfaction as sat
>>> inst = sat.default_instrument()
>>> pulse = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])  # reverse-key ex5
>>> sat.score(pulse, inst).columns.tolist()[-4:]
['enps', 'stay', 'LQ', 'EX']
>>> sat.reliability(pulse, inst)[["construct", "n_items"]]
  construct  n_items
0        LQ        4
1        EX        5
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .errors import ConvergenceWarning, InputError, SEMWarning
from .instruments import DONT_KNOW, Construct, Instrument, likert_value
from .options import check_option

__all__ = ["score", "reliability", "item_analysis", "one_factor_ml"]

# --------------------------------------------------------------------------- helpers


def _check_instrument(instrument: Any) -> Instrument:
    if not isinstance(instrument, Instrument):
        raise InputError(
            f"instrument must be a satisfaction.Instrument, got {type(instrument).__name__}; "
            "use satisfaction.default_instrument() or satisfaction.load_instrument(path)"
        )
    return instrument


def _pick_constructs(
    data: pd.DataFrame,
    instrument: Instrument,
    constructs: str | Iterable[str] | None,
    where: str,
) -> list[Construct]:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a DataFrame, got {type(data).__name__}")
    instrument = _check_instrument(instrument)
    if constructs is None:
        chosen = []
        for c in instrument.constructs:
            present = [i for i in c.item_ids if i in data.columns]
            if present and len(present) < len(c.item_ids):
                missing = [i for i in c.item_ids if i not in data.columns]
                raise InputError(
                    f"construct {c.name!r} lacks item column(s) {', '.join(missing)} in the data; "
                    "add them or pass constructs=[...] without it"
                )
            if present:
                chosen.append(c)
        if not chosen:
            raise InputError(
                f"the data has no item columns of instrument {instrument.name!r} "
                f"(expected e.g. {', '.join(instrument.constructs[0].item_ids)}); "
                "check the column names or the instrument"
            )
        return chosen
    names = [constructs] if isinstance(constructs, str) else list(constructs)
    known = [x.name for x in instrument.constructs]
    chosen = []
    for name in names:
        c = instrument.construct(check_option(name, known, "constructs", where, case=True))
        missing = [i for i in c.item_ids if i not in data.columns]
        if missing:
            raise InputError(
                f"construct {name!r} needs item column(s) {', '.join(missing)}, "
                "which are not in the data"
            )
        chosen.append(c)
    return chosen


def _items_matrix(data: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    for col in items:
        s = data[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            bad = s.dropna()
            example = f" (e.g. row {bad.index[0]!r}: {bad.iloc[0]!r})" if len(bad) else ""
            raise InputError(
                f"item column {col!r} is not numeric{example}; recode the answers to numbers "
                "first (satisfaction's cleaning step does this)"
            )
    return data.loc[:, list(items)].to_numpy(dtype=float, na_value=np.nan)


def _min_items(c: Construct, min_items: int | Mapping[str, int] | None) -> int:
    k = len(c.item_ids)
    if min_items is None:
        m = math.ceil(k / 2)
    elif isinstance(min_items, Mapping):
        m = min_items.get(c.name, math.ceil(k / 2))
    else:
        m = min_items
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= k:
        raise InputError(
            f"min_items for construct {c.name!r} must be a whole number from 1 to {k} "
            f"(its number of items), got {m!r}"
        )
    return int(m)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    if k < 2:
        return float("nan")
    total = cov.sum()
    if total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


# --------------------------------------------------------------------------- score


def score(
    data: pd.DataFrame,
    instrument: Instrument,
    min_items: int | Mapping[str, int] | None = None,
    constructs: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Scale scores: the mean of each construct's answered items, per respondent.

    Parameters
    ----------
    data : DataFrame
        Clean respondent-level data: numeric item columns, reverse-keyed items
        already reversed and "don't know" already missing (the cleaning step
        does both; this function does neither).
    instrument : Instrument
        Names each construct's items.
    min_items : int or dict, optional
        The fewest answered items for a score; fewer gives a missing score.
        Default: half the construct's items, rounded up (2 of 4, 3 of 5, 2 of 3).
        An int applies to every construct; a dict ``{"EX": 4}`` sets it per
        construct (others keep the default).
    constructs : str or list of str, optional
        Constructs to score; default every construct whose items are all in ``data``.

    Returns
    -------
    DataFrame
        A new frame, same index: the columns of ``data`` that are not items of
        the instrument's constructs (ids, unit, period, single-item indicators
        such as ``enps``), then one float column per construct named after it
        (``LQ``, ``EX`` ...). A kept column with a construct's name is replaced.

    Raises
    ------
    OptionError
        ``constructs`` names a construct the instrument does not have (the message
        lists the instrument's constructs).
    InputError
        Missing or non-numeric item columns, bad ``min_items``.

    Notes
    -----
    For respondent *i* and construct *c* with items *J*,
    ``score = mean(x_ij for j in J if x_ij is not missing)`` when at least
    ``min_items`` of them are answered, else missing. Mean (not sum) scores keep
    the item metric (1-5) and are comparable across respondents who skipped an item.

    Examples
    --------
    >>> import satisfaction as sat
    >>> inst = sat.default_instrument()
    >>> pulse = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])  # reverse-key ex5
    >>> scores = score(pulse, inst)
    >>> scores[["unit", "period", "LQ", "EX"]].shape == (len(pulse), 4)
    True

    A score needs half the items (rounded up) unless ``min_items`` says otherwise:

    >>> df = pd.DataFrame({"unit": ["A", "B"], "lq1": [4, 5], "lq2": [4, np.nan],
    ...                    "lq3": [np.nan, np.nan], "lq4": [5, np.nan]})
    >>> score(df, inst)
      unit        LQ
    0    A  4.333333
    1    B       NaN
    >>> score(df, inst, min_items=1)["LQ"].tolist()
    [4.333333333333333, 5.0]
    """
    chosen = _pick_constructs(data, instrument, constructs, "score")
    all_items = {i for c in instrument.constructs for i in c.item_ids}
    keep = [col for col in data.columns if col not in all_items]
    out = data.loc[:, keep].copy()
    new = {}
    for c in chosen:
        m = _min_items(c, min_items)
        x = _items_matrix(data, c.item_ids)
        answered = ~np.isnan(x)
        count = answered.sum(axis=1)
        total = np.where(answered, x, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            new[c.name] = np.where(count >= m, total / np.maximum(count, 1), np.nan)
    for name in new:
        if name in out.columns:
            out = out.drop(columns=name)
    return pd.concat([out, pd.DataFrame(new, index=data.index)], axis=1)


# --------------------------------------------------------------------------- one-factor ML


def one_factor_ml(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood one-factor model of a correlation matrix.

    Parameters
    ----------
    corr : ndarray, shape (p, p)
        A correlation matrix (p >= 3).

    Returns
    -------
    loadings : ndarray
        Standardised loadings, signed so that their sum is positive.
    uniquenesses : ndarray
        Residual variances ``psi`` (standardised).
    heywood : bool
        True when some ``psi`` sits at the lower bound 0.005 (a Heywood case).

    Notes
    -----
    The concentrated ML discrepancy of R's ``factanal`` (Jöreskog 1967):
    for given uniquenesses ``psi``, the loadings are
    ``sqrt(psi) * v1 * sqrt(max(e1 - 1, 0))`` where ``e1, v1`` is the leading
    eigenpair of ``Psi^-1/2 R Psi^-1/2``, and ``F(psi) = -sum_{j>1}(log e_j - e_j) - 1 + p``
    is minimised over ``0.005 <= psi <= 1`` with L-BFGS-B and the analytic
    gradient. ML is scale-free, so these are also the standardised loadings of
    the one-factor model fitted to the covariance matrix (as lavaan's
    ``cfa(..., std.lv = TRUE)`` reports them in ``std.all``).
    """
    r = np.asarray(corr, dtype=float)
    p = r.shape[0]

    def eig(psi):
        sc = 1.0 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(sc[:, None] * r * sc[None, :])
        return vals[::-1], vecs[:, ::-1]

    def fun(psi):
        e = eig(psi)[0][1:]
        e = np.maximum(e, 1e-300)
        return float(-(np.sum(np.log(e) - e)) - 1 + p)

    def grad(psi):
        vals, vecs = eig(psi)
        load = np.sqrt(psi) * vecs[:, 0] * np.sqrt(max(vals[0] - 1.0, 0.0))
        g = np.outer(load, load) + np.diag(psi) - r
        return np.diag(g) / psi**2

    start = np.clip((1 - 0.5 / p) / np.diag(np.linalg.pinv(r)), 0.005, 1.0)
    res = optimize.minimize(
        fun,
        start,
        jac=grad,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * p,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )
    # L-BFGS-B stops "ABNORMAL" when a line search cannot improve on an optimum already
    # reached at ftol=1e-15; judge convergence by the projected gradient instead
    g = grad(res.x)
    at_low, at_high = res.x <= 0.005 + 1e-12, res.x >= 1.0 - 1e-12
    projected = np.where((at_low & (g > 0)) | (at_high & (g < 0)), 0.0, g)
    if not res.success and np.max(np.abs(projected)) > 1e-6:
        warnings.warn(
            f"the one-factor ML fit did not converge ({res.message}); omega, CR and AVE "
            "are not trustworthy",
            ConvergenceWarning,
            stacklevel=3,
        )
    psi = res.x
    vals, vecs = eig(psi)
    load = np.sqrt(psi) * vecs[:, 0] * np.sqrt(max(vals[0] - 1.0, 0.0))
    if load.sum() < 0:
        load = -load
    return load, psi, bool(np.any(psi <= 0.005 + 1e-8))


# --------------------------------------------------------------------------- reliability


def reliability(
    data: pd.DataFrame,
    instrument: Instrument,
    constructs: str | Iterable[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Reliability of each construct: Cronbach's alpha and omega total with CIs, CR and AVE.

    Parameters
    ----------
    data : DataFrame
        Clean respondent-level data with numeric item columns.
    instrument : Instrument
        Names each construct's items.
    constructs : str or list of str, optional
        Default: every construct whose items are all in ``data``.
    ci : float
        Confidence level of the alpha and omega intervals (default 0.95).

    Returns
    -------
    DataFrame
        One row per construct with columns ``construct, n, n_items, alpha,
        alpha_ci_lower, alpha_ci_upper, omega_total, omega_ci_lower, omega_ci_upper,
        composite_reliability, ave``.
        ``n`` is the number of complete cases used.

    Raises
    ------
    OptionError
        ``constructs`` names a construct the instrument does not have.
    InputError
        Missing or non-numeric items, ``ci`` outside (0, 1).

    Warns
    -----
    SEMWarning
        A Heywood case (a uniqueness at its lower bound) in the one-factor model.

    Notes
    -----
    **Missing data.** Every statistic uses the respondents who answered all of
    the construct's items (listwise deletion), so all columns of a row rest on
    the same ``n``.

    **Alpha** is ``pingouin.cronbach_alpha(items, nan_policy="listwise")`` on
    those rows: ``alpha = k/(k-1) (1 - sum(var_j) / var(total))``. Its interval is
    Feldt's, ``1 - (1 - alpha) F_{(1 +/- ci)/2}(n - 1, (n - 1)(k - 1))``, the
    formula pingouin uses, computed here without pingouin's rounding to 3 decimals.
    In R: ``psych::alpha(items)`` (``raw_alpha``, and ``$feldt``).

    **One-factor model.** Loadings come from the ML one-factor model of the
    items' correlation matrix (:func:`one_factor_ml`); standardised loadings
    ``l_j`` and uniquenesses ``psi_j = 1 - l_j^2``. Converted to the covariance
    metric with the item SDs ``s_j``: ``lambda_j = l_j s_j``, ``theta_j = psi_j s_j^2``.

    **Omega total** (McDonald) is the reliability of the unweighted sum score
    in the covariance metric, with the model-implied variance in the denominator:
    ``omega = (sum lambda_j)^2 / ((sum lambda_j)^2 + sum theta_j)``. It matches
    lavaan's one-factor ``cfa(..., std.lv = TRUE)`` plugged into that formula
    (``semTools::compRelSEM(fit, obs.var = FALSE)``), not ``psych::omega``
    (which uses a Schmid-Leiman solution with minres factoring). Its interval is the
    Wald (delta-method) interval of omega as a defined parameter of that one-factor
    model, fitted by :func:`satisfaction.fit_sem` (``f =~ l1*x1 + ...``, ``x1 ~~ t1*x1``,
    ``std_lv=True``, ``omega := (l1 + ...)^2 / ((l1 + ...)^2 + t1 + ...)``): what lavaan
    gives for the same syntax, and the ``"wald"`` interval of ``MBESS::ci.reliability``
    (Kelley & Pornprasertmanit 2016 prefer a bootstrap interval in small samples; with the
    hundreds of respondents of a staff survey the two agree closely).

    **Composite reliability** (Fornell-Larcker / Raykov) uses the standardised
    loadings: ``CR = (sum l_j)^2 / ((sum l_j)^2 + sum(1 - l_j^2))``; **AVE** =
    ``mean(l_j^2)``. CR equals omega when all items have the same variance.

    With fewer than 3 items the one-factor model is not identified and omega,
    CR and AVE are missing; with 1 item alpha is missing too.

    Examples
    --------
    >>> import satisfaction as sat
    >>> pulse = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])  # reverse-key ex5
    >>> rel = reliability(pulse, sat.default_instrument())
    >>> rel.columns.tolist()
    ['construct', 'n', 'n_items', 'alpha', 'alpha_ci_lower', 'alpha_ci_upper', 'omega_total', 'omega_ci_lower', 'omega_ci_upper', 'composite_reliability', 'ave']
    >>> bool((rel["alpha_ci_lower"] < rel["alpha"]).all() and (rel["alpha"] < rel["alpha_ci_upper"]).all())
    True

    Simulated from a one-factor model with standardised loadings 0.8 (AVE = 0.64):

    >>> rng = np.random.default_rng(7)
    >>> f = rng.normal(size=2000)
    >>> df = pd.DataFrame({f"ex{j}": 0.8 * f + 0.6 * rng.normal(size=2000) for j in range(1, 6)})
    >>> round(float(reliability(df, sat.default_instrument())["ave"].iloc[0]), 1)
    0.6
    """
    import pingouin

    if not isinstance(ci, (float, int)) or not 0 < ci < 1:
        raise InputError(f"ci must be a confidence level between 0 and 1, got {ci!r}")
    rows = []
    for c in _pick_constructs(data, instrument, constructs, "reliability"):
        x = _items_matrix(data, c.item_ids)
        xc = x[~np.isnan(x).any(axis=1)]
        n, k = xc.shape
        row = {
            "construct": c.name,
            "n": n,
            "n_items": k,
            "alpha": np.nan,
            "alpha_ci_lower": np.nan,
            "alpha_ci_upper": np.nan,
            "omega_total": np.nan,
            "omega_ci_lower": np.nan,
            "omega_ci_upper": np.nan,
            "composite_reliability": np.nan,
            "ave": np.nan,
        }
        if k >= 2 and n >= 2:
            frame = pd.DataFrame(xc, columns=list(c.item_ids))
            with np.errstate(all="ignore"):
                alpha = float(pingouin.cronbach_alpha(frame, nan_policy="listwise", ci=ci)[0])
            df1, df2 = n - 1, (n - 1) * (k - 1)
            row["alpha"] = alpha
            row["alpha_ci_lower"] = 1 - (1 - alpha) * stats.f.isf((1 - ci) / 2, df1, df2)
            row["alpha_ci_upper"] = 1 - (1 - alpha) * stats.f.isf(1 - (1 - ci) / 2, df1, df2)
        sd = xc.std(axis=0, ddof=1) if n >= 2 else np.zeros(k)
        if k >= 3 and n > k and np.all(sd > 0):
            corr = np.corrcoef(xc, rowvar=False)
            load, psi, heywood = one_factor_ml(corr)
            if heywood:
                warnings.warn(
                    f"construct {c.name!r}: Heywood case in the one-factor model (an item's "
                    "uniqueness is at its lower bound); omega, CR and AVE are doubtful",
                    SEMWarning,
                    stacklevel=2,
                )
            uniq = 1 - load**2
            lam, theta = load * sd, uniq * sd**2
            row["omega_total"] = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
            row["omega_ci_lower"], row["omega_ci_upper"] = _omega_interval(xc, ci)
            row["composite_reliability"] = load.sum() ** 2 / (load.sum() ** 2 + uniq.sum())
            row["ave"] = float(np.mean(load**2))
        rows.append(row)
    return pd.DataFrame(rows)


def _omega_interval(x: np.ndarray, ci: float) -> tuple[float, float]:
    """Wald interval of omega total, a defined parameter of the one-factor model (the engine)."""
    from .sem import fit_sem

    k = x.shape[1]
    names = [f"x{j}" for j in range(k)]
    lam = " + ".join(f"l{j}" for j in range(k))
    theta = " + ".join(f"t{j}" for j in range(k))
    syntax = "\n".join(
        ["f =~ " + " + ".join(f"l{j}*{v}" for j, v in enumerate(names))]
        + [f"{v} ~~ t{j}*{v}" for j, v in enumerate(names)]
        + [f"omega := ({lam})^2 / (({lam})^2 + {theta})"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a Heywood case is warned about by the caller
        fit = fit_sem(syntax, pd.DataFrame(x, columns=names), std_lv=True, level=ci)
    row = fit.estimates.query("op == ':='").iloc[0]
    return float(row["ci_lower"]), float(row["ci_upper"])


# --------------------------------------------------------------------------- item analysis


def _dont_know_counts(
    data: pd.DataFrame, items: list[str], raw: pd.DataFrame | None, dont_know: Any
) -> dict[str, float]:
    if dont_know is not None:
        if isinstance(dont_know, pd.DataFrame):
            return {
                i: float(dont_know[i].fillna(False).astype(bool).sum())
                for i in items
                if i in dont_know
            }
        if isinstance(dont_know, (pd.Series, Mapping)):
            return {i: float(dont_know[i]) for i in items if i in dont_know}
        raise InputError(
            f"dont_know must be a boolean DataFrame (True where the answer was don't know) "
            f"or counts per item (Series or dict), got {type(dont_know).__name__}"
        )
    if raw is not None:
        if not isinstance(raw, pd.DataFrame) or len(raw) != len(data):
            raise InputError(
                "raw must be the DataFrame of answers before cleaning, with the same rows as data "
                f"({len(data)} rows); pass it or leave raw=None"
            )
        out = {}
        for i in items:
            if i in raw.columns:
                col = raw[i]
                if pd.api.types.is_numeric_dtype(col):
                    out[i] = 0.0
                else:
                    out[i] = float(sum(likert_value(v) is DONT_KNOW for v in col.dropna()))
        return out
    return {}


def item_analysis(
    data: pd.DataFrame,
    instrument: Instrument,
    constructs: str | Iterable[str] | None = None,
    raw: pd.DataFrame | None = None,
    dont_know: pd.DataFrame | pd.Series | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Item statistics: mean, SD, corrected item-total r, alpha if deleted, missing and don't-know rates.

    Parameters
    ----------
    data : DataFrame
        Clean respondent-level data with numeric item columns.
    instrument : Instrument
        Names each construct's items.
    constructs : str or list of str, optional
        Default: every construct whose items are all in ``data``.
    raw : DataFrame, optional
        The answers before cleaning (same rows): "don't know" answers are found
        in it by their labels ("En osaa sanoa", "Kan inte säga", "Don't know" ...).
    dont_know : DataFrame, Series or dict, optional
        Don't-know information from cleaning instead of ``raw``: a boolean frame
        (True where the answer was "don't know") or counts per item.

    Returns
    -------
    DataFrame
        One row per item: ``construct, item, n, mean, sd, item_total_r,
        alpha_if_deleted, missing_rate, dont_know_rate``.

    Notes
    -----
    ``n``, ``mean``, ``sd`` (ddof 1) use every answer to the item;
    ``missing_rate`` is the share of rows with no usable answer (skipped or
    "don't know"); ``dont_know_rate`` is the share answering "don't know" (NaN
    when neither ``raw`` nor ``dont_know`` is given).

    ``item_total_r`` (corrected item-total correlation, psych's ``r.drop``) and
    ``alpha_if_deleted`` (psych's ``alpha.drop$raw_alpha``) use the construct's
    complete cases, like :func:`reliability`, from their covariance matrix ``C``:
    ``r_drop_j = sum_{l != j} C_jl / sqrt(C_jj * sum_{l,m != j} C_lm)`` and the
    alpha of ``C`` without row and column ``j`` (missing with fewer than 3 items).
    In R: ``psych::alpha(items)$item.stats$r.drop`` and ``$alpha.drop$raw_alpha``.

    Examples
    --------
    >>> import satisfaction as sat
    >>> df = pd.DataFrame({"csat1": [5, 4, 2, 4, 3], "csat2": [4, 4, 1, 5, 3],
    ...                    "csat3": [5, 3, 2, np.nan, 2]})
    >>> raw = df.astype(object).where(df.notna(), "En osaa sanoa")
    >>> cols = ["item", "n", "mean", "item_total_r", "alpha_if_deleted", "dont_know_rate"]
    >>> item_analysis(df, sat.default_instrument(), raw=raw)[cols].round(3)
        item  n  mean  item_total_r  alpha_if_deleted  dont_know_rate
    0  csat1  5   3.6         1.000             0.800             0.0
    1  csat2  5   3.4         0.802             0.952             0.0
    2  csat3  4   3.0         0.802             0.952             0.2
    """
    rows = []
    for c in _pick_constructs(data, instrument, constructs, "item_analysis"):
        items = list(c.item_ids)
        x = _items_matrix(data, items)
        xc = x[~np.isnan(x).any(axis=1)]
        k = len(items)
        cov = np.cov(xc, rowvar=False, ddof=1).reshape(k, k) if len(xc) >= 2 else None
        dk = _dont_know_counts(data, items, raw, dont_know)
        for j, item in enumerate(items):
            col = x[:, j]
            valid = col[~np.isnan(col)]
            r_drop = alpha_drop = np.nan
            if cov is not None and k >= 2:
                rest = [m for m in range(k) if m != j]
                sub = cov[np.ix_(rest, rest)]
                denom = cov[j, j] * sub.sum()
                if denom > 0:
                    r_drop = float(cov[j, rest].sum() / math.sqrt(denom))
                if k >= 3:
                    alpha_drop = _alpha_from_cov(sub)
            rows.append(
                {
                    "construct": c.name,
                    "item": item,
                    "n": int(valid.size),
                    "mean": float(valid.mean()) if valid.size else np.nan,
                    "sd": float(valid.std(ddof=1)) if valid.size >= 2 else np.nan,
                    "item_total_r": r_drop,
                    "alpha_if_deleted": alpha_drop,
                    "missing_rate": float(np.isnan(col).mean()) if col.size else np.nan,
                    "dont_know_rate": dk[item] / len(data) if item in dk and len(data) else np.nan,
                }
            )
    return pd.DataFrame(rows)

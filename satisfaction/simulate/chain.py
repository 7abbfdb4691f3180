"""Individual-level samples from a known SEM of the linkage chain LQ -> EX -> REP -> CSAT.

The true model (standardised latent scale, every latent variable has total variance 1)::

    LQ   ~ N(0, 1)
    EX   = a LQ + zeta_EX                       a = a_lq_ex     (label a)
    REP  = b EX + zeta_REP                      b = b_ex_rep    (label b)
    CSAT = c REP + d EX + zeta_CSAT             c = c_rep_csat  (label c)
                                                d = c_ex_csat   (label d, the direct path)
    y_j  = lambda_j eta_j + eps_j,   Var(eps_j) = 1 - lambda_j**2

so every continuous indicator has variance 1 and the loadings are the standardised
loadings. ``ex5`` ("Internal conflicts hinder my work") is reverse-keyed and is
generated **on the raw scale**: its true loading is negative (-0.60), so a
respondent low in EX answers high, exactly as in a real export. Reverse-key it
(``6 - ex5``) before scoring; its loading is then +0.60.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SEMError
from ..options import check_option

__all__ = ["ChainSample", "chain_sample", "CHAIN_DEFAULTS", "LIKERT_THRESHOLDS"]

#: Item ids per construct (those of :func:`satisfaction.default_instrument`).
CHAIN_ITEMS: dict[str, tuple[str, ...]] = {
    "LQ": ("lq1", "lq2", "lq3", "lq4"),
    "EX": ("ex1", "ex2", "ex3", "ex4", "ex5"),
    "REP": ("rep1", "rep2", "rep3", "rep4", "rep5"),
    "CSAT": ("csat1", "csat2", "csat3"),
}

#: Cut points on a standard-normal indicator giving Likert 1-5:
#: answer = 1 + number of thresholds below the value. Category shares for a
#: N(0, 1) indicator: 4%, 16%, 30%, 35%, 15% (mean 3.41, a typical positive skew).
LIKERT_THRESHOLDS: tuple[float, float, float, float] = (-1.75, -0.85, 0.0, 1.05)

#: Default true values of :func:`chain_sample`.
CHAIN_DEFAULTS: dict[str, Any] = {
    "a_lq_ex": 0.50,
    "b_ex_rep": 0.45,
    "c_rep_csat": 0.50,
    "c_ex_csat": 0.10,
    "loadings": {
        "lq1": 0.80, "lq2": 0.75, "lq3": 0.65, "lq4": 0.80,
        "ex1": 0.80, "ex2": 0.65, "ex3": 0.60, "ex4": 0.70, "ex5": -0.60,
        "rep1": 0.75, "rep2": 0.80, "rep3": 0.70, "rep4": 0.65, "rep5": 0.85,
        "csat1": 0.85, "csat2": 0.80, "csat3": 0.65,
    },
    "thresholds": LIKERT_THRESHOLDS,
}  # fmt: skip

_LATENTS = ("LQ", "EX", "REP", "CSAT")


@dataclass(frozen=True)
class ChainSample:
    """A sample drawn from the true chain model, with the truth beside it.

    Attributes
    ----------
    data : DataFrame
        One row per respondent, columns ``lq1..lq4, ex1..ex5, rep1..rep5, csat1..csat3``
        (Likert integers 1-5, or continuous standard-normal indicators).
        ``ex5`` is on the raw scale (negative loading).
    params : DataFrame
        The true parameters in lavaan's vocabulary: ``lhs, op, rhs, label, value``
        (``=~`` loadings, ``~`` regressions, ``~~`` (residual) variances, ``:=`` defined effects).
    model : str
        lavaan syntax of the true model, with labels ``a b c d`` and defined effects.
    seed : int
        The seed the data were drawn with.
    likert : bool
        Whether ``data`` holds Likert categories (True) or continuous indicators.
    """

    data: pd.DataFrame
    params: pd.DataFrame
    model: str
    seed: int
    likert: bool

    def implied_cov(self) -> pd.DataFrame:
        """The model-implied covariance matrix of the continuous indicators.

        Returns
        -------
        DataFrame
            Items x items, ``Sigma = Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta``
            computed from :attr:`params`.

        Examples
        --------
        >>> s = chain_sample(10, likert=False)
        >>> s.implied_cov().loc["lq1", ["lq1", "lq2"]].round(3).tolist()
        [1.0, 0.6]
        """
        return implied_cov(self.params)

    def __repr__(self) -> str:
        kind = "Likert 1-5" if self.likert else "continuous"
        return f"ChainSample(n={len(self.data)}, {kind}, seed={self.seed})"

    def _repr_html_(self) -> str:
        head = f"<p><b>{self!r}</b></p><p>True parameters:</p>"
        return head + self.params.to_html(index=False)


def _resolve(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in CHAIN_DEFAULTS.items()}
    if params is None:
        return out
    if not isinstance(params, Mapping):
        raise SEMError(
            f"chain_sample params must be a dict, got {type(params).__name__}; "
            f"pass e.g. {{'c_ex_csat': 0.0}}"
        )
    for key, value in params.items():
        key = check_option(key, CHAIN_DEFAULTS, "params", "chain_sample", case=True)
        if key == "loadings":
            for item in value:
                check_option(item, out["loadings"], "loadings", "chain_sample", case=True)
            out["loadings"].update({k: float(v) for k, v in value.items()})
        elif key == "thresholds":
            t = tuple(float(v) for v in value)
            if len(t) != 4 or any(t[i] >= t[i + 1] for i in range(3)):
                raise SEMError(
                    f"chain_sample thresholds must be 4 increasing numbers, got {value!r}; "
                    "pass e.g. (-1.75, -0.85, 0.0, 1.05)"
                )
            out["thresholds"] = t
        else:
            out[key] = float(value)
    return out


def _param_table(p: Mapping[str, Any]) -> pd.DataFrame:
    a, b, c, d = p["a_lq_ex"], p["b_ex_rep"], p["c_rep_csat"], p["c_ex_csat"]
    lam = p["loadings"]
    for item, value in lam.items():
        if not -1.0 < value < 1.0 or value == 0.0:
            raise SEMError(
                f"chain_sample loading of {item} is {value}; a standardised loading must be "
                "non-zero and strictly between -1 and 1"
            )
    psi = {
        "LQ": 1.0,
        "EX": 1.0 - a**2,
        "REP": 1.0 - b**2,
        # Var(c REP + d EX) = c^2 + d^2 + 2 c d Cov(REP, EX), and Cov(REP, EX) = b.
        "CSAT": 1.0 - (c**2 + d**2 + 2.0 * c * d * b),
    }
    bad = {k: v for k, v in psi.items() if v <= 0.0}
    if bad:
        raise SEMError(
            f"chain_sample paths a={a}, b={b}, c={c}, d={d} explain more than all the "
            f"variance of {', '.join(bad)}; choose smaller paths"
        )
    rows: list[tuple[str, str, str, str, float]] = []
    for latent in _LATENTS:
        for item in CHAIN_ITEMS[latent]:
            rows.append((latent, "=~", item, "", lam[item]))
    rows.append(("EX", "~", "LQ", "a", a))
    rows.append(("REP", "~", "EX", "b", b))
    rows.append(("CSAT", "~", "REP", "c", c))
    if d != 0.0:
        rows.append(("CSAT", "~", "EX", "d", d))
    for latent in _LATENTS:
        rows.append((latent, "~~", latent, "", psi[latent]))
    for latent in _LATENTS:
        for item in CHAIN_ITEMS[latent]:
            rows.append((item, "~~", item, "", 1.0 - lam[item] ** 2))
    rows.append(("ind", ":=", "a*b*c", "ind", a * b * c))
    rows.append(("ind_ex_csat", ":=", "b*c", "ind_ex_csat", b * c))
    if d != 0.0:
        rows.append(("total_ex_csat", ":=", "b*c+d", "total_ex_csat", b * c + d))
        rows.append(("total_lq_csat", ":=", "a*b*c+a*d", "total_lq_csat", a * b * c + a * d))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "label", "value"])


def _model_syntax(p: Mapping[str, Any]) -> str:
    d = p["c_ex_csat"]
    lines = ["# measurement (ex5 is raw: its loading is negative)"]
    lines += [f"{lat} =~ {' + '.join(CHAIN_ITEMS[lat])}" for lat in _LATENTS]
    lines += [
        "# structural",
        "EX ~ a*LQ",
        "REP ~ b*EX",
        "CSAT ~ c*REP + d*EX" if d != 0.0 else "CSAT ~ c*REP",
        "# defined effects",
        "ind := a*b*c",
        "ind_ex_csat := b*c",
    ]
    if d != 0.0:
        lines += ["total_ex_csat := b*c + d", "total_lq_csat := a*b*c + a*d"]
    return "\n".join(lines) + "\n"


def implied_cov(params: pd.DataFrame) -> pd.DataFrame:
    """Model-implied covariance of the indicators from a ``lhs, op, rhs, value`` table.

    Parameters
    ----------
    params : DataFrame
        A parameter table as in :attr:`ChainSample.params` (``=~``, ``~`` and ``~~`` rows
        are used; ``:=`` rows are ignored).

    Returns
    -------
    DataFrame
        ``Sigma = Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta``, indexed by item.

    Examples
    --------
    >>> t = pd.DataFrame({"lhs": ["F", "F", "y1", "y2", "F"], "op": ["=~", "=~", "~~", "~~", "~~"],
    ...                   "rhs": ["y1", "y2", "y1", "y2", "F"], "value": [0.8, 0.6, 0.36, 0.64, 1.0]})
    >>> implied_cov(t).round(2)
          y1    y2
    y1  1.00  0.48
    y2  0.48  1.00
    """
    load = params[params["op"] == "=~"]
    latents = list(dict.fromkeys(load["lhs"]))
    items = list(dict.fromkeys(load["rhs"]))
    li = {v: i for i, v in enumerate(latents)}
    ii = {v: i for i, v in enumerate(items)}
    lam = np.zeros((len(items), len(latents)))
    for r in load.itertuples(index=False):
        lam[ii[r.rhs], li[r.lhs]] = r.value
    beta = np.zeros((len(latents), len(latents)))
    for r in params[params["op"] == "~"].itertuples(index=False):
        beta[li[r.lhs], li[r.rhs]] = r.value
    psi = np.zeros_like(beta)
    theta = np.zeros((len(items), len(items)))
    for r in params[params["op"] == "~~"].itertuples(index=False):
        if r.lhs in li:
            psi[li[r.lhs], li[r.rhs]] = psi[li[r.rhs], li[r.lhs]] = r.value
        else:
            theta[ii[r.lhs], ii[r.rhs]] = theta[ii[r.rhs], ii[r.lhs]] = r.value
    inv = np.linalg.inv(np.eye(len(latents)) - beta)
    sigma = lam @ inv @ psi @ inv.T @ lam.T + theta
    return pd.DataFrame(sigma, index=items, columns=items)


def chain_sample(
    n: int,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    likert: bool = True,
) -> ChainSample:
    """Draw individual-level item data from the known SEM of the chain LQ -> EX -> REP -> CSAT.

    Parameters
    ----------
    n : int
        Number of respondents (rows).
    params : dict, optional
        Overrides of :data:`CHAIN_DEFAULTS`: ``a_lq_ex`` (0.50, label ``a``),
        ``b_ex_rep`` (0.45, label ``b``), ``c_rep_csat`` (0.50, label ``c``),
        ``c_ex_csat`` (0.10, label ``d``: the direct EX -> CSAT path; 0 gives full
        mediation and drops ``d`` from the model), ``loadings`` (a dict item ->
        standardised loading, partial overrides allowed) and ``thresholds``
        (4 increasing cut points, default :data:`LIKERT_THRESHOLDS`).
    seed : int
        Seed of the random generator; the same seed gives the same data.
    likert : bool
        True: integer answers 1-5 cut from the continuous indicators at ``thresholds``.
        False: the continuous (multivariate normal) indicators themselves.

    Returns
    -------
    ChainSample
        ``.data``, ``.params`` (true values, lavaan vocabulary), ``.model`` (lavaan syntax)
        and ``.implied_cov()``.

    Notes
    -----
    Latent variables are standardised: ``Var(LQ) = 1`` and each disturbance variance is
    ``1 - R^2`` of its equation, e.g. ``psi_CSAT = 1 - (c^2 + d^2 + 2 c d b)``. Indicators
    are ``y = lambda eta + eps`` with ``Var(eps) = 1 - lambda^2``, so continuous indicators
    have variance 1 and the loadings are standardised. The true indirect effect of LQ on
    CSAT is ``a b c`` (defined as ``ind``), the total effect of EX on CSAT is ``b c + d``.
    ``ex5`` is generated on the raw scale (loading -0.60); reverse-keying it makes it load
    +0.60. Likert answers are ``1 + sum(y > tau_k)``.

    Examples
    --------
    >>> s = chain_sample(500, seed=1)
    >>> s.data.shape
    (500, 17)
    >>> s.params.query("op == '~'")[["lhs", "rhs", "label", "value"]]
          lhs   rhs label  value
    17     EX    LQ     a   0.50
    18    REP    EX     b   0.45
    19   CSAT   REP     c   0.50
    20   CSAT    EX     d   0.10
    >>> print(s.model.splitlines()[6])
    EX ~ a*LQ
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SEMError(f"chain_sample n must be a positive integer, got {n!r}; pass e.g. n=500")
    likert = check_option(likert, (True, False), "likert", "chain_sample")
    p = _resolve(params)
    table = _param_table(p)
    rng = np.random.default_rng(seed)
    a, b, c, d = p["a_lq_ex"], p["b_ex_rep"], p["c_rep_csat"], p["c_ex_csat"]
    psi = dict(
        zip(
            table.loc[table["op"] == "~~", "lhs"],
            table.loc[table["op"] == "~~", "value"],
            strict=True,
        )
    )
    z = rng.standard_normal((n, 4))
    eta = {"LQ": z[:, 0]}
    eta["EX"] = a * eta["LQ"] + np.sqrt(psi["EX"]) * z[:, 1]
    eta["REP"] = b * eta["EX"] + np.sqrt(psi["REP"]) * z[:, 2]
    eta["CSAT"] = c * eta["REP"] + d * eta["EX"] + np.sqrt(psi["CSAT"]) * z[:, 3]
    items = [i for lat in _LATENTS for i in CHAIN_ITEMS[lat]]
    eps = rng.standard_normal((n, len(items)))
    cols: dict[str, np.ndarray] = {}
    k = 0
    for lat in _LATENTS:
        for item in CHAIN_ITEMS[lat]:
            lam = p["loadings"][item]
            cols[item] = lam * eta[lat] + np.sqrt(1.0 - lam**2) * eps[:, k]
            k += 1
    data = pd.DataFrame(cols)
    if likert:
        tau = np.asarray(p["thresholds"])
        data = pd.DataFrame(
            {k: 1 + (v[:, None] > tau[None, :]).sum(axis=1) for k, v in cols.items()}
        ).astype("int64")
    return ChainSample(data=data, params=table, model=_model_syntax(p), seed=seed, likert=likert)

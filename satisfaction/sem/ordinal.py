"""Ordinal items: polychoric correlations and DWLS / WLSMV estimation.

Likert items are ordinal: an answer of 4 says "more than 3", not "one unit more". The
usual remedy (Muthén 1984; lavaan's default for ``ordered=`` variables) assumes each item
is a coarsened standard-normal latent response ``y*``, estimates the thresholds that cut
``y*`` into categories and the correlations between the latent responses (polychoric
correlations), and fits the SEM to those correlations by diagonally weighted least squares
with robust standard errors and a mean-and-variance adjusted test (``estimator="WLSMV"``).

This module does all of it with numpy/scipy only: a vectorised bivariate normal CDF
(Genz's algorithm), the two-step polychoric estimator, the asymptotic covariance matrix of
thresholds and correlations from casewise scores (lavaan's ``muthen1984``), and the DWLS fit
in lavaan's default "delta" parameterisation. semopy's ``hetcor`` is not used (it fails on
DataFrames and relies on a SciPy routine removed in SciPy 1.16).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from ..errors import InputError, SEMError, SEMWarning

__all__ = [
    "Polychoric",
    "bivariate_normal_cdf",
    "bivariate_normal_pdf",
    "polychoric",
    "fit_dwls",
]

_SQRT2 = np.sqrt(2.0)
_TWO_PI = 2.0 * np.pi
# Gauss-Legendre nodes/weights (10 points on [-1, 1], one half) used by Genz's BVND.
_GL_W = np.array(
    [
        0.01761400713915212,
        0.04060142980038694,
        0.06267204833410906,
        0.08327674157670475,
        0.1019301198172404,
        0.1181945319615184,
        0.1316886384491766,
        0.1420961093183821,
        0.1491729864726037,
        0.1527533871307259,
    ]
)
_GL_X = np.array(
    [
        0.9931285991850949,
        0.9639719272779138,
        0.9122344282513259,
        0.8391169718222188,
        0.7463319064601508,
        0.6360536807265150,
        0.5108670019508271,
        0.3737060887154196,
        0.2277858511416451,
        0.07652652113349733,
    ]
)
_W20 = np.concatenate([_GL_W, _GL_W])
_X20 = np.concatenate([1.0 - _GL_X, 1.0 + _GL_X])
_BIG = 37.0  # |z| beyond which Phi is 0 or 1 in double precision


def _phi(x):
    return np.exp(-0.5 * x * x) / np.sqrt(_TWO_PI)


def _Phi(x):
    return special.ndtr(x)


def bivariate_normal_cdf(h, k, rho) -> np.ndarray:
    """P(X <= h, Y <= k) for a standard bivariate normal with correlation ``rho``.

    Parameters
    ----------
    h, k : array_like
        Upper integration limits (broadcast against each other); ``+-inf`` is allowed.
    rho : float or array_like
        Correlation(s) in [-1, 1], broadcast against ``h`` and ``k``.

    Returns
    -------
    numpy.ndarray
        The probabilities, shape of the broadcast inputs.

    Notes
    -----
    Vectorised version of Alan Genz's BVND algorithm (Genz 2004, based on Drezner &
    Wesolowsky 1990): for ``|rho| < 0.925`` the integral of the Plackett identity
    ``dPhi2/drho = phi2`` is taken by 20-point Gauss-Legendre quadrature over
    ``asin(rho)``; for larger ``|rho|`` an expansion around ``|rho| = 1`` is integrated.
    Accuracy is about 1e-15, and thousands of evaluations take microseconds each, which
    the polychoric likelihood needs.

    References
    ----------
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal
    and t probabilities. *Statistics and Computing*, 14, 251-260.

    Examples
    --------
    >>> from satisfaction.sem.ordinal import bivariate_normal_cdf
    >>> round(float(bivariate_normal_cdf(0.0, 0.0, 0.5)), 6)  # 1/4 + asin(.5)/(2 pi)
    0.333333
    """
    h, k, rho = np.broadcast_arrays(
        np.asarray(h, dtype=float), np.asarray(k, dtype=float), np.asarray(rho, dtype=float)
    )
    shape = h.shape
    # Genz's routine computes the upper tail P(X > dh, Y > dk); P(X<h, Y<k) = bvnu(-h, -k, r)
    dh = np.clip(-h.ravel(), -_BIG, _BIG)
    dk = np.clip(-k.ravel(), -_BIG, _BIG)
    r = np.clip(rho.ravel(), -1.0, 1.0)
    out = np.empty(dh.shape)
    low = np.abs(r) < 0.925
    if low.any():
        hh, kk, rr = dh[low], dk[low], r[low]
        hk = hh * kk
        hs = 0.5 * (hh * hh + kk * kk)
        asr = 0.5 * np.arcsin(rr)
        sn = np.sin(asr[:, None] * _X20[None, :])
        bvn = np.exp((sn * hk[:, None] - hs[:, None]) / (1.0 - sn * sn)) @ _W20
        out[low] = bvn * asr / _TWO_PI + _Phi(-hh) * _Phi(-kk)
    high = ~low
    if high.any():
        hh, kk, rr = dh[high], dk[high].copy(), r[high]
        neg = rr < 0
        kk[neg] = -kk[neg]
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = np.abs(rr) < 1.0
        if inner.any():
            h_, k_, hk_ = hh[inner], kk[inner], hk[inner]
            as_ = 1.0 - rr[inner] ** 2
            a = np.sqrt(as_)
            bs = (h_ - k_) ** 2
            c = (4.0 - hk_) / 8.0
            d = (12.0 - hk_) / 80.0
            asr = -(bs / as_ + hk_) / 2.0
            b0 = np.where(
                asr > -100.0,
                a
                * np.exp(np.maximum(asr, -100.0))
                * (1.0 - c * (bs - as_) * (1.0 - d * bs) / 3.0 + c * d * as_ * as_),
                0.0,
            )
            b = np.sqrt(bs)
            sp = np.sqrt(_TWO_PI) * _Phi(-b / a)
            b0 = np.where(
                hk_ > -100.0,
                b0
                - np.exp(-np.minimum(hk_, 100.0) / 2.0)
                * sp
                * b
                * (1.0 - c * bs * (1.0 - d * bs) / 3.0),
                b0,
            )
            a2 = a / 2.0
            xs = (a2[:, None] * _X20[None, :]) ** 2
            asr2 = -(bs[:, None] / xs + hk_[:, None]) / 2.0
            ok = asr2 > -100.0
            sp2 = 1.0 + c[:, None] * xs * (1.0 + 5.0 * d[:, None] * xs)
            rs = np.sqrt(1.0 - xs)
            ep = np.exp(-(hk_[:, None] / 2.0) * xs / (1.0 + rs) ** 2) / rs
            terms = np.where(ok, np.exp(np.maximum(asr2, -100.0)) * (sp2 - ep), 0.0)
            bvn[inner] = (a2 * (terms @ _W20) - b0) / _TWO_PI
        pos = rr > 0
        res = np.empty(hh.shape)
        res[pos] = bvn[pos] + _Phi(-np.maximum(hh[pos], kk[pos]))
        negm = ~pos
        hn, kn, bn = hh[negm], kk[negm], bvn[negm]
        lval = np.where(hn < 0, _Phi(kn) - _Phi(hn), _Phi(-hn) - _Phi(-kn))
        res[negm] = np.where(hn >= kn, -bn, lval - bn)
        out[high] = res
    return np.clip(out, 0.0, 1.0).reshape(shape)


def bivariate_normal_pdf(h, k, rho) -> np.ndarray:
    """Density of the standard bivariate normal with correlation ``rho`` at ``(h, k)``.

    Parameters
    ----------
    h, k : array_like
        Points (broadcast); infinite coordinates give density 0.
    rho : float or array_like
        Correlation(s) in (-1, 1).

    Returns
    -------
    numpy.ndarray
        ``exp(-(h^2 - 2 rho h k + k^2) / (2 (1 - rho^2))) / (2 pi sqrt(1 - rho^2))``.

    Examples
    --------
    >>> from satisfaction.sem.ordinal import bivariate_normal_pdf
    >>> round(float(bivariate_normal_pdf(0.0, 0.0, 0.0)), 6)  # 1 / (2 pi)
    0.159155
    """
    h = np.clip(np.asarray(h, dtype=float), -_BIG * 2, _BIG * 2)
    k = np.clip(np.asarray(k, dtype=float), -_BIG * 2, _BIG * 2)
    rho = np.asarray(rho, dtype=float)
    s2 = 1.0 - rho * rho
    return np.exp(-(h * h - 2.0 * rho * h * k + k * k) / (2.0 * s2)) / (_TWO_PI * np.sqrt(s2))


# --------------------------------------------------------------------------------------
# polychoric correlations
# --------------------------------------------------------------------------------------


@dataclass
class Polychoric:
    """Two-step polychoric correlations, thresholds and their asymptotic covariance.

    Attributes
    ----------
    corr : pandas.DataFrame
        The (p, p) polychoric correlation matrix, rows and columns named by item.
    thresholds : pandas.DataFrame
        One row per threshold with lavaan's columns ``lhs`` (item), ``op`` (``"|"``),
        ``rhs`` (``t1``, ``t2``, ...), ``est`` and ``se`` (``sqrt(diag(acov))``; a lavaan
        fit reports them times ``sqrt(n / (n - 1))``, as :func:`fit_dwls` does).
    acov : numpy.ndarray
        Asymptotic covariance matrix of the stacked vector (all thresholds, item by item,
        then the correlations in lavaan's order: column-wise lower triangle without the
        diagonal), i.e. lavaan's ``WLS.W``; ``acov * n`` is lavaan's ``NACOV`` (Gamma).
    n : int
        Number of complete rows used.
    levels : dict
        The ordered categories of each item.
    names : list of str
        Labels of the stacked vector (``"lq1|t1"``, ..., ``"lq2~~lq1"``).
    """

    corr: pd.DataFrame
    thresholds: pd.DataFrame
    acov: np.ndarray
    n: int
    levels: dict = field(default_factory=dict)
    names: list = field(default_factory=list)

    @property
    def nacov(self) -> np.ndarray:
        """lavaan's ``NACOV`` (Gamma): ``n`` times the asymptotic covariance."""
        return self.acov * self.n

    def _repr_html_(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"<p>Polychoric correlations (n = {self.n})</p>"
            + self.corr.round(3).to_html()
            + self.thresholds.round(3).to_html(index=False)
        )


def _codes(data: pd.DataFrame, ordered: list[str]) -> tuple[np.ndarray, dict]:
    """Integer category codes 0..K-1 per item (observed categories, sorted)."""
    codes = np.empty((len(data), len(ordered)), dtype=np.int64)
    levels: dict = {}
    for j, col in enumerate(ordered):
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype) and s.dtype.ordered:
            used = [c for c in s.cat.categories if (s == c).any()]
            mapping = {c: i for i, c in enumerate(used)}
            codes[:, j] = s.map(mapping).to_numpy(dtype=np.int64)
            levels[col] = used
            continue
        try:
            vals = pd.to_numeric(s, errors="raise").to_numpy(dtype=float)
        except (ValueError, TypeError) as exc:
            raise InputError(
                f"column '{col}' holds non-numeric values that are not an ordered categorical; "
                "recode the answers to numbers (e.g. 1-5) or make the column an ordered "
                "pandas Categorical."
            ) from exc
        uniq = np.unique(vals)
        if len(uniq) < 2:
            raise InputError(
                f"column '{col}' has a single observed category ({uniq[0]!r}); a polychoric "
                "correlation needs at least two, so drop the item from the model."
            )
        if len(uniq) > 20:
            raise InputError(
                f"column '{col}' has {len(uniq)} distinct values, too many for an ordinal item; "
                "leave it out of `ordered=` (treat it as continuous) or recode it."
            )
        codes[:, j] = np.searchsorted(uniq, vals)
        levels[col] = [v.item() if hasattr(v, "item") else v for v in uniq]
    return codes, levels


def _univariate(codes_j: np.ndarray, ncat: int):
    """Thresholds (ML, no covariates) and casewise threshold scores of one item."""
    n = codes_j.size
    counts = np.bincount(codes_j, minlength=ncat).astype(float)
    cum = np.cumsum(counts)[:-1] / n
    tau = special.ndtri(cum)
    ext = np.concatenate([[-np.inf], tau, [np.inf]])
    p = _Phi(ext[1:]) - _Phi(ext[:-1])  # (ncat,)
    dens = np.concatenate([[0.0], _phi(tau), [0.0]])
    # cell-level score matrix (ncat, ncat-1): d log p_k / d tau_a
    sc_cell = np.zeros((ncat, ncat - 1))
    for kcat in range(ncat):
        if kcat < ncat - 1:
            sc_cell[kcat, kcat] = dens[kcat + 1] / p[kcat]
        if kcat > 0:
            sc_cell[kcat, kcat - 1] = -dens[kcat] / p[kcat]
    return tau, sc_cell[codes_j], counts


def _pair_cells(tau1: np.ndarray, tau2: np.ndarray, rho: float):
    """Cell probabilities and their derivatives for one pair of items.

    Returns P (K, L), dP/drho (K, L), dP/dtau1 (K, L, K-1) and dP/dtau2 (K, L, L-1).
    """
    e1 = np.concatenate([[-np.inf], tau1, [np.inf]])
    e2 = np.concatenate([[-np.inf], tau2, [np.inf]])
    K, L = tau1.size + 1, tau2.size + 1
    F = np.zeros((K + 1, L + 1))
    F[1:, 1:] = bivariate_normal_cdf(e1[1:, None], e2[None, 1:], rho)
    F[K, 1:] = _Phi(e2[1:])
    F[1:, L] = _Phi(e1[1:])
    F[K, L] = 1.0
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    D = np.zeros((K + 1, L + 1))
    D[1:K, 1:L] = bivariate_normal_pdf(tau1[:, None], tau2[None, :], rho)
    dP_drho = D[1:, 1:] - D[:-1, 1:] - D[1:, :-1] + D[:-1, :-1]
    s = np.sqrt(1.0 - rho * rho)
    # G1[a, b] = d Phi2(tau1_a, e2_b) / d tau1_a = phi(tau1_a) Phi((e2_b - rho tau1_a)/s)
    G1 = np.zeros((K - 1, L + 1))
    G1[:, 1:] = _phi(tau1)[:, None] * _Phi((e2[None, 1:] - rho * tau1[:, None]) / s)
    G1[:, L] = _phi(tau1)
    G2 = np.zeros((L - 1, K + 1))
    G2[:, 1:] = _phi(tau2)[:, None] * _Phi((e1[None, 1:] - rho * tau2[:, None]) / s)
    G2[:, K] = _phi(tau2)
    dP1 = np.zeros((K, L, K - 1))
    for a in range(K - 1):
        diff = G1[a, 1:] - G1[a, :-1]  # (L,)
        dP1[a, :, a] += diff  # tau1_a is the upper limit of category a
        dP1[a + 1, :, a] -= diff  # ... and the lower limit of category a+1
    dP2 = np.zeros((K, L, L - 1))
    for b in range(L - 1):
        diff = G2[b, 1:] - G2[b, :-1]  # (K,)
        dP2[:, b, b] += diff
        dP2[:, b + 1, b] -= diff
    return P, dP_drho, dP1, dP2


def _table_cells(tau1: np.ndarray, tau2: np.ndarray, rho: float):
    """Cell probabilities (K, L) and dP/drho of one table (cheaper than _pair_cells)."""
    e1 = np.concatenate([[-np.inf], tau1, [np.inf]])
    e2 = np.concatenate([[-np.inf], tau2, [np.inf]])
    F = bivariate_normal_cdf(e1[:, None], e2[None, :], rho)
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    K, L = tau1.size + 1, tau2.size + 1
    D = np.zeros((K + 1, L + 1))
    D[1:K, 1:L] = bivariate_normal_pdf(tau1[:, None], tau2[None, :], rho)
    dP = D[1:, 1:] - D[:-1, 1:] - D[1:, :-1] + D[:-1, :-1]
    return np.maximum(P, 1e-300), dP


def _fit_rho(freq: np.ndarray, tau1: np.ndarray, tau2: np.ndarray, start: float) -> float:
    """Maximise the bivariate-normal likelihood of a contingency table over rho.

    Fisher scoring from ``start`` (the Pearson correlation of the codes) with step halving
    inside (-0.999, 0.999), lavaan's bounds; bounded Brent search if scoring stalls.
    """
    n = freq.sum()
    rho = float(np.clip(start, -0.99, 0.99))
    P, dr = _table_cells(tau1, tau2, rho)
    ll = float(np.sum(freq * np.log(P)))
    for _ in range(50):
        g = float(np.sum(freq * dr / P))
        info = float(np.sum(n * dr * dr / P))
        if not info > 0:
            break
        step = g / info
        t = 1.0
        while True:
            new = min(max(rho + t * step, -0.999), 0.999)
            P2, dr2 = _table_cells(tau1, tau2, new)
            ll2 = float(np.sum(freq * np.log(P2)))
            if ll2 >= ll - 1e-12 or t < 1e-6:
                break
            t *= 0.5
        done = abs(new - rho) < 1e-10
        rho, P, dr, ll = new, P2, dr2, ll2
        if done:
            return rho
    # fallback: bounded scalar search
    res = optimize.minimize_scalar(
        lambda r: -float(np.sum(freq * np.log(_table_cells(tau1, tau2, r)[0]))),
        bounds=(-0.999, 0.999),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(res.x)


def polychoric(
    data: pd.DataFrame, ordered: list[str] | None = None, *, acov: bool = True
) -> Polychoric:
    """Two-step polychoric correlations with thresholds and their asymptotic covariance.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent. Items may be numeric codes (1-5, 0-10 ...) or ordered
        pandas Categoricals. Rows with a missing value in any of the items are dropped
        (listwise, as lavaan's default for ordinal data).
    ordered : list of str, optional
        The items to use (default: every column of ``data``).
    acov : bool, default True
        Also compute the asymptotic covariance matrix (needed for DWLS/WLSMV).

    Returns
    -------
    Polychoric
        ``corr`` (DataFrame), ``thresholds`` (DataFrame with ``lhs, op, rhs, est, se``),
        ``acov`` (ndarray, lavaan's ``WLS.W``), ``n``, ``levels`` and ``names``.

    Notes
    -----
    Step 1: the thresholds of item j are ``tau_jk = Phi^-1(P(y_j <= k))`` (the ML estimate
    without covariates). Step 2: with the thresholds fixed, each correlation maximises
    ``sum_kl n_kl log P_kl(rho)``, where ``P_kl`` is the bivariate-normal probability of the
    rectangle ``(tau_1,k-1, tau_1k] x (tau_2,l-1, tau_2l]``. Step 3 (Muthén 1984; Muthén &
    Satorra 1995; lavaan's ``muthen1984``): with the casewise scores ``s_i`` of all univariate
    and bivariate likelihoods stacked, ``acov = B^-1 (sum_i s_i s_i') B^-T`` where the bread
    ``B`` is block-triangular (univariate information, cross-products of correlation scores with
    threshold scores, and the diagonal correlation information), all in outer-product form
    exactly as lavaan computes them. 2x2 tables with one empty cell get lavaan's 0.5 correction
    with preserved margins.

    References
    ----------
    Muthén, B. (1984). A general structural equation model with dichotomous, ordered
    categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115-132.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.ordinal import polychoric
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], size=2000)
    >>> items = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["q1", "q2"])
    >>> pc = polychoric(items)
    >>> round(float(pc.corr.loc["q1", "q2"]), 1)
    0.6
    >>> pc.thresholds[["lhs", "op", "rhs"]].head(2).values.tolist()
    [['q1', '|', 't1'], ['q1', '|', 't2']]
    """
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
        data.columns = [str(c) for c in data.columns]
    items = list(data.columns) if ordered is None else list(ordered)
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise InputError(
            f"ordered item(s) {missing} are not columns of the data; check the spelling or "
            "add the columns."
        )
    if len(items) < 2:
        raise InputError(
            "polychoric correlations need at least two ordered items; pass two or more."
        )
    sub = data[items].dropna()
    n = len(sub)
    if n < 10:
        raise InputError(
            f"only {n} complete rows in the ordered items {items}; polychoric correlations need "
            "more data (at least 10, preferably hundreds)."
        )
    codes, levels = _codes(sub, items)
    p = len(items)
    ncat = codes.max(axis=0) + 1

    taus, sc_th, counts = [], [], []
    for j in range(p):
        tau, sc, cnt = _univariate(codes[:, j], int(ncat[j]))
        taus.append(tau)
        sc_th.append(sc)
        counts.append(cnt)
    nth = np.array([t.size for t in taus])
    th_start = np.concatenate([[0], np.cumsum(nth)[:-1]])
    nth_tot = int(nth.sum())

    corr = np.eye(p)
    pairs = [(i, j) for j in range(p - 1) for i in range(j + 1, p)]  # lavaan's order
    pstar = len(pairs)
    sc_cor = np.zeros((n, pstar)) if acov else None
    a21 = np.zeros((pstar, nth_tot)) if acov else None
    for r, (i, j) in enumerate(pairs):
        # lavaan: y1 = item j (column), y2 = item i (row)
        ci, cj = codes[:, i], codes[:, j]
        freq = np.zeros((ncat[j], ncat[i]))
        np.add.at(freq, (cj, ci), 1.0)
        if freq.shape == (2, 2) and (freq == 0).sum() == 1:
            if freq[0, 0] == 0 or freq[1, 1] == 0:
                freq += np.array([[0.5, -0.5], [-0.5, 0.5]])
            else:
                freq += np.array([[-0.5, 0.5], [0.5, -0.5]])
        if freq.shape == (2, 2) and (freq == 0).sum() == 2:
            rho = 1.0 if freq[0, 0] > 0 else -1.0
        elif freq.shape == (2, 2) and freq[0, 0] * freq[1, 1] == freq[0, 1] * freq[1, 0]:
            rho = 0.0
        else:
            sd_ok = ci.std() > 0 and cj.std() > 0
            start = float(np.corrcoef(ci, cj)[0, 1]) if sd_ok else 0.0
            rho = _fit_rho(freq, taus[j], taus[i], start)
        corr[i, j] = corr[j, i] = rho
        if abs(rho) > 0.99:
            warnings.warn(
                f"the polychoric correlation between '{items[i]}' and '{items[j]}' is "
                f"(nearly) {np.sign(rho):+.0f} ({rho:.3f}); the items may be redundant or their "
                "table too sparse: merge sparse categories or drop one of them.",
                SEMWarning,
                stacklevel=2,
            )
        if acov:
            P, dr, dP1, dP2 = _pair_cells(taus[j], taus[i], min(max(rho, -0.999), 0.999))
            P = np.maximum(P, 1e-300)
            s_rho_cell = dr / P
            s_rho = s_rho_cell[cj, ci]
            sc_cor[:, r] = s_rho
            # A21: crossprod of the correlation score with the bivariate threshold scores
            freq_true = np.zeros_like(P)
            np.add.at(freq_true, (cj, ci), 1.0)
            w = freq_true * s_rho_cell / P
            a21[r, th_start[j] : th_start[j] + nth[j]] = np.einsum("kl,kla->a", w, dP1)
            a21[r, th_start[i] : th_start[i] + nth[i]] = np.einsum("kl,klb->b", w, dP2)

    names = [f"{items[j]}|t{k + 1}" for j in range(p) for k in range(nth[j])]
    names += [f"{items[i]}~~{items[j]}" for i, j in pairs]

    W = None
    th_se = np.full(nth_tot, np.nan)
    if acov:
        sc_all = np.hstack(sc_th + [sc_cor])
        inner = sc_all.T @ sc_all
        a11_inv = np.zeros((nth_tot, nth_tot))
        for j in range(p):
            sl = slice(th_start[j], th_start[j] + nth[j])
            a11_inv[sl, sl] = np.linalg.inv(inner[sl, sl])
        a22 = np.einsum("ij,ij->j", sc_cor, sc_cor)
        if np.any(a22 <= 0):
            raise SEMError(
                "a polychoric correlation has zero information (an empty or degenerate table); "
                "merge sparse categories of the items involved and refit."
            )
        a22_inv = 1.0 / a22
        b_inv = np.zeros((nth_tot + pstar, nth_tot + pstar))
        b_inv[:nth_tot, :nth_tot] = a11_inv
        b_inv[nth_tot:, nth_tot:] = np.diag(a22_inv)
        b_inv[nth_tot:, :nth_tot] = -(a22_inv[:, None] * a21) @ a11_inv
        W = b_inv @ inner @ b_inv.T
        W = 0.5 * (W + W.T)
        th_se = np.sqrt(np.diag(W)[:nth_tot])

    thr = pd.DataFrame(
        {
            "lhs": [items[j] for j in range(p) for _ in range(nth[j])],
            "op": "|",
            "rhs": [f"t{k + 1}" for j in range(p) for k in range(nth[j])],
            "est": np.concatenate(taus),
            "se": th_se,
        }
    )
    corr_df = pd.DataFrame(corr, index=items, columns=items)
    return Polychoric(
        corr=corr_df,
        thresholds=thr,
        acov=W if W is not None else np.empty((0, 0)),
        n=n,
        levels=levels,
        names=names,
    )


# --------------------------------------------------------------------------------------
# DWLS / WLSMV on polychoric correlations (delta parameterisation)
# --------------------------------------------------------------------------------------


def _offdiag_rows(p: int) -> np.ndarray:
    """Positions of the off-diagonal elements in the column-wise vech of a (p, p) matrix."""
    rows, pos = [], 0
    for j in range(p):
        for i in range(j, p):
            if i != j:
                rows.append(pos)
            pos += 1
    return np.asarray(rows, dtype=int)


def _ordinal_residual_free(model, ordered: list[str]) -> np.ndarray:
    """0-based free indices of the residual variances of ordinal indicators."""
    pt = model.partable
    mask = (pt.op == "~~") & (pt.lhs == pt.rhs) & pt.lhs.isin(ordered) & (pt.free > 0)
    return np.sort(pt.loc[mask, "free"].to_numpy(dtype=int) - 1)


def _chisq_pvalue(stat: float, df: float) -> float:
    from scipy import stats

    return float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")


def _rmsea(stat: float, df: float, n: int) -> float:
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(0.0, (stat - df) / (df * n))))


def _rmsea_ci(stat: float, df: float, n: int, level: float = 0.90) -> tuple[float, float, float]:
    """RMSEA confidence limits and close-fit p-value from the noncentral chi-square."""
    from scipy import optimize as opt
    from scipy import stats

    if df <= 0:
        return 0.0, 0.0, float("nan")

    def lam_for(prob):
        f = lambda lam: stats.ncx2.cdf(stat, df, lam) - prob  # noqa: E731
        if f(0.0) < 0.0:
            return 0.0
        hi = max(1.0, stat)
        while f(hi) > 0.0:
            hi *= 2.0
        return opt.brentq(f, 0.0, hi, xtol=1e-12)

    lo = lam_for((1.0 + level) / 2.0)
    up = lam_for((1.0 - level) / 2.0)
    pclose = float(stats.ncx2.sf(stat, df, 0.05**2 * n * df))
    return float(np.sqrt(lo / (n * df))), float(np.sqrt(up / (n * df))), pclose


def fit_dwls(
    model,
    data: pd.DataFrame,
    ordered: list[str] | None = None,
    estimator: str = "WLSMV",
    *,
    theta0: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 500,
    poly: Polychoric | None = None,
):
    """Fit a model to ordinal items by DWLS on polychoric correlations (lavaan's WLSMV).

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The specified model; every observed variable must be an ordinal item.
    data : pandas.DataFrame
        Raw item responses (numeric codes or ordered Categoricals).
    ordered : list of str, optional
        The ordinal items (default: all observed variables of the model). Continuous
        observed variables mixed with ordinal ones are not supported yet.
    estimator : {"WLSMV", "DWLS"}
        ``"DWLS"``: standard errors from the inverse of ``Delta' W Delta`` (lavaan's
        ``se="standard"``) and the naive chi-square; ``"WLSMV"``: robust (sandwich) standard
        errors and the mean-and-variance adjusted (scaled-shifted) test, as lavaan reports.
    theta0 : ndarray, optional
        Start values for the model's free parameters.
    tol, max_iter : float, int
        Convergence criterion (largest Gauss-Newton step) and iteration limit.
    poly : Polychoric, optional
        Precomputed :func:`polychoric` of the items (in ``model.observed`` order).

    Returns
    -------
    estimation : Estimation
        ``theta`` for the model's free parameters; the residual variances of the ordinal
        indicators are not free in the delta parameterisation and are returned as
        ``1 - diag(Lambda Psi Lambda')``.
    vcov : numpy.ndarray
        (q, q) covariance matrix of ``theta`` (zero rows/columns for the residual variances
        of the ordinal indicators, as lavaan reports them with se 0).
    test : dict
        Fit statistics with lavaan's names (``chisq, df, pvalue, fmin, baseline_chisq,
        baseline_df, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, rmsea_pvalue, srmr`` and
        for WLSMV ``chisq_scaled, df_scaled, pvalue_scaled, chisq_scaling_factor,
        shift_parameter, baseline_chisq_scaled, cfi_scaled, tli_scaled, rmsea_scaled ...``),
        plus ``thresholds`` (DataFrame ``lhs, op, rhs, est, se``), ``polychoric`` (the
        :class:`Polychoric`) and ``trace_ugamma``, ``trace_ugamma2``.

    Notes
    -----
    Delta parameterisation (lavaan's default): the latent responses have unit variance, so
    the implied correlations are the off-diagonal elements of ``Sigma(theta)`` with the
    indicators' residual variances fixed to ``1 - diag(Lambda Psi Lambda')``; the thresholds
    are free and saturated, so their estimates are the sample thresholds and they separate
    from the structural part. With ``r`` the polychoric correlations, ``Gamma`` lavaan's
    NACOV and ``W = diag(Gamma)^-1`` restricted to the correlations,

    ``F(theta) = (r - rho(theta))' W (r - rho(theta))`` is minimised by Gauss-Newton,
    ``chisq = (N - 1) F`` (lavaan 0.6-14 uses N - 1 here, and reports
    ``fmin = chisq / (2 N)``). With ``Delta = d rho / d theta`` and
    ``H = (Delta' W Delta)^-1``: DWLS ``vcov = H / (N - 1)``; WLSMV ``vcov = H Delta' W Gamma W
    Delta H / (N - 1)``; threshold SEs ``sqrt(diag(Gamma) / (N - 1))``. The scaled-shifted test
    uses ``U = W - W Delta H Delta' W``: ``a = sqrt(df / tr((U Gamma)^2))``,
    ``shift = df - a tr(U Gamma)``, ``chisq_scaled = a chisq + shift`` (Asparouhov & Muthén
    2010; lavaan 0.6); RMSEA uses N - 1 as well. All of these agree with lavaan 0.6-14 to
    about 1e-6 (``tests/test_sem_ordinal.py``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.model import Model
    >>> from satisfaction.sem.ordinal import fit_dwls
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(600, 1))
    >>> ystar = 0.8 * f + 0.6 * rng.normal(size=(600, 4))
    >>> items = pd.DataFrame(np.digitize(ystar, [-1, 0, 1]) + 1, columns=["y1", "y2", "y3", "y4"])
    >>> m = Model.from_syntax("F =~ y1 + y2 + y3 + y4", list(items.columns))
    >>> est, vcov, test = fit_dwls(m, items)
    >>> bool(est.converged), int(test["df"])
    (True, 2)
    """
    from .estimators import Estimation

    estimator = estimator.upper()
    if estimator not in ("WLSMV", "DWLS"):
        raise SEMError(
            f"estimator '{estimator}' is not an ordinal estimator; use 'WLSMV' or 'DWLS'."
        )
    observed = list(model.observed)
    ordered = observed if ordered is None else list(ordered)
    not_ord = [v for v in observed if v not in ordered]
    if not_ord:
        raise SEMError(
            f"observed variable(s) {not_ord} are not in `ordered=`; mixing continuous and ordinal "
            "indicators is not supported yet, so declare them ordered or leave them out."
        )
    if poly is None:
        poly = polychoric(data, observed)
    n = poly.n
    n1 = n - 1  # lavaan 0.6-14 scales the WLS test and vcov by N - 1 for ordinal data
    p = len(observed)
    nth = len(poly.thresholds)
    gamma = poly.nacov
    gamma_r = gamma[nth:, nth:]
    pairs = [(i, j) for j in range(p - 1) for i in range(j + 1, p)]
    R = poly.corr.to_numpy()
    r_obs = np.array([R[i, j] for i, j in pairs])
    w = 1.0 / np.diag(gamma_r)
    offd = _offdiag_rows(p)
    q = int(model.n_free)
    resid = _ordinal_residual_free(model, observed)
    # intercepts and latent means are not identified next to free thresholds: fixed to 0
    pt_ = model.partable
    means_free = np.sort(pt_.loc[(pt_.op == "~1") & (pt_.free > 0), "free"].to_numpy(int) - 1)
    keep = np.setdiff1d(np.arange(q), np.concatenate([resid, means_free]))

    if theta0 is None:
        theta = np.asarray(model.start_values(R), dtype=float).copy()
    else:
        theta = np.asarray(theta0, dtype=float).copy()
    theta[resid] = 0.0
    theta[means_free] = 0.0

    def implied_r(th):
        sigma = model.implied(th)[0]
        return np.array([sigma[i, j] for i, j in pairs]), sigma

    def objective(th):
        rho, _ = implied_r(th)
        d = r_obs - rho
        return float(np.sum(w * d * d))

    fval = objective(theta)
    converged = False
    it = 0
    message = ""
    for it in range(1, max_iter + 1):  # noqa: B007
        rho, _ = implied_r(theta)
        J = np.asarray(model.jacobian(theta)[0])[offd][:, keep]
        g = J.T @ (w * (r_obs - rho))
        H = J.T @ (w[:, None] * J)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            message = "the DWLS information matrix is singular (is the model identified?)"
            break
        t = 1.0
        while True:
            trial = theta.copy()
            trial[keep] += t * step
            fnew = objective(trial)
            if np.isfinite(fnew) and fnew <= fval + 1e-14:
                break
            t *= 0.5
            if t < 1e-8:
                break
        if t < 1e-8:
            converged = np.max(np.abs(step)) < 1e-6
            message = "line search failed" if not converged else "converged"
            break
        theta, fval = trial, fnew
        if np.max(np.abs(t * step)) < tol:
            converged = True
            message = "converged"
            break
    else:
        message = f"no convergence after {max_iter} iterations"

    # residual variances of the latent responses (delta parameterisation: total variance 1)
    sigma0 = model.implied(theta)[0]
    pt = model.partable
    for idx in resid:
        var = pt.loc[pt.free == idx + 1, "lhs"].iloc[0]
        k = observed.index(var)
        theta[idx] = 1.0 - sigma0[k, k]

    rho, _ = implied_r(theta)
    J = np.asarray(model.jacobian(theta)[0])[offd][:, keep]
    info = J.T @ (w[:, None] * J)
    Hinv = np.linalg.pinv(info)
    if estimator == "DWLS":
        v_keep = Hinv / n1
    else:
        meat = J.T @ (w[:, None] * gamma_r * w[None, :]) @ J
        v_keep = Hinv @ meat @ Hinv / n1
    vcov = np.zeros((q, q))
    vcov[np.ix_(keep, keep)] = v_keep

    df = len(r_obs) - len(keep)
    chisq = n1 * fval
    test: dict = {
        "estimator": estimator,
        "npar": len(keep) + nth,
        "nobs": n,
        "fmin": chisq / (2.0 * n),
        "chisq": chisq,
        "df": df,
        "pvalue": _chisq_pvalue(chisq, df),
    }
    base_chisq = n1 * float(np.sum(w * r_obs * r_obs))
    base_df = len(r_obs)
    test["baseline_chisq"] = base_chisq
    test["baseline_df"] = base_df
    test["baseline_pvalue"] = _chisq_pvalue(base_chisq, base_df)

    def cfi_tli(t, d, tb, db):
        num = max(t - d, 0.0)
        den = max(t - d, tb - db, 0.0)
        cfi = 1.0 if den == 0 else 1.0 - num / den
        tli = 1.0 if d == 0 else ((tb / db) - (t / d)) / ((tb / db) - 1.0)
        return cfi, tli

    test["cfi"], test["tli"] = cfi_tli(chisq, df, base_chisq, base_df)
    test["rmsea"] = _rmsea(chisq, df, n1)
    lo, up, pclose = _rmsea_ci(chisq, df, n1)
    test["rmsea_ci_lower"], test["rmsea_ci_upper"], test["rmsea_pvalue"] = lo, up, pclose
    resid_r = r_obs - rho
    test["srmr"] = float(np.sqrt(np.sum(resid_r**2) / (p * (p + 1) / 2)))

    if estimator == "WLSMV":
        U = np.diag(w) - (w[:, None] * J) @ Hinv @ (J.T * w[None, :])
        UG = U @ gamma_r
        tr1 = float(np.trace(UG))
        tr2 = float(np.sum(UG * UG.T))
        a = np.sqrt(df / tr2) if df > 0 else np.nan
        shift = df - a * tr1
        scaled = a * chisq + shift
        test.update(
            {
                "chisq_scaled": scaled,
                "df_scaled": df,
                "pvalue_scaled": _chisq_pvalue(scaled, df),
                "chisq_scaling_factor": 1.0 / a,
                "shift_parameter": shift,
                "trace_ugamma": tr1,
                "trace_ugamma2": tr2,
            }
        )
        # baseline (independence) model: correlations fixed at zero, U = W
        WG = w[:, None] * gamma_r
        btr1 = float(np.trace(WG))
        btr2 = float(np.sum(WG * WG.T))
        ba = np.sqrt(base_df / btr2)
        bscaled = ba * base_chisq + (base_df - ba * btr1)
        test["baseline_chisq_scaled"] = bscaled
        test["baseline_df_scaled"] = base_df
        test["baseline_pvalue_scaled"] = _chisq_pvalue(bscaled, base_df)
        test["baseline_chisq_scaling_factor"] = 1.0 / ba
        test["cfi_scaled"], test["tli_scaled"] = cfi_tli(scaled, df, bscaled, base_df)
        test["rmsea_scaled"] = _rmsea(scaled, df, n1)
        lo, up, pclose = _rmsea_ci(scaled, df, n1)
        test["rmsea_ci_lower_scaled"], test["rmsea_ci_upper_scaled"] = lo, up
        test["rmsea_pvalue_scaled"] = pclose

    thr = poly.thresholds.copy()
    thr["se"] = np.sqrt(np.diag(gamma)[:nth] / n1)
    test["thresholds"] = thr
    test["polychoric"] = poly
    est = Estimation(
        theta=theta, converged=bool(converged), iterations=int(it), fmin=fval / 2.0, message=message
    )
    return est, vcov, test

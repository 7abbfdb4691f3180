"""Two-step polychoric correlations, thresholds and their asymptotic covariance matrix."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from ...errors import InputError, SEMError, SEMWarning
from .bivariate import _Phi, _phi, bivariate_normal_cdf, bivariate_normal_pdf

__all__ = ["Polychoric", "polychoric"]


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

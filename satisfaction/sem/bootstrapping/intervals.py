"""Bootstrap confidence intervals: percentile, normal, bias-corrected (lavaan's ``boot.ci.type``) and BCa."""

from __future__ import annotations

import numpy as np
from scipy import special

from ...errors import SEMError

__all__ = ["CI_TYPES", "bootstrap_ci"]


#: interval types: lavaan's "perc", "bca.simple" (bias-corrected, no acceleration) and
#: "norm", plus "bca" (bias-corrected and accelerated, jackknife acceleration)
CI_TYPES = ("perc", "bca.simple", "bca", "norm")


def _norm_inter(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """boot::norm.inter: order statistics interpolated on the normal quantile scale."""
    t = np.sort(t[np.isfinite(t)])
    r = t.size
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    rk = (r + 1) * alpha
    k = np.trunc(rk).astype(int)
    out = np.empty(alpha.shape)
    for i in range(alpha.size):
        if k[i] == rk[i] and 0 < k[i] <= r:
            out[i] = t[k[i] - 1]
        elif k[i] <= 0:
            out[i] = t[0]
        elif k[i] >= r:
            out[i] = t[r - 1]
        else:
            z = special.ndtri(alpha[i])
            z1 = special.ndtri(k[i] / (r + 1))
            z2 = special.ndtri((k[i] + 1) / (r + 1))
            tk, tk1 = t[k[i] - 1], t[k[i]]
            out[i] = tk + (z - z1) / (z2 - z1) * (tk1 - tk)
    return out


def bootstrap_ci(
    boot: np.ndarray,
    est: np.ndarray,
    ci_type: str = "perc",
    level: float = 0.95,
    acceleration: np.ndarray | None = None,
) -> np.ndarray:
    """Bootstrap confidence limits for several quantities.

    Parameters
    ----------
    boot : numpy.ndarray
        (R, k) bootstrap replicates (non-finite values are ignored).
    est : numpy.ndarray
        (k,) full-sample estimates.
    ci_type : {"perc", "bca.simple", "bca", "norm"}
        ``"perc"``: percentile; ``"bca.simple"``: bias-corrected percentile without
        acceleration (lavaan's); ``"bca"``: bias-corrected and accelerated (needs
        ``acceleration``); ``"norm"``: ``est - bias +- z * se``.
    level : float
        Confidence level.
    acceleration : numpy.ndarray, optional
        (k,) BCa acceleration constants (``"bca"`` only).

    Returns
    -------
    numpy.ndarray
        (k, 2) lower and upper limits.

    Notes
    -----
    As lavaan (``lav_bootstrap_ci``), order statistics are interpolated on the normal quantile
    scale (``boot``'s ``norm.inter``). BCa (Efron 1987): with ``w = Phi^-1(#{t* < t} / R)``
    and acceleration ``a``, the limits are the percentiles
    ``Phi(w + (w + z_alpha) / (1 - a (w + z_alpha)))``; ``a = 0`` gives ``bca.simple``.

    Examples
    --------
    >>> import numpy as np
    >>> from satisfaction.sem.bootstrapping import bootstrap_ci
    >>> t = np.random.default_rng(0).normal(size=(4999, 1))
    >>> lo, hi = bootstrap_ci(t, np.array([0.0]))[0]
    >>> bool(-2.1 < lo < -1.8 and 1.8 < hi < 2.1)
    True
    """
    boot = np.atleast_2d(np.asarray(boot, dtype=float))
    est = np.atleast_1d(np.asarray(est, dtype=float))
    if ci_type not in CI_TYPES:
        raise SEMError(f"ci_type={ci_type!r} is not one of {CI_TYPES}; pick one of them.")
    k = est.size
    ci = np.column_stack([est, est]).astype(float)
    alpha = np.array([(1 - level) / 2, (1 + level) / 2])
    if ci_type == "norm":
        se = np.nanstd(boot, axis=0)
        bias = np.nanmean(boot, axis=0) - est
        z = special.ndtri(alpha)
        return (est - bias)[:, None] + se[:, None] * z[None, :]
    zalpha = special.ndtri(alpha)
    acc = np.zeros(k) if acceleration is None or ci_type != "bca" else np.asarray(acceleration)
    for i in range(k):
        t = boot[:, i]
        t = t[np.isfinite(t)]
        if t.size < 2 or np.var(t) == 0:
            continue
        if ci_type == "perc":
            ci[i] = _norm_inter(t, alpha)
        else:
            w = special.ndtri(np.sum(t < est[i]) / t.size)
            if not np.isfinite(w):
                ci[i] = _norm_inter(t, alpha)
                continue
            adj = special.ndtr(w + (w + zalpha) / (1 - acc[i] * (w + zalpha)))
            ci[i] = _norm_inter(t, adj)
    return ci

"""Modification indices of a FIML fit (lavaan's score test with the expected information)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..modindices import (
    candidate_entries,
    candidates,
    entry_jacobian,
    information_blocks,
    mi_table,
    score_test,
)
from .data import _patterns_for
from .information import _expected_weights
from .patterns import _moment_gradient, _vech_gradient

__all__ = ["fiml_modindices"]


def fiml_modindices(result: Any, data: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """Modification indices of a FIML fit, as lavaan's ``modindices(fit)`` after ``missing="ml"``.

    Parameters
    ----------
    result : satisfaction.sem.result.SEMResult
        A model fitted with ``missing="fiml"``.
    data : pandas.DataFrame
        The data it was fitted to (NaN for missing values).

    Returns
    -------
    pandas.DataFrame
        ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all``, one row per parameter the model
        fixes (lavaan's ``lav_partable_full`` list), as the complete-data ``modindices``.

    Notes
    -----
    lavaan's score test with its default ``information = "expected"``: with ``g`` the
    gradient of the FIML log-likelihood per case for the released parameter and ``I`` the
    expected FIML information per case of the extended model (the normal-theory weights of
    each pattern's observed block, at the fitted moments),
    ``V = I_ee - I_em I_mm^-1 I_me``, ``mi = N g^2 / V`` and ``epc = g / V``. The
    complete-data formula evaluated on the complete cases (what the engine would
    otherwise do) is not this: on the chain sample it misses lavaan's largest index
    (``LQ =~ ex4``: 29.1) by 12 points.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem import fit_sem
    >>> rng = np.random.default_rng(7)
    >>> f = rng.standard_normal(300)
    >>> df = pd.DataFrame({f"y{j}": 0.8 * f + 0.6 * rng.standard_normal(300) for j in range(4)})
    >>> df.loc[rng.random(300) < 0.2, "y3"] = np.nan
    >>> res = fit_sem("F =~ y0 + y1 + y2 + y3", df, missing="fiml")
    >>> mi = fiml_modindices(res, df)
    >>> list(mi.columns)
    ['lhs', 'op', 'rhs', 'mi', 'epc', 'sepc_lv', 'sepc_all']
    """
    model = result.model
    theta = np.asarray(result.theta, dtype=float)
    pat = _patterns_for(model, data)
    n = pat.n
    cands = candidates(model)
    sigma, mu = model.implied(theta)
    jm_s, jm_m = model.jacobian(theta)
    je_s, je_m = entry_jacobian(model, theta, candidate_entries(model, cands))
    w_sig, w_mu = _expected_weights(sigma, pat)
    i_mm, i_em, i_ee = information_blocks(jm_s, je_s, w_sig / n, jm_m, je_m, w_mu / n)
    g_sig, g_mu = _moment_gradient(sigma, mu, pat)
    grad = je_s.T @ (_vech_gradient(g_sig) / n) + je_m.T @ (g_mu / n)
    mi, epc = score_test(i_mm, i_em, i_ee, grad, n)
    return mi_table(result, cands, mi, epc)

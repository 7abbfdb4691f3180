"""Input checks and the per-data cache (patterns and H1 moments) shared by one fit_sem() call."""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...errors import SEMError, SEMWarning
from .em import SaturatedMoments, em_saturated
from .patterns import MissingPatterns, missing_patterns

__all__ = ["bind_fixed_x"]


def _require_meanstructure(model: Any) -> None:
    if not getattr(model, "meanstructure", False):
        raise SEMError(
            "FIML needs a model with a mean structure; build it with "
            "Model.from_syntax(syntax, columns, meanstructure=True)."
        )


def bind_fixed_x(model: Any, data: pd.DataFrame) -> tuple[Any, pd.DataFrame, list[str]]:
    """Prepare a FIML fit with fixed.x covariates as lavaan's ``missing = "ml"`` does.

    Parameters
    ----------
    model : satisfaction.sem.model.Model
        The specified model; if it has exogenous observed covariates with
        ``fixed.x = True`` their moments are bound to the sample values.
    data : pandas.DataFrame
        The model's columns (missing values as NaN).

    Returns
    -------
    model : Model
        The model with the covariates' variances, covariances and means fixed to their
        sample values (divisor N) on the rows kept; the model itself without covariates.
    data : pandas.DataFrame
        The rows kept: lavaan 0.6-14 deletes the cases with a missing covariate when
        ``fixed.x = TRUE`` (with ``fixed.x = FALSE`` the covariates are modelled and every
        case is used).
    notes : list of str
        One note saying how many rows were dropped for which covariates, if any.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from satisfaction.sem.model import Model
    >>> d = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0, 5.0], "y": [1.0, np.nan, 2.0, 3.0, 5.0]})
    >>> m = Model.from_syntax("y ~ x", d.columns, meanstructure=True)
    >>> bound, kept, notes = bind_fixed_x(m, d)
    >>> len(kept), notes[0][:40]
    (4, '1 of 5 rows have a missing value in the ')
    """
    from ..robust import exo_indices

    x_idx = exo_indices(model)
    if not len(x_idx):
        return model, data, []
    cols = [list(model.observed)[k] for k in x_idx]
    keep = data[cols].notna().all(axis=1)
    notes = []
    if not keep.all():
        notes.append(
            f"{int((~keep).sum())} of {len(data)} rows have a missing value in the exogenous "
            f"covariate(s) {cols} and were dropped (fixed.x=True, as lavaan does); pass "
            "fixed_x=False to model the covariates and keep those rows"
        )
        data = data[keep]
    x = data[list(model.observed)].to_numpy(dtype=float)
    if len(x) < 2:
        raise SEMError(
            f"fewer than 2 rows have every exogenous covariate {cols} observed; "
            "fit with fixed_x=False"
        )
    p = x.shape[1]
    s = np.zeros((p, p))
    xc = x[:, x_idx] - x[:, x_idx].mean(axis=0)
    s[np.ix_(x_idx, x_idx)] = xc.T @ xc / len(x)
    mean = np.zeros(p)
    mean[x_idx] = x[:, x_idx].mean(axis=0)
    return model.with_sample(s, mean), data, notes


def _data_matrix(model: Any, data: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        absent = [v for v in model.observed if v not in data.columns]
        if absent:
            raise SEMError(
                f"the data have no column {absent[0]!r} used by the model; "
                "rename the column or change the model syntax."
            )
        try:
            return data[list(model.observed)].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise SEMError(
                "the model's columns must be numeric for FIML; recode text answers to "
                "numbers first (e.g. with satisfaction.clean)."
            ) from exc
    return np.asarray(data, dtype=float)


#: the last data matrix seen, its patterns and its H1 moments (fit, vcov and fit measures
#: of one fit_sem() call all need them; the key is a digest of the bytes, so a cache hit is
#: always the same data)
_CACHE: dict = {}


def _digest(x: np.ndarray) -> tuple:
    return (x.shape, hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest())


def _cache_entry(x: np.ndarray) -> dict:
    key = _digest(x)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = {}
    return _CACHE[key]


def _cached_h1(pat: MissingPatterns) -> SaturatedMoments:
    entry = _cache_entry(pat.x)
    if "h1" not in entry:
        entry["h1"] = em_saturated(pat)
    return entry["h1"]


def _patterns_for(model, data, warn: bool = False) -> MissingPatterns:
    if isinstance(data, MissingPatterns):
        return data
    x = _data_matrix(model, data)
    empty_cols = np.flatnonzero(np.isnan(x).all(axis=0)) if x.size else []
    if len(empty_cols):
        name = list(model.observed)[empty_cols[0]]
        raise SEMError(
            f"column {name!r} has no observed value at all, so FIML cannot estimate its "
            "parameters; check the column in the data or remove it from the model."
        )
    entry = _cache_entry(x)
    if "patterns" not in entry:
        entry["patterns"] = missing_patterns(x)
    pat = entry["patterns"]
    if pat.n_empty and warn:
        warnings.warn(
            f"{pat.n_empty} case(s) with every model variable missing were dropped "
            "(they carry no information), as lavaan does.",
            SEMWarning,
            stacklevel=3,
        )
    if pat.n < 2:
        raise SEMError("FIML needs at least two cases with observed values.")
    return pat

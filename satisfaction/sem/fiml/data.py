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

__all__ = []


def _require_meanstructure(model: Any) -> None:
    if not getattr(model, "meanstructure", False):
        raise SEMError(
            "FIML needs a model with a mean structure; build it with "
            "Model.from_syntax(syntax, columns, meanstructure=True)."
        )
    if getattr(model, "has_exo", False):
        raise SEMError(
            "missing='fiml' does not handle exogenous observed covariates with fixed.x=True "
            "yet; regress on a latent proxy or fit with missing='listwise'."
        )


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

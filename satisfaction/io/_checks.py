"""Checks after reading: item columns hold answers; blank rows are dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._common import _fail
from .provenance import row_place

__all__ = ["_check_item_types", "_drop_blank_rows"]


def _check_item_types(path: Path, data: pd.DataFrame, items: list[str]) -> None:
    """Item columns must hold numbers or text: not dates, times, booleans or bytes."""
    for col in items:
        s = data[col]
        dtype = s.dtype
        if (
            pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or (pd.api.types.is_timedelta64_dtype(dtype))
        ):
            raise _fail(
                path,
                f"the item column holds {dtype} values, not answers",
                "store answers as numbers (1-5, 0-10) or as text labels",
                column=col,
            )
        if dtype is np.dtype(object):
            kinds = pd.api.types.infer_dtype(s, skipna=True)
            if kinds in (
                "string",
                "integer",
                "floating",
                "mixed-integer-float",
                "empty",
                "integer-na",
                "decimal",
            ):
                continue
            types = s.map(type, na_action="ignore")
            ok = types.isin([str, int, float, np.int64, np.float64]) | s.isna()
            bad = np.flatnonzero(~ok.to_numpy())
            if len(bad):
                i = bad[0]
                value = s.iloc[i]
                raise _fail(
                    path,
                    f"mixed types: the value {value!r} ({type(value).__name__}) is not an answer "
                    "(Excel may have turned a number or label into a date)",
                    "format the column as text or numbers in the source and export again",
                    place=row_place(data, data.index[i]),
                    column=col,
                )


def _drop_blank_rows(data: pd.DataFrame) -> tuple[pd.DataFrame, int, np.ndarray]:
    """Drop rows with no value at all; return the frame, how many, and the rows kept."""
    keep = np.ones(len(data), dtype=bool)
    if data.shape[1] == 0 or len(data) == 0:
        return data, 0, keep
    candidates = data.iloc[:, 0].isna().to_numpy()
    if not candidates.any():
        return data, 0, keep
    idx = np.flatnonzero(candidates)
    blank = data.iloc[idx].isna().all(axis=1).to_numpy()
    if not blank.any():
        return data, 0, keep
    keep[idx[blank]] = False
    return data.loc[keep].reset_index(drop=True), int(blank.sum()), keep

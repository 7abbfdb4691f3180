"""The Parquet reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._common import _fail

__all__ = ["_read_parquet"]


def _read_parquet(path: Path):
    try:
        data = pd.read_parquet(path)
    except Exception as exc:
        raise _fail(
            path,
            f"cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:120]})",
            "write it again with DataFrame.to_parquet",
        ) from None
    if not len(data):
        raise _fail(path, "has no data rows", "write the frame again with its answers")
    if not isinstance(data.index, pd.RangeIndex):
        data = data.reset_index(drop=data.index.name is None)
    return data, dict(notes=[], header_row=None)

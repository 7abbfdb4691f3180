"""``write_processed``: cleaned data as Parquet under ``data/processed``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from ..errors import InputError

__all__ = ["write_processed"]


def write_processed(frame: pd.DataFrame, name: str, *, directory: str | Path | None = None) -> Path:
    """Write a cleaned frame as Parquet under ``config.PROCESSED_DATA_DIR``.

    Parameters
    ----------
    frame : DataFrame
        The data to write (e.g. ``clean(...).data``).
    name : str
        File name without folders; ``.parquet`` is added when missing.
    directory : str or Path, optional
        Another folder (tests, a project of one's own); never ``data/raw``.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = write_processed(pd.DataFrame({"lq1": [4.0]}), "pulse", directory=tempfile.mkdtemp())
    >>> out.name, pd.read_parquet(out)["lq1"].tolist()
    ('pulse.parquet', [4.0])
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"write_processed needs a DataFrame, got {type(frame).__name__}; pass e.g. cleaned.data"
        )
    if (
        not isinstance(name, str)
        or not name.strip()
        or Path(name).name != name
        or name in (".", "..")
    ):
        raise InputError(
            f"write_processed: name {name!r} must be a plain file name without folders; "
            "pass e.g. 'pulse_2026q3'"
        )
    target_dir = Path(directory) if directory is not None else Path(config.PROCESSED_DATA_DIR)
    target_dir = target_dir.resolve()
    raw = Path(config.RAW_DATA_DIR).resolve()
    if target_dir == raw or raw in target_dir.parents:
        raise InputError(
            f"write_processed will not write into '{target_dir}': raw exports are "
            "never modified; write to data/processed (the default)"
        )
    target_dir.mkdir(parents=True, exist_ok=True)
    out = target_dir / (name if name.endswith(".parquet") else f"{name}.parquet")
    frame.to_parquet(out, index=None)  # a RangeIndex (and its name) is kept as metadata
    return out

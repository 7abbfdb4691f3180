"""The bundled sample: the synthetic organisation of seed 0 and its raw exports.

:func:`load_sample` regenerates the organisation deterministically (about a second,
cached in the process), so it works even when the package is installed without the
repository; :func:`load_sample_exports` points at the committed raw files in
``data/sample`` (written by ``satisfaction simulate --out data/sample``).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from . import config
from .errors import InputError
from .simulate import ChainSample, Organisation, chain_sample, organisation

__all__ = ["load_sample", "load_sample_exports"]

_KINDS = ("organisation", "chain")


@functools.lru_cache(maxsize=2)
def _cached(kind: str) -> Organisation | ChainSample:
    if kind == "organisation":
        return organisation(seed=0)
    return chain_sample(1000, seed=0)


def load_sample(kind: str = "organisation") -> Organisation | ChainSample:
    """The sample data: the synthetic organisation (seed 0) as clean numeric frames.

    Parameters
    ----------
    kind : {"organisation", "chain"}
        ``"organisation"``: :func:`satisfaction.organisation` with ``seed=0`` (the data
        behind ``data/sample``). ``"chain"``: :func:`satisfaction.chain_sample` with
        ``n=1000, seed=0`` (Likert items of the chain model, with the true parameters).

    Returns
    -------
    Organisation or ChainSample
        A fresh copy each call (the frames can be changed freely); generated once per
        process and cached.

    Examples
    --------
    >>> import satisfaction as sat
    >>> org = sat.load_sample()
    >>> org.pulse.columns[:5].tolist()
    ['respondent_id', 'unit', 'period', 'submitted_at', 'duration_s']
    >>> org.units.shape
    (40, 3)
    >>> sat.load_sample("chain").data.shape
    (1000, 17)
    """
    if kind not in _KINDS:
        raise InputError(f"load_sample kind={kind!r} is unknown; use 'organisation' or 'chain'")
    obj = _cached(kind)
    if isinstance(obj, Organisation):
        return dataclasses.replace(
            obj,
            pulse=obj.pulse.copy(),
            customers=obj.customers.copy(),
            hr_events=obj.hr_events.copy(),
            units=obj.units.copy(),
            truth=obj.truth.copy(),
            latent=obj.latent.copy(),
            params=dict(obj.params),
        )
    return dataclasses.replace(obj, data=obj.data.copy(), params=obj.params.copy())


def load_sample_exports() -> Path:
    """The folder of the sample's raw exports (``data/sample``).

    Returns
    -------
    Path
        ``config.SAMPLE_DATA_DIR``, holding ``pulse.csv``, ``customers.xlsx``,
        ``hr_events.csv``, ``units.csv`` and ``manifest.json``.

    Raises
    ------
    InputError
        If the folder or its manifest is missing (run ``make sample``).

    Examples
    --------
    >>> import satisfaction as sat
    >>> sorted(p.name for p in sat.load_sample_exports().glob("*.csv"))
    ['hr_events.csv', 'pulse.csv', 'units.csv']
    """
    folder = Path(config.SAMPLE_DATA_DIR)
    if not (folder / "manifest.json").is_file():
        raise InputError(
            f"the sample exports are missing from '{folder}'; run `make sample` "
            "(or `satisfaction simulate --out data/sample`) in the project root"
        )
    return folder

"""Keyed pseudonyms (HMAC-SHA256): the key, its checks, and the hashing of ids."""

from __future__ import annotations

import hmac
import os
import warnings
from collections.abc import Iterable, Sequence
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError, PrivacyError
from ..options import check_option

__all__ = [
    "normalise_key",
    "pseudonymise",
    "pseudonymise_frame",
    "DemoKeyWarning",
    "DEMO_KEY",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_LENGTH",
]

#: Environment variable holding the pseudonymisation key itself.
KEY_ENV = "SATISFACTION_PSEUDONYM_KEY"
#: Environment variable naming a file (outside the repository) that holds the key.
KEY_FILE_ENV = "SATISFACTION_PSEUDONYM_KEY_FILE"
#: The fixed key of the synthetic demo. It is public, so it protects nothing: never use it on real data.
DEMO_KEY = "satisfaction-synthetic-demo-key/not-for-real-data"
#: Shortest key accepted (characters or bytes): shorter keys can be guessed by brute force.
MIN_KEY_LENGTH = 16

_HOW_TO_SET_KEY = (
    f'generate one with `python -c "import secrets; print(secrets.token_hex(32))"`, keep it '
    f"outside the repository, and pass it as key=..., set the environment variable {KEY_ENV}, "
    f"or set {KEY_FILE_ENV} to the path of a file holding it (for the synthetic demo only: key='demo')"
)


class DemoKeyWarning(UserWarning):
    """The public demo key was used: the pseudonyms protect nothing."""


# --------------------------------------------------------------------------- pseudonyms


def normalise_key(key: str | bytes) -> bytes:
    """The one normalisation every key goes through, however it is supplied.

    Text is encoded as UTF-8; then a leading UTF-8 byte-order mark and all surrounding
    whitespace (spaces, tabs, ``\\n``, ``\\r\\n``) are removed. Whitespace inside the key
    is kept. So ``"k3y...\\n"`` read from a file, ``"k3y..."`` typed as an argument and
    ``b"k3y..."`` give the same pseudonyms.

    Examples
    --------
    >>> normalise_key("  0123456789abcdef\\r\\n") == normalise_key(b"0123456789abcdef")
    True
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise PrivacyError(
            f"the pseudonymisation key must be text or bytes, got {type(key).__name__}; "
            f"{_HOW_TO_SET_KEY}"
        )
    key = bytes(key)
    if key.startswith(b"\xef\xbb\xbf"):
        key = key[3:]
    return key.strip()


def _key_file_path(path_text: str) -> Path:
    path = Path(path_text).expanduser().resolve()
    root = Path(config.PROJ_ROOT).resolve()
    if path == root or root in path.parents:
        raise PrivacyError(
            f"the pseudonym key file '{path}' (from {KEY_FILE_ENV}) is inside the repository "
            f"'{root}', where it could be committed; move it outside the repository "
            "(e.g. to ~/.config/satisfaction/pseudonym.key) and point the variable there"
        )
    return path


def _read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PrivacyError(
            f"cannot read the pseudonym key file '{path}' named by {KEY_FILE_ENV} "
            f"({exc.strerror or exc}); check the path and its permissions"
        ) from None


def _check_against_file(key: str | bytes) -> None:
    """Refuse a key argument that differs from the configured key file only in surrounding whitespace."""
    path_text = os.environ.get(KEY_FILE_ENV)
    if not path_text:
        return
    path = Path(path_text).expanduser()
    try:
        held = path.read_bytes()
    except OSError:
        return  # the file is not used for this call; its problems are reported when it is
    given = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if given in (held, normalise_key(held)):
        return
    if normalise_key(given) == normalise_key(held):
        raise PrivacyError(
            f"the key argument differs from the key in the file '{path}' (named by "
            f"{KEY_FILE_ENV}) only in surrounding whitespace; pass the key without surrounding "
            "whitespace (or exactly as the file holds it), or leave key= out to use the file"
        )


def _resolve_key(key: str | bytes | None, demo: bool) -> bytes:
    if demo or (isinstance(key, str) and key == "demo"):
        warnings.warn(
            "pseudonymising with the public demo key: fine for the synthetic sample, "
            "but the pseudonyms protect nothing, so never use it on real data",
            DemoKeyWarning,
            stacklevel=3,
        )
        return DEMO_KEY.encode("utf-8")
    where = "the key argument"
    if key is not None:
        secret = normalise_key(key)
        _check_against_file(key)
    elif os.environ.get(KEY_ENV):
        secret, where = normalise_key(os.environ[KEY_ENV]), f"the environment variable {KEY_ENV}"
    elif os.environ.get(KEY_FILE_ENV):
        path = _key_file_path(os.environ[KEY_FILE_ENV])
        secret, where = normalise_key(_read_key_file(path)), f"the key file in {KEY_FILE_ENV}"
    else:
        raise PrivacyError(f"no pseudonymisation key is set; {_HOW_TO_SET_KEY}")
    if len(secret) < MIN_KEY_LENGTH:
        raise PrivacyError(
            f"the pseudonymisation key from {where} has {len(secret)} characters (after removing "
            f"surrounding whitespace), fewer than {MIN_KEY_LENGTH}, so it could be guessed; "
            f"{_HOW_TO_SET_KEY}"
        )
    return secret


def _id_text(value: Any) -> str:
    """Canonical text of one identifier: 123, 123.0 and '123' give the same pseudonym."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value).strip()


def _id_texts(uniques: pd.Index | np.ndarray) -> np.ndarray:
    """:func:`_id_text` of many distinct ids, vectorised for the common dtypes."""
    idx = pd.Index(uniques)
    if pd.api.types.is_integer_dtype(idx.dtype):
        return np.asarray(idx.astype(str), dtype=object)
    if pd.api.types.is_float_dtype(idx.dtype):
        values = idx.to_numpy(dtype=float)
        whole = np.isfinite(values) & (values == np.round(values))
        out = np.asarray(idx.astype(str), dtype=object)
        out[whole] = np.asarray(pd.Index(values[whole].astype(np.int64)).astype(str), dtype=object)
        return out
    if pd.api.types.is_string_dtype(idx.dtype) and all(isinstance(v, str) for v in idx[:100]):
        try:
            return np.asarray(idx.str.strip(), dtype=object)
        except (AttributeError, TypeError):  # pragma: no cover - mixed objects
            pass
    return np.array([_id_text(v) for v in idx], dtype=object)


def pseudonymise(
    ids: Iterable[Any] | pd.Series,
    key: str | bytes | None = None,
    *,
    prefix: str = "P",
    length: int = 16,
    demo: bool = False,
) -> pd.Series | np.ndarray:
    """Replace identifiers by keyed pseudonyms (HMAC-SHA256), stable across survey waves.

    Parameters
    ----------
    ids : Series or iterable
        Respondent identifiers (numbers or text). Missing values stay missing.
    key : str or bytes, optional
        The secret key (at least 16 characters). When omitted, it is read from the
        environment variable ``SATISFACTION_PSEUDONYM_KEY``, else from the file
        named by ``SATISFACTION_PSEUDONYM_KEY_FILE`` (which must lie outside the
        repository). Every key, however supplied, goes through :func:`normalise_key`
        (UTF-8, surrounding whitespace and a byte-order mark removed), so the same
        key gives the same pseudonyms from a file, a variable or this argument
        (``key=open(path).read()`` included). A key argument that differs from the
        configured key file only in surrounding whitespace (``" key"`` against
        ``"key\\n"``) is refused, since it suggests a copy that was edited by hand.
        ``key="demo"`` uses the public :data:`DEMO_KEY` of the synthetic sample
        and warns with :class:`DemoKeyWarning`.
    prefix : str
        Text put before each pseudonym (default ``"P"``).
    length : int
        Number of hexadecimal characters kept from the digest, 8 to 64 (default
        16, i.e. 64 bits: collisions are vanishingly unlikely below billions of ids).
    demo : bool
        Same as ``key="demo"``.

    Returns
    -------
    Series or ndarray
        A Series (same index and name) when ``ids`` is a Series, else an object
        array of pseudonyms such as ``'P3f9c0b1e7d2a4c55'``.

    Raises
    ------
    PrivacyError
        No key is set, the key is too short, the key file is inside the
        repository or unreadable, the key argument differs from the key file
        only in surrounding whitespace, or two ids collide after truncation.

    Notes
    -----
    Each id is turned into text (``123``, ``123.0`` and ``" 123 "`` are the same
    id), then ``pseudonym = prefix + HMAC-SHA256(key, id)[:length]`` in hex.
    Without the key the mapping cannot be recomputed or inverted (a plain hash of
    a short id could be inverted by hashing every possible id; a keyed hash cannot).
    The same key gives the same pseudonym in every wave, so panels can be linked;
    keep the key for as long as waves must be linked, and destroy it to make the
    pseudonymised data anonymous for good. Only the distinct ids are hashed, then
    mapped back, so a million rows take a few seconds.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     p = pseudonymise(pd.Series([101, 102, 101], name="respondent_id"), key="demo")
    >>> p.iloc[0] == p.iloc[2], p.iloc[0] != p.iloc[1], len(p.iloc[0])
    (True, True, 17)
    """
    if not isinstance(length, (int, np.integer)) or not 8 <= length <= 64:
        raise InputError(f"pseudonym length must be an integer from 8 to 64, got {length!r}")
    secret = _resolve_key(key, demo)
    series_in = isinstance(ids, pd.Series)
    values = ids if series_in else pd.Series(list(ids) if not isinstance(ids, np.ndarray) else ids)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # distinct texts (123 and "123" are one id), hashed once each with a prepared HMAC
    text_codes, texts = pd.factorize(_id_texts(uniques))
    base = hmac.new(secret, digestmod=sha256)
    digests = np.empty(len(texts), dtype=object)
    for i, text in enumerate(texts):
        h = base.copy()
        h.update(str(text).encode("utf-8"))
        digests[i] = prefix + h.hexdigest()[:length]
    if len(set(digests)) != len(texts):
        raise PrivacyError(
            f"two different ids got the same {length}-character pseudonym; "
            "use a longer length (e.g. length=32)"
        )
    hashed = digests[text_codes] if len(texts) else np.empty(0, dtype=object)
    out = np.empty(len(codes), dtype=object)
    present = codes >= 0
    out[present] = hashed[codes[present]]
    out[~present] = None
    if series_in:
        return pd.Series(out, index=ids.index, name=ids.name, dtype=object)
    return out


def pseudonymise_frame(
    df: pd.DataFrame,
    columns: str | Sequence[str] = ("respondent_id",),
    key: str | bytes | None = None,
    *,
    prefix: str = "P",
    length: int = 16,
    demo: bool = False,
) -> pd.DataFrame:
    """A copy of ``df`` with identifier columns replaced by pseudonyms.

    Parameters
    ----------
    df : DataFrame
        Respondent-level data; it is not modified.
    columns : str or sequence of str
        Identifier columns to pseudonymise (default ``("respondent_id",)``).
    key, prefix, length, demo
        As in :func:`pseudonymise`; one key is used for every column.

    Returns
    -------
    DataFrame
        A new frame, same shape and columns, identifiers replaced.

    Raises
    ------
    OptionError
        A named column is not in ``df`` (the message lists its columns).
    PrivacyError
        As in :func:`pseudonymise`.

    Examples
    --------
    >>> import warnings
    >>> raw = pd.DataFrame({"respondent_id": ["e1", "e2"], "lq1": [4, 5]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     safe = pseudonymise_frame(raw, key="demo")
    >>> list(raw["respondent_id"]), bool(safe["respondent_id"].str.startswith("P").all())
    (['e1', 'e2'], True)
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"pseudonymise_frame() needs a DataFrame, got {type(df).__name__}")
    cols = [columns] if isinstance(columns, str) else list(columns)
    cols = [
        check_option(c, list(df.columns), "columns", "pseudonymise_frame", case=True) for c in cols
    ]
    secret = _resolve_key(key, demo)
    out = df.copy()
    for c in cols:
        out[c] = pseudonymise(df[c], key=secret, prefix=prefix, length=length)
    return out

"""Privacy: keyed pseudonyms, small-group suppression and the report guard.

Three tools stand between respondent-level data and anything leadership sees:

* :func:`pseudonymise` / :func:`pseudonymise_frame` replace identifiers by a keyed
  hash (HMAC-SHA256): the same person gets the same pseudonym in every wave, and
  nobody without the key can go back from a pseudonym to the identifier.
* :func:`suppress` blanks every cell of a table that describes fewer than
  ``min_group_size`` people, and enough further cells (complementary
  suppression) that no blanked cell can be recomputed from the totals or from
  the previous period's table.
* :func:`guard` is called by report code on every table before display; it
  refuses identifier columns and unsuppressed small groups.

Examples
--------
>>> import pandas as pd
>>> import satisfaction as sat
>>> table = pd.DataFrame({"unit": ["A", "B", "C", "D"], "n": [40, 3, 12, 25],
...                       "ex_mean": [3.9, 2.1, 3.5, 4.0]})
>>> out = sat.suppress(table, by="unit")
>>> out[["unit", "n", "ex_mean", "suppressed"]]
  unit     n  ex_mean  suppressed
0    A    40      3.9       False
1    B  <NA>      NaN        True
2    C  <NA>      NaN        True
3    D    25      4.0       False
>>> sat.guard(out) is out
True
"""

from __future__ import annotations

import hmac
import itertools
import os
import re
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .errors import InputError, PrivacyError

__all__ = [
    "pseudonymise",
    "pseudonymise_frame",
    "suppress",
    "margins",
    "guard",
    "DemoKeyWarning",
    "DEMO_KEY",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "IDENTIFIER_COLUMNS",
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


def _key_from_file(path_text: str) -> bytes:
    path = Path(path_text).expanduser().resolve()
    root = Path(config.PROJ_ROOT).resolve()
    if path == root or root in path.parents:
        raise PrivacyError(
            f"the pseudonym key file '{path}' (from {KEY_FILE_ENV}) is inside the repository "
            f"'{root}', where it could be committed; move it outside the repository "
            "(e.g. to ~/.config/satisfaction/pseudonym.key) and point the variable there"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PrivacyError(
            f"cannot read the pseudonym key file '{path}' named by {KEY_FILE_ENV} "
            f"({exc.strerror or exc}); check the path and its permissions"
        ) from None
    return data.strip()


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
    if key is None:
        if os.environ.get(KEY_ENV):
            key, where = os.environ[KEY_ENV].strip(), f"the environment variable {KEY_ENV}"
        elif os.environ.get(KEY_FILE_ENV):
            key, where = _key_from_file(os.environ[KEY_FILE_ENV]), f"the key file in {KEY_FILE_ENV}"
        else:
            raise PrivacyError(f"no pseudonymisation key is set; {_HOW_TO_SET_KEY}")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise PrivacyError(
            f"the pseudonymisation key must be text or bytes, got {type(key).__name__}; "
            f"{_HOW_TO_SET_KEY}"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise PrivacyError(
            f"the pseudonymisation key from {where} has {len(key)} characters, fewer than "
            f"{MIN_KEY_LENGTH}, so it could be guessed; {_HOW_TO_SET_KEY}"
        )
    return bytes(key)


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
        repository). ``key="demo"`` uses the public :data:`DEMO_KEY` of the
        synthetic sample and warns with :class:`DemoKeyWarning`.
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
        repository or unreadable, or two ids collide after truncation.

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
    InputError
        A named column is not in ``df``.
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
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(
            f"column {missing[0]!r} is not in the frame (columns: {', '.join(map(str, df.columns))}); "
            "pass the identifier columns with columns=[...]"
        )
    secret = _resolve_key(key, demo)
    out = df.copy()
    for c in cols:
        out[c] = pseudonymise(df[c], key=secret, prefix=prefix, length=length)
    return out


# --------------------------------------------------------------------------- suppression


@dataclass
class _Entry:
    """One published (or unpublished) count: a table cell, a margin, or a hidden remainder."""

    kind: str  # "cell", "margin" or "hidden"
    label: str
    value: int
    row: int | None = None  # position in the table for cells
    suppressed: bool = False
    sensitive: bool = False  # its exact value must never be derivable
    reason: str = ""
    lines: list[int] = field(default_factory=list)  # equations it takes part in


@dataclass
class _Equation:
    margin: int  # entry index of the margin (or total)
    members: list[int]  # entry indices that sum to it


def _group_label(by: list[str], key: tuple) -> str:
    return ", ".join(f"{b}={v}" for b, v in zip(by, key, strict=True))


def _check_counts(table: pd.DataFrame, count_col: str, where: str) -> np.ndarray:
    if count_col not in table.columns:
        raise InputError(
            f"{where} has no count column {count_col!r}; name it with count_col=... "
            "(the number of people each row describes)"
        )
    raw = table[count_col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | (values < 0) | (values % 1 != 0)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}, row {pos}, column {count_col!r}: {raw.iloc[pos]!r} is not a count; "
            "counts must be whole numbers >= 0 without missing values"
        )
    return values.to_numpy(dtype=np.int64)


def _resolve_by(table: pd.DataFrame, by: str | Sequence[str] | None, count_col: str) -> list[str]:
    if by is None:
        by = [
            c
            for c in table.columns
            if c != count_col
            and c not in ("suppressed", "suppression_reason")
            and not pd.api.types.is_numeric_dtype(table[c])
        ]
        if not by:
            raise InputError(
                "suppress() cannot tell the grouping columns; name them with by='unit' "
                "or by=['division', 'unit']"
            )
    by = [by] if isinstance(by, str) else list(by)
    if not 1 <= len(by) <= 2:
        raise InputError(
            f"suppress() handles one or two grouping levels, got by={by}; "
            "aggregate to at most two levels first"
        )
    for b in by:
        if b not in table.columns:
            raise InputError(
                f"grouping column {b!r} is not in the table; use one of {list(table.columns)}"
            )
    dup = table.duplicated(subset=by)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"table row {pos} repeats the group {_group_label(by, tuple(table.iloc[pos][by]))}; "
            "aggregate to one row per group before suppressing"
        )
    return by


def _margin_levels(total: Any, by: list[str]) -> tuple[list[str], int | None, bool]:
    """(levels whose subtotals are published, explicit grand total, grand total published)."""
    if total is False:
        return [], None, False
    if total is None or total is True:
        return (list(by) if len(by) == 2 else []), None, True
    if isinstance(total, (int, np.integer)) and not isinstance(total, bool):
        if len(by) != 1:
            raise InputError(
                "a numeric total= is only meaningful for one grouping level; for two levels use "
                "total=True (all margins shown), a list of levels, or False"
            )
        return [], int(total), True
    levels = [total] if isinstance(total, str) else list(total)
    for lev in levels:
        if lev not in by or len(by) != 2:
            raise InputError(
                f"total={total!r} names {lev!r}, which is not one of the two grouping levels {by}; "
                "use total=True, False, a number, or a list of levels whose subtotals are shown"
            )
    return levels, None, True


def _row_space_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis (as rows) of the row space of ``matrix``.

    From the eigendecomposition of the small Gram matrix ``A A^T = U L U^T``: the
    rows of ``(A^T U_r L_r^-1/2)^T`` for the eigenvalues ``L_r`` above a relative
    tolerance (much faster than an SVD for the wide 0/+-1 matrices used here).
    """
    if matrix.size == 0:
        return np.zeros((0, matrix.shape[1]))
    w, u = np.linalg.eigh(matrix @ matrix.T)
    if w.size == 0 or w[-1] <= 0:
        return np.zeros((0, matrix.shape[1]))
    keep = w > max(w[-1] * 1e-10, 1e-10)
    return (matrix.T @ u[:, keep] / np.sqrt(w[keep])).T


_EXACT_AUDIT_LIMIT = 16


class _Suppressor:
    def __init__(self, entries: list[_Entry], equations: list[_Equation], k: int) -> None:
        self.e = entries
        self.eq = equations
        self.k = k
        for j, q in enumerate(equations):
            entries[q.margin].lines.append(j)
            for m in q.members:
                entries[m].lines.append(j)

    # -- linear audit ---------------------------------------------------------------------
    def _unknowns(self) -> list[int]:
        return [i for i, x in enumerate(self.e) if x.suppressed]

    def _system(self, unknowns: list[int]) -> np.ndarray:
        col = {u: c for c, u in enumerate(unknowns)}
        a = np.zeros((len(self.eq), len(unknowns)))
        for j, q in enumerate(self.eq):
            if q.margin in col:
                a[j, col[q.margin]] += 1.0
            for m in q.members:
                if m in col:
                    a[j, col[m]] -= 1.0
        return a

    def determined(self) -> set[int]:
        """Suppressed entries whose value follows exactly from the published ones."""
        unknowns = self._unknowns()
        if not unknowns:
            return set()
        basis = _row_space_basis(self._system(unknowns))
        if basis.shape[0] == 0:
            return set()
        diag = (basis**2).sum(axis=0)  # diagonal of the projector on the row space
        return {u for u, d in zip(unknowns, diag, strict=True) if d > 1 - 1e-9}

    # -- one round of checks; returns (entry to protect, equations to draw a partner from) --
    def violation(self) -> tuple[int, list[int]] | None:
        known = self.determined()
        for i in sorted(known):
            x = self.e[i]
            if x.sensitive:
                return i, list(x.lines)
        # per equation: the suppressed, undetermined members must be 0 or >= k people
        for j, q in enumerate(self.eq):
            margin_known = (not self.e[q.margin].suppressed) or q.margin in known
            if not margin_known:
                continue
            hidden = [m for m in q.members if self.e[m].suppressed and m not in known]
            total = sum(self.e[m].value for m in hidden)
            if 0 < total < self.k or (len(hidden) == 1 and self.e[hidden[0]].kind == "cell"):
                target = min(hidden, key=lambda m: (not self.e[m].sensitive, self.e[m].value))
                return target, [j]
        # exact audit: any determined sum of hidden cells must be 0 or >= k
        return self._exact_audit(known)

    def _groups(self, cells: list[int]) -> list[list[int]]:
        """All hidden cells as one group when few; else their connected components.

        Two hidden cells are connected when they share an equation other than the
        grand total (a row or a column), so each component is audited on its own.
        """
        if len(cells) <= _EXACT_AUDIT_LIMIT:
            return [cells]
        parent = {c: c for c in cells}

        def find(c: int) -> int:
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for q in self.eq:
            if self.e[q.margin].label == "total":
                continue
            inside = [m for m in q.members if m in parent]
            for m in inside[1:]:
                parent[find(m)] = find(inside[0])
        groups: dict[int, list[int]] = {}
        for c in cells:
            groups.setdefault(find(c), []).append(c)
        return list(groups.values())

    def _exact_audit(self, known: set[int]) -> tuple[int, list[int]] | None:
        unknowns = self._unknowns()
        cells = [u for u in unknowns if self.e[u].kind != "margin" and u not in known]
        if len(cells) < 2 or not self.eq:
            return None
        basis = _row_space_basis(self._system(unknowns))
        if basis.shape[0] == 0:
            return None
        pos = {u: c for c, u in enumerate(unknowns)}
        for group in self._groups(cells):
            if not 2 <= len(group) <= _EXACT_AUDIT_LIMIT:
                continue
            subsets = np.array(list(itertools.product((0.0, 1.0), repeat=len(group))))[1:]
            vectors = np.zeros((len(subsets), len(unknowns)))
            for c, u in enumerate(group):
                vectors[:, pos[u]] = subsets[:, c]
            resid = vectors - (vectors @ basis.T) @ basis
            in_space = np.abs(resid).max(axis=1) < 1e-8
            values = subsets @ np.array([self.e[u].value for u in group], dtype=float)
            bad = np.flatnonzero(in_space & (values > 0) & (values < self.k))
            if bad.size:
                members = [group[c] for c in np.flatnonzero(subsets[bad[0]])]
                target = min(members, key=lambda m: (not self.e[m].sensitive, self.e[m].value))
                lines = sorted({j for m in members for j in self.e[m].lines})
                return target, lines
        return None

    # -- choosing a partner -----------------------------------------------------------------
    def _cell_partner(self, target: int, lines: list[int]) -> int | None:
        need = self.k
        for j in lines:
            q = self.eq[j]
            hidden = sum(self.e[m].value for m in q.members if self.e[m].suppressed)
            need = min(need, max(1, self.k - hidden))
        candidates = {
            m
            for j in lines
            for m in self.eq[j].members
            if not self.e[m].suppressed and self.e[m].kind == "cell" and self.e[m].value > 0
        }
        if not candidates:
            return None

        def busy(m: int) -> int:  # 0 if its other lines already hold a suppression
            other = [j for j in self.e[m].lines if j not in lines]
            if not other or any(
                any(self.e[x].suppressed for x in self.eq[j].members) for j in other
            ):
                return 0
            return 1

        return min(
            candidates,
            key=lambda m: (self.e[m].value < need, busy(m), self.e[m].value, m),
        )

    def partner(self, target: int, lines: list[int]) -> int | None:
        """The next entry to suppress: a cell of ``lines``, else their margin, else wider."""
        scope = list(lines)
        while scope:
            who = self._cell_partner(target, scope)
            if who is not None:
                return who
            margins = [self.eq[j].margin for j in scope if not self.e[self.eq[j].margin].suppressed]
            if margins:
                return min(margins, key=lambda m: (self.e[m].value, m))
            touched = {self.eq[j].margin for j in scope} | {
                m for j in scope for m in self.eq[j].members
            }
            wider = sorted({j for t in touched for j in self.e[t].lines} | set(scope))
            if wider == sorted(scope):
                return None
            scope = wider
        return None

    def run(self) -> None:
        for _ in range(len(self.e) + 1):
            found = self.violation()
            if found is None:
                return
            target, lines = found
            who = self.partner(target, lines)
            if who is None:
                raise PrivacyError(  # pragma: no cover - defensive, should not happen
                    f"cannot protect {self.e[target].label}; report this table as a bug"
                )
            self.e[who].suppressed = True
            self.e[who].reason = f"complementary: protects {self.e[target].label}"
        raise PrivacyError(  # pragma: no cover - the loop adds one suppression per round
            "complementary suppression did not settle; report this table as a bug"
        )


def _previous_shown(
    previous: pd.DataFrame, by: list[str], count_col: str, k: int
) -> dict[tuple, int]:
    if not isinstance(previous, pd.DataFrame):
        raise InputError(
            f"previous= must be the previous period's table (a DataFrame), got {type(previous).__name__}"
        )
    missing = [b for b in by if b not in previous.columns]
    if missing:
        raise InputError(
            f"the previous period's table has no grouping column {missing[0]!r}; "
            "give it the same grouping columns as the current table"
        )
    if "suppressed" in previous.columns:
        shown = previous[~previous["suppressed"].astype(bool)]
        counts = _check_counts(shown, count_col, "the previous period's table")
    else:  # raw: assume every cell of at least k people was shown (the safe assumption)
        counts_all = _check_counts(previous, count_col, "the previous period's table")
        keep = (counts_all == 0) | (counts_all >= k)
        shown = previous[keep]
        counts = counts_all[keep]
    keys = [tuple(r) for r in shown[by].itertuples(index=False, name=None)]
    return dict(zip(keys, counts.tolist(), strict=True))


def suppress(
    table: pd.DataFrame,
    count_col: str = "n",
    by: str | Sequence[str] | None = None,
    min_group_size: int = config.MIN_GROUP_SIZE,
    total: bool | int | str | Sequence[str] | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Blank every cell about fewer than ``min_group_size`` people, and enough others to protect them.

    Parameters
    ----------
    table : DataFrame
        One row per group (one grouping level, e.g. ``unit``) or per pair of
        groups (two levels, e.g. ``division`` x ``unit``), with a count column
        and any value columns (means, percentages ...) describing the group.
    count_col : str
        The column holding the number of people each row describes (default ``"n"``).
    by : str or list of str, optional
        The grouping column(s); by default every non-numeric column except
        ``count_col``.
    min_group_size : int
        The anonymity threshold (default :data:`satisfaction.config.MIN_GROUP_SIZE`, 5).
    total : bool, int, str or list of str, optional
        Which totals the reader can see. ``None`` or ``True`` (default): the
        grand total, and with two levels also every row and column subtotal
        (margins). ``False``: no totals are shown anywhere. A number (one level
        only): the published total when it is larger than the table's sum (the
        remainder is a group not in the table). A level name or list of level
        names (two levels): only the subtotals per value of those levels, plus
        the grand total.
    previous : DataFrame, optional
        The previous period's table for the same groups, either as published by
        this function (with its ``suppressed`` column) or raw (then every cell of
        at least ``min_group_size`` people is taken as shown, the safe
        assumption since it compares the most cells). A group shown
        in both periods whose count changed by 1 to ``min_group_size - 1`` is
        suppressed now, since the change would describe that few joiners or leavers.

    Returns
    -------
    DataFrame
        A copy of ``table`` (same rows and order) with every column other than
        the grouping columns blanked in suppressed rows (the count column becomes
        a nullable integer with ``<NA>``), and two added columns: ``suppressed``
        (bool) and ``suppression_reason`` (``""`` for shown rows, else e.g.
        ``"primary: n < 5"``, ``"previous: n changed by 3 since the previous
        period"`` or ``"complementary: protects unit=B"``). :func:`margins` (``out``)
        gives the margins (``level, group, n, suppressed, suppression_reason``)
        so that report code shows only the margins not suppressed.

    Raises
    ------
    InputError
        Missing or non-count values in the count column, repeated groups, more
        than two levels, or a ``total`` smaller than the table's sum.

    Notes
    -----
    The table is seen as a system of published linear equations: every shown
    margin equals the sum of its cells (one equation for a single level with a
    total; for two levels one per row, one per column and the grand total). The
    algorithm is the classic row/column ("hypercube") heuristic, made safe by a
    linear audit after each step:

    1. *Primary*: a cell (or margin) with ``0 < n < min_group_size`` is suppressed;
       so is a cell whose change since ``previous`` is ``0 < |n - n_prev| <
       min_group_size``. These are *sensitive*. Empty cells (``n = 0``) describe
       nobody and stay shown.
    2. *Audit*: with the suppressed counts as unknowns, a suppressed value is
       *determined* when its unit vector lies in the row space of the equations
       (checked with an SVD projector). A determined sensitive value is a leak.
    3. For each equation whose margin is known, the hidden (suppressed and not
       determined) cells must be zero or at least two cells, and sum to 0 or to at
       least ``min_group_size`` people; otherwise the subtraction "margin minus
       shown cells" would reveal fewer people than the threshold.
    4. Every subset of the hidden cells is also checked: a subset sum that lies
       in the row space (derivable by any combination of equations) must be 0 or
       at least ``min_group_size``. With more than 16 hidden cells this runs on
       each connected component (cells sharing a row or column) of at most 16
       cells, so sums mixing components through the grand total are not enumerated.
    5. On a violation, one more cell is suppressed in an equation involved: the
       smallest non-empty shown cell that alone lifts the hidden sum to the
       threshold, preferring a cell whose other line already has a suppression
       (so as not to start a new one); if no shown cell is left in those lines,
       the margin itself is suppressed. Steps 2-5 repeat until no violation is
       left; each round suppresses one more entry, so it stops.

    The result is correct rather than minimal: it may suppress more than an
    optimal (integer-programming) method would. Exact disclosure with the
    nonnegativity of counts is not audited (only linear derivability), and step
    4 is partial for large tables (see there; steps 2-3 always apply). Totals are not
    compared across periods; only cells shown in both periods are.

    Examples
    --------
    Respondents per unit in one month of the sample organisation:

    >>> import satisfaction as sat
    >>> pulse = sat.load_sample().pulse
    >>> month = pulse[pulse["period"] == pulse["period"].min()]
    >>> table = month.groupby("unit", as_index=False).agg(n=("ex1", "size"), ex1=("ex1", "mean"))
    >>> out = suppress(table, by="unit")
    >>> bool((out.loc[~out["suppressed"], "n"] >= 5).all()), guard(out) is out
    (True, True)

    Two levels with row and column margins shown:

    >>> t = pd.DataFrame({"division": ["D1", "D1", "D2", "D2"], "period": ["Q1", "Q2"] * 2,
    ...                   "n": [3, 30, 20, 25]})
    >>> suppress(t, by=["division", "period"])[["division", "period", "n", "suppressed"]]
      division period     n  suppressed
    0       D1     Q1  <NA>        True
    1       D1     Q2  <NA>        True
    2       D2     Q1  <NA>        True
    3       D2     Q2  <NA>        True

    A group that lost 2 people since the previous period is hidden, with a partner:

    >>> now = pd.DataFrame({"unit": ["A", "B", "C"], "n": [18, 40, 30]})
    >>> before = pd.DataFrame({"unit": ["A", "B", "C"], "n": [20, 40, 30]})
    >>> suppress(now, by="unit", previous=before)["suppression_reason"].tolist()
    ['previous: n changed by 2 since the previous period', '', 'complementary: protects unit=A']
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"suppress() needs a DataFrame, got {type(table).__name__}")
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise InputError(f"min_group_size must be a whole number >= 1, got {min_group_size!r}")
    k = int(min_group_size)
    base = table.drop(columns=["suppressed", "suppression_reason"], errors="ignore")
    by = _resolve_by(base, by, count_col)
    counts = _check_counts(base, count_col, "the table")
    levels, explicit_total, grand_shown = _margin_levels(total, by)
    keys = [tuple(r) for r in base[by].itertuples(index=False, name=None)]

    entries: list[_Entry] = [
        _Entry("cell", _group_label(by, key), int(v), row=r)
        for r, (key, v) in enumerate(zip(keys, counts, strict=True))
    ]
    n_cells = len(entries)
    equations: list[_Equation] = []
    margin_rows: list[tuple[str, Hashable, int]] = []  # (level, group, entry index)

    if grand_shown:
        members = list(range(n_cells))
        if explicit_total is not None:
            rest = explicit_total - int(counts.sum())
            if rest < 0:
                raise InputError(
                    f"total={explicit_total} is smaller than the sum of {count_col!r} "
                    f"({int(counts.sum())}); pass the published total or total=True"
                )
            entries.append(_Entry("hidden", "the groups outside the table", rest, suppressed=True))
            members.append(len(entries) - 1)
        entries.append(_Entry("margin", "total", sum(entries[m].value for m in members)))
        equations.append(_Equation(len(entries) - 1, members))
        margin_rows.append(("total", "total", len(entries) - 1))
    for lev in levels:
        li = by.index(lev)
        groups: dict[Hashable, list[int]] = {}
        for r, key in enumerate(keys):
            groups.setdefault(key[li], []).append(r)
        for g, members in groups.items():
            entries.append(
                _Entry("margin", f"{lev}={g} total", int(sum(counts[m] for m in members)))
            )
            equations.append(_Equation(len(entries) - 1, members))
            margin_rows.append((lev, g, len(entries) - 1))

    for x in entries:
        if x.kind != "margin" and 0 < x.value < k:
            x.sensitive = True
            if x.kind == "cell":
                x.suppressed, x.reason = True, f"primary: n < {k}"
        elif x.kind == "margin" and 0 < x.value < k:
            x.suppressed, x.sensitive, x.reason = True, True, f"primary: n < {k}"
    if previous is not None:
        before = _previous_shown(previous, by, count_col, k)
        for key, x in zip(keys, entries[:n_cells], strict=True):
            if x.suppressed or key not in before:
                continue
            change = abs(x.value - before[key])
            if 0 < change < k:
                x.suppressed, x.sensitive = True, True
                x.reason = f"previous: n changed by {change} since the previous period"

    _Suppressor(entries, equations, k).run()

    mask = np.array([x.suppressed for x in entries[:n_cells]], dtype=bool)
    out = base.copy()
    value_cols = [c for c in out.columns if c not in by]
    out[count_col] = pd.array(counts, dtype="Int64")
    for c in value_cols:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):
            col = col.astype("boolean" if pd.api.types.is_bool_dtype(col) else "Int64")
        elif not pd.api.types.is_numeric_dtype(col):
            col = col.astype(object)
        out[c] = col.mask(mask)
    out["suppressed"] = mask
    out["suppression_reason"] = [x.reason for x in entries[:n_cells]]
    # plain records, not a frame: pandas compares attrs with == when frames are merged
    # or concatenated, and a frame there makes every later merge fail
    out.attrs["margins"] = [
        {
            "level": lev,
            "group": g,
            count_col: entries[i].value if not entries[i].suppressed else None,
            "suppressed": entries[i].suppressed,
            "suppression_reason": entries[i].reason,
        }
        for lev, g, i in margin_rows
    ]
    out.attrs["count_col"] = count_col
    return out


def margins(table: pd.DataFrame) -> pd.DataFrame:
    """The margins (totals, subtotals) of a table made by :func:`suppress`, with their suppression.

    Returns
    -------
    DataFrame
        ``level, group, <count_col>, suppressed, suppression_reason``: show only
        the rows with ``suppressed == False``.

    Examples
    --------
    >>> t = suppress(pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]}), by="unit")
    >>> margins(t)[["level", "n", "suppressed"]]
       level     n  suppressed
    0  total  55       False
    """
    if "margins" not in table.attrs:
        raise InputError("margins(): the table was not made by suppress(); pass suppress()'s output")
    count_col = table.attrs.get("count_col", "n")
    columns = ["level", "group", count_col, "suppressed", "suppression_reason"]
    return pd.DataFrame(table.attrs["margins"], columns=columns)


# --------------------------------------------------------------------------- guard

#: Column names (after folding case and punctuation to ``_``) that identify a person.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset(
    {
        "id",
        "respondent",
        "respondent_id",
        "respondentid",
        "resp_id",
        "employee",
        "employee_id",
        "employeeid",
        "emp_id",
        "person",
        "person_id",
        "personal_id",
        "customer_id",
        "customerid",
        "user",
        "user_id",
        "userid",
        "username",
        "login",
        "email",
        "e_mail",
        "email_address",
        "mail",
        "name",
        "first_name",
        "last_name",
        "full_name",
        "firstname",
        "lastname",
        "surname",
        "ssn",
        "hetu",
        "henkilotunnus",
        "henkilötunnus",
        "personnummer",
        "personal_identity_code",
        "social_security_number",
        "pseudonym",
        "pseudo_id",
        "phone",
        "phone_number",
        "mobile",
        "address",
        "ip",
        "ip_address",
        "birth_date",
        "date_of_birth",
        "dob",
        "nimi",
        "sahkoposti",
        "sähköposti",
        "namn",
        "token",
        "response_id",
        "responseid",
    }
)
_ID_SUBSTRINGS = ("email", "e_mail", "hetu", "ssn", "pseudonym", "personnummer", "phone")
_PSEUDONYM_VALUE = re.compile(r"^[A-Za-z]{0,3}[0-9a-f]{16,64}$")
_EMAIL_VALUE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def _fold(name: Any) -> str:
    return re.sub(r"[^0-9a-zäöå]+", "_", str(name).casefold()).strip("_")


def _id_like(name: Any, extra: set[str]) -> bool:
    folded = _fold(name)
    if folded in IDENTIFIER_COLUMNS or folded in extra or str(name) in extra:
        return True
    return any(s in folded for s in _ID_SUBSTRINGS)


def guard(
    obj: pd.DataFrame | pd.Series,
    *,
    min_group_size: int = config.MIN_GROUP_SIZE,
    count_col: str = "n",
    id_columns: Iterable[str] | None = None,
) -> pd.DataFrame | pd.Series:
    """Refuse anything that would show a respondent or a small group; else return it unchanged.

    Call it on every table, and on the data behind every figure, before display:
    ``display(guard(table))``.

    Parameters
    ----------
    obj : DataFrame, Series or pandas Styler
        What is about to be shown. For a matplotlib figure, pass the DataFrame
        the figure is drawn from (a Figure itself cannot be inspected and is refused).
    min_group_size : int
        The anonymity threshold (default 5).
    count_col : str
        The column (or Series name) holding group sizes (default ``"n"``).
    id_columns : iterable of str, optional
        More column names to treat as identifiers, on top of :data:`IDENTIFIER_COLUMNS`.

    Returns
    -------
    The same object, unchanged, when it is safe.

    Raises
    ------
    PrivacyError
        One sentence naming the column or row that would disclose someone.

    Notes
    -----
    Refused:

    * a column, index level or Series name that identifies people: the names in
      :data:`IDENTIFIER_COLUMNS` (compared after folding case and punctuation to
      ``_``), names containing ``email``, ``hetu``, ``ssn``, ``pseudonym``,
      ``personnummer`` or ``phone``, and the names in ``id_columns``;
    * a text column whose values look like pseudonyms (``P`` + 16-64 hex digits)
      or e-mail addresses;
    * a count column value ``0 < n < min_group_size`` in a row not marked
      ``suppressed`` by :func:`suppress` (these are respondent-level or small-group rows).

    Without a count column, group sizes cannot be checked: tables of group
    statistics should keep their ``n`` column (and pass through :func:`suppress`).

    Examples
    --------
    >>> safe = pd.DataFrame({"unit": ["A", "B"], "n": [12, 30], "ex_mean": [3.4, 3.9]})
    >>> guard(safe) is safe
    True
    >>> import satisfaction as sat
    >>> guard(sat.load_sample().pulse)
    Traceback (most recent call last):
    ...
    satisfaction.errors.PrivacyError: column 'respondent_id' identifies respondents; aggregate ...
    >>> guard(pd.DataFrame({"respondent_id": [1, 2], "ex1": [4, 5]}))
    Traceback (most recent call last):
    ...
    satisfaction.errors.PrivacyError: column 'respondent_id' identifies respondents; aggregate ...
    """
    extra = {str(c) for c in (id_columns or ())} | {_fold(c) for c in (id_columns or ())}
    target = obj
    if hasattr(obj, "data") and type(obj).__name__ == "Styler":
        target = obj.data
    if type(obj).__module__.startswith("matplotlib"):
        raise PrivacyError(
            f"guard() cannot inspect a matplotlib {type(obj).__name__}; call guard() on the "
            "DataFrame the figure is drawn from before plotting it"
        )
    if isinstance(target, pd.Series):
        frame = target.to_frame(name=target.name if target.name is not None else "value")
    elif isinstance(target, pd.DataFrame):
        frame = target
    else:
        raise PrivacyError(
            f"guard() checks DataFrames and Series, got {type(obj).__name__}; "
            "guard the DataFrame it was made from"
        )
    names = [("column", c) for c in frame.columns]
    if isinstance(frame.columns, pd.MultiIndex):
        names = [("column", c) for tup in frame.columns for c in tup]
    names += [("index level", n) for n in frame.index.names if n is not None]
    for what, name in names:
        if _id_like(name, extra):
            raise PrivacyError(
                f"{what} {name!r} identifies respondents; aggregate to groups and drop "
                "identifier columns before display"
            )
    for c in frame.columns:
        col = frame[c]
        if isinstance(col, pd.DataFrame) or pd.api.types.is_numeric_dtype(col):
            continue
        text = col.dropna().astype(str)
        if text.empty:
            continue
        for pattern, kind in ((_PSEUDONYM_VALUE, "pseudonyms"), (_EMAIL_VALUE, "e-mail addresses")):
            hits = text.str.match(pattern)
            if hits.mean() > 0.5:
                raise PrivacyError(
                    f"column {c!r} holds {kind} (e.g. row {text.index[hits.to_numpy()][0]!r}); "
                    "drop identifiers before display"
                )
    if count_col in frame.columns and not isinstance(frame[count_col], pd.DataFrame):
        n = pd.to_numeric(frame[count_col], errors="coerce")
        small = (n > 0) & (n < min_group_size)
        if "suppressed" in frame.columns:
            small &= ~frame["suppressed"].fillna(False).astype(bool)
        small = small.fillna(False).astype(bool)
        if small.any():
            pos = int(np.flatnonzero(small.to_numpy())[0])
            label = frame.index[pos]
            raise PrivacyError(
                f"row {label!r} has {count_col}={n.iloc[pos]:g}, below min_group_size="
                f"{min_group_size}; pass the table through satisfaction.suppress() first"
            )
    return obj

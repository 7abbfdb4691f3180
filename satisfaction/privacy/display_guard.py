"""The report guard: refuse identifiers and unsuppressed small groups before display."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from ..errors import PrivacyError
from ..options import check_option

__all__ = ["guard", "IDENTIFIER_COLUMNS"]

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
    count_col: str | None = None,
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
    count_col : str, optional
        The column (or Series name) holding group sizes. By default ``"n"`` when
        there is such a column; a name given explicitly must be a column (else
        :class:`~satisfaction.errors.OptionError` lists the columns).
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
    if count_col is None:
        count_col = "n"
    else:
        check_option(count_col, [str(c) for c in frame.columns], "count_col", "guard", case=True)
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

"""Cells that hold no answer but are not empty: Excel error values and spelled-out missing values.

An export can say "no value" in three ways, and each is kept apart:

* an **empty cell** (nothing between the separators, no cell in the sheet): the
  respondent skipped the question. :func:`~satisfaction.io.read_export` reads it
  as missing and :func:`~satisfaction.cleaning.clean` counts it as ``skipped``;
  nothing changed, so nothing is logged per value.
* an **Excel error** (``#DIV/0!``, ``#VALUE!``, ``#N/A`` ... in English, Finnish or
  Swedish Excel): a formula failed. :func:`read_export` keeps the code as text
  (in XLSX too, where pandas would silently make it blank) and :func:`clean`
  sets it missing with rule ``excel_error`` and the error's meaning as reason.
  ``#N/A`` is an Excel error, so it is logged as one.
* a **missing spelling** (``NA``, ``N/A``, ``NaN``, ``nan``, ``NULL``, ``None``,
  ``-``, a cell of spaces ...): another program wrote "no value" as text.
  :func:`clean` sets it missing with rule ``missing_spelling`` ("missing by
  spelling"). It is not a skip (someone or something wrote it) and not a
  don't-know answer (``N/A`` is on this list rather than a don't-know: it is
  what R, SPSS and survey tools write for a missing value).

Matching ignores case and surrounding spaces.

Examples
--------
>>> spelling_kind("#DIV/0!"), spelling_kind(" n/a "), spelling_kind("Eos"), spelling_kind("   ")
('excel_error', 'missing_spelling', None, 'missing_spelling')
>>> EXCEL_ERRORS["#JAKO/0!"]
'division by zero'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EXCEL_ERRORS",
    "MISSING_SPELLINGS",
    "SPELLING_RULES",
    "spelling_kind",
    "excel_error_code",
]

_MEANINGS = {
    "#NULL!": "ranges that do not intersect",
    "#DIV/0!": "division by zero",
    "#VALUE!": "wrong type of value in a formula",
    "#REF!": "reference to a deleted cell",
    "#NAME?": "unknown function or name in a formula",
    "#NUM!": "invalid number",
    "#N/A": "value not available",
    "#GETTING_DATA": "value still loading",
    "#SPILL!": "formula result has no room to spill",
    "#CALC!": "calculation error",
    "#FIELD!": "unknown field of a linked data type",
    "#BLOCKED!": "blocked external content",
    "#CONNECT!": "no connection to a data source",
    "#BUSY!": "value still calculating",
    "#UNKNOWN!": "data type not supported",
    "#EXTERNAL!": "error in an external source",
    "#PYTHON!": "error in a Python formula",
}
_FINNISH = {
    "#TYHJÄ!": "#NULL!",
    "#JAKO/0!": "#DIV/0!",
    "#ARVO!": "#VALUE!",
    "#VIITTAUS!": "#REF!",
    "#NIMI?": "#NAME?",
    "#LUKU!": "#NUM!",
    "#PUUTTUU!": "#N/A",
}
_SWEDISH = {
    "#SKÄRNING!": "#NULL!",
    "#DIVISION/0!": "#DIV/0!",
    "#VÄRDEFEL!": "#VALUE!",
    "#REFERENS!": "#REF!",
    "#NAMN?": "#NAME?",
    "#OGILTIGT!": "#NUM!",
    "#SAKNAS!": "#N/A",
}

#: Excel error value (English, Finnish and Swedish Excel) -> what it means.
EXCEL_ERRORS: dict[str, str] = {
    **_MEANINGS,
    **{local: _MEANINGS[code] for local, code in {**_FINNISH, **_SWEDISH}.items()},
}

#: Text that other programs write for "no value" (pandas' list, plus ``-``); a cell
#: holding only spaces is one too.
MISSING_SPELLINGS: tuple[str, ...] = (
    "NA",
    "N/A",
    "n/a",
    "NaN",
    "nan",
    "-NaN",
    "-nan",
    "NULL",
    "null",
    "None",
    "<NA>",
    "#NA",
    "#N/A N/A",
    "-1.#IND",
    "-1.#QNAN",
    "1.#IND",
    "1.#QNAN",
    "-",
    "--",
)

#: Rule names of the two kinds, as :func:`~satisfaction.cleaning.clean` logs them.
SPELLING_RULES = ("excel_error", "missing_spelling")

_ERROR_KEYS = {code.casefold(): code for code in EXCEL_ERRORS}
_MISSING_KEYS = {s.casefold() for s in MISSING_SPELLINGS}


def spelling_kind(value: Any) -> str | None:
    """``"excel_error"``, ``"missing_spelling"`` or ``None`` (an answer, a number or empty).

    Parameters
    ----------
    value : object
        A cell as read. Only text can be either kind; the empty string is a
        skipped cell (``None``).
    """
    if not isinstance(value, str) or not value:
        return None
    key = value.strip().casefold()
    if not key:
        return "missing_spelling"
    if key in _ERROR_KEYS:
        return "excel_error"
    if key in _MISSING_KEYS:
        return "missing_spelling"
    return None


def excel_error_code(value: str) -> str:
    """The canonical spelling of an Excel error text (``"#div/0!"`` -> ``"#DIV/0!"``)."""
    return _ERROR_KEYS[value.strip().casefold()]

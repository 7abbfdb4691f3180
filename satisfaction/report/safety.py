"""Safe output: every string that comes from data is neutralised where it is rendered.

Unit names, labels and item texts come from exports that anyone can type into.
This module holds the few escapes the report path needs, one per medium:

* HTML (page text, tables, the index): :func:`html_text`;
* Markdown (a notebook's ``display(Markdown(...))``): :func:`markdown_text`;
* spreadsheet cells (CSV/XLSX next to the reports): :func:`spreadsheet_cell` and
  :func:`spreadsheet_frame` neutralise cells that a spreadsheet would run as a
  formula (those starting with ``= + - @``, a tab or a carriage return);
* file names: :func:`unit_slug` gives each unit a bounded, ASCII slug with a stable
  id taken from a hash of the unit's name, so two names that slugify alike never
  share a file, and the same unit keeps its file from one quarter to the next.

Figures turn mathtext off (``text.parse_math``) in :mod:`satisfaction.plots`, so
a ``$`` in a unit name is drawn as it is. These are written here, not taken from
a library, because each is a line or two and none of the libraries in use
offers them for this purpose (``html.escape`` is used for the HTML itself).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from typing import Any

import pandas as pd

__all__ = [
    "NO_NAME",
    "FORMULA_PREFIXES",
    "SLUG_MAX",
    "unit_label",
    "unit_id",
    "unit_slug",
    "slugify",
    "html_text",
    "markdown_text",
    "spreadsheet_cell",
    "spreadsheet_frame",
]

#: How a unit whose name cell is empty is shown.
NO_NAME = "(unit with no name)"
#: Cell starts a spreadsheet reads as a formula (OWASP's CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: The longest slug part of a file name, in characters (the stable id comes on top).
SLUG_MAX = 40

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def unit_label(value: Any) -> str:
    """The unit as shown: its name as text, or :data:`NO_NAME` when empty.

    Numbers and codes are shown as written (``101`` -> ``"101"``, ``101.0`` -> ``"101"``).

    >>> unit_label(101.0), unit_label(None), unit_label("  Helpdesk ")
    ('101', '(unit with no name)', 'Helpdesk')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NO_NAME
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or NO_NAME


def unit_id(label: str) -> str:
    """A stable 10-hex-digit id of a unit label (SHA-256), the same in every run.

    >>> unit_id("Helpdesk")
    '3f1d2cfadd'
    """
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:10]


def slugify(name: str) -> str:
    """A lower-case ASCII slug of a name, at most :data:`SLUG_MAX` characters.

    >>> slugify("Tietohallinto / Pääkaupunkiseutu")
    'tietohallinto-paakaupunkiseutu'
    """
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return slug[:SLUG_MAX].strip("-") or "unit"


def unit_slug(label: str) -> str:
    """The file stem of a unit's report: ``unit-<slug>-<stable id>``.

    Two names that slugify alike keep different files, the stem is never longer
    than ``5 + SLUG_MAX + 11`` characters, and it holds only ``a-z 0-9 -``.

    >>> unit_slug("Payroll Services")
    'unit-payroll-services-14b2a8b215'
    >>> unit_slug("Payroll services!") != unit_slug("Payroll Services")
    True
    """
    return f"unit-{slugify(label)}-{unit_id(label)}"


def html_text(value: Any) -> str:
    """Text for HTML: ``& < > " '`` escaped.

    >>> html_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def markdown_text(value: Any) -> str:
    """Text for a Markdown cell or ``display(Markdown(...))``: literal, never markup.

    Markdown punctuation (including ``$``, which starts maths) is backslash-escaped
    and HTML is escaped, so a unit name never becomes a link, a heading, maths or a tag.

    >>> markdown_text("*R&D* <b>$5</b>")
    '\\\\*R&amp;D\\\\* &lt;b&gt;\\\\$5&lt;/b&gt;'
    """
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", str(value).replace("\n", " ").replace("\r", " "))
    return html.escape(text, quote=False)


def spreadsheet_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: strings starting with ``= + - @``, tab or CR get a ``'``.

    Numbers are left alone (a negative number is not a formula).

    >>> spreadsheet_cell("=HYPERLINK(1)"), spreadsheet_cell(-1.5), spreadsheet_cell("ok")
    ("'=HYPERLINK(1)", -1.5, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names pass :func:`spreadsheet_cell`.

    >>> spreadsheet_frame(pd.DataFrame({"unit": ["=1+1", "A"], "n": [5, 6]}))["unit"].tolist()
    ["'=1+1", 'A']
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(spreadsheet_cell)
    out.columns = [spreadsheet_cell(str(c)) for c in out.columns]
    return out

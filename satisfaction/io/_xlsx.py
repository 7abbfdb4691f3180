"""The XLSX reader: choose the sheet, check its header, read it.

pandas (with calamine or openpyxl) reads an Excel error cell (``#DIV/0!``) as a
blank, which cleaning would count as a skipped answer. So the sheet's XML is
searched for error cells (``t="e"``) and their codes are put back as text, for
:func:`~satisfaction.cleaning.clean` to log. Neither engine reports them through
pandas; reading the few error cells from the XML costs one pass of a regular
expression over the sheet, and nothing when it has none.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from ._common import META_COLUMNS, _fail, _item_keys, _key
from ._sniff import _NUMBER, _looks_like_data
from .spellings import spelling_kind

__all__ = ["_read_xlsx", "_xlsx_engine"]

_ERROR_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?\bt=[\"']e[\"'][^>]*)>(.*?)</(?:\w+:)?c>", flags=re.DOTALL
)
_CELL_REF = re.compile(rb"\br=[\"']([A-Z]+)(\d+)[\"']")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")


def _local(name: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return name.rsplit("}", 1)[-1]


def _sheet_xml(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The path inside the workbook of the XML of ``sheet``."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    # local names only: transitional and strict OOXML use different namespaces
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"
    }
    for node in workbook.iter():
        if _local(node.tag) == "sheet" and node.get("name") == sheet:
            rid = next((v for k, v in node.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target)) if target else None
    return None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _error_cells(path: Path, sheet: str) -> list[tuple[int, int, str]]:
    """(spreadsheet row, 0-based column, error code) of every error cell of ``sheet``."""
    try:
        with zipfile.ZipFile(path) as book:
            name = _sheet_xml(book, sheet)
            if name is None:
                return []
            xml = book.read(name)
    except (OSError, KeyError, zipfile.BadZipFile):
        return []
    if b't="e"' not in xml and b"t='e'" not in xml:
        return []
    found = []
    for m in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(m.group(1))
        value = _VALUE.search(m.group(2))
        if ref is None or value is None:
            continue
        code = value.group(1).decode("utf-8", errors="replace").strip()
        if code:
            found.append((int(ref.group(2)), _column_number(ref.group(1)), code))
    return found


def _put_errors(data: pd.DataFrame, errors: list[tuple[int, int, str]]) -> int:
    """Write the error codes into the frame (data row = spreadsheet row - 2); return how many."""
    placed = 0
    for row, col, code in errors:
        i = row - 2
        if not (0 <= i < len(data) and 0 <= col < data.shape[1]):
            continue
        name = data.columns[col]
        if data[name].dtype != object:
            data[name] = data[name].astype(object)
        if pd.isna(data.iat[i, col]):
            data.iat[i, col] = code
            placed += 1
    return placed


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _numbers_from_text(data: pd.DataFrame) -> list[str]:
    """Text cells holding decimal numbers (``"120,5"``) -> numbers, as the CSV reader reads them.

    Only in columns where every other cell is a number, a numeric text, empty, an
    Excel error or a missing spelling, where at least one text has a decimal mark
    (integer texts alone stay as they are: ``"123"`` may be an id) and no text has
    a leading zero (``"00123"`` is an id).
    """
    changed = []
    for name in data.columns:
        s = data[name]
        if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
            continue
        convert: dict[str, float] = {}
        fraction = True
        for v in pd.unique(s.dropna().to_numpy(dtype=object)):
            if _is_number(v) or (isinstance(v, str) and spelling_kind(v) is not None):
                continue
            t = v.strip() if isinstance(v, str) else None
            if t is None or not _NUMBER.match(t) or _LEADING_ZERO.match(t):
                fraction = False
                break
            convert[v] = float(t.replace(",", "."))
        if not fraction or not any("," in t or "." in t for t in convert):
            continue
        out = s.map(lambda v, c=convert: c.get(v, v) if isinstance(v, str) else v).astype(object)
        if all(_is_number(v) for v in out.dropna()):
            out = out.astype(float)
        data[name] = out
        changed.append(str(name))
    return changed


def _xlsx_engine() -> str:
    """``"calamine"`` when python-calamine is installed (about 10x faster), else ``"openpyxl"``."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    return "calamine"


def _open_book(path: Path) -> pd.ExcelFile:
    """The workbook, opened with calamine when it can; openpyxl otherwise and for its errors."""
    if _xlsx_engine() == "calamine":
        try:
            return pd.ExcelFile(path, engine="calamine")
        except Exception:  # openpyxl opens it again and words the error as before
            pass
    try:
        return pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # zip or XML errors from openpyxl
        raise _fail(
            path,
            f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx",
        ) from None


def _read_xlsx(path: Path, instrument, sheet, items_hint):
    book = _open_book(path)
    notes: list[str] = []
    with book:
        sheets = list(book.sheet_names)
        wanted = _item_keys(instrument, items_hint)

        def header_of(name):
            top = pd.read_excel(book, sheet_name=name, header=None, nrows=1)
            return [] if top.empty else [c for c in top.iloc[0].tolist()]

        if sheet is not None:
            if isinstance(sheet, int):
                if not 0 <= sheet < len(sheets):
                    raise _fail(
                        path,
                        f"has no sheet number {sheet} (it has {len(sheets)})",
                        f"pass one of the sheet names: {', '.join(sheets)}",
                    )
                chosen = sheets[sheet]
            elif sheet not in sheets:
                raise _fail(
                    path,
                    f"has no sheet {sheet!r}",
                    f"pass one of its sheets: {', '.join(map(repr, sheets))}",
                )
            else:
                chosen = sheet
            header = header_of(chosen)
        else:
            chosen = sheets[0]
            header = header_of(chosen)
            has_items = any(_key(c) in wanted for c in header)
            if not header or (wanted and not has_items):
                others = {s: header_of(s) for s in sheets[1:]}
                with_items = [s for s, h in others.items() if any(_key(c) in wanted for c in h)]
                non_empty = [s for s, h in others.items() if h]
                if not header:
                    pick = with_items if wanted else non_empty
                    if len(pick) == 1:
                        notes.append(f"the first sheet {chosen!r} is empty; read sheet {pick[0]!r}")
                        chosen = pick[0]
                        header = others[chosen]
                    else:
                        raise _fail(
                            path,
                            f"its first sheet {chosen!r} is empty"
                            + (
                                f" and several sheets hold data ({', '.join(map(repr, pick))})"
                                if pick
                                else " and no other sheet holds the items"
                            ),
                            "pass sheet='<name>' to say which sheet holds the answers",
                        )
                elif with_items:
                    raise _fail(
                        path,
                        f"the first sheet {chosen!r} has no item columns; the answers seem to be "
                        f"on sheet {with_items[0]!r}",
                        f"pass sheet={with_items[0]!r}",
                    )
        if not header:
            raise _fail(
                path,
                f"sheet {chosen!r} is empty",
                "pass sheet='<name>' of the sheet with the answers",
            )
        sample = _looks_like_data(header)
        if sample is not None and not any(
            _key(c) in wanted | {_key(m) for m in META_COLUMNS} for c in header
        ):
            raise _fail(
                path,
                f"the first row looks like data, not a header (it holds {sample!r})",
                "add a header row with the column names (respondent_id, lq1, ...)",
                row=1,
                sheet=chosen,
            )
        names = ["" if pd.isna(c) else str(c).strip() for c in header]
        for n in names:
            if n and names.count(n) > 1:
                raise _fail(
                    path,
                    f"the column name {n!r} appears {names.count(n)} times in the header",
                    "rename or delete the duplicate column",
                    row=1,
                    column=n,
                    sheet=chosen,
                )
        data = pd.read_excel(book, sheet_name=chosen, header=0)
    errors = _error_cells(path, chosen)
    if errors:
        placed = _put_errors(data, errors)
        if placed:
            notes.append(f"kept {placed} Excel error cell(s) (#DIV/0!, ...) as text for cleaning")
    data.columns = [str(c).strip() for c in data.columns]
    unnamed = [c for c in data.columns if c.startswith("Unnamed:")]
    for c in unnamed:
        if data[c].isna().all():
            data = data.drop(columns=c)
        else:
            raise _fail(
                path,
                "a column has values but no name in the header",
                "give every column a name in the header row",
                row=1,
                column=c,
                sheet=chosen,
            )
    if not len(data):
        raise _fail(
            path,
            f"sheet {chosen!r} has a header but no data rows",
            "export the survey again with its answers",
        )
    numeric = _numbers_from_text(data)
    if numeric:
        notes.append(f"read numbers stored as text as numbers in: {', '.join(numeric)}")
    lines = np.arange(2, len(data) + 2, dtype=np.int64)  # the header is spreadsheet row 1
    return data, dict(sheet=chosen, notes=notes, header_row=1, lines=lines, unit="row")

"""The XLSX reader: choose the sheet, check its header, read it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._common import META_COLUMNS, _fail, _item_keys, _key
from ._sniff import _looks_like_data

__all__ = ["_read_xlsx", "_xlsx_engine"]


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
                f"the first row of sheet {chosen!r} looks like data, not a header "
                f"(it holds {sample!r})",
                "add a header row with the column names (respondent_id, lq1, ...)",
                row=1,
            )
        names = ["" if pd.isna(c) else str(c).strip() for c in header]
        for n in names:
            if n and names.count(n) > 1:
                raise _fail(
                    path,
                    f"sheet {chosen!r}: the column name {n!r} appears "
                    f"{names.count(n)} times in the header",
                    "rename or delete the duplicate column",
                    row=1,
                    column=n,
                )
        data = pd.read_excel(book, sheet_name=chosen, header=0)
    data.columns = [str(c).strip() for c in data.columns]
    unnamed = [c for c in data.columns if c.startswith("Unnamed:")]
    for c in unnamed:
        if data[c].isna().all():
            data = data.drop(columns=c)
        else:
            raise _fail(
                path,
                f"sheet {chosen!r}: a column has values but no name in the header",
                "give every column a name in the header row",
                row=1,
                column=c,
            )
    if not len(data):
        raise _fail(
            path,
            f"sheet {chosen!r} has a header but no data rows",
            "export the survey again with its answers",
        )
    return data, dict(sheet=chosen, notes=notes, header_row=1)

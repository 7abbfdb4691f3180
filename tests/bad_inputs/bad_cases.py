"""What each file in ``tests/bad_inputs/`` must give: one clear error, or a logged repair.

A :class:`Case` reads ``file`` with ``read_export(path, default_instrument(), **read)``
and, when ``clean`` is not ``None``, cleans it with ``clean(data, instrument, **clean)``.

* ``error``: (exception name, regex) expected from the read, or from the clean if
  ``stage == "clean"``; ``where`` lists text the message must also contain (the
  file name is always required for read errors; a column or ``row N``).
* ``check``: called as ``check(export, cleaned)`` for a repair; it asserts what was
  detected, repaired and logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "CASES"]


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    read: dict[str, Any] = field(default_factory=dict)
    clean: dict[str, Any] | None = field(default_factory=dict)
    error: tuple[str, str] | None = None
    stage: str = "read"
    where: tuple[str, ...] = ()
    check: Callable[[Any, Any], None] | None = None


def _n(cleaned, rule: str, column: str | None = None) -> int:
    s = cleaned.summary
    mask = s["rule"] == rule
    if column is not None:
        mask &= s["column"] == column
    return int(s.loc[mask, "n"].sum())


def _clean_read(ex, cl, rows=8):
    assert ex.report.n_rows == rows, ex.report
    assert not ex.report.missing and ex.report.items[:4] == ("lq1", "lq2", "lq3", "lq4")
    assert _n(cl, "unknown_label") == 0
    assert cl.data["lq1"].notna().sum() >= rows - 1


def _missing_ignored(ex, cl):
    assert ex.report.missing == ("ex3",) and "ex3" not in cl.data.columns
    assert ex.report.n_rows == 8 and cl.data["ex4"].notna().all()


def _cp1252(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.encoding == "cp1252" and ex.report.sep == ";"
    assert "Hälytyskeskus" in set(ex.data["unit"]) and "Tietoturva Åbo" in set(ex.data["unit"])


def _utf8_bom(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.encoding == "utf-8-sig"
    assert ex.data.columns[0] == "respondent_id"
    assert "Hälytyskeskus" in set(ex.data["unit"])


def _bom_forced(ex, cl):
    _clean_read(ex, cl)
    assert ex.data.columns[0] == "respondent_id" and "Hälytyskeskus" in set(ex.data["unit"])
    assert any("byte-order mark" in n for n in ex.report.notes)


def _utf16(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.encoding == "utf-16" and ex.report.sep == "\t"
    assert "Tietoturva Åbo" in set(ex.data["unit"])


def _tab(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.sep == "\t" and ex.report.encoding == "utf-8"


def _comma(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.sep == "," and ex.report.decimal == "."


def _sep_line(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.skipped_lines == 1 and ex.report.sep == ";"


def _trailing(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.blank_rows == 1


def _decimal(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.decimal == ","
    assert ex.data["duration_s"].iloc[0] == 95.5
    assert ex.data["lq1"].dtype.kind == "f" and set(ex.data["lq1"]) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def _quoted(ex, cl):
    _clean_read(ex, cl)
    assert ex.data["unit"].iloc[1] == "Talous; hallinto"
    assert ex.data["unit"].iloc[2] == 'Hallinto "HR"'


def _extra(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.unmatched == ("comment", "browser")
    assert "comment" in cl.data.columns and cl.data["comment"].iloc[0] == "hyvä työpaikka"


def _messy_header(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.renamed[" Respondent_ID"] == "respondent_id"
    assert ex.report.renamed["LQ2"] == "lq2" and ex.report.renamed[" lq1 "] == "lq1"
    assert set(ex.report.meta) == {"respondent_id", "unit", "period", "submitted_at", "duration_s"}


def _renamed(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.renamed["Q1"] == "lq1" and ex.report.renamed["Q11"] == "stay"


def _mixed(ex, cl):
    _clean_read(ex, cl)
    assert cl.data["lq1"].notna().all() and set(cl.data["lq1"]) <= {2.0, 3.0, 4.0, 5.0}


def _unknown_missing(ex, cl):
    assert _n(cl, "unknown_label", "ex1") == 3
    log = cl.log[cl.log["rule"] == "unknown_label"]
    assert sorted(log["old"].astype(str)) == ["Kyllä", "Kyllä", "maybe"]
    assert sorted(log["respondent"]) == ["E002", "E005", "E007"]
    assert cl.data.loc[[1, 4, 6], "ex1"].isna().all()


def _out_of_range(ex, cl):
    assert _n(cl, "out_of_range", "lq1") == 1 and _n(cl, "out_of_range", "enps") == 1
    log = cl.log[cl.log["rule"] == "out_of_range"].set_index("column")
    assert log.loc["lq1", "old"] == "7" and log.loc["enps", "old"] == "11"
    assert np.isnan(cl.data.loc[2, "lq1"]) and np.isnan(cl.data.loc[3, "enps"])


def _all_missing(ex, cl):
    assert _n(cl, "all_missing") == 2 and cl.n_out == 6
    assert _n(cl, "dont_know", "lq1") == 1
    dropped = cl.log[cl.log["rule"] == "all_missing"]
    assert dropped["row"].tolist() == [5, 6] and dropped["respondent"].tolist() == ["E006", "E007"]


def _duplicates(ex, cl):
    assert ex.report.n_rows == 10
    assert _n(cl, "duplicate") == 2 and cl.n_out == 8
    log = cl.log[cl.log["rule"] == "duplicate"].sort_values("row")
    # E001 submitted again later (row 8): row 0 goes; E004's extra row 9 is earlier: row 9 goes
    assert log["row"].tolist() == [0, 9]
    assert log["new"].astype(str).tolist() == ["kept row 8 (line 10)", "kept row 3 (line 5)"]
    assert log["line"].tolist() == [2, 11]


def _whitespace(ex, cl):
    _clean_read(ex, cl)
    assert cl.data[["lq1", "lq2", "ex4"]].notna().all().all()


def _languages(ex, cl):
    _clean_read(ex, cl)
    assert cl.data[["lq1", "lq2", "lq3", "ex1", "stay"]].notna().all().all()


def _dont_know(ex, cl):
    assert ex.data["lq4"].iloc[3] == "N/A"  # read as it is: cleaning logs it
    for col in ("lq1", "lq2", "lq3"):
        assert _n(cl, "dont_know", col) == 1
    # "N/A" is a missing spelling (what R and SPSS write), logged, not a don't-know, not a skip
    assert _n(cl, "dont_know", "lq4") == 0 and _n(cl, "missing_spelling", "lq4") == 1
    assert _n(cl, "skipped", "lq1") == 1 and _n(cl, "skipped", "lq2") == 0


def _bad_timestamp(ex, cl):
    """'eilen' ("yesterday") in row 3 of the data (line 5): that row is dropped and logged."""
    log = cl.log[cl.log["rule"] == "bad_timestamp"]
    assert log[["row", "line", "column", "old", "action"]].values.tolist() == [
        [3, 5, "submitted_at", "eilen", "drop"]
    ]
    reason = str(log["reason"].iloc[0])
    assert "bad_timestamp.csv', line 5: 'eilen' is not a date and time" in reason, reason
    assert cl.n_out == 7 and 3 not in cl.data.index and _n(cl, "bad_timestamp") == 1


_CODES = ["#DIV/0!", "#VALUE!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"]
_ITEMS9 = ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5"]


def _excel_errors(ex, cl):
    """Each error code is logged on its own item with its own reason; none counts as a skip."""
    log = cl.log[cl.log["rule"] == "excel_error"]
    got = {(c, o) for c, o in zip(log["column"].astype(str), log["old"].astype(str), strict=True)}
    want = set(zip(_ITEMS9, _CODES, strict=True)) | {("duration_s", "#VALUE!"), ("ex2", "#JAKO/0!")}
    assert got == want, got
    reasons = dict(zip(log["old"].astype(str), log["reason"].astype(str), strict=False))
    assert reasons["#DIV/0!"] == "Excel error #DIV/0! (division by zero) set to missing"
    assert reasons["#JAKO/0!"] == "Excel error #JAKO/0! (division by zero) set to missing"
    assert reasons["#N/A"] == "Excel error #N/A (value not available) set to missing"
    assert len(set(reasons.values())) == 10  # #VALUE! twice, with one reason
    assert _n(cl, "skipped") == 0 and _n(cl, "excel_error") == 11
    assert _n(cl, "excel_error", "lq1") == 1 and _n(cl, "unknown_label") == 0
    assert cl.n_out == 8 and cl.data["lq1"].isna().sum() == 1
    assert log.loc[log["column"] == "lq1", "line"].tolist() == [2]  # row E001, line 2


def _excel_errors_xlsx(ex, cl):
    _excel_errors(ex, cl)
    assert ex.report.format == "xlsx"
    assert any("Excel error cell" in n for n in ex.report.notes), ex.report.notes
    # "120,5" stored as text in a number column is read as the number 120.5, as in CSV files
    assert ex.data["duration_s"].iloc[1] == 120.5
    assert any("numbers stored as text" in n for n in ex.report.notes)


def _missing_spellings(ex, cl):
    """NA, N/A, NaN, nan, -, NULL, blanks: 'missing by spelling'; #N/A an Excel error; '' a skip."""
    spellings = ["NA", "N/A", "NaN", "nan", "-", "NULL", "#N/A", "   "]
    log = cl.log[cl.log["rule"].isin(["missing_spelling", "excel_error"])].sort_values("row")
    assert log["column"].astype(str).tolist() == _ITEMS9[:8]
    assert log["old"].astype(str).tolist() == spellings
    assert log["line"].tolist() == list(range(2, 10))
    rules = log["rule"].astype(str).tolist()
    assert rules == ["missing_spelling"] * 6 + ["excel_error", "missing_spelling"]
    assert set(log.loc[log["rule"] == "missing_spelling", "reason"].astype(str)) == {
        "missing by spelling: text that means no value, set to missing"
    }
    assert _n(cl, "skipped") == 1 and _n(cl, "skipped", "ex1") == 1  # only the empty cell
    assert _n(cl, "dont_know") == 0 and _n(cl, "unknown_label") == 0
    assert cl.n_out == 8


def _bad_period(ex, cl):
    """'2026-13' in row E005 (line 6): that row is dropped, the run goes on."""
    log = cl.log[cl.log["rule"] == "bad_period"]
    assert log[["row", "line", "respondent", "old"]].values.tolist() == [[4, 6, "E005", "2026-13"]]
    assert "bad_period.csv', line 6: '2026-13' is not a month 'YYYY-MM'" in str(
        log["reason"].iloc[0]
    )
    assert cl.n_out == 7 and _n(cl, "bad_period") == 1


def _multiline(ex, cl):
    """Lines count the sep line, a blank line and the lines inside quoted cells."""
    assert ex.report.n_rows == 8 and ex.data["unit"].iloc[1] == "Talous\r\nja hallinto"
    log = cl.log[cl.log["rule"] == "unknown_label"]
    assert log[["respondent", "line"]].values.tolist() == [["E007", 13]]
    assert cl.log.loc[cl.log["rule"] == "reverse_code", "line"].isna().all()


def _xlsx_ok(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.format == "xlsx" and ex.report.sheet == "responses"


def _empty_first(ex, cl):
    _xlsx_ok(ex, cl)
    assert any("empty" in n for n in ex.report.notes)


def _parquet_text(ex, cl):
    _clean_read(ex, cl)
    assert ex.report.format == "parquet" and cl.data["lq1"].dtype == np.float64


ENC = "encoding"
CASES: list[Case] = [
    # --- empty / header ----------------------------------------------------------------------
    Case("empty", "empty.csv", error=("InputError", r"is empty \(0 bytes\)")),
    Case("whitespace_only", "whitespace_only.csv", error=("InputError", r"is empty")),
    Case("header_only", "header_only.csv", error=("InputError", r"header but no data rows")),
    Case(
        "no_header",
        "no_header.csv",
        error=("InputError", r"first row looks like data.*add a header row"),
        where=("line 1",),
    ),
    # --- dialect and encoding ------------------------------------------------------------------
    Case("cp1252_finnish", "semicolon_cp1252.csv", check=_cp1252),
    Case(
        "wrong_delimiter",
        "semicolon_cp1252.csv",
        read={"sep": ","},
        error=("InputError", r"separated by ';'.*pass sep=';'"),
        where=("line 1",),
    ),
    Case(
        "unknown_delimiter",
        "colon_separated.csv",
        error=("InputError", r"separator is not one of.*pass the file's separator"),
        where=("line 1",),
    ),
    Case("utf8_bom", "utf8_bom.csv", check=_utf8_bom),
    Case(
        "bom_cp1252_mix",
        "bom_cp1252_mix.csv",
        error=("InputError", r"byte-order mark but its text is not UTF-8.*encoding='cp1252'"),
        where=("line 2",),
    ),
    Case("bom_cp1252_mix_forced", "bom_cp1252_mix.csv", read={ENC: "cp1252"}, check=_bom_forced),
    Case(
        "wrong_encoding_given",
        "semicolon_cp1252.csv",
        read={ENC: "utf-8"},
        error=("InputError", r"cannot be read as utf-8.*encoding='cp1252'"),
        where=("line 2",),
    ),
    Case(
        "unknown_encoding_name",
        "semicolon_cp1252.csv",
        read={ENC: "klingon"},
        error=("InputError", r"not a known text encoding"),
    ),
    Case("utf16", "utf16_tab.txt", check=_utf16),
    Case("tab_separated", "tab_separated.tsv", check=_tab),
    Case("comma_separated", "comma_utf8.csv", check=_comma),
    Case("excel_sep_line", "excel_sep_line.csv", check=_sep_line),
    Case("trailing_empty_lines", "trailing_empty_lines.csv", check=_trailing),
    Case("decimal_comma", "decimal_comma.csv", check=_decimal),
    Case("quoted_semicolons", "quoted_semicolons.csv", check=_quoted),
    Case(
        "ragged_row",
        "ragged_row.csv",
        error=("InputError", r"row has 17 fields but the header has 16"),
        where=("line 4",),
    ),
    # --- not CSV at all ----------------------------------------------------------------------
    Case("binary_named_csv", "binary.csv", error=("InputError", r"binary file, not CSV text")),
    Case(
        "xlsx_named_csv",
        "xlsx_named_csv.csv",
        error=("InputError", r"is an XLSX/ZIP file.*rename it to \.xlsx"),
    ),
    Case(
        "text_named_xlsx",
        "text_named_xlsx.xlsx",
        error=("InputError", r"named \.xlsx but is not an Excel workbook"),
    ),
    # --- columns -------------------------------------------------------------------------------
    Case(
        "missing_item",
        "missing_item.csv",
        error=("InputError", r"item column\(s\) ex3 are missing.*columns=\{"),
        where=("'ex3'",),
    ),
    Case(
        "missing_item_ignored",
        "missing_item.csv",
        read={"missing": "ignore"},
        check=_missing_ignored,
    ),
    Case("extra_unknown_columns", "extra_unknown_columns.csv", check=_extra),
    Case(
        "unknown_item_column",
        "unknown_item_column.csv",
        error=("InputError", r"look like items but are not in instrument 'default': lq5"),
        where=("column 'lq5'", "line 1"),
    ),
    Case(
        "duplicated_columns",
        "duplicated_columns.csv",
        error=("InputError", r"'lq2' appears 2 times in the header"),
        where=("column 'lq2'", "line 1"),
    ),
    Case(
        "duplicated_after_normalising",
        "duplicated_after_normalising.csv",
        error=("InputError", r"\('lq1' and ' LQ1 '\) both give the column 'lq1'"),
        where=("column 'lq1'",),
    ),
    Case(
        "duplicated_columns_xlsx",
        "duplicated_columns.xlsx",
        error=("InputError", r"'lq2' appears 2 times"),
        where=("column 'lq2'",),
    ),
    Case("messy_header", "messy_header.csv", check=_messy_header),
    Case(
        "renamed_columns_mapped",
        "renamed_columns.csv",
        read={
            "columns": {
                f"Q{n + 1}": i
                for n, i in enumerate(
                    ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5", "enps", "stay"]
                )
            }
        },
        check=_renamed,
    ),
    Case(
        "mapping_names_absent_column",
        "renamed_columns.csv",
        read={"columns": {"Q99": "lq1"}},
        error=("InputError", r"columns=\{'Q99': 'lq1'\} names a column the file does not have"),
    ),
    Case(
        "no_item_columns",
        "renamed_columns.csv",
        error=("InputError", r"none of its columns .* is an item"),
    ),
    # --- answers -----------------------------------------------------------------------------
    Case("mixed_numbers_and_labels", "mixed_numbers_and_labels.csv", check=_mixed),
    Case(
        "unknown_labels",
        "unknown_labels.csv",
        stage="clean",
        error=(
            "CleaningError",
            r"column 'ex1' has 'Kyllä' \(2\), 'maybe' \(1\).*unknown_labels='missing'",
        ),
        where=("line 3", "'E002'"),
    ),
    Case(
        "unknown_labels_missing",
        "unknown_labels.csv",
        clean={"unknown_labels": "missing"},
        check=_unknown_missing,
    ),
    Case("out_of_range", "out_of_range.csv", check=_out_of_range),
    Case("all_missing_rows", "all_missing_rows.csv", check=_all_missing),
    Case("duplicate_submissions", "duplicate_submissions.csv", check=_duplicates),
    Case("whitespace_labels", "whitespace_labels.csv", check=_whitespace),
    Case("swedish_labels", "swedish_labels.csv", check=_languages),
    Case("english_labels", "english_labels.csv", check=_languages),
    Case("mixed_language_labels", "mixed_language_labels.csv", check=_languages),
    Case("dont_know_labels", "dont_know_labels.csv", check=_dont_know),
    Case("bad_timestamp", "bad_timestamp.csv", check=_bad_timestamp),
    Case("bad_period", "bad_period.csv", check=_bad_period),
    Case("excel_errors", "excel_errors.csv", check=_excel_errors),
    Case("excel_errors_xlsx", "excel_errors.xlsx", check=_excel_errors_xlsx),
    Case("missing_spellings", "missing_spellings.csv", check=_missing_spellings),
    # --- line numbers ----------------------------------------------------------------------
    Case(
        "multiline_unknown_label",
        "multiline_cells.csv",
        stage="clean",
        error=("CleaningError", r"unknown answer labels in 1 column: column 'ex1' has 'Kyllä'"),
        where=("line 13", "'E007'"),
    ),
    Case(
        "multiline_logged",
        "multiline_cells.csv",
        clean={"unknown_labels": "missing"},
        check=_multiline,
    ),
    Case(
        "unclosed_quote",
        "unclosed_quote.csv",
        error=("InputError", r"quote that opens a cell on this line is not closed"),
        where=("line 5",),
    ),
    # --- XLSX ----------------------------------------------------------------------------------
    Case("xlsx", "first_sheet.xlsx", check=_xlsx_ok),
    Case(
        "xlsx_second_sheet",
        "second_sheet.xlsx",
        error=("InputError", r"first sheet 'Info' has no item columns.*pass sheet='responses'"),
    ),
    Case(
        "xlsx_second_sheet_named", "second_sheet.xlsx", read={"sheet": "responses"}, check=_xlsx_ok
    ),
    Case(
        "xlsx_sheet_absent",
        "second_sheet.xlsx",
        read={"sheet": "Data"},
        error=("InputError", r"has no sheet 'Data'.*'Info', 'responses'"),
    ),
    Case("xlsx_empty_first_sheet", "empty_first_sheet.xlsx", check=_empty_first),
    Case(
        "xlsx_date_in_item",
        "date_in_item.xlsx",
        error=("InputError", r"mixed types: the value .*datetime.*format the column as text"),
        where=("sheet 'responses', row 4", "column 'lq2'"),
    ),
    # --- Parquet -------------------------------------------------------------------------------
    Case(
        "parquet_wrong_dtypes",
        "wrong_dtypes.parquet",
        error=("InputError", r"holds datetime64\[.*\] values, not answers"),
        where=("column 'lq1'",),
    ),
    Case("parquet_numbers_as_text", "numbers_as_text.parquet", check=_parquet_text),
    Case("parquet_labels", "labels.parquet", check=_parquet_text),
]

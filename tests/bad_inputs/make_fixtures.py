"""Write the malformed and awkward exports of ``tests/bad_inputs/`` (run: python make_fixtures.py).

Every file is small and made here from a fixed seed, so the committed files can
be regenerated and reviewed. What each file should give (an error or a logged
repair) is in ``bad_cases.py`` beside this script.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

FI = [
    "Täysin eri mieltä",
    "Jokseenkin eri mieltä",
    "Ei samaa eikä eri mieltä",
    "Jokseenkin samaa mieltä",
    "Täysin samaa mieltä",
]
SV = [
    "Helt av annan åsikt",
    "Delvis av annan åsikt",
    "Varken av samma eller annan åsikt",
    "Delvis av samma åsikt",
    "Helt av samma åsikt",
]
EN = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
META = ["respondent_id", "unit", "period", "submitted_at", "duration_s"]
ITEMS = ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5", "enps", "stay"]
HEADER = META + ITEMS
UNITS = ["Hälytyskeskus", "Asiakaspalvelu", "Käyttöpalvelut", "Tietoturva Åbo"]
N_ROWS = 8


def rows(labels=FI, n=N_ROWS, seed=1) -> list[list[str]]:
    """``n`` plausible pulse rows (text answers in ``labels``), as strings."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answers = [labels[rng.randint(1, 4)] for _ in range(9)]
        out.append(
            [
                f"E{i + 1:03d}",
                UNITS[i % len(UNITS)],
                "2026-01",
                f"2026-01-{i + 2:02d} 0{i % 10}:15:00",
                str(rng.randint(120, 300)),
            ]
            + answers
            + [str(rng.randint(0, 10)), labels[rng.randint(2, 4)]]
        )
    return out


def csv_text(header=HEADER, body=None, sep=";") -> str:
    body = rows() if body is None else body
    return "\n".join(sep.join(r) for r in [header, *body]) + "\n"


def put(name: str, data: bytes | str, encoding: str = "cp1252") -> None:
    (HERE / name).write_bytes(data.encode(encoding) if isinstance(data, str) else data)


def xlsx(name: str, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, values in sheets.items():
        sheet = book.create_sheet(title)
        for r in values:
            sheet.append(r)
    book.save(HERE / name)


def typed_rows(body) -> list[list]:
    """Rows with numbers as numbers (as Excel stores them)."""
    return [[int(c) if c.isdigit() else c for c in r] for r in body]


def main() -> None:
    base = rows()
    # --- empty and headerless --------------------------------------------------------------
    put("empty.csv", b"")
    put("whitespace_only.csv", "\n   \n\n")
    put("header_only.csv", ";".join(HEADER) + "\n")
    put("no_header.csv", csv_text(header=base[0], body=base[1:]))
    # --- dialect ---------------------------------------------------------------------------
    put("semicolon_cp1252.csv", csv_text())
    put("colon_separated.csv", csv_text(sep=":").replace("00:15:00", "00.15.00"))
    put("utf8_bom.csv", csv_text(), "utf-8-sig")
    put("bom_cp1252_mix.csv", b"\xef\xbb\xbf" + csv_text().encode("cp1252"))
    put("utf16_tab.txt", csv_text(sep="\t"), "utf-16")
    put("tab_separated.tsv", csv_text(sep="\t"), "utf-8")
    put("comma_utf8.csv", csv_text(sep=","), "utf-8")
    put("excel_sep_line.csv", "sep=;\n" + csv_text())
    put("trailing_empty_lines.csv", csv_text() + ";" * (len(HEADER) - 1) + "\n\n\n")
    numeric = [r[:5] + [str(FI.index(c) + 1) + ",0" for c in r[5:14]] + r[14:] for r in base]
    numeric[0][4] = "95,5"
    put("decimal_comma.csv", csv_text(body=numeric))
    quoted = [list(r) for r in base]
    quoted[1][1] = '"Talous; hallinto"'
    quoted[2][1] = '"Hallinto ""HR"""'
    put("quoted_semicolons.csv", csv_text(body=quoted))
    ragged = [list(r) for r in base]
    ragged[2] = ragged[2] + ["extra"]
    put("ragged_row.csv", csv_text(body=ragged))
    # --- binary and misnamed ---------------------------------------------------------------
    rng = random.Random(7)
    put(
        "binary.csv",
        bytes(rng.randrange(256) for _ in range(2048)).replace(b"\n", b"\x00") + b"\x00",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2026, 1, 1, 0, 0, 0)), "<Types/>")
    put("xlsx_named_csv.csv", buffer.getvalue())
    put("text_named_xlsx.xlsx", csv_text())
    # --- columns ---------------------------------------------------------------------------
    drop = HEADER.index("ex3")
    put(
        "missing_item.csv",
        csv_text(
            header=HEADER[:drop] + HEADER[drop + 1 :], body=[r[:drop] + r[drop + 1 :] for r in base]
        ),
    )
    put(
        "extra_unknown_columns.csv",
        csv_text(
            header=HEADER + ["comment", "browser"],
            body=[r + ["hyvä työpaikka", "Firefox"] for r in base],
        ),
    )
    put(
        "unknown_item_column.csv", csv_text(header=HEADER + ["lq5"], body=[r + ["3"] for r in base])
    )
    dup = list(HEADER)
    dup[HEADER.index("lq3")] = "lq2"
    put("duplicated_columns.csv", csv_text(header=dup))
    dup2 = list(HEADER)
    dup2[HEADER.index("lq3")] = " LQ1 "
    put("duplicated_after_normalising.csv", csv_text(header=dup2))
    messy = [" Respondent_ID", "UNIT", "Period ", "submitted_at", "duration_s"] + [
        i.upper() if n % 2 else f" {i} " for n, i in enumerate(ITEMS)
    ]
    put("messy_header.csv", csv_text(header=messy))
    renamed = META + [f"Q{n + 1}" for n in range(len(ITEMS))]
    put("renamed_columns.csv", csv_text(header=renamed))
    # --- answers ---------------------------------------------------------------------------
    mixed = [list(r) for r in base]
    for r in mixed[::2]:
        r[5] = str(FI.index(r[5]) + 1)
    put("mixed_numbers_and_labels.csv", csv_text(body=mixed))
    unknown = [list(r) for r in base]
    unknown[1][9] = "Kyllä"
    unknown[4][9] = "Kyllä"
    unknown[6][9] = "maybe"
    put("unknown_labels.csv", csv_text(body=unknown))
    out_of_range = [list(r) for r in base]
    out_of_range[2][5] = "7"
    out_of_range[3][14] = "11"
    put("out_of_range.csv", csv_text(body=out_of_range))
    empty = [list(r) for r in base]
    empty[5] = empty[5][:5] + [""] * len(ITEMS)
    empty[6] = empty[6][:5] + ["En osaa sanoa"] * 9 + ["", ""]
    put("all_missing_rows.csv", csv_text(body=empty))
    dups = [list(r) for r in base]
    later = list(base[0])
    later[3] = "2026-01-20 12:00:00"
    earlier = list(base[3])
    earlier[3] = "2026-01-01 08:00:00"
    dups += [later, earlier]
    put("duplicate_submissions.csv", csv_text(body=dups))
    spaced = [
        r[:5] + [f"  {c.lower()}  " if n % 2 else f"{c} " for n, c in enumerate(r[5:14])] + r[14:]
        for r in base
    ]
    put("whitespace_labels.csv", csv_text(body=spaced))
    put("swedish_labels.csv", csv_text(body=rows(SV)), "utf-8")
    put("english_labels.csv", csv_text(body=rows(EN)), "utf-8")
    mixed_lang = [
        r[:5] + [[FI, SV, EN][n % 3][FI.index(c)] for n, c in enumerate(r[5:14])] + r[14:]
        for r in base
    ]
    put("mixed_language_labels.csv", csv_text(body=mixed_lang), "utf-8")
    dk = [list(r) for r in base]
    dk[0][5], dk[1][6], dk[2][7], dk[3][8] = "En osaa sanoa", "Eos", "Vet ej", "N/A"
    dk[4][5] = ""
    put("dont_know_labels.csv", csv_text(body=dk), "utf-8")
    bad_time = [list(r) for r in base]
    bad_time[3][3] = "eilen"
    put("bad_timestamp.csv", csv_text(body=bad_time))
    # --- what Excel and other programs write for "no value" ----------------------------------
    errors = [list(r) for r in base]
    codes = [
        "#DIV/0!",
        "#VALUE!",
        "#N/A",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
    ]
    for n, code in enumerate(codes):  # one error per item, each on its own row
        errors[n % N_ROWS][5 + n] = code
    errors[7][4] = "#VALUE!"  # in a meta column too (duration_s)
    errors[6][10] = "#JAKO/0!"  # Finnish Excel's #DIV/0!
    put("excel_errors.csv", csv_text(body=errors), "utf-8")
    spelled = [list(r) for r in base]
    for n, text in enumerate(["NA", "N/A", "NaN", "nan", "-", "NULL", "#N/A", "   "]):
        spelled[n][5 + n] = text  # items lq1 ... ex4: one spelling each
    spelled[2][9] = ""  # a truly empty cell: a skip, not logged
    put("missing_spellings.csv", csv_text(body=spelled), "utf-8")
    bad_period = [list(r) for r in base]
    bad_period[4][2] = "2026-13"
    put("bad_period.csv", csv_text(body=bad_period))
    # line numbers: Excel's sep line, a blank line, quoted cells over several lines (CRLF)
    lined = [list(r) for r in base]
    lined[1][1] = '"Talous\r\nja hallinto"'  # row E002 spans lines 5-6 (line 4 is blank)
    lined[5][1] = '"Tuki\r\n\r\n""Åbo"""'  # row E006 spans lines 10-12
    lined[6][9] = "Kyllä"  # an unknown label in row E007, on line 13
    lined_text = "\r\n".join(";".join(r) for r in [HEADER, *lined]) + "\r\n"
    header_and_first, rest = lined_text.split("\r\n", 2)[:2], lined_text.split("\r\n", 2)[2]
    put(
        "multiline_cells.csv",
        "sep=;\r\n" + "\r\n".join(header_and_first) + "\r\n\r\n" + rest,
        "utf-8",
    )
    unclosed = [list(r) for r in base]
    unclosed[3][1] = '"Käyttöpalvelut'  # the quote opens on line 5 and never closes
    put("unclosed_quote.csv", csv_text(body=unclosed))
    # --- XLSX ------------------------------------------------------------------------------
    sheet = [HEADER] + typed_rows(base)
    xerrors = [HEADER] + typed_rows(errors)
    xerrors[2][HEADER.index("duration_s")] = "120,5"  # a decimal number stored as text
    xlsx("excel_errors.xlsx", {"responses": xerrors})
    xlsx("first_sheet.xlsx", {"responses": sheet})
    xlsx(
        "second_sheet.xlsx",
        {"Info": [["Kysely", "Pulssi tammikuu"], ["Vastauksia", 8]], "responses": sheet},
    )
    xlsx("empty_first_sheet.xlsx", {"Taul1": [], "responses": sheet})
    dated = [list(r) for r in sheet]
    import datetime as dt

    dated[3][HEADER.index("lq2")] = dt.datetime(2026, 5, 4)  # Excel turned "4.5" into 4 May
    xlsx("date_in_item.xlsx", {"responses": dated})
    xlsx("duplicated_columns.xlsx", {"responses": [dup] + typed_rows(base)})
    # --- Parquet ---------------------------------------------------------------------------
    import pandas as pd

    frame = pd.DataFrame(typed_rows(base), columns=HEADER)
    wrong = frame.copy()
    wrong["lq1"] = pd.to_datetime("2026-01-01") + pd.to_timedelta(range(N_ROWS), unit="D")
    wrong.to_parquet(HERE / "wrong_dtypes.parquet", index=False)
    texty = frame.copy()
    for col in ITEMS[:9]:
        texty[col] = [str(FI.index(v) + 1) for v in frame[col]]
    texty.to_parquet(HERE / "numbers_as_text.parquet", index=False)
    frame.to_parquet(HERE / "labels.parquet", index=False)


if __name__ == "__main__":
    main()

"""read_export and write_processed: dialect sniffing, column matching, clear errors.

The malformed exports live in ``tests/bad_inputs/`` (made by ``make_fixtures.py``);
``bad_cases.py`` says what each must give.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import satisfaction as sat
from satisfaction import config
from satisfaction.errors import CleaningError, InputError, OptionError
from satisfaction.io import provenance

BAD = Path(__file__).resolve().parent / "bad_inputs"
_spec = importlib.util.spec_from_file_location("_bad_cases", BAD / "bad_cases.py")
bad_cases = importlib.util.module_from_spec(_spec)
sys.modules["_bad_cases"] = bad_cases
_spec.loader.exec_module(bad_cases)
CASES = bad_cases.CASES
INST = sat.default_instrument()
ERRORS = {"InputError": InputError, "CleaningError": CleaningError}


def test_there_are_at_least_30_bad_input_files():
    files = {c.file for c in CASES}
    assert len(files) >= 30
    for name in files:
        assert (BAD / name).exists(), f"fixture {name} is missing: run make_fixtures.py"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case):
    path = BAD / case.file
    if case.error is not None and case.stage == "read":
        kind, pattern = case.error
        with pytest.raises(ERRORS[kind]) as info:
            sat.read_export(path, INST, **case.read)
        message = str(info.value)
        assert re.search(pattern, message), message
        assert str(path) in message, f"the file is not named: {message}"
        for text in case.where:
            assert text in message, f"{text!r} not in: {message}"
        assert "\n" not in message and "Traceback" not in message
        return
    export = sat.read_export(path, INST, **case.read)
    if case.error is not None:
        kind, pattern = case.error
        with pytest.raises(ERRORS[kind]) as info:
            sat.clean(export.data, INST, **(case.clean or {}))
        message = str(info.value)
        assert re.search(pattern, message), message
        assert str(path) in message, f"the file is not named: {message}"
        for text in case.where:
            assert text in message, f"{text!r} not in: {message}"
        return
    before = export.data.copy()
    cleaned = sat.clean(export.data, INST, **(case.clean or {}))
    pd.testing.assert_frame_equal(export.data, before)
    dropped = int((cleaned.log["action"] == "drop").sum())
    assert len(export.data) == len(cleaned.data) + dropped
    case.check(export, cleaned)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"does not exist"):
        sat.read_export(tmp_path / "nope.csv", INST)
    with pytest.raises(InputError, match=r"is a folder"):
        sat.read_export(tmp_path, INST)


def test_unknown_extension(tmp_path):
    p = tmp_path / "answers.sav"
    p.write_bytes(b"$FL2")
    with pytest.raises(InputError, match=r"extension '.sav'.*format='csv'"):
        sat.read_export(p, INST)


def test_binary_extension_without_its_signature(tmp_path):
    p = tmp_path / "answers.parquet"
    p.write_text("respondent_id,lq1\nE1,4\n")
    with pytest.raises(InputError, match=r"named \.parquet but is not a Parquet file"):
        sat.read_export(p, INST)
    p = tmp_path / "answers.xlsm"
    p.write_text("respondent_id,lq1\nE1,4\n")
    with pytest.raises(InputError, match=r"named \.xlsx but is not an Excel workbook"):
        sat.read_export(p, INST)


@pytest.mark.parametrize(
    "option, value, allowed",
    [
        ("unknown", "drop", "'error', 'keep'"),
        ("missing", "drop", "'error', 'ignore'"),
        ("format", "xls", "'csv', 'xlsx', 'parquet'"),
        ("decimal", "·", "'.', ','"),
        ("sep", ";;", "';', ',', '\\t', '|', ':', ' '"),
    ],
)
def test_read_export_checks_its_options(option, value, allowed):
    """Each string option of read_export is checked; the error lists the allowed values."""
    with pytest.raises(
        OptionError, match=f"read_export: {option}='{value}' is not one of {allowed}"
    ):
        sat.read_export(BAD / "semicolon_cp1252.csv", INST, **{option: value})


def test_provenance_checks_its_unit():
    with pytest.raises(OptionError, match="unit='page' is not one of 'line', 'row', 'record'"):
        provenance.attach_rows(pd.DataFrame({"a": [1]}), np.array([2]), unit="page")


def test_bad_options():
    with pytest.raises(InputError, match="must be an Instrument"):
        sat.read_export(BAD / "semicolon_cp1252.csv", "default")


def test_without_instrument_columns_are_read_as_they_are():
    ex = sat.read_export(BAD / "semicolon_cp1252.csv")
    assert ex.report.items == () and ex.report.n_rows == 8
    assert ex.data["lq1"].iloc[0] in sat.instruments.LIKERT_LABELS["fi"].values()


def test_unknown_item_columns_can_be_kept():
    ex = sat.read_export(BAD / "unknown_item_column.csv", INST, unknown="keep")
    assert ex.report.unmatched == ("lq5",) and "lq5" in ex.data.columns


def test_items_subset_and_headerless_names(tmp_path):
    p = tmp_path / "noheader.csv"
    p.write_text("E1;4;5\nE2;3;Agree\n", encoding="utf-8")
    ex = sat.read_export(p, INST, names=["respondent_id", "lq1", "lq2"], items=["lq1", "lq2"])
    assert ex.report.items == ("lq1", "lq2") and len(ex.data) == 2
    with pytest.raises(InputError, match=r"items=\['zz'\] are not items"):
        sat.read_export(p, INST, names=["respondent_id", "lq1", "lq2"], items=["zz"])


def test_text_after_the_first_block_is_read_again_as_text(tmp_path):
    """pyarrow infers types from the first block: a label far down a numeric column still reads."""
    head = "respondent_id;lq1;lq2;lq3;lq4\n"
    body = "".join(f"E{i};4;3;2;1\n" for i in range(200_000)) + "Ex;Samaa mieltä;3;2;1\n"
    p = tmp_path / "late_text.csv"
    p.write_text(head + body, encoding="utf-8")
    ex = sat.read_export(p, INST, items=["lq1", "lq2", "lq3", "lq4"])
    assert ex.data["lq1"].iloc[-1] == "Samaa mieltä" and ex.data["lq1"].iloc[0] in ("4", 4)
    cl = sat.clean(ex.data, INST, careless=None)
    assert cl.data["lq1"].iloc[-1] == 4.0


def test_cp1252_after_an_ascii_first_block_is_read_again_as_cp1252(tmp_path):
    body = "respondent_id;unit;lq1\n" + "".join(f"E{i};Talous;4\n" for i in range(8000))
    p = tmp_path / "late_cp1252.csv"
    p.write_bytes((body + "E9;Hälytys;Samaa mieltä\n").encode("cp1252"))
    ex = sat.read_export(p, INST, items=["lq1"])
    assert ex.report.encoding == "cp1252" and ex.data["unit"].iloc[-1] == "Hälytys"
    assert any("later rows are not" in n for n in ex.report.notes)
    with pytest.raises(
        InputError,
        match=r"line 8002, column .unit.: is not valid utf-8 text beyond its first 64 KB",
    ):
        sat.read_export(p, INST, items=["lq1"], encoding="utf-8")
    # UTF-8 letters in the first 64 KB, cp1252 later: a mixed file is an error, not a guess
    mixed = ("respondent_id;unit;lq1\nE0;Hälytys;4\n" + body.split("\n", 1)[1]).encode("utf-8")
    p.write_bytes(mixed + "E9;Hälytys;4\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"beyond its first 64 KB.*encoding='cp1252'") as info:
        sat.read_export(p, INST, items=["lq1"])
    assert "line 8003, column 'unit'" in str(info.value)


def test_empty_header_cells(tmp_path):
    """Trailing separators (empty, unnamed columns) are dropped; an unnamed column with values is an error."""
    p = tmp_path / "trailing.csv"
    p.write_text("respondent_id;lq1;;\nE1;4;;\nE2;5;;\n", encoding="utf-8")
    ex = sat.read_export(p, INST, items=["lq1"])
    assert list(ex.data.columns) == ["respondent_id", "lq1"] and ex.data["lq1"].tolist() == [4, 5]
    assert sum("unnamed" in n for n in ex.report.notes) == 2
    p.write_text("respondent_id;;lq1\nE1;x;4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: column 2 has values but no name"):
        sat.read_export(p, INST, items=["lq1"])


def test_leading_zero_ids_stay_text(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text("respondent_id;lq1\n00123;4\n00456;5\n", encoding="utf-8")
    ex = sat.read_export(p, INST, items=["lq1"])
    assert ex.data["respondent_id"].tolist() == ["00123", "00456"]


def test_report_frame_and_html():
    ex = sat.read_export(BAD / "semicolon_cp1252.csv", INST)
    frame = ex.report.to_frame()
    assert list(frame.columns) == ["field", "value"]
    assert frame.set_index("field").loc["encoding", "value"] == "cp1252"
    assert "Export report" in ex._repr_html_()


def test_write_processed(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "PROCESSED_DATA_DIR", tmp_path / "processed")
    monkeypatch.setattr(config, "RAW_DATA_DIR", tmp_path / "raw")
    ex = sat.read_export(BAD / "semicolon_cp1252.csv", INST)
    cl = sat.clean(ex.data, INST)
    out = sat.write_processed(cl.data, "pulse")
    assert out == (tmp_path / "processed" / "pulse.parquet").resolve()
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, cl.data, check_dtype=False)
    with pytest.raises(InputError, match="never modified"):
        sat.write_processed(cl.data, "pulse", directory=tmp_path / "raw" / "x")
    with pytest.raises(InputError, match="plain file name"):
        sat.write_processed(cl.data, "../pulse")
    with pytest.raises(InputError, match="needs a DataFrame"):
        sat.write_processed(cl, "pulse")


SAMPLE = config.SAMPLE_DATA_DIR


def test_sample_exports_end_to_end():
    """Read + clean both sample exports; the mess found agrees with the generator's manifest."""
    import json

    if not (SAMPLE / "pulse.csv").exists():  # committed: its absence is a broken checkout
        pytest.fail(f"{SAMPLE} has no sample exports; run `make sample`", pytrace=False)
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest.get("mess_counts", {})
    for name, key in (("pulse.csv", "pulse"), ("customers.xlsx", "customers")):
        ex = sat.read_export(SAMPLE / name, INST)
        assert not ex.report.missing and not ex.report.unmatched, ex.report
        raw = ex.data.copy()
        cl = sat.clean(ex.data, INST)
        pd.testing.assert_frame_equal(ex.data, raw)
        dropped = int((cl.log["action"] == "drop").sum())
        assert len(ex.data) == cl.n_out + dropped
        assert sum(1 for _ in ex.report.items) >= 9
        s = cl.summary.groupby("rule")["n"].sum()
        assert s.get("unknown_label", 0) == 0
        n_rows = len(ex.data)
        n_cells = n_rows * sum(1 for i in ex.report.items if INST.item(i).scale == (1, 5))
        # plausible rates: ~3 % don't know, ~2 % skipped, ~1 % duplicates, ~2 % speeders/straight-liners
        assert 0.015 < s["dont_know"] / n_cells < 0.05
        assert 0.01 < s["skipped"] / (n_rows * len(ex.report.items)) < 0.04
        assert 0.003 < s["duplicate"] / n_rows < 0.02
        assert 0.01 < s["careless_speed"] / n_rows < 0.05
        assert 0.01 < s["careless_longstring"] / n_rows < 0.05
        if key in counts:  # the generator's own counts, where it reports them
            truth = counts[key]
            if "duplicate" in truth:  # exact unless a latest submission was itself empty
                allowed = max(2, 0.02 * truth["duplicate"])
                assert_close(s["duplicate"], truth["duplicate"], kind="statistical", atol=allowed)
            if "dont_know_cells" in truth:
                assert s["dont_know"] == truth["dont_know_cells"]
            if "speeder" in truth:
                assert s["careless_speed"] >= 0.8 * truth["speeder"]
            if "straight_liner" in truth:
                assert s["careless_longstring"] >= 0.8 * truth["straight_liner"]


# --------------------------------------------------------------------------- round trips

_LABELS_FI = list(sat.instruments.LIKERT_LABELS["fi"].values()) + ["En osaa sanoa", None]
_UNITS = ["Hälytyskeskus", "Talous; hallinto", 'Tuki "Åbo"', "Käyttö, palvelut", "IT"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(1, 30),
    sep=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    excel_line=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_round_trip_any_dialect(tmp_path_factory, n, sep, encoding, excel_line, seed):
    """A frame written in any Finnish-Excel dialect reads back with the same values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "respondent_id": [f"E{i:05d}" for i in range(n)],
            "unit": rng.choice(_UNITS, n),
            "lq1": rng.choice(np.array(_LABELS_FI, dtype=object), n),
            "lq2": rng.integers(1, 6, n),
            "lq3": rng.choice(np.array(_LABELS_FI, dtype=object), n),
            "lq4": rng.choice(np.array(_LABELS_FI, dtype=object), n),
        }
    )
    text = frame.to_csv(sep=sep, index=False, lineterminator="\r\n" if seed % 2 else "\n")
    if excel_line:
        text = f"sep={sep}\n" + text
    path = tmp_path_factory.mktemp("rt") / "export.csv"
    path.write_bytes(text.encode(encoding))
    ex = sat.read_export(path, INST, items=["lq1", "lq2", "lq3", "lq4"])
    assert ex.report.sep == sep and ex.report.skipped_lines == int(excel_line)
    got = ex.data
    assert got["respondent_id"].tolist() == frame["respondent_id"].tolist()
    assert got["unit"].tolist() == frame["unit"].tolist()
    assert got["lq2"].astype(int).tolist() == frame["lq2"].tolist()
    for col in ("lq1", "lq3", "lq4"):
        want = [None if pd.isna(v) else v for v in frame[col]]
        have = [None if pd.isna(v) else v for v in got[col]]
        assert have == want, col


# --------------------------------------------------------------------------- XLSX engines


def _read_outcome(path, **kwargs):
    """What read_export gives: the frame, its dtypes and report, or the error's type and text."""
    try:
        ex = sat.read_export(path, **kwargs)
    except InputError as exc:
        return ("error", str(exc))
    return ("ok", ex.data, ex.data.dtypes.astype(str).to_dict(), ex.report)


def _typed_workbook(path):
    """A workbook with the cell types an export may hold: dates, times, durations, booleans."""
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "responses"
    sheet.append(["respondent_id", "submitted_at", "lq1", "lq2", "note", "took", "flag"])
    rows = [
        ["E1", dt.datetime(2026, 3, 1, 9, 30), 4, 3.0, "ok", dt.timedelta(minutes=7), True],
        ["E2", dt.datetime(2026, 3, 2, 17, 5, 12), 5, 2.5, None, dt.timedelta(seconds=50), False],
        ["00123", dt.date(2026, 3, 3), None, 1, dt.time(8, 15), None, None],
    ]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_engines_give_the_same_results(tmp_path, monkeypatch):
    """python-calamine (fast) and openpyxl (fallback) read every XLSX case alike."""
    pytest.importorskip("python_calamine")
    from satisfaction.io import _xlsx

    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    files = sorted(BAD.glob("*.xlsx")) + [_typed_workbook(tmp_path / "typed.xlsx"), corrupt]
    options = [
        {},
        {"instrument": INST},
        {"instrument": INST, "missing": "ignore", "unknown": "keep"},
        {"sheet": 0},
        {"sheet": 1},
        {"sheet": "responses"},
        {"items": ["lq1", "lq2"]},
    ]
    assert _xlsx._xlsx_engine() == "calamine"
    fast = {(f.name, i): _read_outcome(f, **o) for f in files for i, o in enumerate(options)}
    monkeypatch.setattr(_xlsx, "_xlsx_engine", lambda: "openpyxl")
    for (name, i), got in fast.items():
        want = _read_outcome(BAD / name if (BAD / name).exists() else tmp_path / name, **options[i])
        assert got[0] == want[0], (name, options[i], got, want)
        if got[0] == "error":
            assert got[1] == want[1], (name, options[i])
            continue
        pd.testing.assert_frame_equal(got[1], want[1], check_exact=True, obj=f"{name} {options[i]}")
        assert got[2:] == want[2:], (name, options[i])
    assert fast[("typed.xlsx", 0)][0] == "ok" and fast[("corrupt.xlsx", 0)][0] == "error"
    assert str(fast[("typed.xlsx", 0)][2]["submitted_at"]).startswith("datetime64")


# --------------------------------------------------------------------------- lines and large cells

_HEAD = "respondent_id;unit;lq1;lq2\n"


def test_a_cell_of_megabytes_is_read(tmp_path):
    """A 3 MB cell (longer than pyarrow's 1 MB block) is read, wherever it sits."""
    big = "x" * 3_000_000
    for body in (
        f'E1;"{big}";4;5\nE2;B;3;4\n',  # the sniffed 64 KB end inside the quoted cell
        f"E1;A;4;5\nE2;{big};3;4\nE3;C;2;1\n",  # unquoted
        "".join(f"E{i};A;4;5\n" for i in range(5000)) + f'Ex;"{big}\nmore";3;4\nEy;B;1;1\n',
    ):
        p = tmp_path / "big.csv"
        p.write_text(_HEAD + body, encoding="utf-8")
        ex = sat.read_export(p, INST, items=["lq1", "lq2"])
        assert ex.report.sep == ";" and big in set(ex.data["unit"].astype(str).str[:3_000_000])
        assert any("MB long" in n for n in ex.report.notes)
        lines = provenance.source_rows(ex.data)
        assert lines[0] == 2 and lines[-1] == len(body.splitlines()) + 1


def test_a_row_too_long_is_refused_with_its_size(tmp_path, monkeypatch):
    from satisfaction.io import _csv

    monkeypatch.setattr(_csv, "_MAX_ROW", 2 << 20)
    p = tmp_path / "huge.csv"
    p.write_text(_HEAD + "E1;A;4;5\nE2;" + "y" * 3_000_000 + ";3;4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: the row on this line is 3 MB long") as info:
        sat.read_export(p, INST, items=["lq1", "lq2"])
    assert "separator" not in str(info.value)


def test_a_multiline_cell_after_the_sniffed_sample(tmp_path):
    """Quoted line breaks first met after 64 KB: read, and the lines after it still right."""
    head = "".join(f"E{i};A;4;5\n" for i in range(6000))
    p = tmp_path / "late.csv"
    p.write_text(_HEAD + head + 'Ex;"two\nlines";3;4\nEy;B;Kyllä;1\n', encoding="utf-8")
    ex = sat.read_export(p, INST, items=["lq1", "lq2"])
    assert ex.data["unit"].iloc[6000] == "two\nlines"
    assert provenance.source_rows(ex.data)[-2:].tolist() == [6002, 6004]
    with pytest.raises(CleaningError, match=r"late.csv', line 6004, respondent 'Ey'"):
        sat.clean(ex.data, INST, items=["lq1", "lq2"])


def test_ragged_row_after_multiline_cells_names_its_line(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text(_HEAD + 'E1;"a\nb";4;5\n\nE2;B;3;4;9\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 5: this row has 5 fields but the header has 4"):
        sat.read_export(p, INST, items=["lq1", "lq2"])


def test_unclosed_quote_in_the_last_row(tmp_path):
    p = tmp_path / "open.csv"
    p.write_text(_HEAD + 'E1;A;4;5\nE2;"B;3;4\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"open.csv', line 3: the quote that opens"):
        sat.read_export(p, INST, items=["lq1", "lq2"])


def test_xlsx_rows_are_spreadsheet_rows(tmp_path):
    """A blank sheet row is dropped, and the rows after it keep their spreadsheet numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "vastaukset"
    sheet.append(["respondent_id", "period", "lq1", "lq2"])
    sheet.append(["E1", "2026-01", 4, 5])
    sheet.append([None, None, None, None])
    sheet.append(["E2", "2026-01", "Kyllä", 5])
    sheet.append(["E3", "eilen", 2, "#REF!"])
    book.save(tmp_path / "rows.xlsx")
    ex = sat.read_export(tmp_path / "rows.xlsx", INST, items=["lq1", "lq2"])
    assert ex.report.blank_rows == 1 and provenance.source_rows(ex.data).tolist() == [2, 4, 5]
    with pytest.raises(
        CleaningError, match=r"rows.xlsx', sheet 'vastaukset', row 4, respondent 'E2'"
    ):
        sat.clean(ex.data, INST, items=["lq1", "lq2"], careless=None)
    cl = sat.clean(ex.data, INST, items=["lq1", "lq2"], careless=None, unknown_labels="missing")
    log = cl.log.set_index("rule")
    assert log.loc["excel_error", "line"] == 5 and log.loc["excel_error", "old"] == "#REF!"
    assert log.loc["unknown_label", "line"] == 4


@st.composite
def _csv_files(draw):
    """A CSV file as text and the line where each data row starts, counted independently."""
    n = draw(st.integers(1, 12))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    sep_line = draw(st.booleans())
    leading_blank = draw(st.booleans())
    out, line = [], 1
    if leading_blank:
        out.append("")
        line += 1
    if sep_line:
        out.append("sep=;")
        line += 1
    out.append("respondent_id;unit;lq1")
    line += 1
    starts = []
    for i in range(n):
        for _ in range(draw(st.integers(0, 2)) if i else 0):  # blank lines between rows
            out.append("")
            line += 1
        parts = draw(
            st.lists(st.sampled_from(["a", "b c", 'd "e"', "f;g"]), min_size=1, max_size=3)
        )
        breaks = draw(st.integers(0, 2)) if draw(st.booleans()) else 0
        cell = newline.join(parts[: breaks + 1]) if breaks else " ".join(parts)
        quoted = '"' + cell.replace('"', '""') + '"'
        starts.append(line)
        out.append(f"E{i};{quoted};{draw(st.integers(1, 5))}")
        line += 1 + cell.count("\n")
    trailing = newline * draw(st.integers(0, 2))
    return newline.join(out) + newline + trailing, starts


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_csv_files(), st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_source_lines_match_the_lines_an_editor_shows(tmp_path_factory, case, encoding):
    """Blank lines, Excel's sep line and quoted multi-line cells: each row's line is exact."""
    text, starts = case
    path = tmp_path_factory.mktemp("lines") / "export.csv"
    path.write_bytes(text.encode(encoding))
    ex = sat.read_export(path, INST, items=["lq1"])
    assert provenance.source_rows(ex.data).tolist() == starts
    assert ex.data["respondent_id"].tolist() == [f"E{i}" for i in range(len(starts))]

"""Cleaning steps and the whole run: every change logged, rows in = rows out + rows dropped.

Reference values are computed by hand on small frames (the docstring of each test
says how); careless-responding indices follow R's ``careless`` package definitions
(``careless::longstring``, ``careless::irv``) and base R's ``mahalanobis()``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import satisfaction as sat
from satisfaction.cleaning import (
    LOG_COLUMNS,
    careless_metrics,
    check_range,
    dont_know_to_missing,
    drop_bad_dates,
    drop_duplicates,
    drop_empty,
    flag_careless,
    recode_labels,
    reverse_code,
    spelled_to_missing,
)
from satisfaction.errors import CleaningError, OptionError
from satisfaction.instruments import DONT_KNOW_LABELS, LIKERT_LABELS

INST = sat.default_instrument()
EMPLOYEE = ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5", "enps", "stay"]


def pulse(n=40, seed=0, labels="fi") -> pd.DataFrame:
    """A small raw pulse export following the sample contract (text labels, enps 0-10)."""
    rng = np.random.default_rng(seed)
    lab = LIKERT_LABELS[labels]
    out = pd.DataFrame(
        {
            "respondent_id": [f"E{i:03d}" for i in range(n)],
            "unit": rng.choice(["Hälytyskeskus", "Talous"], n),
            "period": "2026-01",
            "submitted_at": pd.Timestamp("2026-01-02")
            + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "duration_s": rng.integers(120, 400, n),
        }
    )
    for item in EMPLOYEE:
        if item == "enps":
            out[item] = rng.integers(0, 11, n).astype(float)
        else:
            out[item] = [lab[v] for v in rng.integers(1, 6, n)]
    return out


def log_ok(log: pd.DataFrame) -> None:
    assert tuple(log.columns) == LOG_COLUMNS


# --------------------------------------------------------------------------- recode_labels


def test_recode_every_language_and_variant():
    """Each canonical label of fi/sv/en maps to its value, whatever case, spacing, punctuation."""
    for lang, labels in LIKERT_LABELS.items():
        values = list(labels)
        texts = [labels[v] for v in values]
        odd = [f"  {t.upper()}!! " for t in texts]
        d = pd.DataFrame({"lq1": texts + odd})
        out, log = recode_labels(d, ["lq1"], id_col=None)
        assert out["lq1"].tolist() == [float(v) for v in values * 2], lang
        assert len(log) == 0


def test_recode_categorical_and_numeric_text():
    d = pd.DataFrame(
        {"lq1": pd.Categorical(["4", "4,0", "Samaa mieltä", None]), "lq2": [1, 2, 3, 4]}
    )
    out, log = recode_labels(d, ["lq1", "lq2"], id_col=None)
    assert out["lq1"].tolist()[:3] == [4.0, 4.0, 4.0] and np.isnan(out["lq1"].iloc[3])
    assert out["lq2"].dtype == np.float64 and len(log) == 0


def test_recode_dont_know_is_logged_per_value():
    d = pd.DataFrame({"respondent_id": ["a", "b", "c"], "ex1": ["Vet ej", "Agree", "don't know"]})
    out, log = recode_labels(d, ["ex1"])
    assert out["ex1"].isna().tolist() == [True, False, True]
    log_ok(log)
    assert log["rule"].tolist() == ["dont_know"] * 2 and log["respondent"].tolist() == ["a", "c"]


def test_recode_unknown_labels_error_lists_all_with_counts():
    d = pd.DataFrame(
        {
            "respondent_id": list("abcde"),
            "lq1": ["Kyllä", "Kyllä", "4", "ehkä", "4"],
            "lq2": ["4", "4", "4", "4", "joo"],
        }
    )
    with pytest.raises(CleaningError) as info:
        recode_labels(d, ["lq1", "lq2"])
    msg = str(info.value)
    assert "column 'lq1' has 'Kyllä' (2), 'ehkä' (1)" in msg and "column 'lq2' has 'joo' (1)" in msg
    assert (
        "index 0, respondent 'a'" in msg and "unknown_labels='missing'" in msg and "mapping=" in msg
    )


def test_recode_mapping_and_missing_mode():
    d = pd.DataFrame({"lq1": ["Kyllä", "Ei", "ehkä", "3"]})
    out, log = recode_labels(d, ["lq1"], mapping={"kyllä": 5, "EI": 1, "ehkä": None}, id_col=None)
    assert out["lq1"].tolist()[:2] == [5.0, 1.0] and np.isnan(out["lq1"].iloc[2])
    assert log["rule"].tolist() == ["mapping"] and log["old"].tolist() == ["ehkä"]
    out, log = recode_labels(
        pd.DataFrame({"lq1": ["x", "4"]}), ["lq1"], unknown_labels="missing", id_col=None
    )
    assert log[["row", "old", "rule", "action"]].values.tolist() == [
        [0, "x", "unknown_label", "set_missing"]
    ]


def test_recode_0_10_items_take_numbers_not_likert_labels():
    """An agreement label in the eNPS column is an unknown label, not a 4."""
    d = pd.DataFrame({"enps": ["10", "0", "Agree"]})
    with pytest.raises(CleaningError, match="'Agree'"):
        recode_labels(d, INST)
    out, _ = recode_labels(d.iloc[:2], INST)
    assert out["enps"].tolist() == [10.0, 0.0]


def test_recode_bad_options():
    with pytest.raises(OptionError, match="unknown_labels='drop' is not one of 'error', 'missing'"):
        recode_labels(pd.DataFrame({"a": ["1"]}), ["a"], unknown_labels="drop")
    with pytest.raises(CleaningError, match="not in the data"):
        recode_labels(pd.DataFrame({"a": ["1"]}), ["b"])
    with pytest.raises(CleaningError, match="scale="):
        recode_labels(pd.DataFrame({"a": ["1"]}), ["a"], scale=(5, 1))


# --------------------------------------------------------------------------- the other steps


def test_dont_know_every_language_and_codes():
    # every don't-know label but "N/A", which is a missing spelling (satisfaction.io.spellings)
    labels = [lab for langs in DONT_KNOW_LABELS.values() for lab in langs if lab != "N/A"]
    d = pd.DataFrame({"lq1": labels + ["4", None], "lq2": [9.0] + [1.0] * (len(labels) + 1)})
    out, log = dont_know_to_missing(d, ["lq1", "lq2"], codes=[9], id_col=None)
    assert out["lq1"].isna().sum() == len(labels) + 1 and out["lq1"].iloc[-2] == "4"
    assert (log["column"] == "lq1").sum() == len(labels)
    assert log[log["column"] == "lq2"]["old"].tolist() == ["9"]


def test_dont_know_keeps_categorical():
    d = pd.DataFrame({"lq1": pd.Categorical(["En osaa sanoa", "Samaa mieltä", "En osaa sanoa"])})
    out, log = dont_know_to_missing(d, ["lq1"], id_col=None)
    assert isinstance(out["lq1"].dtype, pd.CategoricalDtype)
    assert out["lq1"].isna().tolist() == [True, False, True] and log["row"].tolist() == [0, 2]


def test_check_range_per_item_scale_and_non_integers():
    d = pd.DataFrame({"lq1": [1.0, 5.0, 6.0, 3.5, np.nan], "enps": [0.0, 10.0, 11.0, -1.0, 5.0]})
    out, log = check_range(d, INST, id_col=None)
    assert out["lq1"].isna().tolist() == [False, False, True, True, True]
    assert out["enps"].isna().tolist() == [False, False, True, True, False]
    assert sorted(log["old"].tolist()) == ["-1", "11", "3.5", "6"]
    out, log = check_range(d[["lq1"]], ["lq1"], integer=False, id_col=None)
    assert out["lq1"].isna().sum() == 2


def test_check_range_refuses_text():
    with pytest.raises(CleaningError, match="run recode_labels"):
        check_range(pd.DataFrame({"lq1": ["Agree"]}), ["lq1"])


def test_reverse_code_logs_once_per_column():
    """new = low + high - old: on 1-5, 1 <-> 5, 2 <-> 4; on 0-10, 3 -> 7."""
    d = pd.DataFrame({"ex5": [1.0, 2.0, 3.0, np.nan], "x": [0.0, 3.0, 10.0, 5.0]})
    out, log = reverse_code(d, ["ex5"])
    assert out["ex5"].tolist()[:3] == [5.0, 4.0, 3.0] and np.isnan(out["ex5"].iloc[3])
    assert len(log) == 1 and log.loc[0, "old"] == "3 values" and pd.isna(log.loc[0, "row"])
    out, _ = reverse_code(d, ["x"], scale=(0, 10))
    assert out["x"].tolist() == [10.0, 7.0, 0.0, 5.0]
    out, log = reverse_code(pd.DataFrame({"ex5": [2.0], "lq1": [2.0]}), INST)
    assert out["ex5"].tolist() == [4.0] and out["lq1"].tolist() == [2.0] and len(log) == 1


def test_drop_empty():
    d = pd.DataFrame({"respondent_id": ["a", "b"], "lq1": [np.nan, 3.0], "lq2": [np.nan, np.nan]})
    out, log = drop_empty(d, ["lq1", "lq2"])
    assert out.index.tolist() == [1] and log["respondent"].tolist() == ["a"]


def test_drop_duplicates_keeps_latest_and_logs_the_rest():
    d = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "a", "b", "b", None, None],
            "period": ["p1", "p1", "p1", "p1", "p2", "p1", "p1"],
            "submitted_at": pd.to_datetime(
                [
                    "2026-01-02",
                    "2026-01-05",
                    "2026-01-03",
                    "2026-01-01",
                    "2026-01-01",
                    "2026-01-01",
                    "2026-01-01",
                ]
            ),
        }
    )
    before = d.copy()
    out, log = drop_duplicates(d)
    pd.testing.assert_frame_equal(d, before)
    assert out.index.tolist() == [1, 3, 4, 5, 6]  # missing ids are never duplicates
    assert log["row"].tolist() == [0, 2] and set(log["new"]) == {"kept row 1"}
    assert log["old"].tolist() == ["2026-01-02 00:00:00", "2026-01-03 00:00:00"]
    out, log = drop_duplicates(d, period_col=None, time_col=None)  # by respondent, file order
    assert out.index.tolist() == [2, 4, 5, 6]


def test_drop_duplicates_needs_the_id_column():
    with pytest.raises(CleaningError, match="respondent column 'rid'"):
        drop_duplicates(pd.DataFrame({"a": [1]}), id_col="rid")


def test_careless_metrics_against_hand_computation():
    """longstring: runs over answered items; irv: row SD (ddof=1), like careless::irv."""
    d = pd.DataFrame(
        {"a": [3, 1, 5, 2], "b": [3, 1, np.nan, 4], "c": [3, 2, 5, 2], "d": [3, 2, 1, 4]}
    )
    m = careless_metrics(d, list(d.columns), duration_col=None)
    assert m["longstring"].tolist() == [4, 2, 2, 1]
    expected = d.apply(lambda r: r.dropna().std(ddof=1), axis=1)
    assert_close(m["irv"], expected, kind="roundoff")
    assert m["n_answered"].tolist() == [4, 4, 3, 4]


def test_mahalanobis_matches_direct_formula():
    """D2 = (x - m)' S^-1 (x - m) with the complete cases' mean and covariance (R: mahalanobis())."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 3)).round(1)
    x[0] = [6, -6, 6]
    d = pd.DataFrame(x, columns=["a", "b", "c"])
    d.loc[5, "b"] = np.nan
    m = careless_metrics(d, ["a", "b", "c"], duration_col=None)
    xc = x[np.arange(60) != 5]
    diff = xc - xc.mean(axis=0)
    d2 = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(np.cov(xc, rowvar=False)), diff)
    assert_close(m["mahalanobis"].drop(index=5), d2, kind="roundoff")
    assert np.isnan(m.loc[5, "mahalanobis"])
    out, log = flag_careless(d, ["a", "b", "c"], "mahalanobis", id_col=None)
    assert bool(out.loc[0, "flag_mahalanobis"]) and 0 in log["row"].tolist()


def test_flag_careless_methods_and_thresholds():
    d = pd.DataFrame(
        {
            "a": [3, 1, 4, 2, 5],
            "b": [3, 2, 4, 2, 5],
            "c": [3, 2, 5, 3, 5],
            "duration_s": [200, 180, 20, 210, 100],
        }
    )
    out, log = flag_careless(d, ["a", "b", "c"], ["longstring", "irv", "speed"], id_col=None)
    assert out["flag_longstring"].tolist() == [True, False, False, False, True]
    assert out["flag_irv"].tolist() == [True, False, False, False, True]
    assert out["flag_speed"].tolist() == [False, False, True, False, False]  # < 180 / 3
    assert set(log["action"]) == {"flag"} and len(out) == 5
    out, _ = flag_careless(d, ["a", "b", "c"], "speed", min_duration=150, id_col=None)
    assert out["flag_speed"].tolist() == [False, False, True, False, True]
    out, _ = flag_careless(d, ["a", "b", "c"], "longstring", threshold=2, id_col=None)
    assert out["flag_longstring"].tolist() == [True, True, True, True, True]
    with pytest.raises(OptionError, match="method='psychic' is not one of 'longstring', 'irv'"):
        flag_careless(d, ["a"], "psychic")
    with pytest.raises(CleaningError, match="completion time column 'secs'"):
        flag_careless(d, ["a", "b"], "speed", duration_col="secs")


# --------------------------------------------------------------------------- clean


def test_clean_end_to_end_small():
    raw = pulse(30)
    raw.loc[3, "lq1"] = "En osaa sanoa"
    raw.loc[4, "lq2"] = None
    raw.loc[5, "ex5"] = LIKERT_LABELS["fi"][1]
    raw.loc[6, EMPLOYEE] = None
    dup = raw.iloc[[7]].copy()
    dup["submitted_at"] = dup["submitted_at"] + pd.Timedelta("1D")
    dup.loc[dup.index[0], "lq1"] = LIKERT_LABELS["fi"][2]
    raw = pd.concat([raw, dup], ignore_index=True)
    raw.loc[8, ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5"]] = LIKERT_LABELS[
        "fi"
    ][3]
    raw.loc[9, "duration_s"] = 10
    before = raw.copy()
    out = sat.clean(raw, INST)
    pd.testing.assert_frame_equal(raw, before)
    log_ok(out.log)
    assert out.n_in == 31 and out.n_out == 29 and out.data.index.name == "row"
    assert np.isnan(out.data.loc[3, "lq1"]) and out.data.loc[5, "ex5"] == 5.0  # reversed 1 -> 5
    assert 7 not in out.data.index and out.data.loc[30, "lq1"] == 2.0  # latest kept
    assert bool(out.data.loc[8, "flag_longstring"]) and bool(out.data.loc[9, "flag_speed"])
    s = out.summary.set_index(["rule", "column"])["n"]
    assert s[("dont_know", "lq1")] == 1 and s[("skipped", "lq2")] == 2  # row 6 + row 4
    assert s[("all_missing", None)] == 1 and s[("duplicate", None)] == 1
    assert s[("reverse_code", "ex5")] == 29
    assert "Cleaned" in out._repr_html_()
    dropped = sat.clean(raw, INST, careless="drop")
    assert {8, 9} <= set(dropped.log.loc[dropped.log["rule"] == "careless", "row"])
    assert dropped.n_out + int((dropped.log["action"] == "drop").sum()) == 31


def test_clean_arguments():
    raw = pulse(10)
    with pytest.raises(CleaningError, match="needs a DataFrame"):
        sat.clean(raw.to_dict(), INST)
    with pytest.raises(CleaningError, match="needs an Instrument"):
        sat.clean(raw, "default")
    with pytest.raises(OptionError, match="careless='maybe' is not one of 'flag', 'drop', None"):
        sat.clean(raw, INST, careless="maybe")
    with pytest.raises(CleaningError, match="none of the columns"):
        sat.clean(raw[["respondent_id", "unit"]], INST)
    with pytest.raises(CleaningError, match="not items of instrument"):
        sat.clean(raw, INST, items=["zz"])
    with pytest.raises(CleaningError, match="appears twice"):
        sat.clean(pd.concat([raw, raw[["lq1"]]], axis=1), INST)
    out = sat.clean(raw, INST, items=["lq1", "ex5"], careless=None)
    assert out.items == ("lq1", "ex5") and out.data["lq2"].dtype != np.float64  # untouched
    out = sat.clean(raw.drop(columns=["respondent_id"]), INST)
    assert any("duplicates were not checked" in n for n in out.notes)


def test_clean_with_numeric_dont_know_code():
    raw = pulse(10)
    raw["lq1"] = [1, 2, 3, 6, 5, 4, 3, 2, 1, 6]
    out = sat.clean(raw, INST, dont_know_codes=[6], careless=None)
    assert out.data["lq1"].isna().sum() == 2
    assert out.summary.set_index(["rule", "column"])["n"][("dont_know", "lq1")] == 2


# --------------------------------------------------------------------------- property tests

FI = list(LIKERT_LABELS["fi"].values())
SPELLED = ["#DIV/0!", "#N/A", "#value!", "NA", "n/a", "NULL", "-", "nan", "  "]
ANSWERS = st.sampled_from(
    FI + ["En osaa sanoa", "", "  täysin SAMAA mieltä ", "3", "9", "Kyllä"] + SPELLED
)


@st.composite
def messy_frames(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    k = 4
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", None]), min_size=n, max_size=n))
    periods = draw(st.lists(st.sampled_from(["p1", "p2"]), min_size=n, max_size=n))
    seconds = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    durations = draw(st.lists(st.integers(1, 600), min_size=n, max_size=n))
    data = {
        "respondent_id": ids,
        "period": periods,
        "submitted_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(seconds, "s"),
        "duration_s": durations,
    }
    straight = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    columns = {f"lq{j + 1}": draw(st.lists(ANSWERS, min_size=n, max_size=n)) for j in range(k)}
    for i, same in enumerate(straight):
        if same:
            for j in range(k):
                columns[f"lq{j + 1}"][i] = columns["lq1"][i]
    for name, values in columns.items():
        data[name] = [None if v == "" else v for v in values]
    frame = pd.DataFrame(data)
    if draw(st.booleans()):  # shuffle the index labels: clean must use positions
        frame.index = draw(st.permutations(list(range(100, 100 + n))))
    return frame


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_frames(), st.sampled_from(["flag", "drop", None]))
def test_rows_in_equal_rows_out_plus_rows_dropped(raw, careless):
    before = raw.copy()
    out = sat.clean(
        raw, INST, unknown_labels="missing", careless=careless, items=["lq1", "lq2", "lq3", "lq4"]
    )
    pd.testing.assert_frame_equal(raw, before)  # never modified in place
    dropped = out.log.loc[out.log["action"] == "drop", "row"].astype(int)
    assert len(raw) == len(out.data) + len(dropped)
    assert set(dropped).isdisjoint(out.data.index) and dropped.is_unique
    assert set(dropped) | set(out.data.index) == set(range(len(raw)))
    # every value that was text and is now missing (but not skipped) is in the log
    positions = {c: raw[c].isna().to_numpy() for c in ["lq1", "lq2", "lq3", "lq4"]}
    logged = out.log[out.log["action"] == "set_missing"]
    for c in ["lq1", "lq2", "lq3", "lq4"]:
        now_missing = out.data[c].isna()
        for row in now_missing[now_missing].index:
            if not positions[c][row]:
                assert ((logged["row"] == row) & (logged["column"] == c)).any(), (row, c)
    # a respondent-period appears at most once among the kept rows with an id
    kept = out.data.dropna(subset=["respondent_id"])
    assert not kept.duplicated(["respondent_id", "period"]).any()
    # skips are the empty cells, and only they; each Excel error / missing spelling is logged once
    summary = out.summary.set_index(["rule", "column"])["n"]
    for c in ["lq1", "lq2", "lq3", "lq4"]:
        assert summary[("skipped", c)] == int(raw[c].isna().sum())
        spelled = raw[c].isin(SPELLED).to_numpy()
        rules = out.log[(out.log["column"] == c) & out.log["rule"].isin(SPELLING)]
        assert sorted(rules["row"].astype(int)) == np.flatnonzero(spelled).tolist()


SPELLING = ["excel_error", "missing_spelling"]


def test_invariant_violation_is_raised():
    from satisfaction.cleaning.pipeline import _check_invariant

    data = pd.DataFrame({"x": [1, 2]}, index=pd.Index([0, 1], name="row"))
    log = pd.DataFrame({"row": pd.array([1], dtype="Int64"), "action": ["drop"]})
    with pytest.raises(CleaningError, match="internal error"):
        _check_invariant(3, data, log)


# --------------------------------------------------------------------------- spellings and dates


def test_spelled_to_missing_keeps_categories_and_numbers():
    d = pd.DataFrame(
        {
            "lq1": pd.Categorical(["4", "#DIV/0!", "NULL", None, "#div/0!"]),
            "enps": [1.0, 2.0, np.nan, 4.0, 5.0],
            "period": ["2026-01", "-", "2026-01", "#PUUTTUU!", "2026-01"],
        }
    )
    out, log = spelled_to_missing(d, ["lq1", "enps", "period", "absent"], id_col=None)
    assert isinstance(out["lq1"].dtype, pd.CategoricalDtype) and list(
        out["lq1"].cat.categories
    ) == ["4"]
    assert out["enps"] is d["enps"] or out["enps"].equals(d["enps"])
    assert log[["row", "column", "rule"]].values.tolist() == [
        [1, "lq1", "excel_error"],
        [4, "lq1", "excel_error"],
        [2, "lq1", "missing_spelling"],
        [3, "period", "excel_error"],
        [1, "period", "missing_spelling"],
    ]
    assert "value not available" in str(log["reason"].iloc[3])  # Finnish Excel's #N/A


def test_clean_counts_spelled_missing_apart_from_skips():
    """A skip is an empty cell; 'NA' and '#DIV/0!' are logged under their own rules."""
    raw = pulse(12)
    raw.loc[0, "lq1"] = "NA"
    raw.loc[1, "lq1"] = "#DIV/0!"
    raw.loc[2, "lq1"] = None
    raw.loc[3, "unit"] = "#N/A"
    out = sat.clean(raw, INST, careless=None)
    s = out.summary.set_index(["rule", "column"])["n"]
    assert s[("skipped", "lq1")] == 1
    assert s[("missing_spelling", "lq1")] == 1 and s[("excel_error", "lq1")] == 1
    assert s[("excel_error", "unit")] == 1 and pd.isna(out.data.loc[3, "unit"])
    assert out.data.loc[[0, 1, 2], "lq1"].isna().all() and out.n_out == 12


def test_duration_text_that_is_no_number_is_logged_not_silently_lost():
    """'4 min' used to become NaN with no log row; now rule not_a_number, with its line."""
    raw = pulse(12).astype({"duration_s": object})
    raw.loc[0, "duration_s"] = "4 min"
    raw.loc[1, "duration_s"] = "245,5"
    raw.loc[2, "duration_s"] = None
    raw.loc[3, "duration_s"] = "#VALUE!"
    out = sat.clean(raw, INST, careless=None)
    bad = out.log[out.log["column"] == "duration_s"]
    assert bad[["row", "old", "rule", "action"]].values.tolist() == [
        [3, "#VALUE!", "excel_error", "set_missing"],
        [0, "4 min", "not_a_number", "set_missing"],
    ]
    assert "completion time in seconds" in bad["reason"].iloc[1]
    assert (
        out.data.loc[1, "duration_s"] == 245.5
        and out.data.loc[[0, 2, 3], "duration_s"].isna().all()
    )
    assert raw.loc[0, "duration_s"] == "4 min"  # raw data untouched


def test_drop_bad_dates_drops_only_the_bad_rows():
    d = pd.DataFrame(
        {
            "respondent_id": list("abcde"),
            "period": ["2026-01", "2026-02", "2026-13", None, "2026Q1"],
            "submitted_at": ["2026-01-05", "2026-02-01 10:00", "2026-03-01", "tomorrow", None],
        }
    )
    out, log = drop_bad_dates(d)
    assert out.index.tolist() == [0, 1, 4]
    assert log[["row", "respondent", "rule", "old"]].values.tolist() == [
        [2, "c", "bad_period", "2026-13"],
        [3, "d", "bad_timestamp", "tomorrow"],
    ]
    assert (
        str(log["reason"].iloc[0])
        == "index 2: '2026-13' is not a month 'YYYY-MM' or a quarter 'YYYYQn'"
    )
    # a bad period and a bad time in one row: dropped (and logged) once
    d.loc[2, "submitted_at"] = "never"
    out, log = drop_bad_dates(d)
    assert log["row"].tolist() == [2, 3]


def test_drop_bad_dates_free_period_labels_and_a_column_that_is_not_times():
    d = pd.DataFrame(
        {"period": ["wave 1", "wave 2", "2026-01"], "submitted_at": ["x", "y", "2026-01-01"]}
    )
    with pytest.raises(
        CleaningError, match=r"index 0, column 'submitted_at': 'x' is not a date.*time_col="
    ):
        drop_bad_dates(d)
    out, log = drop_bad_dates(d, time_col=None)
    assert len(out) == 3 and len(log) == 0  # labels of its own: not checked


def test_clean_goes_on_after_a_bad_period():
    raw = pulse(10)
    raw.loc[4, "period"] = "2026-1x"
    out = sat.clean(raw, INST, careless=None)
    assert 4 not in out.data.index and out.n_out == 9
    assert out.summary.set_index(["rule"]).loc["bad_period", "n"] == 1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sat.clean(pulse(5), INST, careless="maybe"), "clean: careless='maybe'"),
        (lambda: sat.clean(pulse(5), INST, unknown_labels="keep"), "clean: unknown_labels='keep'"),
        (
            lambda: sat.clean(pulse(5), INST, careless=None, careless_methods=["speedy"]),
            "clean: careless_methods='speedy'",
        ),
        (
            lambda: recode_labels(pulse(5), ["lq1"], unknown_labels="drop"),
            "recode_labels: unknown_labels='drop'",
        ),
        (
            lambda: recode_labels(pulse(5), ["lq1"], languages=["de"]),
            "recode_labels: languages='de'",
        ),
        (
            lambda: dont_know_to_missing(pulse(5), ["lq1"], languages="se"),
            "dont_know_to_missing: languages='se'",
        ),
        (lambda: flag_careless(pulse(5), ["enps"], "psychic"), "flag_careless: method='psychic'"),
        (
            lambda: careless_metrics(pulse(5), ["enps"], metrics=["entropy"]),
            "careless_metrics: metrics='entropy'",
        ),
    ],
    ids=[
        "clean-careless",
        "clean-unknown_labels",
        "clean-careless_methods",
        "recode-unknown_labels",
        "recode-languages",
        "dont_know-languages",
        "flag_careless-method",
        "careless_metrics-metrics",
    ],
)
def test_every_option_is_checked(call, message):
    """An invalid option value is an OptionError (a ValueError) listing the allowed values."""
    with pytest.raises(OptionError, match=re.escape(message) + r".* is not one of '") as info:
        call()
    assert isinstance(info.value, ValueError)


def test_recode_labels_and_dont_know_leave_spellings_their_own_rules():
    """Used on their own, the steps agree with clean: 'N/A' is a missing spelling, not a don't-know."""
    d = pd.DataFrame({"lq1": ["N/A", "#REF!", "En osaa sanoa", "4", "null"]})
    out, log = dont_know_to_missing(d, ["lq1"], id_col=None)
    assert log["old"].tolist() == ["En osaa sanoa"] and out["lq1"].iloc[0] == "N/A"
    out, log = recode_labels(d, ["lq1"], id_col=None)
    assert out["lq1"].isna().tolist() == [True, True, True, False, True]
    assert log.sort_values("row")["rule"].tolist() == [
        "missing_spelling",
        "excel_error",
        "dont_know",
        "missing_spelling",
    ]
    assert "Excel error #REF! (reference to a deleted cell) set to missing" in set(
        log["reason"].astype(str)
    )

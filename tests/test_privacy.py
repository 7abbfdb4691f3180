"""Tests of satisfaction.privacy: pseudonyms, complementary suppression, the report guard.

The suppression tests use a disclosure checker written here, independently of the
implementation: it rebuilds the published equations (margins = sums of cells), and
checks with a null-space test (any linear combination of the published numbers) and
with linear programming (counts are >= 0) that no hidden small group can be recovered.
"""

from __future__ import annotations

import hmac
import itertools
import os
import warnings
from hashlib import sha256

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

import satisfaction as sat
from satisfaction import config, privacy
from satisfaction.errors import InputError, OptionError, PrivacyError
from satisfaction.privacy import margins as margins_of

KEY = "0123456789abcdef-test-key"
K = 5

# --------------------------------------------------------------------------- the checker
#
# Written from the rule stated in suppress()'s docstring, not from its code: the reader
# knows every shown cell and margin of both periods and the reasons; each hidden count is
# an unknown with the bounds its reason implies, and scipy's linprog gives its interval.

SMALL, CHANGE, PARTNER = (
    f"below {K}",
    "protects a change since the previous period",
    ("protects another cell"),
)


def reader_view(table, out, by, total, k=K):
    """Entries (key -> true count), what the reader sees, reasons and the equations."""
    truth, shown, reason, equations = {}, {}, {}, []
    cells = []
    for t_row, o_row in zip(table.itertuples(), out.itertuples(), strict=True):
        key = ("cell", *(getattr(t_row, b) for b in by))
        cells.append(key)
        truth[key] = int(t_row.n)
        if not o_row.suppressed:
            shown[key] = int(o_row.n)
        reason[key] = o_row.suppression_reason
    m = margins_of(out)
    members_total = list(cells)
    if isinstance(total, int) and not isinstance(total, bool):
        truth[("rest",)] = total - sum(truth[c] for c in cells)
        reason[("rest",)] = "rest"
        members_total.append(("rest",))
    for rec in m.itertuples():
        key = ("margin", rec.level, rec.group)
        if rec.level == "total":
            members = members_total
        else:
            li = by.index(rec.level) + 1
            members = [c for c in cells if c[li] == rec.group]
        truth[key] = sum(truth[c] for c in members)
        if not rec.suppressed:
            shown[key] = int(rec.n)
        reason[key] = rec.suppression_reason
        equations.append((key, members))
    return truth, shown, reason, equations


def reader_bounds(key, truth, reason, before, k=K):
    why = reason[key]
    if why == "rest":
        return 0.0, None
    if why == SMALL:
        return 1.0, float(k - 1)
    y = before.get(key) if before is not None else None
    if why == CHANGE:
        assert y is not None, f"{key} is hidden for a change but was not shown before"
        return float(max(k, y - k + 1)), float(y + k - 1)
    assert why == PARTNER, f"unexpected reason {why!r}"
    if y is None:
        return float(k), None
    v = truth[key]  # the reader knows which side: the stronger reader
    if v == y:
        return float(v), float(v)
    return (float(max(k, y + k)), None) if v > y else (float(k), float(y - k))


def linear_system(truth, shown, equations):
    unknown = sorted((key for key in truth if key not in shown), key=str)
    pos = {u: c for c, u in enumerate(unknown)}
    a = np.zeros((len(equations), len(unknown)))
    b = np.zeros(len(equations))
    for j, (mkey, members) in enumerate(equations):
        for key, sign in [(mkey, 1.0)] + [(x, -1.0) for x in members]:
            if key in pos:
                a[j, pos[key]] += sign
            else:
                b[j] -= sign * shown.get(key, truth[key])
    return unknown, pos, a, b


def disclosure_problems(
    table, out, by, total, k=K, before_table=None, before=None, prev_total=None
):
    """Every way the published table(s) reveal a small group or a small movement ([] = safe).

    ``before`` is the previous period as published (suppress()'s output), or None with a
    ``before_table`` given as raw.
    """
    problems = []
    truth, shown, reason, equations = reader_view(table, out, by, total, k)
    prev_shown, prev_view = None, None
    if before_table is not None:
        if before is None:  # a raw previous table: its reader saw what suppress() publishes
            before = sat.suppress(before_table, by=by, total=prev_total, min_group_size=k)
        prev_view = reader_view(before_table, before, by, prev_total, k)
        prev_shown = prev_view[1]
    for key, v in shown.items():
        if v != truth[key]:
            problems.append(f"{key} shows {v}, not its count {truth[key]}")
        if 0 < v < k:
            problems.append(f"{key} with n={v} is shown")
        if prev_shown is not None and key in prev_shown and 0 < abs(v - prev_shown[key]) < k:
            problems.append(f"{key} is shown in both periods and moved by {v - prev_shown[key]}")
    for key in truth:
        if key not in shown and reason[key] not in (SMALL, CHANGE, PARTNER, "rest"):
            problems.append(f"{key} has the reason {reason[key]!r}")
    unknown, pos, a, b = linear_system(truth, shown, equations)
    bounds = [reader_bounds(u, truth, reason, prev_shown, k) for u in unknown]
    for u in unknown:
        lo_b, hi_b = bounds[pos[u]]
        assert lo_b - 1e-9 <= truth[u] <= (np.inf if hi_b is None else hi_b) + 1e-9, (u, bounds)
    for u in unknown:
        v = truth[u]
        need = None
        if 0 < v < k:
            need = (1, k - 1)
        elif prev_shown is not None and u in prev_shown and 0 < abs(v - prev_shown[u]) < k:
            y = prev_shown[u]
            need = (max(k, y - k + 1), y + k - 1)
        if need is None:
            continue
        if not a.size:
            continue
        # no more than hiding every other figure (as a partner) would leave; empty cells
        # are never hidden
        r_lo, r_hi = lp_range(u, list(truth), {}, equations, truth, reason, prev_shown, shown, k)
        need = (max(need[0], r_lo), min(need[1], r_hi))
        lo, top = lp_range(u, unknown, pos, equations, truth, reason, prev_shown, shown, k, a, b)
        if lo > need[0] + 1e-6 or top < need[1] - 1e-6:
            problems.append(f"{u} (n={v}) lies in [{lo:g}, {top:g}], narrower than {need}")
    if prev_view is not None:
        problems += moved_sets(truth, shown, equations, unknown, a, prev_view, k)
    return problems


def lp_range(u, unknown, pos, equations, truth, reason, before, shown, k=K, a=None, b=None):
    """Minimum and maximum of ``u`` over the reader's feasible tables (linprog)."""
    if a is None:  # every entry unknown: shown ones as if hidden as partners
        unknown = sorted(unknown, key=str)
        pos = {x: c for c, x in enumerate(unknown)}
        a = np.zeros((len(equations), len(unknown)))
        for j, (mkey, members) in enumerate(equations):
            for key, sign in [(mkey, 1.0)] + [(x, -1.0) for x in members]:
                a[j, pos[key]] += sign
        b = np.zeros(len(equations))

    def role(x):  # the reason a shown figure would get if it were hidden
        y = None if before is None else before.get(x)
        if 0 < truth[x] < k:
            return SMALL
        return CHANGE if y is not None and 0 < abs(truth[x] - y) < k else PARTNER

    as_partner = dict(reason)
    as_partner.update({x: role(x) for x in shown})
    bounds = [
        (0.0, 0.0)
        if x in shown and shown[x] == 0
        else reader_bounds(x, truth, as_partner, before, k)
        for x in unknown
    ]
    c = np.zeros(len(unknown))
    c[pos[u]] = 1.0
    lo = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    hi = linprog(-c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    assert lo.status == 0 and hi.status in (0, 3), "the true counts must be feasible"
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


def moved_sets(truth, shown, equations, unknown, a, prev_view, k=K):
    """Sets of hidden cells whose net change is derivable in both periods and below k."""
    hidden_cells = [u for u in unknown if u[0] == "cell"]
    if len(hidden_cells) < 1 or len(hidden_cells) > 12:
        return []
    p_truth, p_shown, _, p_equations = prev_view
    p_unknown, p_pos, p_a, _ = linear_system(p_truth, p_shown, p_equations)
    ns_now = null_space(a) if a.size else np.eye(len(unknown))
    ns_before = null_space(p_a) if p_a.size else np.eye(len(p_unknown))
    subsets = np.array(list(itertools.product((0.0, 1.0), repeat=len(hidden_cells))))[1:]
    now = np.zeros((len(subsets), len(unknown)))
    before = np.zeros((len(subsets), len(p_unknown)))
    for c, u in enumerate(hidden_cells):
        now[:, unknown.index(u)] = subsets[:, c]
        if u in p_pos:
            before[:, p_pos[u]] = subsets[:, c]
    derivable = np.ones(len(subsets), bool)
    if ns_now.size:
        derivable &= np.abs(now @ ns_now).max(axis=1) < 1e-8
    if ns_before.size:
        derivable &= np.abs(before @ ns_before).max(axis=1) < 1e-8
    change = subsets @ np.array([truth[u] - p_truth.get(u, 0) for u in hidden_cells], dtype=float)
    problems = [
        f"hidden cells {[hidden_cells[c] for c in np.flatnonzero(subsets[r])]} moved by "
        f"{change[r]:g} in total, derivable"
        for r in np.flatnonzero(derivable & (np.abs(change) > 0.5) & (np.abs(change) < k - 0.5))
    ]
    return problems


# --------------------------------------------------------------------------- strategies

# one-person groups and empty cells beside large ones
counts = st.one_of(st.integers(0, 2), st.integers(0, 6), st.integers(0, 60))
SCALE = int(os.environ.get("SATISFACTION_SUPPRESS_EXAMPLES_SCALE", "1"))


def slow_settings(n):
    return settings(
        max_examples=n * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow],
    )


@st.composite
def one_level(draw):
    values = draw(st.lists(counts, min_size=1, max_size=8))
    table = pd.DataFrame({"unit": [f"u{i}" for i in range(len(values))], "n": values})
    total = draw(st.sampled_from([None, False, "int"]))
    if total == "int":
        total = int(sum(values) + draw(st.integers(0, 12)))
    return table, total


@st.composite
def two_levels(draw):
    r = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    values = draw(st.lists(counts, min_size=r * c, max_size=r * c))
    table = pd.DataFrame(
        {
            "division": [f"d{i}" for i in range(r) for _ in range(c)],
            "unit": [f"u{j}" for _ in range(r) for j in range(c)],
            "n": values,
        }
    )
    total = draw(st.sampled_from([None, ["division"], ["unit"]]))
    return table, total


def moved(draw, table):
    """The next period: each group moves by a few people, some by many, some not at all."""
    step = st.one_of(st.just(0), st.integers(-4, 4), st.integers(-12, 12))
    return table.assign(n=[max(0, int(v) + draw(step)) for v in table["n"]])


@slow_settings(50)
@given(one_level())
def test_suppress_one_level_reveals_no_small_group(case):
    table, total = case
    out = sat.suppress(table, by="unit", total=total)
    assert disclosure_problems(table, out, ["unit"], total) == []


@slow_settings(30)
@given(two_levels())
def test_suppress_two_levels_with_margins_reveals_no_small_group(case):
    table, total = case
    out = sat.suppress(table, by=["division", "unit"], total=total)
    assert disclosure_problems(table, out, ["division", "unit"], total) == []


@slow_settings(25)
@given(one_level(), st.data())
def test_suppress_one_level_two_periods(case, data):
    before, total = case
    total = None if isinstance(total, int) and not isinstance(total, bool) else total
    now = moved(data.draw, before)
    published = sat.suppress(before, by="unit", total=total)
    out = sat.suppress(now, by="unit", total=total, previous=published)
    assert (
        disclosure_problems(
            now, out, ["unit"], total, before_table=before, before=published, prev_total=total
        )
        == []
    )
    # a raw previous table: the reader is assumed to have seen all of it that is not small
    again = sat.suppress(now, by="unit", total=total, previous=before)
    assert (
        disclosure_problems(now, again, ["unit"], total, before_table=before, prev_total=total)
        == []
    )


@slow_settings(20)
@given(two_levels(), st.data())
def test_suppress_two_levels_two_periods(case, data):
    before, total = case
    now = moved(data.draw, before)
    by = ["division", "unit"]
    published = sat.suppress(before, by=by, total=total)
    out = sat.suppress(now, by=by, total=total, previous=published)
    assert (
        disclosure_problems(
            now, out, by, total, before_table=before, before=published, prev_total=total
        )
        == []
    )


def test_checker_catches_a_naive_primary_only_table():
    """The checker must be able to fail: primary suppression alone leaks via the total."""
    table = pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]})
    naive = table.assign(suppressed=table["n"] < K, suppression_reason=["", SMALL, ""])
    naive.attrs["margins"] = [
        {"level": "total", "group": "total", "n": 55, "suppressed": False, "suppression_reason": ""}
    ]
    assert disclosure_problems(table, naive, ["unit"], None)


def published_as(table, hidden, reasons, total_shown=True):
    out = table.assign(suppressed=hidden, suppression_reason=reasons)
    out.attrs["margins"] = [
        {
            "level": "total",
            "group": "total",
            "n": int(table["n"].sum()) if total_shown else None,
            "suppressed": not total_shown,
            "suppression_reason": "" if total_shown else CHANGE,
        }
    ]
    return out


def test_checker_catches_one_person_groups_beside_empty_cells():
    """Hidden 1 + 1 beside shown zeros: the hidden sum (2) says each is 1."""
    table = pd.DataFrame({"unit": list("ABCD"), "n": [1, 1, 0, 30]})
    out = published_as(table, [True, True, False, False], [SMALL, SMALL, "", ""])
    assert any("narrower" in p for p in disclosure_problems(table, out, ["unit"], None))


def test_checker_catches_a_partner_of_exactly_k():
    """Today's partner choice: B (1) hidden with D (5); B + D = 6 and D >= 5 pin B to 1."""
    table = pd.DataFrame({"unit": list("ABCD"), "n": [40, 1, 12, 5]})
    out = published_as(table, [False, True, False, True], ["", SMALL, "", PARTNER])
    assert disclosure_problems(table, out, ["unit"], None)
    assert sat.suppress(table, by="unit")["suppressed"].tolist() == [False, True, True, False]


def test_checker_catches_the_old_two_period_example():
    """The old docstring example: A (20 -> 18) and C hidden, the total 90 -> 88 shown."""
    before = pd.DataFrame({"unit": ["A", "B", "C"], "n": [20, 40, 30]})
    now = before.assign(n=[18, 40, 30])
    old = published_as(now, [True, False, True], [CHANGE, "", PARTNER])
    problems = disclosure_problems(now, old, ["unit"], None, before_table=before)
    assert any("moved by -2" in p for p in problems), problems
    out = sat.suppress(now, by="unit", previous=before)
    assert disclosure_problems(now, out, ["unit"], None, before_table=before) == []
    assert out["suppression_reason"].tolist() == [CHANGE, "", ""]
    assert margins_of(out)["suppressed"].tolist() == [True]


def test_suppress_hidden_pair_moved_by_one_person():
    """A (2 -> 3) and C hidden in both periods: A + C is derivable both times, 32 -> 33."""
    before = pd.DataFrame({"unit": ["A", "B", "C"], "n": [2, 40, 30]})
    now = pd.DataFrame({"unit": ["A", "B", "C"], "n": [3, 40, 30]})
    published = sat.suppress(before, by="unit")
    assert published["suppressed"].tolist() == [True, False, True]
    out = sat.suppress(now, by="unit", previous=published)
    assert (
        disclosure_problems(now, out, ["unit"], None, before_table=before, before=published) == []
    )
    assert out["suppressed"].sum() + margins_of(out)["suppressed"].sum() > 2


def test_suppress_one_person_groups_beside_large_ones_and_empty_cells():
    """Three one-person units, two empty ones and large ones, in two periods."""
    before = pd.DataFrame({"unit": list("ABCDEFGH"), "n": [1, 1, 1, 0, 0, 40, 35, 9]})
    now = before.assign(n=[1, 2, 1, 0, 0, 41, 35, 9])
    out = sat.suppress(before, by="unit")
    assert out.loc[:2, "suppressed"].all() and not out.loc[3:4, "suppressed"].any()
    assert disclosure_problems(before, out, ["unit"], None) == []
    later = sat.suppress(now, by="unit", previous=out)
    assert disclosure_problems(now, later, ["unit"], None, before_table=before, before=out) == []
    reasons = set(later["suppression_reason"]) | set(margins_of(later)["suppression_reason"])
    assert reasons <= {"", SMALL, PARTNER, CHANGE}


def test_suppress_one_level_example():
    table = pd.DataFrame(
        {"unit": ["A", "B", "C", "D"], "n": [40, 3, 12, 25], "ex_mean": [3.9, 2.1, 3.5, 4.0]}
    )
    before = table.copy()
    out = sat.suppress(table, by="unit")
    pd.testing.assert_frame_equal(table, before)  # input untouched
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["suppression_reason"].tolist() == [
        "",
        SMALL,
        PARTNER,
        "",
    ]
    assert out["ex_mean"].isna().tolist() == [False, True, True, False]
    assert out["n"].isna().tolist() == [False, True, True, False]
    assert margins_of(out)["n"].tolist() == [80]


def test_suppress_without_total_is_primary_only():
    table = pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]})
    assert sat.suppress(table, total=False)["suppressed"].tolist() == [False, True, False]


def test_suppress_hidden_remainder_of_a_larger_total_protects():
    table = pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]})
    # 20 people outside the table are never published: B cannot be recovered from the total
    assert sat.suppress(table, total=75)["suppressed"].tolist() == [False, True, False]
    # but a remainder of 0 does not protect
    assert sat.suppress(table, total=55)["suppressed"].tolist() == [False, True, True]


def test_suppress_two_level_small_margin_is_reported():
    table = pd.DataFrame(
        {
            "division": ["D1", "D1", "D2", "D2", "D3", "D3"],
            "unit": ["a", "b", "a", "b", "a", "b"],
            "n": [1, 2, 20, 25, 30, 14],
        }
    )
    out = sat.suppress(table, by=["division", "unit"])
    m = margins_of(out).set_index(["level", "group"])
    assert m.loc[("division", "D1"), "suppressed"]
    assert m.loc[("division", "D1"), "suppression_reason"] == SMALL
    assert disclosure_problems(table, out, ["division", "unit"], None) == []
    assert all(r in ("", SMALL, PARTNER) for r in out["suppression_reason"])


def test_suppress_bad_input():
    good = pd.DataFrame({"unit": ["A", "B"], "n": [10, 3]})
    with pytest.raises(OptionError, match="count_col='size' is not one of 'unit', 'n'"):
        sat.suppress(good, count_col="size")
    with pytest.raises(InputError, match="row 1, column 'n'"):
        sat.suppress(good.assign(n=[10, -1]))
    with pytest.raises(InputError, match="repeats the group unit=A"):
        sat.suppress(pd.DataFrame({"unit": ["A", "A"], "n": [10, 3]}))
    with pytest.raises(InputError, match="one or two grouping levels"):
        sat.suppress(good.assign(a="x", b="y"), by=["unit", "a", "b"])
    with pytest.raises(InputError, match="smaller than the sum"):
        sat.suppress(good, total=5)


def test_suppress_reads_its_own_output_again():
    table = pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]})
    once = sat.suppress(table)
    # a published table (with suppressed/suppression_reason) is accepted as previous=
    twice = sat.suppress(table, previous=once)
    assert twice["suppressed"].tolist() == once["suppressed"].tolist()


# --------------------------------------------------------------------------- pseudonyms


@pytest.fixture
def no_key_env(monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.delenv(privacy.KEY_FILE_ENV, raising=False)


def test_pseudonymise_is_the_documented_hmac(no_key_env):
    ids = pd.Series([101, "102", 101.0, None], index=[5, 6, 7, 8], name="respondent_id")
    out = sat.pseudonymise(ids, key=KEY)
    expected = "P" + hmac.new(KEY.encode(), b"101", sha256).hexdigest()[:16]
    assert out.iloc[0] == expected and out.iloc[2] == expected  # 101 and 101.0 are one id
    assert out.iloc[1] != expected
    assert out.iloc[3] is None
    assert list(out.index) == [5, 6, 7, 8] and out.name == "respondent_id"


def test_pseudonymise_stable_and_key_dependent(no_key_env):
    ids = [f"emp{i}" for i in range(500)]
    a = sat.pseudonymise(ids, key=KEY)
    b = sat.pseudonymise(list(reversed(ids)), key=KEY)[::-1]
    other = sat.pseudonymise(ids, key=KEY + "x")
    assert isinstance(a, np.ndarray)
    assert list(a) == list(b)
    assert len(set(a)) == 500
    assert not set(a) & set(other)
    assert all(ident not in p for ident, p in zip(ids, a, strict=True))
    assert all(len(p) == 33 for p in sat.pseudonymise(ids[:3], key=KEY, length=32))


def test_pseudonymise_without_key_fails_clearly(no_key_env):
    with pytest.raises(PrivacyError, match="no pseudonymisation key.*SATISFACTION_PSEUDONYM_KEY"):
        sat.pseudonymise([1, 2])
    with pytest.raises(PrivacyError, match="fewer than 16"):
        sat.pseudonymise([1, 2], key="short")


def test_pseudonymise_key_from_environment(no_key_env, monkeypatch, tmp_path):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    from_env = sat.pseudonymise(["a"])
    monkeypatch.delenv(privacy.KEY_ENV)
    key_file = tmp_path / "outside" / "pseudonym.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY + "\n", encoding="utf-8")
    monkeypatch.setattr(config, "PROJ_ROOT", tmp_path / "repo")
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    from_file = sat.pseudonymise(["a"])
    assert list(from_env) == list(from_file) == list(sat.pseudonymise(["a"], key=KEY))


def test_pseudonymise_refuses_key_file_inside_repository(no_key_env, monkeypatch, tmp_path):
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    key_file = repo / "data" / "pseudonym.key"
    key_file.write_text(KEY, encoding="utf-8")
    monkeypatch.setattr(config, "PROJ_ROOT", repo)
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(repo / "data" / ".." / "data" / "pseudonym.key"))
    with pytest.raises(PrivacyError, match="inside the repository"):
        sat.pseudonymise(["a"])


def test_pseudonymise_demo_key_warns(no_key_env):
    with pytest.warns(privacy.DemoKeyWarning, match="never use it on real data"):
        a = sat.pseudonymise(["a"], key="demo")
    with pytest.warns(privacy.DemoKeyWarning):
        b = sat.pseudonymise(["a"], demo=True)
    assert list(a) == list(b) == list(sat.pseudonymise(["a"], key=privacy.DEMO_KEY))


def test_pseudonymise_frame_leaves_input_untouched(no_key_env):
    raw = pd.DataFrame({"respondent_id": ["e1", "e2", "e1"], "manager_id": ["m1", "m1", "m2"]})
    keep = raw.copy()
    out = sat.pseudonymise_frame(raw, columns=["respondent_id", "manager_id"], key=KEY)
    pd.testing.assert_frame_equal(raw, keep)
    assert out["respondent_id"].iloc[0] == out["respondent_id"].iloc[2]
    assert out["manager_id"].iloc[0] == out["manager_id"].iloc[1]
    with pytest.raises(OptionError, match="columns='email' is not one of 'respondent_id'"):
        sat.pseudonymise_frame(raw, columns="email", key=KEY)


@pytest.fixture
def key_file(no_key_env, monkeypatch, tmp_path):
    """A key file outside the repository, as an editor saves it (with a final newline)."""
    path = tmp_path / "outside" / "pseudonym.key"
    path.parent.mkdir()
    path.write_bytes(KEY.encode() + b"\n")
    monkeypatch.setattr(config, "PROJ_ROOT", tmp_path / "repo")
    return path


def test_two_waves_link_however_the_key_is_supplied(key_file, monkeypatch):
    """Wave 1 through SATISFACTION_PSEUDONYM_KEY_FILE, later waves through other routes."""
    wave1 = pd.DataFrame({"respondent_id": ["e1", "e2", "e3"], "ex1": [4, 5, 3]})
    wave2 = pd.DataFrame({"respondent_id": ["e3", "e1", "e9"], "ex1": [2, 4, 5]})
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    first = sat.pseudonymise_frame(wave1)
    routes = {
        "key=open(f).read()": {"key": key_file.read_text(encoding="utf-8")},
        "key=bytes of the file": {"key": key_file.read_bytes()},
        "key=the key itself": {"key": KEY},
    }
    for route, kwargs in routes.items():
        later = sat.pseudonymise_frame(wave2, **kwargs)
        linked = first.merge(later, on="respondent_id", suffixes=("_1", "_2"))
        assert len(linked) == 2, route  # e1 and e3 answered both waves
    monkeypatch.delenv(privacy.KEY_FILE_ENV)
    for value in (KEY + "\n", f"  {KEY}\r\n", KEY):
        monkeypatch.setenv(privacy.KEY_ENV, value)
        later = sat.pseudonymise_frame(wave2)
        assert len(first.merge(later, on="respondent_id")) == 2, repr(value)


def test_key_normalised_in_one_place():
    assert privacy.normalise_key(f"\ufeff{KEY}\r\n") == KEY.encode()
    assert privacy.normalise_key(b"\xef\xbb\xbf" + KEY.encode() + b" \t") == KEY.encode()
    assert privacy.normalise_key(f"{KEY} inner") == f"{KEY} inner".encode()  # inside kept
    with pytest.raises(PrivacyError, match="text or bytes"):
        privacy.normalise_key(12345)


def test_key_argument_differing_from_the_file_only_in_whitespace_is_refused(key_file, monkeypatch):
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    for variant in (f" {KEY}", f"{KEY}\r\n", f"{KEY}\n\n", f"\t{KEY}\n"):
        with pytest.raises(PrivacyError, match="only in surrounding whitespace.*leave key= out"):
            sat.pseudonymise(["a"], key=variant)
    # the file's exact text and the key itself are accepted, a different key is the user's choice
    assert list(sat.pseudonymise(["a"], key=key_file.read_text())) == list(
        sat.pseudonymise(["a"], key=KEY)
    )
    assert sat.pseudonymise(["a"], key=KEY + "-other")[0] != sat.pseudonymise(["a"], key=KEY)[0]


def test_short_key_after_normalising_is_refused(no_key_env, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "short-key\n       ")
    with pytest.raises(PrivacyError, match="9 characters.*fewer than 16"):
        sat.pseudonymise(["a"])


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: sat.suppress(t, count_col="N"), "count_col='N' is not one of 'unit', 'n'"),
        (lambda t: sat.suppress(t, by="units"), "by='units' is not one of 'unit'"),
        (
            lambda t: sat.suppress(t.assign(d="x"), by=["d", "unit"], total="division"),
            "total='division' is not one of 'd', 'unit'",
        ),
        (lambda t: sat.guard(t, count_col="size"), "count_col='size' is not one of 'unit', 'n'"),
        (
            lambda t: sat.pseudonymise_frame(t, columns=["unit", "id"], key=KEY),
            "columns='id' is not one of 'unit', 'n'",
        ),
    ],
    ids=["suppress-count_col", "suppress-by", "suppress-total", "guard-count_col", "frame-columns"],
)
def test_privacy_options_are_checked(call, match):
    table = pd.DataFrame({"unit": ["A", "B"], "n": [10, 20]})
    with pytest.raises(OptionError, match=match):
        call(table)


def test_pseudonymise_many_ids_maps_unique_values(no_key_env):
    ids = pd.Series(np.arange(200_000) % 5_000)
    out = sat.pseudonymise(ids, key=KEY)
    assert out.nunique() == 5_000
    assert out.iloc[0] == out.iloc[5_000]


# --------------------------------------------------------------------------- guard


def test_guard_passes_safe_aggregates():
    table = pd.DataFrame({"unit": ["A", "B"], "n": [12, 30], "ex_mean": [3.4, 3.9]})
    assert sat.guard(table) is table
    series = table.set_index("unit")["ex_mean"]
    assert sat.guard(series) is series
    published = sat.suppress(pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]}))
    assert sat.guard(published) is published
    assert sat.guard(table.style) is not None


@pytest.mark.parametrize(
    "column", ["respondent_id", "Employee ID", "email", "Name", "hetu", "pseudonym", "id"]
)
def test_guard_refuses_identifier_columns(column):
    with pytest.raises(PrivacyError, match="identifies respondents"):
        sat.guard(pd.DataFrame({column: [1, 2], "n": [10, 10]}))


def test_guard_refuses_identifiers_in_index_values_and_user_list():
    with pytest.raises(PrivacyError, match="index level 'respondent_id'"):
        sat.guard(pd.DataFrame({"ex1": [4, 5]}, index=pd.Index([1, 2], name="respondent_id")))
    with pytest.raises(PrivacyError, match="'badge'"):
        sat.guard(pd.DataFrame({"badge": [1, 2]}), id_columns=["badge"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codes = sat.pseudonymise(["a", "b"], key="demo")
    with pytest.raises(PrivacyError, match="holds pseudonyms"):
        sat.guard(pd.DataFrame({"who": codes, "ex1": [4, 5]}))
    with pytest.raises(PrivacyError, match="e-mail"):
        sat.guard(pd.DataFrame({"contact": ["a@b.fi", "c@d.fi"]}))


def test_guard_refuses_small_groups_and_odd_objects():
    with pytest.raises(PrivacyError, match="n=3, below min_group_size=5.*suppress"):
        sat.guard(pd.DataFrame({"unit": ["A", "B"], "n": [12, 3]}))
    with pytest.raises(PrivacyError, match="size=2"):
        sat.guard(pd.DataFrame({"unit": ["A"], "size": [2]}), count_col="size")
    assert sat.guard(pd.DataFrame({"unit": ["A"], "n": [7]}), min_group_size=5) is not None
    with pytest.raises(PrivacyError, match="min_group_size=10"):
        sat.guard(pd.DataFrame({"unit": ["A"], "n": [7]}), min_group_size=10)
    with pytest.raises(PrivacyError, match="checks DataFrames and Series"):
        sat.guard([1, 2, 3])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    try:
        with pytest.raises(PrivacyError, match="DataFrame the figure is drawn from"):
            sat.guard(fig)
    finally:
        plt.close(fig)

"""Tests of satisfaction.privacy: pseudonyms, complementary suppression, the report guard.

The suppression tests use a disclosure checker written here, independently of the
implementation: it rebuilds the published equations (margins = sums of cells), and
checks with a null-space test (any linear combination of the published numbers) and
with linear programming (counts are >= 0) that no hidden small group can be recovered.
"""

from __future__ import annotations

import hmac
import itertools
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
from satisfaction.errors import InputError, PrivacyError
from satisfaction.privacy import margins as margins_of

KEY = "0123456789abcdef-test-key"
K = 5

# --------------------------------------------------------------------------- the checker


def published_system(table, out, by, total, k=K):
    """Unknowns, equations and values as a reader of the published table sees them.

    Returns (values, sensitive, unknown_mask, equations) over entries = cells (+ hidden rest)
    + margins, where an equation is (margin_index, [member indices]).
    """
    counts = table["n"].to_numpy(dtype=int)
    n = len(counts)
    values = list(counts)
    unknown = list(out["suppressed"].to_numpy(dtype=bool))
    equations = []
    margins = margins_of(out)
    if total is False:
        return np.array(values), np.array(unknown), equations, n
    members = list(range(n))
    if isinstance(total, int) and not isinstance(total, bool):
        values.append(total - counts.sum())
        unknown.append(True)  # the groups outside the table are never published
        members.append(len(values) - 1)
    n_people = len(values)
    grand = margins[margins["level"] == "total"].iloc[0]
    values.append(sum(values[m] for m in members))
    unknown.append(bool(grand["suppressed"]))
    equations.append((len(values) - 1, members))
    if len(by) == 2:
        for li, lev in enumerate(by):
            for g, idx in table.groupby(by[li], sort=False).indices.items():
                row = margins[(margins["level"] == lev) & (margins["group"] == g)]
                values.append(int(counts[idx].sum()))
                # a subtotal that is not published at all is an unknown for the reader
                unknown.append(row.empty or bool(row["suppressed"].iloc[0]))
                equations.append((len(values) - 1, list(idx)))
    return np.array(values), np.array(unknown), equations, n_people


def disclosure_problems(table, out, by, total, k=K, sensitive_extra=()):
    """Every way the published table reveals fewer than k people (empty list = safe)."""
    problems = []
    values, unknown, equations, n_people = published_system(table, out, by, total, k)
    shown_cells = ~out["suppressed"].to_numpy(dtype=bool)
    counts = table["n"].to_numpy(dtype=int)
    for i in np.flatnonzero(shown_cells):
        if 0 < counts[i] < k:
            problems.append(f"cell {i} with n={counts[i]} is shown")
    for i in range(len(values)):
        if not unknown[i] and 0 < values[i] < k:
            problems.append(f"entry {i} with n={values[i]} is shown")
    # shown cells must show their true count
    shown_n = out.loc[shown_cells, "n"].to_numpy(dtype=int)
    if not np.array_equal(shown_n, counts[shown_cells]):
        problems.append("a shown count differs from the input")
    unk = np.flatnonzero(unknown)
    if not equations or unk.size == 0:
        return problems
    a = np.zeros((len(equations), unk.size))
    pos = {u: c for c, u in enumerate(unk)}
    b = np.zeros(len(equations))
    for j, (m, members) in enumerate(equations):
        for idx, sign in [(m, 1.0)] + [(x, -1.0) for x in members]:
            if idx in pos:
                a[j, pos[idx]] += sign
            else:
                b[j] -= sign * values[idx]
    # (1) linear algebra: a 0/1 combination of hidden people-entries is derivable iff it is
    # orthogonal to the null space of the equations
    people = [u for u in unk if u < n_people]
    ns = null_space(a)
    if people:
        combos = np.array(list(itertools.product((0, 1), repeat=len(people))))[1:]
        vec = np.zeros((len(combos), unk.size))
        for c, u in enumerate(people):
            vec[:, pos[u]] = combos[:, c]
        derivable = np.abs(vec @ ns).max(axis=1) < 1e-8 if ns.size else np.ones(len(combos), bool)
        sums = combos @ values[people]
        for row in np.flatnonzero(derivable & (sums > 0) & (sums < k)):
            members = [people[c] for c in np.flatnonzero(combos[row])]
            problems.append(f"hidden entries {members} sum to {sums[row]}, derivable")
    # (2) linear programming with counts >= 0: no sensitive hidden cell is pinned down
    sensitive = [u for u in people if 0 < values[u] < k or u in sensitive_extra]
    for u in sensitive:
        c = np.zeros(unk.size)
        c[pos[u]] = 1.0
        lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status in (0, 3), "the true counts must be feasible"
        if hi.status == 0 and -hi.fun - lo.fun < 0.5:  # status 3: no upper bound at all
            problems.append(f"hidden entry {u} (n={values[u]}) is pinned to {lo.fun:g}")
    return problems


# --------------------------------------------------------------------------- strategies

small_or_big = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def one_level(draw):
    counts = draw(st.lists(small_or_big, min_size=1, max_size=8))
    table = pd.DataFrame({"unit": [f"u{i}" for i in range(len(counts))], "n": counts})
    total = draw(st.sampled_from([None, False, "int"]))
    if total == "int":
        total = int(sum(counts) + draw(st.integers(0, 12)))
    return table, total


@st.composite
def two_levels(draw):
    r = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    counts = draw(st.lists(small_or_big, min_size=r * c, max_size=r * c))
    table = pd.DataFrame(
        {
            "division": [f"d{i}" for i in range(r) for _ in range(c)],
            "unit": [f"u{j}" for _ in range(r) for j in range(c)],
            "n": counts,
        }
    )
    total = draw(st.sampled_from([None, ["division"], ["unit"]]))
    return table, total


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(one_level())
def test_suppress_one_level_reveals_no_small_group(case):
    table, total = case
    out = sat.suppress(table, by="unit", total=total)
    assert disclosure_problems(table, out, ["unit"], total) == []


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(two_levels())
def test_suppress_two_levels_with_margins_reveals_no_small_group(case):
    table, total = case
    out = sat.suppress(table, by=["division", "unit"], total=total)
    assert disclosure_problems(table, out, ["division", "unit"], None) == []


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(st.tuples(small_or_big, small_or_big), min_size=1, max_size=7),
)
def test_suppress_with_previous_period_hides_small_changes(pairs):
    before = pd.DataFrame(
        {"unit": [f"u{i}" for i in range(len(pairs))], "n": [p for p, _ in pairs]}
    )
    now = before.assign(n=[q for _, q in pairs])
    published_before = sat.suppress(before, by="unit")
    out = sat.suppress(now, by="unit", previous=published_before)
    both = ~out["suppressed"] & ~published_before["suppressed"]
    change = (now["n"] - before["n"]).abs()[both]
    assert ((change == 0) | (change >= K)).all(), change
    small_change = (now["n"] - before["n"]).abs().between(1, K - 1)
    sensitive = set(np.flatnonzero((small_change & ~published_before["suppressed"]).to_numpy()))
    assert disclosure_problems(now, out, ["unit"], None, sensitive_extra=sensitive) == []
    # a raw previous table is read as "every cell of 0 or >= k people was shown"
    again = sat.suppress(now, by="unit", previous=before)
    assume_shown = (before["n"] == 0) | (before["n"] >= K)
    change = (now["n"] - before["n"]).abs()[~again["suppressed"] & assume_shown]
    assert ((change == 0) | (change >= K)).all(), change
    assert disclosure_problems(now, again, ["unit"], None) == []


@settings(
    max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(two_levels(), st.data())
def test_suppress_two_levels_with_previous_period(case, data):
    before, total = case
    now = before.assign(n=[max(0, v + data.draw(st.integers(-6, 6))) for v in before["n"]])
    published_before = sat.suppress(before, by=["division", "unit"], total=total)
    out = sat.suppress(now, by=["division", "unit"], total=total, previous=published_before)
    both = ~out["suppressed"] & ~published_before["suppressed"]
    change = (now["n"] - before["n"]).abs()[both]
    assert ((change == 0) | (change >= K)).all(), change
    small_change = (now["n"] - before["n"]).abs().between(1, K - 1)
    sensitive = set(np.flatnonzero((small_change & ~published_before["suppressed"]).to_numpy()))
    assert (
        disclosure_problems(now, out, ["division", "unit"], None, sensitive_extra=sensitive) == []
    )


def test_checker_catches_a_naive_primary_only_table():
    """The checker must be able to fail: primary suppression alone leaks via the total."""
    table = pd.DataFrame({"unit": ["A", "B", "C"], "n": [40, 3, 12]})
    naive = table.assign(suppressed=table["n"] < K)
    naive.attrs["margins"] = [{"level": "total", "group": "total", "n": 55, "suppressed": False}]
    assert disclosure_problems(table, naive, ["unit"], None)


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
        "primary: n < 5",
        "complementary: protects unit=B",
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
    assert m.loc[("division", "D1"), "suppression_reason"] == "primary: n < 5"
    assert disclosure_problems(table, out, ["division", "unit"], None) == []


def test_suppress_bad_input():
    good = pd.DataFrame({"unit": ["A", "B"], "n": [10, 3]})
    with pytest.raises(InputError, match="count column 'size'"):
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
    with pytest.raises(InputError, match="column 'email' is not in the frame"):
        sat.pseudonymise_frame(raw, columns="email", key=KEY)


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

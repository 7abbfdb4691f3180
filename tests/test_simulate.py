"""Tests of satisfaction.simulate: chain samples, the synthetic organisation, raw exports.

The reference for every statistical test is the simulated truth. Tests of built-in
effects (lag, loop, reform, turnover) also regenerate the organisation with that
effect set to 0 and check that the statistic then falls on the other side of the
threshold, so each test can fail.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import assert_close

import satisfaction as sat
from satisfaction.cli import main
from satisfaction.errors import InputError, OptionError, SEMError
from satisfaction.instruments import DONT_KNOW_LABELS, LIKERT_LABELS, likert_value
from satisfaction.simulate import MESS_RATES, ORG_DEFAULTS

PULSE_LIKERT = ["lq1", "lq2", "lq3", "lq4", "ex1", "ex2", "ex3", "ex4", "ex5", "stay"]
CUSTOMER_LIKERT = ["rep1", "rep2", "rep3", "rep4", "rep5", "csat1", "csat2", "csat3"]


# --------------------------------------------------------------------------- chain_sample


def test_chain_sample_large_n_reproduces_implied_covariance():
    """Sample covariance of 200,000 continuous draws vs Sigma(theta) of the true params."""
    s = sat.chain_sample(200_000, likert=False, seed=11)
    implied = s.implied_cov()
    diff = (s.data.cov() - implied.loc[s.data.columns, s.data.columns]).abs().to_numpy()
    assert diff.max() < 0.015
    assert_close(np.diag(implied), 1.0, kind="roundoff")  # standardised indicators


def test_chain_sample_latent_variances_are_one():
    s = sat.chain_sample(10, likert=False)
    p = s.params.set_index(["lhs", "op", "rhs"])["value"]
    a, b, c, d = (
        p[("EX", "~", "LQ")],
        p[("REP", "~", "EX")],
        p[("CSAT", "~", "REP")],
        p[("CSAT", "~", "EX")],
    )
    assert_close(a**2 + p[("EX", "~~", "EX")], 1.0, kind="roundoff")
    assert_close(b**2 + p[("REP", "~~", "REP")], 1.0, kind="roundoff")
    assert_close(c**2 + d**2 + 2 * c * d * b + p[("CSAT", "~~", "CSAT")], 1.0, kind="roundoff")
    assert set(s.params.columns) == {"lhs", "op", "rhs", "label", "value"}
    labels = s.params.set_index("label")["value"]
    assert labels["a"] == 0.5 and labels["d"] == 0.1
    assert_close(labels["ind"], a * b * c, kind="roundoff")
    assert "ind := a*b*c" in s.model


def test_chain_sample_is_deterministic_by_seed():
    a = sat.chain_sample(300, seed=5)
    b = sat.chain_sample(300, seed=5)
    c = sat.chain_sample(300, seed=6)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert not a.data.equals(c.data)


def test_chain_sample_likert_items_and_raw_reverse_item():
    s = sat.chain_sample(20_000, seed=3)
    assert list(s.data.columns) == [
        i for c in sat.default_instrument().constructs for i in c.item_ids
    ]
    assert s.data.isin([1, 2, 3, 4, 5]).all().all()
    assert (s.data.dtypes == "int64").all()
    corr = s.data.corr()
    assert corr.loc["ex5", "ex1"] < -0.2  # raw reverse-keyed item
    assert corr.loc["ex1", "ex2"] > 0.3
    # category shares follow the documented thresholds (-1.75, -0.85, 0, 1.05)
    share5 = (s.data["lq1"] == 5).mean()
    # P(z > 1.05) = 0.147 (the loading does not change it); binomial SD at this n < 0.01
    assert_close(share5, 0.147, kind="statistical", atol=0.01)


def test_chain_sample_without_direct_path_and_bad_params():
    s = sat.chain_sample(10, params={"c_ex_csat": 0.0})
    assert "d" not in set(s.params["label"])
    assert "d*EX" not in s.model
    with pytest.raises(OptionError, match="params='e' is not one of"):
        sat.chain_sample(10, params={"e": 0.3})
    with pytest.raises(SEMError, match="more than all the variance"):
        sat.chain_sample(10, params={"c_rep_csat": 0.9, "c_ex_csat": 0.5})
    with pytest.raises(SEMError, match="positive integer"):
        sat.chain_sample(0)


def test_chain_model_syntax_fits_in_semopy_and_recovers_truth():
    """semopy (ML) on the true model's syntax recovers the standardised paths a, b, c, d."""
    semopy = pytest.importorskip("semopy")
    s = sat.chain_sample(5000, likert=False, seed=2)
    desc = "\n".join(line for line in s.model.splitlines() if ":=" not in line)
    model = semopy.Model(desc)
    model.fit(s.data)
    est = model.inspect(std_est=True)
    est = est[est["op"] == "~"].set_index(["lval", "rval"])["Est. Std"]
    truth = s.params[s.params["op"] == "~"].set_index(["lhs", "rhs"])["value"]
    for key, value in truth.items():
        # n = 5000: SE of a standardised path about 0.015
        assert_close(est[key], value, kind="statistical", atol=0.05, err_msg=str(key))


# --------------------------------------------------------------------------- organisation


@pytest.fixture(scope="module")
def org():
    return sat.organisation(seed=0)


def _scores(org):
    p = org.pulse.copy()
    p["ex5"] = 6 - p["ex5"]
    p["EX"] = p[["ex1", "ex2", "ex3", "ex4", "ex5"]].mean(axis=1)
    p["LQ"] = p[["lq1", "lq2", "lq3", "lq4"]].mean(axis=1)
    p["quarter"] = pd.PeriodIndex(p["period"], freq="M").asfreq("Q").astype(str)
    c = org.customers.copy()
    c["CSAT"] = c[["csat1", "csat2", "csat3"]].mean(axis=1)
    return p, c


def _unit_quarters(org, min_size=10):
    """Unit x quarter means of EX (pulse) and CSAT (customers) from the clean frames."""
    p, c = _scores(org)
    e = p.groupby(["unit", "quarter"])[["EX"]].mean()
    k = c.groupby(["unit", "period"])[["CSAT"]].mean()
    k.index.names = ["unit", "quarter"]
    d = e.join(k, how="inner").reset_index().sort_values(["unit", "quarter"])
    big = org.units.loc[org.units["headcount_start"] >= min_size, "unit"]
    d = d[d["unit"].isin(big)].copy()
    g = d.groupby("unit")
    for v in ("EX", "CSAT"):
        d[f"{v}_next"] = g[v].shift(-1)
    return d.dropna()


def _lag_coefficient(org):
    """H3: OLS of CSAT(q+1) on CSAT(q) and EX(q) over unit-quarters: the EX coefficient."""
    d = _unit_quarters(org)
    x = np.column_stack([np.ones(len(d)), d["CSAT"], d["EX"]])
    return np.linalg.lstsq(x, d["CSAT_next"], rcond=None)[0][2]


def _loop_coefficient(org):
    """H4: within-unit (fixed effects) OLS of EX(q+1) on EX(q) and CSAT(q): the CSAT coefficient."""
    d = _unit_quarters(org)
    g = d.groupby("unit")
    y = d["EX_next"] - g["EX_next"].transform("mean")
    x = np.column_stack([d[v] - g[v].transform("mean") for v in ("EX", "CSAT")])
    return np.linalg.lstsq(x, y, rcond=None)[0][1]


def _icc1(df, value, group="unit"):
    """ICC(1) from one-way ANOVA with unequal group sizes (Bliese 2000)."""
    grp = df.groupby(group)[value]
    k = grp.size()
    n, j = len(df), len(k)
    ssb = (k * (grp.mean() - df[value].mean()) ** 2).sum()
    ssw = ((df[value] - grp.transform("mean")) ** 2).sum()
    msb, msw = ssb / (j - 1), ssw / (n - j)
    n0 = (n - (k**2).sum() / n) / (j - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw)


def test_units_sizes_and_names(org):
    u = org.units
    assert len(u) == 40
    assert u["unit"].is_unique
    size = u["headcount_start"]
    assert size.sum() == 1500
    assert size.min() <= 4
    assert (size < 5).sum() >= 3
    assert 60 <= size.max() <= 90
    assert list(u.columns) == ["unit", "headcount_start", "reform_month"]
    reformed = u["reform_month"].notna()
    assert 0.15 <= reformed.mean() <= 0.35
    assert (size[reformed] >= 5).all()
    assert set(u.loc[reformed, "unit"]) == set(
        org.hr_events.loc[org.hr_events["event"] == "supervisor_change", "unit"]
    )


def test_organisation_is_deterministic_and_seed_sensitive(org):
    again = sat.organisation(seed=0)
    for name in ("pulse", "customers", "hr_events", "units", "truth", "latent"):
        pd.testing.assert_frame_equal(getattr(org, name), getattr(again, name))
    other = sat.organisation(seed=1)
    assert not org.pulse.equals(other.pulse)


def test_clean_frames_have_the_documented_columns_and_codes(org):
    p, c = org.pulse, org.customers
    assert list(p.columns) == [
        "respondent_id",
        "unit",
        "period",
        "submitted_at",
        "duration_s",
        *PULSE_LIKERT[:-1],
        "enps",
        "stay",
    ]
    assert p[PULSE_LIKERT].isin([1, 2, 3, 4, 5]).all().all()
    assert p["enps"].between(0, 10).all()
    assert p["respondent_id"].str.fullmatch(r"E\d{5}").all()
    assert p["period"].nunique() == 24
    assert not p.duplicated(["respondent_id", "period"]).any()
    assert list(c.columns) == [
        "respondent_id",
        "unit",
        "period",
        "submitted_at",
        "duration_s",
        "language",
        *CUSTOMER_LIKERT,
        "nps",
    ]
    assert c["respondent_id"].is_unique
    assert set(c["language"]) == {"en", "sv"}
    assert sorted(c["period"].unique()) == [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
    per_uq = c.groupby(["unit", "period"]).size()
    assert per_uq.between(10, 40).all()
    assert not {"LQ", "EX", "REP", "CSAT"} & (set(p.columns) | set(c.columns))
    assert list(org.latent.columns) == ["unit", "period", "quarter", "LQ", "EX", "REP", "CSAT"]
    assert len(org.latent) == 40 * 24
    assert set(org.truth.columns) == {"name", "value", "description"}


def test_response_rate_is_about_sixty_percent(org):
    hr = org.hr_events
    months = pd.period_range("2025-01", periods=24, freq="M")
    active = []
    for m in months:
        first = m.start_time
        joined = ((hr["event"] == "join") & (hr["date"] <= first)).sum()
        left = (hr["event"].str.startswith("exit") & (hr["date"] < first)).sum()
        active.append(org.units["headcount_start"].sum() + joined - left)
    rate = len(org.pulse) / sum(active)
    assert_close(rate, ORG_DEFAULTS["response_rate"], kind="statistical", atol=0.03)


def test_icc1_of_ex_is_typical_for_climate_scales(org):
    p, _ = _scores(org)
    assert 0.10 <= _icc1(p, "EX") <= 0.25
    truth = org.truth.set_index("name")["value"]
    assert 0.10 <= truth["icc1_ex_latent"] <= 0.25


def test_latent_series_follow_the_documented_equations(org):
    """OLS on the latent unit-quarter series recovers rep_ar, rep_ex_lag, csat_rep, csat_ex_lag."""
    q = (
        org.latent.groupby(["unit", "quarter"])
        .agg(EX=("EX", "mean"), REP=("REP", "first"), CSAT=("CSAT", "first"))
        .reset_index()
    )
    g = q.groupby("unit")
    q["REP_1"], q["EX_1"] = g["REP"].shift(1), g["EX"].shift(1)
    d = q.dropna()

    def ols(y, xs):
        x = np.column_stack([np.ones(len(d))] + [d[v] for v in xs])
        return np.linalg.lstsq(x, d[y], rcond=None)[0][1:]

    truth = org.truth.set_index("name")["value"]
    rep_ar, rep_ex = ols("REP", ["REP_1", "EX_1"])
    csat_rep, csat_ex = ols("CSAT", ["REP", "EX_1"])
    assert_close(rep_ar, truth["rep_ar"], kind="statistical", atol=0.08)
    assert_close(rep_ex, truth["rep_ex_lag"], kind="statistical", atol=0.08)
    assert_close(csat_rep, truth["csat_rep"], kind="statistical", atol=0.08)
    assert_close(csat_ex, truth["csat_ex_lag"], kind="statistical", atol=0.08)


def test_reputation_is_stickier_than_experience_within_units(org):
    """H6: within-unit lag-1 autocorrelation of latent REP exceeds that of quarterly EX."""
    q = (
        org.latent.groupby(["unit", "quarter"])
        .agg(EX=("EX", "mean"), REP=("REP", "first"))
        .reset_index()
    )
    ac = {}
    for v in ("EX", "REP"):
        w = q[v] - q.groupby("unit")[v].transform("mean")
        ac[v] = pd.concat([w, w.groupby(q["unit"]).shift(1)], axis=1).dropna().corr().iloc[0, 1]
    assert ac["REP"] > ac["EX"] + 0.1


def test_ex_leads_csat_by_a_quarter_and_vanishes_without_the_lag(org):
    """H3: EX(q) predicts CSAT(q+1) beyond CSAT(q); not when rep_ex_lag = csat_ex_lag = 0."""
    with_lag = _lag_coefficient(org)
    without = _lag_coefficient(
        sat.organisation(seed=0, params={"rep_ex_lag": 0.0, "csat_ex_lag": 0.0})
    )
    assert with_lag > 0.2
    assert without < 0.2


def test_csat_feeds_back_into_ex_and_vanishes_without_the_loop(org):
    """H4: within units, CSAT(q) predicts EX(q+1) beyond EX(q); not when ex_csat_feedback = 0."""
    with_loop = _loop_coefficient(org)
    without = _loop_coefficient(sat.organisation(seed=0, params={"ex_csat_feedback": 0.0}))
    assert with_loop > 0.04
    assert without < 0.04


def _reform_rise(org):
    """H8: mean (post - pre) LQ score in reformed units, in SDs of the LQ score."""
    p, _ = _scores(org)
    rises = []
    for r in org.units.dropna(subset=["reform_month"]).itertuples():
        d = p[p["unit"] == r.unit]
        rises.append(
            d.loc[d["period"] >= r.reform_month, "LQ"].mean()
            - d.loc[d["period"] < r.reform_month, "LQ"].mean()
        )
    return np.mean(rises) / p["LQ"].std()


def test_reformed_units_lq_rises_after_the_reform(org):
    rise = _reform_rise(org)
    assert 0.3 <= rise <= 0.7  # true jump 0.5 SD of the latent, attenuated by measurement
    assert abs(_reform_rise(sat.organisation(seed=0, params={"reform_effect": 0.0}))) < 0.15
    # EX follows within months: latent EX 3-5 months after the reform is up by > 0.1
    lat = org.latent
    rises = []
    for r in org.units.dropna(subset=["reform_month"]).itertuples():
        s = lat[lat["unit"] == r.unit].set_index("period")["EX"]
        k = list(s.index).index(r.reform_month)
        rises.append(s.iloc[k + 2 : k + 5].mean() - s.iloc[max(0, k - 3) : k].mean())
    assert np.mean(rises) > 0.1


def _leaver_ex(org):
    """H5: mean standardised person-mean EX score of voluntary leavers."""
    p, _ = _scores(org)
    person = p.groupby("respondent_id")["EX"].mean()
    z = (person - person.mean()) / person.std()
    hr = org.hr_events
    vol = hr.loc[hr["event"] == "exit_voluntary", "employee_id"]
    return z[z.index.isin(vol)].mean(), vol.nunique()


def test_voluntary_exits_are_more_frequent_among_low_ex_employees(org):
    z, n = _leaver_ex(org)
    assert n > 200
    assert z < -0.25
    z0, _ = _leaver_ex(sat.organisation(seed=0, params={"exit_ex": 0.0}))
    assert abs(z0) < 0.15


def test_truth_documents_every_claimed_effect(org):
    truth = org.truth.set_index("name")["value"]
    assert truth["reform_effect_lq"] == 0.5
    assert truth["rep_ar"] == 0.8
    assert_close(truth["exit_odds_ratio"], 0.5, kind="printed", decimals=2)
    for name in ("ex_lq", "ex_csat_feedback", "rep_ex_lag", "csat_rep", "csat_ex_lag"):
        assert truth[name] > 0
    assert org.truth["description"].str.len().min() > 10


def test_organisation_rejects_bad_arguments():
    with pytest.raises(OptionError, match="params='nope' is not one of"):
        sat.organisation(params={"nope": 1})
    with pytest.raises(InputError, match="YYYY-MM"):
        sat.organisation(start="January")
    with pytest.raises(InputError, match="too few"):
        sat.organisation(n_employees=100, n_units=40)


# --------------------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_a")
    result = CliRunner().invoke(main, ["simulate", "--out", str(out), "--seed", "0"])
    assert result.exit_code == 0, result.output
    return out


@functools.lru_cache(maxsize=4)
def _read_cached(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    return pd.read_excel(
        path, sheet_name="responses", dtype=str, keep_default_na=False, engine="calamine"
    )


def _read_pulse(folder):
    return _read_cached(folder / "pulse.csv").copy()


def _read_customers(folder):
    return _read_cached(folder / "customers.xlsx").copy()


def test_same_seed_gives_byte_identical_files(exports, tmp_path):
    sat.write_exports(sat.organisation(seed=0), tmp_path)
    for name in ("pulse.csv", "customers.xlsx", "hr_events.csv", "units.csv", "manifest.json"):
        assert (exports / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_pulse_csv_follows_the_contract(exports):
    raw = (exports / "pulse.csv").read_bytes()
    raw.decode("cp1252")
    assert b"\r\n" in raw[:200]
    df = _read_pulse(exports)
    assert list(df.columns) == [
        "respondent_id",
        "unit",
        "period",
        "submitted_at",
        "duration_s",
        *PULSE_LIKERT[:-1],
        "enps",
        "stay",
    ]
    assert df["period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert df["submitted_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert df["duration_s"].str.fullmatch(r"\d+").all()
    assert df["enps"].isin([""] + [str(i) for i in range(11)]).all()
    canonical = set(LIKERT_LABELS["fi"].values())
    cells = df[PULSE_LIKERT].to_numpy().ravel()
    known = {v for v in cells if v in canonical or v in ("", "En osaa sanoa")}
    odd = [v for v in set(cells) - known]
    assert odd, "label variants expected"
    assert all(likert_value(v) in (1, 2, 3, 4, 5) for v in odd)
    assert any("ä" in u for u in df["unit"].unique())


def _mess_rates(df, likert, dk_label, score, min_duration):
    cells = df[likert]
    n = len(df)
    dup = n - len(df.drop_duplicates(["respondent_id", "period"]))
    arr = cells.to_numpy()
    straight = (arr == arr[:, :1]).all(axis=1) & (arr[:, 0] != "")
    canon = set().union(*[set(v.values()) for v in LIKERT_LABELS.values()])
    flat = cells.to_numpy().ravel()
    return {
        "dont_know": np.mean(flat == dk_label),
        "skipped": np.mean(flat == ""),
        "duplicate": dup / (n - dup),
        "speeder": (df["duration_s"].astype(int) < min_duration).mean(),
        "straight_liner": straight.mean(),
        "label_variant": np.mean([v not in canon and v not in ("", dk_label) for v in flat]),
        "score_skipped": (df[score] == "").mean(),
    }


@pytest.mark.parametrize("survey", ["pulse", "customers"])
def test_mess_rates_hold_within_tolerance(exports, survey):
    if survey == "pulse":
        df = _read_pulse(exports)
        rates = _mess_rates(df, PULSE_LIKERT, DONT_KNOW_LABELS["fi"][0], "enps", 45)
    else:
        df = _read_customers(exports)
        en = _mess_rates(df[df["language"] == "en"], CUSTOMER_LIKERT, "Don't know", "nps", 40)
        sv = _mess_rates(df[df["language"] == "sv"], CUSTOMER_LIKERT, "Kan inte säga", "nps", 40)
        w = (df["language"] == "en").mean()
        rates = {k: w * en[k] + (1 - w) * sv[k] for k in en}
    r, keep = MESS_RATES, 1 - MESS_RATES["straight_liner"]  # cells of straight rows are spared
    tol = 1.0 if survey == "pulse" else 2.0  # the customer file is 3x smaller
    for name, want, allowed in [
        ("dont_know", r["dont_know"] * keep, 0.003),
        ("skipped", r["skipped"] * keep, 0.003),
        ("duplicate", r["duplicate"], 0.003),
        ("speeder", r["speeder"], 0.004),
        ("straight_liner", r["straight_liner"], 0.005),
        ("label_variant", r["label_variant"] * 0.93, 0.0015),
        ("score_skipped", r["skipped"], 0.004),
    ]:
        assert_close(rates[name], want, kind="statistical", atol=allowed * tol, err_msg=name)


def test_customers_xlsx_follows_the_contract(exports):
    from openpyxl import load_workbook

    wb = load_workbook(exports / "customers.xlsx", read_only=True)
    assert wb.sheetnames == ["responses"]
    df = _read_customers(exports)
    assert list(df.columns) == [
        "respondent_id",
        "unit",
        "period",
        "submitted_at",
        "duration_s",
        "language",
        *CUSTOMER_LIKERT,
        "nps",
    ]
    assert df["respondent_id"].str.fullmatch(r"C\d{6}").all()
    assert df["period"].str.fullmatch(r"\d{4}Q[1-4]").all()
    assert set(df["language"]) == {"en", "sv"}
    sv = df.loc[df["language"] == "sv", CUSTOMER_LIKERT].to_numpy().ravel()
    assert set(sv) & set(LIKERT_LABELS["sv"].values())
    assert not set(sv) & set(LIKERT_LABELS["en"].values())
    assert "Kan inte säga" in set(sv)


def test_hr_events_units_and_manifest(exports, org):
    for name in ("hr_events.csv", "units.csv"):
        assert (exports / name).read_bytes().startswith(b"\xef\xbb\xbf")
    hr = pd.read_csv(exports / "hr_events.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert list(hr.columns) == ["employee_id", "unit", "date", "event"]
    assert set(hr["event"]) == {"join", "exit_voluntary", "exit_involuntary", "supervisor_change"}
    assert hr["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    units = pd.read_csv(
        exports / "units.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert list(units.columns) == ["unit", "headcount_start", "reform_month"]
    assert (units["reform_month"] != "").sum() == org.units["reform_month"].notna().sum()
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 0
    assert manifest["package_version"] == sat.__version__
    for f in manifest["files"]:
        assert hashlib.sha256((exports / f["name"]).read_bytes()).hexdigest() == f["sha256"]
    truth = pd.DataFrame(manifest["truth"])
    pd.testing.assert_frame_equal(truth, org.truth, check_dtype=False)
    assert manifest["mess_rates"] == MESS_RATES


def test_committed_sample_is_reproduced_byte_for_byte(exports):
    """data/sample was written by `satisfaction simulate --out data/sample` (seed 0)."""
    committed = Path(__file__).resolve().parents[1] / "data" / "sample"
    if not (committed / "manifest.json").exists():
        pytest.fail("data/sample is missing; run `make sample`", pytrace=False)
    for name in ("pulse.csv", "customers.xlsx", "hr_events.csv", "units.csv"):
        assert (committed / name).read_bytes() == (exports / name).read_bytes(), name
    a = json.loads((committed / "manifest.json").read_text(encoding="utf-8"))
    b = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    a.pop("package_version")
    b.pop("package_version")
    assert a == b


@pytest.mark.parametrize("survey", ["pulse", "customers"])
def test_raw_answers_decode_to_the_clean_frames(exports, org, survey):
    """Outside the careless rows, every raw label decodes to the clean frame's value."""
    if survey == "pulse":
        raw, clean, items, score, floor = _read_pulse(exports), org.pulse, PULSE_LIKERT, "enps", 45
        raw["submitted_at"] = pd.to_datetime(raw["submitted_at"])
    else:
        raw, clean, items, score, floor = (
            _read_customers(exports),
            org.customers,
            CUSTOMER_LIKERT,
            "nps",
            40,
        )
        raw["submitted_at"] = pd.to_datetime(raw["submitted_at"])
    key = ["respondent_id", "period", "submitted_at"]
    clean = clean.assign(submitted_at=clean["submitted_at"].astype("datetime64[s]"))
    raw = raw.assign(submitted_at=raw["submitted_at"].astype("datetime64[s]"))
    merged = raw.merge(clean, on=key, how="inner", suffixes=("_raw", ""))
    assert len(merged) == len(clean)  # every clean response is in the raw file once
    arr = merged[[f"{i}_raw" for i in items]].to_numpy()
    same = (arr == arr[:, :1]).all(axis=1)
    careless = (merged["duration_s_raw"].astype(int) < floor).to_numpy() | same
    ok = merged[~careless]
    assert len(ok) > 0.9 * len(merged)
    codes = {v: likert_value(v) for v in np.unique(arr)}
    numeric = {k: v for k, v in codes.items() if isinstance(v, int)}
    for item in items:
        decoded = ok[f"{item}_raw"].map(numeric)  # don't-know and empty -> NaN
        given = decoded.notna()
        assert given.mean() > 0.9
        assert (decoded[given].astype(int) == ok.loc[given, item]).all(), item
    given = ok[f"{score}_raw"] != ""
    assert (ok.loc[given, f"{score}_raw"].astype(int) == ok.loc[given, score]).all()

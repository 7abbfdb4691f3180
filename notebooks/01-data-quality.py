# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (satisfaction)
#     language: python
#     name: satisfaction
# ---

# %% [markdown]
# # 01 - Data quality: can we trust the exports?
#
# **Question.** Before any claim is tested: what arrives in the four exports (employee pulse,
# customer survey, HR events, unit register), what does cleaning change, who answers, and
# which answers are careless or "don't know"?
#
# The data are the bundled synthetic organisation (`data/sample`, found with
# `sat.load_sample_exports()` from any working directory). It was generated with known mess
# (speeders, straight-liners, duplicates, don't-knows, skipped cells) whose exact counts are in
# its `manifest.json`, so every count below is checked against that truth with an `assert`.

# %% tags=["parameters"]
exports = None  # folder of pulse.csv, customers.xlsx, hr_events.csv, units.csv; None = sample

# %%
import json

import pandas as pd

import satisfaction as sat

folder = sat.load_sample_exports() if exports is None else exports
inst = sat.default_instrument()
truth_counts = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["mess_counts"]

# %% [markdown]
# ## 1. Read all four sources
# `read_export` sniffs the format (separator, encoding, decimal mark, sheet) and maps the columns
# to the instrument's items; the registers are read and checked by `read_hr_events` and
# `read_units`. Each reader reports what it found.

# %%
pulse_raw = sat.read_export(folder / "pulse.csv", inst)
customers_raw = sat.read_export(folder / "customers.xlsx", inst)
hr_events = sat.read_hr_events(folder / "hr_events.csv")
units = sat.read_units(folder / "units.csv")
sources = {"pulse": pulse_raw, "customers": customers_raw, "hr_events": hr_events, "units": units}
pd.DataFrame(
    {name: {"rows": len(x.data), "format": x.report.format, "encoding": x.report.encoding}
     for name, x in sources.items()}
).T  # fmt: skip

# %%
assert len(pulse_raw.data) == truth_counts["pulse"]["responses_raw"]
assert len(customers_raw.data) == truth_counts["customers"]["responses_raw"]
hr_events.data["event"].value_counts()

# %% [markdown]
# ## 2. Clean, with a log of every change
# Labels become numbers (Finnish, Swedish, English), "don't know" becomes missing, `ex5` is
# reverse-keyed, duplicate submissions are dropped, careless responding is **flagged** (not yet
# dropped). The raw frames are never modified; rows in = rows out + rows dropped.

# %%
pulse = sat.clean(pulse_raw.data, inst, unknown_labels="missing")
customers = sat.clean(customers_raw.data, inst, unknown_labels="missing")
pulse.summary

# %%
summary = pd.concat({"pulse": pulse.summary, "customers": customers.summary}, names=["source"])
by_rule = summary.groupby(["source", "rule", "action"])["n"].sum().unstack("source")
by_rule

# %% [markdown]
# The checks against the generator's truth: every raw row is either kept or logged as dropped,
# every duplicate submission is found, and every don't-know cell is set to missing.

# %%
for name, cleaned, raw in (("pulse", pulse, pulse_raw), ("customers", customers, customers_raw)):
    s = cleaned.summary
    dropped = int(s.loc[s["action"] == "drop", "n"].sum())
    dont_know = int(s.loc[s["rule"] == "dont_know", "n"].sum())
    assert len(raw.data) == len(cleaned.data) + dropped, name
    assert dropped == truth_counts[name]["duplicate"], name
    assert dont_know == truth_counts[name]["dont_know_cells"], name
    print(f"{name}: {len(raw.data)} rows in = {len(cleaned.data)} kept + {dropped} duplicates; "
          f"{dont_know} don't-know cells set to missing (truth {truth_counts[name]['dont_know_cells']})")  # fmt: skip

# %%
pulse.log.head()

# %% [markdown]
# ## 3. Who answers? Response rates per unit and month
# The people employed in a unit in a month come from the HR events (`sat.person_periods`:
# one row per person and month in the unit); respondents from the pulse. The organisation was
# generated with a mean response propensity of 0.60.

# %%
person_months = sat.person_periods(pulse.data, hr_events.data, inst)
employed = person_months.groupby(["unit", "period"]).size().rename("employed")
answered = pulse.data.groupby(["unit", "period"])["respondent_id"].nunique().rename("answered")
rates = pd.concat([employed, answered], axis=1).fillna(0)
rates["response_rate"] = rates["answered"] / rates["employed"]
overall = rates["answered"].sum() / rates["employed"].sum()
print(
    f"overall response rate {overall:.3f} (truth: propensity {sat.load_sample().truth.set_index('name').loc['response_rate', 'value']})"
)
assert abs(overall - 0.60) < 0.03

# %%
rate_table = rates["response_rate"].unstack("period")
rate_table.iloc[:10, :8].round(2)

# %% [markdown]
# ## 4. Careless responding: flagged, then dropped
# `clean` flags speeders (`flag_speed`, by completion time) and straight-liners
# (`flag_longstring`). The manifest says how many the generator planted.

# %%
flags = pd.DataFrame(
    {
        "source": ["pulse", "pulse", "customers", "customers"],
        "flag": ["flag_speed", "flag_longstring"] * 2,
        "flagged": [int(pulse.data["flag_speed"].sum()), int(pulse.data["flag_longstring"].sum()),
                    int(customers.data["flag_speed"].sum()), int(customers.data["flag_longstring"].sum())],
        "planted": [truth_counts["pulse"]["speeder"], truth_counts["pulse"]["straight_liner"],
                    truth_counts["customers"]["speeder"], truth_counts["customers"]["straight_liner"]],
    }
)  # fmt: skip
flags

# %% [markdown]
# The flags catch more rows than were planted. Straight-lining by chance is rare, but the speed
# flag's default cut-off is relative to the survey's own completion times, and here it reaches
# up to about 55 s, so it also flags some quick genuine respondents (the generator's genuine
# answers take 45 s or more). If your instrument's genuine minimum is known, pass it as
# `clean(..., min_duration=...)`.

# %% [markdown]
# Dropping the flagged rows (`clean(..., careless="drop")` logs each), and the difference it makes. The clean frames of
# `sat.load_sample()` hold every respondent's genuine answers (what the speeders and
# straight-liners would have said), so they are the truth the cleaned data should approach.

# %%
careless = pulse.data["flag_speed"] | pulse.data["flag_longstring"]
kept = sat.clean(pulse_raw.data, inst, unknown_labels="missing", careless="drop")
# the dropped rows are in kept.log (rule "careless")
assert len(kept.data) == int((~careless).sum())
kept = kept.data
genuine = sat.load_sample().pulse.assign(ex5=lambda d: 6 - d["ex5"])
comparison = pd.concat(
    {
        "with careless rows": sat.reliability(pulse.data, inst, ["LQ", "EX"]).set_index(
            "construct"
        ),
        "careless rows dropped": sat.reliability(kept, inst, ["LQ", "EX"]).set_index("construct"),
        "truth (genuine answers)": sat.reliability(genuine, inst, ["LQ", "EX"]).set_index(
            "construct"
        ),
    },
    names=["data"],
)[["n", "alpha", "alpha_ci_lower", "alpha_ci_upper", "omega_total"]]
comparison.round(3)

# %%
gap = (
    (
        comparison["alpha"]
        - comparison.xs("truth (genuine answers)")["alpha"]
        .reindex(comparison.index.get_level_values("construct"))
        .to_numpy()
    )
    .abs()
    .unstack("construct")
)
gap.round(4)

# %%
assert (gap.loc["careless rows dropped"] < gap.loc["with careless rows"]).all(), (
    "dropping careless rows should move alpha towards the truth"
)
print(f"dropped {int(careless.sum())} careless pulse rows ({careless.mean():.1%})")

# %% [markdown]
# ## 5. Don't-knows per item
# The cleaning log counts the don't-know answers per item; `item_analysis` turns them into a
# rate beside each item's statistics. The generator planted them at 3% of the Likert cells
# outside straight-lined rows.

# %%
dk_counts = pulse.summary.query("rule == 'dont_know'").set_index("column")["n"]
items = sat.item_analysis(pulse.data, inst, ["LQ", "EX"], dont_know=dk_counts)
items[
    [
        "construct",
        "item",
        "n",
        "mean",
        "item_total_r",
        "alpha_if_deleted",
        "missing_rate",
        "dont_know_rate",
    ]
].round(3)

# %%
assert items["dont_know_rate"].notna().all()
assert items["dont_know_rate"].between(0.02, 0.04).all()

# %% [markdown]
# **What this says.** The exports are read completely, every change is logged, the response rate
# is close to the generator's 60%, the careless rows are found and dropping them brings the
# reliability estimates closer to those of the genuine answers. Notebooks 02-04 work from these
# cleaned frames (careless rows dropped).

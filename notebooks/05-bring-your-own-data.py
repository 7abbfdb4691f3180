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
# # 05 - Bring your own data: the claims H1-H8 on your organisation
#
# **Question.** Do the linkage claims hold in *your* organisation?
#
# Copy this notebook, fill in the parameters cell below (or pass them with papermill:
# `papermill 05-bring-your-own-data.ipynb out.ipynb -p pulse_file my/pulse.csv ...`) and run it
# top to bottom. Left as they are, the parameters point at the bundled sample organisation.
#
# What you need:
# - an **instrument** file (TOML or YAML: constructs, items, texts, scale, reverse-keyed items;
#   see `sat.load_instrument`), or the default instrument;
# - the **employee survey** export (CSV/XLSX/Parquet, one row per answer: `respondent_id`, `unit`,
#   `period` as `YYYY-MM`, the LQ and EX items);
# - the **customer survey** export (`unit`, `period` as `YYYYQn`, the REP and CSAT items);
# - optionally the **HR events** (`employee_id, unit, date, event`) and the **unit register**
#   (`unit, headcount_start, reform_month`). Without them H5 and H8 are reported as not testable.

# %% tags=["parameters"]
instrument_file = None  # path to your instrument (TOML/YAML); None = the default instrument
pulse_file = None  # employee survey export; None = the sample's pulse.csv
customers_file = None  # customer survey export; None = the sample's customers.xlsx
hr_events_file = None  # HR events; None = the sample's (set "" if you have none)
units_file = None  # unit register; None = the sample's (set "" if you have none)
min_group_size = 5  # anonymity threshold: smaller groups are never shown on their own
n_boot = 200  # unit-bootstrap resamples (500 or more for a final analysis)
seed = 0

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

import satisfaction as sat

sample = sat.load_sample_exports()
inst = sat.default_instrument() if instrument_file is None else sat.load_instrument(instrument_file)


def source(path, default):
    """The file to read: the sample's when the parameter is None, nothing when it is ""."""
    if path is None:
        return sample / default
    return Path(path) if path else None


files = {
    "pulse": source(pulse_file, "pulse.csv"),
    "customers": source(customers_file, "customers.xlsx"),
    "hr_events": source(hr_events_file, "hr_events.csv"),
    "units": source(units_file, "units.csv"),
}
inst.to_frame()[["item", "construct", "source", "low", "high", "reverse"]]

# %% [markdown]
# ## 1. Read and clean
# Each reader reports what it found; cleaning logs every change (don't-know to missing,
# duplicates, careless responding dropped, reverse keys). Read the summaries before going on.

# %%
exports = {name: sat.read_export(files[name], inst) for name in ("pulse", "customers")}
cleaned = {
    name: sat.clean(export.data, inst, unknown_labels="missing", careless="drop")
    for name, export in exports.items()
}
for name, export in exports.items():
    print(name, export.report)
pd.concat({name: c.summary for name, c in cleaned.items()}, names=["source"])

# %%
data = {name: c.data for name, c in cleaned.items()}
if files["hr_events"] is not None:
    data["hr_events"] = sat.read_hr_events(files["hr_events"]).data
if files["units"] is not None:
    data["units"] = sat.read_units(files["units"]).data
{name: len(frame) for name, frame in data.items()}

# %% [markdown]
# ## 2. Measurement: reliability, aggregation, invariance

# %%
employee_constructs, customer_constructs = ["LQ", "EX"], ["REP", "CSAT"]
pd.concat(
    [
        sat.reliability(data["pulse"], inst, employee_constructs),
        sat.reliability(data["customers"], inst, customer_constructs),
    ],
    ignore_index=True,
).round(3)

# %%
pd.concat(
    [
        sat.agreement(data["pulse"], inst, employee_constructs),
        sat.agreement(data["customers"], inst, customer_constructs, respondent=None),
    ],
    ignore_index=True,
)[["construct", "icc1", "icc2", "n_groups", "mean_group_size", "rwg_j_mean"]].round(3)

# %% [markdown]
# Measurement invariance of EX before/after reforms (H8 needs at least scalar invariance).

# %%
ex_model = inst.measurement_model(["EX"])
invariance_level = None
if "units" in data and data["units"]["reform_month"].notna().any():
    reformed = data["pulse"].merge(data["units"][["unit", "reform_month"]], on="unit")
    reformed = reformed[reformed["reform_month"].notna()]
    reformed = reformed.assign(
        phase=(reformed["period"] >= reformed["reform_month"]).map({False: "before", True: "after"})
    )
    inv = sat.sem.invariance(ex_model, reformed, group="phase", estimator="MLR").table.set_index(
        "level"
    )
    held = [
        level for level in ("strict", "scalar", "metric", "configural") if inv.loc[level, "holds"]
    ]
    invariance_level = held[0] if held else None
    display(inv[["chisq", "df", "cfi", "rmsea", "delta_cfi", "holds", "freed"]].round(3))
print(f"invariance before/after reforms: {invariance_level}")

# %% [markdown]
# ## 3. Unit results that may be shown
# EX per unit in the latest quarter, with its interval; units below the anonymity threshold,
# and enough others to protect them, are suppressed before anything is shown (`sat.suppress`;
# a published series also passes `previous=` the table shown last quarter).

# %%
panel = sat.unit_panel(data["pulse"], inst, employee_constructs, min_group_size=min_group_size)
ex_panel = panel[panel["construct"] == "EX"]
quarters = sorted(ex_panel["period"].unique())
columns = ["unit", "n_people", "mean", "ci_lower", "ci_upper"]


latest = ex_panel.loc[ex_panel["period"] == quarters[-1], columns].reset_index(drop=True)
shown = sat.suppress(latest, count_col="n_people", by="unit", min_group_size=min_group_size)
print(
    f"EX by unit, {quarters[-1]}: {int(shown['suppressed'].sum())} of {len(shown)} units suppressed"
)
shown.round(2).head(10)

# %% [markdown]
# ## 4. The claims H1-H8

# %%
claims = sat.claims_table(
    data, instrument=inst, invariance=invariance_level, n_boot=n_boot, seed=seed
)
claims[["hypothesis", "claim", "estimate", "ci_lower", "ci_upper", "n", "verdict"]].round(3)

# %%
assert list(claims["hypothesis"]) == [f"H{i}" for i in range(1, 9)]
claims[["hypothesis", "method", "note"]].style.hide(axis="index")

# %% [markdown]
# Read each verdict with its method and note: "supported" means the interval lies wholly on the
# claimed side; "not supported" means these data cannot show it (often too few units or
# quarters: see `sat.power`); "not testable" names what is missing. Notebooks 01-04 walk through
# each step on the sample organisation, where the truth is known.

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
# # 02 - Measurement: do the scales measure, and may we average them by unit?
#
# **Question.** Before scores are compared or linked: are the constructs reliable, does the
# instrument's factor structure hold, do people in a unit agree enough for a unit mean to mean
# something, and do the items measure the same thing in every wave and before and after a
# change of supervisor?
#
# Data: the sample organisation's exports, read and cleaned as in notebook 01 (careless rows
# dropped). Truth: the generator's loadings and its ICC(1) of latent EX (`manifest.json`).

# %% tags=["parameters"]
exports = None  # folder of the exports; None = the bundled sample

# %%
import json

import pandas as pd

import satisfaction as sat

folder = sat.load_sample_exports() if exports is None else exports
inst = sat.default_instrument()
truth = pd.DataFrame(
    json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["truth"]
).set_index("name")["value"]


def cleaned(name):
    raw = sat.read_export(folder / name, inst).data
    return sat.clean(raw, inst, unknown_labels="missing", careless="drop").data


pulse, customers = cleaned("pulse.csv"), cleaned("customers.xlsx")
units = sat.read_units(folder / "units.csv").data
len(pulse), len(customers)

# %% [markdown]
# ## 1. Reliability per construct
# Cronbach's alpha with its confidence interval (Feldt), McDonald's omega total and the
# composite reliability of a one-factor model, per construct.

# %%
reliability = pd.concat(
    [sat.reliability(pulse, inst, ["LQ", "EX"]), sat.reliability(customers, inst, ["REP", "CSAT"])],
    ignore_index=True,
)
reliability.round(3)

# %%
assert (reliability["alpha_ci_lower"] > 0.7).all(), (
    "every construct should be reliable (alpha > .7)"
)

# %% [markdown]
# ## 2. Confirmatory factor analysis of the instrument
# Two-factor CFA of the employee items and of the customer items, on one month (one answer per
# person; person-months are not independent; rows with a skipped or don't-know answer are
# left out, which the warning reports). The items are ordinal (1-5), so the loadings are
# estimated from polychoric correlations (`estimator="WLSMV"`, lavaan's `ordered = TRUE`): that
# puts them on the scale of the generator's continuous items, so they can be set beside the true
# loadings.

# %%
employee_model = inst.measurement_model(["LQ", "EX"])
customer_model = inst.measurement_model(["REP", "CSAT"])
employee_cfa = sat.fit_sem(
    employee_model, pulse[pulse["period"] == "2025-06"], estimator="WLSMV", ordered=True
)
customer_cfa = sat.fit_sem(
    customer_model, customers[customers["period"] == "2025Q2"], estimator="WLSMV", ordered=True
)
pd.DataFrame({"employee": employee_cfa.fit_measures, "customer": customer_cfa.fit_measures}).loc[
    ["nobs", "chisq_scaled", "df", "cfi_scaled", "rmsea_scaled", "srmr"]
].round(3)

# %% [markdown]
# Standardised loadings against the generator's loadings. `ex5` is reverse-keyed in cleaning,
# so its true loading is +0.60 on the cleaned scale (the raw item loads -0.60).

# %%
true_loadings = sat.chain_sample(10).params.query("op == '=~'")[["lhs", "rhs", "value"]]
true_loadings = true_loadings.assign(value=true_loadings["value"].abs()).rename(
    columns={"value": "truth"}
)
loadings = pd.concat([employee_cfa.estimates, customer_cfa.estimates]).query("op == '=~'")
loadings = loadings[["lhs", "rhs", "std_all"]].merge(true_loadings, on=["lhs", "rhs"])
loadings["difference"] = loadings["std_all"] - loadings["truth"]
loadings.round(3)

# %% [markdown]
# With about 550 complete answers per fit a standardised loading has a standard error of about
# 0.03-0.05, so each should lie within 0.10 (two to three standard errors) of the truth.

# %%
assert loadings["difference"].abs().max() < 0.10, (
    "a standardised loading is more than 0.10 from the truth"
)

# %% [markdown]
# ## 3. Aggregation: do people in a unit agree?
# ICC(1) is the share of the variance that lies between units, ICC(2) the reliability of a unit
# mean, r_wg(j) the within-unit agreement (conventional thresholds: ICC(2) > .70, r_wg(j) > .70).

# %%
agreement = pd.concat(
    [
        sat.agreement(pulse, inst, ["LQ", "EX"]),
        sat.agreement(customers, inst, ["REP", "CSAT"], respondent=None),
    ],
    ignore_index=True,
)
agreement[
    ["construct", "icc1", "icc2", "pvalue", "n_groups", "mean_group_size", "rwg_j_mean"]
].round(3)

# %% [markdown]
# The generator's ICC(1) of latent EX by unit is the truth's upper bound: the scale score adds
# measurement error to the within-unit variance, so its ICC(1) should be somewhat lower.

# %%
ex = agreement.set_index("construct").loc["EX"]
print(f"ICC(1) of the EX score {ex['icc1']:.3f}; latent truth {truth['icc1_ex_latent']:.3f}")
assert 0.10 < ex["icc1"] < truth["icc1_ex_latent"]
assert (agreement["icc2"] > 0.7).all() and (agreement["rwg_j_mean"] > 0.7).all()

# %% [markdown]
# Per unit and quarter: small units' means are unreliable (low ICC(2) of a small group) and
# units below the anonymity threshold are flagged.

# %%
panel = sat.unit_panel(pulse, inst, ["EX"])
panel[
    ["unit", "period", "n_people", "mean", "ci_lower", "ci_upper", "icc2", "rwg_j", "small_group"]
].head(10).round(3)

# %% [markdown]
# ## 4. Measurement invariance
# Means can only be compared if the items measure the same thing in every group: equal loadings
# (metric) and equal intercepts (scalar). First across four waves of the pulse, then before and
# after a change of supervisor in the reformed units (H8 compares EX across that line).
# Person-months are treated as independent observations here.

# %%
ex_model = inst.measurement_model(["EX"])
waves = pulse[pulse["period"].isin(["2025-03", "2025-09", "2026-03", "2026-09"])]
across_waves = sat.sem.invariance(ex_model, waves, group="period", estimator="MLR")
across_waves.table[
    ["level", "chisq", "df", "cfi", "rmsea", "delta_cfi", "delta_rmsea", "holds", "freed"]
].round(3)

# %%
reformed = pulse.merge(units[["unit", "reform_month"]], on="unit")
reformed = reformed[reformed["reform_month"].notna()]
reformed = reformed.assign(
    phase=(reformed["period"] >= reformed["reform_month"]).map({False: "before", True: "after"})
)
around_reforms = sat.sem.invariance(ex_model, reformed, group="phase", estimator="MLR")
around_reforms.table[
    ["level", "chisq", "df", "cfi", "rmsea", "delta_cfi", "delta_rmsea", "holds", "freed"]
].round(3)

# %% [markdown]
# The generator uses the same loadings and thresholds throughout, so scalar invariance is the
# truth in both comparisons.

# %%
for name, result in (("waves", across_waves), ("before/after reform", around_reforms)):
    holds = result.table.set_index("level")["holds"]
    assert holds["metric"] and holds["scalar"], name
    print(f"{name}: scalar invariance holds (freed: {result.freed or 'nothing'})")

# %% [markdown]
# **What this says.** The four constructs are reliable, the two-factor structures fit and their
# loadings recover the generator's, unit means of every construct are reliable enough to
# aggregate (ICC(2) > .7), and the EX items are scalar-invariant across waves and around reforms:
# unit means may be compared over time, which notebooks 03 and 04 do.

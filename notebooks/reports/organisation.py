# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (satisfaction)
#     language: python
#     name: satisfaction
# ---

# %% tags=["parameters"]
quarter = "2026Q4"
prepared = "../../data/processed/report"
min_group_size = 5
data_fingerprint = "unknown"

# %%
import matplotlib.pyplot as plt
import seaborn as sns
from IPython.display import Markdown, display

import satisfaction as sat
from satisfaction.reportdata import (
    LABELS,
    ReportData,
    lead_pairs,
    previous_quarter,
    quarter_summary,
    trend,
)

sns.set_theme(style="whitegrid", context="notebook")
data = ReportData.load(prepared)
prev = previous_quarter(quarter)
display(Markdown(f"# Employee and customer experience, {quarter}"))
display(
    Markdown(
        f"Organisation-wide report. Groups of fewer than {min_group_size} respondents are never "
        "shown, nor any figure from which one could be worked out."
    )
)

# %% [markdown]
# ## The quarter at a glance

# %%
now = sat.guard(trend(data, min_group_size=min_group_size))
this = now[now["quarter"] == quarter].set_index("construct")["value"]
before = now[now["quarter"] == prev].set_index("construct")["value"]
names = LABELS
lines = []
for key, label in names.items():
    value, old = this.get(key), before.get(key)
    if value != value or value is None:
        lines.append(f"- **{label}**: not enough answers this quarter to report.")
        continue
    change = "" if old is None or old != old else f" ({value - old:+.2f} since {prev})"
    lines.append(f"- **{label}**: {value:.2f} on a 1-5 scale{change}.")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Trends
# Quarterly means on the 1-5 scale. Employees answer the monthly pulse
# (leadership quality, employee experience); customers answer the quarterly
# survey (reputation, customer satisfaction).

# %%
plotted = now.dropna(subset=["value"]).assign(measure=lambda d: d["construct"].map(names))
fig, ax = plt.subplots(figsize=(8, 4))
sns.lineplot(data=plotted, x="quarter", y="value", hue="measure", marker="o", ax=ax)
ax.set(xlabel="", ylabel="mean (1-5)", title="Organisation, quarterly means")
ax.legend(title="")
plt.xticks(rotation=45)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Units this quarter
# Blank cells: too few respondents to show, or withheld so that a small group
# cannot be worked out from the others.

# %%
units = quarter_summary(data, quarter, min_group_size=min_group_size)
sat.guard(units.rename(columns={"n_employees": "n"})[["unit", "n"]])
sat.guard(units.rename(columns={"n_customers": "n"})[["unit", "n"]])
shown = units.drop(columns=["employees_suppressed", "customers_suppressed"]).rename(
    columns={
        "unit": "Unit",
        "n_employees": "Employees answering",
        "LQ": "Leadership quality",
        "EX": "Employee experience",
        "enps": "eNPS",
        "n_customers": "Customers answering",
        "REP": "Reputation",
        "CSAT": "Customer satisfaction",
        "nps": "NPS",
    }
)
formats = {
    c: "{:.2f}"
    for c in ["Leadership quality", "Employee experience", "Reputation", "Customer satisfaction"]
}
formats.update({c: "{:.0f}" for c in ["Employees answering", "Customers answering", "eNPS", "NPS"]})
display(shown.style.format(formats, na_rep="").hide(axis="index"))

# %% [markdown]
# ## Does employee experience lead customer satisfaction?
# Each dot is a unit-quarter (both sources at least the threshold): employee
# experience in one quarter against customer satisfaction in the next. A
# positive slope is what the linkage chain predicts (hypothesis H3).

# %%
pairs = sat.guard(lead_pairs(data, min_group_size=min_group_size).rename(columns={"n_lead": "n"}))
r = pairs["EX"].corr(pairs["CSAT"])
fig, ax = plt.subplots(figsize=(5, 4))
sns.regplot(data=pairs, x="EX", y="CSAT", ax=ax, scatter_kws={"alpha": 0.5})
ax.set(xlabel="employee experience, quarter t", ylabel="customer satisfaction, quarter t+1")
plt.tight_layout()
plt.show()
display(Markdown(f"Across {len(pairs)} unit-quarters the correlation is **r = {r:.2f}**."))

# %% [markdown]
# ## How this report was made

# %%
display(
    Markdown(
        f"- package: satisfaction {sat.__version__}\n"
        f"- quarter: {quarter}; anonymity threshold: {min_group_size}\n"
        f"- data fingerprint (SHA-256 of the raw exports): `{data_fingerprint}`\n"
        f"- responses used: {len(data.employees):,} employee, {len(data.customers):,} customer "
        "(after cleaning; every dropped or changed answer is in the cleaning log)"
    )
)

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
unit = "Payroll Services"
prepared = "../../data/processed/report"
min_group_size = 5
data_fingerprint = "unknown"

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

import satisfaction as sat
from satisfaction.reportdata import LABELS, ReportData, quarter_summary, trend

sns.set_theme(style="whitegrid", context="notebook")
data = ReportData.load(prepared)
display(Markdown(f"# {unit}: employee and customer experience, {quarter}"))
display(
    Markdown(
        f"Unit report. Quarters or sources with fewer than {min_group_size} respondents "
        "are left blank."
    )
)

# %% [markdown]
# ## This quarter, beside the organisation

# %%
units = quarter_summary(data, quarter, min_group_size=min_group_size)
mine = units[units["unit"] == unit]
if mine.empty:
    raise ValueError(f"unit {unit!r} has no responses in {quarter}")
org = sat.guard(trend(data, min_group_size=min_group_size))
org_now = org[org["quarter"] == quarter].set_index("construct")["value"]
rows = []
for construct in ("LQ", "EX", "REP", "CSAT"):
    rows.append(
        {
            "measure": LABELS[construct],
            unit: mine[construct].iloc[0],
            "organisation": org_now.get(construct),
        }
    )
table = pd.DataFrame(rows)
display(
    table.style.format({unit: "{:.2f}", "organisation": "{:.2f}"}, na_rep="").hide(axis="index")
)

# %% [markdown]
# ## The unit's trend

# %%
own = sat.guard(trend(data, unit=unit, min_group_size=min_group_size))
both = pd.concat([own.assign(who=unit), org.assign(who="organisation")], ignore_index=True)
both["construct"] = both["construct"].map(LABELS)
g = sns.relplot(
    data=both.dropna(subset=["value"]),
    x="quarter",
    y="value",
    hue="who",
    col="construct",
    col_wrap=2,
    kind="line",
    marker="o",
    height=2.8,
    aspect=1.4,
)
g.set_titles("{col_name}")
g.set_axis_labels("", "mean (1-5)")
for ax in g.axes.flat:
    ax.tick_params(axis="x", rotation=45)
plt.show()

# %% [markdown]
# ## How this report was made

# %%
display(
    Markdown(
        f"- package: satisfaction {sat.__version__}\n"
        f"- unit: {unit}; quarter: {quarter}; anonymity threshold: {min_group_size}\n"
        f"- data fingerprint (SHA-256 of the raw exports): `{data_fingerprint}`"
    )
)
